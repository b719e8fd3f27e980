import { AnswerError, apiErrorMessage, parseGenerateAnswer, parseJsonAnswer } from '../../../../nodes/Kling/wire/answers';

describe('parseGenerateAnswer', () => {
	it('reads URLs in order with their index', () => {
		expect(parseGenerateAnswer({ created: 1700000000, data: [{ url: 'https://a/1.png' }, { url: 'https://a/2.png' }] })).toEqual({
			kind: 'images',
			created: 1700000000,
			images: [
				{ index: 0, url: 'https://a/1.png' },
				{ index: 1, url: 'https://a/2.png' },
			],
		});
	});

	it('reads b64_json images', () => {
		const answer = parseGenerateAnswer({ created: 1, data: [{ b64_json: 'iVBORw0KGgo=' }] });
		expect(answer).toEqual({ kind: 'images', created: 1, images: [{ index: 0, base64: 'iVBORw0KGgo=' }] });
	});

	it('recognises a task answer', () => {
		expect(parseGenerateAnswer({ code: 0, data: { task_id: 't1', task_status: 'submitted' } })).toEqual({
			kind: 'task',
			taskId: 't1',
			taskStatus: 'submitted',
		});
	});

	it.each([
		[[], 'not a JSON object'],
		[{ created: 1 }, 'no "data" list'],
		[{ created: 1, data: [] }, 'without any images'],
		[{ created: 1, data: [{}] }, 'neither a url nor b64_json'],
		[{ created: 1, data: ['x'] }, 'is not an object'],
	])('says what is wrong with %j', (body, message) => {
		expect(() => parseGenerateAnswer(body)).toThrow(AnswerError);
		expect(() => parseGenerateAnswer(body)).toThrow(message);
	});
});

describe('parseJsonAnswer', () => {
	it('quotes the start of a body that is not JSON', () => {
		expect(() => parseJsonAnswer('<html>Bad gateway</html>')).toThrow('not JSON: "<html>Bad gateway</html>"');
	});
});

describe('apiErrorMessage', () => {
	it('finds the message of OpenAI-style, Kling-style and plain bodies', () => {
		expect(apiErrorMessage({ error: { message: 'prompt is required' } })).toBe('prompt is required');
		expect(apiErrorMessage('{"code":1201,"message":"invalid n"}')).toBe('invalid n');
		expect(apiErrorMessage({ error: 'quota' })).toBe('quota');
		expect(apiErrorMessage('Service Unavailable')).toBe('Service Unavailable');
		expect(apiErrorMessage('')).toBeUndefined();
		expect(apiErrorMessage({ status: 'bad' })).toBeUndefined();
	});
});
