import { join } from 'node:path';

import { repoRoot } from './paths';
import { cleanNpmEnv, runOk } from './proc';

/** Builds the package (`npm run build`). */
export async function buildPackage(): Promise<void> {
	await runOk('npm', ['run', 'build'], { cwd: repoRoot, env: cleanNpmEnv() });
}

/** Packs the built package into `destination` as users get it from npm; returns the tarball's path. */
export async function packPackage(destination: string): Promise<string> {
	const { stdout } = await runOk('npm', ['pack', '--json', '--pack-destination', destination], {
		cwd: repoRoot,
		env: cleanNpmEnv(),
	});
	const [packed] = JSON.parse(stdout.slice(stdout.indexOf('['))) as Array<{ filename: string }>;
	return join(destination, packed.filename);
}
