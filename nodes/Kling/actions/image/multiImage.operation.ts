import { updateDisplayOptions } from 'n8n-workflow';
import type { IExecuteFunctions, INodeExecutionData, INodeProperties, INodePropertyOptions } from 'n8n-workflow';

import { aspectRatioProperty } from '../../parameters/generate';
import { SUBJECT_IMAGES, imageInputProperties, imageListProperty } from '../../parameters/inputImages';
import { taskEndProperties } from '../../parameters/taskParameters';
import { modelOptions } from '../../parameters/models';
import { numberProperty } from '../../parameters/numbers';
import { checkImageInput, checkImageList, imageList, withImages } from '../../transport/inputImages';
import { MULTI_IMAGE_MODELS, buildMultiImageBody } from '../../wire/taskBodies';
import { API_NUMBERS } from '../../wire/numbers';
import { executeTask, imageInputOf, readTaskOptions } from './taskOperation';
import { promptProperty } from '../../parameters/prompt';

const properties: INodeProperties[] = [
	{
		displayName: 'Model',
		name: 'multiImageModel',
		type: 'options',
		default: 'kling-v2-1',
		description: "Model for multi-image reference: Kling's current one first; an expression may name a newer one",
		options: modelOptions('multiImage'),
	},
	promptProperty({ required: false, description: 'What the image should show', placeholder: 'e.g. The product on a marble table in morning light' }),
	imageListProperty(SUBJECT_IMAGES, 'the subjects to show, each cut down to its subject (Kling does not crop them)'),
	...imageInputProperties('sceneImage', 'Scene Image', 'An image of the scene to place the subjects in', true),
	...imageInputProperties('styleImage', 'Style Image', 'An image whose style the result takes', true),
	numberProperty(API_NUMBERS.n),
	aspectRatioProperty,
	...taskEndProperties(true),
];

export const option: INodePropertyOptions = {
	name: 'Multi-Image Reference',
	value: 'multiImage',
	action: 'Generate from several reference images',
	description: 'Create images from 1 to 4 subject images, optionally a scene and a style image',
};
export const officialOnly = true;

export const description = updateDisplayOptions({ show: { resource: ['image'], operation: ['multiImage'] } }, properties);

export async function execute(this: IExecuteFunctions): Promise<INodeExecutionData[]> {
	return await executeTask(this, 'multiImage', async (itemIndex) => {
		const param = (name: string, fallback: unknown) => this.getNodeParameter(name, itemIndex, fallback);
		const subjects = await checkImageList(this, itemIndex, SUBJECT_IMAGES);
		const scene = await checkImageInput(this, itemIndex, imageInputOf(this, itemIndex, 'sceneImage', 'Scene Image', true));
		const style = await checkImageInput(this, itemIndex, imageInputOf(this, itemIndex, 'styleImage', 'Style Image', true));
		const { body, n, model, prompt } = buildMultiImageBody({
			model: param('multiImageModel', MULTI_IMAGE_MODELS[0]),
			prompt: param('prompt', ''),
			n: param('n', 1),
			aspectRatio: param('aspectRatio', ''),
			...readTaskOptions(this, itemIndex, true),
		});
		return {
			body,
			withImages: async (checked) => {
				const withSubjects = { ...checked, subject_image_list: await imageList(this, 'subject_image', subjects) };
				return await withImages(this, withSubjects, { scene_image: scene, style_image: style });
			},
			outputs: n,
			model,
			prompt,
		};
	});
}
