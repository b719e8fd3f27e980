import { NodeApiError, NodeOperationError } from 'n8n-workflow';
import type { INode, JsonObject } from 'n8n-workflow';

import { apiErrorMessage } from '../wire/answers';
import type { TaskSnapshot } from '../wire/answers';
import { FieldError } from '../wire/fieldError';
import { discontinuedModel } from '../wire/models';

/** Masks the API key, and any long piece of it an error body may echo back ("sk-ab…yz"). */
export function redactSecret(text: string, secret: string | undefined): string {
	if (!secret) return text;
	const masked = text.split(secret).join('***');
	return masked.replace(/[A-Za-z0-9_\-*]{6,}/g, (token) =>
		token.split(/\*+/).some((piece) => piece.length >= 6 && secret.includes(piece)) ? '***' : token,
	);
}

/**
 * Why an attempt failed, which decides whether it is sent again:
 * - `throttled`: the API did not take it (429, 1302, 1303); wait and resend until the deadline, free;
 * - `unsent`: it surely was not processed (503, connection refused, cut before the body went out);
 *   resend within Max Retries;
 * - `unclear`: it may have been processed (other 5xx, a timeout, a cut after the body went out);
 *   resend only within the request's own allowance, since a generation sent twice may be paid twice;
 * - `final`: sending again would fail the same way.
 */
export type FailureKind = 'throttled' | 'unsent' | 'unclear' | 'final';

/** Why a request stopped waiting: how long it waited, and the server's own wait when that was too long. */
export interface DeadlineWait {
	/** Whether the item was waiting for the account's limit, not retrying failures. */
	throttled: boolean;
	waitedMs: number;
	leftMs: number;
	askedWait?: string;
}

/** What to do next, said after the API's own words. */
const NEXT = {
	fix: 'Correct what it names, then run again',
	later: 'Run again later',
	credit: "Top up the account or buy a resource pack in Kling's console (Account → Get Costs shows what is left)",
	model: 'Choose another model, or ask Kling to enable this one for the account',
	content: 'Change the prompt or the image, then run again',
};

function explainStatus(status: number): { text: string; next?: string } {
	if (status === 401) return { text: 'The Kling API refused the API key (HTTP 401). Check the API key in the Kling API credential' };
	if (status === 403) return { text: 'The Kling API denied access (HTTP 403): the key may not be allowed to use this model', next: NEXT.model };
	if (status === 400 || status === 422) return { text: `The Kling API rejected the request (HTTP ${status})`, next: NEXT.fix };
	if (status === 404) return { text: 'The Kling API endpoint was not found (HTTP 404): check the Base URL of the credential' };
	if (status === 429) return { text: 'The Kling API is rate limiting requests (HTTP 429)', next: NEXT.later };
	if (status >= 500) return { text: `The Kling API failed (HTTP ${status})`, next: NEXT.later };
	return { text: `The Kling API answered with HTTP ${status}` };
}

export interface ErrorContext {
	node: INode;
	itemIndex: number;
	/** Values that must never show in a message: keys, secrets. */
	secrets?: string[];
}

/** A signed token (JWT: header.claims.signature, the header starting `{"`), or whatever follows "Bearer". */
const TOKEN_TEXT = /\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}|(?<=\bBearer\s+)[^\s"',;]+/gi;

/**
 * Masks the credential's secrets (also as base64, the way Basic auth or a debugging server may
 * echo them) and every token the node signed: those are made per request and never known here.
 */
export function redactAll(text: string, secrets: string[] = []): string {
	const variants = secrets.flatMap((secret) => [
		secret,
		Buffer.from(secret).toString('base64').replace(/=+$/, ''),
		Buffer.from(secret).toString('base64url'),
	]);
	return variants.reduce((masked, secret) => redactSecret(masked, secret), text).replace(TOKEN_TEXT, '***');
}

/**
 * NodeApiError rewrites messages that mention a system error code (ECONNRESET, ...) into generic
 * advice; ours already say what happened, so the message is set again after construction.
 */
function apiError(node: INode, message: string, options: { description?: string; httpCode?: string; itemIndex: number }): NodeApiError {
	const error = new NodeApiError(node, { message, httpCode: options.httpCode ?? null } as JsonObject, { message, ...options });
	error.message = message;
	return error;
}

/** What to do about an error answer: its message, and what kind of failure it is (see FailureKind). */
export interface ErrorVerdict {
	error: NodeApiError;
	kind: FailureKind;
	/** Kling's code, when the body had one (1303 tells the task slots, not the request rate, are full). */
	code?: number;
}

/** HTTP statuses by what they say about a request: not taken, not processed, or maybe processed. */
function kindOfStatus(status: number): FailureKind {
	if (status === 429) return 'throttled';
	if (status === 503) return 'unsent';
	if (status >= 500) return 'unclear';
	return 'final';
}

/** Kling's own error codes (official API, and gateways that relay them), by range. */
function explainKlingCode(code: number): { text: string; kind: FailureKind; next?: string } | undefined {
	const fatal = (text: string, next?: string) => ({ text, kind: 'final' as const, next });
	if (code >= 1000 && code <= 1004) {
		const reason = code === 1004 ? 'the token has expired' : code === 1003 ? 'the token is not valid yet (check the clock)' : 'check the keys';
		return fatal(`Kling refused the credentials (code ${code}: ${reason})`);
	}
	if (code >= 1100 && code <= 1102) return fatal(`The Kling account is out of credit or its resource pack is used up (code ${code})`, NEXT.credit);
	if (code === 1103) return fatal('The Kling account has no permission for this model or endpoint (code 1103)', NEXT.model);
	if (code >= 1200 && code <= 1203) return fatal(`Kling rejected the request (code ${code})`, NEXT.fix);
	if (code === 1300 || code === 1301) return fatal(`Kling refused the content: the prompt or image failed its safety check (code ${code})`, NEXT.content);
	if (code === 1302) return { text: 'Kling is rate limiting requests (code 1302)', kind: 'throttled' };
	if (code === 1303) return { text: 'The Kling account runs too many tasks at once (code 1303)', kind: 'throttled' };
	if (code === 1304) return fatal('Kling refused this IP address: check the IP whitelist of the account (code 1304)');
	// 5001 is "unavailable", like HTTP 503: the request was not taken. 5000 and 5002 may have been.
	if (code >= 5000 && code <= 5002) return { text: `Kling had a server error (code ${code})`, kind: code === 5001 ? 'unsent' : 'unclear', next: NEXT.later };
	return undefined;
}

/** The numeric `code` of a Kling-style body, when it says something went wrong. */
export function klingErrorCode(body: unknown): number | undefined {
	const code = (body as { code?: unknown } | null)?.code;
	return typeof code === 'number' && code !== 0 ? code : undefined;
}

/** The model a create request asked for, and the current models of its family. */
export interface SentModel {
	sent: string;
	current?: readonly string[];
}

/**
 * Kling no longer offers the model: sending again, or waiting, cannot help. Kling's words are
 * given once, in the message.
 */
function discontinuedError(model: string, current: readonly string[] | undefined, apiSaid: string, status: number, context: ErrorContext): NodeApiError {
	const choose = current && current.length > 0 ? `choose ${current.join(' or ')} in Model` : 'choose another model in Model';
	return apiError(context.node, `Kling no longer offers model "${model}" (Kling's words: ${apiSaid}): ${choose}`, {
		httpCode: String(status),
		itemIndex: context.itemIndex,
	});
}

/** An error answer, with the API's own explanation and none of the request (its headers hold the key). */
export function errorAnswer(status: number, body: unknown, context: ErrorContext, model?: SentModel): ErrorVerdict {
	const said = apiErrorMessage(body);
	const apiSaid = said ? redactAll(said, context.secrets) : undefined;
	const code = klingErrorCode(body);
	const gone = model && apiSaid ? discontinuedModel(apiSaid, model.sent) : undefined;
	if (gone !== undefined && apiSaid) return { error: discontinuedError(gone, model?.current, apiSaid, status, context), kind: 'final', code };
	const explained = (code === undefined ? undefined : explainKlingCode(code)) ?? explainStatus(status);
	// Kling's words once, in the message, then what to do: n8n shows a description under it, which would repeat them.
	const words = apiSaid ? `: ${apiSaid.replace(/[.\s]+$/, '')}` : '';
	const error = apiError(context.node, `${explained.text}${words}${explained.next ? `. ${explained.next}` : ''}`, {
		httpCode: String(status),
		itemIndex: context.itemIndex,
	});
	const byCode = code === undefined ? undefined : explainKlingCode(code);
	return { error, kind: byCode?.kind ?? kindOfStatus(status), code };
}

const seconds = (ms: number) => `${Math.max(0, Math.round(ms / 1000))} s`;

/** An item that stopped waiting at its deadline, or because the server asked for a longer wait. */
export function deadlineError(lastError: Error, wait: DeadlineWait, context: ErrorContext & { deadlineName: string }): NodeApiError {
	const asked = wait.askedWait
		? `the server asked to wait ${wait.askedWait} (Retry-After), longer than the ${seconds(wait.leftMs)} left before ${context.deadlineName} ends this item`
		: '';
	if (!wait.throttled) return requestError(`${lastError.message}; ${asked}`, context);
	return limitWaitError(`${asked ? `${asked}; ` : ''}the last answer was: ${lastError.message}`, wait.waitedMs, context);
}

/** The account's limit (requests or task slots) kept an item waiting until its deadline. */
export function limitWaitError(what: string, waitedMs: number, context: ErrorContext & { deadlineName: string }): NodeApiError {
	const message = `Waited ${seconds(waitedMs)} for the Kling account's limit and reached ${context.deadlineName} (${what}). Lower Parallel Requests, or raise ${context.deadlineName}`;
	return requestError(message, context);
}

/**
 * Kling knows no task by this id under the family asked (or under any, with Any Type): a task is
 * read under the type of the operation that created it, so the other types are named.
 */
export function taskNotFoundError(taskId: string, asked: { label: string; others: string[] } | undefined, context: ErrorContext): NodeApiError {
	const message = asked
		? `Kling has no task "${taskId}" under Task Type ${asked.label}. A task is found only under the type of the operation that created it: choose Any Type, or one of ${asked.others.join(', ')}`
		: `Kling has no task "${taskId}" of any type. Check Task ID: it is the task_id an operation returned, or the External Task ID it was created with, on this account`;
	return requestError(message, context);
}

export function taskFailedError(task: TaskSnapshot, context: ErrorContext): NodeApiError {
	return requestError(`Kling task ${task.taskId} failed: ${task.statusMessage ?? 'no reason given'}`, context);
}

/**
 * Runs the part of an item that comes after its task was created: any error then names the task,
 * so Get Task can recover what was made (and paid for).
 */
export async function namingTask<T>(taskId: string, work: () => Promise<T>): Promise<T> {
	return await work().catch((error: Error) => {
		if (!error.message.includes(taskId) && error.name !== 'ExecutionCancelledError') {
			error.message = `${error.message} (Kling task ${taskId}; read it with Get Task)`;
		}
		throw error;
	});
}

/** Any other failure: a lost connection, a timeout, an unusable answer. */
export function requestError(message: string, context: ErrorContext): NodeApiError {
	return apiError(context.node, redactAll(message, context.secrets), { itemIndex: context.itemIndex });
}

/** A connection that failed or broke before an answer came: safe to send again. */
const CONNECTION_CODES = ['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH'];
const CONNECTION_TEXT = /socket hang up|closed unexpectedly|ECONNRESET|ECONNREFUSED|EPIPE|EAI_AGAIN|ENETUNREACH|EHOSTUNREACH|^aborted$/i;
const UNSENT_TEXT = /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ENETUNREACH|EHOSTUNREACH|EPIPE|ECONNRESET/;
const TIMEOUT_TEXT = /timeout of \d+ms exceeded|ETIMEDOUT|ECONNABORTED|connection was aborted/i;

export interface FailureClass {
	kind: 'timeout' | 'connection' | 'other';
	detail: string;
	/** The system call that failed (`connect`, `write`, `read`), when the error kept it. */
	syscall?: string;
}

/**
 * What kind of failure a thrown request error is. n8n wraps the system error in a NodeApiError
 * that keeps only its messages, so the code is looked for in the text as well.
 */
export function classifyFailure(error: unknown): FailureClass {
	const code = errorCode(error);
	const { message, messages } = (error ?? {}) as { message?: unknown; messages?: unknown };
	const isText = (text: unknown): text is string => typeof text === 'string' && text !== '';
	const raw = Array.isArray(messages) ? messages.filter(isText) : [];
	const texts = [code, message, ...raw].filter(isText);
	// The system's own words ("socket hang up") say more than n8n's generic rewording.
	const detail = code ?? raw[0] ?? (isText(message) ? message : 'unknown error');
	if (texts.some((text) => TIMEOUT_TEXT.test(text))) return { kind: 'timeout', detail };
	if ((code && CONNECTION_CODES.includes(code)) || texts.some((text) => CONNECTION_TEXT.test(text))) {
		const syscall = errorField(error, 'syscall');
		return syscall ? { kind: 'connection', detail, syscall } : { kind: 'connection', detail };
	}
	return { kind: 'other', detail };
}

/** Digs the system error code (ECONNRESET, ...) out of the layers n8n and axios wrap around it. */
export function errorCode(error: unknown): string | undefined {
	return errorField(error, 'code');
}

function errorField(error: unknown, field: 'code' | 'syscall'): string | undefined {
	let current: unknown = error;
	for (let depth = 0; depth < 5 && current && typeof current === 'object'; depth++) {
		const value = (current as Record<string, unknown>)[field];
		if (typeof value === 'string' && value !== '') return value;
		current = (current as { cause?: unknown }).cause;
	}
	return undefined;
}

/**
 * Whether a broken request surely never reached the API: no connection was made, or the server
 * reset it (RST) instead of closing it, which a peer does when it drops data of ours it never
 * read, so the request was not read whole and cannot have been acted on. A clean close without an
 * answer ("socket hang up") comes after the server read everything: that one is unclear.
 */
export function surelyUnsent(error: unknown): boolean {
	const failure = classifyFailure(error);
	if (failure.kind !== 'connection') return false;
	const { message, messages } = (error ?? {}) as { message?: unknown; messages?: unknown };
	const texts = [message, ...(Array.isArray(messages) ? messages : [])].filter((text): text is string => typeof text === 'string');
	if (texts.some((text) => /socket hang up/i.test(text))) return false;
	return UNSENT_TEXT.test(failure.detail) || texts.some((text) => UNSENT_TEXT.test(text)) || failure.syscall === 'connect';
}

/** The one shape of a cancellation: n8n marks a run as canceled, not failed, when its error is named like this. */
export function cancelledError(): Error {
	return Object.assign(new Error('Execution canceled'), { name: 'ExecutionCancelledError' });
}

/** A bad parameter becomes an error naming the field and the item; other errors pass as they are. */
export function itemError(node: INode, error: unknown, itemIndex: number): Error {
	if (error instanceof FieldError) return new NodeOperationError(node, `${error.message} (item ${itemIndex})`, { itemIndex });
	return error instanceof Error ? error : new NodeOperationError(node, String(error), { itemIndex });
}

/** A credential that lacks what its way of signing in needs: nothing was sent. */
export function credentialSetupError(node: INode, error: Error): NodeOperationError {
	return new NodeOperationError(node, error.message);
}

export function noImagesError(context: ErrorContext): NodeApiError {
	return requestError('The Kling API finished without any images', context);
}

/** An element task that succeeded but lists no element in its result. */
export function noElementsError(taskId: string | undefined, context: ErrorContext): NodeApiError {
	return requestError(`Kling task ${taskId ?? ''} finished without any element in its result: read it with Get Task (Task Type: Element)`, context);
}

/** An operation the gateway credential does not offer, chosen in a workflow on the gateway. */
export function officialOnlyError(node: INode, operation: string): NodeOperationError {
	return new NodeOperationError(
		node,
		`"${operation}" needs the Official Kling AI API: the gateway does not offer it. Set Authentication to "Official Kling AI API"`,
	);
}

/** The costs answer's own `code` (inside `data`) said it failed, though the envelope said success. */
export function accountCostsError(code: number, message: string | undefined, context: ErrorContext): NodeApiError {
	return requestError(`Kling could not read the account's resource packs (code ${code})${message ? `: ${message}` : ''}`, context);
}

/**
 * A paid request failed in a way the API may have processed it (a timeout, a cut connection, a
 * 5xx): says it was not sent again and why; `undone` names what may have been made and billed.
 */
export function notResentAfterUnclear(error: Error & { unclear?: boolean }, undone: string, howToAllow?: string): Error {
	if (error.unclear) {
		error.message += `. It was not sent again: the API may have ${undone}${howToAllow ? `. ${howToAllow}` : ''}`;
	}
	return error;
}
