import type { IBinaryData, IDataObject, IExecuteFunctions } from 'n8n-workflow';

import { peekHead } from './streams';
import type { ReadableLike } from './streams';
import {
	FieldError,
	base64ByteLength,
	base64Head,
	checkReferenceFile,
	parseBase64Image,
	textValue,
	validateImageUrl,
	validateReferenceBytes,
} from '../wire/validation';
import type { ImageSource } from '../wire/validation';

const BINARY_FIELD = 'Input Binary Field';
/** Bytes read from a stored file to learn its type: more than any signature in imageType.ts. */
const HEAD_BYTES = 64;

/**
 * A reference image that has been checked but not read: where to find it when its request is
 * sent. It holds no image bytes, so many prepared items cost no memory (a run of 40 items with
 * 9 MB references held 500 MB of base64 before the first request when they were read up front).
 */
export type ReferenceImage =
	| { source: 'url'; url: string }
	| { source: 'base64'; itemIndex: number }
	| { source: 'binary'; itemIndex: number; property: string };

/** The size and first bytes of a binary, read from its metadata and the start of its file. */
async function binaryFacts(ctx: IExecuteFunctions, binary: IBinaryData): Promise<{ size: number; head: Uint8Array }> {
	if (!binary.id) return { size: base64ByteLength(binary.data), head: base64Head(binary.data) };
	const { fileSize } = await ctx.helpers.getBinaryMetadata(binary.id);
	const stream = (await ctx.helpers.getBinaryStream(binary.id, HEAD_BYTES)) as unknown as ReadableLike;
	try {
		return { size: fileSize, head: await peekHead(stream) };
	} finally {
		stream.destroy();
	}
}

function binaryProperty(ctx: IExecuteFunctions, itemIndex: number): { property: string; binary: IBinaryData } {
	const property = textValue(BINARY_FIELD, ctx.getNodeParameter('binaryPropertyName', itemIndex, 'data')).trim();
	const binaries = ctx.getInputData()[itemIndex]?.binary ?? {};
	const binary = property ? binaries[property] : undefined;
	if (!binary) {
		const present = Object.keys(binaries);
		const hint = present.length ? `it has: ${present.join(', ')}` : 'it has no binary data at all';
		throw new FieldError(BINARY_FIELD, `is "${property}", but the input item has no binary field of that name (${hint})`);
	}
	return { property, binary };
}

/**
 * Checks an item's reference image before anything is sent (binary field present, JPG or PNG,
 * at most 10 MB) from its metadata and first bytes, without reading it whole.
 */
export async function checkReferenceImage(
	ctx: IExecuteFunctions,
	itemIndex: number,
	source: ImageSource,
): Promise<ReferenceImage | undefined> {
	if (source === 'url') return { source, url: validateImageUrl(ctx.getNodeParameter('imageUrl', itemIndex, '')) };
	if (source === 'base64') {
		parseBase64Image(ctx.getNodeParameter('imageBase64', itemIndex, ''));
		return { source, itemIndex };
	}
	if (source !== 'binary') return undefined;
	const { property, binary } = binaryProperty(ctx, itemIndex);
	const { size, head } = await binaryFacts(ctx, binary);
	checkReferenceFile(BINARY_FIELD, size, head);
	return { source, itemIndex, property };
}

/** The `image` value to send: the URL, or the file's base64 with no `data:` prefix, read now. */
export async function loadReferenceImage(ctx: IExecuteFunctions, reference: ReferenceImage): Promise<string> {
	if (reference.source === 'url') return reference.url;
	if (reference.source === 'base64') return parseBase64Image(ctx.getNodeParameter('imageBase64', reference.itemIndex, ''));
	const bytes = await ctx.helpers.getBinaryDataBuffer(reference.itemIndex, reference.property);
	validateReferenceBytes(BINARY_FIELD, bytes); // the file may have changed since it was checked
	return bytes.toString('base64');
}

/**
 * The body to send for a prepared item: its body plus the reference image, read at this moment.
 * Call it right before the request and keep the result no longer than the request needs it, so
 * that only the items being sent hold their image.
 */
export async function withReferenceImage(
	ctx: IExecuteFunctions,
	body: IDataObject,
	reference: ReferenceImage | undefined,
): Promise<IDataObject> {
	return reference ? { ...body, image: await loadReferenceImage(ctx, reference) } : body;
}
