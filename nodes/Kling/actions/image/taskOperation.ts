import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { imageInputNames } from '../../parameters/inputImages';
import { noImagesError } from '../../transport/errors';
import { imageInputAt } from '../../transport/inputImages';
import type { ImageInput } from '../../transport/inputImages';
import type { Session } from '../../transport/session';
import type { Generation, StartedTask } from '../../transport/tasks';
import { familySpec } from '../../wire/taskFamilies';
import type { TaskFamily } from '../../wire/taskFamilies';
import type { ImageSource } from '../../wire/validation';
import { FieldError, textValue } from '../../wire/validation';
import { runItems } from '../runItems';
import { imageItems } from './imageItems';
import type { OutputChoice } from './imageItems';

/** What Generate and the task operations read to shape their output. */
export function readOutputChoice(ctx: IExecuteFunctions, itemIndex: number, imagesRequested: number | undefined): OutputChoice {
	const output = ctx.getNodeParameter('output', itemIndex, 'binary') === 'url' ? 'url' : 'binary';
	const binaryField = textValue('Put Output in Field', ctx.getNodeParameter('binaryPropertyOutput', itemIndex, 'data')).trim();
	if (output === 'binary' && binaryField === '') throw new FieldError('Put Output in Field', 'is empty');
	return { output, binaryField, imagesRequested };
}

/** The task options an item gives (see wire/officialRequest.ts validateTaskOptions). */
export function readTaskOptions(ctx: IExecuteFunctions, itemIndex: number, watermark: boolean) {
	const param = (name: string, fallback: unknown) => ctx.getNodeParameter(name, itemIndex, fallback);
	return {
		...(watermark && { watermark: param('watermark', false) }),
		callbackUrl: param('callbackUrl', ''),
		externalTaskId: param('externalTaskId', ''),
	};
}

/** An input image read from the parameters `imageInputProperties(prefix, …)` declares. */
export function imageInputOf(ctx: IExecuteFunctions, itemIndex: number, prefix: string, label: string, optional = false): ImageInput {
	const names = imageInputNames(prefix);
	const source = textValue(label, ctx.getNodeParameter(names.source, itemIndex, optional ? 'none' : 'binary')) as ImageSource;
	if (!optional && source === 'none') throw new FieldError(label, 'is required: choose Binary File, Image URL or Base64');
	return imageInputAt(names, source, label);
}

/** The output of a generation or task: its images, or the started task when not waiting. */
export async function resultItems(
	ctx: IExecuteFunctions,
	session: Session,
	result: Generation | StartedTask,
	described: { model: string; prompt: string; choice: OutputChoice; details?: IDataObject },
	itemIndex: number,
): Promise<INodeExecutionData[]> {
	if (!('images' in result)) {
		return [{ json: { task_id: result.taskId, task_status: result.status }, pairedItem: { item: itemIndex } }];
	}
	if (result.images.length === 0) {
		throw noImagesError({ node: ctx.getNode(), itemIndex, secrets: session.secrets });
	}
	const batch = { ...result, model: described.model, prompt: described.prompt, details: described.details };
	return await imageItems(session.images, batch, { ...described.choice, secrets: session.secrets }, itemIndex);
}

/** One item's checked task, ready to create once its images are read. */
export interface PreparedTask {
	/** The checked body, without its images. */
	body: IDataObject;
	/** Adds the item's images to the body: called right before the request goes out. */
	withImages?: (body: IDataObject) => Promise<IDataObject>;
	/** Images the task should output (a shortfall is reported); undefined: as many as it makes. */
	outputs?: number;
	/** The body's model_name ('' when the family has none): output items name it, and Kling counts task slots per model. */
	model: string;
	prompt: string;
	/** More fields every output item of the task carries (Omni-Image: its result type). */
	details?: IDataObject;
}

/** Runs a task operation of `family`: every item checked by `prepare`, then created, waited for and output. */
export async function executeTask(
	ctx: IExecuteFunctions,
	family: TaskFamily,
	prepare: (itemIndex: number) => Promise<PreparedTask>,
): Promise<INodeExecutionData[]> {
	return await runItems<PreparedTask & { choice: OutputChoice; wait: boolean }>(ctx, {
		prepare: async (itemIndex) => {
			const task = await prepare(itemIndex);
			const wait = ctx.getNodeParameter('waitForCompletion', itemIndex, true) !== false;
			return { ...task, choice: readOutputChoice(ctx, itemIndex, task.outputs), wait };
		},
		run: async (session, task, itemIndex) => {
			const body = async () => (task.withImages ? await task.withImages(task.body) : task.body);
			const slots = familySpec(family).slots(task.body);
			const result = await session.generate(family, body, slots, task.wait, itemIndex, task.model);
			return await resultItems(ctx, session, result, task, itemIndex);
		},
	});
}
