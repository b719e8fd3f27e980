import { NodeApiError } from 'n8n-workflow';
import type { INode, JsonObject } from 'n8n-workflow';

import { apiErrorMessage } from '../helpers/response';

/** Masks the API key, and any long piece of it an error body may echo back ("sk-ab…yz"). */
export function redactSecret(text: string, secret: string | undefined): string {
	if (!secret) return text;
	const masked = text.split(secret).join('***');
	return masked.replace(/[A-Za-z0-9_\-*]{6,}/g, (token) =>
		token.split(/\*+/).some((piece) => piece.length >= 6 && secret.includes(piece)) ? '***' : token,
	);
}

function explainStatus(status: number): string {
	if (status === 401) return 'The Kling API refused the API key (HTTP 401). Check the API key in the Kling API credential';
	if (status === 403) return 'The Kling API denied access (HTTP 403): the key may not be allowed to use this model';
	if (status === 400 || status === 422) return `The Kling API rejected the request (HTTP ${status})`;
	if (status === 404) return 'The Kling API endpoint was not found (HTTP 404): check the Base URL of the credential';
	if (status === 429) return 'The Kling API is rate limiting requests (HTTP 429)';
	if (status >= 500) return `The Kling API failed (HTTP ${status})`;
	return `The Kling API answered with HTTP ${status}`;
}

export interface ErrorContext {
	node: INode;
	itemIndex: number;
	secret?: string;
}

/** An HTTP error answer, with the API's own explanation and none of the request (its headers hold the key). */
export function httpStatusError(status: number, body: unknown, context: ErrorContext): NodeApiError {
	const said = apiErrorMessage(body);
	const apiSaid = said ? redactSecret(said, context.secret) : undefined;
	const message = `${explainStatus(status)}${apiSaid ? `: ${apiSaid}` : ''}`;
	return new NodeApiError(context.node, { message, httpCode: String(status) } as JsonObject, {
		message,
		description: apiSaid,
		httpCode: String(status),
		itemIndex: context.itemIndex,
	});
}

/** Any other failure: a lost connection, a timeout, an unusable answer. */
export function requestError(message: string, context: ErrorContext, code?: string): NodeApiError {
	const text = redactSecret(message, context.secret);
	return new NodeApiError(context.node, { message: text, code: code ?? null } as JsonObject, {
		message: text,
		itemIndex: context.itemIndex,
	});
}

/** Digs the system error code (ECONNRESET, ...) out of the layers n8n and axios wrap around it. */
export function errorCode(error: unknown): string | undefined {
	let current: unknown = error;
	for (let depth = 0; depth < 5 && current && typeof current === 'object'; depth++) {
		const { code } = current as { code?: unknown };
		if (typeof code === 'string' && code !== '') return code;
		current = (current as { cause?: unknown }).cause;
	}
	return undefined;
}
