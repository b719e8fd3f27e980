import type { IDataObject } from 'n8n-workflow';

import { parseGenerateAnswer, parseTaskAnswer, parseTaskList } from '../wire/answers';
import type { GenerateAnswer, TaskSnapshot } from '../wire/answers';
import { parseAccountCosts } from '../wire/accountCosts';
import type { AccountCosts } from '../wire/accountCosts';
import type { TaskFamily } from '../wire/taskFamilies';
import type { ApiRequest } from './client';

/**
 * Where each task family lives: created by POST to its path, read under its path plus `/{id}`,
 * listed by GET on its path. Generations are also the gateway's one synchronous call.
 */
const FAMILY_PATHS: Readonly<Record<TaskFamily, string>> = {
	generation: '/v1/images/generations',
	multiImage: '/v1/images/multi-image2image',
	expand: '/v1/images/editing/expand',
	tryOn: '/v1/images/kolors-virtual-try-on',
	omniImage: '/v1/images/omni-image',
};
const TASKS_PATH = FAMILY_PATHS.generation;

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
	return { method: 'POST', path: FAMILY_PATHS[family], body, parse: parseTaskAnswer, deadline, deadlineName, unclearResends: 0 };
}

const taskPath = (family: TaskFamily, id: string) => `${FAMILY_PATHS[family]}/${encodeURIComponent(id)}`;

/** By task id, or by the external task id given when it was created. */
export function readTaskRequest(family: TaskFamily, id: string, deadline: number, deadlineName: string): ApiRequest<TaskSnapshot> {
	return { method: 'GET', path: taskPath(family, id), parse: parseTaskAnswer, deadline, deadlineName };
}

/** Like readTaskRequest, but a task the API does not have is `undefined`, not an error. */
export function lookupTaskRequest(
	family: TaskFamily,
	id: string,
	deadline: number,
	deadlineName: string,
): ApiRequest<TaskSnapshot | undefined> {
	return { method: 'GET', path: taskPath(family, id), parse: parseTaskAnswer, deadline, deadlineName, notFound: { notFound: undefined } };
}

export function listTasksRequest(
	family: TaskFamily,
	pageNum: number,
	pageSize: number,
	deadline: number,
	deadlineName: string,
): ApiRequest<TaskSnapshot[]> {
	return { method: 'GET', path: FAMILY_PATHS[family], qs: { pageNum, pageSize }, parse: parseTaskList, deadline, deadlineName };
}

/** The account's resource packs; this path has no `/v1` prefix. */
export function accountCostsRequest(qs: IDataObject, deadline: number, deadlineName: string): ApiRequest<AccountCosts> {
	return { method: 'GET', path: '/account/costs', qs, parse: parseAccountCosts, deadline, deadlineName };
}
