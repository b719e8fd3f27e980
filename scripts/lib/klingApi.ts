/**
 * The Kling APIs a script talks to. Gateway: the real one when `KLING_API_KEY` is set, otherwise
 * the fake one on 127.0.0.1. Official API: the real one when `KLING_ACCESS_KEY` and
 * `KLING_SECRET_KEY` are set (`KLING_REGION`: singapore, the default, or beijing), otherwise the
 * fake official API on 127.0.0.1.
 */
import { KlingApi as KlingApiCredential } from '../../credentials/KlingApi.credentials';
import { startFakeKlingServer } from '../../test/support/fakeKlingServer';
import type { FakeKlingServer } from '../../test/support/fakeKlingServer';
import { startFakeKlingOfficialServer } from '../../test/support/fakeKlingOfficialServer';
import type { FakeKlingOfficialServer } from '../../test/support/fakeKlingOfficialServer';
import { REGION_BASE_URLS } from '../../nodes/Kling/transport/auth';

export interface KlingApiTarget {
	apiKey: string;
	baseUrl: string;
	/** Set when the fake server answers; close it when done. */
	fake?: FakeKlingServer;
}

/** The credential's own default Base URL, so that there is one place that knows it. */
export function defaultBaseUrl(): string {
	return new KlingApiCredential().properties.find((property) => property.name === 'baseUrl')?.default as string;
}

/** `fakeLatencyMs` makes the fake server take a moment, like a real generation (which takes ~30 s). */
export async function klingApiTarget(fakeLatencyMs = 300): Promise<KlingApiTarget> {
	const apiKey = process.env.KLING_API_KEY;
	if (apiKey) return { apiKey, baseUrl: process.env.KLING_BASE_URL || defaultBaseUrl() };
	const fake = await startFakeKlingServer({ apiKey: 'local-demo-key', latencyMs: fakeLatencyMs });
	return { apiKey: fake.apiKey, baseUrl: fake.baseUrl, fake };
}

/** The fields of a stored `klingAiApi` credential. */
export interface OfficialCredentialData {
	accessKey: string;
	secretKey: string;
	region: string;
	baseUrl: string;
	apiKey: string;
}

export interface KlingOfficialTarget {
	/** What the credential stores; the secret key only goes into n8n's encrypted store. */
	data: OfficialCredentialData;
	/** Where requests go, for messages. */
	baseUrl: string;
	/** Set when the fake official API answers; close it when done. */
	fake?: FakeKlingOfficialServer;
}

/** Reads the official API's keys from the environment: both or neither, and a known region. */
export function officialKeysFromEnv(env: NodeJS.ProcessEnv): OfficialCredentialData | undefined {
	const accessKey = env.KLING_ACCESS_KEY ?? '';
	const secretKey = env.KLING_SECRET_KEY ?? '';
	if (!accessKey && !secretKey) return undefined;
	if (!accessKey || !secretKey) {
		throw new Error(`KLING_${accessKey ? 'SECRET' : 'ACCESS'}_KEY is not set: the official API needs both KLING_ACCESS_KEY and KLING_SECRET_KEY`);
	}
	const region = env.KLING_REGION || 'singapore';
	if (!Object.hasOwn(REGION_BASE_URLS, region)) {
		throw new Error(`KLING_REGION "${region}" is not one of ${Object.keys(REGION_BASE_URLS).join(', ')}`);
	}
	return { accessKey, secretKey, region, baseUrl: '', apiKey: '' };
}

/** `taskDurationMs`: how long a fake task takes from submit to its result. */
export async function klingOfficialTarget(taskDurationMs = 1500): Promise<KlingOfficialTarget> {
	const real = officialKeysFromEnv(process.env);
	if (real) return { data: real, baseUrl: REGION_BASE_URLS[real.region] };
	const fake = await startFakeKlingOfficialServer({
		accessKey: 'local-demo-access-key',
		secretKey: 'local-demo-secret-key',
		taskDurationMs,
	});
	const data = { accessKey: fake.accessKey, secretKey: fake.secretKey, region: 'custom', baseUrl: fake.baseUrl, apiKey: '' };
	return { data, baseUrl: fake.baseUrl, fake };
}
