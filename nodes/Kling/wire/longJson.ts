/**
 * JSON.parse that keeps long integers. Kling writes some ids (element ids) as bare JSON numbers
 * beyond 2^53, which JSON.parse rounds: 860321453218791424123 becomes 860321453218791400000, a
 * different element. Here every integer literal outside the safe range is read as its digit
 * string instead; everything else parses as JSON.parse parses it.
 */
export function parseJsonKeepingLongs(text: string): unknown {
	// Sixteen digits in a row is the least an unsafe integer needs; most answers have none outside strings.
	if (!/\d{16}/.test(text)) return JSON.parse(text);
	return JSON.parse(quoteLongIntegers(text));
}

const NUMBER = /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/** The text with each unsafe integer literal (outside strings) put in quotes. */
export function quoteLongIntegers(text: string): string {
	let out = '';
	let copiedUpTo = 0;
	let at = 0;
	while (at < text.length) {
		const char = text[at];
		if (char === '"') {
			at = endOfString(text, at);
			continue;
		}
		if (char === '-' || (char >= '0' && char <= '9')) {
			NUMBER.lastIndex = at;
			const match = NUMBER.exec(text);
			if (!match) return text; // not JSON: JSON.parse will say so
			const token = match[0];
			if (/^-?\d+$/.test(token) && !Number.isSafeInteger(Number(token))) {
				out += `${text.slice(copiedUpTo, at)}"${token}"`;
				copiedUpTo = at + token.length;
			}
			at += token.length;
			continue;
		}
		at++;
	}
	return out + text.slice(copiedUpTo);
}

/** The index just past the string that starts at `start` (a `"`), escapes included. */
function endOfString(text: string, start: number): number {
	let at = start + 1;
	while (at < text.length) {
		if (text[at] === '\\') at += 2;
		else if (text[at] === '"') return at + 1;
		else at++;
	}
	return at;
}

/** Fields whose digit-string values are ids Kling reads as longs: they go on the wire as bare integers. */
export const BARE_ID_FIELDS: readonly string[] = ['element_id'];

const BARE_DIGITS = /^(0|[1-9]\d*)$/;
/** Marks an id within one JSON.stringify pass; JSON writes the NUL as the six characters `\u0000`. */
const ID_MARK = '\u0000bare-id:';
const MARKED_ID = /"\\u0000bare-id:(\d+)"/g;

/**
 * JSON.stringify for request bodies, except that a `BARE_ID_FIELDS` field holding digits as text
 * (no leading zero) is written as a bare integer, digit for digit: Kling refuses a quoted element id, and a JavaScript
 * number would lose the last digits of a long. Everything else is written as JSON.stringify writes it.
 */
export function stringifyWithBareIds(value: unknown, fields: readonly string[] = BARE_ID_FIELDS): string {
	// One JSON.stringify pass, with each id marked; a body of large images is not copied again.
	let marked = 0;
	const text = JSON.stringify(value, (key, entry: unknown) => {
		if (!fields.includes(key) || typeof entry !== 'string' || !BARE_DIGITS.test(entry)) return entry;
		marked++;
		return `${ID_MARK}${entry}`;
	}) as string | undefined;
	if (text === undefined) return 'null';
	if (marked === 0) return text;
	let replaced = 0;
	const bare = text.replace(MARKED_ID, (_match, digits: string) => {
		replaced++;
		return digits;
	});
	// A string of the body's own that looked like a mark: write it the slow, exact way.
	return replaced === marked ? bare : (write(value, fields) ?? 'null');
}

function write(value: unknown, fields: readonly string[]): string | undefined {
	if (Array.isArray(value)) return `[${value.map((entry) => write(entry, fields) ?? 'null').join(',')}]`;
	if (typeof value !== 'object' || value === null || typeof (value as { toJSON?: unknown }).toJSON === 'function') {
		return JSON.stringify(value) as string | undefined;
	}
	const members: string[] = [];
	for (const [key, entry] of Object.entries(value)) {
		const written = fields.includes(key) && typeof entry === 'string' && BARE_DIGITS.test(entry) ? entry : write(entry, fields);
		if (written !== undefined) members.push(`${JSON.stringify(key)}:${written}`);
	}
	return `{${members.join(',')}}`;
}
