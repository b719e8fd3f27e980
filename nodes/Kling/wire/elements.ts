import type { IDataObject } from 'n8n-workflow';

import { AnswerError, parseElement, taskCost } from './answers';
import type { ElementLibrary, ElementSummary, TaskCost, TaskSnapshot } from './answers';
import { FieldError } from './fieldError';
import { validateTaskOptions, withTaskOptions } from './officialRequest';
import { textValue } from './validation';

export type { ElementLibrary, ElementSummary } from './answers';

/** Kling's element library: reusable subjects (a person, a prop) that Omni-Image and kling-v3 take by id. */

export const MAX_ELEMENT_NAME = 20;
export const MAX_ELEMENT_DESCRIPTION = 100;
export const MAX_ELEMENT_REFERENCES = 3;
/** Images plus elements one Omni-Image request may name. */
export const MAX_ELEMENTS_PER_REQUEST = 10;

/** The tags Kling documents, o_101 to o_108, under the names its current element docs give them. */
export const ELEMENT_TAGS: ReadonlyArray<{ id: string; name: string }> = [
	{ id: 'o_101', name: 'Hottest' },
	{ id: 'o_102', name: 'Character' },
	{ id: 'o_103', name: 'Animal' },
	{ id: 'o_104', name: 'Item' },
	{ id: 'o_105', name: 'Costume' },
	{ id: 'o_106', name: 'Scene' },
	{ id: 'o_107', name: 'Effect' },
	{ id: 'o_108', name: 'Others' },
];

/** List's choice: the account's own elements, or Kling's presets (both of the current element API). */
export const ELEMENT_LISTS = ['own', 'presets'] as const;
export type ElementList = (typeof ELEMENT_LISTS)[number];

/**
 * An element id as text. Ids are longs beyond what a JavaScript number holds exactly, so only
 * digits given as text pass; a number above 2^53 has lost its last digits already and is refused.
 */
export function elementIdValue(field: string, value: unknown): string {
	if (typeof value === 'number') {
		if (Number.isSafeInteger(value) && value >= 0) return String(value);
		throw new FieldError(
			field,
			`is the number ${value}, which is past what a JavaScript number holds exactly, so its last digits are lost: pass the ID as text (e.g. with String() or from a text field)`,
		);
	}
	const text = textValue(field, value).trim();
	if (text === '') throw new FieldError(field, 'is empty: give an element ID');
	if (!/^\d+$/.test(text)) throw new FieldError(field, `must be an element ID (digits only), got "${text.slice(0, 40)}"`);
	// Written bare on the wire (wire/longJson.ts): a leading zero would not be a JSON number.
	return text.replace(/^0+(?=\d)/, '');
}

/** A list of element ids: 0 to `max`, each checked (see elementIdValue), no repeats. */
export function elementIdList(field: string, values: unknown[], max = MAX_ELEMENTS_PER_REQUEST): string[] {
	const ids = values.map((value, position) => elementIdValue(`${field} ${position + 1}`, value));
	if (ids.length > max) throw new FieldError(field, `holds ${ids.length} elements; at most ${max} are allowed`);
	const repeated = ids.find((id, position) => ids.indexOf(id) !== position);
	if (repeated !== undefined) throw new FieldError(field, `names element ${repeated} twice`);
	return ids;
}

export interface RawElementParams {
	name: unknown;
	description: unknown;
	tags: unknown;
	callbackUrl: unknown;
	externalTaskId: unknown;
}

/**
 * The body of an element task (`advanced-custom-elements`), checked, without its images: they
 * are added by elementImageList when the request goes out.
 */
export function buildElementBody(raw: RawElementParams): IDataObject {
	const name = textValue('Name', raw.name).trim();
	if (name === '') throw new FieldError('Name', 'is empty: give the element a name');
	if (name.length > MAX_ELEMENT_NAME) throw new FieldError('Name', `is ${name.length} characters long; at most ${MAX_ELEMENT_NAME} are allowed`);
	const description = textValue('Description', raw.description).trim();
	if (description.length > MAX_ELEMENT_DESCRIPTION) {
		throw new FieldError('Description', `is ${description.length} characters long; at most ${MAX_ELEMENT_DESCRIPTION} are allowed`);
	}
	const body: IDataObject = { element_name: name };
	if (description) body.element_description = description;
	body.reference_type = 'image_refer';
	const tags = tagList(raw.tags);
	if (tags.length > 0) body.tag_list = tags.map((id) => ({ tag_id: id }));
	return withTaskOptions(body, { ...validateTaskOptions(raw), watermark: false });
}

/** The element's pictures as Kling takes them: the frontal image and 1–3 references (URL or base64 each). */
export function elementImageList(frontal: string, references: string[]): IDataObject {
	return { frontal_image: frontal, refer_images: references.map((image) => ({ image_url: image })) };
}

function tagList(value: unknown): string[] {
	if (value === undefined || value === null || value === '') return [];
	const entries = Array.isArray(value) ? value : [value];
	const known = ELEMENT_TAGS.map((tag) => tag.id);
	return entries.map((entry) => {
		const id = textValue('Tags', entry).trim();
		if (!known.includes(id)) throw new FieldError('Tags', `must be among ${known.join(', ')}, got "${id}"`);
		return id;
	});
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The elements of the tasks that succeeded (a list of element tasks, or Kling's presets listed as tasks). */
export function elementsOfTasks(tasks: TaskSnapshot[], library: ElementLibrary): ElementSummary[] {
	return tasks
		.filter((task) => task.status === 'succeed')
		.flatMap((task) => (task.elements ?? []).map((element) => ({ ...element, library })));
}

/** `{code: 0, data: [element, ...]}`, a page of the older element API (`custom-elements`). */
export function parseElementList(body: unknown, library?: ElementLibrary): ElementSummary[] {
	if (!isObject(body) || !Array.isArray(body.data)) throw new AnswerError('The Kling API answer has no "data" list of elements');
	return body.data.map((entry) => parseElement(entry, library));
}

const PICKER_MARKS: Record<ElementLibrary, string> = { own: '', presets: ' (Kling preset)', older: ' (older element API)' };

/** The elements matching `filter` (any part of name, description or id, case-insensitive), for the editor's list. */
export function elementPickerItems(elements: ElementSummary[], filter = ''): Array<{ name: string; value: string; description?: string }> {
	const wanted = filter.trim().toLowerCase();
	const seen = new Set<string>();
	return elements
		.filter((element) => [element.name, element.description, element.elementId].some((part) => part.toLowerCase().includes(wanted)))
		.filter((element) => !seen.has(element.elementId) && seen.add(element.elementId))
		.map((element) => ({
			name: `${element.name || element.elementId}${PICKER_MARKS[element.library ?? 'own']}`,
			value: element.elementId,
			...(element.description && { description: element.description }),
		}));
}

/** The four kinds of segment image recognize documents; others are passed on as named. */
export const SEGMENT_KINDS: Readonly<Record<string, string>> = {
	object_seg: 'object',
	head_seg: 'head',
	face_seg: 'face',
	cloth_seg: 'cloth',
};

export interface Segment {
	/** `object`, `head`, `face`, `cloth`, or the API's own name for a kind it did not document. */
	kind: string;
	type: string;
	isContain: boolean;
	url?: string;
}

export interface Recognition extends TaskCost {
	segments: Segment[];
}

export const RECOGNIZE_PATH = '/v1/videos/image-recognize';

/** `{data: {final_unit_deduction, task_result: {images: [{type, is_contain, url}]}}}`: the synchronous recognize answer. */
export function parseRecognizeAnswer(body: unknown): Recognition {
	const data = isObject(body) ? body.data : undefined;
	const result = isObject(data) ? data.task_result : undefined;
	const images = isObject(result) ? result.images : undefined;
	if (!isObject(data) || !Array.isArray(images)) {
		throw new AnswerError(`The answer of ${RECOGNIZE_PATH} has no task_result.images list: Kling may have changed this endpoint`);
	}
	const segments = images.map((entry, position): Segment => {
		if (!isObject(entry) || typeof entry.type !== 'string' || entry.type === '') {
			throw new AnswerError(`Segment ${position} of the answer of ${RECOGNIZE_PATH} has no type`);
		}
		if (typeof entry.is_contain !== 'boolean') {
			throw new AnswerError(`Segment ${entry.type} of the answer of ${RECOGNIZE_PATH} has no boolean is_contain`);
		}
		const segment: Segment = { kind: SEGMENT_KINDS[entry.type] ?? entry.type, type: entry.type, isContain: entry.is_contain };
		if (typeof entry.url === 'string' && entry.url !== '') segment.url = entry.url;
		return segment;
	});
	return { segments, ...taskCost(data) };
}
