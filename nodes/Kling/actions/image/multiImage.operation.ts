import { updateDisplayOptions } from 'n8n-workflow';
import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { aspectRatioProperty } from '../../parameters/generate';
import { SUBJECT_NAMES, imageInputProperties, subjectImagesProperty, taskEndProperties } from '../../parameters/imageTask';
import { numberProperty } from '../../parameters/numbers';
import { checkImageInput, checkImageInputs, imageList, withImages } from '../../transport/referenceImage';
import type { ReferenceImage } from '../../transport/referenceImage';
import { MULTI_IMAGE_MODELS, buildMultiImageBody } from '../../wire/imageTasks';
import { API_NUMBERS } from '../../wire/numbers';
import type { ImageSource } from '../../wire/validation';
import { executeTask, imageInputOf, readTaskOptions } from './imageTask';

const properties: INodeProperties[] = [
	{
		displayName: 'Model',
		name: 'multiImageModel',
		type: 'options',
		default: 'kling-v2',
		description: 'Model for multi-image reference; an expression may name a newer one',
		options: MULTI_IMAGE_MODELS.map((model) => ({ name: model, value: model })),
	},
	{
		displayName: 'Prompt',
		name: 'prompt',
		type: 'string',
		default: '',
		typeOptions: { rows: 4 },
		placeholder: 'e.g. The product on a marble table in morning light',
		description: 'What the image should show, at most 2500 characters; optional here',
	},
	subjectImagesProperty,
	...imageInputProperties('sceneImage', 'Scene Image', 'An image of the scene to place the subjects in', true),
	...imageInputProperties('styleImage', 'Style Image', 'An image whose style the result takes', true),
	numberProperty(API_NUMBERS.n),
	aspectRatioProperty,
	...taskEndProperties(true),
];

export const description = updateDisplayOptions({ show: { resource: ['image'], operation: ['multiImage'] } }, properties);

/** The subject entries' images, a binary list giving one image per field. */
async function checkSubjects(ctx: IExecuteFunctions, itemIndex: number): Promise<ReferenceImage[]> {
	const entries = ctx.getNodeParameter('subjectImages.subject', itemIndex, []) as IDataObject[];
	const images: ReferenceImage[] = [];
	for (const [position, entry] of entries.entries()) {
		const path = (name: string) => `subjectImages.subject[${position}].${name}`;
		const input = {
			source: (entry[SUBJECT_NAMES.source] ?? 'binary') as ImageSource,
			urlParameter: path(SUBJECT_NAMES.url),
			binaryParameter: path(SUBJECT_NAMES.binary),
			base64Parameter: path(SUBJECT_NAMES.base64),
			label: `Subject Image ${position + 1}`,
		};
		images.push(...(await checkImageInputs(ctx, itemIndex, input, true)));
	}
	return images;
}

export async function execute(this: IExecuteFunctions): Promise<INodeExecutionData[]> {
	return await executeTask(this, 'multiImage', 'Multi-Image Reference', async (itemIndex) => {
		const param = (name: string, fallback: unknown) => this.getNodeParameter(name, itemIndex, fallback);
		const subjects = await checkSubjects(this, itemIndex);
		const scene = await checkImageInput(this, itemIndex, imageInputOf(this, itemIndex, 'sceneImage', 'Scene Image', true));
		const style = await checkImageInput(this, itemIndex, imageInputOf(this, itemIndex, 'styleImage', 'Style Image', true));
		const { body, n, model, prompt } = buildMultiImageBody({
			model: param('multiImageModel', MULTI_IMAGE_MODELS[0]),
			prompt: param('prompt', ''),
			n: param('n', 1),
			aspectRatio: param('aspectRatio', ''),
			subjects: subjects.length,
			...readTaskOptions(this, itemIndex, true),
		});
		const withSubjects = async () => ({ ...body, subject_image_list: await imageList(this, 'subject_image', subjects) });
		return {
			body: async () => await withImages(this, await withSubjects(), { scene_image: scene, style_image: style }),
			images: n,
			model,
			prompt,
		};
	});
}
