import { elementIdsOf } from '../../../../nodes/Kling/parameters/elements';
import { AnswerError, parseTaskAnswer, readNoImages, taskImages } from '../../../../nodes/Kling/wire/answers';
import {
	buildElementBody,
	elementImageList,
	elementsOfTasks,
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

	it('is exact even when a string of the body looks like its internal mark of an id', () => {
		const body = { prompt: '\u0000bare-id:42', element_list: [{ element_id: '7' }] };
		expect(stringifyWithBareIds(body)).toBe('{"prompt":"\\u0000bare-id:42","element_list":[{"element_id":7}]}');
	});
});

describe('element ids', () => {
	it('are text; safe integers pass, longs given as numbers are refused', () => {
		expect(elementIdValue('Element', ` ${LONG} `)).toBe(LONG);
		expect(elementIdValue('Element', 42)).toBe('42');
		expect(elementIdValue('Element', '007')).toBe('7'); // the long it names, written bare without a leading zero
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
	it('builds the element task body (the pictures are added when sending) with the task options', () => {
		const raw = { name: ' Mia ', description: '', tags: ['o_101'], callbackUrl: '', externalTaskId: '' };
		expect(buildElementBody(raw)).toEqual({ element_name: 'Mia', reference_type: 'image_refer', tag_list: [{ tag_id: 'o_101' }] });
		expect(buildElementBody({ ...raw, description: 'd', tags: [], callbackUrl: 'https://a.example/hook', externalTaskId: ' e-1 ' })).toEqual({
			element_name: 'Mia',
			element_description: 'd',
			reference_type: 'image_refer',
			callback_url: 'https://a.example/hook',
			external_task_id: 'e-1',
		});
		expect(() => buildElementBody({ ...raw, tags: ['o_109'] })).toThrow('"Tags" must be among o_101');
		expect(elementImageList('FRONT', ['https://a.example/1.png', 'BASE64'])).toEqual({
			frontal_image: 'FRONT',
			refer_images: [{ image_url: 'https://a.example/1.png' }, { image_url: 'BASE64' }],
		});
	});
});

describe('answers', () => {
	it('an older element list keeps ids as text; an id rounded by a float fails loudly', () => {
		const [element] = parseElementList(parseJsonKeepingLongs(`{"code":0,"data":[{"element_id":${LONG},"element_name":"Mia","owned_by":"kling"}]}`), 'older');
		expect(element).toEqual({ elementId: LONG, name: 'Mia', description: '', referenceImages: [], tags: [], ownedBy: 'kling', library: 'older' });
		expect(() => parseElementList(JSON.parse(`{"data":[{"element_id":${LONG}}]}`))).toThrow(AnswerError);
		expect(() => parseElementList({ data: {} })).toThrow('no "data" list of elements');
	});

	it('an element task reads its elements from task_result.elements, as recorded: bare long id, numeric owned_by, tag objects', () => {
		const text = `{"code":0,"data":{"task_id":"t1","task_status":"succeed","final_unit_deduction":"3","task_result":{"elements":[{"element_id":${LONG},"element_name":"Mia","element_description":"a girl","element_type":"image_refer","element_image_list":{"frontal_image":"https://x.example/f.png","refer_images":[{"image_url":"https://x.example/1.png"},{}]},"tag_list":[{"id":"o_102","name":"character","description":"None"}],"owned_by":35218843}]}}}`;
		const task = parseTaskAnswer(parseJsonKeepingLongs(text), readNoImages);
		expect(task.images).toEqual([]);
		expect(task.elements).toEqual([
			{
				elementId: LONG,
				name: 'Mia',
				description: 'a girl',
				frontalImage: 'https://x.example/f.png',
				referenceImages: ['https://x.example/1.png'],
				tags: [{ id: 'o_102', name: 'character', description: 'None' }],
				ownedBy: '35218843',
				elementType: 'image_refer',
			},
		]);
		expect(taskImages(task)).toMatchObject({ taskId: 't1', unitsDeducted: 3, elements: task.elements });
		// Optional keys missing or {}: still an element, with what is there.
		const sparse = parseTaskAnswer({ data: { task_id: 't2', task_status: 'succeed', task_result: { elements: [{ element_id: '12', element_image_list: {}, tag_list: {} }] } } });
		expect(sparse.elements).toEqual([{ elementId: '12', name: '', description: '', referenceImages: [], tags: [] }]);
		expect(parseTaskAnswer({ data: { task_id: 't3', task_status: 'processing', task_result: {} } }).elements).toBeUndefined();
		expect(() => parseTaskAnswer({ data: { task_id: 't4', task_result: { elements: [{ element_id: Number(LONG) }] } } })).toThrow(AnswerError);
	});

	it('elementsOfTasks: the elements of succeeded tasks only, each marked with its library', () => {
		const element = { elementId: '1', name: 'Mia', description: '', referenceImages: [], tags: [] };
		const task = (status: string) => ({ taskId: status, status, images: [], elements: [element], raw: {} });
		expect(elementsOfTasks([task('succeed'), task('processing'), task('failed')], 'presets')).toEqual([{ ...element, library: 'presets' }]);
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

	it('picker items: filtered on name, description or id, presets and older elements marked, no duplicates', () => {
		const elements = [
			{ elementId: '1', name: 'Mia', description: 'red coat', referenceImages: [], tags: [], library: 'own' as const },
			{ elementId: '2', name: 'Panda', description: '', referenceImages: [], tags: [], ownedBy: '1', library: 'presets' as const },
			{ elementId: '1', name: 'Mia', description: 'red coat', referenceImages: [], tags: [] },
			{ elementId: '3', name: '', description: '', referenceImages: [], tags: [], library: 'older' as const },
		];
		expect(elementPickerItems(elements)).toEqual([
			{ name: 'Mia', value: '1', description: 'red coat' },
			{ name: 'Panda (Kling preset)', value: '2' },
			{ name: '3 (older element API)', value: '3' },
		]);
		expect(elementPickerItems(elements, 'COAT').map((item) => item.value)).toEqual(['1']);
	});
});
