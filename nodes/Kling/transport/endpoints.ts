import { parseGenerateAnswer, parseTaskAnswer, parseTaskList } from '../helpers/response';
import type { GenerateAnswer, TaskSnapshot } from '../helpers/response';
import type { IDataObject } from 'n8n-workflow';
import type { KlingClient } from './index';

/** Kling's image endpoints: one path, synchronous on gateways, asynchronous tasks on the official API. */
const TASKS_PATH = '/v1/images/generations';

/** The gateway's call: images at once, or a task when the gateway relays the asynchronous API. */
export async function generateImages(client: KlingClient, body: IDataObject, itemIndex: number): Promise<GenerateAnswer> {
	return await client.send({ method: 'POST', path: TASKS_PATH, body, parse: parseGenerateAnswer }, itemIndex);
}

export async function createTask(
	client: KlingClient,
	body: IDataObject,
	itemIndex: number,
	onThrottle?: () => void,
): Promise<TaskSnapshot> {
	return await client.send({ method: 'POST', path: TASKS_PATH, body, parse: parseTaskAnswer, onThrottle }, itemIndex);
}

/** By task id, or by the external task id given when it was created. */
export async function readTask(client: KlingClient, id: string, itemIndex: number): Promise<TaskSnapshot> {
	return await client.send({ method: 'GET', path: `${TASKS_PATH}/${encodeURIComponent(id)}`, parse: parseTaskAnswer }, itemIndex);
}

export async function listTasks(
	client: KlingClient,
	pageNum: number,
	pageSize: number,
	itemIndex: number,
): Promise<TaskSnapshot[]> {
	return await client.send({ method: 'GET', path: TASKS_PATH, qs: { pageNum, pageSize }, parse: parseTaskList }, itemIndex);
}
