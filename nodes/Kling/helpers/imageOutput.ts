import type { IBinaryData, IExecuteFunctions } from 'n8n-workflow';

import { detectImageType, imageTypeFromHeader } from './imageType';
import type { ImageType } from './imageType';
import { AnswerError } from './response';
import { peekHead } from './streams';
import type { ReadableLike } from './streams';

export function imageFileName(created: number, index: number, type: ImageType): string {
	return `kling-${created}-${index}.${type.extension}`;
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
	created: number,
	index: number,
): Promise<IBinaryData> {
	const type = typeOrFail(await peekHead(stream), contentType);
	const binary = await ctx.helpers.prepareBinaryData(
		stream as unknown as Buffer,
		imageFileName(created, index, type),
		type.mimeType,
	);
	return { ...binary, fileExtension: type.extension };
}

export async function storeImageBase64(
	ctx: IExecuteFunctions,
	base64: string,
	created: number,
	index: number,
): Promise<IBinaryData> {
	const bytes = Buffer.from(base64, 'base64');
	const type = typeOrFail(bytes);
	const binary = await ctx.helpers.prepareBinaryData(bytes, imageFileName(created, index, type), type.mimeType);
	return { ...binary, fileExtension: type.extension };
}
