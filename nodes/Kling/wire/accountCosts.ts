import type { IDataObject } from 'n8n-workflow';

import { AnswerError } from './answers';
import { FieldError } from './fieldError';
import { textValue } from './validation';

/** Unix ms from what a date parameter or an expression gives: a date text, a number of ms, a Date or a Luxon DateTime. */
export function timeValue(field: string, value: unknown): number {
	if (value === undefined || value === null || value === '') throw new FieldError(field, 'is empty');
	if (typeof value === 'number' && Number.isFinite(value)) return Math.round(value);
	if (value instanceof Date && Number.isFinite(value.getTime())) return value.getTime();
	const toMillis = (value as { toMillis?: unknown }).toMillis;
	if (typeof toMillis === 'function') return Number(toMillis.call(value));
	const ms = Date.parse(textValue(field, value));
	if (!Number.isFinite(ms)) throw new FieldError(field, `is not a date: ${JSON.stringify(value)}`);
	return ms;
}

/**
 * The query of `GET /account/costs`. The API documents these as parameters of a path without
 * slots, so they go in the query string.
 */
export function buildCostsQuery(raw: { start: unknown; end: unknown; packName: unknown }): IDataObject {
	const start = timeValue('Start Time', raw.start);
	const end = timeValue('End Time', raw.end);
	if (end < start) throw new FieldError('End Time', 'is before Start Time');
	const query: IDataObject = { start_time: start, end_time: end };
	const packName = textValue('Resource Pack Name', raw.packName).trim();
	if (packName) query.resource_pack_name = packName;
	return query;
}

/** `data` of the costs answer: its own `code` and `msg` beside the resource packs. */
export interface AccountCosts {
	code: number;
	message?: string;
	packs: IDataObject[];
}

export function parseAccountCosts(body: unknown): AccountCosts {
	const data = (body as { data?: unknown } | null)?.data;
	if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new AnswerError('The Kling API answer has no "data" object');
	const { code, msg, resource_pack_subscribe_infos: packs } = data as Record<string, unknown>;
	if (packs !== undefined && !Array.isArray(packs)) throw new AnswerError('The Kling API answer has no list of resource packs');
	return {
		code: typeof code === 'number' ? code : 0,
		message: typeof msg === 'string' ? msg : undefined,
		packs: (packs ?? []) as IDataObject[],
	};
}
