/**
 * The fake API's pictures: valid PNG and JPEG files whose text can be read back
 * from the decoded pixels, dot by dot, with the font that drew it.
 */
import { inflateSync } from 'node:zlib';

import { PROMPT_IMAGE_SIZE, promptJpeg, promptPng } from './fakeImages';
import { GLYPH_HEIGHT, GLYPH_WIDTH, glyphRows, printable } from './pixelFont';
import { drawPromptPicture, layoutPrompt, wrap } from './promptPicture';
import type { TextLayout } from './promptPicture';

interface Pixels {
	width: number;
	height: number;
	rgb: Buffer;
}

const PRINTABLE_ASCII = Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i));

/** PNG chunks, inflated and unfiltered (the encoder writes filter type 0 only, which this checks). */
function decodePng(bytes: Buffer): Pixels {
	expect(bytes.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
	const idat: Buffer[] = [];
	for (let at = 8; at < bytes.length; at += 12 + bytes.readUInt32BE(at)) {
		if (bytes.toString('ascii', at + 4, at + 8) === 'IDAT') idat.push(bytes.subarray(at + 8, at + 8 + bytes.readUInt32BE(at)));
	}
	const [width, height] = [bytes.readUInt32BE(16), bytes.readUInt32BE(20)];
	const raw = inflateSync(Buffer.concat(idat));
	const rgb = Buffer.alloc(width * height * 3);
	for (let y = 0; y < height; y++) {
		expect(raw[y * (width * 3 + 1)]).toBe(0);
		raw.copy(rgb, y * width * 3, y * (width * 3 + 1) + 1, (y + 1) * (width * 3 + 1));
	}
	return { width, height, rgb };
}

/** The JPEG's marker segments up to the scan, and the entropy-coded data after it. */
function jpegSegments(bytes: Buffer): { segments: Array<{ marker: number; body: Buffer }>; scan: Buffer } {
	expect(bytes.readUInt16BE(0)).toBe(0xffd8);
	const segments: Array<{ marker: number; body: Buffer }> = [];
	let at = 2;
	for (;;) {
		expect(bytes[at]).toBe(0xff);
		const marker = bytes[at + 1];
		const length = bytes.readUInt16BE(at + 2);
		segments.push({ marker, body: bytes.subarray(at + 4, at + 2 + length) });
		at += 2 + length;
		if (marker === 0xda) break;
	}
	expect(bytes.readUInt16BE(bytes.length - 2)).toBe(0xffd9);
	return { segments, scan: bytes.subarray(at, bytes.length - 2) };
}

/**
 * A minimal baseline decoder for what the encoder writes (3 components, 4:4:4, one scan):
 * Huffman decoding, dequantisation, inverse DCT and YCbCr → RGB.
 */
function decodeJpeg(bytes: Buffer): Pixels {
	const { segments, scan } = jpegSegments(bytes);
	const body = (marker: number) => segments.find((segment) => segment.marker === marker)!.body;
	const sof = body(0xc0);
	const [height, width] = [sof.readUInt16BE(1), sof.readUInt16BE(3)];
	expect([sof[0], sof[5]]).toEqual([8, 3]);
	const dqt = body(0xdb);
	const quant = [dqt.subarray(1, 65), dqt.subarray(66, 130)];
	const tables = new Map<number, Map<string, number>>();
	const dht = body(0xc4);
	for (let at = 0; at < dht.length; ) {
		const counts = [...dht.subarray(at + 1, at + 17)];
		const codes = new Map<string, number>();
		let [code, next] = [0, at + 17];
		counts.forEach((count, i) => {
			for (let n = 0; n < count; n++) codes.set((code++).toString(2).padStart(i + 1, '0'), dht[next++]);
			code <<= 1;
		});
		tables.set(dht[at], codes);
		at = next;
	}
	// Unstuff FF00 and check that no other marker hides in the scan.
	const data: number[] = [];
	for (let i = 0; i < scan.length; i++) {
		data.push(scan[i]);
		if (scan[i] === 0xff) expect(scan[++i]).toBe(0);
	}
	let bitAt = 0;
	const bit = () => (data[bitAt >> 3] >> (7 - (bitAt++ & 7))) & 1;
	const receive = (n: number) => {
		let value = 0;
		for (let i = 0; i < n; i++) value = (value << 1) | bit();
		return n && value < 1 << (n - 1) ? value - (1 << n) + 1 : value;
	};
	const symbol = (table: Map<string, number>) => {
		let code = '';
		while (code.length <= 16) {
			code += bit();
			const found = table.get(code);
			if (found !== undefined) return found;
		}
		throw new Error(`no Huffman code at bit ${bitAt}`);
	};
	const zigzag = zigzagOrder();
	const across = Math.ceil(width / 8);
	const planes = [0, 1, 2].map(() => new Float64Array(across * 8 * Math.ceil(height / 8) * 8));
	const dc = [0, 0, 0];
	for (let block = 0; block < across * Math.ceil(height / 8); block++) {
		for (let c = 0; c < 3; c++) {
			const coefficients = new Float64Array(64);
			dc[c] += receive(symbol(tables.get(c === 0 ? 0x00 : 0x01)!));
			coefficients[0] = dc[c] * quant[c === 0 ? 0 : 1][0];
			for (let k = 1; k < 64; k++) {
				const rs = symbol(tables.get(c === 0 ? 0x10 : 0x11)!);
				if (rs === 0) break;
				k += rs >> 4;
				if ((rs & 15) === 0) continue; // sixteen zeros
				coefficients[zigzag[k]] = receive(rs & 15) * quant[c === 0 ? 0 : 1][k];
			}
			inverseDct(coefficients, planes[c], across * 8, (block % across) * 8, Math.floor(block / across) * 8);
		}
	}
	const rgb = Buffer.alloc(width * height * 3);
	for (let y = 0; y < height; y++) {
		for (let x = 0; x < width; x++) {
			const i = y * across * 8 + x;
			const [luma, cb, cr] = [planes[0][i] + 128, planes[1][i], planes[2][i]];
			rgb.set([luma + 1.402 * cr, luma - 0.344136 * cb - 0.714136 * cr, luma + 1.772 * cb].map((v) => Math.max(0, Math.min(255, Math.round(v)))), (y * width + x) * 3);
		}
	}
	return { width, height, rgb };
}

/** The zigzag scan as the standard draws it (Figure A.6), written out independently of the encoder. */
function zigzagOrder(): number[] {
	return [
		0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28,
		35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55,
		62, 63,
	];
}

/** BASIS[x * 8 + u] = C(u) · cos((2x+1)uπ/16), the inverse DCT's basis (A.3.3). */
const BASIS = Float64Array.from({ length: 64 }, (_, i) => ((i & 7) === 0 ? Math.SQRT1_2 : 1) * Math.cos(((2 * (i >> 3) + 1) * (i & 7) * Math.PI) / 16));

function inverseDct(coefficients: Float64Array, plane: Float64Array, stride: number, left: number, top: number): void {
	for (let y = 0; y < 8; y++) {
		for (let x = 0; x < 8; x++) {
			let sum = 0;
			for (let v = 0; v < 8; v++) {
				for (let u = 0; u < 8; u++) sum += BASIS[x * 8 + u] * BASIS[y * 8 + v] * coefficients[v * 8 + u];
			}
			plane[(top + y) * stride + left + x] = sum / 4;
		}
	}
}

/** Reads the text of a layout back from the pixels: each dot's centre is ink when dark, each cell the glyph with those dots. */
function readText(pixels: Pixels, layout: TextLayout, lineCount = layout.lines.length): string[] {
	const dark = (x: number, y: number) => {
		const p = (y * pixels.width + x) * 3;
		return 0.299 * pixels.rgb[p] + 0.587 * pixels.rgb[p + 1] + 0.114 * pixels.rgb[p + 2] < 128;
	};
	const glyphs = new Map(PRINTABLE_ASCII.map((char) => [glyphRows(char).join(','), char]));
	const { scale } = layout;
	return layout.lines.slice(0, lineCount).map((line, i) => {
		const { x, y } = layout.origins[i];
		return Array.from(line, (_, column) => {
			const rows = Array.from({ length: GLYPH_HEIGHT }, (__, row) => {
				let bits = 0;
				for (let dot = 0; dot < GLYPH_WIDTH; dot++) {
					const centreX = x + (column * (GLYPH_WIDTH + 1) + dot) * scale + (scale >> 1);
					if (dark(centreX, y + row * scale + (scale >> 1))) bits |= 0x10 >> dot;
				}
				return bits;
			});
			return glyphs.get(rows.join(',')) ?? '\u0000';
		}).join('');
	});
}

/** Where promptPng/promptJpeg put the prompt and the label (the layout does not depend on the colours). */
function layoutOf(prompt: string, index: number, size = PROMPT_IMAGE_SIZE): { prompt: TextLayout; label: TextLayout } {
	return drawPromptPicture(prompt, index, size, size, new Uint8Array(32));
}

describe('pixel font', () => {
	test('has a distinct glyph for every printable ASCII character, and "?" for the rest', () => {
		const shapes = new Set(PRINTABLE_ASCII.map((char) => glyphRows(char).join(',')));
		expect(shapes.size).toBe(95);
		for (const char of PRINTABLE_ASCII) expect(glyphRows(char).every((row) => row >= 0 && row < 32)).toBe(true);
		expect(printable('Café ☕ ok\t')).toBe('Caf? ? ok?');
		expect(glyphRows('é')).toEqual(glyphRows('?'));
	});
});

describe('prompt layout', () => {
	test('wraps at word boundaries and cuts only words longer than a line', () => {
		expect(wrap('a red fox  asleep in fresh snow', 10)).toEqual(['a red fox', 'asleep in', 'fresh snow']);
		expect(wrap('abcdefghijklmnop qr', 6)).toEqual(['abcdef', 'ghijkl', 'mnop', 'qr']);
	});

	test('writes short prompts large and long ones smaller, ending what does not fit in "..."', () => {
		const box = { x: 0, y: 0, width: 400, height: 300 };
		const short = layoutPrompt('a blue whale', box, 8, 2);
		const long = layoutPrompt('A lighthouse on a cliff at dawn, oil painting', box, 8, 2);
		expect(short.scale).toBeGreaterThan(long.scale);
		const huge = layoutPrompt('word '.repeat(2000), box, 8, 2);
		expect(huge.scale).toBe(2);
		expect(huge.lines.at(-1)).toMatch(/\.\.\.$/);
		expect(huge.lines.length * 10 * 2).toBeLessThanOrEqual(box.height + 2);
	});
});

describe('promptPng', () => {
	test('is a 512×512 PNG with the prompt and the image index legible in it', () => {
		const prompt = 'A red fox asleep in fresh snow, watercolour';
		const pixels = decodePng(promptPng(prompt, 2));
		expect([pixels.width, pixels.height]).toEqual([PROMPT_IMAGE_SIZE, PROMPT_IMAGE_SIZE]);
		const layout = layoutOf(prompt, 2);
		expect(layout.prompt.scale).toBeGreaterThanOrEqual(4); // 20 px letters and more
		expect(readText(pixels, layout.prompt).join(' ')).toBe(prompt);
		expect(readText(pixels, layout.label)).toEqual(['image index 2']);
	});

	test('writes characters outside the font as "?", and honours a smaller size', () => {
		const pixels = decodePng(promptPng('Café 🦊', 0, 320));
		expect(pixels.width).toBe(320);
		expect(readText(pixels, layoutOf('Café 🦊', 0, 320).prompt)).toEqual(['Caf? ?']);
	});

	test('is the same for the same prompt and index, and differs otherwise', () => {
		expect(promptPng('a blue whale', 1).equals(promptPng('a blue whale', 1))).toBe(true);
		expect(promptPng('a blue whale', 1).equals(promptPng('a blue whale', 0))).toBe(false);
		expect(promptPng('a blue whale', 1).equals(promptPng('a blue whale!', 1))).toBe(false);
	});
});

describe('promptJpeg', () => {
	test('is a baseline JFIF JPEG that decodes to the picture, prompt legible', () => {
		const prompt = 'A tiny robot watering plants on a city balcony';
		const bytes = promptJpeg(prompt, 1);
		const { segments } = jpegSegments(bytes);
		expect(segments.map((segment) => segment.marker)).toEqual([0xe0, 0xfe, 0xdb, 0xc0, 0xc4, 0xda]);
		expect(segments[0].body.toString('latin1', 0, 5)).toBe('JFIF\u0000');
		expect(bytes.length).toBeLessThan(200 * 1024);

		const pixels = decodeJpeg(bytes);
		expect([pixels.width, pixels.height]).toEqual([PROMPT_IMAGE_SIZE, PROMPT_IMAGE_SIZE]);
		const layout = layoutOf(prompt, 1);
		expect(readText(pixels, layout.prompt).join(' ')).toBe(prompt);
		expect(readText(pixels, layout.label)).toEqual(['image index 1']);
		// Close to the PNG's exact pixels: JPEG loses a little, not the picture.
		const exact = decodePng(promptPng(prompt, 1)).rgb;
		let error = 0;
		for (let i = 0; i < exact.length; i++) error += Math.abs(exact[i] - pixels.rgb[i]);
		expect(error / exact.length).toBeLessThan(4);
	});

	test('encodes sizes that are not whole 8×8 blocks', () => {
		const pixels = decodeJpeg(promptJpeg('odd', 0, 301));
		expect([pixels.width, pixels.height]).toEqual([301, 301]);
		expect(readText(pixels, layoutOf('odd', 0, 301).prompt)).toEqual(['odd']);
	});
});
