import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { delimiter, dirname } from 'node:path';

export interface RunOptions {
	cwd?: string;
	env?: NodeJS.ProcessEnv;
	/** Kill the process after this long. Default: no limit. */
	timeoutMs?: number;
}

export interface RunResult {
	code: number | null;
	/** The signal that ended the process, when one did (then `code` is null). */
	signal?: NodeJS.Signals | null;
	/** Killed because it outran `timeoutMs`. */
	timedOut?: boolean;
	stdout: string;
	stderr: string;
}

/** The last `lines` non-empty lines of a text, for error reports. */
export function tail(text: string, lines = 25): string {
	return text.trimEnd().split('\n').slice(-lines).join('\n');
}

/** A command that exited with a non-zero code; its message ends with the output's tail. */
export class CommandError extends Error {
	constructor(
		readonly command: string,
		readonly result: RunResult,
	) {
		const output = [tail(result.stderr), tail(result.stdout)].filter(Boolean).join('\n---\n');
		super(`\`${command}\` exited with code ${result.code}${output ? `:\n${output}` : ''}`);
	}
}

/**
 * Runs a command without a shell and collects its output. Asynchronous on purpose:
 * servers in this process (the fake Kling API) keep answering while it runs.
 */
export async function run(command: string, args: string[], options: RunOptions = {}): Promise<RunResult> {
	return await new Promise((resolve, reject) => {
		const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env });
		let stdout = '';
		let stderr = '';
		let timedOut = false;
		child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
		child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
		const timer =
			options.timeoutMs === undefined
				? undefined
				: setTimeout(() => {
						stderr += `\n[killed after ${options.timeoutMs} ms]`;
						timedOut = true;
						child.kill('SIGKILL');
					}, options.timeoutMs);
		child.on('error', (error) => {
			clearTimeout(timer);
			reject(new Error(`Could not start \`${command}\`: ${error.message}`));
		});
		child.on('close', (code, signal) => {
			clearTimeout(timer);
			resolve({ code, signal, timedOut, stdout, stderr });
		});
	});
}

/** Like `run`, but a non-zero exit code is a `CommandError`. */
export async function runOk(command: string, args: string[], options: RunOptions = {}): Promise<RunResult> {
	const result = await run(command, args, options);
	if (result.code !== 0) throw new CommandError([command, ...args].join(' '), result);
	return result;
}

/** npm settings that are safe to hand on to a nested npm (connection and cache, not behaviour). */
const NPM_PASS_THROUGH = new Set([
	'registry',
	'cache',
	'userconfig',
	'globalconfig',
	'cafile',
	'proxy',
	'https_proxy',
	'noproxy',
	'strict_ssl',
]);

/**
 * The environment without what `npm run` adds: otherwise a nested `npm install`
 * would inherit this project's settings, e.g. `ignore-scripts`, and skip native builds.
 */
export function cleanNpmEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
	const env: NodeJS.ProcessEnv = {};
	for (const [key, value] of Object.entries(process.env)) {
		const npmConfig = /^npm_config_(.+)$/.exec(key);
		if (npmConfig && !NPM_PASS_THROUGH.has(npmConfig[1])) continue;
		if (/^npm_(lifecycle|package)_|^npm_(command|execpath|node_execpath)$/.test(key)) continue;
		env[key] = value;
	}
	return { ...env, ...extra };
}

/** `cleanNpmEnv` with `node`'s folder first on PATH, so that npm, and what npm starts, runs on that Node. */
export function npmEnvFor(node: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
	return cleanNpmEnv({ PATH: `${dirname(node)}${delimiter}${process.env.PATH ?? ''}`, ...extra });
}

export interface PollOptions {
	timeoutMs: number;
	/** What is awaited, for the timeout message. */
	what: string;
	intervalMs?: number;
	/** A reason to give up at once (e.g. the process exited), or undefined to keep waiting. */
	abortIf?: () => string | undefined;
}

/** Calls `check` until it resolves true; throws on `abortIf` or after `timeoutMs`. */
export async function pollUntil(check: () => Promise<boolean> | boolean, options: PollOptions): Promise<void> {
	const deadline = Date.now() + options.timeoutMs;
	for (;;) {
		const aborted = options.abortIf?.();
		if (aborted) throw new Error(`${aborted} while waiting for ${options.what}`);
		if (await check()) return;
		if (Date.now() >= deadline)
			throw new Error(`Timed out after ${options.timeoutMs / 1000} s waiting for ${options.what}`);
		await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 250));
	}
}

const hasExited = (child: ChildProcess): boolean => child.exitCode !== null || child.signalCode !== null;

/**
 * Ends a child started with `detached: true` (so it leads its own process group)
 * together with what it started: `signal` (SIGTERM) to the group, SIGKILL after `graceMs`.
 */
export async function stopProcessGroup(
	child: ChildProcess,
	graceMs: number,
	signal: NodeJS.Signals = 'SIGTERM',
): Promise<void> {
	if (child.pid === undefined || hasExited(child)) return;
	const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
	const signalGroup = (signal: NodeJS.Signals) => {
		try {
			process.kill(-child.pid!, signal);
		} catch {
			// The group is already gone.
		}
	};
	signalGroup(signal);
	const timer = setTimeout(() => signalGroup('SIGKILL'), graceMs);
	await exited;
	clearTimeout(timer);
	// Children the leader left behind (n8n's task runner) go with the group.
	signalGroup('SIGKILL');
}
