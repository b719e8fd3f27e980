import { FieldError } from './fieldError';

/**
 * A list of input images an operation takes: a fixedCollection `name` whose entries (`entry`) each
 * give one image, or several through a comma-separated list of binary fields.
 */
export interface ImageListSpec {
	/** Saved in workflows: never rename one. */
	name: string;
	entry: string;
	/** Names the list in the editor and in messages ("Subject Images"), and one entry ("Subject Image 2"). */
	label: string;
	entryLabel: string;
	min: number;
	max: number;
}

/** The parameter names inside each entry of an image list, the same for every list. */
export const IMAGE_LIST_ENTRY_NAMES = { source: 'source', url: 'imageUrl', binary: 'binaryPropertyName', base64: 'imageBase64' } as const;

/** Generate's reference image parameters, saved under these names before other operations had images. */
export const REFERENCE_IMAGE_NAMES = { source: 'imageSource', url: 'imageUrl', binary: 'binaryPropertyName', base64: 'imageBase64' } as const;

/** An image list's count, after binary lists are split into their fields. */
export function checkImageCount(spec: ImageListSpec, count: number): void {
	if (count < spec.min || count > spec.max) {
		const range = spec.min === 0 ? `at most ${spec.max} images` : `${spec.min} to ${spec.max} images`;
		throw new FieldError(spec.label, `must be ${range}, got ${count}`);
	}
}
