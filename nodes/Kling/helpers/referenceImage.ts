import type { IExecuteFunctions } from 'n8n-workflow';

import { FieldError, parseBase64Image, validateImageUrl, validateReferenceBytes } from './validation';
import type { ImageSource } from './validation';

const BINARY_FIELD = 'Input Binary Field';

/** The `image` value to send: a URL, or the base64 of the file with no `data:` prefix. */
export async function readReferenceImage(
	ctx: IExecuteFunctions,
	itemIndex: number,
	source: ImageSource,
): Promise<string | undefined> {
	if (source === 'url') return validateImageUrl(ctx.getNodeParameter('imageUrl', itemIndex, ''));
	if (source === 'base64') return parseBase64Image(ctx.getNodeParameter('imageBase64', itemIndex, ''));
	if (source !== 'binary') return undefined;

	const property = String(ctx.getNodeParameter('binaryPropertyName', itemIndex, 'data')).trim();
	const binary = ctx.getInputData()[itemIndex]?.binary ?? {};
	if (!property || binary[property] === undefined) {
		const present = Object.keys(binary);
		const hint = present.length ? `it has: ${present.join(', ')}` : 'it has no binary data at all';
		throw new FieldError(BINARY_FIELD, `is "${property}", but the input item has no binary field of that name (${hint})`);
	}
	const bytes = await ctx.helpers.getBinaryDataBuffer(itemIndex, property);
	validateReferenceBytes(BINARY_FIELD, bytes);
	return bytes.toString('base64');
}
