/** Downloads are bounded in size and in total time, and a failure to store is not fetched again. */
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';

import { binaryStorageRoot } from '../../support/engine';
import { promptPng } from '../../support/fakeImages';
import { startFakeKlingServer } from '../../support/fakeKlingServer';
import type { FakeKlingServer } from '../../support/fakeKlingServer';
import { API_KEY, runKling } from './kling.harness';
import { timed } from '../../support/checks';

const PNG_HEAD = promptPng('head', 0).subarray(0, 64);
const MB = 1024 * 1024;

/** An image host with misbehaving routes; counts requests per path and bytes sent. */
class ImageHost {
	readonly hits = new Map<string, number>();
	bytesSent = 0;
	private readonly sockets = new Set<Socket>();
	private readonly timers = new Set<NodeJS.Timeout>();
	readonly server: Server = createServer((req, res) => this.route(req.url ?? '/', res));
	url = '';

	async start(): Promise<void> {
		this.server.on('connection', (socket) => {
			this.sockets.add(socket);
			socket.on('close', () => this.sockets.delete(socket));
		});
		await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', () => resolve()));
		this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
	}

	async close(): Promise<void> {
		for (const timer of this.timers) clearInterval(timer);
		for (const socket of this.sockets) socket.destroy();
		await new Promise<void>((resolve) => this.server.close(() => resolve()));
	}

	private route(path: string, res: ServerResponse): void {
		this.hits.set(path, (this.hits.get(path) ?? 0) + 1);
		if (path === '/declared-huge.png') {
			res.writeHead(200, { 'Content-Type': 'image/png', 'Content-Length': String(500 * MB) });
			return void res.write(PNG_HEAD);
		}
		res.writeHead(200, { 'Content-Type': 'image/png' });
		res.write(PNG_HEAD);
		if (path === '/trickle.png') return this.every(300, () => res.write(Buffer.from([0])));
		if (path === '/endless.png') {
			const chunk = Buffer.alloc(256 * 1024);
			return this.every(1, () => {
				for (let i = 0; i < 8 && !res.destroyed; i++) {
					this.bytesSent += chunk.length;
					res.write(chunk);
				}
			});
		}
		res.end(promptPng('fine', 0).subarray(64));
	}

	private every(ms: number, work: () => void): void {
		const timer = setInterval(work, ms);
		this.timers.add(timer);
	}
}

let api: FakeKlingServer;
let host: ImageHost;
beforeAll(async () => {
	api = await startFakeKlingServer({ apiKey: API_KEY });
	host = new ImageHost();
	await host.start();
});
afterEach(() => {
	api.clear();
	host.hits.clear();
});
afterAll(async () => {
	await host.close();
	await api.close();
});


describe('image downloads are bounded', () => {
	it('an image whose Content-Length is past Max Image Size fails at once, without being fetched again', async () => {
		api.nextImageUrls([`${host.url}/declared-huge.png`]);
		const { error } = await runKling({ server: api, parameters: { prompt: 'x' } });
		expect(error?.message).toContain('is 500 MB, more than Max Image Size (50 MB)');
		expect(host.hits.get('/declared-huge.png')).toBe(1);
	});

	it('an endless body is stopped at Max Image Size, and not fetched again', async () => {
		api.nextImageUrls([`${host.url}/endless.png`]);
		host.bytesSent = 0;
		const { result, ms } = await timed(runKling({ server: api, parameters: { prompt: 'x', options: { maxImageSize: 5 } } }));
		expect(result.error?.message).toContain('larger than Max Image Size (5.0 MB): the download was stopped after');
		expect(host.hits.get('/endless.png')).toBe(1);
		expect(ms).toBeLessThan(10_000);
		expect(host.bytesSent).toBeLessThan(200 * MB);
	});

	it('Download Timeout bounds the whole download: a host trickling a byte every 300 ms is stopped', async () => {
		api.nextImageUrls([`${host.url}/trickle.png`]);
		const options = { downloadTimeout: 1, maxRetries: 1 };
		const { result, ms } = await timed(runKling({ server: api, parameters: { prompt: 'x', options } }));
		expect(result.error?.message).toContain('did not finish within Download Timeout (1 s)');
		expect(result.error?.message).toContain('(after 2 attempts)');
		expect(host.hits.get('/trickle.png')).toBe(2);
		expect(ms).toBeLessThan(6000);
	});

	it('a failure to store the image is reported as such and not fetched again', async () => {
		const root = await binaryStorageRoot();
		const workflows = join(root, 'workflows');
		const aside = `${workflows}.aside`;
		if (existsSync(workflows)) renameSync(workflows, aside);
		mkdirSync(root, { recursive: true });
		writeFileSync(workflows, 'not a folder'); // the store cannot make its folders: ENOTDIR / EEXIST
		try {
			api.nextImageUrls([`${host.url}/fine.png`]);
			const { error } = await runKling({ server: api, binaryMode: 'filesystem', parameters: { prompt: 'x' } });
			expect(error?.message).toContain('n8n could not store the downloaded image');
			expect(host.hits.get('/fine.png')).toBe(1);
		} finally {
			rmSync(workflows, { force: true });
			if (existsSync(aside)) renameSync(aside, workflows);
		}
	});

	it('a normal image still downloads whole', async () => {
		api.nextImageUrls([`${host.url}/fine.png`]);
		const { items, error } = await runKling({ server: api, parameters: { prompt: 'x' } });
		expect(error).toBeUndefined();
		expect(items[0].binary?.data?.mimeType).toBe('image/png');
	});
});
