import { updateDisplayOptions } from 'n8n-workflow';
import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties, INodePropertyOptions } from 'n8n-workflow';

import { elementTagsProperty } from '../../parameters/elements';
import { imageInputProperties } from '../../parameters/inputImages';
import { optionsProperty } from '../../parameters/options';
import { checkImageInput, withImages } from '../../transport/inputImages';
import { MAX_ELEMENT_DESCRIPTION, MAX_ELEMENT_NAME, buildElementBody } from '../../wire/elements';
import { maskSecretsInUrl } from '../../wire/secrets';
import type { ElementSummary } from '../../wire/elements';
import { imageInputOf } from '../image/taskOperation';
import { runItems } from '../runItems';

const properties: INodeProperties[] = [
	{
		displayName: 'Name',
		name: 'elementName',
		type: 'string',
		required: true,
		default: '',
		description: `The element's name, up to ${MAX_ELEMENT_NAME} characters`,
	},
	{
		displayName: 'Description',
		name: 'elementDescription',
		type: 'string',
		default: '',
		description: `What the element is, up to ${MAX_ELEMENT_DESCRIPTION} characters`,
	},
	...imageInputProperties('frontalImage', 'Frontal Image', 'A front view of the element'),
	{
		displayName: 'More Reference Image URLs',
		name: 'referenceImageUrls',
		type: 'string',
		required: true,
		default: '',
		typeOptions: { rows: 3 },
		placeholder: 'https://example.com/side.png',
		description:
			'1 to 3 more views of the element, one http(s) URL per line. Kling takes these as URLs only: to use a binary file, upload it first (e.g. to S3) and give its URL.',
	},
	elementTagsProperty,
	optionsProperty(['maxRetries', 'timeout']),
];

export const option: INodePropertyOptions = {
	name: 'Create',
	value: 'create',
	action: 'Create an element',
	description: 'Add a subject to the element library from a frontal image and 1 to 3 more views',
};
export const officialOnly = true;

export const description = updateDisplayOptions({ show: { resource: ['element'], operation: ['create'] } }, properties);

/** An element as an output item's JSON; its URLs masked like every URL the node outputs. */
export function elementJson(element: ElementSummary, secrets: string[]): IDataObject {
	const mask = (url: string) => maskSecretsInUrl(url, secrets);
	return {
		...element,
		...(element.frontalImage !== undefined && { frontalImage: mask(element.frontalImage) }),
		referenceImages: element.referenceImages.map(mask),
	} as unknown as IDataObject;
}

export async function execute(this: IExecuteFunctions): Promise<INodeExecutionData[]> {
	return await runItems<() => Promise<IDataObject>>(this, {
		prepare: async (itemIndex) => {
			const param = (name: string, fallback: unknown) => this.getNodeParameter(name, itemIndex, fallback);
			const body = buildElementBody({
				name: param('elementName', ''),
				description: param('elementDescription', ''),
				referenceUrls: param('referenceImageUrls', ''),
				tags: param('tags', []),
			});
			const frontal = await checkImageInput(this, itemIndex, imageInputOf(this, itemIndex, 'frontalImage', 'Frontal Image'));
			return async () => await withImages(this, body, { element_frontal_image: frontal });
		},
		run: async (session, body, itemIndex) => {
			const element = await session.createElement(body, itemIndex);
			return [{ json: elementJson(element, session.secrets), pairedItem: { item: itemIndex } }];
		},
	});
}
