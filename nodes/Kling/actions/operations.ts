import type { IExecuteFunctions, INodeExecutionData, INodeProperties, INodePropertyOptions } from 'n8n-workflow';

import { onlyIn } from '../parameters/authentication';

/** What an `<op>.operation.ts` file exports: its entry in the Operation list, its parameters and its run. */
export interface Operation {
	/** `value` is the operation's saved name. */
	option: INodePropertyOptions;
	/** Only Kling's official API serves it: the gateway credential does not list it. */
	officialOnly?: boolean;
	description: INodeProperties[];
	execute(this: IExecuteFunctions): Promise<INodeExecutionData[]>;
}

/** A resource: its operations by saved name, and which one a new node starts with. */
export interface Resource {
	operations: Record<string, Operation>;
	defaultOperation: string;
	/** Added to an operation's name in messages ("Create Element") when the name alone says too little. */
	noun?: string;
}

function operationProperty(options: INodePropertyOptions[], defaultOperation: string, show: INodeProperties['displayOptions']): INodeProperties {
	return {
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: show,
		options: [...options].sort((a, b) => a.name.localeCompare(b.name)),
		default: defaultOperation,
	};
}

/**
 * A resource's part of the node description: its Operation choice and every operation's parameters.
 * A resource with gateway operations has one choice per credential (both saved as `operation`); an
 * official-only resource shows one with any credential, so a gateway workflow that has it still reads
 * its operation and fails naming it (see runItems).
 */
export function resourceDescription(resource: string, { operations, defaultOperation }: Resource): INodeProperties[] {
	const all = Object.values(operations);
	const onGateway = all.filter((operation) => !operation.officialOnly);
	const forResource = { show: { resource: [resource] } };
	const choices =
		onGateway.length === 0
			? [operationProperty(all.map((operation) => operation.option), defaultOperation, forResource)]
			: [
					operationProperty(onGateway.map((operation) => operation.option), defaultOperation, onlyIn('gateway', forResource)),
					operationProperty(all.map((operation) => operation.option), defaultOperation, onlyIn('official', forResource)),
				];
	return [...choices, ...all.flatMap((operation) => operation.description)];
}
