import { tokenMatches } from '../../../nodes/KlingTrigger/callbackToken';

describe('tokenMatches', () => {
	it.each([
		['the same token', 'abc-123', 'abc-123', true],
		['another token of the same length', 'abc-124', 'abc-123', false],
		['a prefix of the token', 'abc', 'abc-123', false],
		['the token and more', 'abc-1234', 'abc-123', false],
		['an empty token', '', 'abc-123', false],
		['a repeated query parameter (an array)', ['abc-123', 'abc-123'], 'abc-123', false],
		['no token', undefined, 'abc-123', false],
	])('%s', (_name, given, expected, result) => {
		expect(tokenMatches(given, expected)).toBe(result);
	});
});
