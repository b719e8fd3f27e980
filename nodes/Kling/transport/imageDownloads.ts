import type { IBinaryData, INode } from 'n8n-workflow';

import type { ImageType } from '../wire/imageType';
import type { RunSettings } from '../wire/runSettings';
import { downloadImageWithRetries, storeImageData } from './download';
import type { DownloadContext, DownloadRun } from './download';
import { DEFAULT_RETRY_POLICY, systemClock } from './retry';

/**
 * Image downloads with no API session behind them, for a node that is handed image URLs (the
 * trigger, from a callback) and needs no credential: image hosts never see a key anyway. Bounded
 * and retried like a session's downloads.
 */
export class ImageDownloads {
	private readonly signal = new AbortController().signal;

	constructor(
		private readonly ctx: DownloadContext & { getNode(): INode },
		private readonly settings: Pick<RunSettings, 'downloadTimeoutMs' | 'maxImageBytes' | 'maxRetries'>,
	) {}

	async downloadImage(url: string, itemIndex: number, fileName: (type: ImageType) => string): Promise<IBinaryData> {
		const bounds = { timeoutMs: this.settings.downloadTimeoutMs, maxBytes: this.settings.maxImageBytes };
		const run: DownloadRun = { ctx: this.ctx, clock: systemClock, bounds, signal: this.signal, context: this.context(itemIndex) };
		const policy = { ...DEFAULT_RETRY_POLICY, maxRetries: this.settings.maxRetries };
		return await downloadImageWithRetries(run, url, fileName, policy);
	}

	async storeImageData(base64: string, itemIndex: number, fileName: (type: ImageType) => string): Promise<IBinaryData> {
		return await storeImageData(this.ctx, base64, fileName, this.context(itemIndex));
	}

	private context(itemIndex: number) {
		return { node: this.ctx.getNode(), itemIndex };
	}
}
