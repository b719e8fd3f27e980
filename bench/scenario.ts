/**
 * Runs one benchmark scenario in this process and prints its results (one per batch) as JSON on
 * the last line. Each scenario gets a fresh process so memory and CPU figures are its own.
 */
import { fork } from 'node:child_process';
import { join } from 'node:path';

import type { ICredentialDataDecryptedObject, INodeExecutionData } from 'n8n-workflow';

import { KlingAiApi } from '../credentials/KlingAiApi.credentials';
import { KlingApi } from '../credentials/KlingApi.credentials';
import { Kling } from '../nodes/Kling/Kling.node';
import { readRunSettings } from '../nodes/Kling/parameters/options';
import { cleanupEngine, runNode, setBinaryMode, storeBinaryInput } from '../test/support/engine';
import { largePng, promptJpeg } from '../test/support/fakeImages';
import type { NodeRun } from '../test/support/engine';
import { startCpuProfile } from './cpuProfile';
import { trackPeakRss } from './peakRss';
import { BENCH_API_KEY } from './serverProcess';
import type { ServerMessage, ServerStats } from './serverProcess';
import { SCENARIOS, batches, idealMs, totalItems } from './scenarios';
import type { Batch, Scenario, ScenarioResult } from './scenarios';

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

/** What the node runs with when the scenario leaves Parallel Requests out: the node's own default. */
function concurrencyOf(scenario: Scenario): number {
	return scenario.concurrency ?? readRunSettings({}).concurrency;
}

/** Stored before memory is measured: in filesystem mode the references are files, not memory. */
async function inputItems(scenario: Scenario, count: number, execution: number): Promise<INodeExecutionData[]> {
	const items = Array.from({ length: count }, (_, i): INodeExecutionData => ({ json: { prompt: `benchmark image ${execution}-${i}` } }));
	if (!scenario.referenceBytes) return items;
	await setBinaryMode('filesystem');
	const reference = largePng(scenario.referenceBytes);
	for (const item of items) item.binary = { data: await storeBinaryInput(reference, 'reference.png', 'image/png') };
	return items;
}

/** `executionId` is unique across the scenario's processes, as n8n's are across queue-mode workers (external task ids derive from it). */
function run(scenario: Scenario, baseUrl: string, items: INodeExecutionData[], executionId?: string) {
	const credentials: Record<string, ICredentialDataDecryptedObject> = scenario.official
		? { klingAiApi: { apiKey: BENCH_API_KEY, region: 'custom', baseUrl } }
		: { klingApi: { apiKey: BENCH_API_KEY, baseUrl } };
	const options = scenario.concurrency === undefined ? {} : { concurrency: scenario.concurrency };
	return runNode({
		nodeType: new Kling(),
		credentialTypes: [new KlingApi(), new KlingAiApi()],
		credentials,
		items,
		continueOnFail: true,
		executionId,
		binaryMode: scenario.imageBytes || scenario.referenceBytes ? 'filesystem' : 'default',
		parameters: {
			authentication: scenario.official ? 'klingAiApi' : 'klingApi',
			resource: 'image',
			operation: 'generate',
			prompt: '={{ $json.prompt }}',
			output: scenario.imageBytes ? 'binary' : 'url',
			...(scenario.referenceBytes ? { imageSource: 'binary', binaryPropertyName: 'data' } : {}),
			...(scenario.twoModels ? { modelName: 'kling-v3' } : {}),
			options,
		},
	});
}

/** The try-on burst of a scenario: person images as binary, a garment by URL (the fake does not fetch it). */
async function runTryOnBurst(scenario: Scenario, baseUrl: string) {
	const person = await storeBinaryInput(promptJpeg('person', 0), 'person.jpg', 'image/jpeg');
	return await runNode({
		nodeType: new Kling(),
		credentialTypes: [new KlingApi(), new KlingAiApi()],
		credentials: { klingAiApi: { apiKey: BENCH_API_KEY, region: 'custom', baseUrl } },
		items: Array.from({ length: scenario.tryOnBurst ?? 0 }, () => ({ json: {}, binary: { person } })),
		continueOnFail: true,
		parameters: {
			authentication: 'klingAiApi',
			resource: 'image',
			operation: 'tryOn',
			humanImageBinaryField: 'person',
			clothImageSource: 'url',
			clothImageUrl: 'https://example.com/shirt.png',
			output: 'url',
			options: { concurrency: scenario.tryOnBurst },
		},
	});
}

/** The Omni Image (kling-image-o1) execution beside each measured one of a two-model scenario. */
function runOmni(scenario: Scenario, baseUrl: string, items: INodeExecutionData[]) {
	return runNode({
		nodeType: new Kling(),
		credentialTypes: [new KlingApi(), new KlingAiApi()],
		credentials: { klingAiApi: { apiKey: BENCH_API_KEY, region: 'custom', baseUrl } },
		items,
		continueOnFail: true,
		parameters: {
			authentication: 'klingAiApi',
			resource: 'image',
			operation: 'omniImage',
			omniModel: 'kling-image-o1',
			prompt: '={{ $json.prompt }}',
			omniAspectRatio: '1:1',
			output: 'url',
			options: scenario.concurrency === undefined ? {} : { concurrency: scenario.concurrency },
		},
	});
}

/** Items that failed in one execution: all of them when the execution itself failed. */
function failedItemsOf({ items, error }: NodeRun, itemCount: number): number {
	if (error) return itemCount;
	const failed = items.filter((item) => item.json.error !== undefined);
	return new Set(failed.map((item) => JSON.stringify(item.pairedItem))).size;
}

/** What a batch's executions came to: failed items per execution, and images made. */
interface BatchOutcome {
	failedPerRun: number[];
	images: number;
	/** performance.now() in the process that ran them, when the measured executions ended (a try-on burst may go on). */
	endedAt: number;
}

/** Counts executions in this process, so that execution ids never repeat. */
let executionBatch = 0;

/** Runs `executions` executions at once in this process; a try-on burst beside them counts its failures, not its images. */
async function runExecutions(scenario: Scenario, baseUrl: string, executions: number): Promise<BatchOutcome> {
	const inputs = await Promise.all(Array.from({ length: executions }, async (_, e) => await inputItems(scenario, scenario.items, e)));
	const burst = scenario.tryOnBurst ? runTryOnBurst(scenario, baseUrl) : undefined;
	const runs = await Promise.all(
		inputs.flatMap((items, e) =>
			scenario.twoModels
				? [run(scenario, baseUrl, items), runOmni(scenario, baseUrl, items.map((item) => ({ json: { ...item.json } })))]
				: [run(scenario, baseUrl, items, `${process.pid}-${e}-${executionBatch++}`)],
		),
	);
	const endedAt = performance.now();
	const failedPerRun = runs.map((nodeRun) => failedItemsOf(nodeRun, scenario.items));
	const images = runs.flatMap((nodeRun) => nodeRun.items).filter((item) => item.json.error === undefined).length;
	// The burst must run beside the image tasks, not break.
	if (burst) failedPerRun.push(failedItemsOf(await burst, scenario.tryOnBurst ?? 0));
	return { failedPerRun, images, endedAt };
}

/**
 * A worker process of a scenario with several processes (n8n's queue mode: each worker learns the
 * account alone): runs the executions it is told to against the address it is told, and answers
 * with their outcome.
 */
interface WorkerProcess {
	run(baseUrl: string, executions: number): Promise<BatchOutcome>;
	stop(): void;
}

function startWorker(scenario: Scenario): WorkerProcess {
	const child = fork(join(__dirname, 'scenario.js'), [scenario.name, '--worker'], { stdio: 'inherit' });
	return {
		run: async (baseUrl, executions) => {
			const answer = new Promise<BatchOutcome>((resolve) => child.once('message', (m) => resolve(m as BatchOutcome)));
			child.send({ baseUrl, executions });
			return await answer;
		},
		stop: () => child.send('stop'),
	};
}

function workerMain(scenario: Scenario): void {
	process.on('message', (message: { baseUrl: string; executions: number } | 'stop') => {
		if (message === 'stop') return void cleanupEngine().then(() => process.exit(0));
		void runExecutions(scenario, message.baseUrl, message.executions).then((outcome) => process.send?.(outcome));
	});
}

/** Starts all executions of a batch at once (across the scenario's processes) and measures them until the last one ends. */
async function measureBatch(scenario: Scenario, server: BenchServer, batch: Batch, workers: WorkerProcess[]): Promise<ScenarioResult> {
	const executions = scenario.executions ?? 1;
	const before = await server.stats();
	const rss = trackPeakRss();
	const profile = await startCpuProfile(batch.name);
	const cpuBefore = process.cpuUsage();
	const started = performance.now();
	const outcomes =
		workers.length === 0
			? [await runExecutions(scenario, server.baseUrl, executions)]
			: await Promise.all(workers.map(async (worker) => await worker.run(server.baseUrl, executions / workers.length)));
	// In this process the measured executions' own end counts; workers' clocks are their own.
	const wallMs = (workers.length === 0 ? outcomes[0].endedAt : performance.now()) - started;
	const cpu = process.cpuUsage(cpuBefore);
	await profile?.stop();
	const peakRss = rss.stop();
	const after = await server.stats();

	const failedPerRun = outcomes.flatMap((outcome) => outcome.failedPerRun);
	const failedItems = failedPerRun.reduce((sum, failed) => sum + failed, 0);
	const images = outcomes.reduce((sum, outcome) => sum + outcome.images, 0);
	const requests = after.requests - before.requests;
	const tasks = (after.tasks ?? 0) - (before.tasks ?? 0);
	return {
		name: batch.name,
		items: totalItems(scenario),
		executions,
		images,
		wallMs,
		idealMs: idealMs(scenario, concurrencyOf(scenario)),
		idleRssMb: rss.idle / MB,
		peakRssMb: peakRss / MB,
		attempts: after.attempts - before.attempts,
		requests,
		cpuMs: (cpu.user + cpu.system) / 1000,
		failedItems,
		failedExecutions: failedPerRun.filter((failed) => failed > 0).length,
		pollsPerTask: scenario.official ? ((after.statusPolls ?? 0) - (before.statusPolls ?? 0)) / Math.max(1, tasks) : undefined,
	};
}

async function main(): Promise<void> {
	const scenario = SCENARIOS.find((candidate) => candidate.name === process.argv[2]);
	if (!scenario) throw new Error(`Unknown scenario "${process.argv[2]}"`);
	if (process.argv.includes('--worker')) return workerMain(scenario);
	const workers = Array.from({ length: scenario.processes ?? 0 }, () => startWorker(scenario));
	// Warm up the engine and the node on a quick server of its own, so the measured one starts clean.
	const warmUpServer = await startServer({ ...scenario, latencyMs: 0 });
	if (workers.length === 0) await run(scenario, warmUpServer.baseUrl, await inputItems(scenario, 1, 0));
	else await Promise.all(workers.map(async (worker) => await worker.run(warmUpServer.baseUrl, 1)));
	await warmUpServer.close();
	const server = await startServer(scenario);
	const results: ScenarioResult[] = [];
	for (const batch of batches(scenario)) results.push(await measureBatch(scenario, server, batch, workers));
	for (const worker of workers) worker.stop();
	await server.close();
	await cleanupEngine();
	console.log(JSON.stringify(results));
}

main().catch((error: Error) => {
	console.error(error.stack ?? error.message);
	process.exit(1);
});
