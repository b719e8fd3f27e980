/**
 * Splits the CPU time in `.cpuprofile` files (from `npm run bench -- --cpu-prof`) by what it was
 * spent on: `node build/bench/profileSummary.js [--cpu-ms-per-request <ms>] [--frames] <file>...`.
 * Give the CPU ms/req of an unprofiled run to see the shares in milliseconds per request (the
 * profiler's own cost inflates the profiled run's figure); `--frames` lists the busiest functions.
 *
 * Each sample goes to the innermost frame that marks a step of a request (its parameters, its
 * credential, its authentication, its connection, the rest of the HTTP call), so what such a step
 * calls (e.g. the expression engine inside authentication) counts as that step; JSON parsing and
 * serialising count as JSON, and writing to a socket as the HTTP call, wherever they run. Samples
 * under no step go by the code they are in.
 */
import { readFileSync } from 'node:fs';

interface CallFrame {
	functionName: string;
	url: string;
}

interface ProfileNode {
	id: number;
	callFrame: CallFrame;
	children?: number[];
}

interface CpuProfile {
	nodes: ProfileNode[];
	samples: number[];
	timeDeltas: number[];
}

type Rule = [category: string, matches: (frame: CallFrame) => boolean];

const named = (names: string[], url?: RegExp) => (frame: CallFrame) =>
	names.includes(frame.functionName) && (url === undefined || url.test(frame.url));
const from = (url: RegExp) => (frame: CallFrame) => url.test(frame.url);

/** Steps of a request, checked from the innermost frame outwards. */
const STEP_RULES: Rule[] = [
	// A fresh agent per request (n8n-core builds one for every call), the proxy lookup it does, and
	// opening and closing the TCP connection; with a kept-alive connection most of this goes away.
	['connection', from(/http-proxy\.js$|proxy-from-env|node:_http_agent$|node:internal\/net$/)],
	['connection', named(['setAxiosAgents'])],
	['connection', named(['connect', 'Socket', 'internalConnect', 'lookupAndConnect', 'afterConnect', '_destroy', 'emitCloseNT'], /^node:net$/)],
	['connection', named(['socketCloseListener'], /^node:_http_client$/)],
	['connection', named(['connect', 'close'], /^$/)], // the system calls themselves
	['credential', named(['getCredentials', '_getCredentials', 'getDecrypted'])],
	// n8n hands out a deep copy of the node, parameters and all, on every call.
	['getNode copies', named(['getNode'], /node-execution-context/)],
	['authentication', named(['authenticate', 'preAuthentication'])],
	['parameters', named(['getNodeParameter', 'ExecuteContext.getNodeParameter', '_getNodeParameter'])],
	['HTTP call', named(['httpRequest', 'httpRequestWithAuthentication', 'invokeAxios', 'convertN8nRequestToAxios'], /request-helper-functions/)],
];

/** Where samples under no step are, by the code they run in. */
const CODE_RULES: Rule[] = [
	['our code', from(/\/build\/(nodes|credentials)\//)],
	['HTTP call', from(/\/axios\/|follow-redirects|node:_http|node:net$|node:https?$|node:internal\/http|node:internal\/streams/)],
	['n8n engine', from(/\/n8n-core\/|\/n8n-workflow\/|\/luxon\//)],
	['benchmark harness', from(/\/build\/(test|bench)\//)],
	['garbage collection', named(['(garbage collector)'])],
];

/** Native functions that count as theirs wherever they run: a request's bytes go out on any connection. */
const LEAF_RULES: Rule[] = [
	['JSON', named(['parse', 'stringify'], /^$/)],
	['HTTP call', named(['writev', 'writeUtf8String', 'writeLatin1String', 'writeBuffer'], /^$/)],
];

function categoryOf(stack: CallFrame[]): string {
	const leaf = LEAF_RULES.find(([, matches]) => matches(stack[0]));
	if (leaf) return leaf[0];
	for (const rules of [STEP_RULES, CODE_RULES]) {
		for (const frame of stack) {
			const rule = rules.find(([, matches]) => matches(frame));
			if (rule) return rule[0];
		}
	}
	return 'other (Node.js, V8)';
}

/**
 * Samples by category, idle ones left out. Counted rather than weighted by the time between them:
 * on a loaded machine that time includes waiting for a core, which is not CPU spent.
 */
function summarise(profile: CpuProfile, totals: Map<string, number>, frames?: Map<string, number>): void {
	const byId = new Map(profile.nodes.map((node) => [node.id, node]));
	const parentOf = new Map<number, number>();
	for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
	const stackOf = (id: number) => {
		const stack: CallFrame[] = [];
		for (let at: number | undefined = id; at !== undefined; at = parentOf.get(at)) stack.push(byId.get(at)!.callFrame);
		return stack; // innermost first
	};
	for (const id of profile.samples) {
		const stack = stackOf(id);
		if (stack[0].functionName === '(idle)') continue;
		const category = categoryOf(stack);
		totals.set(category, (totals.get(category) ?? 0) + 1);
		const leaf = `${category}: ${stack[0].functionName} ${stack[0].url.replace(/.*node_modules\//, '')}`;
		frames?.set(leaf, (frames.get(leaf) ?? 0) + 1);
	}
}

function option(args: string[], name: string): string | undefined {
	const at = args.indexOf(name);
	return at === -1 ? undefined : args.splice(at, 2)[1];
}

function main(): void {
	const args = process.argv.slice(2);
	const perRequest = Number(option(args, '--cpu-ms-per-request') ?? NaN);
	const showFrames = args.includes('--frames');
	const files = args.filter((arg) => !arg.startsWith('--'));
	if (files.length === 0) throw new Error('usage: profileSummary [--cpu-ms-per-request <ms>] [--frames] <file.cpuprofile>...');
	const totals = new Map<string, number>();
	const frames = showFrames ? new Map<string, number>() : undefined;
	for (const file of files) summarise(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, totals, frames);
	const all = [...totals.values()].reduce((sum, samples) => sum + samples, 0);
	console.log(`${all} busy samples${Number.isFinite(perRequest) ? `, shares of ${perRequest} ms CPU per request` : ''}`);
	for (const [category, samples] of [...totals].sort((a, b) => b[1] - a[1])) {
		const share = samples / all;
		const ms = Number.isFinite(perRequest) ? `  ${(share * perRequest).toFixed(2).padStart(5)} ms/request` : '';
		console.log(`${category.padEnd(20)} ${(share * 100).toFixed(1).padStart(5)} %${ms}`);
	}
	if (!frames) return;
	for (const category of totals.keys()) {
		const busiest = [...frames].filter(([frame]) => frame.startsWith(`${category}:`)).sort((a, b) => b[1] - a[1]);
		for (const [frame, samples] of busiest.slice(0, 12)) console.log(`${String(samples).padStart(6)}  ${frame}`);
	}
}

main();
