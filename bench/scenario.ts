/**
 * Runs one benchmark scenario in this process and prints its result as JSON on the last line.
 * Each scenario gets a fresh process so memory figures are its own.
 */
import { fork } from 'node:child_process';
import { join } from 'node:path';

import type { ICredentialDataDecryptedObject, INodeExecutionData } from 'n8n-workflow';

import { KlingAiApi } from '../credentials/KlingAiApi.credentials';
import { KlingApi } from '../credentials/KlingApi.credentials';
import { Kling } from '../nodes/Kling/Kling.node';
import { cleanupEngine, runNode, setBinaryMode, storeBinaryInput } from '../test/support/engine';
import { largePng } from '../test/support/fakeImages';
import { BENCH_API_KEY } from './serverProcess';
import type { ServerMessage, ServerStats } from './serverProcess';
import { SCENARIOS, idealMs } from './scenarios';
import type { Scenario, ScenarioResult } from './scenarios';

const MB = 1024 * 1024;

/** The fake API of the scenario, running in a child process. */
interface BenchServer {
	baseUrl: string;
	stats(): Promise<ServerStats>;
	close(): Promise<void>;
}

async function startServer(scenario: Scenario): Promise<BenchServer> {
	const child = fork(join(__dirname, 'serverProcess.js'), [JSON.stringify(scenario)], { stdio: 'inherit' });
	const next = async () => await new Promise<ServerMessage>((resolve) => child.once('message', (m) => resolve(m as ServerMessage)));
	const ready = await next();
	if (!('baseUrl' in ready)) throw new Error('The fake API did not start');
	return {
		baseUrl: ready.baseUrl,
		stats: async () => {
			const answer = next();
			child.send('stats');
			const message = await answer;
			if (!('stats' in message)) throw new Error('The fake API sent no stats');
			return message.stats;
		},
		close: async () => {
			const exited = new Promise((resolve) => child.once('exit', resolve));
			child.send('close');
			await exited;
		},
	};
}

/** Stored before memory is measured: in filesystem mode the references are files, not memory. */
async function inputItems(scenario: Scenario, count: number): Promise<INodeExecutionData[]> {
	const items = Array.from({ length: count }, (_, i): INodeExecutionData => ({ json: { prompt: `benchmark image ${i}` } }));
	if (!scenario.referenceBytes) return items;
	await setBinaryMode('filesystem');
	const reference = largePng(scenario.referenceBytes);
	for (const item of items) item.binary = { data: await storeBinaryInput(reference, 'reference.png', 'image/png') };
	return items;
}

function run(scenario: Scenario, baseUrl: string, items: INodeExecutionData[]) {
	const credentials: Record<string, ICredentialDataDecryptedObject> = scenario.official
		? { klingAiApi: { apiKey: BENCH_API_KEY, region: 'custom', baseUrl } }
		: { klingApi: { apiKey: BENCH_API_KEY, baseUrl } };
	return runNode({
		nodeType: new Kling(),
		credentialTypes: [new KlingApi(), new KlingAiApi()],
		credentials,
		items,
		continueOnFail: true,
		binaryMode: scenario.imageBytes || scenario.referenceBytes ? 'filesystem' : 'default',
		parameters: {
			authentication: scenario.official ? 'klingAiApi' : 'klingApi',
			resource: 'image',
			operation: 'generate',
			prompt: '={{ $json.prompt }}',
			output: scenario.imageBytes ? 'binary' : 'url',
			...(scenario.referenceBytes ? { imageSource: 'binary', binaryPropertyName: 'data' } : {}),
			options: { concurrency: scenario.concurrency },
		},
	});
}

async function main(): Promise<void> {
	const scenario = SCENARIOS.find((candidate) => candidate.name === process.argv[2]);
	if (!scenario) throw new Error(`Unknown scenario "${process.argv[2]}"`);
	// Warm up the engine and the node on a quick server of its own, so the measured one starts clean.
	const warmUpServer = await startServer({ ...scenario, latencyMs: 0 });
	await run(scenario, warmUpServer.baseUrl, await inputItems(scenario, 1));
	await warmUpServer.close();
	const server = await startServer(scenario);
	const items = await inputItems(scenario, scenario.items);
	global.gc?.();
	const idleRss = process.memoryUsage().rss;
	let peakRss = idleRss;
	const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 10);

	const started = performance.now();
	const { items: output, error } = await run(scenario, server.baseUrl, items);
	const wallMs = performance.now() - started;
	clearInterval(sampler);
	peakRss = Math.max(peakRss, process.memoryUsage().rss);
	if (error) throw error;

	const stats = await server.stats();
	const failed = output.filter((item) => item.json.error !== undefined);
	const result: ScenarioResult = {
		name: scenario.name,
		items: scenario.items,
		images: output.length - failed.length,
		wallMs,
		idealMs: idealMs(scenario),
		idleRssMb: idleRss / MB,
		peakRssMb: peakRss / MB,
		attempts: stats.attempts,
		failedItems: new Set(failed.map((item) => JSON.stringify(item.pairedItem))).size,
		pollsPerTask: stats.pollsPerTask,
	};
	await server.close();
	await cleanupEngine();
	console.log(JSON.stringify(result));
}

main().catch((error: Error) => {
	console.error(error.stack ?? error.message);
	process.exit(1);
});
