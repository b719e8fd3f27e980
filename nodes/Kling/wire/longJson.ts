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
