import { resourceDescription } from '../operations';
import type { Resource } from '../operations';
import * as getCosts from './getCosts.operation';

/** The account's resource packs: the official API only. */
export const account: Resource = { operations: { getCosts }, defaultOperation: 'getCosts' };

export const description = resourceDescription('account', account);
