/** The benchmark's scenarios, each with the targets issue-tracked for it. */
export interface Scenario {
	name: string;
	items: number;
	latencyMs: number;
	concurrency: number;
	/** Concurrent generations the fake account allows; past it the API answers 429 with Retry-After. */
	serverCap?: number;
	/** Serve one image of this many bytes and download it as binary, in filesystem binary-data mode. */
	imageBytes?: number;
	/** Each item carries a reference image of this many bytes in a binary field, in filesystem binary-data mode. */
	referenceBytes?: number;
	/** Against the official asynchronous API: latency is the time a task takes, the cap counts running tasks. */
	official?: boolean;
	targets: {
		maxRatio?: number;
		maxExtraAttempts?: number;
		maxRssGrowthMb?: number;
		noFailures?: boolean;
		maxPollsPerTask?: number;
	};
	/** Printed as the reference other scenarios are compared with. */
	baseline?: boolean;
}

export const SCENARIOS: Scenario[] = [
	{ name: 'parallel', items: 200, latencyMs: 200, concurrency: 8, targets: { maxRatio: 1.1, noFailures: true } },
	{
		name: 'rate-limited',
		items: 120,
		latencyMs: 200,
		concurrency: 10,
		serverCap: 3,
		targets: { maxRatio: 1.3, maxExtraAttempts: 0.2, noFailures: true },
	},
	{
		name: 'binary-4mb',
		items: 100,
		latencyMs: 200,
		concurrency: 8,
		imageBytes: 4 * 1024 * 1024,
		targets: { maxRssGrowthMb: 100, noFailures: true },
	},
	{
		name: 'official-tasks',
		items: 50,
		latencyMs: 2000,
		concurrency: 5,
		serverCap: 5,
		official: true,
		targets: { maxRatio: 1.3, maxPollsPerTask: 3, noFailures: true },
	},
	{
		name: 'official-overcommitted',
		items: 50,
		latencyMs: 2000,
		concurrency: 10,
		serverCap: 5,
		official: true,
		targets: { maxRatio: 1.3, maxPollsPerTask: 3, noFailures: true },
	},
	{
		name: 'reference-9mb',
		items: 40,
		latencyMs: 50,
		concurrency: 1,
		referenceBytes: 9 * 1024 * 1024,
		// Each request briefly holds its image several times over (bytes, base64, JSON body); reading all up front took 730 MB.
		targets: { maxRssGrowthMb: 200, noFailures: true },
	},
	{ name: 'one-at-a-time', items: 200, latencyMs: 200, concurrency: 1, targets: { noFailures: true }, baseline: true },
];

export interface ScenarioResult {
	name: string;
	items: number;
	images: number;
	wallMs: number;
	idealMs: number;
	idleRssMb: number;
	peakRssMb: number;
	attempts: number;
	failedItems: number;
	/** Official API only: status checks per task, on average. */
	pollsPerTask?: number;
}

/** The time a perfect client would need: full rounds of the usable parallelism, each one latency long. */
export function idealMs(scenario: Scenario): number {
	const parallel = Math.min(scenario.concurrency, scenario.serverCap ?? Infinity);
	return Math.ceil(scenario.items / parallel) * scenario.latencyMs;
}

/** Which targets a result misses, in words; empty when all are met. */
export function missedTargets(scenario: Scenario, result: ScenarioResult): string[] {
	const { targets } = scenario;
	const missed: string[] = [];
	const ratio = result.wallMs / result.idealMs;
	if (targets.maxRatio !== undefined && ratio > targets.maxRatio) missed.push(`ratio ${ratio.toFixed(2)} > ${targets.maxRatio}`);
	const extra = (result.attempts - result.items) / result.items;
	if (targets.maxExtraAttempts !== undefined && extra >= targets.maxExtraAttempts) {
		missed.push(`extra attempts ${(extra * 100).toFixed(0)} % >= ${targets.maxExtraAttempts * 100} %`);
	}
	const growth = result.peakRssMb - result.idleRssMb;
	if (targets.maxRssGrowthMb !== undefined && growth > targets.maxRssGrowthMb) {
		missed.push(`RSS growth ${growth.toFixed(0)} MB > ${targets.maxRssGrowthMb} MB`);
	}
	if (targets.maxPollsPerTask !== undefined && (result.pollsPerTask ?? Infinity) > targets.maxPollsPerTask) {
		missed.push(`${result.pollsPerTask?.toFixed(1)} polls per task > ${targets.maxPollsPerTask}`);
	}
	if (targets.noFailures && result.failedItems > 0) missed.push(`${result.failedItems} failed items`);
	return missed;
}
