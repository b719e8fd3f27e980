import type { IDisplayOptions, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { CREDENTIAL_OF, modeOf } from '../wire/mode';
import type { Mode } from '../wire/mode';

/** Its values are saved in workflows: never rename one. The default keeps older workflows on the gateway. */
export const authenticationProperty: INodeProperties = {
	displayName: 'Authentication',
	name: 'authentication',
	type: 'options',
	options: [
		{ name: 'Gateway API Key', value: 'klingApi', description: 'An OpenAI-style gateway that relays Kling' },
		{ name: 'Official Kling AI API', value: 'klingAiApi', description: "Kling AI's own API: API key, or access key + secret key" },
	],
	default: 'klingApi',
};

/** Display options that show a parameter only in one mode (`extra` adds more conditions). */
export function onlyIn(mode: Mode, extra: IDisplayOptions = {}): IDisplayOptions {
	return { ...extra, show: { ...extra.show, authentication: [CREDENTIAL_OF[mode]] } };
}

/** The run's mode, read once. */
export function readMode(ctx: IExecuteFunctions): Mode {
	return modeOf(ctx.getNodeParameter('authentication', 0, CREDENTIAL_OF.gateway));
}
