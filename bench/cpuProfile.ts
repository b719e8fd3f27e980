/**
 * A V8 CPU profile of one measured batch only (not the start-up and warm-up a whole-process
 * `--cpu-prof` would mix in), written where BENCH_CPU_PROFILE_DIR says, as
 * `<batch>.cpuprofile`: open it in Chrome DevTools or summarise it with `bench/profileSummary`.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';

/** 100 µs: a 200 ms-latency scenario spends little CPU, and 1 ms samples would be too few to split. */
const SAMPLING_INTERVAL_US = 100;

async function post(session: Session, method: string, params: object = {}): Promise<unknown> {
	return await new Promise((resolve, reject) =>
		session.post(method, params, (error, result) => (error ? reject(error) : resolve(result))),
	);
}

/** Starts profiling when BENCH_CPU_PROFILE_DIR is set; `stop()` writes the profile. */
export async function startCpuProfile(name: string): Promise<{ stop(): Promise<void> } | undefined> {
	const dir = process.env.BENCH_CPU_PROFILE_DIR;
	if (!dir) return undefined;
	const session = new Session();
	session.connect();
	await post(session, 'Profiler.enable');
	await post(session, 'Profiler.setSamplingInterval', { interval: SAMPLING_INTERVAL_US });
	await post(session, 'Profiler.start');
	return {
		stop: async () => {
			const { profile } = (await post(session, 'Profiler.stop')) as { profile: object };
			session.disconnect();
			const file = join(dir, `${name}.cpuprofile`);
			writeFileSync(file, JSON.stringify(profile));
			console.error(`CPU profile of ${name}: ${file}`);
		},
	};
}
