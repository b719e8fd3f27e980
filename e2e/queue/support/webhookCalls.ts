/**
 * Calls of production webhooks, many at once. node:http without timeouts: a
 * webhook answering "when the last node finishes" may take minutes, longer than
 * fetch waits for headers.
 */
import { request } from 'node:http';

export interface WebhookAnswer {
	status: number;
	contentType: string;
	body: Buffer;
	/** Milliseconds from sending to the end of the answer. */
	ms: number;
}

/** POSTs `payload` as JSON; with `timeoutMs`, a call still unanswered then fails, naming the URL. */
export async function postJson(url: string, payload: unknown, timeoutMs?: number): Promise<WebhookAnswer> {
	const body = Buffer.from(JSON.stringify(payload));
	const started = Date.now();
	return await new Promise((resolve, reject) => {
		const req = request(
			url,
			{ method: 'POST', headers: { 'Content-Type': 'application/json', 'Content-Length': body.length } },
			(res) => {
				const chunks: Buffer[] = [];
				res.on('data', (chunk: Buffer) => chunks.push(chunk));
				res.on('error', reject);
				res.on('end', () =>
					resolve({
						status: res.statusCode ?? 0,
						contentType: String(res.headers['content-type'] ?? ''),
						body: Buffer.concat(chunks),
						ms: Date.now() - started,
					}),
				);
			},
		);
		req.on('error', reject);
		if (timeoutMs !== undefined) {
			req.setTimeout(timeoutMs, () => req.destroy(new Error(`No answer from ${url} within ${timeoutMs / 1000} s`)));
		}
		req.end(body);
	});
}

/** The answer's JSON, or its text when it is not JSON. */
export function answerJson(answer: WebhookAnswer): unknown {
	const text = answer.body.toString('utf8');
	try {
		return JSON.parse(text);
	} catch {
		return text;
	}
}

/** Sends `count` calls at once, call `index` with `payload(index)`; returns the answers in call order and the wall time. */
export async function fireAtOnce(
	url: string,
	count: number,
	payload: (index: number) => unknown,
	timeoutMs?: number,
): Promise<{ answers: WebhookAnswer[]; wallMs: number }> {
	const started = Date.now();
	const answers = await Promise.all(
		Array.from({ length: count }, async (_, index) => await postJson(url, payload(index), timeoutMs)),
	);
	return { answers, wallMs: Date.now() - started };
}

/** Statuses and how often each came, e.g. `200 ×10, 500 ×2`. */
export function statusSummary(answers: WebhookAnswer[]): string {
	const counts = new Map<number, number>();
	for (const { status } of answers) counts.set(status, (counts.get(status) ?? 0) + 1);
	return [...counts].map(([status, count]) => `${status} ×${count}`).join(', ');
}
