/**
 * Plumbing shared by the fake Kling servers: JSON answers, body reading,
 * transport-level faults and a 127.0.0.1 server that can be closed even while
 * requests hang. Node built-ins only, so benchmarks can use it outside jest too.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** Faults every fake understands; each replaces the answer to one request. */
export type TransportFault =
	| { status: number; body?: string | object; headers?: Record<string, string> }
	| { reset: true } // destroy the socket without answering
	| { hang: true }; // never answer; `close()` cleans the socket up

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
	const text = typeof body === 'string' ? body : JSON.stringify(body);
	res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
	res.end(text);
}

export async function readBody(req: IncomingMessage): Promise<string> {
	const chunks: Buffer[] = [];
	for await (const chunk of req) chunks.push(chunk as Buffer);
	return Buffer.concat(chunks).toString('utf8');
}

/** The parsed JSON, or undefined when the text is not JSON (callers answer that with a 400). */
export function parseJson(text: string): unknown {
	try {
		return JSON.parse(text);
	} catch {
		return undefined;
	}
}

/**
 * Answers `fault` in place of the normal behaviour. A status fault without a body
 * gets `defaultBody(status)`; a string body is sent as text/plain, so tests can
 * imitate proxies that answer HTML or plain text.
 */
export function applyTransportFault(
	fault: TransportFault,
	req: IncomingMessage,
	res: ServerResponse,
	defaultBody: (status: number) => object,
): void {
	if ('reset' in fault) return void req.socket.destroy();
	if ('hang' in fault) return; // keep the socket open until close()
	const body = fault.body ?? defaultBody(fault.status);
	if (typeof body === 'string') {
		res.writeHead(fault.status, { 'Content-Type': 'text/plain', ...fault.headers });
		return void res.end(body);
	}
	sendJson(res, fault.status, body, fault.headers);
}

/** An HTTP server on 127.0.0.1 that remembers its sockets, so `close()` never waits on a hung request. */
export class TrackedServer {
	readonly server: Server;
	baseUrl = '';
	/** Every request received, on any route. */
	requests = 0;
	private readonly sockets = new Set<Socket>();

	constructor(handler: RequestListener) {
		this.server = createServer((req, res) => {
			this.requests++;
			handler(req, res);
		});
		this.server.on('connection', (socket) => {
			this.sockets.add(socket);
			socket.on('close', () => this.sockets.delete(socket));
		});
	}

	/** Listens on a random port and returns the base URL (`http://127.0.0.1:<port>`). */
	async listen(): Promise<string> {
		await new Promise<void>((resolve, reject) => {
			this.server.once('error', reject);
			this.server.listen(0, '127.0.0.1', () => resolve());
		});
		const { port } = this.server.address() as AddressInfo;
		this.baseUrl = `http://127.0.0.1:${port}`;
		return this.baseUrl;
	}

	async close(): Promise<void> {
		// Destroying the sockets also ends pending waits and hanging faults.
		for (const socket of this.sockets) socket.destroy();
		await new Promise<void>((resolve) => this.server.close(() => resolve()));
	}
}
