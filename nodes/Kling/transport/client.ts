import type { IBinaryData, IDataObject, IN8nHttpFullResponse, INode } from 'n8n-workflow';

import { parseJsonAnswer, tryParseJson } from '../wire/answers';
import type { ImageType } from '../wire/imageType';
import { stringifyWithBareIds } from '../wire/longJson';
import type { AdaptiveLimiter, LimiterSlot } from './account';
import { downloadImageWithRetries, storeImageData } from './download';
import type { DownloadBounds, DownloadContext, DownloadRun } from './download';
import {
	cancelledError,
	classifyFailure,
	deadlineError,
	errorAnswer,
	klingErrorCode,
	requestError,
	surelyUnsent,
} from './errors';
import type { ErrorContext, SentModel } from './errors';
import { parseRetryAfter, throwNotingAttempts, withRetries } from './retry';
import type { Attempt, Clock, FailureKind, RetryPolicy } from './retry';

export const DEFAULT_BASE_URL = 'https://platform.llmprovider.ai';

export interface ClientOptions {
	baseUrl: string;
	/** The Authorization header for the next request (the official API's is signed anew each time). */
	authorization: () => string;
	/** Kept out of every message. */
	secrets: string[];
	/** Bound on one generation request. */
	timeoutMs: number;
	/** Bound on one status check or list call: they answer at once, or not at all. */
	readTimeoutMs: number;
	download: DownloadBounds;
	retry: RetryPolicy;
	/** The account's request limiter, shared with every execution using the same account. */
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
	/** Clock time at which the item stops waiting (its Timeout or Max Wait). */
	deadline: number;
	/** Names that deadline in messages, e.g. "Timeout (600 s)". */
	deadlineName: string;
	/**
	 * Resends after a failure the API may have processed. Reads default to "always" (they cost
	 * nothing); a create defaults to none, as a generation sent twice may be paid twice.
	 */
	unclearResends?: number;
	/** When set, a 404 or Kling's 1203 (resource missing) answers with this value instead of failing. */
	notFound?: { notFound: T };
	/** The model a create asks for, and the family's current ones: named when Kling says the model is gone. */
	model?: SentModel;
	/** Told of each failed attempt before it is sent again (the Kling code says what was full). */
	beforeResend?: (kind: FailureKind, code: number | undefined) => Promise<void>;
}

export function normalizeBaseUrl(baseUrl: unknown): string {
	const text = typeof baseUrl === 'string' ? baseUrl.trim() : '';
	return (text || DEFAULT_BASE_URL).replace(/\/+$/, '');
}

/**
 * All HTTP of one node run: API calls (authenticated, limited per account, retried by kind of
 * failure) and image downloads (never authenticated: image hosts are not the API and must not see
 * the key).
 */
export class KlingClient {
	constructor(
		private readonly ctx: DownloadContext & { getNode(): INode },
		private readonly options: ClientOptions,
	) {}

	get clock(): Clock {
		return this.options.clock;
	}

	/** Sends one API request until it is answered or fails for good; a Kling `code` in the answer counts as an error. */
	async send<T>(request: ApiRequest<T>, itemIndex: number): Promise<T> {
		const context = this.errorContext(itemIndex);
		const signal = this.requestSignal();
		let lastCode: number | undefined;
		const run = await withRetries(
			async (attempt) => {
				const outcome = await this.sendOnce(request, context, attempt, signal);
				lastCode = outcome.ok ? undefined : outcome.code;
				return outcome;
			},
			{
				policy: this.options.retry,
				unclearResends: request.unclearResends ?? (request.method === 'GET' ? Infinity : 0),
				deadline: request.deadline,
				deadlineError: (error, wait) => deadlineError(error, wait, { ...context, deadlineName: request.deadlineName }),
				beforeResend: request.beforeResend && (async (kind) => await request.beforeResend?.(kind, lastCode)),
			},
			this.options.clock,
			signal,
		).catch(throwNotingAttempts);
		return run.value;
	}

	/** Downloads an image into n8n's binary store, bounded in size and time; a cut-off download is fetched again. */
	async downloadImage(url: string, itemIndex: number, fileName: (type: ImageType) => string): Promise<IBinaryData> {
		const context = this.errorContext(itemIndex);
		const signal = this.requestSignal() ?? new AbortController().signal;
		const run: DownloadRun = { ctx: this.ctx, clock: this.options.clock, bounds: this.options.download, signal, context };
		return await downloadImageWithRetries(run, url, fileName, this.options.retry);
	}

	/** Stores an image the API sent inline (`b64_json`) in n8n's binary store. */
	async storeImageData(base64: string, itemIndex: number, fileName: (type: ImageType) => string): Promise<IBinaryData> {
		return await storeImageData(this.ctx, base64, fileName, this.errorContext(itemIndex));
	}

	private async sendOnce<T>(
		request: ApiRequest<T>,
		context: ErrorContext,
		attempt: number,
		signal: AbortSignal | undefined,
	): Promise<Attempt<T> & { code?: number }> {
		const { limiter, clock } = this.options;
		const read = request.method === 'GET';
		const slot: LimiterSlot = await limiter.acquire(signal, attempt > 1);
		// Released only after the limiter has heard the answer: it must know what else is still running.
		try {
			const timeoutMs = Math.max(1, Math.min(read ? this.options.readTimeoutMs : this.options.timeoutMs, request.deadline - clock.now()));
			const sentAt = clock.now();
			let response: IN8nHttpFullResponse;
			try {
				response = (await this.ctx.helpers.httpRequest({
					method: request.method,
					url: `${this.options.baseUrl}${request.path}`,
					qs: request.qs,
					headers: { 'Content-Type': 'application/json', Accept: 'application/json', Authorization: this.options.authorization() },
					body: request.body === undefined ? undefined : stringifyWithBareIds(request.body),
					encoding: 'text',
					returnFullResponse: true,
					ignoreHttpStatusErrors: true,
					timeout: timeoutMs,
					abortSignal: signal,
					// A redirect to another host must not take the key or token along.
					sendCredentialsOnCrossOriginRedirect: false,
				})) as IN8nHttpFullResponse;
			} catch (error) {
				return this.connectionFailure(error, context, 'The Kling API', { timeoutMs, read });
			}
			return this.judgeAnswer(request, response, context, slot, clock.now() - sentAt);
		} finally {
			slot.release();
		}
	}

	/** What an answer means for the request, and what the account's limiter learns from it. */
	private judgeAnswer<T>(
		request: ApiRequest<T>,
		response: IN8nHttpFullResponse,
		context: ErrorContext,
		slot: LimiterSlot,
		tookMs: number,
	): Attempt<T> & { code?: number } {
		const { limiter, clock } = this.options;
		const { statusCode } = response;
		const text = String(response.body ?? '');
		const parsed = tryParseJson(text);
		const body = parsed.ok ? parsed.value : text;
		if (statusCode >= 200 && statusCode < 300 && klingErrorCode(body) === undefined) {
			limiter.onSuccess(slot, tookMs);
			try {
				return { ok: true, value: request.parse(parseJsonAnswer(text)) };
			} catch (error) {
				// The work may be done and billed already: sending again could pay twice.
				return { ok: false, error: requestError((error as Error).message, context), kind: 'final' };
			}
		}
		const verdict = errorAnswer(statusCode, body, context, request.model);
		if (request.notFound && (statusCode === 404 || verdict.code === 1203)) {
			limiter.onSuccess(slot);
			return { ok: true, value: request.notFound.notFound };
		}
		// 1303 counts task slots, which the caller's task limiter learns from, not the request rate.
		const retryAfter = response.headers?.['retry-after'];
		const retryAfterMs = parseRetryAfter(retryAfter, clock.now());
		if (verdict.kind === 'throttled' && verdict.code !== 1303) limiter.onThrottle(slot, retryAfterMs);
		return {
			ok: false,
			// Kling's code stays on the error, for callers that treat one refusal in a way of their own.
			error: verdict.code === undefined ? verdict.error : Object.assign(verdict.error, { klingCode: verdict.code }),
			kind: verdict.kind,
			code: verdict.code,
			retryAfterMs,
			retryAfterText: retryAfterMs === undefined ? undefined : retryAfterWords(retryAfter),
		};
	}

	/**
	 * A request that got no answer. One that never reached the API is sent again freely; one that
	 * may have (a timeout, a connection cut after the body went out) is "unclear", which a read may
	 * resend and a generation only within its allowance.
	 */
	private connectionFailure<T>(
		error: unknown,
		context: ErrorContext,
		what: string,
		timing: { timeoutMs: number; read: boolean },
	): Attempt<T> {
		this.throwIfCancelled();
		const failure = classifyFailure(error);
		if (failure.kind === 'timeout') {
			const seconds = Math.round(timing.timeoutMs / 1000);
			const advice = timing.read ? '' : ': raise Options > Timeout if generations take longer';
			return { ok: false, error: requestError(`${what} did not answer within ${seconds} s${advice}`, context), kind: 'unclear' };
		}
		const message = `${what} could not be reached or broke the connection (${failure.detail})`;
		if (failure.kind !== 'connection') return { ok: false, error: requestError(message, context), kind: 'final' };
		return { ok: false, error: requestError(message, context), kind: surelyUnsent(error) ? 'unsent' : 'unclear' };
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
		if (this.options.signal?.aborted) throw cancelledError();
	}

	private errorContext(itemIndex: number): ErrorContext {
		return { node: this.ctx.getNode(), itemIndex, secrets: this.options.secrets };
	}
}

/** Retry-After as the server said it, for messages: "86400 s" or the date. */
function retryAfterWords(value: unknown): string {
	const text = String(Array.isArray(value) ? value[0] : value).trim();
	return /^\d/.test(text) ? `${text} s` : text;
}
