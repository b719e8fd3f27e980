/**
 * One isolated n8n per test file, with the packed node installed from its tarball
 * and a fake Kling API on 127.0.0.1 behind a stored credential; on request also a
 * fake of Kling's official API behind a second, official credential.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { N8nInstance } from '../../scripts/lib/n8nInstance';
import type { CredentialFile } from '../../scripts/lib/n8nInstance';
import type { N8nRuntime } from '../../scripts/lib/n8nRuntime';
import { KLING_CREDENTIAL_TYPE, KLING_OFFICIAL_CREDENTIAL_TYPE } from '../../scripts/lib/workflows';
import type { CredentialRef } from '../../scripts/lib/workflows';
import { startFakeKlingServer } from '../../test/support/fakeKlingServer';
import type { FakeKlingOptions, FakeKlingServer } from '../../test/support/fakeKlingServer';
import { startFakeKlingOfficialServer } from '../../test/support/fakeKlingOfficialServer';
import type { FakeKlingOfficialOptions, FakeKlingOfficialServer } from '../../test/support/fakeKlingOfficialServer';

/** What the global set-up hands to the test files. */
export interface E2eSetup {
	runtime: N8nRuntime;
	tarball: string;
	packDir: string;
}

export interface Testbed {
	n8n: N8nInstance;
	fake: FakeKlingServer;
	/** A credential with the fake server's key and URL. */
	credential: CredentialRef;
	/** The fake official API, when `official` options were given. */
	official?: FakeKlingOfficialServer;
	/** A folder the file nodes may read and write. */
	files: string;
	close(): Promise<void>;
}

export interface TestbedOptions {
	fake?: FakeKlingOptions;
	/**
	 * Starts a fake official API too, and stores an official credential for it
	 * (`E2E_OFFICIAL_CREDENTIAL`: its access and secret key, region Custom with its URL).
	 */
	official?: FakeKlingOfficialOptions;
	/** More credentials to store, e.g. one with a wrong key for the fake server. */
	credentials?: (fake: FakeKlingServer, official?: FakeKlingOfficialServer) => CredentialFile[];
}

export const E2E_CREDENTIAL: CredentialRef = { id: 'klingE2eCred0001', name: 'Kling API (e2e)' };
export const E2E_OFFICIAL_CREDENTIAL: CredentialRef = { id: 'klingE2eOffic001', name: 'Kling AI (Official) API (e2e)' };

/** The stored form of an official credential pointing at a fake official API (region Custom). */
export function officialCredentialFile(
	ref: CredentialRef,
	official: FakeKlingOfficialServer,
	keys: { accessKey?: string; secretKey?: string } = {},
): CredentialFile {
	const data = {
		accessKey: keys.accessKey ?? official.accessKey,
		secretKey: keys.secretKey ?? official.secretKey,
		region: 'custom',
		baseUrl: official.baseUrl,
		apiKey: '',
	};
	return { ...ref, type: KLING_OFFICIAL_CREDENTIAL_TYPE, data };
}

export function e2eSetup(): E2eSetup {
	const text = process.env.KLING_E2E_SETUP;
	if (!text) throw new Error('KLING_E2E_SETUP is not set: run these tests with `npm run test:e2e`');
	return JSON.parse(text) as E2eSetup;
}

export async function startTestbed(options: TestbedOptions = {}): Promise<Testbed> {
	const { runtime, tarball } = e2eSetup();
	const root = mkdtempSync(join(tmpdir(), 'n8n-kling-e2e-'));
	const files = join(root, 'files');
	mkdirSync(files);
	const fake = await startFakeKlingServer({ apiKey: 'e2e-key', ...options.fake });
	let official: FakeKlingOfficialServer | undefined;
	const close = async (): Promise<void> => {
		await fake.close();
		await official?.close();
		rmSync(root, { recursive: true, force: true });
	};
	try {
		if (options.official) official = await startFakeKlingOfficialServer(options.official);
		const n8n = await N8nInstance.create(runtime, { userFolder: join(root, 'user'), fileAccess: [files] });
		await n8n.installNodePackage(tarball);
		const data = { apiKey: fake.apiKey, baseUrl: fake.baseUrl };
		await n8n.importCredentials([
			{ ...E2E_CREDENTIAL, type: KLING_CREDENTIAL_TYPE, data },
			...(official ? [officialCredentialFile(E2E_OFFICIAL_CREDENTIAL, official)] : []),
			...(options.credentials?.(fake, official) ?? []),
		]);
		return { n8n, fake, credential: E2E_CREDENTIAL, official, files, close };
	} catch (error) {
		await close();
		throw error;
	}
}
