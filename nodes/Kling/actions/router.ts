import { NodeOperationError } from 'n8n-workflow';
import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import * as image from './image';

/** Dispatches to `<resource>/<operation>.operation.ts`. */
export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const resource = this.getNodeParameter('resource', 0) as string;
	const operation = this.getNodeParameter('operation', 0) as string;

	if (resource === 'image' && operation === 'generate') {
		return [await image.generate.execute.call(this)];
	}
	throw new NodeOperationError(this.getNode(), `The operation "${operation}" of resource "${resource}" is not supported`);
}
