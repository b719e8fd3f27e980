/**
 * A fake Kling gateway (OpenAI-style image generation API) on 127.0.0.1, with
 * request recording, a concurrency cap and a fault queue for retry tests.
 * Node built-ins only, so benchmarks can use it outside jest too.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';

import { EXTENSIONS, MIME_TYPES, largeImage, promptImage } from './fakeImages';
import type { ImageFormat } from './fakeImages';
import { TrackedServer, applyTransportFault, parseJson, readBody, sendJson } from './httpTestServer';
import type { TransportFault } from './httpTestServer';

export interface FakeKlingOptions {
	/** Bearer key the server accepts. Default `'test-key'`. */
	apiKey?: string;
	/** Delay before answering a (valid) generation request. Default 0. */
	latencyMs?: number;
	/** Generation requests processed at once; past it the answer is 429. Default: no cap. */
	maxConcurrent?: number;
	/** `Retry-After` seconds sent with that 429. Default 1. */
	retryAfterSeconds?: number;
	/** Default `'png'`. */
	imageFormat?: ImageFormat;
	/** Serve one cached image of about this many bytes instead of small prompt-drawn ones. */
	imageBytes?: number;
	/** Answer `data: [{ b64_json }]` instead of `data: [{ url }]`. */
	b64Json?: boolean;
	/** Appended to every image URL as its query string, e.g. `key=<api key>` as some image hosts do. */
	imageUrlQuery?: string;
}

/** Replaces the normal behaviour of the next generation POST (applied before the key check). */
export type Fault =
	| TransportFault // a status answer, `{ reset: true }` or `{ hang: true }`
	| { malformed: true } // 200, `Content-Type: application/json`, body that is not JSON
	| { empty: true } // 200 `{"created":..,"data":[]}`
	| { resetBeforeBody: true } // destroy the socket as soon as the headers arrive, before reading the body
	| { imageCount: number }; // a normal answer, but with this many images whatever `n` asked for

export type AttemptOutcome = 'ok' | 'unauthorized' | 'invalid' | 'throttled' | 'fault';

export interface RecordedRequest {
	/** Parsed JSON body, or the raw text when it was not JSON. */
	body: any;
	headers: IncomingHttpHeaders;
	at: number;
}

export interface GeneratedImage {
	id: string;
	url: string;
	mimeType: string;
	bytes: Buffer;
}

export interface FakeKlingServer {
	readonly baseUrl: string;
	readonly apiKey: string;
	/** Generation requests that passed key, body and concurrency checks (fault-free). */
	readonly requests: RecordedRequest[];
	/** Every generation POST with what happened to it. */
	readonly attemptLog: Array<RecordedRequest & { outcome: AttemptOutcome }>;
	/** Every image produced, in order (also for `b64Json` answers). */
	readonly generated: GeneratedImage[];
	/** All generation POSTs, rejected ones included. */
	readonly attempts: number;
	/** Image GETs, by path (e.g. `/images/reset.png`), for counting download attempts. */
	readonly downloads: Map<string, number>;
	/** Every HTTP request received, on any route, image downloads included; never cleared. */
	readonly httpRequests: number;
	readonly inFlight: number;
	readonly peakInFlight: number;
	enqueue(...faults: Fault[]): void;
	/**
	 * The next successful generation answer lists these URLs instead of new images.
	 * Paths such as `'/images/missing.png'` (404) or `'/images/reset.png'` (cut off
	 * mid-body) are resolved against `baseUrl`; absolute URLs are kept.
	 */
	nextImageUrls(urls: string[]): void;
	/** Bytes served for an image URL (absolute or path), or undefined if unknown. */
	imageBytesFor(url: string): Buffer | undefined;
	/** Forgets recorded requests and images, counters, queued faults and URL overrides (images stay served). */
	clear(): void;
	close(): Promise<void>;
}

const MAX_N = 9;

function errorBody(message: string, type: string, code: string | null): object {
	return { error: { message, type, code } };
}

/** Returns the problem with a generation body, or undefined when it is acceptable. */
function validate(body: unknown): string | undefined {
	if (typeof body !== 'object' || body === null || Array.isArray(body)) return 'The request body must be a JSON object.';
	const { prompt, n, seed } = body as { prompt?: unknown; n?: unknown; seed?: unknown };
	if (typeof prompt !== 'string' || prompt.trim() === '') return "'prompt' must be a non-empty string.";
	if (seed !== undefined && !Number.isInteger(seed)) return "'seed' must be an integer.";
	if (n !== undefined && (!Number.isInteger(n) || (n as number) < 1 || (n as number) > MAX_N)) {
		return `'n' must be an integer between 1 and ${MAX_N}.`;
	}
	return undefined;
}

class FakeKling implements FakeKlingServer {
	baseUrl = '';
	readonly requests: RecordedRequest[] = [];
	readonly attemptLog: Array<RecordedRequest & { outcome: AttemptOutcome }> = [];
	readonly generated: GeneratedImage[] = [];
	attempts = 0;
	readonly downloads = new Map<string, number>();
	inFlight = 0;
	peakInFlight = 0;

	private readonly images = new Map<string, GeneratedImage>();
	private readonly faults: Fault[] = [];
	private urlOverrides: string[] | undefined;
	private readonly format: ImageFormat;
	private largeBytes: Buffer | undefined;
	private counter = 0;
	readonly http = new TrackedServer((req, res) => void this.route(req, res));

	constructor(private readonly options: FakeKlingOptions) {
		this.format = options.imageFormat ?? 'png';
	}

	get apiKey(): string {
		return this.options.apiKey ?? 'test-key';
	}

	get httpRequests(): number {
		return this.http.requests;
	}

	enqueue(...faults: Fault[]): void {
		this.faults.push(...faults);
	}

	nextImageUrls(urls: string[]): void {
		this.urlOverrides = urls.map((url) => new URL(url, this.baseUrl).toString());
	}

	imageBytesFor(url: string): Buffer | undefined {
		const id = /\/images\/([^/.]+)(\.\w+)?$/.exec(new URL(url, this.baseUrl).pathname)?.[1];
		return id === undefined ? undefined : this.images.get(id)?.bytes;
	}

	clear(): void {
		this.requests.length = 0;
		this.attemptLog.length = 0;
		this.generated.length = 0;
		this.faults.length = 0;
		this.urlOverrides = undefined;
		this.attempts = 0;
		this.downloads.clear();
		this.peakInFlight = this.inFlight;
	}

	async close(): Promise<void> {
		await this.http.close(); // also ends latency waits and hanging faults
	}

	private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
		const path = new URL(req.url ?? '/', this.baseUrl).pathname;
		if (req.method === 'POST' && path === '/v1/images/generations') return await this.generate(req, res);
		if (req.method === 'GET' && path === '/v1/models') return this.models(req, res);
		if (req.method === 'GET' && path.startsWith('/images/')) {
			this.downloads.set(path, (this.downloads.get(path) ?? 0) + 1);
			return this.serveImage(path, res);
		}
		sendJson(res, 404, errorBody(`Unknown route: ${req.method} ${path}`, 'invalid_request_error', 'not_found'));
	}

	private authorized(req: IncomingMessage): boolean {
		return req.headers.authorization === `Bearer ${this.apiKey}`;
	}

	private unauthorized(res: ServerResponse): void {
		sendJson(res, 401, errorBody('Incorrect API key provided', 'invalid_request_error', 'invalid_api_key'));
	}

	private models(req: IncomingMessage, res: ServerResponse): void {
		if (!this.authorized(req)) return this.unauthorized(res);
		sendJson(res, 200, { object: 'list', data: [{ id: 'kling-img-v1', object: 'model' }] });
	}

	private async generate(req: IncomingMessage, res: ServerResponse): Promise<void> {
		this.attempts++;
		if (this.faults[0] && 'resetBeforeBody' in this.faults[0]) {
			this.faults.shift();
			this.attemptLog.push({ body: undefined, headers: req.headers, at: Date.now(), outcome: 'fault' });
			return void req.socket.destroy();
		}
		const text = await readBody(req);
		const json = parseJson(text); // undefined: recorded as raw text, answered with a 400
		const record: RecordedRequest = { body: json ?? text, headers: req.headers, at: Date.now() };
		const imageCount = this.takeImageCount();
		const outcome = this.admit(req, res, json);
		this.attemptLog.push({ ...record, outcome });
		if (outcome !== 'ok') return;
		this.requests.push(record);
		await this.answerAfterLatency(record.body as { prompt: string; n?: number }, res, imageCount);
	}

	/** An `imageCount` fault at the head of the queue shapes the answer instead of replacing it. */
	private takeImageCount(): number | undefined {
		const next = this.faults[0];
		if (!next || !('imageCount' in next)) return undefined;
		this.faults.shift();
		return next.imageCount;
	}

	/** Answers faults and rejections itself; 'ok' means the request is for us to generate. */
	private admit(req: IncomingMessage, res: ServerResponse, json: unknown): AttemptOutcome {
		const fault = this.faults.shift();
		if (fault) {
			this.applyFault(fault, req, res);
			return 'fault';
		}
		if (!this.authorized(req)) {
			this.unauthorized(res);
			return 'unauthorized';
		}
		const problem = json === undefined ? 'We could not parse the JSON body of your request.' : validate(json);
		if (problem) {
			sendJson(res, 400, errorBody(problem, 'invalid_request_error', 'invalid_request'));
			return 'invalid';
		}
		if (this.options.maxConcurrent !== undefined && this.inFlight >= this.options.maxConcurrent) {
			const message = 'Rate limit reached: too many concurrent requests.';
			const retryAfter = String(this.options.retryAfterSeconds ?? 1);
			sendJson(res, 429, errorBody(message, 'rate_limit_error', 'rate_limit_exceeded'), { 'Retry-After': retryAfter });
			return 'throttled';
		}
		return 'ok';
	}

	private async answerAfterLatency(
		body: { prompt: string; n?: number },
		res: ServerResponse,
		imageCount: number | undefined,
	): Promise<void> {
		this.inFlight++;
		this.peakInFlight = Math.max(this.peakInFlight, this.inFlight);
		try {
			await this.delay(this.options.latencyMs ?? 0, res);
			if (res.destroyed) return; // the client gave up while we were "generating"
			const data = this.answerData(body.prompt, imageCount ?? body.n ?? 1);
			sendJson(res, 200, { created: Math.floor(Date.now() / 1000), data });
		} finally {
			this.inFlight--;
		}
	}

	/** Waits `ms`, ending early if the connection closes (client abort or `close()`). */
	private async delay(ms: number, res: ServerResponse): Promise<void> {
		if (ms <= 0) return;
		await new Promise<void>((resolve) => {
			const timer = setTimeout(resolve, ms);
			res.once('close', () => {
				clearTimeout(timer);
				resolve();
			});
		});
	}

	private answerData(prompt: string, n: number): Array<{ url: string } | { b64_json: string }> {
		const overrides = this.urlOverrides;
		this.urlOverrides = undefined;
		if (overrides) return overrides.map((url) => ({ url }));
		return Array.from({ length: n }, (_, index) => {
			const image = this.createImage(prompt, index);
			return this.options.b64Json ? { b64_json: image.bytes.toString('base64') } : { url: image.url };
		});
	}

	private createImage(prompt: string, index: number): GeneratedImage {
		const id = `img${++this.counter}-${randomBytes(4).toString('hex')}`;
		let bytes: Buffer | undefined;
		// Drawn when first read: answers with URLs that nobody downloads then cost no drawing.
		const draw = () => (bytes ??= this.imageBytes(prompt, index));
		const image: GeneratedImage = {
			id,
			url: `${this.baseUrl}/images/${id}.${EXTENSIONS[this.format]}${this.options.imageUrlQuery ? `?${this.options.imageUrlQuery}` : ''}`,
			mimeType: MIME_TYPES[this.format],
			get bytes() {
				return draw();
			},
		};
		this.images.set(id, image);
		this.generated.push(image);
		return image;
	}

	/** Large images are built once and shared: generating megabytes per request would skew benchmarks. */
	private imageBytes(prompt: string, index: number): Buffer {
		const size = this.options.imageBytes;
		if (size === undefined) return promptImage(this.format, prompt, index);
		this.largeBytes ??= largeImage(this.format, size);
		return this.largeBytes;
	}

	private applyFault(fault: Fault, req: IncomingMessage, res: ServerResponse): void {
		if ('malformed' in fault) return sendJson(res, 200, '<html><body>502 Bad Gateway</body></html>');
		if ('empty' in fault) return sendJson(res, 200, { created: Math.floor(Date.now() / 1000), data: [] });
		if ('resetBeforeBody' in fault) return void req.socket.destroy(); // queued behind another fault: as late as it gets
		if ('imageCount' in fault) return; // taken by generate() before admission
		applyTransportFault(fault, req, res, (status) => errorBody(`Injected fault ${status}`, 'server_error', null));
	}

	private serveImage(path: string, res: ServerResponse): void {
		const name = path.slice('/images/'.length);
		if (name === 'reset.png') return this.serveTruncated(res);
		const image = this.images.get(name.replace(/\.\w+$/, ''));
		if (!image || name === 'missing.png') {
			return sendJson(res, 404, errorBody(`Image not found: ${name}`, 'invalid_request_error', 'not_found'));
		}
		res.writeHead(200, { 'Content-Type': image.mimeType, 'Content-Length': image.bytes.length });
		res.end(image.bytes);
	}

	/** Promises a whole PNG, sends half of it, then cuts the connection. */
	private serveTruncated(res: ServerResponse): void {
		const bytes = promptImage('png', 'reset', 0);
		res.writeHead(200, { 'Content-Type': MIME_TYPES.png, 'Content-Length': bytes.length });
		res.write(bytes.subarray(0, bytes.length >> 1), () => res.socket?.destroy());
	}
}

/** Starts a fake Kling gateway on 127.0.0.1 (random port); `close()` it when done. */
export async function startFakeKlingServer(options: FakeKlingOptions = {}): Promise<FakeKlingServer> {
	const fake = new FakeKling(options);
	fake.baseUrl = await fake.http.listen();
	return fake;
}
