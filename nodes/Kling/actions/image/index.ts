import type { INodeProperties, INodePropertyOptions } from 'n8n-workflow';

import { onlyIn } from '../../parameters/authentication';
import * as expand from './expand.operation';
import * as generate from './generate.operation';
import * as getTask from './getTask.operation';
import * as listTasks from './listTasks.operation';
import * as multiImage from './multiImage.operation';
import * as recognize from './recognize.operation';
import * as tryOn from './tryOn.operation';

export { expand, generate, getTask, listTasks, multiImage, recognize, tryOn };

const GENERATE: INodePropertyOptions = {
	name: 'Generate',
	value: 'generate',
	action: 'Generate an image',
	description: 'Create images from a prompt, optionally steered by a reference image',
};
const GET_TASK: INodePropertyOptions = {
	name: 'Get Task',
	value: 'getTask',
	action: 'Get an image task',
	description: 'Read an asynchronous task by its ID, optionally with its images',
};
const LIST_TASKS: INodePropertyOptions = {
	name: 'List Tasks',
	value: 'listTasks',
	action: 'List image tasks',
	description: 'List the image tasks of the account, newest first',
};
/** Only the official API serves these; the gateway credential does not show them. */
const OFFICIAL_ONLY: INodePropertyOptions[] = [
	{
		name: 'Expand',
		value: 'expand',
		action: 'Expand an image',
		description: 'Extend an image past its borders (outpainting)',
	},
	{
		name: 'Multi-Image Reference',
		value: 'multiImage',
		action: 'Generate from several reference images',
		description: 'Create images from 1 to 4 subject images, optionally a scene and a style image',
	},
	{
		name: 'Recognize',
		value: 'recognize',
		action: 'Segment an image',
		description: 'Find the subject, head, face and clothing in an image, each as a cut-out image',
	},
	{
		name: 'Virtual Try-On',
		value: 'tryOn',
		action: 'Dress a person in a garment',
		description: 'Show the person of one image wearing the garment of another',
	},
];

/** The operation choice, one per credential: both are saved as `operation`. */
function operationProperty(options: INodePropertyOptions[], mode: 'gateway' | 'official'): INodeProperties {
	return {
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: onlyIn(mode, { show: { resource: ['image'] } }),
		options: options.sort((a, b) => a.name.localeCompare(b.name)),
		default: 'generate',
	};
}

export const description: INodeProperties[] = [
	operationProperty([GENERATE, GET_TASK, LIST_TASKS], 'gateway'),
	operationProperty([GENERATE, GET_TASK, LIST_TASKS, ...OFFICIAL_ONLY], 'official'),
	...generate.description,
	...multiImage.description,
	...expand.description,
	...tryOn.description,
	...recognize.description,
	...getTask.description,
	...listTasks.description,
];
