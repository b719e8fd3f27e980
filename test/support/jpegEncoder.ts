/**
 * A small baseline JPEG encoder (JFIF, YCbCr 4:4:4, Huffman tables built per image),
 * so the fake API can serve real JPEG pictures without a dependency. Correct rather
 * than clever: a 512×512 picture takes a few tens of milliseconds.
 */

/** The example quantisation tables of the JPEG standard (Annex K), in row order. */
const LUMA_QUANT = [
	16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51, 87,
	80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92, 49, 64, 78, 87, 103, 121, 120, 101, 72, 92,
	95, 98, 112, 100, 103, 99,
];
const CHROMA_QUANT = Array.from({ length: 64 }, (_, i) => {
	const [row, col] = [i >> 3, i & 7];
	const corner = [[17, 18, 24, 47], [18, 21, 26, 66], [24, 26, 56, 99], [47, 66, 99, 99]];
	return row < 4 && col < 4 ? corner[row][col] : 99;
});

/** ZIGZAG[k] is the row-order position of the k-th coefficient in zigzag order. */
const ZIGZAG = buildZigzag();

function buildZigzag(): number[] {
	const order: number[] = [];
	for (let sum = 0; sum < 15; sum++) {
		const cells: number[] = [];
		for (let row = Math.max(0, sum - 7); row <= Math.min(7, sum); row++) cells.push(row * 8 + (sum - row));
		// Even diagonals run from bottom-left up to top-right, odd ones down.
		order.push(...(sum % 2 === 0 ? cells.reverse() : cells));
	}
	return order;
}

/** COS[u * 8 + x] = C(u)/2 · cos((2x+1)uπ/16): one pass of the separable 8-point DCT. */
const COS = Float64Array.from({ length: 64 }, (_, i) => {
	const [u, x] = [i >> 3, i & 7];
	return ((u === 0 ? Math.SQRT1_2 : 1) / 2) * Math.cos(((2 * x + 1) * u * Math.PI) / 16);
});

function scaledQuant(table: number[], quality: number): number[] {
	const factor = quality < 50 ? 5000 / quality : 200 - 2 * quality;
	return table.map((q) => Math.min(255, Math.max(1, Math.floor((q * factor + 50) / 100))));
}

/** Forward DCT and quantisation of one 8×8 block (level-shifted samples), written out in zigzag order. */
function quantisedDct(block: Float64Array, quant: number[], out: Int16Array, at: number, rows: Float64Array): void {
	for (let y = 0; y < 8; y++) {
		for (let u = 0; u < 8; u++) {
			let sum = 0;
			for (let x = 0; x < 8; x++) sum += COS[u * 8 + x] * block[y * 8 + x];
			rows[y * 8 + u] = sum;
		}
	}
	for (let k = 0; k < 64; k++) {
		const position = ZIGZAG[k];
		const v = position >> 3;
		const u = position & 7;
		let sum = 0;
		for (let y = 0; y < 8; y++) sum += COS[v * 8 + y] * rows[y * 8 + u];
		out[at + k] = Math.round(sum / quant[position]);
	}
}

/** Y, Cb and Cr planes (JFIF conversion), each padded to whole 8×8 blocks by repeating the edge. */
function componentBlocks(width: number, height: number, rgb: Buffer, quants: number[][]): { blocks: Int16Array[]; count: number } {
	const across = Math.ceil(width / 8);
	const down = Math.ceil(height / 8);
	const count = across * down;
	const blocks = [0, 1, 2].map(() => new Int16Array(count * 64));
	const [luma, blue, red] = [new Float64Array(64), new Float64Array(64), new Float64Array(64)];
	const rows = new Float64Array(64);
	for (let by = 0; by < down; by++) {
		for (let bx = 0; bx < across; bx++) {
			for (let i = 0; i < 64; i++) {
				const x = Math.min(width - 1, bx * 8 + (i & 7));
				const y = Math.min(height - 1, by * 8 + (i >> 3));
				const p = (y * width + x) * 3;
				const r = rgb[p];
				const g = rgb[p + 1];
				const b = rgb[p + 2];
				luma[i] = 0.299 * r + 0.587 * g + 0.114 * b - 128;
				blue[i] = -0.168736 * r - 0.331264 * g + 0.5 * b;
				red[i] = 0.5 * r - 0.418688 * g - 0.081312 * b;
			}
			const at = (by * across + bx) * 64;
			quantisedDct(luma, quants[0], blocks[0], at, rows);
			quantisedDct(blue, quants[1], blocks[1], at, rows);
			quantisedDct(red, quants[1], blocks[2], at, rows);
		}
	}
	return { blocks, count };
}

/** Bits needed for a coefficient's magnitude (its JPEG "category"). */
function category(value: number): number {
	let magnitude = Math.abs(value);
	let bits = 0;
	while (magnitude) {
		bits++;
		magnitude >>= 1;
	}
	return bits;
}

/** Receives each Huffman symbol of the scan (table 0–3: DC luma, AC luma, DC chroma, AC chroma) and its extra bits. */
type Emit = (table: number, symbol: number, extra: number, extraBits: number) => void;

/** Walks the scan in order: interleaved components, DC as a difference, AC as zero runs. */
function scan(blocks: Int16Array[], count: number, emit: Emit): void {
	const previousDc = [0, 0, 0];
	for (let block = 0; block < count; block++) {
		for (let c = 0; c < 3; c++) {
			const data = blocks[c];
			const at = block * 64;
			const [dcTable, acTable] = c === 0 ? [0, 1] : [2, 3];
			const diff = data[at] - previousDc[c];
			previousDc[c] = data[at];
			const size = category(diff);
			emit(dcTable, size, diff < 0 ? diff + (1 << size) - 1 : diff, size);
			let zeros = 0;
			for (let k = 1; k < 64; k++) {
				const value = data[at + k];
				if (value === 0) {
					zeros++;
					continue;
				}
				for (; zeros >= 16; zeros -= 16) emit(acTable, 0xf0, 0, 0);
				const bits = category(value);
				emit(acTable, (zeros << 4) | bits, value < 0 ? value + (1 << bits) - 1 : value, bits);
				zeros = 0;
			}
			if (zeros > 0) emit(acTable, 0x00, 0, 0); // end of block
		}
	}
}

interface HuffmanTable {
	/** counts[i]: codes of length i + 1 (i < 16). */
	counts: number[];
	symbols: number[];
	codes: Map<number, { code: number; length: number }>;
}

/**
 * An optimal table for the counted symbols, limited to 16-bit codes, never using the
 * all-ones code (the procedure of the JPEG standard, Annex K.2).
 */
function huffmanTable(frequencies: number[]): HuffmanTable {
	const freq = [...frequencies, 1]; // symbol 256 reserves the all-ones code
	const codeSize = new Array<number>(257).fill(0);
	const others = new Array<number>(257).fill(-1);
	for (;;) {
		let [c1, c2] = [-1, -1];
		for (let i = 0; i < 257; i++) {
			if (freq[i] === 0) continue;
			if (c1 < 0 || freq[i] <= freq[c1]) [c1, c2] = [i, c1];
			else if (c2 < 0 || freq[i] <= freq[c2]) c2 = i;
		}
		if (c2 < 0) break;
		freq[c1] += freq[c2];
		freq[c2] = 0;
		for (let i = c1; ; i = others[i]) {
			codeSize[i]++;
			if (others[i] < 0) {
				others[i] = c2;
				break;
			}
		}
		for (let i = c2; i >= 0; i = others[i]) codeSize[i]++;
	}
	const bits = new Array<number>(33).fill(0);
	for (const size of codeSize) if (size) bits[size]++;
	for (let i = 32; i > 16; i--) {
		while (bits[i] > 0) {
			let j = i - 2;
			while (bits[j] === 0) j--;
			bits[i] -= 2;
			bits[i - 1]++;
			bits[j + 1] += 2;
			bits[j]--;
		}
	}
	let longest = 16;
	while (bits[longest] === 0) longest--;
	bits[longest]--; // drop the reserved symbol's code
	const symbols: number[] = [];
	for (let size = 1; size <= 32; size++) for (let s = 0; s < 256; s++) if (codeSize[s] === size) symbols.push(s);
	return { counts: bits.slice(1, 17), symbols, codes: canonicalCodes(bits.slice(1, 17), symbols) };
}

/** Codes in order of length, each one more than the last, shifted left as lengths grow. */
function canonicalCodes(counts: number[], symbols: number[]): HuffmanTable['codes'] {
	const codes: HuffmanTable['codes'] = new Map();
	let code = 0;
	let next = 0;
	counts.forEach((count, i) => {
		for (let n = 0; n < count; n++) codes.set(symbols[next++], { code: code++, length: i + 1 });
		code <<= 1;
	});
	return codes;
}

/** Entropy-coded bytes, with a zero byte stuffed after every 0xFF. */
class BitWriter {
	private readonly bytes: number[] = [];
	private buffer = 0;
	private filled = 0;

	write(value: number, length: number): void {
		for (let bit = length - 1; bit >= 0; bit--) {
			this.buffer = (this.buffer << 1) | ((value >> bit) & 1);
			if (++this.filled === 8) this.flushByte();
		}
	}

	/** Pads the last byte with one-bits, as the standard asks. */
	finish(): Buffer {
		if (this.filled > 0) this.write(0xff, 8 - this.filled);
		return Buffer.from(this.bytes);
	}

	private flushByte(): void {
		this.bytes.push(this.buffer);
		if (this.buffer === 0xff) this.bytes.push(0);
		this.buffer = 0;
		this.filled = 0;
	}
}

/** A marker segment: 0xFF, the marker, a 16-bit length that counts itself, the body (at most 65533 bytes). */
export function jpegSegment(marker: number, body: number[] | Buffer): Buffer {
	const head = Buffer.from([0xff, marker, 0, 0]);
	head.writeUInt16BE(body.length + 2, 2);
	return Buffer.concat([head, Buffer.from(body)]);
}

function headerSegments(width: number, height: number, quants: number[][], tables: HuffmanTable[], comment: string): Buffer[] {
	const jfif = [0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0]; // "JFIF\0", version 1.01, aspect 1:1, no thumbnail
	const dqt = quants.flatMap((table, id) => [id, ...ZIGZAG.map((position) => table[position])]);
	const sof = [8, height >> 8, height & 0xff, width >> 8, width & 0xff, 3, 1, 0x11, 0, 2, 0x11, 1, 3, 0x11, 1];
	const tableIds = [0x00, 0x10, 0x01, 0x11]; // DC luma, AC luma, DC chroma, AC chroma
	const dht = tables.flatMap((table, i) => [tableIds[i], ...table.counts, ...table.symbols]);
	const sos = [3, 1, 0x00, 2, 0x11, 3, 0x11, 0, 63, 0];
	return [
		jpegSegment(0xe0, jfif),
		...(comment ? [jpegSegment(0xfe, Buffer.from(comment, 'latin1'))] : []),
		jpegSegment(0xdb, dqt),
		jpegSegment(0xc0, sof),
		jpegSegment(0xc4, dht),
		jpegSegment(0xda, sos),
	];
}

/** Encodes 8-bit RGB pixels (width*height*3 bytes, row-major) as a baseline JPEG; `comment` goes into a COM segment. */
export function encodeJpeg(width: number, height: number, rgb: Buffer, quality = 90, comment = ''): Buffer {
	if (width < 1 || height < 1 || width > 0xffff || height > 0xffff) throw new RangeError(`cannot encode a ${width}×${height} JPEG`);
	const quants = [scaledQuant(LUMA_QUANT, quality), scaledQuant(CHROMA_QUANT, quality)];
	const { blocks, count } = componentBlocks(width, height, rgb, quants);
	const frequencies = [0, 1, 2, 3].map(() => new Array<number>(256).fill(0));
	scan(blocks, count, (table, symbol) => frequencies[table][symbol]++);
	const tables = frequencies.map(huffmanTable);
	const writer = new BitWriter();
	scan(blocks, count, (table, symbol, extra, extraBits) => {
		const { code, length } = tables[table].codes.get(symbol)!;
		writer.write(code, length);
		writer.write(extra, extraBits);
	});
	const soi = Buffer.from([0xff, 0xd8]);
	const eoi = Buffer.from([0xff, 0xd9]);
	return Buffer.concat([soi, ...headerSegments(width, height, quants, tables, comment), writer.finish(), eoi]);
}
