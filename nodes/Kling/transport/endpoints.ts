import type { IDataObject } from 'n8n-workflow';

import { parseGenerateAnswer, parseTaskAnswer, parseTaskList } from '../wire/answers';
import type { GenerateAnswer, TaskSnapshot } from '../wire/answers';
import type { ApiRequest } from './client';

/** Kling's image endpoints: one path, synchronous on gateways, asynchronous tasks on the official API. */
const TASKS_PATH = '/v1/images/generations';

/** The gateway's call: images at once, or a task when the gateway relays the asynchronous API. */
export function generateRequest(
	body: IDataObject,
	deadline: number,
	deadlineName: string,
	unclearResends: number,
): ApiRequest<GenerateAnswer> {
	return { method: 'POST', path: TASKS_PATH, body, parse: parseGenerateAnswer, deadline, deadlineName, unclearResends };
}

export function createTaskRequest(body: IDataObject, deadline: number, deadlineName: string): ApiRequest<TaskSnapshot> {
	return { method: 'POST', path: TASKS_PATH, body, parse: parseTaskAnswer, deadline, deadlineName, unclearResends: 0 };
}

const taskPath = (id: string) => `${TASKS_PATH}/${encodeURIComponent(id)}`;

/** By task id, or by the external task id given when it was created. */
export function readTaskRequest(id: string, deadline: number, deadlineName: string): ApiRequest<TaskSnapshot> {
	return { method: 'GET', path: taskPath(id), parse: parseTaskAnswer, deadline, deadlineName };
}

/** Like readTaskRequest, but a task the API does not have is `undefined`, not an error. */
export function lookupTaskRequest(id: string, deadline: number, deadlineName: string): ApiRequest<TaskSnapshot | undefined> {
	return { method: 'GET', path: taskPath(id), parse: parseTaskAnswer, deadline, deadlineName, notFound: { notFound: undefined } };
}

export function listTasksRequest(
	pageNum: number,
	pageSize: number,
	deadline: number,
	deadlineName: string,
): ApiRequest<TaskSnapshot[]> {
	return { method: 'GET', path: TASKS_PATH, qs: { pageNum, pageSize }, parse: parseTaskList, deadline, deadlineName };
}
