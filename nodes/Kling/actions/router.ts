import { NodeOperationError } from 'n8n-workflow';
import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import * as account from './account';
import * as element from './element';
import * as image from './image';

const operations: Record<string, (this: IExecuteFunctions) => Promise<INodeExecutionData[]>> = {
	'image.generate': image.generate.execute,
	'image.getTask': image.getTask.execute,
	'image.listTasks': image.listTasks.execute,
	'image.multiImage': image.multiImage.execute,
	'image.expand': image.expand.execute,
	'image.tryOn': image.tryOn.execute,
	'account.getCosts': account.getCosts.execute,
	'element.create': element.create.execute,
	'element.list': element.list.execute,
	'element.delete': element.deleteElement.execute,
	'image.recognize': image.recognize.execute,
};

/** Dispatches to `<resource>/<operation>.operation.ts`. */
export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const resource = this.getNodeParameter('resource', 0) as string;
	const operation = this.getNodeParameter('operation', 0) as string;
	const execute = operations[`${resource}.${operation}`];
	if (!execute) {
		throw new NodeOperationError(this.getNode(), `The operation "${operation}" of resource "${resource}" is not supported`);
	}
	return [await execute.call(this)];
}
