import type { IDataObject } from 'n8n-workflow';

import { AnswerError } from './answers';
import { FieldError } from './fieldError';
import { httpUrlProblem, textValue } from './validation';

/** Kling's element library: reusable subjects (a person, a prop) that Omni-Image and kling-v3 take by id. */

export const MAX_ELEMENT_NAME = 20;
export const MAX_ELEMENT_DESCRIPTION = 100;
export const MAX_ELEMENT_REFERENCES = 3;
/** Images plus elements one Omni-Image request may name. */
export const MAX_ELEMENTS_PER_REQUEST = 10;

/** The tags Kling documents, o_101 to o_108. */
export const ELEMENT_TAGS: ReadonlyArray<{ id: string; name: string }> = [
	{ id: 'o_101', name: 'Meme' },
	{ id: 'o_102', name: 'Person' },
	{ id: 'o_103', name: 'Animal' },
	{ id: 'o_104', name: 'Prop' },
	{ id: 'o_105', name: 'Clothing' },
	{ id: 'o_106', name: 'Scene' },
	{ id: 'o_107', name: 'Effect' },
	{ id: 'o_108', name: 'Other' },
];

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
	return text;
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
	referenceUrls: unknown;
	tags: unknown;
}

/** The create body without its frontal image (read when the request goes out). */
export function buildElementBody(raw: RawElementParams): IDataObject {
	const name = textValue('Name', raw.name).trim();
	if (name === '') throw new FieldError('Name', 'is empty: give the element a name');
	if (name.length > MAX_ELEMENT_NAME) throw new FieldError('Name', `is ${name.length} characters long; at most ${MAX_ELEMENT_NAME} are allowed`);
	const description = textValue('Description', raw.description).trim();
	if (description.length > MAX_ELEMENT_DESCRIPTION) {
		throw new FieldError('Description', `is ${description.length} characters long; at most ${MAX_ELEMENT_DESCRIPTION} are allowed`);
	}
	const urls = referenceUrlList(raw.referenceUrls);
	const body: IDataObject = { element_name: name };
	if (description) body.element_description = description;
	body.element_refer_list = urls.map((url) => ({ image_url: url }));
	const tags = tagList(raw.tags);
	if (tags.length > 0) body.tag_list = tags.map((id) => ({ tag_id: id }));
	return body;
}

/** 1 to 3 http(s) URLs: a list, or text with one URL per line or comma-separated. */
function referenceUrlList(value: unknown): string[] {
	const field = 'More Reference Image URLs';
	const entries = Array.isArray(value) ? value : textValue(field, value).split(/[\n,]/);
	const urls = entries.map((entry) => textValue(field, entry).trim()).filter(Boolean);
	if (urls.length < 1 || urls.length > MAX_ELEMENT_REFERENCES) {
		throw new FieldError(field, `holds ${urls.length} URLs; Kling wants 1 to ${MAX_ELEMENT_REFERENCES} more images of the element beside the frontal one`);
	}
	for (const [position, url] of urls.entries()) {
		const problem = httpUrlProblem(url);
		if (problem) throw new FieldError(`${field} ${position + 1}`, problem);
	}
	return urls;
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

/** An element as the node shows it; the id stays text end to end. */
export interface ElementSummary {
	elementId: string;
	name: string;
	description: string;
	frontalImage?: string;
	referenceImages: string[];
	tags: Array<{ id: string; name?: string; description?: string }>;
	ownedBy?: string;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const text = (value: unknown) => (typeof value === 'string' ? value : undefined);

/**
 * An element id from an answer: digits as text (the long-safe parse gives longs that way) or a
 * safe integer. An unsafe number means it went through a float on the way: fail, never guess.
 */
function answerElementId(value: unknown): string {
	if (typeof value === 'string' && /^\d+$/.test(value)) return value;
	if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return String(value);
	throw new AnswerError(`The Kling API answer has an element without a usable element_id (${JSON.stringify(value)})`);
}

export function parseElement(entry: unknown): ElementSummary {
	if (!isObject(entry)) throw new AnswerError('The Kling API answer has an element that is not an object');
	const refers = Array.isArray(entry.element_refer_list) ? entry.element_refer_list : [];
	const tags = Array.isArray(entry.tag_list) ? entry.tag_list.filter(isObject) : [];
	const element: ElementSummary = {
		elementId: answerElementId(entry.element_id),
		name: text(entry.element_name) ?? '',
		description: text(entry.element_description) ?? '',
		referenceImages: refers.map((refer) => (isObject(refer) ? text(refer.image_url) : undefined)).filter((url): url is string => !!url),
		tags: tags.map((tag) => ({ id: String(tag.id ?? tag.tag_id ?? ''), name: text(tag.name), description: text(tag.description) })),
	};
	const frontal = text(entry.element_frontal_image);
	if (frontal) element.frontalImage = frontal;
	const ownedBy = text(entry.owned_by);
	if (ownedBy) element.ownedBy = ownedBy;
	return element;
}

/** `{code: 0, data: element}`, the answer to creating an element. */
export function parseElementAnswer(body: unknown): ElementSummary {
	if (!isObject(body)) throw new AnswerError('The Kling API answer is not a JSON object');
	return parseElement(body.data);
}

/** `{code: 0, data: [element, ...]}`, a page of elements (own or presets). */
export function parseElementList(body: unknown): ElementSummary[] {
	if (!isObject(body) || !Array.isArray(body.data)) throw new AnswerError('The Kling API answer has no "data" list of elements');
	return body.data.map(parseElement);
}

/** The elements matching `filter` (any part of name, description or id, case-insensitive), for the editor's list. */
export function elementPickerItems(elements: ElementSummary[], filter = ''): Array<{ name: string; value: string; description?: string }> {
	const wanted = filter.trim().toLowerCase();
	const seen = new Set<string>();
	return elements
		.filter((element) => [element.name, element.description, element.elementId].some((part) => part.toLowerCase().includes(wanted)))
		.filter((element) => !seen.has(element.elementId) && seen.add(element.elementId))
		.map((element) => ({
			name: `${element.name || element.elementId}${element.ownedBy === 'kling' ? ' (Kling preset)' : ''}`,
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

export interface Recognition {
	segments: Segment[];
	unitsDeducted?: number;
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
	const recognition: Recognition = { segments };
	const units = typeof data.final_unit_deduction === 'string' && data.final_unit_deduction.trim() !== '' ? Number(data.final_unit_deduction) : data.final_unit_deduction;
	if (typeof units === 'number' && Number.isFinite(units)) recognition.unitsDeducted = units;
	return recognition;
}
