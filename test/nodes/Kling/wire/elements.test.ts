import { elementIdsOf } from '../../../../nodes/Kling/parameters/elements';
import { AnswerError } from '../../../../nodes/Kling/wire/answers';
import {
	buildElementBody,
	elementIdList,
	elementIdValue,
	elementPickerItems,
	parseElementList,
	parseRecognizeAnswer,
} from '../../../../nodes/Kling/wire/elements';
import { parseJsonKeepingLongs, quoteLongIntegers, stringifyWithBareIds } from '../../../../nodes/Kling/wire/longJson';

const LONG = '860321453218791424123';

describe('parseJsonKeepingLongs', () => {
	it('keeps integers beyond 2^53 as their digits, wherever they are', () => {
		const text = `{"data":[{"element_id":${LONG},"n":-9007199254740993,"ok":9007199254740991}],"x":1.5e300,"s":"${LONG} in a string \\" ${LONG}"}`;
		expect(parseJsonKeepingLongs(text)).toEqual({
			data: [{ element_id: LONG, n: '-9007199254740993', ok: 9007199254740991 }],
			x: 1.5e300,
			s: `${LONG} in a string " ${LONG}`,
		});
		expect(JSON.parse(text).data[0].element_id).not.toBe(LONG); // what it guards against
	});

	it('parses like JSON.parse otherwise, and fails like it on bad text', () => {
		for (const text of ['{"a":[1,2.5,-3,true,null]}', '[]', '"1234567890123456789"', '12']) {
			expect(parseJsonKeepingLongs(text)).toEqual(JSON.parse(text));
		}
		expect(() => parseJsonKeepingLongs('<html>12345678901234567890</html>')).toThrow(SyntaxError);
		expect(quoteLongIntegers('{"a": -}')).toBe('{"a": -}');
	});
});

describe('stringifyWithBareIds', () => {
	it('writes element_id digit strings as bare integers, digit for digit, anywhere in the body', () => {
		const body = { prompt: 'say "element_id": "1"', element_list: [{ element_id: LONG }, { element_id: '7' }], n: 2, skip: undefined };
		const text = stringifyWithBareIds(body);
		expect(text).toBe(`{"prompt":"say \\"element_id\\": \\"1\\"","element_list":[{"element_id":${LONG}},{"element_id":7}],"n":2}`);
		expect(parseJsonKeepingLongs(text)).toEqual({ ...body, element_list: [{ element_id: LONG }, { element_id: 7 }], skip: undefined });
	});

	it('writes everything else as JSON.stringify does; ids that are not plain digits stay quoted', () => {
		const body = { element_id: '0123', other_id: LONG, list: [1, undefined, null, 'x'], nested: { element_id: 'abc', date: new Date(0) }, empty: {} };
		expect(stringifyWithBareIds(body)).toBe(JSON.stringify(body));
		expect(stringifyWithBareIds([{ element_id: '5' }])).toBe('[{"element_id":5}]');
		expect(stringifyWithBareIds('text')).toBe('"text"');
	});
});

describe('element ids', () => {
	it('are text; safe integers pass, longs given as numbers are refused', () => {
		expect(elementIdValue('Element', ` ${LONG} `)).toBe(LONG);
		expect(elementIdValue('Element', 42)).toBe('42');
		expect(() => elementIdValue('Element', Number(LONG))).toThrow('"Element" is the number 860321453218791400000, which is past');
		expect(() => elementIdValue('Element', '12a')).toThrow('"Element" must be an element ID (digits only), got "12a"');
		expect(() => elementIdValue('Element', {})).toThrow('"Element" must be text');
	});

	it('a list holds at most 10, without repeats, each named by position', () => {
		expect(elementIdList('Elements', ['1', '2'])).toEqual(['1', '2']);
		expect(() => elementIdList('Elements', ['1', 'x'])).toThrow('"Elements 2" must be an element ID');
		expect(() => elementIdList('Elements', ['1', '1'])).toThrow('"Elements" names element 1 twice');
		expect(() => elementIdList('Elements', Array.from({ length: 11 }, (_, i) => String(i)))).toThrow('holds 11 elements; at most 10');
	});

	it('elementIdsOf reads the picker property: list and typed ids, or none', () => {
		const value = { element: [{ id: { __rl: true, mode: 'list', value: LONG } }, { id: { __rl: true, mode: 'id', value: ' 7 ' } }] };
		expect(elementIdsOf(value)).toEqual([LONG, '7']);
		expect(elementIdsOf({})).toEqual([]);
		expect(elementIdsOf(undefined)).toEqual([]);
		expect(() => elementIdsOf(value, 'Elements', 1)).toThrow('holds 2 elements; at most 1');
	});
});

describe('buildElementBody', () => {
	it('builds the create body (the frontal image is added when sending)', () => {
		expect(buildElementBody({ name: ' Mia ', description: '', referenceUrls: 'https://a.example/1.png, https://a.example/2.png\n', tags: ['o_101'] })).toEqual({
			element_name: 'Mia',
			element_refer_list: [{ image_url: 'https://a.example/1.png' }, { image_url: 'https://a.example/2.png' }],
			tag_list: [{ tag_id: 'o_101' }],
		});
		expect(buildElementBody({ name: 'x', description: 'd', referenceUrls: ['https://a.example/1.png'], tags: [] }).element_description).toBe('d');
	});
});

describe('answers', () => {
	it('an element list keeps ids as text; an id rounded by a float fails loudly', () => {
		const [element] = parseElementList(parseJsonKeepingLongs(`{"code":0,"data":[{"element_id":${LONG},"element_name":"Mia","owned_by":"kling"}]}`));
		expect(element).toEqual({ elementId: LONG, name: 'Mia', description: '', referenceImages: [], tags: [], ownedBy: 'kling' });
		expect(() => parseElementList(JSON.parse(`{"data":[{"element_id":${LONG}}]}`))).toThrow(AnswerError);
		expect(() => parseElementList({ data: {} })).toThrow('no "data" list of elements');
	});

	it('recognize: kinds named, unknown kinds kept, units parsed, a missing list names the endpoint', () => {
		const answer = {
			data: {
				final_unit_deduction: '0.5',
				task_result: { images: [{ type: 'face_seg', is_contain: false, url: '' }, { type: 'tail_seg', is_contain: true, url: 'https://x.example/t.png' }] },
			},
		};
		expect(parseRecognizeAnswer(answer)).toEqual({
			unitsDeducted: 0.5,
			segments: [
				{ kind: 'face', type: 'face_seg', isContain: false },
				{ kind: 'tail_seg', type: 'tail_seg', isContain: true, url: 'https://x.example/t.png' },
			],
		});
		expect(() => parseRecognizeAnswer({ data: { task_result: {} } })).toThrow('The answer of /v1/videos/image-recognize has no task_result.images list');
		expect(() => parseRecognizeAnswer({ data: { task_result: { images: [{ type: 'face_seg' }] } } })).toThrow('has no boolean is_contain');
	});

	it('picker items: filtered on name, description or id, presets marked, no duplicates', () => {
		const elements = [
			{ elementId: '1', name: 'Mia', description: 'red coat', referenceImages: [], tags: [] },
			{ elementId: '2', name: 'Panda', description: '', referenceImages: [], tags: [], ownedBy: 'kling' },
			{ elementId: '1', name: 'Mia', description: 'red coat', referenceImages: [], tags: [] },
		];
		expect(elementPickerItems(elements)).toEqual([
			{ name: 'Mia', value: '1', description: 'red coat' },
			{ name: 'Panda (Kling preset)', value: '2' },
		]);
		expect(elementPickerItems(elements, 'COAT').map((item) => item.value)).toEqual(['1']);
	});
});
