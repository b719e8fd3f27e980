/**
 * n8n in queue mode on one machine: a main (`n8n start`: editor, REST API and
 * webhooks; it puts executions on the Redis queue) and workers (`n8n worker`: they
 * run them), sharing PostgreSQL and Redis. Every process has its own user folder
 * with the packed node installed in its `.n8n/nodes`, as separate containers would:
 * each n8n process loads community packages from its own folder only.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { N8nInstance, freePort } from './n8nInstance';
import type { N8nRuntime } from './n8nRuntime';
import { CommandError, pollUntil, stopProcessGroup, tail } from './proc';
import type { PostgresServer, RedisServer } from './services';

export interface QueueModeOptions {
	runtime: N8nRuntime;
	/** The packed node, installed into every process's user folder. */
	tarball: string;
	/** An empty folder for the user folders and log files. */
	root: string;
	postgres: PostgresServer;
	redis: RedisServer;
	workers: number;
	/** `n8n worker --concurrency`: executions one worker runs at once (n8n warns below 5). */
	workerConcurrency: number;
	/**
	 * Bull's job lock, in milliseconds: a worker holds a lock on each job it runs and renews it
	 * every `renew`; a job whose lock lapsed (its worker died) is found by the check every
	 * `stalledCheck` and run again from the start, under the same execution id, by another
	 * worker. n8n's defaults (60 s, 10 s, 30 s) make that take up to 90 s.
	 */
	jobLock?: { duration: number; renew: number; stalledCheck: number };
}

/** How long n8n may take to boot on a busy two-core machine. */
const START_TIMEOUT_MS = 180_000;

/** A running n8n process whose output goes to a log file. */
export class LoggedProcess {
	constructor(
		readonly name: string,
		readonly logFile: string,
		readonly child: ChildProcess,
	) {}

	log(): string {
		return existsSync(this.logFile) ? readFileSync(this.logFile, 'utf8') : '';
	}

	/** Why the process is gone, with its last log lines; undefined while it runs. */
	exitReason(): string | undefined {
		const { exitCode, signalCode } = this.child;
		if (exitCode === null && signalCode === null) return undefined;
		return `${this.name} exited (${exitCode ?? signalCode}); its log ends:\n${tail(this.log())}`;
	}

	async waitForLog(pattern: RegExp, timeoutMs = START_TIMEOUT_MS): Promise<void> {
		await pollUntil(() => pattern.test(this.log()), {
			timeoutMs,
			intervalMs: 500,
			what: `${this.name} to log ${pattern}`,
			abortIf: () => this.exitReason(),
		});
	}

	/** n8n shuts down gracefully on SIGTERM within N8N_GRACEFUL_SHUTDOWN_TIMEOUT; later it is killed. */
	async stop(): Promise<void> {
		await stopProcessGroup(this.child, 15_000);
	}

	/** SIGKILL to the process and what it started (its task runner), at once. */
	async kill(): Promise<void> {
		await stopProcessGroup(this.child, 0, 'SIGKILL');
	}
}

/** Execution ids a worker's log says it started (`Worker started execution <id> (job <n>)`). */
export function executionsStarted(log: string): string[] {
	return [...log.matchAll(/Worker started execution (\d+) \(job /g)].map((match) => match[1]);
}

/**
 * The settings every process needs alike: queue mode on Redis, the shared PostgreSQL
 * database, and binary data in that database (n8n 1.x supports no filesystem mode in
 * queue mode: a worker's files would not be where the main looks). The encryption key
 * is `N8nInstance`'s fixed one, the same for all.
 */
function queueModeEnv({ postgres, redis, jobLock }: QueueModeOptions): NodeJS.ProcessEnv {
	const lock = jobLock && {
		QUEUE_WORKER_LOCK_DURATION: String(jobLock.duration),
		QUEUE_WORKER_LOCK_RENEW_TIME: String(jobLock.renew),
		QUEUE_WORKER_STALLED_INTERVAL: String(jobLock.stalledCheck),
	};
	return {
		...lock,
		EXECUTIONS_MODE: 'queue',
		QUEUE_BULL_REDIS_HOST: redis.host,
		QUEUE_BULL_REDIS_PORT: String(redis.port),
		DB_TYPE: 'postgresdb',
		DB_POSTGRESDB_HOST: postgres.host,
		DB_POSTGRESDB_PORT: String(postgres.port),
		DB_POSTGRESDB_DATABASE: postgres.database,
		DB_POSTGRESDB_USER: postgres.user,
		DB_POSTGRESDB_PASSWORD: postgres.password,
		N8N_AVAILABLE_BINARY_DATA_MODES: 'filesystem,database',
		// Manual runs from the editor go to the workers too, like production ones.
		OFFLOAD_MANUAL_EXECUTIONS_TO_WORKERS: 'true',
		// Info level logs each job a worker starts and finishes, with the execution id.
		N8N_LOG_LEVEL: 'info',
		N8N_GRACEFUL_SHUTDOWN_TIMEOUT: '5',
	};
}

export class QueueModeN8n {
	private mainProcess: LoggedProcess | undefined;
	private workerProcesses: LoggedProcess[] = [];
	private readonly activeWorkflowIds: string[] = [];

	private constructor(
		/** The main's instance; its CLI imports into the shared database. */
		readonly main: N8nInstance,
		readonly workerInstances: N8nInstance[],
		readonly port: number,
		private readonly options: QueueModeOptions,
	) {}

	/** Makes the user folders (`main`, `worker-1`, ...) and installs the packed node into each. */
	static async create(options: QueueModeOptions): Promise<QueueModeN8n> {
		const env = queueModeEnv(options);
		const names = ['main', ...Array.from({ length: options.workers }, (_, index) => `worker-${index + 1}`)];
		const instances = await Promise.all(
			names.map(async (name) => {
				const userFolder = join(options.root, name);
				mkdirSync(userFolder, { recursive: true });
				const instance = await N8nInstance.create(options.runtime, { userFolder, binaryMode: 'database', env });
				await instance.installNodePackage(options.tarball);
				return instance;
			}),
		);
		const [main, ...workers] = instances;
		return new QueueModeN8n(main, workers, await freePort(), options);
	}

	get baseUrl(): string {
		return `http://127.0.0.1:${this.port}`;
	}

	/** A production webhook's URL on the main. */
	webhookUrl(path: string): string {
		return `${this.baseUrl}/webhook/${path}`;
	}

	/**
	 * Marks imported workflows active; n8n activates them when the main starts (so call this
	 * before `start`). n8n 2.x publishes a workflow's current version (`publish:workflow`);
	 * 1.x sets its active flag (`update:workflow --active=true`).
	 */
	async activateWorkflows(ids: string[]): Promise<void> {
		const publish = existsSync(join(this.main.runtime.dir, 'node_modules', 'n8n', 'dist', 'commands', 'publish', 'workflow.js'));
		for (const id of ids) {
			const args = publish ? ['publish:workflow', `--id=${id}`] : ['update:workflow', `--id=${id}`, '--active=true'];
			const said = publish ? `Publishing workflow with ID: ${id}` : `Activating workflow with ID: ${id}`;
			const result = await this.main.cli(args);
			if (result.code !== 0 || !`${result.stdout}${result.stderr}`.includes(said)) {
				throw new CommandError(`n8n ${args.join(' ')}`, result);
			}
			this.activeWorkflowIds.push(id);
		}
	}

	/**
	 * Starts the main and the workers side by side and waits until all are ready: the
	 * main once it logs "Editor is now accessible" (its /healthz answers before the
	 * workflows are activated), each worker once its health check says it reaches the
	 * database and Redis.
	 */
	async start(): Promise<void> {
		const main = this.main.startLogged(['start'], this.logFile('main'), this.main.editorEnv(this.port));
		this.mainProcess = new LoggedProcess('n8n main', this.logFile('main'), main);
		const workers = await Promise.all(
			this.workerInstances.map(async (instance, index) => await this.startWorker(instance, index)),
		);
		this.workerProcesses = workers.map((worker) => worker.process);
		await Promise.all([
			this.mainProcess.waitForLog(/Editor is now accessible/),
			...workers.map(async ({ process, healthUrl }) => {
				await process.waitForLog(/n8n worker is now ready/);
				await pollUntil(
					async () =>
						await fetch(healthUrl).then(
							(response) => response.ok,
							() => false,
						),
					{
						timeoutMs: 60_000,
						what: `${process.name}'s readiness at ${healthUrl}`,
					},
				);
			}),
		]);
		await this.waitForWebhooks();
	}

	/**
	 * The main stores the webhooks of each workflow it activated in the shared database (where
	 * it looks up every call); a workflow it could not activate (e.g. a node it cannot load)
	 * has none and would answer every call with 404. n8n 2.x neither logs activations by id
	 * nor registers webhooks before the editor is up, so the database is asked, for both lines.
	 */
	private async waitForWebhooks(): Promise<void> {
		const registered = async () => {
			const rows = await this.options.postgres.query('SELECT DISTINCT "workflowId" FROM webhook_entity');
			return new Set(rows.map(([id]) => id));
		};
		const missing = async () => {
			const present = await registered();
			return this.activeWorkflowIds.filter((id) => !present.has(id));
		};
		try {
			await pollUntil(async () => (await missing()).length === 0, {
				timeoutMs: 60_000,
				intervalMs: 500,
				what: 'the main to register the webhooks of the active workflows',
				abortIf: () => this.mainProcess?.exitReason(),
			});
		} catch (error) {
			const ids = (await missing().catch(() => this.activeWorkflowIds)).join(', ');
			throw new Error(
				`The main did not activate workflow(s) ${ids} (${(error as Error).message}); its log ends:\n${tail(this.mainLog, 40)}`,
			);
		}
	}

	/**
	 * Kills worker `index` (0-based) and what it started with SIGKILL, as when its machine or
	 * container dies: it neither finishes nor hands back the jobs it holds. Their locks lapse,
	 * and another worker runs them again.
	 */
	async killWorker(index: number): Promise<void> {
		await this.workerProcesses[index].kill();
	}

	private async startWorker(
		instance: N8nInstance,
		index: number,
	): Promise<{ process: LoggedProcess; healthUrl: string }> {
		const name = `worker-${index + 1}`;
		// Each worker's health server on a port of its own (all default to 5678).
		const healthPort = await freePort();
		const env = {
			QUEUE_HEALTH_CHECK_ACTIVE: 'true',
			QUEUE_HEALTH_CHECK_PORT: String(healthPort),
			N8N_WORKER_SERVER_ADDRESS: '127.0.0.1',
		};
		const args = ['worker', `--concurrency=${this.options.workerConcurrency}`];
		const child = instance.startLogged(args, this.logFile(name), env);
		return {
			process: new LoggedProcess(`n8n ${name}`, this.logFile(name), child),
			healthUrl: `http://127.0.0.1:${healthPort}/healthz/readiness`,
		};
	}

	private logFile(name: string): string {
		return join(this.options.root, `${name}.log`);
	}

	get mainLog(): string {
		return this.mainProcess?.log() ?? '';
	}

	/** Each worker's log so far, in worker order. */
	get workerLogs(): string[] {
		return this.workerProcesses.map((worker) => worker.log());
	}

	async stop(): Promise<void> {
		await Promise.all([this.mainProcess, ...this.workerProcesses].map(async (process) => await process?.stop()));
	}
}
