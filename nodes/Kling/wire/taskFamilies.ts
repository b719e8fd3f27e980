/**
 * The official API's kinds of image task. Each is created, read and listed under a path of its
 * own (transport/endpoints.ts), so a task must be read back under the family that created it.
 */
export const TASK_FAMILIES = ['generation', 'multiImage', 'expand', 'tryOn', 'omniImage'] as const;

export type TaskFamily = (typeof TASK_FAMILIES)[number];

export const TASK_FAMILY_NAMES: Readonly<Record<TaskFamily, string>> = {
	generation: 'Generation',
	multiImage: 'Multi-Image Reference',
	expand: 'Expand',
	tryOn: 'Virtual Try-On',
	omniImage: 'Omni-Image',
};
