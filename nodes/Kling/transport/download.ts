import type { IBinaryData, IExecuteFunctions, IN8nHttpFullResponse } from 'n8n-workflow';

import { detectImageType, imageTypeFromHeader } from '../wire/imageType';
import type { ImageType } from '../wire/imageType';
import { decodeImageData } from '../wire/images';
import { cancelledError, classifyFailure, requestError } from './errors';
import type { ErrorContext } from './errors';
import { sleepUntil, throwNotingAttempts, withRetries } from './retry';
import type { Attempt, Clock, RetryPolicy } from './retry';

export interface DownloadBounds {
	/** The whole download, from request to the last byte stored. */
	timeoutMs: number;
	/** Max Image Size: past it the download stops and the item fails. */
	maxBytes: number;
}


/** Where images go: downloads (retried, bounded in size and time) and n8n's binary store. */
export interface ImageStore {
	downloadImage(url: string, itemIndex: number, fileName: (type: ImageType) => string): Promise<IBinaryData>;
	storeImageData(base64: string, itemIndex: number, fileName: (type: ImageType) => string): Promise<IBinaryData>;
}

/** What a download needs of n8n: its HTTP helper and binary store, which an execution and a webhook both offer. */
export interface DownloadContext {
	helpers: Pick<IExecuteFunctions['helpers'], 'httpRequest' | 'prepareBinaryData'>;
}

/** What one attempt needs from its run. */
export interface DownloadRun {
	ctx: DownloadContext;
	clock: Clock;
	bounds: DownloadBounds;
	signal: AbortSignal;
	context: ErrorContext;
}

const megabytes = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(bytes < 10 * 1024 * 1024 ? 1 : 0)} MB`;

/** A URL fit for a message: signed query strings are left out. */
function safeUrl(url: string): string {
	try {
		const parsed = new URL(url);
		return `${parsed.origin}${parsed.pathname}`;
	} catch {
		return 'invalid URL';
	}
}

/**
 * Counts the bytes a stream receives and destroys it past `maxBytes`. The count sits on `push`,
 * where every readable receives its data: a listener for 'data' would start the stream flowing
 * before n8n's binary store reads it (and Cloud code cannot import 'stream' to build a counting
 * transform).
 */
function limitBytes(stream: ReadableLike, maxBytes: number, onExceeded: (received: number) => void): void {
	const push = stream.push.bind(stream);
	let received = 0;
	stream.push = (chunk: unknown, encoding?: unknown) => {
		if (chunk instanceof Uint8Array) received += chunk.length;
		if (received > maxBytes) {
			onExceeded(received);
			return false;
		}
		return push(chunk, encoding);
	};
}

function typeOf(head: Uint8Array, contentType: string | undefined): ImageType | undefined {
	return detectImageType(head) ?? imageTypeFromHeader(contentType);
}

/**
 * One download, streamed into n8n's binary store (in filesystem mode the bytes go to disk, not
 * memory), bounded in size and in total time. A network failure may be fetched again; a file that
 * is too big, not an image, or that n8n could not store is not: fetching it again would fail alike.
 */
export async function downloadImageOnce(
	run: DownloadRun,
	url: string,
	fileName: (type: ImageType) => string,
): Promise<Attempt<IBinaryData>> {
	const { ctx, clock, bounds, context } = run;
	const scope = new AbortController();
	const signal = AbortSignal.any([run.signal, scope.signal]);
	const deadline = clock.now() + bounds.timeoutMs;
	const fail = (message: string, kind: 'unsent' | 'final'): Attempt<IBinaryData> => ({
		ok: false,
		error: requestError(message, context),
		kind,
	});
	let response: IN8nHttpFullResponse;
	try {
		response = (await ctx.helpers.httpRequest({
			method: 'GET',
			url,
			encoding: 'stream',
			returnFullResponse: true,
			ignoreHttpStatusErrors: true,
			timeout: bounds.timeoutMs,
			abortSignal: signal,
		})) as IN8nHttpFullResponse;
	} catch (error) {
		scope.abort();
		if (run.signal.aborted) throw cancelledError();
		const failure = classifyFailure(error);
		if (failure.kind === 'timeout') return fail(`Downloading the image did not answer within ${Math.round(bounds.timeoutMs / 1000)} s`, 'unsent');
		const kind = failure.kind === 'connection' ? 'unsent' : 'final';
		return fail(`Downloading the image could not be reached or broke the connection (${failure.detail})`, kind);
	}

	const stream = response.body as ReadableLike;
	const status = response.statusCode;
	if (status >= 300) {
		stream.destroy();
		scope.abort();
		const retryable = [429, 500, 502, 503, 504].includes(status);
		return fail(`Downloading the image failed with HTTP ${status} (${safeUrl(url)})`, retryable ? 'unsent' : 'final');
	}
	const tooBig = (received: number) =>
		`The image at ${safeUrl(url)} is larger than Max Image Size (${megabytes(bounds.maxBytes)}): the download was stopped after ${megabytes(received)}`;
	const declared = Number(response.headers?.['content-length']);
	if (Number.isFinite(declared) && declared > bounds.maxBytes) {
		stream.destroy();
		scope.abort();
		return fail(`The image at ${safeUrl(url)} is ${megabytes(declared)}, more than Max Image Size (${megabytes(bounds.maxBytes)})`, 'final');
	}

	const outcome: { exceeded?: number; timedOut?: boolean; streamError?: unknown } = {};
	stream.once('error', (error) => (outcome.streamError ??= error));
	limitBytes(stream, bounds.maxBytes, (received) => {
		outcome.exceeded = received;
		stream.destroy(new Error('Max Image Size exceeded'));
	});
	const contentType = typeof response.headers?.['content-type'] === 'string' ? response.headers['content-type'] : undefined;
	const store = async (): Promise<IBinaryData | string> => {
		const type = typeOf(await peekHead(stream), contentType);
		if (!type) return `The image URL served something that is not an image (${contentType ?? 'no content type'})`;
		const binary = await ctx.helpers.prepareBinaryData(stream as unknown as Buffer, fileName(type), type.mimeType);
		return { ...binary, fileExtension: type.extension };
	};
	// Settles at the deadline (then stops the download) or when the attempt ends and aborts `scope`.
	void sleepUntil(clock, deadline, signal).then(
		() => {
			outcome.timedOut = true;
			stream.destroy(new Error('Download Timeout reached'));
		},
		() => {},
	);
	try {
		const stored = await store();
		if (typeof stored === 'string') return fail(stored, 'final');
		return { ok: true, value: stored };
	} catch (error) {
		stream.destroy();
		if (run.signal.aborted) throw cancelledError();
		if (outcome.exceeded !== undefined) return fail(tooBig(outcome.exceeded), 'final');
		if (outcome.timedOut) {
			const seconds = Math.round(bounds.timeoutMs / 1000);
			return fail(`Downloading the image did not finish within Download Timeout (${seconds} s) (${safeUrl(url)})`, 'unsent');
		}
		if (outcome.streamError !== undefined) {
			return fail(`The image download was cut off (${safeUrl(url)}): ${classifyFailure(outcome.streamError).detail}`, 'unsent');
		}
		// The bytes arrived but n8n could not keep them (memory, disk): fetching again would not help.
		return fail(`n8n could not store the downloaded image (${safeUrl(url)}): ${(error as Error).message}`, 'final');
	} finally {
		scope.abort();
	}
}

/** A download until it is stored or fails for good: a cut-off or throttled one is fetched again, as `policy` allows. */
export async function downloadImageWithRetries(
	run: DownloadRun,
	url: string,
	fileName: (type: ImageType) => string,
	policy: RetryPolicy,
): Promise<IBinaryData> {
	const result = await withRetries(
		async () => await downloadImageOnce(run, url, fileName),
		{ policy, unclearResends: Infinity, deadline: Infinity, deadlineError: (error) => error },
		run.clock,
		run.signal,
	).catch(throwNotingAttempts);
	return result.value;
}

/** Stores an image the API sent inline (`b64_json`); one that is not an image fails its item, saying what was wrong. */
export async function storeImageData(
	ctx: DownloadContext,
	base64: string,
	fileName: (type: ImageType) => string,
	context: ErrorContext,
): Promise<IBinaryData> {
	const decoded = decodeImageData(base64);
	if ('problem' in decoded) throw requestError(decoded.problem, context);
	const { bytes, type } = decoded;
	const binary = await ctx.helpers.prepareBinaryData(bytes, fileName(type), type.mimeType);
	return { ...binary, fileExtension: type.extension };
}

/** The part of a Node.js readable stream used here; node code may not import 'stream' on n8n Cloud. */
export interface ReadableLike {
	read(): unknown;
	unshift(chunk: unknown): void;
	once(event: string, listener: (...args: unknown[]) => void): unknown;
	removeListener(event: string, listener: (...args: unknown[]) => void): unknown;
	destroy(error?: Error): unknown;
	push(chunk: unknown, encoding?: unknown): boolean;
}

/**
 * Reads the first chunk of a paused stream and puts it back, so the bytes can tell the file type
 * while the stream itself still goes whole to storage.
 */
export async function peekHead(stream: ReadableLike): Promise<Uint8Array> {
	return await new Promise<Uint8Array>((resolve, reject) => {
		const cleanup = () => {
			stream.removeListener('readable', onReadable);
			stream.removeListener('end', onEnd);
			stream.removeListener('error', onError);
		};
		const onReadable = () => {
			const chunk = stream.read();
			if (chunk === null) {
				stream.once('readable', onReadable);
				return;
			}
			cleanup();
			stream.unshift(chunk);
			resolve(chunk instanceof Uint8Array ? chunk : Buffer.from(String(chunk)));
		};
		const onEnd = () => {
			cleanup();
			resolve(new Uint8Array(0));
		};
		const onError = (error: unknown) => {
			cleanup();
			reject(error instanceof Error ? error : new Error(String(error)));
		};
		stream.once('readable', onReadable);
		stream.once('end', onEnd);
		stream.once('error', onError);
	});
}
