/** The Kling API a script talks to: the real one when `KLING_API_KEY` is set, otherwise the fake one on 127.0.0.1. */
import { KlingApi as KlingApiCredential } from '../../credentials/KlingApi.credentials';
import { startFakeKlingServer } from '../../test/support/fakeKlingServer';
import type { FakeKlingServer } from '../../test/support/fakeKlingServer';

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
