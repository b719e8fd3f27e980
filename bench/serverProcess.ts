/**
 * The benchmark's fake API, in a process of its own so that its CPU time and memory are not
 * counted as the node's (a real API is not in n8n's process either). Talks to its parent over IPC:
 * it sends `{baseUrl}` once listening, answers `stats` with its counters, and exits on `close`.
 */
import { startFakeKlingOfficialServer } from '../test/support/fakeKlingOfficialServer';
import { startFakeKlingServer } from '../test/support/fakeKlingServer';
import type { Scenario } from './scenarios';

/** Counters since the fake started; a batch's own figures are the difference across it. */
export interface ServerStats {
	/** Generation or task creation requests, rejected ones included. */
	attempts: number;
	/** Every HTTP request, on any route. */
	requests: number;
	/** Official API only: tasks created and status checks of them. */
	tasks?: number;
	statusPolls?: number;
}

export type ServerMessage = { baseUrl: string } | { stats: ServerStats };

export const BENCH_API_KEY = 'bench-key';

async function start(scenario: Scenario) {
	if (scenario.official) {
		const server = await startFakeKlingOfficialServer({
			apiKey: BENCH_API_KEY,
			taskDurationMs: scenario.latencyMs,
			...(scenario.twoModels
				? { taskLimitsByModel: { 'kling-v3': scenario.serverCap ?? 1, 'kling-image-o1': scenario.serverCap ?? 1 } }
				: { maxConcurrentTasks: scenario.serverCap }),
		});
		const stats = (): ServerStats => ({
			// Image tasks only: a try-on burst beside them is load, not the measured work.
			attempts: server.createAttempts - (server.createAttemptsByFamily.tryOn ?? 0),
			requests: server.httpRequests,
			tasks: server.created.filter((task) => task.family !== 'tryOn').length,
			statusPolls: [...server.statusPolls.values()].reduce((sum, polls) => sum + polls, 0),
		});
		return { baseUrl: server.baseUrl, stats, close: async () => await server.close() };
	}
	const server = await startFakeKlingServer({
		apiKey: BENCH_API_KEY,
		latencyMs: scenario.latencyMs,
		maxConcurrent: scenario.serverCap,
		retryAfterSeconds: 1,
		imageBytes: scenario.imageBytes,
	});
	const stats = (): ServerStats => ({ attempts: server.attempts, requests: server.httpRequests });
	return { baseUrl: server.baseUrl, stats, close: async () => await server.close() };
}

async function main(): Promise<void> {
	const scenario = JSON.parse(process.argv[2]) as Scenario;
	const server = await start(scenario);
	const send = (message: ServerMessage) => process.send?.(message);
	process.on('message', (message: string) => {
		if (message === 'stats') send({ stats: server.stats() });
		if (message === 'close') void server.close().then(() => process.exit(0));
	});
	send({ baseUrl: server.baseUrl });
}

if (require.main === module) void main();
