import { FieldError } from './fieldError';

/**
 * Element ids are 64-bit integers ("long"): beyond what a JavaScript number holds exactly. They
 * stay text from the editor to the request, and are checked to be digits only.
 */
export function elementIdOf(field: string, value: unknown): string {
	if (typeof value === 'number') {
		if (!Number.isSafeInteger(value)) {
			throw new FieldError(field, `holds the number ${value}, which has lost digits: give element ids as text`);
		}
		return String(value);
	}
	const id = typeof value === 'string' ? value.trim() : '';
	if (!/^\d{1,30}$/.test(id)) throw new FieldError(field, `must be an element id (digits only), got ${JSON.stringify(value)}`);
	return id;
}

/**
 * The element ids of an item: a list of ids, or of the Elements parameter's entries (`{ id: { value } }`,
 * a resource locator each), or one text with ids separated by commas. Empty entries are skipped.
 */
export function elementIdList(field: string, value: unknown): string[] {
	if (value === undefined || value === null || value === '') return [];
	const entries = Array.isArray(value) ? value : typeof value === 'string' ? value.split(',') : [value];
	const ids: string[] = [];
	for (const [position, entry] of entries.entries()) {
		const inner = typeof entry === 'object' && entry !== null && 'id' in entry ? (entry as { id: unknown }).id : entry;
		const id = typeof inner === 'object' && inner !== null && 'value' in inner ? (inner as { value: unknown }).value : inner;
		if (id === '' || id === undefined || id === null || (typeof id === 'string' && id.trim() === '')) continue;
		ids.push(elementIdOf(entries.length > 1 ? `${field} ${position + 1}` : field, id));
	}
	return ids;
}
