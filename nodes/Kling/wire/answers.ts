import type { IDataObject } from 'n8n-workflow';

import { parseJsonKeepingLongs } from './longJson';

/** One image of an answer: a URL to download, or the bytes themselves as base64. */
export interface GeneratedImage {
	index: number;
	url?: string;
	base64?: string;
	/** Where in a task's result it was: `images`, `series_images`, or a view's `url_N` (AI Multi-Shot). */
	source?: string;
}

export type GenerateAnswer =
	| { kind: 'images'; created: number; images: GeneratedImage[] }
	| { kind: 'task'; taskId: string; taskStatus: string };

/** An answer that cannot be used; the message says what was wrong with it. */
export class AnswerError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'AnswerError';
	}
}

function isObject(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** JSON.parse that says what it got instead; a gateway's HTML error page is a common answer. */
export function parseJsonAnswer(text: string): unknown {
	const parsed = tryParseJson(text);
	if (!parsed.ok) {
		throw new AnswerError(`The Kling API answered with something that is not JSON: "${text.trim().slice(0, 120)}"`);
	}
	return parsed.value;
}

/** Integers beyond 2^53 (Kling's element ids) come out as digit strings, never rounded (see longJson.ts). */
export function tryParseJson(text: string): { ok: true; value: unknown } | { ok: false; reason: string } {
	try {
		return { ok: true, value: parseJsonKeepingLongs(text) };
	} catch (error) {
		return { ok: false, reason: (error as Error).message };
	}
}

function imageOf(entry: unknown, position: number): GeneratedImage {
	if (!isObject(entry)) throw new AnswerError(`Image ${position} of the answer is not an object`);
	const index = typeof entry.index === 'number' ? entry.index : position;
	if (typeof entry.url === 'string' && entry.url !== '') return { index, url: entry.url };
	if (typeof entry.b64_json === 'string' && entry.b64_json !== '') return { index, base64: entry.b64_json };
	throw new AnswerError(`Image ${position} of the answer has neither a url nor b64_json`);
}

/**
 * Reads `{created, data: [{url} | {b64_json}]}`. Relaying gateways may answer with a task
 * (`data.task_id`) instead, which the caller has to wait for.
 */
export function parseGenerateAnswer(body: unknown): GenerateAnswer {
	if (!isObject(body)) throw new AnswerError('The Kling API answer is not a JSON object');
	const { data } = body;
	if (isObject(data) && typeof data.task_id === 'string') {
		return { kind: 'task', taskId: data.task_id, taskStatus: String(data.task_status ?? 'submitted') };
	}
	if (!Array.isArray(data)) throw new AnswerError('The Kling API answer has no "data" list of images');
	if (data.length === 0) throw new AnswerError('The Kling API answered without any images');
	const created = typeof body.created === 'number' ? body.created : Math.floor(Date.now() / 1000);
	return { kind: 'images', created, images: data.map(imageOf) };
}

/** The API's own words from an OpenAI-style (`error.message`) or Kling-style (`message`) error body. */
export function apiErrorMessage(body: unknown): string | undefined {
	if (typeof body === 'string') {
		const trimmed = body.trim();
		if (trimmed === '') return undefined;
		const parsed = tryParseJson(trimmed);
		return (parsed.ok ? apiErrorMessage(parsed.value) : undefined) ?? trimmed.slice(0, 300);
	}
	if (!isObject(body)) return undefined;
	const { error } = body;
	if (isObject(error) && typeof error.message === 'string') return error.message;
	if (typeof error === 'string') return error;
	if (typeof body.message === 'string') return body.message;
	return undefined;
}

/** An element of Kling's library as the node shows it; the id stays text end to end. */
export interface ElementSummary {
	elementId: string;
	name: string;
	description: string;
	frontalImage?: string;
	referenceImages: string[];
	tags: Array<{ id: string; name?: string; description?: string }>;
	/** The creator: a numeric account id on the current API, `kling` or a name on the older one. */
	ownedBy?: string;
	/** `image_refer` or `video_refer` (current API). */
	elementType?: string;
	/** The element's own status, when the answer states one. */
	status?: string;
	/** Where it was listed: the account's own, Kling's presets, or the older element API. */
	library?: ElementLibrary;
}

export type ElementLibrary = 'own' | 'presets' | 'older';

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

/**
 * One element of either API: the current one writes its images in `element_image_list`
 * (`frontal_image`, `refer_images[].image_url`) and `owned_by` as a number, the older one
 * `element_frontal_image` and `element_refer_list`. Missing keys are read as empty.
 */
export function parseElement(entry: unknown, library?: ElementLibrary): ElementSummary {
	if (!isObject(entry)) throw new AnswerError('The Kling API answer has an element that is not an object');
	const images = isObject(entry.element_image_list) ? entry.element_image_list : {};
	const refers = [images.refer_images, entry.element_refer_list].find(Array.isArray) ?? [];
	const tags = Array.isArray(entry.tag_list) ? entry.tag_list.filter(isObject) : [];
	const element: ElementSummary = {
		elementId: answerElementId(entry.element_id),
		name: text(entry.element_name) ?? '',
		description: text(entry.element_description) ?? '',
		referenceImages: refers.map((refer) => (isObject(refer) ? text(refer.image_url) : undefined)).filter((url): url is string => !!url),
		tags: tags.map((tag) => ({ id: String(tag.id ?? tag.tag_id ?? ''), name: text(tag.name), description: text(tag.description) })),
	};
	const frontal = text(images.frontal_image) ?? text(entry.element_frontal_image);
	if (frontal) element.frontalImage = frontal;
	const ownedBy = entry.owned_by;
	if ((typeof ownedBy === 'string' && ownedBy !== '') || typeof ownedBy === 'number') element.ownedBy = String(ownedBy);
	const elementType = text(entry.element_type) ?? text(entry.reference_type);
	if (elementType) element.elementType = elementType;
	const status = text(entry.status) ?? text(entry.element_status);
	if (status) element.status = status;
	if (library) element.library = library;
	return element;
}

/** A task of Kling's asynchronous API, as `GET /v1/images/generations/{id}` describes it. */
export interface TaskSnapshot extends TaskCost {
	taskId: string;
	status: string;
	statusMessage?: string;
	externalTaskId?: string;
	images: GeneratedImage[];
	/** The elements an element task made (`task_result.elements`); absent for other tasks. */
	elements?: ElementSummary[];
	createdAt?: number;
	updatedAt?: number;
	/** The task as the API gave it, for Get Task and List Tasks output. */
	raw: IDataObject;
}

/** What a task cost, when the API says. */
export interface TaskCost {
	/** Units the task was charged: `final_unit_deduction`, a decimal sent as text. */
	unitsDeducted?: number;
	/** `final_balance_deduction`: what the account's balance was charged, and at list price. */
	balanceDeduction?: BalanceDeduction;
}

export interface BalanceDeduction {
	quota?: number;
	listPrice?: number;
}

export const FINAL_STATUSES = ['succeed', 'failed'];

/** A decimal the API may send as text or as a number; anything else is unknown. */
export function decimal(value: unknown): number | undefined {
	const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
	return typeof number === 'number' && Number.isFinite(number) ? number : undefined;
}

/** The cost fields of a task (or of a recognize answer); a missing or empty `{}` deduction is left out. */
export function taskCost(entry: Record<string, unknown>): TaskCost {
	const cost: TaskCost = {};
	const units = decimal(entry.final_unit_deduction);
	if (units !== undefined) cost.unitsDeducted = units;
	const balance = entry.final_balance_deduction;
	if (isObject(balance)) {
		const deduction: BalanceDeduction = {};
		const quota = decimal(balance.quota);
		const listPrice = decimal(balance.list_price);
		if (quota !== undefined) deduction.quota = quota;
		if (listPrice !== undefined) deduction.listPrice = listPrice;
		if (Object.keys(deduction).length > 0) cost.balanceDeduction = deduction;
	}
	return cost;
}

/** How a task family's `task_result` becomes images (see taskFamilies.ts). */
export type ResultReader = (result: Record<string, unknown>) => GeneratedImage[];

/**
 * `images` and `series_images`, both read (an Omni series may fill either, or both); each image
 * says which list it came from.
 */
export const readImageLists: ResultReader = (result) => {
	const images: GeneratedImage[] = [];
	for (const source of ['images', 'series_images']) {
		const list = result[source];
		if (!Array.isArray(list)) continue;
		for (const [position, entry] of list.entries()) images.push({ ...imageOf(entry, position), source });
	}
	return images;
};

const VIEW_KEY = /^url_(\d+)$/;

/** AI Multi-Shot: `images: [{index, url_1, url_2, url_3}]`, one image per view, in view order. */
export const readViews: ResultReader = (result) => {
	const list = Array.isArray(result.images) ? result.images : [];
	const images: GeneratedImage[] = [];
	for (const [position, entry] of list.entries()) {
		if (!isObject(entry)) throw new AnswerError(`Image ${position} of the answer is not an object`);
		const views = Object.keys(entry)
			.map((key) => ({ key, number: Number(VIEW_KEY.exec(key)?.[1]) }))
			.filter((view) => Number.isInteger(view.number) && typeof entry[view.key] === 'string' && entry[view.key] !== '')
			.sort((a, b) => a.number - b.number);
		if (views.length === 0) throw new AnswerError(`Image ${position} of the answer has no url_1, url_2, url_3 of its views`);
		for (const view of views) images.push({ index: images.length, url: entry[view.key] as string, source: view.key });
	}
	return images;
};

/** A family whose result holds no images (element tasks): what it made is read from `raw`. */
export const readNoImages: ResultReader = () => [];

/**
 * A task of a family not known (a callback, which does not say): views where an entry has
 * `url_N`, images otherwise.
 */
export const readAnyResult: ResultReader = (result) => {
	const list = Array.isArray(result.images) ? result.images : [];
	const views = list.some((entry) => isObject(entry) && Object.keys(entry).some((key) => VIEW_KEY.test(key)));
	return views ? readViews(result) : readImageLists(result);
};

export function parseTask(entry: unknown, read: ResultReader = readAnyResult): TaskSnapshot {
	if (!isObject(entry) || typeof entry.task_id !== 'string') throw new AnswerError('The Kling API answer has no task_id');
	const result = isObject(entry.task_result) ? entry.task_result : {};
	const info = isObject(entry.task_info) ? entry.task_info : {};
	const number = (value: unknown) => (typeof value === 'number' ? value : undefined);
	return {
		taskId: entry.task_id,
		status: String(entry.task_status ?? 'submitted'),
		statusMessage: typeof entry.task_status_msg === 'string' && entry.task_status_msg ? entry.task_status_msg : undefined,
		externalTaskId: typeof info.external_task_id === 'string' ? info.external_task_id : undefined,
		images: read(result),
		...(Array.isArray(result.elements) && { elements: result.elements.map((element) => parseElement(element)) }),
		createdAt: number(entry.created_at),
		updatedAt: number(entry.updated_at),
		...taskCost(entry),
		raw: entry as IDataObject,
	};
}

/** `{code: 0, data: {task...}}`, the answer to creating or reading a task. */
export function parseTaskAnswer(body: unknown, read: ResultReader = readAnyResult): TaskSnapshot {
	if (!isObject(body)) throw new AnswerError('The Kling API answer is not a JSON object');
	return parseTask(body.data, read);
}

/** `{code: 0, data: [task, ...]}`, the answer to listing tasks. */
export function parseTaskList(body: unknown, read: ResultReader = readAnyResult): TaskSnapshot[] {
	if (!isObject(body) || !Array.isArray(body.data)) throw new AnswerError('The Kling API answer has no "data" list of tasks');
	return body.data.map((entry) => parseTask(entry, read));
}

/** The images (or elements) a finished task made, with its creation time in Unix seconds and its cost. */
export interface TaskImages extends TaskCost {
	images: GeneratedImage[];
	elements?: ElementSummary[];
	created: number;
	taskId: string;
}

export function taskImages(task: TaskSnapshot): TaskImages {
	const { unitsDeducted, balanceDeduction, elements } = task;
	return {
		images: task.images,
		...(elements !== undefined && { elements }),
		created: Math.floor((task.createdAt ?? Date.now()) / 1000),
		taskId: task.taskId,
		...(unitsDeducted !== undefined && { unitsDeducted }),
		...(balanceDeduction !== undefined && { balanceDeduction }),
	};
}

/** A task as an output item: the API's own fields, plus its cost read as numbers (see taskCost). */
export function taskJson(task: TaskSnapshot): IDataObject {
	const { unitsDeducted, balanceDeduction } = task;
	return {
		...task.raw,
		...(unitsDeducted !== undefined && { unitsDeducted }),
		...(balanceDeduction !== undefined && { balanceDeduction: { ...balanceDeduction } }),
	};
}
