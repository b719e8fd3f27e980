import type { INodeProperties } from 'n8n-workflow';

import { onlyIn } from './authentication';

/** The resource choice, one per credential (both saved as `resource`): the gateway serves images only. */
function resourceProperty(mode: 'gateway' | 'official', options: Array<{ name: string; value: string }>): INodeProperties {
	return { displayName: 'Resource', name: 'resource', type: 'options', noDataExpression: true, options, default: 'image', displayOptions: onlyIn(mode) };
}

export const resourceProperties: INodeProperties[] = [
	resourceProperty('gateway', [{ name: 'Image', value: 'image' }]),
	resourceProperty('official', [
		{ name: 'Account', value: 'account' },
		{ name: 'Element', value: 'element' },
		{ name: 'Image', value: 'image' },
	]),
];
