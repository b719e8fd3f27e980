/**
 * The peak resident memory of this process over a measured stretch. On Linux the kernel keeps the
 * high-water mark and lets a process reset its own, which costs no CPU; elsewhere RSS is sampled
 * every 10 ms, and those wake-ups (about 1.5 % of a core) then count in the CPU figures.
 */
import { readFileSync, writeFileSync } from 'node:fs';

const STATUS = '/proc/self/status';
const CLEAR_REFS = '/proc/self/clear_refs';
const RESET_PEAK_RSS = '5';

/** VmHWM in bytes, after resetting it to the current RSS; undefined where the kernel cannot. */
function resetKernelPeak(): (() => number) | undefined {
	try {
		writeFileSync(CLEAR_REFS, RESET_PEAK_RSS);
	} catch {
		return undefined;
	}
	return () => Number(/^VmHWM:\s+(\d+) kB/m.exec(readFileSync(STATUS, 'utf8'))?.[1]) * 1024;
}

function samplePeak(): () => number {
	let peak = process.memoryUsage.rss();
	const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 10);
	return () => {
		clearInterval(sampler);
		return Math.max(peak, process.memoryUsage.rss());
	};
}

/** Collects garbage, notes the idle RSS, and tracks the peak until `stop()` returns it (bytes). */
export function trackPeakRss(): { idle: number; stop(): number } {
	global.gc?.();
	const idle = process.memoryUsage.rss();
	return { idle, stop: resetKernelPeak() ?? samplePeak() };
}
