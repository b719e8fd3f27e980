/** `npm run bench`: runs every scenario in a fresh process and prints one table, with the targets met or missed. */
import { execFileSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';

import { SCENARIOS, idealMs, missedTargets } from './scenarios';
import type { ScenarioResult } from './scenarios';

function runScenario(name: string): ScenarioResult {
	const output = execFileSync(process.execPath, ['--expose-gc', join(__dirname, 'scenario.js'), name], {
		encoding: 'utf8',
		stdio: ['ignore', 'pipe', 'inherit'],
	});
	return JSON.parse(output.trim().split('\n').pop() as string) as ScenarioResult;
}

function pad(cells: string[], widths: number[]): string {
	return cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ');
}

const only = process.argv.slice(2);
const chosen = SCENARIOS.filter((scenario) => only.length === 0 || only.includes(scenario.name));
const headers = ['scenario', 'items', 'images', 'wall s', 'ideal s', 'ratio', 'speed-up', 'idle RSS MB', 'peak RSS MB', 'attempts', 'polls/task', 'failed', 'targets'];
const rows: string[][] = [];
let allMet = true;
const results = chosen.map((scenario) => {
	console.error(`running ${scenario.name} (${scenario.items} items, concurrency ${scenario.concurrency}) ...`);
	return { scenario, result: runScenario(scenario.name) };
});
const baseline = results.find(({ scenario }) => scenario.baseline)?.result;
/** A speed-up only means something against the baseline's own workload. */
const comparable = (reference: ScenarioResult | undefined, result: ScenarioResult) =>
	reference !== undefined && reference.items === result.items && reference.images === result.images;
for (const { scenario, result } of results) {
	const missed = missedTargets(scenario, result);
	allMet &&= missed.length === 0;
	rows.push([
		scenario.name,
		String(result.items),
		String(result.images),
		(result.wallMs / 1000).toFixed(2),
		(idealMs(scenario) / 1000).toFixed(2),
		(result.wallMs / result.idealMs).toFixed(2),
		comparable(baseline, result) ? `${(baseline!.wallMs / result.wallMs).toFixed(1)}x` : '-',
		result.idleRssMb.toFixed(0),
		result.peakRssMb.toFixed(0),
		String(result.attempts),
		result.pollsPerTask === undefined ? '-' : result.pollsPerTask.toFixed(2),
		String(result.failedItems),
		missed.length ? `MISSED: ${missed.join('; ')}` : 'met',
	]);
}
const widths = headers.map((header, i) => Math.max(header.length, ...rows.map((row) => row[i].length)));
console.log(`Node ${process.version}, ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 1024 ** 3).toFixed(0)} GiB`);
console.log(pad(headers, widths));
for (const row of rows) console.log(pad(row, widths));
process.exitCode = allMet ? 0 : 1;
