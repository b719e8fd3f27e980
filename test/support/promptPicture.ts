/**
 * The picture the fake Kling API "generates": the prompt written large on a soft
 * gradient inside a frame, with the image index, so whoever opens a result sees
 * at once which prompt and which image it is. Raw RGB pixels; fakeImages.ts encodes them.
 */
import { GLYPH_HEIGHT, GLYPH_WIDTH, glyphRows, printable } from './pixelFont';

type Rgb = [number, number, number];

/** One glyph cell is the glyph plus a dot of letter spacing and a dot of line spacing (below the descenders). */
const GAP = 1;
const CELL_WIDTH = GLYPH_WIDTH + GAP;
const CELL_HEIGHT = GLYPH_HEIGHT + GAP;
const HEADER = 'fake Kling API';

export interface Box {
	x: number;
	y: number;
	width: number;
	height: number;
}

/** Where and how large the prompt is written: exposed so that tests can read the text back. */
export interface TextLayout {
	lines: string[];
	/** Pixels per font dot. */
	scale: number;
	/** Top-left corner of each line's first glyph. */
	origins: Array<{ x: number; y: number }>;
}

export interface PromptPicture {
	width: number;
	height: number;
	rgb: Buffer;
	prompt: TextLayout;
	label: TextLayout;
}

/** Colours from a seed (hash bytes): a pastel pair for the background, a deep shade for frame and text. */
interface Palette {
	from: Rgb;
	to: Rgb;
	frame: Rgb;
	ink: Rgb;
	muted: Rgb;
}

export function palette(seed: Uint8Array): Palette {
	const hue = ((seed[0] << 8) | seed[1]) % 360;
	const turn = 30 + (seed[2] % 60);
	return {
		from: hsl(hue, 0.6, 0.9),
		to: hsl(hue + turn, 0.55, 0.76),
		frame: hsl(hue + turn, 0.45, 0.38),
		ink: hsl(hue, 0.45, 0.16),
		muted: hsl(hue, 0.3, 0.36),
	};
}

function hsl(hue: number, saturation: number, lightness: number): Rgb {
	const chroma = (1 - Math.abs(2 * lightness - 1)) * saturation;
	const channel = (n: number) => {
		const k = (n + hue / 30) % 12;
		return Math.round(255 * (lightness - chroma / 2 * Math.max(-1, Math.min(k - 3, 9 - k, 1))));
	};
	return [channel(0), channel(8), channel(4)];
}

class Canvas {
	readonly rgb: Buffer;

	constructor(
		readonly width: number,
		readonly height: number,
	) {
		this.rgb = Buffer.alloc(width * height * 3);
	}

	/** A diagonal blend from the top-left colour to the bottom-right one. */
	gradient(from: Rgb, to: Rgb): void {
		const span = Math.max(1, this.width + this.height - 2);
		// One row of colours along the diagonal, then each pixel copies its entry.
		const ramp = Buffer.alloc((span + 1) * 3);
		for (let i = 0; i <= span; i++) {
			for (let c = 0; c < 3; c++) ramp[i * 3 + c] = Math.round(from[c] + ((to[c] - from[c]) * i) / span);
		}
		for (let y = 0; y < this.height; y++) ramp.copy(this.rgb, y * this.width * 3, y * 3, (y + this.width) * 3);
	}

	fill(box: Box, colour: Rgb): void {
		const x0 = Math.max(0, box.x);
		const x1 = Math.min(this.width, box.x + box.width);
		if (x1 <= x0) return;
		const row = Buffer.alloc((x1 - x0) * 3);
		for (let i = 0; i < row.length; i += 3) row.set(colour, i);
		for (let y = Math.max(0, box.y); y < Math.min(this.height, box.y + box.height); y++) {
			row.copy(this.rgb, (y * this.width + x0) * 3);
		}
	}

	/** A rectangle outline `thickness` pixels wide, drawn inside `box`. */
	outline(box: Box, thickness: number, colour: Rgb): void {
		const { x, y, width, height } = box;
		this.fill({ x, y, width, height: thickness }, colour);
		this.fill({ x, y: y + height - thickness, width, height: thickness }, colour);
		this.fill({ x, y, width: thickness, height }, colour);
		this.fill({ x: x + width - thickness, y, width: thickness, height }, colour);
	}

	text(layout: TextLayout, colour: Rgb): void {
		const { scale } = layout;
		layout.lines.forEach((line, i) => {
			const origin = layout.origins[i];
			Array.from(line).forEach((char, column) => {
				glyphRows(char).forEach((bits, row) => {
					for (let dot = 0; dot < GLYPH_WIDTH; dot++) {
						if (!(bits & (0x10 >> dot))) continue;
						const x = origin.x + (column * CELL_WIDTH + dot) * scale;
						this.fill({ x, y: origin.y + row * scale, width: scale, height: scale }, colour);
					}
				});
			});
		});
	}
}

/** Greedy word wrap at `columns` characters; words longer than a line are cut. */
export function wrap(text: string, columns: number): string[] {
	const lines: string[] = [];
	let line = '';
	for (let word of text.split(/\s+/).filter(Boolean)) {
		while (word.length > columns) {
			if (line) lines.push(line);
			lines.push(word.slice(0, columns));
			word = word.slice(columns);
			line = '';
		}
		if (!line) line = word;
		else if (line.length + 1 + word.length <= columns) line += ` ${word}`;
		else {
			lines.push(line);
			line = word;
		}
	}
	if (line) lines.push(line);
	return lines;
}

/** Lines centred in the box, one cell apart, at `scale`. */
function centred(lines: string[], scale: number, box: Box): TextLayout {
	const blockHeight = (lines.length * CELL_HEIGHT - GAP) * scale;
	const top = box.y + Math.floor((box.height - blockHeight) / 2);
	const origins = lines.map((line, i) => ({
		x: box.x + Math.floor((box.width - (line.length * CELL_WIDTH - GAP) * scale) / 2),
		y: top + i * CELL_HEIGHT * scale,
	}));
	return { lines, scale, origins };
}

/**
 * The largest scale at which the prompt fits the box without cutting a word; at the
 * smallest scale words may be cut, and what still does not fit ends in "...".
 */
export function layoutPrompt(prompt: string, box: Box, maxScale: number, minScale: number): TextLayout {
	const text = printable(prompt.trim()) || '(empty prompt)';
	const fit = (scale: number) => ({
		columns: Math.max(1, Math.floor((box.width + GAP * scale) / (CELL_WIDTH * scale))),
		rows: Math.max(1, Math.floor((box.height + GAP * scale) / (CELL_HEIGHT * scale))),
	});
	for (let scale = maxScale; scale > minScale; scale--) {
		const { columns, rows } = fit(scale);
		const lines = wrap(text, columns);
		const longestWord = Math.max(...text.split(/\s+/).map((word) => word.length));
		if (lines.length <= rows && longestWord <= columns) return centred(lines, scale, box);
	}
	const { columns, rows } = fit(minScale);
	const lines = wrap(text, columns);
	if (lines.length > rows) {
		lines.length = rows;
		lines[rows - 1] = `${lines[rows - 1].slice(0, Math.max(0, columns - 3))}...`;
	}
	return centred(lines, minScale, box);
}

/** Draws the picture for a prompt and image index, `width`×`height` pixels, in colours from `seed`. */
export function drawPromptPicture(prompt: string, index: number, width: number, height: number, seed: Uint8Array): PromptPicture {
	const colours = palette(seed);
	const canvas = new Canvas(width, height);
	canvas.gradient(colours.from, colours.to);

	const short = Math.min(width, height);
	const margin = Math.max(2, Math.round(short / 24));
	const thickness = Math.max(1, Math.round(short / 160));
	canvas.outline({ x: margin, y: margin, width: width - 2 * margin, height: height - 2 * margin }, thickness, colours.frame);

	// Header and label: small print, a band above and below the prompt.
	const small = Math.max(1, Math.floor(short / 200));
	const band = (CELL_HEIGHT + 1) * small;
	const inner: Box = { x: 2 * margin, y: 2 * margin, width: width - 4 * margin, height: height - 4 * margin };
	const header = centred([HEADER], small, { ...inner, height: band });
	const label = centred([`image index ${index}`], small, { ...inner, y: inner.y + inner.height - band, height: band });
	canvas.text(header, colours.muted);
	canvas.text(label, colours.muted);

	const textBox: Box = { ...inner, y: inner.y + 2 * band, height: inner.height - 4 * band };
	const text = layoutPrompt(prompt, textBox, Math.max(1, Math.floor(short / 64)), small);
	canvas.text(text, colours.ink);
	return { width, height, rgb: canvas.rgb, prompt: text, label };
}
