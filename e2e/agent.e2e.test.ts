/**
 * examples/03's AI Agent really calls the Kling node as a tool: the example's
 * agent, model and tool nodes, started by a Manual Trigger instead of the chat,
 * with a scripted OpenAI endpoint that asks for one picture.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { INode, IWorkflowBase } from 'n8n-workflow';

import { nodeOutput } from '../scripts/lib/n8nInstance';
import { repoRoot } from '../scripts/lib/paths';
import { KLING_CREDENTIAL_TYPE, manualTrigger } from '../scripts/lib/workflows';
import { startFakeOpenAi } from './support/fakeOpenAi';
import type { FakeOpenAi } from './support/fakeOpenAi';
import { startTestbed } from './support/testbed';
import type { Testbed } from './support/testbed';

const openAiCredential = { id: 'openAiE2eCred001', name: 'OpenAI (fake)' };
const PROMPT = 'A cosy reading nook in a treehouse, warm lamp light';
let bed: Testbed;
let openAi: FakeOpenAi;

/** Example 03 with a Manual Trigger and a fixed question instead of the chat, and the test's credentials. */
function agentWorkflow(): Pick<IWorkflowBase, 'id' | 'name' | 'nodes' | 'connections' | 'settings' | 'active'> {
	const example = JSON.parse(readFileSync(join(repoRoot, 'examples', '03-ai-agent-kling-tool.json'), 'utf8'));
	const nodes = (example.nodes as INode[]).filter(
		(node) => node.type.startsWith('@n8n/') || node.type.startsWith('n8n-nodes-kling.'),
	);
	const chatTrigger = nodes.find((node) => node.type.endsWith('.chatTrigger')) as INode;
	const agent = nodes.find((node) => node.type.endsWith('.agent')) as INode;
	agent.parameters = { ...agent.parameters, promptType: 'define', text: 'Please draw a cosy reading nook for me.' };
	for (const node of nodes) {
		if (node.type.endsWith('.lmChatOpenAi')) node.credentials = { openAiApi: openAiCredential };
		if (node.type === 'n8n-nodes-kling.klingTool') node.credentials = { [KLING_CREDENTIAL_TYPE]: bed.credential };
	}
	const start = { ...manualTrigger(), id: 'start', typeVersion: 1, position: [-200, 0] as [number, number] };
	const connections = { ...example.connections, Start: example.connections[chatTrigger.name] };
	delete connections[chatTrigger.name];
	return {
		id: 'e2eAgentTool0001',
		name: 'e2e: agent with the Kling tool',
		active: false,
		nodes: [start, ...nodes.filter((node) => node !== chatTrigger)],
		connections,
		settings: { executionOrder: 'v1' },
	};
}

beforeAll(async () => {
	openAi = await startFakeOpenAi({ prompt: PROMPT });
	bed = await startTestbed({
		credentials: () => [{ ...openAiCredential, type: 'openAiApi', data: { apiKey: 'sk-fake', url: openAi.url } }],
	});
	await bed.n8n.importWorkflows([agentWorkflow()]);
});

afterAll(async () => {
	await bed?.close();
	await openAi?.close();
});

test('the agent calls the Kling tool with the prompt the model chose, and answers with its result', async () => {
	const run = await bed.n8n.executeOk('e2eAgentTool0001');
	expect(bed.fake.requests.map((request) => request.body.prompt)).toEqual([PROMPT]);
	const url = bed.fake.generated[0].url;
	const [answer] = nodeOutput(run, 'AI Agent');
	expect(String(answer.json.output)).toContain(url);
	// The model was offered the tool with the description from the example, and saw the URL in its result.
	const offered = openAi.requests[0].tools as Array<{ function: { description: string } }>;
	expect(offered[0].function.description).toMatch(/Generates images with Kling AI/);
	expect(JSON.stringify(openAi.requests[1].messages)).toContain(url);
});
