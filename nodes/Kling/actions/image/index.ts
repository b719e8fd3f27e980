import type { INodeProperties } from 'n8n-workflow';

import * as generate from './generate.operation';
import * as getTask from './getTask.operation';
import * as listTasks from './listTasks.operation';

export { generate, getTask, listTasks };

export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['image'] } },
		options: [
			{
				name: 'Generate',
				value: 'generate',
				action: 'Generate an image',
				description: 'Create images from a prompt, optionally steered by a reference image',
			},
			{
				name: 'Get Task',
				value: 'getTask',
				action: 'Get an image task',
				description: 'Read an asynchronous task by its ID, optionally with its images',
			},
			{
				name: 'List Tasks',
				value: 'listTasks',
				action: 'List image tasks',
				description: 'List the image tasks of the account, newest first',
			},
		],
		default: 'generate',
	},
	...generate.description,
	...getTask.description,
	...listTasks.description,
];
