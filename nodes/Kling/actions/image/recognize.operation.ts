import { updateDisplayOptions } from 'n8n-workflow';
import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties, INodePropertyOptions } from 'n8n-workflow';

import { imageInputProperties } from '../../parameters/inputImages';
import { outputFieldProperty, outputProperty } from '../../parameters/taskParameters';
import { optionsProperty } from '../../parameters/options';
import { checkImageInput, withImages } from '../../transport/inputImages';
import type { OutputChoice } from './imageItems';
import { maskSecretsInUrl } from '../../wire/secrets';
import { runItems } from '../runItems';
import { imageInputOf, readOutputChoice } from './taskOperation';

const properties: INodeProperties[] = [
	...imageInputProperties('inputImage', 'Image', 'The image to segment'),
	{ ...outputProperty, description: 'Download each segment found, or return its URL only' },
	outputFieldProperty({ output: ['binary'] }),
	optionsProperty(['downloadTimeout', 'maxImageSize', 'maxRetries', 'timeout']),
];

export const option: INodePropertyOptions = {
	name: 'Recognize',
	value: 'recognize',
	action: 'Segment an image',
	description: 'Find the subject, head, face and clothing in an image, each as a cut-out image',
};
export const officialOnly = true;

export const description = updateDisplayOptions({ show: { resource: ['image'], operation: ['recognize'] } }, properties);

interface PreparedRecognize {
	body: () => Promise<IDataObject>;
	choice: OutputChoice;
}

/**
 * One output item per kind of segment Kling reports (object, head, face, cloth, and any kind it
 * adds, under its own name), each saying whether the image contains it; found ones are downloaded.
 */
export async function execute(this: IExecuteFunctions): Promise<INodeExecutionData[]> {
	return await runItems<PreparedRecognize>(this, {
		prepare: async (itemIndex) => {
			const image = await checkImageInput(this, itemIndex, imageInputOf(this, itemIndex, 'inputImage', 'Image'));
			const choice = readOutputChoice(this, itemIndex, 1);
			return { body: async () => await withImages(this, {}, { image }), choice };
		},
		run: async (session, prepared, itemIndex) => {
			const { segments, unitsDeducted, balanceDeduction } = await session.recognizeImage(prepared.body, itemIndex);
			const created = Math.floor(Date.now() / 1000);
			const items: INodeExecutionData[] = [];
			for (const [position, segment] of segments.entries()) {
				const json: IDataObject = {
					kind: segment.kind,
					type: segment.type,
					isContain: segment.isContain,
					url: segment.url === undefined ? null : maskSecretsInUrl(segment.url, session.secrets),
				};
				if (unitsDeducted !== undefined) json.unitsDeducted = unitsDeducted;
				if (balanceDeduction !== undefined) json.balanceDeduction = { ...balanceDeduction };
				const item: INodeExecutionData = { json, pairedItem: { item: itemIndex } };
				if (prepared.choice.output === 'binary' && segment.isContain && segment.url) {
					const fileName = (type: { extension: string }) => `kling-${created}-${itemIndex}-${position}-${segment.kind}.${type.extension}`;
					item.binary = { [prepared.choice.binaryField]: await session.images.downloadImage(segment.url, itemIndex, fileName) };
				}
				items.push(item);
			}
			return items;
		},
	});
}
