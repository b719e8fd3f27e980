import type { GeneratedImage } from './answers';
import { detectImageType } from './imageType';
import type { ImageType } from './imageType';
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
