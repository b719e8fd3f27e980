/**
 * Runs one benchmark scenario in this process and prints its result as JSON on the last line.
 * Each scenario gets a fresh process so memory figures are its own.
 */
import type { ICredentialDataDecryptedObject } from 'n8n-workflow';

import { KlingAiApi } from '../credentials/KlingAiApi.credentials';
import { KlingApi } from '../credentials/KlingApi.credentials';
import { Kling } from '../nodes/Kling/Kling.node';
import { cleanupEngine, runNode } from '../test/support/engine';
import { startFakeKlingOfficialServer } from '../test/support/fakeKlingOfficialServer';
import { startFakeKlingServer } from '../test/support/fakeKlingServer';
import { SCENARIOS, idealMs } from './scenarios';
import type { Scenario, ScenarioResult } from './scenarios';

const API_KEY = 'bench-key';
const MB = 1024 * 1024;

/** The fake API of the scenario, with what the result needs to read off it. */
interface BenchServer {
	baseUrl: string;
	attempts(): number;
	pollsPerTask(): number | undefined;
	clear(): void;
	close(): Promise<void>;
}

async function startServer(scenario: Scenario, warmUp: boolean): Promise<BenchServer> {
	const latencyMs = warmUp ? 0 : scenario.latencyMs;
	if (scenario.official) {
		const server = await startFakeKlingOfficialServer({ apiKey: API_KEY, taskDurationMs: latencyMs, maxConcurrentTasks: scenario.serverCap });
		return {
			baseUrl: server.baseUrl,
			attempts: () => server.createAttempts,
			pollsPerTask: () => [...server.statusPolls.values()].reduce((sum, polls) => sum + polls, 0) / Math.max(1, server.created.length),
			clear: () => server.clear(),
			close: async () => await server.close(),
		};
	}
	const server = await startFakeKlingServer({
		apiKey: API_KEY,
		latencyMs,
		maxConcurrent: scenario.serverCap,
		retryAfterSeconds: 1,
		imageBytes: scenario.imageBytes,
	});
	return {
		baseUrl: server.baseUrl,
		attempts: () => server.attempts,
		pollsPerTask: () => undefined,
		clear: () => server.clear(),
		close: async () => await server.close(),
	};
}

function run(scenario: Scenario, baseUrl: string, items: number) {
	const credentials: Record<string, ICredentialDataDecryptedObject> = scenario.official
		? { klingAiApi: { apiKey: API_KEY, region: 'custom', baseUrl } }
		: { klingApi: { apiKey: API_KEY, baseUrl } };
	return runNode({
		nodeType: new Kling(),
		credentialTypes: [new KlingApi(), new KlingAiApi()],
		credentials,
		items: Array.from({ length: items }, (_, i) => ({ json: { prompt: `benchmark image ${i}` } })),
		continueOnFail: true,
		binaryMode: scenario.imageBytes ? 'filesystem' : 'default',
		parameters: {
			authentication: scenario.official ? 'klingAiApi' : 'klingApi',
			resource: 'image',
			operation: 'generate',
			prompt: '={{ $json.prompt }}',
			output: scenario.imageBytes ? 'binary' : 'url',
			options: { concurrency: scenario.concurrency },
		},
	});
}

async function main(): Promise<void> {
	const scenario = SCENARIOS.find((candidate) => candidate.name === process.argv[2]);
	if (!scenario) throw new Error(`Unknown scenario "${process.argv[2]}"`);
	// Warm up the engine and the node on a server of its own, so the measured server starts clean.
	const warmUpServer = await startServer(scenario, true);
	await run(scenario, warmUpServer.baseUrl, 1);
	await warmUpServer.close();
	const server = await startServer(scenario, false);
	global.gc?.();
	const idleRss = process.memoryUsage().rss;
	let peakRss = idleRss;
	const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 10);

	const started = performance.now();
	const { items, error } = await run(scenario, server.baseUrl, scenario.items);
	const wallMs = performance.now() - started;
	clearInterval(sampler);
	peakRss = Math.max(peakRss, process.memoryUsage().rss);
	if (error) throw error;

	const failed = items.filter((item) => item.json.error !== undefined);
	const result: ScenarioResult = {
		name: scenario.name,
		items: scenario.items,
		images: items.length - failed.length,
		wallMs,
		idealMs: idealMs(scenario),
		idleRssMb: idleRss / MB,
		peakRssMb: peakRss / MB,
		attempts: server.attempts(),
		failedItems: new Set(failed.map((item) => JSON.stringify(item.pairedItem))).size,
		pollsPerTask: server.pollsPerTask(),
	};
	await server.close();
	await cleanupEngine();
	console.log(JSON.stringify(result));
}

main().catch((error: Error) => {
	console.error(error.stack ?? error.message);
	process.exit(1);
});
