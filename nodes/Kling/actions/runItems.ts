import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { readMode } from '../parameters/authentication';
import { readRunSettings } from '../parameters/options';
import { itemError } from '../transport/errors';
import { openSession } from '../transport/session';
import type { Session } from '../transport/session';
import type { Mode } from '../wire/mode';
import { mapConcurrent } from './concurrency';

export interface ItemSteps<P> {
	/** Reads and checks one item; runs for every item before any request is sent. */
	prepare: (itemIndex: number, mode: Mode) => Promise<P>;
	/** Does one item's requests and returns its output items. */
	run: (session: Session, prepared: P, itemIndex: number) => Promise<INodeExecutionData[]>;
}

/**
 * How every operation treats its items: the mode and the operation's own options are read once,
 * all items are checked first (bad input costs nothing), then run concurrently on one session. With Continue On Fail a failing item becomes an error item and the
 * rest go on; without it the first failure stops the others' requests and fails the node.
 */
export async function runItems<P>(ctx: IExecuteFunctions, steps: ItemSteps<P>): Promise<INodeExecutionData[]> {
	const items = ctx.getInputData();
	const continueOnFail = ctx.continueOnFail();
	const mode = readMode(ctx);
	let settings;
	try {
		settings = readRunSettings(ctx.getNodeParameter('options', 0, {}) as IDataObject);
	} catch (error) {
		throw itemError(ctx.getNode(), error, 0);
	}

	const prepared: Array<P | Error> = [];
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		const outcome = await steps.prepare(itemIndex, mode).catch((error: unknown) => itemError(ctx.getNode(), error, itemIndex));
		if (outcome instanceof Error && !continueOnFail) throw outcome;
		prepared.push(outcome);
	}

	const session = await openSession(ctx, mode, settings);
	const results = await mapConcurrent(prepared, settings.concurrency, async (entry, itemIndex) => {
		const outcome =
			entry instanceof Error ? entry : await steps.run(session, entry, itemIndex).catch((error: Error) => error);
		if (!(outcome instanceof Error)) return outcome;
		if (continueOnFail && !ctx.getExecutionCancelSignal()?.aborted) {
			return [{ json: { error: outcome.message }, pairedItem: { item: itemIndex } }];
		}
		session.controller.abort(outcome);
		throw outcome;
	});
	return results.flat();
}
