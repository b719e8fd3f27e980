import { NodeOperationError } from 'n8n-workflow';
import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { readMode } from '../parameters/authentication';
import { officialOnlyError } from '../transport/errors';
import { account } from './account';
import { element } from './element';
import { image } from './image';
import type { Resource } from './operations';

const resources: Record<string, Resource> = { image, element, account };

/** Runs `<resource>/<operation>.operation.ts`, found in its resource's index. */
export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const resource = this.getNodeParameter('resource', 0) as string;
	const operation = this.getNodeParameter('operation', 0) as string;
	const operations = Object.hasOwn(resources, resource) ? resources[resource].operations : {};
	const found = Object.hasOwn(operations, operation) ? operations[operation] : undefined;
	if (!found) {
		throw new NodeOperationError(this.getNode(), `The operation "${operation}" of resource "${resource}" is not supported`);
	}
	if (found.officialOnly && readMode(this) !== 'official') {
		const { noun } = resources[resource];
		throw officialOnlyError(this.getNode(), noun ? `${found.option.name} ${noun}` : found.option.name);
	}
	return [await found.execute.call(this)];
}
