import type { IDataObject } from 'n8n-workflow';

/** How many task statuses each trigger remembers; the oldest are forgotten first. */
export const SEEN_LIMIT = 1000;

/** Where in the node's workflow static data the seen statuses are kept. */
const SEEN_FIELD = 'seenTaskStatuses';

/**
 * Statuses claimed in this n8n process, per trigger (workflow id and node id), oldest first.
 * n8n saves a webhook's static data only after its `webhook()` returns, and each request reads
 * the saved copy: a repeat that arrives before that save, or beside it, is caught here.
 */
const claimedInProcess = new Map<string, string[]>();

/** Triggers remembered in this process; the one heard from longest ago is forgotten first. */
const TRIGGER_LIMIT = 200;

function remember(list: string[], key: string): void {
	list.push(key);
	if (list.length > SEEN_LIMIT) list.splice(0, list.length - SEEN_LIMIT);
}

/**
 * Claims one task status for one trigger: true the first time, false for every repeat. Kept in
 * the workflow's static data, which n8n stores with the workflow after each webhook call (so it
 * survives restarts, and in queue mode lives where the main process serves the webhook), and in
 * this process, for repeats that arrive before the static data is saved.
 */
export function claimOnce(staticData: IDataObject, trigger: string, taskId: string, status: string): boolean {
	const key = `${taskId} ${status}`;
	const saved = Array.isArray(staticData[SEEN_FIELD]) ? (staticData[SEEN_FIELD] as string[]) : [];
	const local = claimedInProcess.get(trigger) ?? [];
	// Re-inserted, so the Map's order is the order triggers were last heard from.
	claimedInProcess.delete(trigger);
	claimedInProcess.set(trigger, local);
	if (claimedInProcess.size > TRIGGER_LIMIT) claimedInProcess.delete(claimedInProcess.keys().next().value as string);
	if (saved.includes(key) || local.includes(key)) return false;
	remember(local, key);
	const next = [...saved];
	remember(next, key);
	// A new array (not a push): n8n notices a change of static data by assignment.
	staticData[SEEN_FIELD] = next;
	return true;
}
