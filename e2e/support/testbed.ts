/**
 * One isolated n8n per test file, with the packed node installed from its tarball
 * and a fake Kling API on 127.0.0.1 behind a stored credential.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { N8nInstance } from '../../scripts/lib/n8nInstance';
import type { CredentialFile } from '../../scripts/lib/n8nInstance';
import type { N8nRuntime } from '../../scripts/lib/n8nRuntime';
import { KLING_CREDENTIAL_TYPE } from '../../scripts/lib/workflows';
import type { CredentialRef } from '../../scripts/lib/workflows';
import { startFakeKlingServer } from '../../test/support/fakeKlingServer';
import type { FakeKlingOptions, FakeKlingServer } from '../../test/support/fakeKlingServer';

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
	/** A folder the file nodes may read and write. */
	files: string;
	close(): Promise<void>;
}

export interface TestbedOptions {
	fake?: FakeKlingOptions;
	/** More credentials to store, e.g. one with a wrong key for the fake server. */
	credentials?: (fake: FakeKlingServer) => CredentialFile[];
}

export const E2E_CREDENTIAL: CredentialRef = { id: 'klingE2eCred0001', name: 'Kling API (e2e)' };

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
	const close = async (): Promise<void> => {
		await fake.close();
		rmSync(root, { recursive: true, force: true });
	};
	try {
		const n8n = await N8nInstance.create(runtime, { userFolder: join(root, 'user'), fileAccess: [files] });
		await n8n.installNodePackage(tarball);
		const data = { apiKey: fake.apiKey, baseUrl: fake.baseUrl };
		await n8n.importCredentials([
			{ ...E2E_CREDENTIAL, type: KLING_CREDENTIAL_TYPE, data },
			...(options.credentials?.(fake) ?? []),
		]);
		return { n8n, fake, credential: E2E_CREDENTIAL, files, close };
	} catch (error) {
		await close();
		throw error;
	}
}
