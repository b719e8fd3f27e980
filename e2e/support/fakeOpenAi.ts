/**
 * A scripted OpenAI chat-completions endpoint on 127.0.0.1 for agent tests. Its
 * first answer calls the first tool it is offered with `toolArguments`; once a
 * tool result is in the conversation it answers with that result as text.
 * Streaming requests get the same answers as server-sent events.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeOpenAi {
	/** Base URL for an `openAiApi` credential (ends in /v1). */
	readonly url: string;
	/** Request bodies received, in order. */
	readonly requests: Array<{
		messages: Array<{ role: string; content: unknown }>;
		tools?: unknown[];
		stream?: boolean;
	}>;
	close(): Promise<void>;
}

type Message = { role: 'assistant'; content: string | null; tool_calls?: object[] };

function reply(body: FakeOpenAi['requests'][number], toolArguments: object): Message {
	const toolResult = body.messages.find((message) => message.role === 'tool');
	if (toolResult) return { role: 'assistant', content: `Here is your picture: ${String(toolResult.content)}` };
	const tool = (body.tools as Array<{ function: { name: string } }> | undefined)?.[0];
	if (!tool) return { role: 'assistant', content: 'I have no tool to draw with.' };
	const call = {
		id: 'call_1',
		type: 'function',
		function: { name: tool.function.name, arguments: JSON.stringify(toolArguments) },
	};
	return { role: 'assistant', content: null, tool_calls: [call] };
}

function send(res: ServerResponse, message: Message, stream: boolean): void {
	const base = { id: 'chatcmpl-e2e', created: Math.floor(Date.now() / 1000), model: 'gpt-4o-mini' };
	const finish = message.tool_calls ? 'tool_calls' : 'stop';
	if (!stream) {
		res.writeHead(200, { 'Content-Type': 'application/json' });
		const usage = { prompt_tokens: 10, completion_tokens: 10, total_tokens: 20 };
		res.end(
			JSON.stringify({
				...base,
				object: 'chat.completion',
				choices: [{ index: 0, message, finish_reason: finish }],
				usage,
			}),
		);
		return;
	}
	res.writeHead(200, { 'Content-Type': 'text/event-stream' });
	const chunk = (delta: object, finishReason: string | null) =>
		`data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta, finish_reason: finishReason }] })}\n\n`;
	const toolCalls = message.tool_calls?.map((call, index) => ({ index, ...call }));
	res.write(chunk({ role: 'assistant', content: message.content, ...(toolCalls && { tool_calls: toolCalls }) }, null));
	res.end(chunk({}, finish) + 'data: [DONE]\n\n');
}

async function readJson(req: IncomingMessage): Promise<any> {
	const chunks: Buffer[] = [];
	for await (const chunk of req) chunks.push(chunk as Buffer);
	return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

export async function startFakeOpenAi(toolArguments: object): Promise<FakeOpenAi> {
	const requests: FakeOpenAi['requests'] = [];
	const server = createServer((req, res) => {
		if (req.method !== 'POST' || !req.url?.endsWith('/chat/completions')) {
			res.writeHead(404, { 'Content-Type': 'application/json' });
			return void res.end(JSON.stringify({ error: { message: `Unknown route ${req.method} ${req.url}` } }));
		}
		void readJson(req).then((body) => {
			requests.push(body);
			send(res, reply(body, toolArguments), body.stream === true);
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	return {
		url: `http://127.0.0.1:${port}/v1`,
		requests,
		close: async () => await new Promise<void>((resolve) => server.close(() => resolve())),
	};
}
