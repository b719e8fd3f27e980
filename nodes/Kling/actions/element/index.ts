import { resourceDescription } from '../operations';
import type { Resource } from '../operations';
import * as create from './create.operation';
import * as deleteElement from './delete.operation';
import * as list from './list.operation';

/** The element library (subjects Omni-Image and kling-v3 take by id): the official API only. */
export const element: Resource = { operations: { create, list, delete: deleteElement }, defaultOperation: 'list', noun: 'Element' };

export const description = resourceDescription('element', element);
