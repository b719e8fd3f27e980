import { startFakeKlingOfficialServer } from '../../../../support/fakeKlingOfficialServer';
import type { FakeKlingOfficialServer } from '../../../../support/fakeKlingOfficialServer';
import { runKling, runKlingOfficial } from '../../kling.harness';

let server: FakeKlingOfficialServer;

beforeAll(async () => {
	server = await startFakeKlingOfficialServer();
});
afterEach(() => server.clear());
afterAll(async () => await server.close());

const period = { resource: 'account', operation: 'getCosts', startTime: '2026-11-01T00:00:00Z', endTime: '2026-11-26T00:00:00Z' };
const start = String(Date.parse(period.startTime));
const end = String(Date.parse(period.endTime));

/** The fake allows one costs call a second; each test starts after the last one's second. */
beforeEach(async () => await new Promise((resolve) => setTimeout(resolve, 1000)));

describe('Account → Get Costs', () => {
	it('outputs one item per resource pack, asking for the period in Unix ms', async () => {
		const { items, error } = await runKlingOfficial({ server, parameters: period });
		expect(error).toBeUndefined();
		expect(server.costsQueries).toEqual([{ start_time: start, end_time: end }]);
		expect(items.map((item) => [item.json.resource_pack_name, item.json.remaining_quantity, item.json.status, item.pairedItem])).toEqual([
			['Image Trial Pack', 187.5, 'online', { item: 0 }],
			['Monthly Pack', 1000, 'expired', { item: 0 }],
		]);
	});

	it('asks for one pack by name', async () => {
		const { items } = await runKlingOfficial({ server, parameters: { ...period, resourcePackName: 'Monthly Pack' } });
		expect(server.costsQueries).toEqual([{ start_time: start, end_time: end, resource_pack_name: 'Monthly Pack' }]);
		expect(items.map((item) => item.json.resource_pack_id)).toEqual(['pack-2']);
	});

	it('a second item within the second waits for the once-a-second limit', async () => {
		const { items, error } = await runKlingOfficial({ server, items: [{ json: {} }, { json: {} }], parameters: { ...period, options: { maxRetries: 0 } } });
		expect(error).toBeUndefined();
		expect(items).toHaveLength(4);
		expect(server.costsQueries).toHaveLength(2);
		expect(server.costsCalls).toBeGreaterThan(2);
	});

	it.each([
		['an end before the start', { endTime: '2026-10-01T00:00:00Z' }, '"End Time" is before Start Time'],
		['no start', { startTime: '={{ "" }}' }, '"Start Time" is empty'],
		['a start that is not a date', { startTime: '={{ "last week" }}' }, '"Start Time" is not a date: "last week"'],
	])('refuses %s before sending', async (_case, parameters, message) => {
		const { error } = await runKlingOfficial({ server, parameters: { ...period, ...parameters } });
		expect(error?.message).toContain(message);
		expect(server.costsCalls).toBe(0);
	});

	it('an inner code other than 0 fails the item with the API\'s words', async () => {
		const failing = await startFakeKlingOfficialServer({ costsOutcome: { code: 1201, msg: 'time range too long' } });
		try {
			const { error } = await runKlingOfficial({ server: failing, parameters: period });
			expect(error?.message).toBe("Kling could not read the account's resource packs (code 1201): time range too long");
		} finally {
			await failing.close();
		}
	});

	it('the gateway credential refuses it by name', async () => {
		const before = server.httpRequests;
		const { error } = await runKling({ server: { baseUrl: server.baseUrl } as never, parameters: period });
		expect(error?.message).toContain('"Get Costs" needs the Official Kling AI API');
		expect(server.httpRequests).toBe(before);
	});
});
