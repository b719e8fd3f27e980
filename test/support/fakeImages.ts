/**
 * Real, decodable image bytes for the fake Kling server: PNGs drawn from the
 * prompt (so different prompts give different pictures), a tiny real JPEG, and
 * large "about N bytes" variants for benchmarks. Node built-ins only.
 */
import { createHash } from 'node:crypto';
import { deflateSync } from 'node:zlib';

export type ImageFormat = 'png' | 'jpeg';

export const MIME_TYPES: Record<ImageFormat, string> = { png: 'image/png', jpeg: 'image/jpeg' };
export const EXTENSIONS: Record<ImageFormat, string> = { png: 'png', jpeg: 'jpg' };

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** 16×16 baseline JPEG (a red→blue gradient), made with ImageMagick: `-strip -quality 85`. */
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

/** A size×size PNG whose colours and stripes derive from a hash of the prompt and index. */
export function promptPng(prompt: string, index: number, size = 64): Buffer {
	const seed = createHash('sha256').update(`${prompt}\u0000${index}`).digest();
	const from = [seed[0], seed[1], seed[2]];
	const to = [seed[3], seed[4], seed[5]];
	const stripe = 4 + (seed[6] % 12);
	const rgb = Buffer.alloc(size * size * 3);
	for (let y = 0; y < size; y++) {
		for (let x = 0; x < size; x++) {
			const t = (x + y) / (2 * (size - 1));
			const dark = Math.floor((x + index * 3) / stripe) % 2 === 0 ? 1 : 0.8;
			for (let c = 0; c < 3; c++) {
				rgb[(y * size + x) * 3 + c] = Math.round((from[c] * (1 - t) + to[c] * t) * dark);
			}
		}
	}
	return encodePng(size, size, rgb);
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

/** Inserts COM (comment) segments right after SOI: still a valid JPEG, just bigger or distinct. */
function jpegWithComments(comments: Buffer[]): Buffer {
	const segments = comments.map((body) => {
		const head = Buffer.from([0xff, 0xfe, 0, 0]);
		head.writeUInt16BE(body.length + 2, 2);
		return Buffer.concat([head, body]);
	});
	return Buffer.concat([TINY_JPEG.subarray(0, 2), ...segments, TINY_JPEG.subarray(2)]);
}

/** The tiny JPEG tagged with a prompt hash comment, so bytes differ per prompt and index. */
export function promptJpeg(prompt: string, index: number): Buffer {
	const tag = createHash('sha256').update(`${prompt}\u0000${index}`).digest('hex');
	return jpegWithComments([Buffer.from(`kling-fake ${tag}`, 'ascii')]);
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
