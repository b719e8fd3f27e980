/** Secrets stay secret: keys, the tokens the node signs, and what servers echo back or redirect. */
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { startFakeKlingOfficialServer } from '../../support/fakeKlingOfficialServer';
import type { FakeKlingOfficialServer } from '../../support/fakeKlingOfficialServer';
import { startFakeKlingServer } from '../../support/fakeKlingServer';
import type { FakeKlingServer } from '../../support/fakeKlingServer';
import { API_KEY, runKling, runKlingOfficial } from './kling.harness';

/** Everything of an error a user or the execution log could see. */
function visible(error: (Error & { description?: unknown }) | undefined): string {
	return JSON.stringify({ message: error?.message, description: error?.description, error });
}

/** A server on another port (another origin) that records the headers of whatever reaches it. */
async function recordingServer(): Promise<{ url: string; seen: IncomingHttpHeaders[]; close: () => Promise<void> }> {
	const seen: IncomingHttpHeaders[] = [];
	const server: Server = createServer((req, res) => {
		seen.push(req.headers);
		res.writeHead(500, { 'Content-Type': 'application/json' });
		res.end('{"error":{"message":"elsewhere"}}');
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
	const { port } = server.address() as AddressInfo;
	return { url: `http://127.0.0.1:${port}/v1/images/generations`, seen, close: async () => await new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe('official API: the signed token never shows', () => {
	let official: FakeKlingOfficialServer;
	beforeAll(async () => (official = await startFakeKlingOfficialServer({ taskDurationMs: 50 })));
	afterAll(async () => await official.close());

	it('a server that echoes the Authorization header gets it masked in the message, description and Continue On Fail item', async () => {
		official.enqueue({ echoAuthorization: 400 });
		const failed = await runKlingOfficial({ server: official, parameters: { prompt: 'x', output: 'url' } });
		expect(failed.error?.message).toContain('you sent Authorization: Bearer ***');
		expect(visible(failed.error)).not.toMatch(/eyJ|test-sk/);

		official.enqueue({ echoAuthorization: 400 });
		const continued = await runKlingOfficial({ server: official, continueOnFail: true, parameters: { prompt: 'x', output: 'url' } });
		expect(String(continued.items[0].json.error)).toContain('Bearer ***');
		expect(JSON.stringify(continued.items)).not.toMatch(/eyJ|test-sk/);
	});
});

describe('official API: an API key never shows', () => {
	const apiKey = 'kling-console-api-key-7f3e9a';
	let official: FakeKlingOfficialServer;
	beforeAll(async () => (official = await startFakeKlingOfficialServer({ apiKey, taskDurationMs: 50 })));
	afterAll(async () => await official.close());
	const credentials = { signInWith: 'apiKey', apiKey, accessKey: '', secretKey: '' };

	it('echoed in the Authorization header, as text or base64, it is masked in the message and the Continue On Fail item', async () => {
		official.enqueue({ echoAuthorization: 400 });
		const failed = await runKlingOfficial({ server: official, credentials, parameters: { prompt: 'x', output: 'url' } });
		expect(failed.error?.message).toContain('you sent Authorization: Bearer ***');
		expect(JSON.stringify(failed.run)).not.toContain(apiKey);

		const encoded = Buffer.from(apiKey).toString('base64');
		official.enqueue({ status: 400, body: { code: 1201, message: `bad key ${apiKey} ${encoded}` } });
		const continued = await runKlingOfficial({ server: official, credentials, continueOnFail: true, parameters: { prompt: 'x', output: 'url' } });
		expect(String(continued.items[0].json.error)).toContain('bad key *** ***');
		expect(JSON.stringify(continued.run)).not.toContain(apiKey);
		expect(JSON.stringify(continued.run)).not.toContain(encoded.replace(/=+$/, ''));
	});
});

describe('gateway: keys are masked however they come back, and never follow a redirect elsewhere', () => {
	let server: FakeKlingServer;
	beforeAll(async () => (server = await startFakeKlingServer({ apiKey: API_KEY })));
	afterEach(() => server.clear());
	afterAll(async () => await server.close());

	it('a key echoed as base64 is masked', async () => {
		const encoded = Buffer.from(API_KEY).toString('base64');
		server.enqueue({ status: 400, body: { error: { message: `invalid credentials ${encoded}` } } });
		const { error } = await runKling({ server, parameters: { prompt: 'x', output: 'url' } });
		expect(error?.message).toContain('invalid credentials ***');
		expect(visible(error)).not.toContain(encoded.replace(/=+$/, ''));
	});

	it('a 307 to another origin does not receive the key', async () => {
		const elsewhere = await recordingServer();
		try {
			server.enqueue({ status: 307, headers: { Location: elsewhere.url }, body: '' });
			const { error } = await runKling({ server, parameters: { prompt: 'x', output: 'url', options: { resendAfterUnclear: 0 } } });
			expect(elsewhere.seen.length).toBeGreaterThan(0);
			for (const headers of elsewhere.seen) expect(JSON.stringify(headers)).not.toContain(API_KEY);
			expect(visible(error)).not.toContain(API_KEY);
		} finally {
			await elsewhere.close();
		}
	});
});
