/**
 * Real, decodable image bytes for the fake Kling server: pictures with the prompt
 * written on them (PNG or JPEG), and large "about N bytes" variants for benchmarks.
 * Node built-ins only.
 */
import { createHash } from 'node:crypto';
import { deflateSync } from 'node:zlib';

import { encodeJpeg, jpegSegment } from './jpegEncoder';
import { drawPromptPicture } from './promptPicture';

export type ImageFormat = 'png' | 'jpeg';

export const MIME_TYPES: Record<ImageFormat, string> = { png: 'image/png', jpeg: 'image/jpeg' };
export const EXTENSIONS: Record<ImageFormat, string> = { png: 'png', jpeg: 'jpg' };

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** 16×16 baseline JPEG (a red→blue gradient), made with ImageMagick: `-strip -quality 85`; the base of largeJpeg. */
const TINY_JPEG = Buffer.from(
	'/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAUDBAQEAwUEBAQFBQUGBwwIBwcHBw8LCwkMEQ8SEhEPERETFhwXExQaFRERGCEYGh0dHx8fExciJCIeJBweHx7/2wBDAQUFBQcGBw4ICA4eFBEUHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh7/wAARCAAQABADAREAAhEBAxEB/8QAFgABAQEAAAAAAAAAAAAAAAAAAAME/8QAFRABAQAAAAAAAAAAAAAAAAAAABL/xAAWAQEBAQAAAAAAAAAAAAAAAAAABwX/xAAWEQADAAAAAAAAAAAAAAAAAAAAFWH/2gAMAwEAAhEDEQA/AMdMlPClPKKE8DykaVRPCPPKKE8Dyn//2Q==',
	'base64',
);

const CRC_TABLE = buildCrcTable();

function buildCrcTable(): Uint32Array {
	const table = new Uint32Array(256);
	for (let n = 0; n < 256; n++) {
		let c = n;
		for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
		table[n] = c >>> 0;
	}
	return table;
}

/** CRC-32 (IEEE, as used by PNG chunks and zip). */
export function crc32(data: Buffer): number {
	let crc = 0xffffffff;
	for (const byte of data) crc = CRC_TABLE[(crc ^ byte) & 0xff] ^ (crc >>> 8);
	return (crc ^ 0xffffffff) >>> 0;
}

function pngChunk(type: string, data: Buffer): Buffer {
	const head = Buffer.alloc(8);
	head.writeUInt32BE(data.length, 0);
	head.write(type, 4, 'ascii');
	const crc = Buffer.alloc(4);
	// The CRC covers the chunk type and data, not the length.
	crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
	return Buffer.concat([head, data, crc]);
}

/** Encodes 8-bit RGB pixels (width*height*3 bytes, row-major) as a PNG. */
export function encodePng(width: number, height: number, rgb: Buffer, level = 6): Buffer {
	const stride = width * 3;
	const raw = Buffer.alloc((stride + 1) * height);
	for (let y = 0; y < height; y++) {
		// Filter byte 0 (None) starts every scanline.
		rgb.copy(raw, y * (stride + 1) + 1, y * stride, (y + 1) * stride);
	}
	const ihdr = Buffer.alloc(13);
	ihdr.writeUInt32BE(width, 0);
	ihdr.writeUInt32BE(height, 4);
	ihdr.set([8, 2, 0, 0, 0], 8); // bit depth 8, colour type RGB, default compression/filter, no interlace
	return Buffer.concat([
		PNG_SIGNATURE,
		pngChunk('IHDR', ihdr),
		pngChunk('IDAT', deflateSync(raw, { level })),
		pngChunk('IEND', Buffer.alloc(0)),
	]);
}

/** Side of the pictures the fake API draws: large enough to read the prompt, and ≥ 300 px as the API wants of reference images. */
export const PROMPT_IMAGE_SIZE = 512;

/** The hash of a prompt and image index: it picks the colours, so pictures differ even where their text would not. */
function promptSeed(prompt: string, index: number): Buffer {
	return createHash('sha256').update(`${prompt}\u0000${index}`).digest();
}

/** A size×size PNG with the prompt and image index written on it. */
export function promptPng(prompt: string, index: number, size = PROMPT_IMAGE_SIZE): Buffer {
	const { rgb } = drawPromptPicture(prompt, index, size, size, promptSeed(prompt, index));
	return encodePng(size, size, rgb);
}

/** A size×size JPEG with the prompt and image index written on it, and their hash in a comment. */
export function promptJpeg(prompt: string, index: number, size = PROMPT_IMAGE_SIZE): Buffer {
	const seed = promptSeed(prompt, index);
	const { rgb } = drawPromptPicture(prompt, index, size, size, seed);
	return encodeJpeg(size, size, rgb, 90, `kling-fake ${seed.toString('hex')}`);
}

/** Deterministic noise (xorshift32), so large images are incompressible yet reproducible. */
function noise(length: number, seed = 0x9e3779b9): Buffer {
	const out = Buffer.alloc(length);
	let s = seed >>> 0;
	for (let i = 0; i < length; i++) {
		s ^= s << 13;
		s ^= s >>> 17;
		s ^= s << 5;
		out[i] = s & 0xff;
	}
	return out;
}

/** A noise PNG of roughly `targetBytes` (stored deflate blocks, so size ≈ raw pixel bytes). */
export function largePng(targetBytes: number): Buffer {
	const width = 512;
	const rowBytes = width * 3 + 1;
	// Stored deflate adds ~5 bytes per 64 KiB block; chunks and headers add ~70.
	const payload = Math.max(rowBytes, targetBytes - 70 - Math.ceil(targetBytes / 65535) * 5);
	const height = Math.max(1, Math.round(payload / rowBytes));
	return encodePng(width, height, noise(width * height * 3), 0);
}

/** Inserts COM (comment) segments right after SOI: still a valid JPEG, just bigger. */
function jpegWithComments(comments: Buffer[]): Buffer {
	const segments = comments.map((body) => jpegSegment(0xfe, body));
	return Buffer.concat([TINY_JPEG.subarray(0, 2), ...segments, TINY_JPEG.subarray(2)]);
}

/** A JPEG of roughly `targetBytes`, padded with comment segments (each at most 65533 bytes). */
export function largeJpeg(targetBytes: number): Buffer {
	const comments: Buffer[] = [];
	let missing = targetBytes - TINY_JPEG.length;
	while (missing > 4) {
		const size = Math.min(65533, missing - 4);
		comments.push(noise(size, comments.length + 1));
		missing -= size + 4;
	}
	return jpegWithComments(comments);
}

export function promptImage(format: ImageFormat, prompt: string, index: number): Buffer {
	return format === 'png' ? promptPng(prompt, index) : promptJpeg(prompt, index);
}

export function largeImage(format: ImageFormat, targetBytes: number): Buffer {
	return format === 'png' ? largePng(targetBytes) : largeJpeg(targetBytes);
}
