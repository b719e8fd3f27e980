/**
 * One isolated n8n: its own user folder (database, settings, binary data,
 * community nodes), driven through n8n's command line.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

import type { INodeExecutionData, IRun } from 'n8n-workflow';

import type { N8nRuntime } from './n8nRuntime';
import { CommandError, cleanNpmEnv, npmEnvFor, pollUntil, run, runOk } from './proc';
import type { RunResult } from './proc';
import type { WorkflowJson } from './workflows';

export interface InstanceOptions {
	/** Becomes `N8N_USER_FOLDER`; n8n keeps its data in `<userFolder>/.n8n`. */
	userFolder: string;
	/**
	 * Default `'filesystem'`: binary data goes to files, not into memory. Queue mode
	 * needs `'database'`: there a worker stores what the main reads back.
	 */
	binaryMode?: 'filesystem' | 'default' | 'database';
	/** Folders the file nodes may read and write (`N8N_RESTRICT_FILE_ACCESS_TO`). */
	fileAccess?: string[];
	/** Extra environment, applied last. */
	env?: NodeJS.ProcessEnv;
}

/** A credential as `n8n import:credentials` reads it; `data` is encrypted on import. */
export interface CredentialFile {
	id: string;
	name: string;
	type: string;
	data: Record<string, unknown>;
}

export interface Execution {
	/** The parsed `--rawOutput` JSON, or undefined when n8n printed none. */
	run: IRun | undefined;
	/** n8n's output as printed, for failure messages. */
	result: RunResult;
}

/**
 * How the README installs the package into `~/.n8n/nodes`, after `npm install --prefix <folder>`.
 * `--omit=peer` keeps npm from installing the newest n8n-workflow next to the node (its
 * isolated-vm does not build on Node 20), so the node uses n8n's own copy, as after an install
 * from n8n's settings page, which strips peer dependencies. `--ignore-scripts` as n8n's installer.
 */
export const NODE_PACKAGE_INSTALL_FLAGS = ['--ignore-scripts', '--omit=peer'];

/** The key n8n encrypts stored credentials with; fixed so that re-runs can read what earlier runs stored. */
const ENCRYPTION_KEY = 'n8n-nodes-kling-local-only';

/** A free TCP port on 127.0.0.1 (for n8n's task-runner broker, so that instances can run side by side). */
export async function freePort(): Promise<number> {
	return await new Promise((resolve, reject) => {
		const server = createServer();
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const address = server.address();
			server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
		});
	});
}

/** Waits until a started n8n serves its REST API; fails at once if the process ends first. */
export async function waitUntilReady(url: string, editor: ChildProcess, timeoutMs = 120_000): Promise<void> {
	// /healthz answers before the REST routes exist; the settings route comes with them.
	const answers = async () =>
		await fetch(`${url}/rest/settings`).then(
			(response) => response.ok,
			() => false,
		);
	await pollUntil(answers, {
		timeoutMs,
		intervalMs: 500,
		what: `n8n's REST API on ${url}`,
		abortIf: () =>
			editor.exitCode !== null || editor.signalCode !== null
				? `n8n exited (${editor.exitCode ?? editor.signalCode})`
				: undefined,
	});
}

/**
 * `execute --rawOutput` prints the run as indented JSON, but n8n may log lines
 * before it (settings warnings) and after it (on failure). The JSON starts with a
 * line `{` and ends with the last line `}`.
 */
export function parseRawOutput(stdout: string): IRun | undefined {
	const lines = stdout.split('\n');
	const start = lines.indexOf('{');
	const end = lines.lastIndexOf('}');
	if (start < 0 || end < start) return undefined;
	try {
		return JSON.parse(lines.slice(start, end + 1).join('\n')) as IRun;
	} catch {
		return undefined;
	}
}

/** The items a node put on its first output in its first run. */
export function nodeOutput(run: IRun, nodeName: string): INodeExecutionData[] {
	return run.data.resultData.runData[nodeName]?.[0]?.data?.main?.[0] ?? [];
}

export class N8nInstance {
	private constructor(
		readonly runtime: N8nRuntime,
		readonly userFolder: string,
		readonly env: NodeJS.ProcessEnv,
	) {}

	static async create(runtime: N8nRuntime, options: InstanceOptions): Promise<N8nInstance> {
		mkdirSync(join(options.userFolder, '.n8n', 'nodes'), { recursive: true });
		const env: NodeJS.ProcessEnv = cleanNpmEnv({
			N8N_USER_FOLDER: options.userFolder,
			N8N_ENCRYPTION_KEY: ENCRYPTION_KEY,
			N8N_DEFAULT_BINARY_DATA_MODE: options.binaryMode ?? 'filesystem',
			N8N_RESTRICT_FILE_ACCESS_TO: (options.fileAccess ?? []).map((dir) => realpathSync(dir)).join(';'),
			N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: 'true',
			N8N_DIAGNOSTICS_ENABLED: 'false',
			N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
			N8N_PERSONALIZATION_ENABLED: 'false',
			N8N_RUNNERS_BROKER_PORT: String(await freePort()),
			// Settings n8n 1.x warns about when left unset.
			DB_SQLITE_POOL_SIZE: '2',
			N8N_BLOCK_ENV_ACCESS_IN_NODE: 'true',
			N8N_GIT_NODE_DISABLE_BARE_REPOS: 'true',
		});
		// n8n treats NODE_ENV=test (set by jest) as its own unit tests: silent logs, no node loading.
		delete env.NODE_ENV;
		return new N8nInstance(runtime, options.userFolder, { ...env, ...options.env });
	}

	/** `<userFolder>/.n8n`, n8n's data folder. */
	get dataFolder(): string {
		return join(this.userFolder, '.n8n');
	}

	/**
	 * Installs a package tarball as a community node with the README's command
	 * (`npm install --prefix <dataFolder>/nodes` with `NODE_PACKAGE_INSTALL_FLAGS`),
	 * run by the npm on PATH on the Node that runs n8n, as on a user's machine.
	 */
	async installNodePackage(tarball: string): Promise<void> {
		const folder = join(this.dataFolder, 'nodes');
		// A reused user folder (npm run dev) may hold an earlier build under the same version.
		rmSync(join(folder, 'node_modules', 'n8n-nodes-kling'), { recursive: true, force: true });
		await runOk('npm', ['install', '--prefix', folder, ...NODE_PACKAGE_INSTALL_FLAGS, tarball], {
			cwd: this.userFolder,
			env: npmEnvFor(this.runtime.node),
			timeoutMs: 10 * 60_000,
		});
	}

	/** Runs `n8n <args>` and returns what it printed, whatever its exit code. */
	async cli(args: string[], timeoutMs = 5 * 60_000): Promise<RunResult> {
		return await run(this.runtime.node, [this.runtime.cli, ...args], {
			env: this.env,
			timeoutMs,
			cwd: this.userFolder,
		});
	}

	private async importFile(kind: 'credentials' | 'workflow', content: unknown[]): Promise<void> {
		const file = join(this.userFolder, `import-${kind}-${Date.now()}.json`);
		writeFileSync(file, JSON.stringify(content, null, '\t'));
		try {
			const result = await this.cli([`import:${kind}`, `--input=${file}`]);
			const imported = result.code === 0 && /Successfully imported/.test(result.stdout);
			if (!imported) throw new CommandError(`n8n import:${kind}`, result);
		} finally {
			rmSync(file, { force: true });
		}
	}

	async importCredentials(credentials: CredentialFile[]): Promise<void> {
		await this.importFile('credentials', credentials);
	}

	/** Imports workflows (each with a fixed `id`, so that `execute` can name it). */
	async importWorkflows(workflows: WorkflowJson[]): Promise<void> {
		await this.importFile('workflow', workflows);
	}

	/** Runs an imported workflow with `n8n execute`; a failed run is returned, not thrown. */
	async execute(workflowId: string): Promise<Execution> {
		const result = await this.cli(['execute', `--id=${workflowId}`, '--rawOutput']);
		return { run: parseRawOutput(result.stdout), result };
	}

	/**
	 * Like `execute`, but a run that did not succeed throws: with the failing node and
	 * its message when n8n reported them, otherwise with the tail of n8n's output.
	 */
	async executeOk(workflowId: string): Promise<IRun> {
		const { run: data, result } = await this.execute(workflowId);
		if (data?.status === 'success' && data.finished) {
			if (result.code === 0) return data;
			// n8n on Node 24 has been seen to die by a signal while closing down, after printing a finished run.
			if (result.signal && !result.timedOut) {
				console.warn(`n8n execute --id=${workflowId}: the run finished and succeeded, then n8n died by ${result.signal}`);
				return data;
			}
		}
		// As printed: the error's own fields, not an error class.
		const error = data?.data.resultData.error as
			| { message: string; description?: string | null; node?: { name: string } }
			| undefined;
		if (!error) throw new CommandError(`n8n execute --id=${workflowId}`, result);
		const node = error.node ? ` in node "${error.node.name}"` : '';
		const description = error.description ? `\n${error.description}` : '';
		throw new Error(`The workflow failed${node}: ${error.message}${description}`);
	}

	/**
	 * Where n8n's filesystem mode keeps the bytes of a binary data id (`filesystem-v2:...`):
	 * under `.n8n/binaryData` in n8n 1.x, `.n8n/storage` in 2.x.
	 */
	binaryDataPath(id: string): string {
		const relative = id.replace(/^filesystem(-v2)?:/, '');
		const candidates = ['storage', 'binaryData'].map((folder) => join(this.dataFolder, folder, relative));
		return candidates.find((path) => existsSync(path)) ?? candidates[candidates.length - 1];
	}

	/** The environment of `n8n start` serving the editor, REST API and webhooks on 127.0.0.1:`port`. */
	editorEnv(port: number): NodeJS.ProcessEnv {
		return {
			N8N_LISTEN_ADDRESS: '127.0.0.1',
			...this.env,
			N8N_PORT: String(port),
			N8N_HOST: 'localhost',
			N8N_SECURE_COOKIE: 'false',
		};
	}

	/** Starts the editor (`n8n start`), printing n8n's own output; stop it with `kill()`. */
	startEditor(port: number): ChildProcess {
		const env = this.editorEnv(port);
		return spawn(this.runtime.node, [this.runtime.cli, 'start'], { env, cwd: this.userFolder, stdio: 'inherit' });
	}

	/**
	 * Starts a long-running `n8n <args>` (`start`, `worker`) with `env` over this
	 * instance's, its output appended to `logFile`. It leads its own process group, so
	 * that `stopProcessGroup` also ends what it starts.
	 */
	startLogged(args: string[], logFile: string, env: NodeJS.ProcessEnv = {}): ChildProcess {
		const log = openSync(logFile, 'a');
		try {
			return spawn(this.runtime.node, [this.runtime.cli, ...args], {
				env: { ...this.env, ...env },
				cwd: this.userFolder,
				stdio: ['ignore', log, log],
				detached: true,
			});
		} finally {
			closeSync(log);
		}
	}
}
