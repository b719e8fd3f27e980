/**
 * The set-up `npm run demo` and `npm run dev` share: build and pack the node,
 * get the pinned n8n, install the tarball into an isolated user folder as a
 * community package, and store a Kling credential there.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

import { klingApiTarget } from './klingApi';
import type { KlingApiTarget } from './klingApi';
import { N8nInstance } from './n8nInstance';
import { DEFAULT_N8N_VERSION, ensureN8n } from './n8nRuntime';
import { buildPackage, packPackage } from './nodePackage';
import { Steps, info } from './steps';
import { KLING_CREDENTIAL_TYPE } from './workflows';
import type { CredentialRef } from './workflows';

export interface LocalN8n {
	instance: N8nInstance;
	api: KlingApiTarget;
	credential: CredentialRef;
}

export interface SetUpOptions {
	userFolder: string;
	/** Folders the workflow's file nodes may write to. */
	fileAccess: string[];
}

/** Number of steps `setUpLocalN8n` reports, for the caller's step count. */
export const SET_UP_STEPS = 5;

export async function setUpLocalN8n(steps: Steps, options: SetUpOptions): Promise<LocalN8n> {
	await steps.run('Building the node package (npm run build)', buildPackage);
	const tarball = await steps.run('Packing it as npm would publish it (npm pack)', async () => {
		const file = await packPackage(mkdtempSync(join(tmpdir(), 'n8n-nodes-kling-pack-')));
		info(file);
		return file;
	});
	const runtime = await steps.run(
		`Getting n8n ${DEFAULT_N8N_VERSION}`,
		async () => await ensureN8n(DEFAULT_N8N_VERSION, process.execPath, info),
	);
	const instance = await steps.run(
		'Installing the packed node as a community package in an isolated n8n user folder',
		async () => {
			info(`N8N_USER_FOLDER=${options.userFolder}`);
			const created = await N8nInstance.create(runtime, {
				userFolder: options.userFolder,
				fileAccess: options.fileAccess,
			});
			await created.installNodePackage(tarball);
			rmSync(dirname(tarball), { recursive: true, force: true });
			return created;
		},
	);
	const credential: CredentialRef = { id: 'klingLocalCred01', name: 'Kling API (local)' };
	const api = await steps.run('Creating the Kling API credential', async () => {
		const target = await klingApiTarget();
		info(
			target.fake
				? `no KLING_API_KEY set: using the fake Kling API at ${target.baseUrl}`
				: `KLING_API_KEY set: using the real Kling API at ${target.baseUrl}`,
		);
		try {
			const data = { apiKey: target.apiKey, baseUrl: target.baseUrl };
			await instance.importCredentials([{ ...credential, type: KLING_CREDENTIAL_TYPE, data }]);
		} catch (error) {
			await target.fake?.close();
			throw error;
		}
		return target;
	});
	return { instance, api, credential };
}
