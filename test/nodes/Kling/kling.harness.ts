import type { INodeExecutionData, INodeParameters } from 'n8n-workflow';

import { KlingApi } from '../../../credentials/KlingApi.credentials';
import { Kling } from '../../../nodes/Kling/Kling.node';
import { runNode } from '../../support/engine';
import type { BinaryMode, CancellableRun } from '../../support/engine';
import type { FakeKlingServer } from '../../support/fakeKlingServer';

export const API_KEY = 'sk-test-5f1c9e7a2b8d4c6e';

export interface KlingRunOptions {
	server: FakeKlingServer;
	parameters: INodeParameters;
	items?: INodeExecutionData[];
	continueOnFail?: boolean;
	binaryMode?: BinaryMode;
	apiKey?: string;
}

/** Runs the real Kling node and credential inside n8n-core's engine against the fake API. */
export function runKling(options: KlingRunOptions): CancellableRun {
	return runNode({
		nodeType: new Kling(),
		credentialTypes: [new KlingApi()],
		credentials: { klingApi: { apiKey: options.apiKey ?? API_KEY, baseUrl: `${options.server.baseUrl}/` } },
		parameters: { resource: 'image', operation: 'generate', ...options.parameters },
		items: options.items ?? [{ json: {} }],
		continueOnFail: options.continueOnFail,
		binaryMode: options.binaryMode,
	});
}

export function prompts(...texts: string[]): INodeExecutionData[] {
	return texts.map((prompt) => ({ json: { prompt } }));
}
