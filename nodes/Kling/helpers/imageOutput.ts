import type { IBinaryData, IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { detectImageType, imageTypeFromHeader } from './imageType';
import type { ImageType } from './imageType';
import { AnswerError } from './response';
import type { GeneratedImage } from './response';
import { peekHead } from './streams';
import type { ReadableLike } from './streams';

/** Where an image sits in a run: its answer's time, the input item, its place in the answer. */
export interface ImagePlace {
	created: number;
	itemIndex: number;
	index: number;
}

/** Unique within a run, so nodes that write files by name do not overwrite one image with another. */
export function imageFileName(place: ImagePlace, type: ImageType): string {
	return `kling-${place.created}-${place.itemIndex}-${place.index}.${type.extension}`;
}

function typeOrFail(bytes: Uint8Array, contentType?: string): ImageType {
	const type = detectImageType(bytes) ?? imageTypeFromHeader(contentType);
	if (!type) {
		throw new AnswerError(`The image URL served something that is not an image (${contentType ?? 'no content type'})`);
	}
	return type;
}

/**
 * Hands a download to n8n's binary store as a stream, so in filesystem mode the bytes go to disk
 * without being held in memory. The first chunk is peeked at to learn the true type.
 */
export async function storeImageStream(
	ctx: IExecuteFunctions,
	stream: ReadableLike,
	contentType: string | undefined,
	place: ImagePlace,
): Promise<IBinaryData> {
	const type = typeOrFail(await peekHead(stream), contentType);
	const binary = await ctx.helpers.prepareBinaryData(
		stream as unknown as Buffer,
		imageFileName(place, type),
		type.mimeType,
	);
	return { ...binary, fileExtension: type.extension };
}

export async function storeImageBase64(
	ctx: IExecuteFunctions,
	base64: string,
	place: ImagePlace,
): Promise<IBinaryData> {
	const bytes = Buffer.from(base64, 'base64');
	const type = typeOrFail(bytes);
	const binary = await ctx.helpers.prepareBinaryData(bytes, imageFileName(place, type), type.mimeType);
	return { ...binary, fileExtension: type.extension };
}

/** Fetches an image and hands its open stream to `consume` (the session's download, retried and bounded). */
export interface ImageDownloader {
	download<T>(url: string, itemIndex: number, consume: (body: ReadableLike, contentType: string | undefined) => Promise<T>): Promise<T>;
}

/** The images of one generation, with what each output item says about them. */
export interface ImageBatch {
	images: GeneratedImage[];
	created: number;
	model: string;
	prompt: string;
	taskId?: string;
}

export interface OutputChoice {
	output: 'binary' | 'url';
	binaryField: string;
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
	const items: INodeExecutionData[] = [];
	for (const image of batch.images) {
		const json: IDataObject = { url: image.url ?? null, index: image.index, created, model, prompt };
		if (taskId !== undefined) json.taskId = taskId;
		const item: INodeExecutionData = { json, pairedItem: { item: itemIndex } };
		const place = { created, itemIndex, index: image.index };
		if (image.base64 !== undefined) {
			// No URL to hand on: the bytes are the only result, whatever the output mode.
			item.binary = { [choice.binaryField || 'data']: await storeImageBase64(ctx, image.base64, place) };
		} else if (choice.output === 'binary' && image.url) {
			const binary = await downloader.download(image.url, itemIndex, async (stream, contentType) =>
				await storeImageStream(ctx, stream, contentType, place),
			);
			item.binary = { [choice.binaryField]: binary };
		}
		items.push(item);
	}
	return items;
}
