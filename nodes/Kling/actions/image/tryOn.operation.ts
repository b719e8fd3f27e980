import { updateDisplayOptions } from 'n8n-workflow';
import type { IExecuteFunctions, INodeExecutionData, INodeProperties, INodePropertyOptions } from 'n8n-workflow';

import { imageInputProperties } from '../../parameters/inputImages';
import { taskEndProperties } from '../../parameters/taskParameters';
import { checkImageInput, withImages } from '../../transport/inputImages';
import { TRY_ON_MODELS, buildTryOnBody } from '../../wire/taskBodies';
import { executeTask, imageInputOf, readTaskOptions } from './taskOperation';

const properties: INodeProperties[] = [
	{
		displayName: 'Model',
		name: 'tryOnModel',
		type: 'options',
		default: 'kolors-virtual-try-on-v1',
		description: 'Try-on model; v1-5 also takes a top and a bottom stitched into one garment image',
		options: TRY_ON_MODELS.map((model) => ({ name: model, value: model })),
	},
	...imageInputProperties('humanImage', 'Person Image', 'A photo of the person to dress'),
	...imageInputProperties('clothImage', 'Garment Image', 'The garment: a product photo or a shot on a white background'),
	...taskEndProperties(false),
];

export const option: INodePropertyOptions = {
	name: 'Virtual Try-On',
	value: 'tryOn',
	action: 'Dress a person in a garment',
	description: 'Show the person of one image wearing the garment of another',
};
export const officialOnly = true;

export const description = updateDisplayOptions({ show: { resource: ['image'], operation: ['tryOn'] } }, properties);

export async function execute(this: IExecuteFunctions): Promise<INodeExecutionData[]> {
	return await executeTask(this, 'tryOn', async (itemIndex) => {
		const { body, model } = buildTryOnBody({
			model: this.getNodeParameter('tryOnModel', itemIndex, TRY_ON_MODELS[0]),
			...readTaskOptions(this, itemIndex, false),
		});
		const human = await checkImageInput(this, itemIndex, imageInputOf(this, itemIndex, 'humanImage', 'Person Image'));
		const cloth = await checkImageInput(this, itemIndex, imageInputOf(this, itemIndex, 'clothImage', 'Garment Image'));
		// One image per task: the API documents no `n` here.
		const images = { human_image: human, cloth_image: cloth };
		return { body, withImages: async (checked) => await withImages(this, checked, images), outputs: 1, model, prompt: '' };
	});
}
