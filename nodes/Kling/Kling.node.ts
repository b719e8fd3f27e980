import { NodeConnectionTypes } from 'n8n-workflow';
import type { IExecuteFunctions, INodeExecutionData, INodeType, INodeTypeDescription } from 'n8n-workflow';

import * as account from './actions/account';
import * as element from './actions/element';
import * as image from './actions/image';
import { searchElements, searchModels } from './actions/listSearch';
import { authenticationProperty } from './parameters/authentication';
import { resourceProperties } from './parameters/resource';
import { router } from './actions/router';

export class Kling implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Kling',
		name: 'kling',
		icon: { light: 'file:kling.svg', dark: 'file:kling.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: '={{$parameter["operation"] + ": " + $parameter["resource"]}}',
		description: 'Generate images with Kling AI',
		defaults: { name: 'Kling' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [
			{ name: 'klingApi', required: true, displayOptions: { show: { authentication: ['klingApi'] } } },
			{ name: 'klingAiApi', required: true, displayOptions: { show: { authentication: ['klingAiApi'] } } },
		],
		properties: [
			authenticationProperty,
			...resourceProperties,
			...image.description,
			...element.description,
			...account.description,
		],
	};

	methods = { listSearch: { searchModels, searchElements } };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await router.call(this);
	}
}
