/** What an image's leading bytes say it is. Headers lie more often than magic numbers do. */
export interface ImageType {
	mimeType: string;
	extension: string;
}

const PNG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const JPEG = [0xff, 0xd8, 0xff];
const GIF = [0x47, 0x49, 0x46, 0x38];

function startsWith(bytes: Uint8Array, signature: number[], offset = 0): boolean {
	if (bytes.length < offset + signature.length) return false;
	return signature.every((byte, i) => bytes[offset + i] === byte);
}

function ascii(text: string): number[] {
	return [...text].map((c) => c.charCodeAt(0));
}

export function detectImageType(bytes: Uint8Array): ImageType | undefined {
	if (startsWith(bytes, PNG)) return { mimeType: 'image/png', extension: 'png' };
	if (startsWith(bytes, JPEG)) return { mimeType: 'image/jpeg', extension: 'jpg' };
	if (startsWith(bytes, ascii('RIFF')) && startsWith(bytes, ascii('WEBP'), 8)) {
		return { mimeType: 'image/webp', extension: 'webp' };
	}
	if (startsWith(bytes, GIF)) return { mimeType: 'image/gif', extension: 'gif' };
	return undefined;
}

const EXTENSION_BY_MIME: Record<string, string> = {
	'image/png': 'png',
	'image/jpeg': 'jpg',
	'image/jpg': 'jpg',
	'image/webp': 'webp',
	'image/gif': 'gif',
};

/** Falls back on the Content-Type header when the bytes are not recognised. */
export function imageTypeFromHeader(contentType: unknown): ImageType | undefined {
	if (typeof contentType !== 'string') return undefined;
	const mimeType = contentType.split(';')[0].trim().toLowerCase();
	const extension = EXTENSION_BY_MIME[mimeType];
	return extension ? { mimeType: mimeType === 'image/jpg' ? 'image/jpeg' : mimeType, extension } : undefined;
}
