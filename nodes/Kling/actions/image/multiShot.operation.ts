import { updateDisplayOptions } from 'n8n-workflow';
import type { IExecuteFunctions, INodeExecutionData, INodeProperties, INodePropertyOptions } from 'n8n-workflow';

import { imageInputProperties } from '../../parameters/inputImages';
import { taskEndProperties } from '../../parameters/taskParameters';
import { checkImageInput, withImages } from '../../transport/inputImages';
import { MULTI_SHOT_VIEWS, buildMultiShotBody } from '../../wire/taskBodies';
import { executeTask, imageInputOf, readTaskOptions } from './taskOperation';

const properties: INodeProperties[] = [
	...imageInputProperties('frontImage', 'Front Image', "A front view of the subject (a product, a person, a prop); Kling makes three other views of it"),
	...taskEndProperties(false),
];

export const option: INodePropertyOptions = {
	name: 'Multi-Shot',
	value: 'multiShot',
	action: 'Make other views of a subject',
	description: "Make three other views of a subject from its front image (AI Multi-Shot), e.g. for an element's reference images",
};
export const officialOnly = true;

export const description = updateDisplayOptions({ show: { resource: ['image'], operation: ['multiShot'] } }, properties);

export async function execute(this: IExecuteFunctions): Promise<INodeExecutionData[]> {
	return await executeTask(this, 'multiShot', async (itemIndex) => {
		const body = buildMultiShotBody(readTaskOptions(this, itemIndex, false));
		const front = await checkImageInput(this, itemIndex, imageInputOf(this, itemIndex, 'frontImage', 'Front Image'));
		return {
			body,
			withImages: async (checked) => await withImages(this, checked, { element_frontal_image: front }),
			outputs: MULTI_SHOT_VIEWS,
			model: '',
			prompt: '',
		};
	});
}
