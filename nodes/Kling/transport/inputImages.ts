import type { IBinaryData, IDataObject, IExecuteFunctions } from 'n8n-workflow';

import { IMAGE_LIST_ENTRY_NAMES, REFERENCE_IMAGE_NAMES, checkImageCount } from '../wire/inputImages';
import type { ImageListSpec } from '../wire/inputImages';
import {
	FieldError,
	IMAGE_SOURCES,
	base64ByteLength,
	base64Head,
	checkReferenceFile,
	parseBase64Image,
	textValue,
	validateImageUrl,
	validateReferenceBytes,
} from '../wire/validation';
import type { ImageSource } from '../wire/validation';
import { peekHead } from './download';
import type { ReadableLike } from './download';

/** Bytes read from a stored file to learn its type: more than any signature in imageType.ts. */
const HEAD_BYTES = 64;

/**
 * Where an item's input image comes from: its source, and the parameters (paths such as
 * `subjectImages.subject[1].imageUrl` work too) holding its URL, binary field name or base64.
 */
export interface ImageInput {
	source: ImageSource;
	urlParameter: string;
	binaryParameter: string;
	base64Parameter: string;
	/** Names the image in messages ("Subject Image 2: Image URL"); Generate's one image needs none. */
	label?: string;
}

/** The parameters of one image, as named in `names` (a path prefix such as `subjectImages.subject[1].` allowed). */
export function imageInputAt(
	names: { url: string; binary: string; base64: string },
	source: ImageSource,
	label?: string,
	prefix = '',
): ImageInput {
	return { source, urlParameter: prefix + names.url, binaryParameter: prefix + names.binary, base64Parameter: prefix + names.base64, label };
}

/**
 * An input image that has been checked but not read: where to find it when its request is sent.
 * It holds no image bytes, so many prepared items cost no memory (a run of 40 items with 9 MB
 * references held 500 MB of base64 before the first request when they were read up front).
 */
export type CheckedImage =
	| { source: 'url'; url: string }
	| { source: 'base64'; itemIndex: number; parameter: string; field: string }
	| { source: 'binary'; itemIndex: number; property: string; field: string };

const fieldName = (input: ImageInput, name: string) => (input.label ? `${input.label}: ${name}` : name);

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

function binaryOf(ctx: IExecuteFunctions, itemIndex: number, field: string, property: string): IBinaryData {
	const binaries = ctx.getInputData()[itemIndex]?.binary ?? {};
	const binary = property ? binaries[property] : undefined;
	if (!binary) {
		const present = Object.keys(binaries);
		const hint = present.length ? `it has: ${present.join(', ')}` : 'it has no binary data at all';
		throw new FieldError(field, `is "${property}", but the input item has no binary field of that name (${hint})`);
	}
	return binary;
}

/** Checks one stored binary (present, JPG or PNG, at most 10 MB) from its metadata and first bytes. */
async function checkBinary(ctx: IExecuteFunctions, itemIndex: number, field: string, property: string): Promise<CheckedImage> {
	const { size, head } = await binaryFacts(ctx, binaryOf(ctx, itemIndex, field, property));
	checkReferenceFile(field, size, head);
	return { source: 'binary', itemIndex, property, field };
}

/**
 * Checks an item's input images before anything is sent, without reading them whole. A binary
 * field may be a comma-separated list of fields when `several` allows it, one image each.
 */
export async function checkImageInputs(
	ctx: IExecuteFunctions,
	itemIndex: number,
	input: ImageInput,
	several = false,
): Promise<CheckedImage[]> {
	const param = (name: string) => ctx.getNodeParameter(name, itemIndex, '');
	const { source } = input;
	if (source === 'url') return [{ source, url: validateImageUrl(param(input.urlParameter), fieldName(input, 'Image URL')) }];
	if (source === 'base64') {
		const field = fieldName(input, 'Base64 Image');
		parseBase64Image(param(input.base64Parameter), field);
		return [{ source, itemIndex, parameter: input.base64Parameter, field }];
	}
	if (source === 'none') return [];
	if (source !== 'binary') throw new FieldError(input.label ?? 'Reference Image', `must be one of ${IMAGE_SOURCES.join(', ')}, got "${String(source)}"`);
	const field = fieldName(input, 'Input Binary Field');
	const text = textValue(field, ctx.getNodeParameter(input.binaryParameter, itemIndex, 'data')).trim();
	const properties = several ? text.split(',').map((name) => name.trim()).filter(Boolean) : [text];
	if (several && properties.length === 0) throw new FieldError(field, 'is empty');
	return await Promise.all(properties.map(async (property) => await checkBinary(ctx, itemIndex, field, property)));
}

/** Checks an item's one input image (see checkImageInputs); undefined when its source is `none`. */
export async function checkImageInput(ctx: IExecuteFunctions, itemIndex: number, input: ImageInput): Promise<CheckedImage | undefined> {
	return (await checkImageInputs(ctx, itemIndex, input))[0];
}

/**
 * Checks an item's image list (see ImageListSpec): every entry, a binary list giving one image per
 * field, then the count. The images keep the order of the entries and of the fields in a list.
 */
export async function checkImageList(ctx: IExecuteFunctions, itemIndex: number, spec: ImageListSpec): Promise<CheckedImage[]> {
	const entries = ctx.getNodeParameter(`${spec.name}.${spec.entry}`, itemIndex, []) as IDataObject[];
	const images: CheckedImage[] = [];
	for (const [position, entry] of entries.entries()) {
		const source = (entry[IMAGE_LIST_ENTRY_NAMES.source] ?? 'binary') as ImageSource;
		const label = `${spec.entryLabel} ${position + 1}`;
		const input = imageInputAt(IMAGE_LIST_ENTRY_NAMES, source, label, `${spec.name}.${spec.entry}[${position}].`);
		images.push(...(await checkImageInputs(ctx, itemIndex, input, true)));
	}
	checkImageCount(spec, images.length);
	return images;
}

/** Generate's reference image, checked up front (see checkImageInputs). */
export async function checkReferenceImage(
	ctx: IExecuteFunctions,
	itemIndex: number,
	source: ImageSource,
): Promise<CheckedImage | undefined> {
	return await checkImageInput(ctx, itemIndex, imageInputAt(REFERENCE_IMAGE_NAMES, source));
}

/** The image value to send: the URL, or the file's base64 with no `data:` prefix, read now. */
export async function loadImage(ctx: IExecuteFunctions, reference: CheckedImage): Promise<string> {
	if (reference.source === 'url') return reference.url;
	if (reference.source === 'base64') {
		return parseBase64Image(ctx.getNodeParameter(reference.parameter, reference.itemIndex, ''), reference.field);
	}
	const bytes = await ctx.helpers.getBinaryDataBuffer(reference.itemIndex, reference.property);
	validateReferenceBytes(reference.field, bytes); // the file may have changed since it was checked
	return bytes.toString('base64');
}

/**
 * The body to send for a prepared item: its body plus its input images under their body fields,
 * read at this moment. Call it right before the request and keep the result no longer than the
 * request needs it, so that only the items being sent hold their images.
 */
export async function withImages(
	ctx: IExecuteFunctions,
	body: IDataObject,
	images: Record<string, CheckedImage | undefined>,
): Promise<IDataObject> {
	const loaded: IDataObject = {};
	for (const [field, reference] of Object.entries(images)) {
		if (reference) loaded[field] = await loadImage(ctx, reference);
	}
	return { ...body, ...loaded };
}

/** Several images as a list of `{ [key]: image }` entries, read now (see withImages). */
export async function imageList(ctx: IExecuteFunctions, key: string, images: CheckedImage[]): Promise<IDataObject[]> {
	const list: IDataObject[] = [];
	for (const image of images) list.push({ [key]: await loadImage(ctx, image) });
	return list;
}

/** Generate's body with its reference image as `image` (see withImages). */
export async function withReferenceImage(
	ctx: IExecuteFunctions,
	body: IDataObject,
	reference: CheckedImage | undefined,
): Promise<IDataObject> {
	return await withImages(ctx, body, { image: reference });
}
