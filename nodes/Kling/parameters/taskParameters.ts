import type { INodeProperties } from 'n8n-workflow';

import { FieldError } from '../wire/fieldError';
import type { Mode } from '../wire/mode';
import { TASK_FAMILIES, familySpec } from '../wire/taskFamilies';
import type { TaskFamily } from '../wire/taskFamilies';
import { onlyIn } from './authentication';
import { optionsProperty } from './options';

/** Parameters every official task operation shares. Their `name`s are saved in workflows: never rename one. */

/** Where downloaded images go; Generate, the task operations and Get Task offer it. */
export function outputFieldProperty(show: Record<string, string[]>): INodeProperties {
	return {
		displayName: 'Put Output in Field',
		name: 'binaryPropertyOutput',
		type: 'string',
		default: 'data',
		hint: 'The name of the output binary field to put each image in',
		displayOptions: { show },
	};
}

export const watermarkProperty: INodeProperties = {
	displayName: 'Watermark',
	name: 'watermark',
	type: 'boolean',
	default: false,
	description: 'Whether Kling adds its watermark to the images',
};

export const callbackUrlProperty: INodeProperties = {
	displayName: 'Callback URL',
	name: 'callbackUrl',
	type: 'string',
	default: '',
	placeholder: 'https://example.com/webhook/kling',
	description: 'Kling calls this URL when the task changes state, e.g. an n8n Webhook URL',
};

export const externalTaskIdProperty: INodeProperties = {
	displayName: 'External Task ID',
	name: 'externalTaskId',
	type: 'string',
	default: '',
	description: 'Your own ID for the task, unique in the account; Get Task can find the task by it',
};

export const waitForCompletionProperty: INodeProperties = {
	displayName: 'Wait for Completion',
	name: 'waitForCompletion',
	type: 'boolean',
	default: true,
	description: 'Whether to wait for the images. Off: return the task ID at once and read it later with Get Task.',
};

export const outputProperty: INodeProperties = {
	displayName: 'Output',
	name: 'output',
	type: 'options',
	default: 'binary',
	options: [
		{ name: 'Binary File', value: 'binary', description: 'Download each image into a binary field' },
		{ name: 'Image URL', value: 'url', description: 'Return the image URLs only; they expire after a while' },
	],
};

/** The end of every task operation: task options, waiting, output and run options. */
export function taskEndProperties(watermark: boolean): INodeProperties[] {
	return [
		...(watermark ? [watermarkProperty] : []),
		callbackUrlProperty,
		externalTaskIdProperty,
		waitForCompletionProperty,
		outputProperty,
		outputFieldProperty({ output: ['binary'] }),
		optionsProperty(['concurrency', 'downloadTimeout', 'maxImageSize', 'maxRetries', 'maxWait', 'pollInterval', 'timeout']),
	];
}

/** Get Task's choice that reads the id under every family in turn, as the Kling Trigger does. */
export const ANY_TASK_TYPE = 'any';

const familyOptions = TASK_FAMILIES.map((family) => ({ name: familySpec(family).label, value: family }));

/** List Tasks: which family's endpoint to list, as each family has its own. */
export const taskTypeProperty: INodeProperties = {
	displayName: 'Task Type',
	name: 'taskType',
	type: 'options',
	default: 'generation',
	description: 'The operation that created the tasks: each kind of task is listed under its own endpoint',
	options: familyOptions,
	displayOptions: onlyIn('official'),
};

/** Get Task: one family's endpoint, or Any Type (the default), which asks each family until one knows the id. */
export const getTaskTypeProperty: INodeProperties = {
	...taskTypeProperty,
	default: ANY_TASK_TYPE,
	description: 'The operation that created the task; Any Type asks under each kind of task until one knows the ID (one request per kind at most)',
	options: [{ name: 'Any Type', value: ANY_TASK_TYPE, description: 'Look the ID up under every kind of task' }, ...familyOptions],
};

/** The task family an item reads (or Any Type, where `any` is allowed); the gateway has generations only. */
export function taskFamilyOf(value: unknown, mode: Mode): TaskFamily;
export function taskFamilyOf(value: unknown, mode: Mode, any: true): TaskFamily | typeof ANY_TASK_TYPE;
export function taskFamilyOf(value: unknown, mode: Mode, any = false): TaskFamily | typeof ANY_TASK_TYPE {
	if (mode !== 'official') return 'generation';
	const family = value === undefined || value === '' ? (any ? ANY_TASK_TYPE : 'generation') : value;
	if (any && family === ANY_TASK_TYPE) return ANY_TASK_TYPE;
	if (!(TASK_FAMILIES as readonly unknown[]).includes(family)) {
		const allowed = any ? [ANY_TASK_TYPE, ...TASK_FAMILIES] : TASK_FAMILIES;
		throw new FieldError('Task Type', `must be one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`);
	}
	return family as TaskFamily;
}
