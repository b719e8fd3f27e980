/** Small builders for workflow JSON, as n8n exports and imports it. */
import { randomUUID } from 'node:crypto';

import type { IConnections, INode, INodeParameters, IWorkflowBase } from 'n8n-workflow';

export const KLING_NODE_TYPE = 'n8n-nodes-kling.kling';
export const KLING_TRIGGER_NODE_TYPE = 'n8n-nodes-kling.klingTrigger';
export const KLING_CREDENTIAL_TYPE = 'klingApi';
/** The credential of Kling's official API (access key and secret key). */
export const KLING_OFFICIAL_CREDENTIAL_TYPE = 'klingAiApi';

/** What `n8n import:workflow` needs of a workflow. */
export type WorkflowJson = Pick<IWorkflowBase, 'id' | 'name' | 'active' | 'nodes' | 'connections' | 'settings'>;

export interface CredentialRef {
	id: string;
	name: string;
}

type NodeSpec = Omit<INode, 'id' | 'position' | 'typeVersion'> & { typeVersion?: number };

/** A workflow whose nodes run one after the other, laid out left to right. */
export function linearWorkflow(id: string, name: string, specs: NodeSpec[]): WorkflowJson {
	const nodes: INode[] = specs.map((spec, index) => ({
		typeVersion: 1,
		...spec,
		id: `${id}-${index}`,
		position: [index * 240, 0],
	}));
	const connections: IConnections = {};
	for (let index = 1; index < nodes.length; index++) {
		connections[nodes[index - 1].name] = { main: [[{ node: nodes[index].name, type: 'main', index: 0 }]] };
	}
	return { id, name, active: false, nodes, connections, settings: { executionOrder: 'v1' } };
}

export function manualTrigger(name = 'Start'): NodeSpec {
	return { name, type: 'n8n-nodes-base.manualTrigger', parameters: {} };
}

/**
 * Items from a fixed list, without a Code node: a Set node holding `{"items": [...]}`
 * and a Split Out node making one item per entry.
 */
export function fixedItems(items: object[], name = 'Items'): NodeSpec[] {
	return [
		{
			name: `${name} (list)`,
			type: 'n8n-nodes-base.set',
			typeVersion: 3.4,
			parameters: { mode: 'raw', jsonOutput: JSON.stringify({ items }, null, 2), options: {} },
		},
		{ name, type: 'n8n-nodes-base.splitOut', parameters: { fieldToSplitOut: 'items', options: {} } },
	];
}

/** The Kling node; `onError: 'continueRegularOutput'` is Settings → On Error → Continue. */
export function kling(parameters: INodeParameters, credential: CredentialRef, extra: Partial<INode> = {}): NodeSpec {
	return {
		name: 'Kling',
		type: KLING_NODE_TYPE,
		parameters: { authentication: 'klingApi', resource: 'image', operation: 'generate', ...parameters },
		credentials: { [KLING_CREDENTIAL_TYPE]: credential },
		...extra,
	};
}

/** The Kling node on Kling's official API, with a `klingAiApi` credential; `parameters` may pick another operation. */
export function klingOfficial(parameters: INodeParameters, credential: CredentialRef, extra: Partial<INode> = {}): NodeSpec {
	return {
		name: 'Kling',
		type: KLING_NODE_TYPE,
		parameters: { authentication: 'klingAiApi', resource: 'image', operation: 'generate', ...parameters },
		credentials: { [KLING_OFFICIAL_CREDENTIAL_TYPE]: credential },
		...extra,
	};
}

/**
 * Kling Trigger; its production URL is `<n8n>/webhook/<webhookId>/kling` (klingTriggerPath), so a
 * fixed `webhookId` lets a workflow that creates tasks name it before n8n runs.
 */
export function klingTrigger(webhookId: string, parameters: INodeParameters = {}, name = 'Kling Trigger'): NodeSpec {
	return { name, type: KLING_TRIGGER_NODE_TYPE, webhookId, parameters };
}

/** The path under `/webhook/` at which an activated Kling Trigger with this `webhookId` listens. */
export function klingTriggerPath(webhookId: string): string {
	return `${webhookId}/kling`;
}

/** Read/Write Files from Disk, writing each item's binary field to `fileName` (an expression allowed). */
export function writeFile(fileName: string, name = 'Write Files', dataPropertyName = 'data'): NodeSpec {
	return {
		name,
		type: 'n8n-nodes-base.readWriteFile',
		parameters: { operation: 'write', fileName, dataPropertyName, options: {} },
	};
}

/** Read/Write Files from Disk, reading files matching `fileSelector` into the `data` binary field. */
export function readFiles(fileSelector: string, name = 'Read Files'): NodeSpec {
	return { name, type: 'n8n-nodes-base.readWriteFile', parameters: { operation: 'read', fileSelector, options: {} } };
}

/** What a Webhook answering "when last node finishes" sends back of that node's output. */
export type WebhookResponseData = 'allEntries' | 'firstEntryJson' | 'firstEntryBinary';

/**
 * A Webhook trigger for `POST /webhook/<path>` that answers when the last node
 * finishes, with `responseData` of its output (binary: the `data` field).
 */
export function webhookTrigger(path: string, responseData: WebhookResponseData, name = 'Webhook'): NodeSpec {
	return {
		name,
		type: 'n8n-nodes-base.webhook',
		typeVersion: 2,
		webhookId: randomUUID(),
		parameters: { httpMethod: 'POST', path, responseMode: 'lastNode', responseData, options: {} },
	};
}

/** A Code node running `jsCode` once for all items. */
export function code(jsCode: string, name = 'Code'): NodeSpec {
	return { name, type: 'n8n-nodes-base.code', typeVersion: 2, parameters: { jsCode } };
}
