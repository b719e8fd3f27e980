import { NodeOperationError } from 'n8n-workflow';
import type { IDataObject, IExecuteFunctions, IN8nHttpFullResponse } from 'n8n-workflow';

import { AnswerError, parseJsonAnswer, tryParseJson } from '../helpers/response';
import type { ReadableLike } from '../helpers/streams';
import { classifyFailure, errorAnswer, klingErrorCode, requestError } from './errors';
import type { ErrorContext } from './errors';
import type { AdaptiveLimiter } from './limiter';
import { RETRYABLE_STATUSES, parseRetryAfter, withRetries } from './retry';
import type { Attempt, Clock, RetryPolicy } from './retry';

export const DEFAULT_BASE_URL = 'https://platform.llmprovider.ai';

export interface ClientOptions {
	/** `klingApi` (gateway) or `klingAiApi` (official): n8n signs each request with it. */
	credentialType: string;
	baseUrl: string;
	/** Only used to keep them out of messages; requests are signed by the credential. */
	secrets: string[];
	timeoutMs: number;
	downloadTimeoutMs: number;
	retry: RetryPolicy;
	limiter: AdaptiveLimiter;
	clock: Clock;
	signal?: AbortSignal;
}

/** One API call; `parse` turns the JSON answer into what the caller wants, or throws AnswerError. */
export interface ApiRequest<T> {
	method: 'GET' | 'POST';
	path: string;
	body?: IDataObject;
	qs?: IDataObject;
	parse: (json: unknown) => T;
	/** Told when the API says the account is at its limit (429, 1302, 1303). */
	onThrottle?: () => void;
}

export function normalizeBaseUrl(baseUrl: unknown): string {
	const text = typeof baseUrl === 'string' ? baseUrl.trim() : '';
	return (text || DEFAULT_BASE_URL).replace(/\/+$/, '');
}

/**
 * All HTTP of one node run: generation calls (authenticated, limited, retried) and image downloads
 * (never authenticated: image hosts are not the API and must not see the key).
 */
export class KlingClient {
	constructor(
		private readonly ctx: IExecuteFunctions,
		private readonly options: ClientOptions,
	) {}

	/** Sends one API request, retried and rate limited; a Kling `code` in the answer counts as an error. */
	async send<T>(request: ApiRequest<T>, itemIndex: number): Promise<T> {
		return await this.retried(itemIndex, async (context, attempt, signal) => await this.sendOnce(request, context, attempt, signal));
	}

	/** Downloads `url` and hands the open stream to `consume`; a cut-off download is fetched again. */
	async download<T>(
		url: string,
		itemIndex: number,
		consume: (body: ReadableLike, contentType: string | undefined) => Promise<T>,
	): Promise<T> {
		return await this.retried(itemIndex, async (context, _attempt, signal) => await this.downloadOnce(url, context, consume, signal));
	}

	/** Runs attempts under the retry policy, each call with a signal of its own (see `requestSignal`). */
	private async retried<T>(
		itemIndex: number,
		attemptOnce: (context: ErrorContext, attempt: number, signal: AbortSignal | undefined) => Promise<Attempt<T>>,
	): Promise<T> {
		const context = this.errorContext(itemIndex);
		const signal = this.requestSignal();
		const run = await withRetries(
			async (attempt) => await attemptOnce(context, attempt, signal),
			this.options.retry,
			this.options.clock,
			signal,
		).catch((error: Error & { attempts?: number }) => {
			throw noteAttempts(error);
		});
		return run.value;
	}

	private async sendOnce<T>(
		request: ApiRequest<T>,
		context: ErrorContext,
		attempt: number,
		signal: AbortSignal | undefined,
	): Promise<Attempt<T>> {
		const { limiter } = this.options;
		const slot = await limiter.acquire(signal, attempt > 1);
		let response: IN8nHttpFullResponse;
		try {
			response = (await this.ctx.helpers.httpRequestWithAuthentication.call(this.ctx, this.options.credentialType, {
				method: request.method,
				url: `${this.options.baseUrl}${request.path}`,
				qs: request.qs,
				headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
				body: request.body === undefined ? undefined : JSON.stringify(request.body),
				encoding: 'text',
				returnFullResponse: true,
				ignoreHttpStatusErrors: true,
				timeout: this.options.timeoutMs,
				abortSignal: signal,
			})) as IN8nHttpFullResponse;
		} catch (error) {
			return this.connectionFailure(error, context, 'The Kling API', {
				timeoutMs: this.options.timeoutMs,
				idempotent: request.method === 'GET',
			});
		} finally {
			slot.release();
		}

		const { statusCode } = response;
		const text = String(response.body ?? '');
		const parsed = tryParseJson(text);
		const body = parsed.ok ? parsed.value : text;
		if (statusCode >= 200 && statusCode < 300 && klingErrorCode(body) === undefined) {
			limiter.onSuccess();
			try {
				return { ok: true, value: request.parse(parseJsonAnswer(text)) };
			} catch (error) {
				// The work may be done and billed already: sending again could pay twice.
				return { ok: false, error: requestError((error as Error).message, context), retryable: false };
			}
		}
		const verdict = errorAnswer(statusCode, body, context);
		if (verdict.throttle) {
			limiter.onThrottle(slot);
			request.onThrottle?.();
		}
		return {
			ok: false,
			error: verdict.error,
			retryable: verdict.retryable,
			retryAfterMs: parseRetryAfter(response.headers?.['retry-after'], this.options.clock.now()),
		};
	}

	private async downloadOnce<T>(
		url: string,
		context: ErrorContext,
		consume: (body: ReadableLike, contentType: string | undefined) => Promise<T>,
		signal: AbortSignal | undefined,
	): Promise<Attempt<T>> {
		let response: IN8nHttpFullResponse;
		try {
			response = (await this.ctx.helpers.httpRequest({
				method: 'GET',
				url,
				encoding: 'stream',
				returnFullResponse: true,
				ignoreHttpStatusErrors: true,
				timeout: this.options.downloadTimeoutMs,
				abortSignal: signal,
			})) as IN8nHttpFullResponse;
		} catch (error) {
			return this.connectionFailure(error, context, 'Downloading the image', {
				timeoutMs: this.options.downloadTimeoutMs,
				idempotent: true,
			});
		}
		const stream = response.body as ReadableLike;
		if (response.statusCode >= 300) {
			stream.destroy();
			return {
				ok: false,
				error: requestError(`Downloading the image failed with HTTP ${response.statusCode} (${safeUrl(url)})`, context),
				retryable: RETRYABLE_STATUSES.has(response.statusCode),
			};
		}
		try {
			const contentType = response.headers?.['content-type'];
			return { ok: true, value: await consume(stream, typeof contentType === 'string' ? contentType : undefined) };
		} catch (error) {
			stream.destroy();
			this.throwIfCancelled();
			if (error instanceof AnswerError) return { ok: false, error: requestError(error.message, context), retryable: false };
			return {
				ok: false,
				error: requestError(`The image download was cut off (${safeUrl(url)}): ${classifyFailure(error).detail}`, context),
				retryable: true,
			};
		}
	}

	/**
	 * A request that got no answer. Reads (status checks, downloads) are sent again after a timeout;
	 * a generation is not, since it may still finish and be billed.
	 */
	private connectionFailure<T>(
		error: unknown,
		context: ErrorContext,
		what: string,
		timing: { timeoutMs: number; idempotent: boolean },
	): Attempt<T> {
		this.throwIfCancelled();
		const failure = classifyFailure(error);
		if (failure.kind === 'timeout') {
			const seconds = Math.round(timing.timeoutMs / 1000);
			const advice = timing.idempotent ? '' : ': raise Options > Timeout if generations take longer';
			return { ok: false, error: requestError(`${what} did not answer within ${seconds} s${advice}`, context), retryable: timing.idempotent };
		}
		return {
			ok: false,
			error: requestError(`${what} could not be reached or broke the connection (${failure.detail})`, context),
			retryable: failure.kind === 'connection',
		};
	}

	/**
	 * A signal that follows the run's own, so each request's listeners hang on it and not on the
	 * run's signal, which would otherwise collect one per request in flight.
	 */
	private requestSignal(): AbortSignal | undefined {
		const { signal } = this.options;
		return signal ? AbortSignal.any([signal]) : undefined;
	}

	/** n8n marks a run as canceled (not failed) when the error says so. */
	private throwIfCancelled(): void {
		if (this.options.signal?.aborted) throw new NodeOperationError(this.ctx.getNode(), 'Execution canceled while waiting for Kling');
	}

	private errorContext(itemIndex: number): ErrorContext {
		return { node: this.ctx.getNode(), itemIndex, secrets: this.options.secrets };
	}
}

/** Says how hard we tried, once retries are used up. */
function noteAttempts(error: Error & { attempts?: number }): Error {
	if (error.attempts && error.attempts > 1) error.message = `${error.message} (after ${error.attempts} attempts)`;
	return error;
}

/** A URL fit for a message: signed query strings are left out. */
function safeUrl(url: string): string {
	try {
		const parsed = new URL(url);
		return `${parsed.origin}${parsed.pathname}`;
	} catch {
		return 'invalid URL';
	}
}
