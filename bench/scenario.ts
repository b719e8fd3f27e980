/**
 * Runs one benchmark scenario in this process and prints its result as JSON on the last line.
 * Each scenario gets a fresh process so memory figures are its own.
 */
import { KlingApi } from '../credentials/KlingApi.credentials';
import { Kling } from '../nodes/Kling/Kling.node';
import { cleanupEngine, runNode } from '../test/support/engine';
import { startFakeKlingServer } from '../test/support/fakeKlingServer';
import { SCENARIOS, idealMs } from './scenarios';
import type { Scenario, ScenarioResult } from './scenarios';

const API_KEY = 'bench-key';
const MB = 1024 * 1024;

function run(scenario: Scenario, baseUrl: string, items: number) {
	return runNode({
		nodeType: new Kling(),
		credentialTypes: [new KlingApi()],
		credentials: { klingApi: { apiKey: API_KEY, baseUrl } },
		items: Array.from({ length: items }, (_, i) => ({ json: { prompt: `benchmark image ${i}` } })),
		continueOnFail: true,
		binaryMode: scenario.imageBytes ? 'filesystem' : 'default',
		parameters: {
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
	const server = await startFakeKlingServer({
		apiKey: API_KEY,
		latencyMs: scenario.latencyMs,
		maxConcurrent: scenario.serverCap,
		retryAfterSeconds: 1,
		imageBytes: scenario.imageBytes,
	});
	// Warm up the engine, the node and the server (and the big image) before measuring the idle process.
	await run({ ...scenario, latencyMs: 0 }, server.baseUrl, 1);
	server.clear();
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

	const failedItems = new Set(items.filter((item) => item.json.error !== undefined).map((item) => JSON.stringify(item.pairedItem))).size;
	const result: ScenarioResult = {
		name: scenario.name,
		items: scenario.items,
		images: items.filter((item) => item.json.error === undefined).length,
		wallMs,
		idealMs: idealMs(scenario),
		idleRssMb: idleRss / MB,
		peakRssMb: peakRss / MB,
		attempts: server.attempts,
		failedItems,
	};
	await server.close();
	await cleanupEngine();
	console.log(JSON.stringify(result));
}

main().catch((error: Error) => {
	console.error(error.stack ?? error.message);
	process.exit(1);
});
