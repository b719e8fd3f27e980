import type { INodeProperties } from 'n8n-workflow';

import * as getCosts from './getCosts.operation';

export { getCosts };

/** The account's resource packs: the official API only. */
export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		// Shown with any credential once Account is chosen, which only the official credential offers: a gateway
		// workflow that has it still reads its operation, and fails naming it (see runItems).
		displayOptions: { show: { resource: ['account'] } },
		options: [
			{
				name: 'Get Costs',
				value: 'getCosts',
				action: 'Get the resource packs of the account',
				description: 'List the resource packs of the account: their size, what is left, and when they expire',
			},
		],
		default: 'getCosts',
	},
	...getCosts.description,
];
