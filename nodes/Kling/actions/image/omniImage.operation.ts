import { updateDisplayOptions } from 'n8n-workflow';
import type { IExecuteFunctions, INodeExecutionData, INodeProperties, INodePropertyOptions } from 'n8n-workflow';

import { elementIdsOf, elementIdsProperty } from '../../parameters/elements';
import { OMNI_REFERENCE_IMAGES, imageListProperty } from '../../parameters/inputImages';
import { numberChoiceProperty, numberProperty } from '../../parameters/numbers';
import { taskEndProperties } from '../../parameters/taskParameters';
import { checkImageList, imageList } from '../../transport/inputImages';
import { API_NUMBERS } from '../../wire/numbers';
import { AUTO_SERIES_AMOUNT, OMNI_ASPECT_RATIOS, OMNI_MODELS, OMNI_RESOLUTIONS, buildOmniBody } from '../../wire/omniImage';
import { executeTask, readTaskOptions } from './taskOperation';
import { promptProperty } from '../../parameters/prompt';

export const option: INodePropertyOptions = {
	name: 'Omni Image',
	value: 'omniImage',
	action: 'Generate with Omni Image',
	description: 'Create images or a series from a prompt with up to 10 reference images and elements (4K with v3 Omni)',
};
export const officialOnly = true;

const properties: INodeProperties[] = [
	{
		displayName: 'Model',
		name: 'omniModel',
		type: 'options',
		default: 'kling-image-o1',
		description: 'Omni model; kling-v3-omni also makes 4K and series. An expression may name a newer one.',
		options: OMNI_MODELS.map((model) => ({ name: model, value: model })),
	},
	promptProperty({
		required: true,
		description: 'What to make; what to leave out is written here too (Omni has no negative prompt)',
		placeholder: 'e.g. The bottle of <<<image_1>>> on a beach at sunset',
		// Hints are shown as HTML: the brackets are written as entities so that they show.
		hint: 'Name reference images as &lt;&lt;&lt;image_1&gt;&gt;&gt;, &lt;&lt;&lt;image_2&gt;&gt;&gt;, … in the order of Reference Images',
	}),
	imageListProperty(OMNI_REFERENCE_IMAGES, 'the images the prompt refers to; with Elements at most 10 in all'),
	elementIdsProperty(),
	{
		displayName: 'Resolution',
		name: 'omniResolution',
		type: 'options',
		default: '1k',
		description: '4k needs kling-v3-omni',
		options: OMNI_RESOLUTIONS.map((resolution) => ({ name: resolution.toUpperCase(), value: resolution })),
	},
	{
		displayName: 'Result Type',
		name: 'resultType',
		type: 'options',
		default: 'single',
		options: [
			{ name: 'Single', value: 'single', description: 'Independent images, Number of Images of them' },
			{ name: 'Series', value: 'series', description: 'A set of images made to belong together (kling-v3-omni)' },
		],
	},
	numberChoiceProperty(API_NUMBERS.seriesAmount, [{ name: 'Auto (Kling Chooses)', value: AUTO_SERIES_AMOUNT }], {
		displayOptions: { show: { resultType: ['series'] } },
	}),
	{ ...numberProperty(API_NUMBERS.n), displayOptions: { show: { resultType: ['single'] } } },
	{
		displayName: 'Aspect Ratio',
		name: 'omniAspectRatio',
		type: 'options',
		default: 'auto',
		description: 'Shape of the images, width:height; auto takes it from the references (a prompt alone needs a ratio)',
		options: OMNI_ASPECT_RATIOS.map((ratio) => ({ name: ratio === 'auto' ? 'Auto' : ratio, value: ratio })),
	},
	...taskEndProperties(true),
];

export const description = updateDisplayOptions({ show: { resource: ['image'], operation: ['omniImage'] } }, properties);

export async function execute(this: IExecuteFunctions): Promise<INodeExecutionData[]> {
	return await executeTask(this, 'omniImage', async (itemIndex) => {
		const param = (name: string, fallback: unknown) => this.getNodeParameter(name, itemIndex, fallback);
		const references = await checkImageList(this, itemIndex, OMNI_REFERENCE_IMAGES);
		const request = buildOmniBody({
			model: param('omniModel', OMNI_MODELS[0]),
			prompt: param('prompt', ''),
			resolution: param('omniResolution', '1k'),
			resultType: param('resultType', 'single'),
			seriesAmount: param('seriesAmount', API_NUMBERS.seriesAmount.default),
			n: param('n', 1),
			aspectRatio: param('omniAspectRatio', 'auto'),
			elements: elementIdsOf(param('elements', {})),
			images: references.length,
			...readTaskOptions(this, itemIndex, true),
		});
		return {
			body: request.body,
			withImages: async (checked) => (references.length === 0 ? checked : { ...checked, image_list: await imageList(this, 'image', references) }),
			outputs: request.outputs,
			model: request.model,
			prompt: request.prompt,
			details: { resultType: request.resultType },
		};
	});
}
