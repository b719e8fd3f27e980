import type { INode } from 'n8n-workflow';

import { classifyFailure, errorAnswer, errorCode, redactSecret, requestError } from '../../../../nodes/Kling/transport/errors';

const node: INode = { id: '1', name: 'Kling', type: 'n8n-nodes-kling.kling', typeVersion: 1, position: [0, 0], parameters: {} };
const secret = 'sk-live-0123456789abcdef';
const httpStatusError = (status: number, body: unknown, context: Parameters<typeof errorAnswer>[2]) =>
	errorAnswer(status, body, context).error;

describe('redactSecret', () => {
	it('masks the key and long pieces of it', () => {
		expect(redactSecret(`bad key ${secret}`, secret)).toBe('bad key ***');
		expect(redactSecret('Incorrect API key provided: sk-live-0123****cdef.', secret)).toBe('Incorrect API key provided: ***.');
		expect(redactSecret('prompt is too long', secret)).toBe('prompt is too long');
		expect(redactSecret('anything', undefined)).toBe('anything');
	});
});

describe('httpStatusError', () => {
	it('explains 401 and keeps the status, without the key', () => {
		const error = httpStatusError(401, { error: { message: `Incorrect API key provided: ${secret}` } }, { node, itemIndex: 2, secrets: [secret] });
		expect(error.message).toBe('The Kling API refused the API key (HTTP 401). Check the API key in the Kling API credential: Incorrect API key provided: ***');
		expect(error.httpCode).toBe('401');
		expect(JSON.stringify(error)).not.toContain(secret);
	});

	it('quotes what the API said was wrong with a 400', () => {
		const error = httpStatusError(400, '{"error":{"message":"n must be at most 9"}}', { node, itemIndex: 0 });
		expect(error.message).toBe('The Kling API rejected the request (HTTP 400): n must be at most 9. Correct what it names, then run again');
		// Shown once: n8n prints a description under the message.
		expect(error.description).toBeUndefined();
	});

	it('covers server errors and bodies with no message', () => {
		expect(httpStatusError(503, '', { node, itemIndex: 0 }).message).toBe('The Kling API failed (HTTP 503). Run again later');
	});
});

describe('requestError and errorCode', () => {
	it('redacts and finds nested codes', () => {
		expect(requestError(`boom ${secret}`, { node, itemIndex: 0, secrets: [secret] }).message).toBe('boom ***');
		expect(errorCode({ message: 'x', cause: { cause: { code: 'ECONNRESET' } } })).toBe('ECONNRESET');
		expect(errorCode(new Error('plain'))).toBeUndefined();
	});
});

describe('classifyFailure', () => {
	it('finds timeouts and broken connections by code or by the words n8n keeps', () => {
		expect(classifyFailure({ code: 'ECONNABORTED', message: 'timeout of 1000ms exceeded' }).kind).toBe('timeout');
		expect(classifyFailure({ message: 'The connection was aborted, perhaps the server is offline', messages: ['timeout of 5ms exceeded'] })).toEqual({
			kind: 'timeout',
			detail: 'timeout of 5ms exceeded',
		});
		expect(classifyFailure({ message: 'generic', messages: ['socket hang up'] })).toEqual({ kind: 'connection', detail: 'socket hang up' });
		expect(classifyFailure({ cause: { code: 'ECONNREFUSED' } })).toEqual({ kind: 'connection', detail: 'ECONNREFUSED' });
	});

	it('leaves anything else alone', () => {
		expect(classifyFailure(new Error('certificate has expired')).kind).toBe('other');
		expect(classifyFailure(undefined)).toEqual({ kind: 'other', detail: 'unknown error' });
	});
});

describe('messages mentioning system codes', () => {
	it('are kept as written, not replaced by n8n\'s generic advice', () => {
		expect(requestError('The image download was cut off: ECONNRESET', { node, itemIndex: 0 }).message).toBe(
			'The image download was cut off: ECONNRESET',
		);
	});
});

describe('a model Kling no longer offers', () => {
	const context = { node, itemIndex: 0, secrets: [secret] };
	const gone = { code: 1201, message: "The model 'kling-v2' has been discontinued" };

	it('names the model and the current ones, gives Kling’s words once, and is final whatever the status', () => {
		for (const status of [400, 404, 500]) {
			const verdict = errorAnswer(status, gone, context, { sent: 'kling-v2', current: ['kling-v2-1'] });
			expect(verdict.error.message).toBe(
				`Kling no longer offers model "kling-v2" (Kling's words: The model 'kling-v2' has been discontinued): choose kling-v2-1 in Model`,
			);
			expect(verdict.error.description ?? '').not.toContain('discontinued');
			expect(verdict).toMatchObject({ kind: 'final', code: 1201 });
		}
	});

	it('without the current models, asks for another one', () => {
		expect(errorAnswer(400, gone, context, { sent: 'kling-v2' }).error.message).toMatch(/: choose another model in Model$/);
	});

	it('an answer that does not speak of a discontinued model, or one to a request without a model, keeps its usual explanation', () => {
		const other = errorAnswer(400, { code: 1201, message: "'image_fidelity' is only supported by kling-v2-1" }, context, { sent: 'kling-v3' });
		expect(other.error.message).toBe("Kling rejected the request (code 1201): 'image_fidelity' is only supported by kling-v2-1. Correct what it names, then run again");
		expect(errorAnswer(400, gone, context).error.message).toBe("Kling rejected the request (code 1201): The model 'kling-v2' has been discontinued. Correct what it names, then run again");
	});
});
