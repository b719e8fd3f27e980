/**
 * The set-up `npm run demo` and `npm run dev` share: build and pack the node,
 * get the pinned n8n, install the tarball into an isolated user folder as a
 * community package, and store a Kling credential there.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

import { klingApiTarget, klingOfficialTarget } from './klingApi';
import type { KlingApiTarget, KlingOfficialTarget } from './klingApi';
import { N8nInstance } from './n8nInstance';
import { DEFAULT_N8N_VERSION, ensureN8n } from './n8nRuntime';
import { buildPackage, packPackage } from './nodePackage';
import { Steps, info } from './steps';
import { KLING_CREDENTIAL_TYPE, KLING_OFFICIAL_CREDENTIAL_TYPE } from './workflows';
import type { CredentialRef } from './workflows';

export interface LocalN8n {
	instance: N8nInstance;
	/** The gateway and its credential. */
	api: KlingApiTarget;
	credential: CredentialRef;
	/** Kling's official API and its credential. */
	official: KlingOfficialTarget;
	officialCredential: CredentialRef;
	/** Stops the fake APIs that were started. */
	close(): Promise<void>;
}

export const LOCAL_CREDENTIAL: CredentialRef = { id: 'klingLocalCred01', name: 'Kling API (local)' };
export const LOCAL_OFFICIAL_CREDENTIAL: CredentialRef = { id: 'klingLocalOffi01', name: 'Kling AI (Official) API (local)' };

/** Starts both APIs (or names the real ones); a failure stops what was started. */
async function apiTargets(): Promise<{ api: KlingApiTarget; official: KlingOfficialTarget }> {
	const api = await klingApiTarget();
	try {
		return { api, official: await klingOfficialTarget() };
	} catch (error) {
		await api.fake?.close();
		throw error;
	}
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
	return await steps.run('Creating the Kling credentials (gateway and official API)', async () => {
		const { api, official } = await apiTargets();
		const close = async () => {
			await api.fake?.close();
			await official.fake?.close();
		};
		info(
			api.fake
				? `gateway: no KLING_API_KEY set, so the fake gateway at ${api.baseUrl}`
				: `gateway: KLING_API_KEY set, so the real gateway at ${api.baseUrl}`,
		);
		info(
			official.fake
				? `official API: no KLING_ACCESS_KEY/KLING_SECRET_KEY set, so the fake official API at ${official.baseUrl}`
				: `official API: KLING_ACCESS_KEY and KLING_SECRET_KEY set, so the real official API at ${official.baseUrl}`,
		);
		try {
			await instance.importCredentials([
				{ ...LOCAL_CREDENTIAL, type: KLING_CREDENTIAL_TYPE, data: { apiKey: api.apiKey, baseUrl: api.baseUrl } },
				{ ...LOCAL_OFFICIAL_CREDENTIAL, type: KLING_OFFICIAL_CREDENTIAL_TYPE, data: { ...official.data } },
			]);
		} catch (error) {
			await close();
			throw error;
		}
		return { instance, api, credential: LOCAL_CREDENTIAL, official, officialCredential: LOCAL_OFFICIAL_CREDENTIAL, close };
	});
}
