import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

import type { ImageStore } from '../../transport/download';
import type { GeneratedImage, TaskCost } from '../../wire/answers';
import { countImages, imageFileName } from '../../wire/images';
import type { ImageCount } from '../../wire/images';
import { maskSecretsInUrl } from '../../wire/secrets';

/** The images of one generation, with what each output item says about them. */
export interface ImageBatch extends TaskCost {
	images: GeneratedImage[];
	created: number;
	model: string;
	prompt: string;
	taskId?: string;
	/** More fields for every item, such as an Omni-Image task's result type. */
	details?: IDataObject;
}

export interface OutputChoice {
	output: 'binary' | 'url';
	binaryField: string;
	/** Number of Images as asked for: the output keeps at most that many and reports a shortfall. */
	imagesRequested?: number;
	/** Credential secrets, masked in output URLs (see maskSecretsInUrl). */
	secrets?: string[];
}

/** What every output item of a batch says about the count, when the count asked for is known. */
function countFields(count: ImageCount | undefined): IDataObject {
	if (!count) return {};
	const fields: IDataObject = { imagesRequested: count.requested, imagesReturned: count.returned };
	if (count.warning) fields.warning = count.warning;
	return fields;
}

/** One output item per image, paired with the input item; downloads go one after another. */
export async function imageItems(
	store: ImageStore,
	batch: ImageBatch,
	choice: OutputChoice,
	itemIndex: number,
): Promise<INodeExecutionData[]> {
	const { created, model, prompt, taskId, unitsDeducted, balanceDeduction } = batch;
	const count = choice.imagesRequested === undefined ? undefined : countImages(batch.images, choice.imagesRequested);
	const items: INodeExecutionData[] = [];
	for (const [position, image] of (count?.images ?? batch.images).entries()) {
		const url = image.url === undefined ? null : maskSecretsInUrl(image.url, choice.secrets ?? []);
		const json: IDataObject = { url, index: image.index, created, model, prompt, ...batch.details, ...countFields(count) };
		if (taskId !== undefined) json.taskId = taskId;
		if (image.source !== undefined) json.source = image.source;
		if (unitsDeducted !== undefined) json.unitsDeducted = unitsDeducted;
		if (balanceDeduction !== undefined) json.balanceDeduction = { ...balanceDeduction };
		const item: INodeExecutionData = { json, pairedItem: { item: itemIndex } };
		const place = { created, itemIndex, position };
		if (image.base64 !== undefined) {
			// No URL to hand on: the bytes are the only result, whatever the output mode.
			const binary = await store.storeImageData(image.base64, itemIndex, (type) => imageFileName(place, type));
			item.binary = { [choice.binaryField || 'data']: binary };
		} else if (choice.output === 'binary' && image.url) {
			const binary = await store.downloadImage(image.url, itemIndex, (type) => imageFileName(place, type));
			item.binary = { [choice.binaryField]: binary };
		}
		items.push(item);
	}
	return items;
}
