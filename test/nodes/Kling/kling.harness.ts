import type { IBinaryData, INodeExecutionData, INodeParameters } from 'n8n-workflow';

import { KlingAiApi } from '../../../credentials/KlingAiApi.credentials';
import { KlingApi } from '../../../credentials/KlingApi.credentials';
import { Kling } from '../../../nodes/Kling/Kling.node';
import { runNode, storeBinaryInput } from '../../support/engine';
import { promptPng } from '../../support/fakeImages';
import type { BinaryMode, CancellableRun } from '../../support/engine';
import type { FakeKlingOfficialServer } from '../../support/fakeKlingOfficialServer';
import type { FakeKlingServer } from '../../support/fakeKlingServer';

export const API_KEY = 'sk-test-5f1c9e7a2b8d4c6e';

export interface KlingRunOptions {
	server: FakeKlingServer;
	parameters: INodeParameters;
	items?: INodeExecutionData[];
	continueOnFail?: boolean;
	binaryMode?: BinaryMode;
	apiKey?: string;
	/** The same id twice runs one execution again (see runNode). */
	executionId?: string;
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
		executionId: options.executionId,
	});
}

export function prompts(...texts: string[]): INodeExecutionData[] {
	return texts.map((prompt) => ({ json: { prompt } }));
}

export interface OfficialRunOptions {
	server: FakeKlingOfficialServer;
	parameters: INodeParameters;
	items?: INodeExecutionData[];
	continueOnFail?: boolean;
	binaryMode?: BinaryMode;
	/** Credential fields to change, e.g. a wrong secret key or a plain API key. */
	credentials?: Record<string, string>;
	/** The same id twice runs one execution again (see runNode). */
	executionId?: string;
}

/** Runs the real Kling node with the official credential against the fake official API. */
export function runKlingOfficial(options: OfficialRunOptions): CancellableRun {
	return runNode({
		nodeType: new Kling(),
		credentialTypes: [new KlingApi(), new KlingAiApi()],
		credentials: {
			klingAiApi: {
				accessKey: options.server.accessKey,
				secretKey: options.server.secretKey,
				region: 'custom',
				baseUrl: options.server.baseUrl,
				...options.credentials,
			},
		},
		parameters: { authentication: 'klingAiApi', resource: 'image', operation: 'generate', ...options.parameters },
		items: options.items ?? [{ json: {} }],
		continueOnFail: options.continueOnFail,
		binaryMode: options.binaryMode,
		executionId: options.executionId,
	});
}

/** `count` PNG images in binary fields `<prefix>0`, `<prefix>1`, …, each drawn from `<label> <i>`. */
export async function pngBinaries(count: number, prefix: string, label: string): Promise<Record<string, IBinaryData>> {
	const entries = await Promise.all(
		Array.from({ length: count }, async (_, i) => [`${prefix}${i}`, await storeBinaryInput(promptPng(`${label} ${i}`, i), `${prefix}${i}.png`, 'image/png')] as const),
	);
	return Object.fromEntries(entries);
}
