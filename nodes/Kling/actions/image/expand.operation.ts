import { updateDisplayOptions } from 'n8n-workflow';
import type { IExecuteFunctions, INodeExecutionData, INodeProperties, INodePropertyOptions } from 'n8n-workflow';

import { imageInputProperties } from '../../parameters/inputImages';
import { taskEndProperties } from '../../parameters/taskParameters';
import { numberProperty } from '../../parameters/numbers';
import { checkImageInput, withImages } from '../../transport/inputImages';
import { buildExpandBody } from '../../wire/taskBodies';
import { API_NUMBERS } from '../../wire/numbers';
import { executeTask, imageInputOf, readTaskOptions } from './taskOperation';
import { promptProperty } from '../../parameters/prompt';

const { upExpansionRatio, downExpansionRatio, leftExpansionRatio, rightExpansionRatio } = API_NUMBERS;

const properties: INodeProperties[] = [
	...imageInputProperties('image', 'Image', 'The image to extend past its borders'),
	{
		displayName: 'The expanded image may be at most 3 times the original area: (1 + left + right) × (1 + up + down) ≤ 3',
		name: 'expansionNotice',
		type: 'notice',
		default: '',
	},
	numberProperty(upExpansionRatio),
	numberProperty(downExpansionRatio),
	numberProperty(leftExpansionRatio),
	numberProperty(rightExpansionRatio),
	promptProperty({ required: false, description: 'What the new content should show' }),
	numberProperty(API_NUMBERS.n),
	...taskEndProperties(true),
];

export const option: INodePropertyOptions = {
	name: 'Expand',
	value: 'expand',
	action: 'Expand an image',
	description: 'Extend an image past its borders (outpainting)',
};
export const officialOnly = true;

export const description = updateDisplayOptions({ show: { resource: ['image'], operation: ['expand'] } }, properties);

export async function execute(this: IExecuteFunctions): Promise<INodeExecutionData[]> {
	return await executeTask(this, 'expand', async (itemIndex) => {
		const param = (name: string, fallback: unknown) => this.getNodeParameter(name, itemIndex, fallback);
		const { body, n, prompt } = buildExpandBody({
			up: param(upExpansionRatio.name, upExpansionRatio.default),
			down: param(downExpansionRatio.name, downExpansionRatio.default),
			left: param(leftExpansionRatio.name, leftExpansionRatio.default),
			right: param(rightExpansionRatio.name, rightExpansionRatio.default),
			prompt: param('prompt', ''),
			n: param('n', 1),
			...readTaskOptions(this, itemIndex, true),
		});
		const image = await checkImageInput(this, itemIndex, imageInputOf(this, itemIndex, 'image', 'Image'));
		return { body, withImages: async (checked) => await withImages(this, checked, { image }), outputs: n, model: '', prompt };
	});
}
