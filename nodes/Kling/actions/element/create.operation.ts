import { updateDisplayOptions } from 'n8n-workflow';
import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties, INodePropertyOptions } from 'n8n-workflow';

import { elementTagsProperty } from '../../parameters/elements';
import { ELEMENT_REFERENCE_IMAGES, imageInputProperties, imageListProperty } from '../../parameters/inputImages';
import { optionsProperty } from '../../parameters/options';
import { callbackUrlProperty, externalTaskIdProperty, waitForCompletionProperty } from '../../parameters/taskParameters';
import { noElementsError } from '../../transport/errors';
import { checkImageInput, checkImageList, loadImage } from '../../transport/inputImages';
import type { CheckedImage } from '../../transport/inputImages';
import type { Session } from '../../transport/session';
import type { Generation, StartedTask } from '../../transport/tasks';
import { MAX_ELEMENT_DESCRIPTION, MAX_ELEMENT_NAME, buildElementBody, elementImageList } from '../../wire/elements';
import type { ElementSummary } from '../../wire/elements';
import { maskSecretsInUrl } from '../../wire/secrets';
import { familySpec } from '../../wire/taskFamilies';
import { imageInputOf } from '../image/taskOperation';
import { runItems } from '../runItems';

const properties: INodeProperties[] = [
	{
		displayName: 'Name',
		name: 'elementName',
		type: 'string',
		required: true,
		default: '',
		description: `The element's name, up to ${MAX_ELEMENT_NAME} characters`,
	},
	{
		displayName: 'Description',
		name: 'elementDescription',
		type: 'string',
		default: '',
		description: `What the element is, up to ${MAX_ELEMENT_DESCRIPTION} characters`,
	},
	...imageInputProperties('frontalImage', 'Frontal Image', 'A front view of the element'),
	imageListProperty(ELEMENT_REFERENCE_IMAGES, 'more views of the element beside the frontal one, each from a binary field, a URL or base64'),
	elementTagsProperty,
	callbackUrlProperty,
	externalTaskIdProperty,
	{
		...waitForCompletionProperty,
		description: 'Whether to wait until Kling has made the element. Off: return the task ID at once and read it later with Get Task (Task Type: Element).',
	},
	optionsProperty(['concurrency', 'maxRetries', 'maxWait', 'pollInterval', 'timeout']),
];

export const option: INodePropertyOptions = {
	name: 'Create',
	value: 'create',
	action: 'Create an element',
	description: 'Add a subject to the element library from a frontal image and 1 to 3 more views (a Kling task)',
};
export const officialOnly = true;

export const description = updateDisplayOptions({ show: { resource: ['element'], operation: ['create'] } }, properties);

/** An element as an output item's JSON; its URLs masked like every URL the node outputs. */
export function elementJson(element: ElementSummary, secrets: string[]): IDataObject {
	const mask = (url: string) => maskSecretsInUrl(url, secrets);
	return {
		...element,
		...(element.frontalImage !== undefined && { frontalImage: mask(element.frontalImage) }),
		referenceImages: element.referenceImages.map(mask),
	} as unknown as IDataObject;
}

/** One item's checked element task: its body, and its pictures to read when the request goes out. */
interface PreparedElement {
	body: IDataObject;
	frontal: CheckedImage | undefined;
	references: CheckedImage[];
	wait: boolean;
}

/** The element a finished task made, one item each, with the task and its cost; a started task as Generate shows it. */
function elementItems(ctx: IExecuteFunctions, session: Session, result: Generation | StartedTask, itemIndex: number): INodeExecutionData[] {
	if (!('images' in result)) {
		return [{ json: { task_id: result.taskId, task_status: result.status }, pairedItem: { item: itemIndex } }];
	}
	const elements = result.elements ?? [];
	if (elements.length === 0) throw noElementsError(result.taskId, { node: ctx.getNode(), itemIndex, secrets: session.secrets });
	const { taskId, unitsDeducted, balanceDeduction } = result;
	return elements.map((element) => ({
		json: {
			...elementJson(element, session.secrets),
			status: element.status ?? 'succeed',
			taskId,
			...(unitsDeducted !== undefined && { unitsDeducted }),
			...(balanceDeduction !== undefined && { balanceDeduction: balanceDeduction as IDataObject }),
		},
		pairedItem: { item: itemIndex },
	}));
}

export async function execute(this: IExecuteFunctions): Promise<INodeExecutionData[]> {
	return await runItems<PreparedElement>(this, {
		prepare: async (itemIndex) => {
			const param = (name: string, fallback: unknown) => this.getNodeParameter(name, itemIndex, fallback);
			const body = buildElementBody({
				name: param('elementName', ''),
				description: param('elementDescription', ''),
				tags: param('tags', []),
				callbackUrl: param('callbackUrl', ''),
				externalTaskId: param('externalTaskId', ''),
			});
			const frontal = await checkImageInput(this, itemIndex, imageInputOf(this, itemIndex, 'frontalImage', 'Frontal Image'));
			const references = await checkImageList(this, itemIndex, ELEMENT_REFERENCE_IMAGES);
			return { body, frontal, references, wait: param('waitForCompletion', true) !== false };
		},
		run: async (session, prepared, itemIndex) => {
			// The pictures are read only now, right before the one create request.
			const body = async () => {
				const frontal = prepared.frontal ? await loadImage(this, prepared.frontal) : '';
				const references: string[] = [];
				for (const reference of prepared.references) references.push(await loadImage(this, reference));
				return { ...prepared.body, element_image_list: elementImageList(frontal, references) };
			};
			const result = await session.generate('element', body, familySpec('element').slots(prepared.body), prepared.wait, itemIndex);
			return elementItems(this, session, result, itemIndex);
		},
	});
}
