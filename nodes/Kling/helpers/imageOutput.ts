import { NodeOperationError } from 'n8n-workflow';
import type { IBinaryData, IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';


import { detectImageType } from './imageType';
import type { ImageType } from './imageType';
import type { GeneratedImage } from './response';
import { maskSecretsInUrl } from './secrets';
import { bareBase64, isBase64 } from './validation';

/** Where an image sits in a run: its answer's time, the input item, its position in the answer. */
export interface ImagePlace {
	created: number;
	itemIndex: number;
	/** The position, not the API's `index`: an answer may repeat an index, a position is unique. */
	position: number;
}

/** Unique within a run, so nodes that write files by name do not overwrite one image with another. */
export function imageFileName(place: ImagePlace, type: ImageType): string {
	return `kling-${place.created}-${place.itemIndex}-${place.position}.${type.extension}`;
}

/** The bytes and type of a `b64_json` image, or what is wrong with it. */
export function decodeImageData(base64: string): { bytes: Buffer; type: ImageType } | { problem: string } {
	const problem = 'The Kling API sent image data (b64_json) that is not a valid image';
	const bare = bareBase64(base64);
	if (!isBase64(bare)) {
		const text = base64.trim();
		const start = text.length > 20 ? `${text.slice(0, 20)}...` : text;
		return { problem: `${problem}: it is not base64 (it starts "${start}")` };
	}
	const bytes = Buffer.from(bare, 'base64');
	const type = detectImageType(bytes);
	if (!type) return { problem: `${problem}: its ${bytes.length} bytes are not a PNG, JPEG, WebP or GIF image` };
	return { bytes, type };
}

/** Stores a `b64_json` image; one that is not an image fails its item, saying what was wrong. */
export async function storeImageBase64(
	ctx: IExecuteFunctions,
	base64: string,
	place: ImagePlace,
): Promise<IBinaryData> {
	const decoded = decodeImageData(base64);
	if ('problem' in decoded) throw new NodeOperationError(ctx.getNode(), decoded.problem, { itemIndex: place.itemIndex });
	const { bytes, type } = decoded;
	const binary = await ctx.helpers.prepareBinaryData(bytes, imageFileName(place, type), type.mimeType);
	return { ...binary, fileExtension: type.extension };
}

/** The images to output, and how their number compares with what was asked for. */
export interface ImageCount {
	/** At most as many as were asked for, in the answer's order. */
	images: GeneratedImage[];
	requested: number;
	returned: number;
	/** Set when the API returned fewer or more images than asked for. */
	warning?: string;
}

function imagesText(count: number): string {
	return `${count} image${count === 1 ? '' : 's'}`;
}

/**
 * The API's count is not trusted: more images than asked for would each be downloaded and paid
 * for downstream, so only the first `requested` are kept; fewer are kept all, with a warning.
 */
export function countImages(answer: GeneratedImage[], requested: number): ImageCount {
	const returned = answer.length;
	const count: ImageCount = { images: answer.slice(0, requested), requested, returned };
	if (returned < requested) count.warning = `Kling returned ${returned} of ${imagesText(requested)}`;
	if (returned > requested) {
		count.warning = `Kling returned ${imagesText(returned)} for ${requested} asked for; the other ${returned - requested} were left out`;
	}
	return count;
}

/** The images of one generation, with what each output item says about them. */
export interface ImageBatch {
	images: GeneratedImage[];
	created: number;
	model: string;
	prompt: string;
	taskId?: string;
}

/** Downloads an image into n8n's binary store (the session's download: retried, bounded in size and time). */
export interface ImageDownloader {
	downloadImage(url: string, itemIndex: number, fileName: (type: ImageType) => string): Promise<IBinaryData>;
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
	ctx: IExecuteFunctions,
	downloader: ImageDownloader,
	batch: ImageBatch,
	choice: OutputChoice,
	itemIndex: number,
): Promise<INodeExecutionData[]> {
	const { created, model, prompt, taskId } = batch;
	const count = choice.imagesRequested === undefined ? undefined : countImages(batch.images, choice.imagesRequested);
	const items: INodeExecutionData[] = [];
	for (const [position, image] of (count?.images ?? batch.images).entries()) {
		const url = image.url === undefined ? null : maskSecretsInUrl(image.url, choice.secrets ?? []);
		const json: IDataObject = { url, index: image.index, created, model, prompt, ...countFields(count) };
		if (taskId !== undefined) json.taskId = taskId;
		const item: INodeExecutionData = { json, pairedItem: { item: itemIndex } };
		const place = { created, itemIndex, position };
		if (image.base64 !== undefined) {
			// No URL to hand on: the bytes are the only result, whatever the output mode.
			item.binary = { [choice.binaryField || 'data']: await storeImageBase64(ctx, image.base64, place) };
		} else if (choice.output === 'binary' && image.url) {
			const binary = await downloader.downloadImage(image.url, itemIndex, (type) => imageFileName(place, type));
			item.binary = { [choice.binaryField]: binary };
		}
		items.push(item);
	}
	return items;
}
