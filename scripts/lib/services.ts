/**
 * Throwaway PostgreSQL and Redis servers on 127.0.0.1 for tests: each in its own
 * temporary folder, on a free port, gone again after `stop()`. They use the server
 * binaries already on this machine; nothing is downloaded.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdtempSync, openSync, readdirSync, rmSync, closeSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

import { freePort } from './n8nInstance';
import { pollUntil, runOk, stopProcessGroup } from './proc';

export interface PostgresServer {
	readonly host: string;
	readonly port: number;
	readonly database: string;
	readonly user: string;
	readonly password: string;
	/** Runs SQL as the database's user; returns the rows, each a list of column texts. */
	query(sql: string): Promise<string[][]>;
	stop(): Promise<void>;
}

export interface RedisServer {
	readonly host: string;
	readonly port: number;
	stop(): Promise<void>;
}

const HOST = '127.0.0.1';
const POSTGRES_OS_USER = 'postgres';

/** Folders that may hold PostgreSQL's server binaries: PATH first, then where Debian and source builds put them. */
function postgresBinDirs(): string[] {
	const path = (process.env.PATH ?? '').split(delimiter).filter(Boolean);
	const debian = '/usr/lib/postgresql';
	// Newest major version first.
	const versions = existsSync(debian)
		? readdirSync(debian)
				.sort((a, b) => Number(b) - Number(a))
				.map((version) => join(debian, version, 'bin'))
		: [];
	return [...path, '/usr/local/bin', '/usr/local/pgsql/bin', ...versions];
}

/** The folder holding `initdb`, `pg_ctl` and `psql`, or undefined when this machine has no PostgreSQL server. */
export function findPostgresBinDir(): string | undefined {
	const needed = ['initdb', 'pg_ctl', 'psql'];
	return postgresBinDirs().find((dir) => needed.every((name) => existsSync(join(dir, name))));
}

/** Where `name` is on PATH, or undefined. */
function onPath(name: string): string | undefined {
	const dirs = (process.env.PATH ?? '').split(delimiter).filter(Boolean);
	return dirs.map((dir) => join(dir, name)).find((file) => existsSync(file));
}

const isRoot = (): boolean => process.getuid?.() === 0;

/**
 * `initdb` and `postgres` refuse to run as root; as root, run them as the `postgres`
 * OS user (which PostgreSQL's packages create) through `runuser`, or `su` without it.
 */
function asServerUser(command: string, args: string[]): [string, string[]] {
	if (!isRoot()) return [command, args];
	if (onPath('runuser')) return ['runuser', ['-u', POSTGRES_OS_USER, '--', command, ...args]];
	const quoted = [command, ...args].map((word) => `'${word.replaceAll("'", `'\\''`)}'`).join(' ');
	return ['su', [POSTGRES_OS_USER, '-s', '/bin/sh', '-c', quoted]];
}

/** Numeric uid and gid of the `postgres` OS user (`id` reads them), for handing it the data folder. */
function serverUserIds(): { uid: number; gid: number } {
	const id = (flag: string) => spawnSync('id', [flag, POSTGRES_OS_USER], { encoding: 'utf8' });
	const [uid, gid] = [id('-u'), id('-g')];
	if (uid.status !== 0 || gid.status !== 0) {
		throw new Error(`Running as root, PostgreSQL needs the OS user "${POSTGRES_OS_USER}", which does not exist`);
	}
	return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/** The folder itself, owned by the server's OS user when we are root. */
function serverFolder(prefix: string): string {
	const folder = mkdtempSync(join(tmpdir(), prefix));
	if (isRoot()) {
		const { uid, gid } = serverUserIds();
		chownSync(folder, uid, gid);
	}
	return folder;
}

async function runAsServerUser(command: string, args: string[]): Promise<void> {
	const [program, programArgs] = asServerUser(command, args);
	await runOk(program, programArgs, { timeoutMs: 120_000 });
}

/**
 * Starts a PostgreSQL server in a new temporary folder: trust over its Unix socket (a
 * folder only its OS user and root can enter), passwords over TCP, and a database and
 * user with a password for n8n. Durability is switched off: the data dies with the test.
 */
export async function startPostgres(): Promise<PostgresServer> {
	const bin = findPostgresBinDir();
	if (!bin)
		throw new Error('No PostgreSQL server binaries (initdb, pg_ctl, psql) found on PATH or in the usual folders');
	const folder = serverFolder('n8n-kling-postgres-');
	const data = join(folder, 'data');
	const port = await freePort();
	const pgCtl = join(bin, 'pg_ctl');
	const server = {
		host: HOST,
		port,
		database: 'n8n',
		user: 'n8n',
		password: randomBytes(12).toString('hex'),
	};
	const stopArgs = (mode: 'fast' | 'immediate') => ['-D', data, '-m', mode, '-w', 'stop'];
	// If the test process ends without stop(), the server must not outlive it.
	const onExit = () => {
		spawnSync(...asServerUser(pgCtl, stopArgs('immediate')), { stdio: 'ignore' });
		rmSync(folder, { recursive: true, force: true });
	};
	let started = false;
	const stop = async () => {
		process.off('exit', onExit);
		if (started) {
			// Cleanup goes on whatever happens; a server that will not stop loses its folder anyway.
			await runAsServerUser(pgCtl, stopArgs('fast'))
				.catch(async () => await runAsServerUser(pgCtl, stopArgs('immediate')))
				.catch(() => {});
		}
		rmSync(folder, { recursive: true, force: true });
	};
	try {
		const initArgs = ['-D', data, '-U', 'postgres', '--auth-local=trust', '--auth-host=scram-sha-256'];
		await runAsServerUser(join(bin, 'initdb'), [...initArgs, '-E', 'UTF8', '--locale=C', '--no-sync']);
		const settings = [
			`-p ${port}`,
			`-k ${folder}`,
			`-c listen_addresses=${HOST}`,
			'-c fsync=off',
			'-c synchronous_commit=off',
			'-c full_page_writes=off',
		].join(' ');
		process.once('exit', onExit);
		started = true;
		const log = join(folder, 'server.log');
		await runAsServerUser(pgCtl, ['-D', data, '-l', log, '-w', '-t', '60', '-o', settings, 'start']);
		const admin = ['-h', folder, '-p', String(port), '-U', 'postgres', '-d', 'postgres', '-v', 'ON_ERROR_STOP=1'];
		await runOk(join(bin, 'psql'), [
			...admin,
			'-c',
			`CREATE ROLE ${server.user} LOGIN PASSWORD '${server.password}'`,
			'-c',
			`CREATE DATABASE ${server.database} OWNER ${server.user}`,
		]);
	} catch (error) {
		await stop();
		throw error;
	}
	const query = async (sql: string): Promise<string[][]> => {
		const args = ['-h', HOST, '-p', String(port), '-U', server.user, '-d', server.database];
		const { stdout } = await runOk(
			join(bin, 'psql'),
			[...args, '-v', 'ON_ERROR_STOP=1', '-At', '-F', '\t', '-c', sql],
			{
				env: { ...process.env, PGPASSWORD: server.password },
				timeoutMs: 60_000,
			},
		);
		return stdout
			.split('\n')
			.filter((line) => line !== '')
			.map((line) => line.split('\t'));
	};
	return { ...server, query, stop };
}

/** Whether a Redis server answers PING on the port. */
async function redisAnswers(port: number): Promise<boolean> {
	return await new Promise((resolve) => {
		const socket = connect(port, HOST);
		let answer = '';
		socket.setTimeout(1000, () => socket.destroy());
		socket.on('connect', () => socket.write('PING\r\n'));
		socket.on('data', (chunk) => {
			answer += chunk.toString();
			if (answer.includes('\r\n')) socket.end();
		});
		socket.on('close', () => resolve(answer.startsWith('+PONG')));
		socket.on('error', () => socket.destroy());
	});
}

/** Starts `redis-server` on a free loopback port, without persistence, its log in a temporary folder. */
export async function startRedis(): Promise<RedisServer> {
	const redisServer = onPath('redis-server');
	if (!redisServer) throw new Error('redis-server is not on PATH');
	const folder = mkdtempSync(join(tmpdir(), 'n8n-kling-redis-'));
	const port = await freePort();
	const log = openSync(join(folder, 'redis.log'), 'a');
	const args = ['--port', String(port), '--bind', HOST, '--save', '', '--appendonly', 'no', '--dir', folder];
	// Its own process group, so that stop() can end exactly it.
	const child = spawn(redisServer, args, { stdio: ['ignore', log, log], detached: true });
	closeSync(log);
	const onExit = () => child.kill('SIGKILL');
	process.once('exit', onExit);
	const stop = async () => {
		process.off('exit', onExit);
		await stopProcessGroup(child, 5_000);
		rmSync(folder, { recursive: true, force: true });
	};
	try {
		await pollUntil(() => redisAnswers(port), {
			timeoutMs: 20_000,
			what: `redis-server answering on port ${port}`,
			abortIf: () => (child.exitCode !== null ? `redis-server exited (${child.exitCode})` : undefined),
		});
	} catch (error) {
		await stop();
		throw error;
	}
	return { host: HOST, port, stop };
}
