/**
 * `npm run bench`: runs every scenario in a fresh process and prints one table, with the targets
 * met or missed. `npm run bench -- parallel rate-limited` runs some; `--cpu-prof` also writes a CPU
 * profile of each measured batch into bench-profiles/.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';

import { SCENARIOS, batches, extraAttempts, missedTargets } from './scenarios';
import type { Scenario, ScenarioResult } from './scenarios';

const PROFILE_DIR = 'bench-profiles';

function runScenario(name: string, profileDir: string | undefined): ScenarioResult[] {
	const output = execFileSync(process.execPath, ['--expose-gc', join(__dirname, 'scenario.js'), name], {
		encoding: 'utf8',
		stdio: ['ignore', 'pipe', 'inherit'],
		env: profileDir ? { ...process.env, BENCH_CPU_PROFILE_DIR: profileDir } : process.env,
	});
	return JSON.parse(output.trim().split('\n').pop() as string) as ScenarioResult[];
}

function pad(cells: string[], widths: number[]): string {
	return cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ');
}

function setUp(scenario: Scenario): string {
	const items = scenario.executions ? `${scenario.executions} executions x ${scenario.items} items` : `${scenario.items} items`;
	return `${items}, concurrency ${scenario.concurrency ?? 'default'}`;
}

/** "24x2" for several executions at once, else the item count. */
function itemsCell(result: ScenarioResult): string {
	return result.executions > 1 ? `${result.executions}x${result.items / result.executions}` : String(result.items);
}

const args = process.argv.slice(2);
const profileDir = args.includes('--cpu-prof') ? resolve(PROFILE_DIR) : undefined;
if (profileDir) mkdirSync(profileDir, { recursive: true });
const only = args.filter((arg) => !arg.startsWith('--'));
const chosen = SCENARIOS.filter((scenario) => only.length === 0 || only.includes(scenario.name));
const headers = [
	'scenario', 'items', 'images', 'wall s', 'ideal s', 'ratio', 'speed-up', 'idle RSS MB', 'peak RSS MB',
	'attempts', 'extra', 'polls/task', 'CPU ms/req', 'failed', 'failed execs', 'targets',
];
const rows: string[][] = [];
let allMet = true;
const measured = chosen.flatMap((scenario) => {
	console.error(`running ${scenario.name} (${setUp(scenario)}) ...`);
	const results = runScenario(scenario.name, profileDir);
	return batches(scenario).map((batch, i) => ({ scenario, batch, result: results[i] }));
});
const baseline = measured.find(({ scenario }) => scenario.baseline)?.result;
/** A speed-up only means something against the baseline's own workload. */
const comparable = (reference: ScenarioResult | undefined, result: ScenarioResult) =>
	reference !== undefined && reference.items === result.items && reference.images === result.images;
for (const { batch, result } of measured) {
	const missed = missedTargets(batch.targets, result);
	allMet &&= missed.length === 0 || batch.open !== undefined;
	rows.push([
		result.name,
		itemsCell(result),
		String(result.images),
		(result.wallMs / 1000).toFixed(2),
		(result.idealMs / 1000).toFixed(2),
		(result.wallMs / result.idealMs).toFixed(2),
		comparable(baseline, result) ? `${(baseline!.wallMs / result.wallMs).toFixed(1)}x` : '-',
		result.idleRssMb.toFixed(0),
		result.peakRssMb.toFixed(0),
		String(result.attempts),
		`${(extraAttempts(result) * 100).toFixed(0)} %`,
		result.pollsPerTask === undefined ? '-' : result.pollsPerTask.toFixed(2),
		(result.cpuMs / Math.max(1, result.requests)).toFixed(2),
		String(result.failedItems),
		String(result.failedExecutions),
		missed.length ? `MISSED${batch.open ? ` (open: ${batch.open})` : ''}: ${missed.join('; ')}` : 'met',
	]);
}
const widths = headers.map((header, i) => Math.max(header.length, ...rows.map((row) => row[i].length)));
console.log(`Node ${process.version}, ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 1024 ** 3).toFixed(0)} GiB`);
console.log(pad(headers, widths));
for (const row of rows) console.log(pad(row, widths));
if (profileDir) console.log(`CPU profiles (the profiler's own cost is in CPU ms/req): ${profileDir}`);
process.exitCode = allMet ? 0 : 1;
