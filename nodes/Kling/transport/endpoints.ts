import type { IDataObject } from 'n8n-workflow';

import { parseAccountCosts } from '../wire/accountCosts';
import type { AccountCosts } from '../wire/accountCosts';
import { parseGenerateAnswer, parseTaskAnswer, parseTaskList, readNoImages } from '../wire/answers';
import type { GenerateAnswer, TaskSnapshot } from '../wire/answers';
import { RECOGNIZE_PATH, parseRecognizeAnswer } from '../wire/elements';
import type { Recognition } from '../wire/elements';
import { currentModelsOf } from '../wire/models';
import { familySpec } from '../wire/taskFamilies';
import type { TaskFamily } from '../wire/taskFamilies';
import type { ApiRequest } from './client';

const TASKS_PATH = familySpec('generation').path;

/** The gateway's call: images at once, or a task when the gateway relays the asynchronous API. */
export function generateRequest(
	body: IDataObject,
	deadline: number,
	deadlineName: string,
	unclearResends: number,
): ApiRequest<GenerateAnswer> {
	return { method: 'POST', path: TASKS_PATH, body, parse: parseGenerateAnswer, deadline, deadlineName, unclearResends };
}

export function createTaskRequest(family: TaskFamily, body: IDataObject, deadline: number, deadlineName: string): ApiRequest<TaskSnapshot> {
	const path = familySpec(family).path;
	const request: ApiRequest<TaskSnapshot> = { method: 'POST', path, body, parse: taskParser(family), deadline, deadlineName, unclearResends: 0 };
	return typeof body.model_name === 'string' ? { ...request, model: { sent: body.model_name, current: currentModelsOf(family) } } : request;
}

/** A task answer read the way its family's result is written. */
const taskParser = (family: TaskFamily) => (body: unknown) => parseTaskAnswer(body, familySpec(family).result);

const taskPath = (family: TaskFamily, id: string) => `${familySpec(family).path}/${encodeURIComponent(id)}`;

/** By task id, or by the external task id given when it was created. */
export function readTaskRequest(family: TaskFamily, id: string, deadline: number, deadlineName: string): ApiRequest<TaskSnapshot> {
	return { method: 'GET', path: taskPath(family, id), parse: taskParser(family), deadline, deadlineName };
}

/** Like readTaskRequest, but a task the API does not have is `undefined`, not an error. */
export function lookupTaskRequest(
	family: TaskFamily,
	id: string,
	deadline: number,
	deadlineName: string,
): ApiRequest<TaskSnapshot | undefined> {
	return { method: 'GET', path: taskPath(family, id), parse: taskParser(family), deadline, deadlineName, notFound: { notFound: undefined } };
}

export function listTasksRequest(
	family: TaskFamily,
	pageNum: number,
	pageSize: number,
	deadline: number,
	deadlineName: string,
): ApiRequest<TaskSnapshot[]> {
	const parse = (body: unknown) => parseTaskList(body, familySpec(family).result);
	return { method: 'GET', path: familySpec(family).path, qs: { pageNum, pageSize }, parse, deadline, deadlineName };
}

/** The account's resource packs; this path has no `/v1` prefix. */
export function accountCostsRequest(qs: IDataObject, deadline: number, deadlineName: string): ApiRequest<AccountCosts> {
	return { method: 'GET', path: '/account/costs', qs, parse: parseAccountCosts, deadline, deadlineName };
}

/**
 * The element library. The account's own elements are the `element` task family (created, read
 * and listed as tasks); Kling's presets are listed as succeeded tasks under a path of their own.
 * The older element API (`custom-elements`) is only read, for the editor's element list.
 */
const ELEMENT_PATHS = {
	own: familySpec('element').path,
	presets: '/v1/general/advanced-presets-elements',
	older: '/v1/general/custom-elements',
	delete: '/v1/general/delete-elements',
} as const;

/** A page of Kling's preset elements, each a succeeded task whose result lists it. */
export function listPresetElementsRequest(pageNum: number, pageSize: number, deadline: number, deadlineName: string): ApiRequest<TaskSnapshot[]> {
	const parse = (body: unknown) => parseTaskList(body, readNoImages);
	return { method: 'GET', path: ELEMENT_PATHS.presets, qs: { pageNum, pageSize }, parse, deadline, deadlineName };
}

/** The id goes as digits, a bare JSON integer (client.ts). Not resent: a repeat would find it gone. */
export function deleteElementRequest(elementId: string, deadline: number, deadlineName: string): ApiRequest<void> {
	return {
		method: 'POST',
		path: ELEMENT_PATHS.delete,
		body: { element_id: elementId },
		parse: () => undefined,
		deadline,
		deadlineName,
		unclearResends: 0,
	};
}

/** Synchronous and billed: never resent after a failure the API may have processed. */
export function recognizeRequest(body: IDataObject, deadline: number, deadlineName: string): ApiRequest<Recognition> {
	return { method: 'POST', path: RECOGNIZE_PATH, body, parse: parseRecognizeAnswer, deadline, deadlineName, unclearResends: 0 };
}

/** The element library's list paths, for the editor's element list (it reads outside a session). */
export const ELEMENT_LIST_PATHS = { own: ELEMENT_PATHS.own, presets: ELEMENT_PATHS.presets, older: ELEMENT_PATHS.older } as const;
