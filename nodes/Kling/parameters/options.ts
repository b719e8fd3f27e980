import type { IDataObject, INodeProperties } from 'n8n-workflow';

import type { RunSettings } from '../wire/runSettings';
import { CREDENTIAL_OF } from '../wire/mode';
import type { Mode } from '../wire/mode';
import { checkNumber } from '../wire/numbers';
import type { NumberSpec } from '../wire/numbers';
import { numberProperty } from './numbers';

/** The run options, each declared once; every operation offers the ones that apply to it. */
export const OPTION_SPECS = {
	concurrency: {
		name: 'concurrency',
		displayName: 'Parallel Requests',
		default: 4,
		min: 1,
		max: 50,
		integer: true,
		description: "How many items of this execution run at once. The account's limit, learned from its 429 answers, may allow fewer.",
	},
	maxRetries: {
		name: 'maxRetries',
		displayName: 'Max Retries',
		default: 4,
		min: 0,
		max: 10,
		integer: true,
		description:
			'How often a request is sent again after a server error (500, 502, 503, 504) or a lost connection. Waits grow from about 1 s and honour Retry-After. Rate limits (429, 1302, 1303) are waited out until Timeout or Max Wait and do not count.',
	},
	timeout: {
		name: 'timeout',
		displayName: 'Timeout (Seconds)',
		default: 600,
		min: 1,
		max: 86_400,
		description:
			"How long one item may take: its request and any wait for the account's limit. Generations take about 30 s on average, sometimes minutes.",
	},
	downloadTimeout: {
		name: 'downloadTimeout',
		displayName: 'Download Timeout (Seconds)',
		default: 120,
		min: 1,
		max: 86_400,
		description: 'How long one image download may take, from request to last byte; a download that takes longer is stopped and fetched again',
	},
	maxImageSize: {
		name: 'maxImageSize',
		displayName: 'Max Image Size (MB)',
		default: 50,
		min: 0.001,
		max: 2048,
		description: 'Largest image to download; a bigger one is stopped and fails its item',
	},
	pollInterval: {
		name: 'pollInterval',
		displayName: 'Poll Interval (Seconds)',
		default: 3,
		min: 0.1,
		max: 600,
		description:
			'First wait before checking a task, growing gently after each check. Once tasks finish, checks start when tasks usually take.',
	},
	maxWait: {
		name: 'maxWait',
		displayName: 'Max Wait (Minutes)',
		default: 15,
		min: 0.01,
		max: 1440,
		description:
			'How long one item may wait for its task, from waiting for free task slots to its end (the task itself may still finish later)',
	},
	resendAfterUnclear: {
		name: 'resendAfterUnclear',
		displayName: 'Resend After Unclear Failures',
		default: 1,
		min: 0,
		max: 3,
		integer: true,
		description:
			'How often a generation is sent again after a failure the API may already have processed (500, 502, 504, a timeout, a connection cut after sending). Each resend may make and bill the images again; the official API is never resent blindly, it looks the task up first.',
	},
} satisfies Record<string, NumberSpec>;

export type OptionName = keyof typeof OPTION_SPECS;

/** Shown only in the mode the option applies to. */
const ONLY_IN: Partial<Record<OptionName, Mode>> = { resendAfterUnclear: 'gateway' };

/** An operation's Options collection: the run options it offers, plus any of its own. */
export function optionsProperty(names: OptionName[], more: INodeProperties[] = []): INodeProperties {
	const numbers = names.map((name) => {
		const mode = ONLY_IN[name];
		return numberProperty(OPTION_SPECS[name], mode ? { displayOptions: { show: { '/authentication': [CREDENTIAL_OF[mode]] } } } : {});
	});
	const options = [...numbers, ...more].sort((a, b) => a.displayName.localeCompare(b.displayName));
	return { displayName: 'Options', name: 'options', type: 'collection', placeholder: 'Add Option', default: {}, options };
}

const value = (options: IDataObject, name: OptionName) => checkNumber(OPTION_SPECS[name], options[name]);

/** Reads and checks the run settings from an Options collection; an option absent there has its default. */
export function readRunSettings(options: IDataObject): RunSettings {
	return {
		concurrency: value(options, 'concurrency'),
		maxRetries: value(options, 'maxRetries'),
		timeoutMs: value(options, 'timeout') * 1000,
		downloadTimeoutMs: value(options, 'downloadTimeout') * 1000,
		maxImageBytes: value(options, 'maxImageSize') * 1024 * 1024,
		pollIntervalMs: value(options, 'pollInterval') * 1000,
		maxWaitMs: value(options, 'maxWait') * 60_000,
		resendAfterUnclear: value(options, 'resendAfterUnclear'),
	};
}
