/** The part of a Node.js readable stream used here; node code may not import 'stream' on n8n Cloud. */
export interface ReadableLike {
	read(): unknown;
	unshift(chunk: unknown): void;
	once(event: string, listener: (...args: unknown[]) => void): unknown;
	removeListener(event: string, listener: (...args: unknown[]) => void): unknown;
	destroy(error?: Error): unknown;
	push(chunk: unknown, encoding?: unknown): boolean;
}

/**
 * Reads the first chunk of a paused stream and puts it back, so the bytes can tell the file type
 * while the stream itself still goes whole to storage.
 */
export async function peekHead(stream: ReadableLike): Promise<Uint8Array> {
	return await new Promise<Uint8Array>((resolve, reject) => {
		const cleanup = () => {
			stream.removeListener('readable', onReadable);
			stream.removeListener('end', onEnd);
			stream.removeListener('error', onError);
		};
		const onReadable = () => {
			const chunk = stream.read();
			if (chunk === null) {
				stream.once('readable', onReadable);
				return;
			}
			cleanup();
			stream.unshift(chunk);
			resolve(chunk instanceof Uint8Array ? chunk : Buffer.from(String(chunk)));
		};
		const onEnd = () => {
			cleanup();
			resolve(new Uint8Array(0));
		};
		const onError = (error: unknown) => {
			cleanup();
			reject(error instanceof Error ? error : new Error(String(error)));
		};
		stream.once('readable', onReadable);
		stream.once('end', onEnd);
		stream.once('error', onError);
	});
}
