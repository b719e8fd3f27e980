import { buildCostsQuery, parseAccountCosts, timeValue } from '../../../../nodes/Kling/wire/accountCosts';

describe('account costs', () => {
	it('takes a date text, Unix ms, a Date or anything with toMillis', () => {
		const ms = Date.parse('2026-11-01T00:00:00Z');
		for (const value of ['2026-11-01T00:00:00Z', ms, new Date(ms), { toMillis: () => ms }]) expect(timeValue('Start Time', value)).toBe(ms);
		expect(() => timeValue('Start Time', 'soon')).toThrow('"Start Time" is not a date: "soon"');
	});

	it('builds the query, the pack name only when given', () => {
		expect(buildCostsQuery({ start: 1000, end: 2000, packName: '  ' })).toEqual({ start_time: 1000, end_time: 2000 });
		expect(buildCostsQuery({ start: 1000, end: 1000, packName: 'P' })).toEqual({ start_time: 1000, end_time: 1000, resource_pack_name: 'P' });
		expect(() => buildCostsQuery({ start: 2000, end: 1000, packName: '' })).toThrow('"End Time" is before Start Time');
	});

	it('reads the inner code beside the packs', () => {
		expect(parseAccountCosts({ code: 0, data: { code: 1, msg: 'no', resource_pack_subscribe_infos: [] } })).toEqual({ code: 1, message: 'no', packs: [] });
		expect(() => parseAccountCosts({ code: 0, data: [] })).toThrow('no "data" object');
	});
});
