import type { IDataObject } from 'n8n-workflow';

import { parseJsonKeepingLongs } from './longJson';

/** One image of an answer: a URL to download, or the bytes themselves as base64. */
export interface GeneratedImage {
	index: number;
	url?: string;
	base64?: string;
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

/** A task of Kling's asynchronous API, as `GET /v1/images/generations/{id}` describes it. */
export interface TaskSnapshot {
	taskId: string;
	status: string;
	statusMessage?: string;
	externalTaskId?: string;
	images: GeneratedImage[];
	createdAt?: number;
	updatedAt?: number;
	/** Units the task was charged: `final_unit_deduction`, a decimal sent as text. */
	unitsDeducted?: number;
	/** The task as the API gave it, for Get Task and List Tasks output. */
	raw: IDataObject;
}

export const FINAL_STATUSES = ['succeed', 'failed'];

/** A decimal the API may send as text or as a number; anything else is unknown. */
function decimal(value: unknown): number | undefined {
	const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
	return typeof number === 'number' && Number.isFinite(number) ? number : undefined;
}

export function parseTask(entry: unknown): TaskSnapshot {
	if (!isObject(entry) || typeof entry.task_id !== 'string') throw new AnswerError('The Kling API answer has no task_id');
	const result = isObject(entry.task_result) ? entry.task_result : {};
	// A series (Omni-Image) arrives as `series_images`, everything else as `images`: whichever is there.
	const list = Array.isArray(result.images) && result.images.length > 0 ? result.images : result.series_images;
	const images = Array.isArray(list) ? list.map(imageOf) : [];
	const info = isObject(entry.task_info) ? entry.task_info : {};
	const number = (value: unknown) => (typeof value === 'number' ? value : undefined);
	return {
		taskId: entry.task_id,
		status: String(entry.task_status ?? 'submitted'),
		statusMessage: typeof entry.task_status_msg === 'string' && entry.task_status_msg ? entry.task_status_msg : undefined,
		externalTaskId: typeof info.external_task_id === 'string' ? info.external_task_id : undefined,
		images,
		createdAt: number(entry.created_at),
		updatedAt: number(entry.updated_at),
		unitsDeducted: decimal(entry.final_unit_deduction),
		raw: entry as IDataObject,
	};
}

/** `{code: 0, data: {task...}}`, the answer to creating or reading a task. */
export function parseTaskAnswer(body: unknown): TaskSnapshot {
	if (!isObject(body)) throw new AnswerError('The Kling API answer is not a JSON object');
	return parseTask(body.data);
}

/** `{code: 0, data: [task, ...]}`, the answer to listing tasks. */
export function parseTaskList(body: unknown): TaskSnapshot[] {
	if (!isObject(body) || !Array.isArray(body.data)) throw new AnswerError('The Kling API answer has no "data" list of tasks');
	return body.data.map(parseTask);
}

/** The images a finished task made, with its creation time in Unix seconds. */
export interface TaskImages {
	images: GeneratedImage[];
	created: number;
	taskId: string;
	unitsDeducted?: number;
}

export function taskImages(task: TaskSnapshot): TaskImages {
	const images: TaskImages = { images: task.images, created: Math.floor((task.createdAt ?? Date.now()) / 1000), taskId: task.taskId };
	if (task.unitsDeducted !== undefined) images.unitsDeducted = task.unitsDeducted;
	return images;
}
