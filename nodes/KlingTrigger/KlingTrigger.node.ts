import { NodeConnectionTypes } from 'n8n-workflow';
import type { IHookFunctions, INodeType, INodeTypeDescription, IWebhookFunctions, IWebhookResponseData } from 'n8n-workflow';

import { outputFieldProperty } from '../Kling/parameters/taskParameters';
import { optionsProperty } from '../Kling/parameters/options';
import { TOKEN_QUERY_PARAMETER, VERIFY_WITH_KLING, receiveCallback, signingKeyOf } from './callbackItems';

export class KlingTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Kling Trigger',
		name: 'klingTrigger',
		icon: { light: 'file:../Kling/kling.svg', dark: 'file:../Kling/kling.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle: '={{"on " + $parameter["statuses"].join(", ")}}',
		description: "Starts the workflow when a Kling task created with this trigger's URL as Callback URL finishes",
		defaults: { name: 'Kling Trigger' },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'klingAiApi', required: true, displayOptions: { show: { verify: [VERIFY_WITH_KLING] } } }],
		webhooks: [{ name: 'default', httpMethod: 'POST', responseMode: 'onReceived', path: 'kling' }],
		properties: [
			{
				displayName:
					"Put this trigger's Production URL into the Kling node's Callback URL (with ?" +
					TOKEN_QUERY_PARAMETER +
					'=your token when a Token is set) and activate the workflow. Kling must be able to reach the URL from the internet.',
				name: 'notice',
				type: 'notice',
				default: '',
			},
			{
				displayName: 'Token',
				name: 'token',
				type: 'string',
				typeOptions: { password: true },
				default: '',
				description:
					'When set, only callbacks whose URL carries ?token= followed by this value start the workflow; others are refused with HTTP 403. The token keeps strangers out, Verify With Kling checks the task itself.',
			},
			{
				displayName: 'Signing Secret',
				name: 'signingSecret',
				type: 'string',
				typeOptions: { password: true },
				default: '',
				placeholder: 'whsec_…',
				description:
					"When set, each callback must be signed with this secret in the Standard Webhooks scheme (its three webhook-* headers, at most 5 minutes old); others are refused with HTTP 401 before anything else. Kling's docs leave unclear whether image callbacks are signed, and Kling rotates secrets every 7 days: keep Verify With Kling on.",
			},
			{
				displayName: 'Verify With Kling',
				name: 'verify',
				type: 'options',
				default: 'none',
				description: 'Whoever knows the URL can call it, and image callbacks may come unsigned. Reading each task back from Kling proves it and hands on what Kling says, not what the caller sent.',
				options: [
					{
						name: 'Off',
						value: 'none',
						description: "Take the callback's body as it comes",
					},
					{
						name: 'Read the Task Back (Official Credential)',
						value: VERIFY_WITH_KLING,
						description: 'Ask Kling for the task first; a task Kling does not know is refused with HTTP 404 and starts nothing',
					},
				],
			},
			{
				displayName: 'Start On',
				name: 'statuses',
				type: 'multiOptions',
				default: ['succeed', 'failed'],
				description: 'Which task statuses start the workflow; Kling calls back on each change of status. A task starts the workflow once per status, however often its callback comes.',
				options: [
					{ name: 'Failed', value: 'failed', description: 'One item with the status message' },
					{ name: 'Processing', value: 'processing', description: 'One item with the task ID and status' },
					{ name: 'Submitted', value: 'submitted', description: 'One item with the task ID and status' },
					{ name: 'Succeeded', value: 'succeed', description: 'One item per image' },
				],
			},
			{
				displayName: 'Output',
				name: 'output',
				type: 'options',
				default: 'binary',
				options: [
					{ name: 'Binary File', value: 'binary', description: 'Download each image into a binary field before starting' },
					{ name: 'Image URL', value: 'url', description: 'Hand on the image URLs only; they expire after 30 days' },
				],
			},
			outputFieldProperty({ output: ['binary'] }),
			optionsProperty(['downloadTimeout', 'maxImageSize', 'maxRetries']),
		],
	};

	/**
	 * Kling has nothing to register: each task names its callback URL when it is created. So there
	 * is nothing to create or delete when the workflow is activated or deactivated; activating only
	 * checks that a Signing Secret, when set, is one.
	 */
	webhookMethods = {
		default: {
			async checkExists(this: IHookFunctions): Promise<boolean> {
				signingKeyOf(this);
				return true;
			},
			async create(this: IHookFunctions): Promise<boolean> {
				return true;
			},
			async delete(this: IHookFunctions): Promise<boolean> {
				return true;
			},
		},
	};

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		return await receiveCallback(this);
	}
}
