/**
 * n8n in queue mode for a test file: a throwaway PostgreSQL and Redis, a main and
 * workers each with the packed node installed, the given credentials and webhook
 * workflows imported (through the main's CLI, into the shared database) and active.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { CredentialFile } from '../../../scripts/lib/n8nInstance';
import { QueueModeN8n, executionsStarted } from '../../../scripts/lib/n8nQueueMode';
import type { QueueModeOptions } from '../../../scripts/lib/n8nQueueMode';
import { startPostgres, startRedis } from '../../../scripts/lib/services';
import type { PostgresServer, RedisServer } from '../../../scripts/lib/services';
import type { WorkflowJson } from '../../../scripts/lib/workflows';
import { e2eSetup } from '../../support/testbed';

export interface QueueTestbedOptions {
	credentials: CredentialFile[];
	/** Webhook workflows; all are activated. */
	workflows: WorkflowJson[];
	workers: number;
	workerConcurrency: number;
	jobLock?: QueueModeOptions['jobLock'];
}

export interface QueueTestbed {
	n8n: QueueModeN8n;
	postgres: PostgresServer;
	redis: RedisServer;
	close(): Promise<void>;
}

export interface StoredExecution {
	id: string;
	status: string;
}

/** A workflow's executions as the shared database holds them, oldest first. */
export async function storedExecutions(postgres: PostgresServer, workflowId: string): Promise<StoredExecution[]> {
	const rows = await postgres.query(
		`SELECT id, status FROM execution_entity WHERE "workflowId" = '${workflowId}' ORDER BY id`,
	);
	return rows.map(([id, status]) => ({ id, status }));
}

/**
 * n8n stores run data in the `flatted` format: a JSON array whose first entry is the
 * root and in which every string inside an object or array is the index of its value.
 */
function unflatten(text: string): any {
	const table = JSON.parse(text) as unknown[];
	const revived = new Set<object>();
	const revive = (value: unknown): unknown => {
		if (typeof value !== 'string') return value;
		const target = table[Number(value)] as Record<string, unknown> | string;
		if (typeof target === 'object' && target !== null && !revived.has(target)) {
			revived.add(target);
			for (const key of Object.keys(target)) target[key] = revive(target[key]);
		}
		return target;
	};
	return revive('0');
}

/** Why each failed execution among `ids` failed: `<id>: <node>: <message>`. */
export async function executionErrors(postgres: PostgresServer, ids: string[]): Promise<string[]> {
	if (ids.length === 0) return [];
	const rows = await postgres.query(
		`SELECT "executionId", data FROM execution_data WHERE "executionId" IN (${ids.map(Number).join(',')}) ORDER BY "executionId"`,
	);
	return rows.flatMap(([id, data]) => {
		const error = unflatten(data)?.resultData?.error as { message?: string; node?: { name?: string } } | undefined;
		return error ? [`${id}: ${error.node?.name ?? 'workflow'}: ${error.message}`] : [];
	});
}

/** Which of `executionIds` each worker's log says it started, in worker order. */
export function executionsByWorker(n8n: QueueModeN8n, executionIds: string[]): string[][] {
	const wanted = new Set(executionIds);
	return n8n.workerLogs.map((log) => executionsStarted(log).filter((id) => wanted.has(id)));
}

export async function startQueueTestbed(options: QueueTestbedOptions): Promise<QueueTestbed> {
	const { runtime, tarball } = e2eSetup();
	const root = mkdtempSync(join(tmpdir(), 'n8n-kling-queue-'));
	const started: Array<{ stop(): Promise<void> }> = [];
	// Also after a failed start: whatever runs is stopped, in reverse order.
	const close = async (): Promise<void> => {
		for (const service of started.reverse()) await service.stop().catch(() => {});
		started.length = 0;
		rmSync(root, { recursive: true, force: true });
	};
	try {
		const services = await Promise.allSettled([startPostgres(), startRedis()]);
		for (const service of services) if (service.status === 'fulfilled') started.push(service.value);
		const [postgres, redis] = services.map((service) => {
			if (service.status === 'rejected') throw service.reason;
			return service.value;
		}) as [PostgresServer, RedisServer];
		const n8n = await QueueModeN8n.create({ runtime, tarball, root, postgres, redis, ...options });
		started.push(n8n);
		await n8n.main.importCredentials(options.credentials);
		await n8n.main.importWorkflows(options.workflows);
		await n8n.activateWorkflows(options.workflows.map((workflow) => workflow.id));
		await n8n.start();
		return { n8n, postgres, redis, close };
	} catch (error) {
		await close();
		throw error;
	}
}
