import type { INodeProperties } from 'n8n-workflow';

import { API_NUMBERS } from '../wire/numbers';
import { DEFAULT_OFFICIAL_MODEL, IMAGE_REFERENCES, MODELS_WITHOUT_FIDELITY, RESOLUTIONS } from '../wire/officialRequest';
import { ASPECT_RATIOS } from '../wire/validation';
import { onlyIn } from './authentication';
import { elementIdsProperty } from './elements';
import { modelOptions } from './models';
import { numberProperty } from './numbers';
import {
	callbackUrlProperty,
	externalTaskIdProperty,
	outputFieldProperty,
	outputProperty,
	waitForCompletionProperty,
	watermarkProperty,
} from './taskParameters';
import { optionsProperty } from './options';
import { promptProperty } from './prompt';
import { referenceImageProperties } from './inputImages';

export const aspectRatioProperty: INodeProperties = {
	displayName: 'Aspect Ratio',
	name: 'aspectRatio',
	type: 'options',
	default: '',
	description: 'Shape of the images, width:height',
	options: [{ name: 'API Default', value: '' }, ...ASPECT_RATIOS.map((ratio) => ({ name: ratio, value: ratio }))],
};

const gatewayOnly = onlyIn('gateway');
const officialOnly = onlyIn('official');
const NO_FIDELITY = [...MODELS_WITHOUT_FIDELITY];

/** Generate's parameters. Their `name`s are saved in workflows: never rename one. */
export const generateProperties: INodeProperties[] = [
	{
		displayName: 'Model',
		name: 'model',
		// Saved workflows hold a plain string here from before the list: reading extracts the value of either.
		type: 'resourceLocator',
		default: { mode: 'list', value: 'kling-img-v1' },
		description: "The gateway's model. When the gateway lists no models, choose By ID and type one.",
		modes: [
			{
				displayName: 'From List',
				name: 'list',
				type: 'list',
				typeOptions: { searchListMethod: 'searchModels', searchable: true },
			},
			{ displayName: 'By ID', name: 'id', type: 'string', placeholder: 'kling-img-v1' },
		],
		displayOptions: gatewayOnly,
	},
	{
		displayName: 'Model',
		name: 'modelName',
		type: 'options',
		default: DEFAULT_OFFICIAL_MODEL,
		description: "Model of the official API: Kling's current ones first; an expression may name a newer one",
		options: modelOptions('generation'),
		displayOptions: officialOnly,
	},
	promptProperty({ required: true, description: 'What the image should show', placeholder: 'e.g. A cute baby sea otter floating on its back at sunset' }),
	{
		displayName: 'Negative Prompt',
		name: 'negativePrompt',
		type: 'string',
		default: '',
		typeOptions: { rows: 2 },
		description: 'What the image should not show. Left out of the request when empty.',
	},
	...referenceImageProperties(),
	numberProperty(API_NUMBERS.imageFidelity, { displayOptions: onlyIn('gateway', { hide: { imageSource: ['none'] } }) }),
	// kling-v3 takes none of the three fidelity settings: hidden for it (an expression naming it is checked before
	// sending). Declared per mode, as a rule on Model would hide it on the gateway too, where Model is another parameter.
	numberProperty(API_NUMBERS.imageFidelity, { displayOptions: onlyIn('official', { hide: { imageSource: ['none'], modelName: NO_FIDELITY } }) }),
	{
		displayName: 'Image Reference',
		name: 'imageReference',
		type: 'options',
		default: '',
		description: 'What of the reference image to keep (official API)',
		options: [
			{ name: 'API Default', value: '' },
			...IMAGE_REFERENCES.map((reference) => ({ name: reference === 'subject' ? 'Subject' : 'Face', value: reference })),
		],
		displayOptions: onlyIn('official', { hide: { imageSource: ['none'], modelName: NO_FIDELITY } }),
	},
	numberProperty(API_NUMBERS.humanFidelity, {
		displayOptions: onlyIn('official', { show: { imageReference: ['subject'] }, hide: { imageSource: ['none'], modelName: NO_FIDELITY } }),
	}),
	numberProperty(API_NUMBERS.n),
	aspectRatioProperty,
	{
		displayName: 'Resolution',
		name: 'resolution',
		type: 'options',
		default: '',
		options: [{ name: 'API Default', value: '' }, ...RESOLUTIONS.map((resolution) => ({ name: resolution, value: resolution }))],
		displayOptions: officialOnly,
	},
	elementIdsProperty({
		description: "Subjects from the element library (yours or Kling's presets) to show; kling-v3 and later",
		displayOptions: onlyIn('official', { show: { modelName: ['kling-v3'] } }),
	}),
	{ ...watermarkProperty, displayOptions: officialOnly },
	{ ...callbackUrlProperty, displayOptions: officialOnly },
	{ ...externalTaskIdProperty, displayOptions: officialOnly },
	{ ...waitForCompletionProperty, displayOptions: officialOnly },
	outputProperty,
	outputFieldProperty({ output: ['binary'] }),
	optionsProperty(
		['concurrency', 'downloadTimeout', 'maxImageSize', 'maxRetries', 'maxWait', 'pollInterval', 'resendAfterUnclear', 'timeout'],
		[
			{
				displayName: 'Additional Body Fields',
				name: 'additionalFields',
				type: 'json',
				default: '{}',
				description:
					'A JSON object of extra request body fields, for fields the API adds later. Fields the node has a parameter for (such as n or prompt) are refused.',
			},
		],
	),
];
