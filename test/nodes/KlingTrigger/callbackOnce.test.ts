import type { IDataObject } from 'n8n-workflow';

import { SEEN_LIMIT, claimOnce } from '../../../nodes/KlingTrigger/callbackOnce';

describe('claimOnce', () => {
	it('claims a task status once per trigger; another status or another trigger is new', () => {
		const staticData: IDataObject = {};
		expect(claimOnce(staticData, 'wf-1 node-1', 't-1', 'succeed')).toBe(true);
		expect(claimOnce(staticData, 'wf-1 node-1', 't-1', 'succeed')).toBe(false);
		expect(claimOnce(staticData, 'wf-1 node-1', 't-1', 'failed')).toBe(true);
		expect(claimOnce({}, 'wf-2 node-1', 't-1', 'succeed')).toBe(true);
	});

	it('keeps at most SEEN_LIMIT statuses, forgetting the oldest', () => {
		const staticData: IDataObject = {};
		for (let i = 0; i <= SEEN_LIMIT; i++) expect(claimOnce(staticData, 'wf-bound node', `t-${i}`, 'succeed')).toBe(true);
		const seen = staticData.seenTaskStatuses as string[];
		expect(seen).toHaveLength(SEEN_LIMIT);
		expect(seen[0]).toBe('t-1 succeed');
		expect(claimOnce(staticData, 'wf-bound node', `t-${SEEN_LIMIT}`, 'succeed')).toBe(false);
		// The oldest is forgotten in the process and in the static data alike.
		expect(claimOnce(staticData, 'wf-bound node', 't-0', 'succeed')).toBe(true);
	});
});
