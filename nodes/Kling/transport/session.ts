import type { IExecuteFunctions } from 'n8n-workflow';

import type { RunSettings } from '../helpers/validation';
import { KlingClient, normalizeBaseUrl } from './index';
import { officialBaseUrl } from './jwt';
import { AdaptiveLimiter } from './limiter';
import { DEFAULT_POLL_POLICY, TaskPoller } from './poller';
import { DEFAULT_RETRY_POLICY, systemClock } from './retry';
import type { Clock } from './retry';

export type Authentication = 'klingApi' | 'klingAiApi';

/** What one node run shares across its items: the client (with its limiter) and the task poller. */
export interface Session {
	authentication: Authentication;
	client: KlingClient;
	poller: TaskPoller;
	/**
	 * Bounds the official API's tasks running at once. A task holds its slot from creation to its
	 * end, since that is what the account's limit counts (1303); requests alone are too short to.
	 */
	taskLimiter: AdaptiveLimiter;
	/** Aborted when n8n cancels the run, or when a failing item ends it. */
	controller: AbortController;
}

/** Links our own abort to n8n's cancel signal, so a failing run can stop its other requests too. */
function runAbortController(ctx: IExecuteFunctions): AbortController {
	const controller = new AbortController();
	const cancel = ctx.getExecutionCancelSignal();
	if (cancel?.aborted) controller.abort(cancel.reason);
	cancel?.addEventListener('abort', () => controller.abort(cancel.reason), { once: true });
	return controller;
}

export async function openSession(ctx: IExecuteFunctions, settings: RunSettings, clock: Clock = systemClock): Promise<Session> {
	const authentication: Authentication =
		ctx.getNodeParameter('authentication', 0, 'klingApi') === 'klingAiApi' ? 'klingAiApi' : 'klingApi';
	const credentials = await ctx.getCredentials(authentication);
	const official = authentication === 'klingAiApi';
	const secrets = [credentials.apiKey, credentials.secretKey].filter((value): value is string => typeof value === 'string' && value !== '');
	const controller = runAbortController(ctx);
	const client = new KlingClient(ctx, {
		credentialType: authentication,
		baseUrl: official ? officialBaseUrl(credentials) : normalizeBaseUrl(credentials.baseUrl),
		secrets,
		timeoutMs: settings.timeoutMs,
		downloadTimeoutMs: settings.downloadTimeoutMs,
		retry: { ...DEFAULT_RETRY_POLICY, maxRetries: settings.maxRetries },
		limiter: new AdaptiveLimiter(settings.concurrency),
		clock,
		signal: controller.signal,
	});
	const poller = new TaskPoller(
		{ ...DEFAULT_POLL_POLICY, intervalMs: settings.pollIntervalMs, maxWaitMs: settings.maxWaitMs },
		clock,
		controller.signal,
	);
	return { authentication, client, poller, controller, taskLimiter: new AdaptiveLimiter(settings.concurrency) };
}
