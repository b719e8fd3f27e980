import { FieldError } from './fieldError';

/**
 * One numeric parameter, declared once: its UI property (see parameters/), the value used when it
 * is absent, and the check of what an item or an expression gives it all come from here, so they
 * cannot drift apart.
 */
export interface NumberSpec {
	name: string;
	displayName: string;
	default: number;
	min: number;
	max: number;
	integer?: boolean;
	/** Decimal places the editor shows. */
	precision?: number;
	description: string;
}

/** A number from `min` to `max` (text that is a number counts), or a FieldError naming the field. */
export function numberIn(field: string, value: unknown, min: number, max: number, integer: boolean): number {
	const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
	if (typeof number !== 'number' || !Number.isFinite(number)) {
		throw new FieldError(field, `must be a number from ${min} to ${max}, got ${JSON.stringify(value)}`);
	}
	if (integer && !Number.isInteger(number)) {
		throw new FieldError(field, `must be a whole number from ${min} to ${max}, got ${number}`);
	}
	if (number < min || number > max) {
		throw new FieldError(field, `must be from ${min} to ${max}, got ${number}`);
	}
	return number;
}

/** The value as given (or the default when it is absent), checked against the range the editor shows. */
export function checkNumber(spec: NumberSpec, value: unknown): number {
	const given = value === undefined || value === null || value === '' ? spec.default : value;
	return numberIn(spec.displayName, given, spec.min, spec.max, spec.integer ?? false);
}

/** Expand's four margins, each a multiple of the original's height (up, down) or width (left, right). */
function expansionRatios() {
	const ratio = (side: 'up' | 'down' | 'left' | 'right', of: 'height' | 'width') => ({
		name: `${side}ExpansionRatio`,
		displayName: `${side[0].toUpperCase()}${side.slice(1)} Expansion`,
		default: 0,
		min: 0,
		max: 2,
		precision: 2,
		description: `New content ${side === 'up' ? 'above' : side === 'down' ? 'below' : `to the ${side}`}, as a multiple of the image's ${of}, from 0 to 2`,
	});
	return {
		upExpansionRatio: ratio('up', 'height'),
		downExpansionRatio: ratio('down', 'height'),
		leftExpansionRatio: ratio('left', 'width'),
		rightExpansionRatio: ratio('right', 'width'),
	};
}

/** The API's own numeric parameters (Kling documents these ranges). */
export const API_NUMBERS = {
	n: { name: 'n', displayName: 'Number of Images', default: 1, min: 1, max: 9, integer: true, description: 'How many images to generate for each input item, from 1 to 9' },
	imageFidelity: {
		name: 'imageFidelity',
		displayName: 'Image Fidelity',
		default: 0.5,
		min: 0,
		max: 1,
		precision: 2,
		description: 'How strongly the reference image steers the result, from 0 to 1',
	},
	humanFidelity: {
		name: 'humanFidelity',
		displayName: 'Human Fidelity',
		default: 0.45,
		min: 0,
		max: 1,
		precision: 2,
		description: 'How closely people keep the look of the reference subject, from 0 to 1',
	},
	seriesAmount: {
		name: 'seriesAmount',
		displayName: 'Series Amount',
		default: 4,
		min: 2,
		max: 9,
		integer: true,
		description: 'How many images the series holds, from 2 to 9, or Auto to let Kling choose',
	},
	...expansionRatios(),
	pageNum: { name: 'pageNum', displayName: 'Page', default: 1, min: 1, max: 1000, integer: true, description: 'Which page of tasks to return, newest first' },
	pageSize: { name: 'pageSize', displayName: 'Page Size', default: 30, min: 1, max: 500, integer: true, description: 'How many tasks a page holds' },
} satisfies Record<string, NumberSpec>;
