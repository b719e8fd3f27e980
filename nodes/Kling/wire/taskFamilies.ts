import type { IDataObject } from 'n8n-workflow';

import { readImageLists, readNoImages, readViews } from './answers';
import type { ResultReader } from './answers';

/**
 * The official API's kinds of task, each with its facts in one place. A task is created by POST
 * to its family's path, read under the path plus `/{id}` and listed by GET on the path, so it must
 * be read back under the family that created it.
 */
export interface TaskFamilySpec {
	/** The Task Type choice of Get Task and List Tasks. */
	label: string;
	path: string;
	/** How its `task_result` becomes images (answers.ts). */
	result: ResultReader;
	/** The account's task slots a task holds, from its checked body (images are not read yet). */
	slots: (body: IDataObject) => number;
}

/** The most images a series can hold: what a series of length `auto` holds until it ends. */
export const MAX_SERIES_AMOUNT = 9;

/** One slot per image asked for (`n`); Kling documents this for image tasks. */
const perImage = (body: IDataObject) => positive(body.n);

const positive = (value: unknown) => (typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : 1);

/** A series holds what it makes; an `auto` one the most it may make. Single images hold `n`. */
function omniSlots(body: IDataObject): number {
	if (body.result_type !== 'series') return perImage(body);
	return body.series_amount === 'auto' ? MAX_SERIES_AMOUNT : positive(body.series_amount);
}

export const TASK_FAMILY_TABLE = {
	generation: { label: 'Generation', path: '/v1/images/generations', result: readImageLists, slots: perImage },
	multiImage: { label: 'Multi-Image Reference', path: '/v1/images/multi-image2image', result: readImageLists, slots: perImage },
	expand: { label: 'Expand', path: '/v1/images/editing/expand', result: readImageLists, slots: perImage },
	// One image a task: try-on documents no `n`.
	tryOn: { label: 'Virtual Try-On', path: '/v1/images/kolors-virtual-try-on', result: readImageLists, slots: () => 1 },
	omniImage: { label: 'Omni-Image', path: '/v1/images/omni-image', result: readImageLists, slots: omniSlots },
	// Three views of one subject; its slots are undocumented: one task, one slot.
	multiShot: { label: 'AI Multi-Shot', path: '/v1/general/ai-multi-shot', result: readViews, slots: () => 1 },
	// An element of the library: its task's result lists it (`task_result.elements`, read by parseTask); slots undocumented.
	element: { label: 'Element', path: '/v1/general/advanced-custom-elements', result: readNoImages, slots: () => 1 },
} as const satisfies Record<string, TaskFamilySpec>;

export type TaskFamily = keyof typeof TASK_FAMILY_TABLE;

export const TASK_FAMILIES = Object.keys(TASK_FAMILY_TABLE) as TaskFamily[];

export function familySpec(family: TaskFamily): TaskFamilySpec {
	return TASK_FAMILY_TABLE[family];
}
