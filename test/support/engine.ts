/**
 * Runs one node inside n8n-core's real execution engine (`WorkflowExecute` on a
 * real `Workflow`), with real execution contexts, request helpers and the real
 * `BinaryDataService`. Nothing is mocked except where the n8n server would be:
 * credentials come from memory instead of a database.
 * No jest imports: plain Node benchmark scripts use this too.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';

import {
	BinaryDataConfig,
	BinaryDataService,
	ExecutionLifecycleHooks,
	ExternalSecretsProxy,
	FileLocation,
	HookContext,
	InstanceSettings,
	LoadOptionsContext,
	WebhookContext,
	WorkflowExecute,
} from 'n8n-core';
// Not re-exported by n8n-core, but its 60 s interval keeps the process alive until shut down.
import { SSHClientsManager } from 'n8n-core/dist/execution-engine/ssh-clients-manager';
import {
	NodeApiError,
	NodeHelpers,
	UnexpectedError,
	Workflow,
	createRunExecutionData,
	fileTypeFromMimeType,
} from 'n8n-workflow';
import { MemoryCredentialsHelper } from './memoryCredentialsHelper';
import type {
	IBinaryData,
	ICredentialDataDecryptedObject,
	IDataObject,
	ICredentialType,
	IExecuteFunctions,
	ILoadOptionsFunctions,
	INode,
	INodeExecutionData,
	INodeParameters,
	INodeType,
	INodeTypes,
	IRun,
	IVersionedNodeType,
	IWorkflowBase,
	IWebhookDescription,
	IHookFunctions,
	IWebhookFunctions,
	IWorkflowExecuteAdditionalData,
	JsonObject,
	WorkflowExecuteMode,
} from 'n8n-workflow';

export type BinaryMode = 'default' | 'filesystem';

export interface RunNodeOptions {
	/** An instance of the node class, e.g. `new Kling()`. */
	nodeType: INodeType | IVersionedNodeType;
	/** Default `'n8n-nodes-kling.kling'`. */
	typeName?: string;
	/** Default: the node's default (or highest) version. */
	typeVersion?: number;
	/** Default `'Kling'`: the key of the node's entry in `runData`. */
	nodeName?: string;
	parameters: INodeParameters;
	/** Items handed to the node on its main input. */
	items: INodeExecutionData[];
	/** Decrypted credential data by credential type name, e.g. `{ klingApi: { apiKey, baseUrl } }`. */
	credentials?: Record<string, ICredentialDataDecryptedObject>;
	/** Credential type instances; their `authenticate` (generic or function) is applied like n8n does. */
	credentialTypes?: ICredentialType[];
	/** Sets `node.onError = 'continueRegularOutput'`. */
	continueOnFail?: boolean;
	/** Binary data mode for this run (process-wide, as in n8n). Default `'default'` (in memory). */
	binaryMode?: BinaryMode;
	/** Default `'manual'`, as when a user tests the node in the editor. */
	mode?: WorkflowExecuteMode;
	/**
	 * Default: a new id per run. The same id twice is one execution run again, as when n8n's queue
	 * mode re-runs a stalled job on another worker.
	 */
	executionId?: string;
}

export interface NodeRun {
	/** The node's real output: `runData[nodeName][0].data.main[0]`, `pairedItem` intact. */
	items: INodeExecutionData[];
	/** The node's error if the run failed: the thrown instance when available, else rebuilt from the run data. */
	error?: Error;
	run: IRun;
}

/** Settles when the engine finishes; after `cancel()` that needs the node to honour its cancel signal. */
export interface CancellableRun extends Promise<NodeRun> {
	/** Stops the execution like n8n's "stop execution": aborts `getExecutionCancelSignal()`. */
	cancel(): void;
}

const WORKFLOW_ID = 'kling-test-workflow';
const INSTANCE_URL = 'http://localhost:5678';

interface DiContainer {
	get<T>(type: abstract new (...args: never[]) => T): T;
	set<T>(type: abstract new (...args: never[]) => T, instance: T): void;
	has(type: abstract new (...args: never[]) => unknown): boolean;
}

interface ConfigModule {
	GlobalConfig: abstract new () => { logging: { level: string } };
	InstanceSettingsConfig: new () => {
		n8nFolder: string;
		userHome: string;
		encryptionKey: string;
	};
}

// n8n-core ships its own copies of @n8n/di and @n8n/config, which may differ from
// the top-level ones; only n8n-core's Container holds the services it looks up.
const requireFromCore = createRequire(require.resolve('n8n-core'));
const { Container } = requireFromCore('@n8n/di') as { Container: DiContainer };
const { GlobalConfig, InstanceSettingsConfig } = requireFromCore('@n8n/config') as ConfigModule;

interface EngineState {
	root: string;
	binaryConfig: BinaryDataConfig;
	binaryService: BinaryDataService;
	mode: BinaryMode;
	/** The latest mode switch: runs started together must not re-initialise the service twice at once. */
	modeSwitch: Promise<void>;
}

let engineSetup: Promise<EngineState> | undefined;
let executionCounter = 0;

async function engine(): Promise<EngineState> {
	engineSetup ??= initEngine();
	return await engineSetup;
}

async function initEngine(): Promise<EngineState> {
	const root = mkdtempSync(join(tmpdir(), 'n8n-kling-test-'));
	quietLogs();
	if (!Container.has(InstanceSettings)) configureInstance(root);
	const binaryConfig = Container.get(BinaryDataConfig);
	// Filesystem stays available in every mode, so ids stored earlier stay readable after a switch.
	binaryConfig.availableModes = ['filesystem'];
	binaryConfig.localStoragePath = join(root, 'binaryData');
	binaryConfig.mode = 'default';
	const binaryService = Container.get(BinaryDataService);
	await binaryService.init();
	return { root, binaryConfig, binaryService, mode: 'default', modeSwitch: Promise.resolve() };
}

/** The engine reports node errors through n8n's logger; keep test output clean unless N8N_LOG_LEVEL asks otherwise. */
function quietLogs(): void {
	if (process.env.N8N_LOG_LEVEL === undefined) Container.get(GlobalConfig).logging.level = 'silent';
}

/** InstanceSettings writes a settings file into the n8n folder: point it at the temp dir, never ~/.n8n. */
function configureInstance(root: string): void {
	const config = new InstanceSettingsConfig();
	config.userHome = root;
	config.n8nFolder = join(root, '.n8n');
	config.encryptionKey ||= 'kling-test-encryption-key';
	Container.set(InstanceSettingsConfig, config);
}

/**
 * Switches n8n's binary data mode (process-wide); runNode does this from its `binaryMode`.
 * Switches queue up, so runs started at once in the same mode initialise the service once.
 * Runs that overlap must share one mode: the mode is n8n's, not a run's.
 */
export async function setBinaryMode(mode: BinaryMode): Promise<void> {
	const state = await engine();
	// A failed switch must not block the ones after it.
	state.modeSwitch = state.modeSwitch.catch(() => undefined).then(async () => {
		if (state.mode === mode) return;
		state.binaryConfig.mode = mode;
		await state.binaryService.init(); // init() is what reads the mode from the config
		state.mode = mode;
	});
	await state.modeSwitch;
}

/** Stores input binary data through n8n's BinaryDataService in the current mode. */
export async function storeBinaryInput(buffer: Buffer, fileName: string, mimeType: string): Promise<IBinaryData> {
	const { binaryService } = await engine();
	const binary: IBinaryData = {
		data: '',
		mimeType,
		fileName,
		fileType: fileTypeFromMimeType(mimeType),
		fileExtension: extname(fileName).slice(1) || undefined,
	};
	return await binaryService.store(FileLocation.ofExecution(WORKFLOW_ID, 'inputs'), buffer, binary);
}

/** Reads binary data back, whether inline (memory mode) or by id (filesystem mode). */
export async function readBinaryOutput(binary: IBinaryData): Promise<Buffer> {
	const { binaryService } = await engine();
	return await binaryService.getAsBuffer(binary);
}

/** The folder filesystem-mode binary data is stored under (tests may break it to see a store fail). */
export async function binaryStorageRoot(): Promise<string> {
	return (await engine()).binaryConfig.localStoragePath;
}

/** Where filesystem-mode binary data lives on disk; undefined for inline data. */
export async function binaryFilePath(binary: IBinaryData): Promise<string | undefined> {
	const { binaryService } = await engine();
	return binary.id ? binaryService.getPath(binary.id) : undefined;
}

/**
 * Stops what keeps the process alive (n8n-core's SSH client manager, created with
 * the first node context) and removes the temp dir; the next run starts afresh.
 * Benchmarks call it when done; under jest it runs after each test file by itself.
 */
export async function cleanupEngine(): Promise<void> {
	if (Container.has(SSHClientsManager)) Container.get(SSHClientsManager).onShutdown();
	if (!engineSetup) return;
	const { root } = await engineSetup;
	engineSetup = undefined;
	rmSync(root, { recursive: true, force: true });
}

// jest's global, when present (never imported, so plain Node scripts work too).
const jestAfterAll = (globalThis as { afterAll?: (fn: () => Promise<void>) => void }).afterAll;
if (typeof jestAfterAll === 'function') jestAfterAll(cleanupEngine);

/**
 * Runs the node once on `items` through WorkflowExecute. Several runs may be in flight at once,
 * each an execution of its own (own id, credentials helper and cancel signal), like n8n running
 * a workflow for many triggers; they share the process-wide binary mode.
 */
export function runNode(options: RunNodeOptions): CancellableRun {
	let cancelled = false;
	let cancelEngine: (() => void) | undefined;
	const promise = (async () => {
		await engine();
		await setBinaryMode(options.binaryMode ?? 'default');
		const execution = startExecution(options);
		cancelEngine = () => execution.engineRun.cancel();
		if (cancelled) cancelEngine();
		const run = await execution.engineRun;
		return toNodeRun(run, execution.node, execution.thrown.error);
	})();
	const cancel = () => {
		cancelled = true;
		cancelEngine?.();
	};
	return Object.assign(promise, { cancel });
}

/** The node in a one-node workflow, and what n8n hands the node's contexts. */
function oneNodeWorkflow(
	options: Omit<RunNodeOptions, 'items'>,
	mode: WorkflowExecuteMode,
	thrown: { error?: unknown } = {},
	staticData?: IDataObject,
) {
	const typeName = options.typeName ?? 'n8n-nodes-kling.kling';
	const nodeTypes = new SingleNodeTypes(typeName, options.nodeType, thrown);
	const node = buildNode(options, typeName);
	const workflow = new Workflow({ id: WORKFLOW_ID, name: 'Kling test', nodes: [node], connections: {}, active: false, nodeTypes, staticData });
	const executionId = options.executionId ?? `test-${++executionCounter}`;
	const additionalData = buildAdditionalData(options, executionId, mode, node);
	return { workflow, node, additionalData };
}

/**
 * n8n-core's own context for a list-search or load-options method, as the editor's request
 * gets it: the node's parameters and credentials, and n8n's request helpers.
 */
export async function loadOptionsContext(options: Omit<RunNodeOptions, 'items'>, path: string): Promise<ILoadOptionsFunctions> {
	await engine();
	const { workflow, node, additionalData } = oneNodeWorkflow(options, 'manual');
	return new LoadOptionsContext(workflow, node, additionalData, path);
}

/** What of an HTTP exchange a webhook context reads: express's parsed request and its response. */
export interface WebhookExchange {
	/** `rawBody`: the body's bytes as received, which n8n keeps beside the parsed body. */
	request: { body: unknown; rawBody?: Buffer; query: Record<string, unknown>; headers: Record<string, unknown>; method: string };
	response: { status(code: number): { json(body: unknown): void } };
}

/**
 * The workflow's static data as n8n keeps it in its database: each webhook request gets a fresh
 * copy of what was saved, and the copy is saved back after the node's `webhook()` returned, when
 * it changed (n8n's WebhookService and WorkflowStaticDataService do the same).
 */
export class SavedStaticData {
	saved: IDataObject = {};

	load(): IDataObject {
		return JSON.parse(JSON.stringify(this.saved)) as IDataObject;
	}

	/** `__dataChanged` is the flag n8n's observable static data sets (not enumerable, so not saved). */
	saveIfChanged(copy: IDataObject): void {
		if (copy.__dataChanged !== true) return;
		this.saved = JSON.parse(JSON.stringify(copy)) as IDataObject; // stored as JSON, as in n8n's database
	}
}

/**
 * n8n-core's own WebhookContext for one request to a production webhook, as n8n's webhook server
 * builds it before calling the node's `webhook()`; binary data goes to the real binary store.
 * `staticData` is the workflow's static data for this request (see SavedStaticData).
 */
export async function webhookContext(
	options: Omit<RunNodeOptions, 'items'>,
	webhook: IWebhookDescription,
	exchange: WebhookExchange,
	staticData?: IDataObject,
): Promise<IWebhookFunctions> {
	await engine();
	await setBinaryMode(options.binaryMode ?? 'default');
	const { workflow, node, additionalData } = oneNodeWorkflow(options, 'webhook', {}, staticData);
	additionalData.httpRequest = exchange.request as unknown as IWorkflowExecuteAdditionalData['httpRequest'];
	additionalData.httpResponse = exchange.response as unknown as IWorkflowExecuteAdditionalData['httpResponse'];
	return new WebhookContext(workflow, node, additionalData, 'webhook', webhookDataOf(webhook, node.name, additionalData), [], null);
}

/** What n8n knows of a registered webhook: its method, node, path and workflow. */
function webhookDataOf(webhook: IWebhookDescription, nodeName: string, additionalData: IWorkflowExecuteAdditionalData) {
	return {
		httpMethod: webhook.httpMethod as 'POST',
		node: nodeName,
		path: String(webhook.path),
		webhookDescription: webhook,
		workflowId: WORKFLOW_ID,
		workflowExecuteAdditionalData: additionalData,
	};
}

/** n8n-core's own HookContext for a webhook's methods (checkExists, create, delete), as n8n builds it when it activates the workflow. */
export async function hookContext(options: Omit<RunNodeOptions, 'items'>, webhook: IWebhookDescription): Promise<IHookFunctions> {
	await engine();
	const { workflow, node, additionalData } = oneNodeWorkflow(options, 'trigger');
	return new HookContext(workflow, node, additionalData, 'trigger', 'activate', webhookDataOf(webhook, node.name, additionalData));
}

function startExecution(options: RunNodeOptions) {
	const thrown: { error?: unknown } = {};
	const mode = options.mode ?? 'manual';
	const { workflow, node, additionalData } = oneNodeWorkflow(options, mode, thrown);
	const runExecutionData = createRunExecutionData({
		executionData: { nodeExecutionStack: [{ node, data: { main: [options.items] }, source: null }] },
	});
	const workflowExecute = new WorkflowExecute(additionalData, mode, runExecutionData);
	try {
		return { engineRun: workflowExecute.processRunExecutionData(workflow), node, thrown };
	} catch (error) {
		throw explainIssues(error, workflowExecute.checkReadyForExecution(workflow, { startNode: node.name }));
	}
}

/** The engine refuses to start on parameter issues without saying which; add them. */
function explainIssues(error: unknown, issues: unknown): unknown {
	if (!(error instanceof Error) || issues === null) return error;
	error.message = `${error.message}: ${JSON.stringify(issues)}`;
	return error;
}

function defaultVersion(nodeType: INodeType | IVersionedNodeType): number {
	if ('nodeVersions' in nodeType) return nodeType.currentVersion;
	const { version, defaultVersion: preferred } = nodeType.description;
	return preferred ?? (Array.isArray(version) ? Math.max(...version) : version);
}

function buildNode(options: Omit<RunNodeOptions, 'items'>, typeName: string): INode {
	const credentials = Object.keys(options.credentials ?? {}).map((type) => [type, { id: `${type}-id`, name: `${type} (test)` }]);
	return {
		id: 'kling-test-node',
		name: options.nodeName ?? 'Kling',
		type: typeName,
		typeVersion: options.typeVersion ?? defaultVersion(options.nodeType),
		position: [0, 0],
		// The Workflow fills in defaults in place: keep the caller's object untouched.
		parameters: structuredClone(options.parameters),
		credentials: Object.fromEntries(credentials),
		...(options.continueOnFail ? { onError: 'continueRegularOutput' as const } : {}),
	};
}

function buildAdditionalData(
	options: Omit<RunNodeOptions, 'items'>,
	executionId: string,
	mode: WorkflowExecuteMode,
	node: INode,
): IWorkflowExecuteAdditionalData {
	const workflowData: IWorkflowBase = {
		id: WORKFLOW_ID,
		name: 'Kling test',
		active: false,
		isArchived: false,
		activeVersionId: null,
		createdAt: new Date(),
		updatedAt: new Date(),
		nodes: [node],
		connections: {},
	};
	const unavailable = (what: string) => async () => {
		throw new UnexpectedError(`${what} is not available in the test engine`);
	};
	return {
		credentialsHelper: new MemoryCredentialsHelper(options.credentials ?? {}, options.credentialTypes ?? []),
		hooks: new ExecutionLifecycleHooks(mode, executionId, workflowData),
		externalSecretsProxy: new ExternalSecretsProxy(),
		executionId,
		currentNodeExecutionIndex: 0,
		restApiUrl: `${INSTANCE_URL}/rest`,
		instanceBaseUrl: `${INSTANCE_URL}/`,
		formWaitingBaseUrl: `${INSTANCE_URL}/form-waiting`,
		webhookBaseUrl: `${INSTANCE_URL}/webhook`,
		webhookWaitingBaseUrl: `${INSTANCE_URL}/webhook-waiting`,
		webhookTestBaseUrl: `${INSTANCE_URL}/webhook-test`,
		variables: {},
		executeWorkflow: unavailable('executeWorkflow'),
		getRunExecutionData: async () => undefined,
		logAiEvent: () => {},
		startRunnerTask: unavailable('startRunnerTask'),
	};
}

function toNodeRun(run: IRun, node: INode, thrown: unknown): NodeRun {
	const items = run.data.resultData.runData[node.name]?.[0]?.data?.main[0] ?? [];
	return { items, error: runError(run, node, thrown), run };
}

function runError(run: IRun, node: INode, thrown: unknown): Error | undefined {
	const failure = run.data.resultData.error;
	if (!failure) return undefined;
	// The engine wraps raw axios errors like this before storing them.
	const error = isAxiosError(thrown) ? new NodeApiError(node, thrown as unknown as JsonObject) : thrown;
	if (error instanceof Error && error.message === failure.message) return error;
	// The engine stores a spread copy of the error; give it an Error prototype back.
	return Object.assign(new Error(failure.message), failure);
}

function isAxiosError(error: unknown): boolean {
	return typeof error === 'object' && error !== null && (error as { isAxiosError?: unknown }).isAxiosError === true;
}

/** The node registry of a one-node workflow. */
class SingleNodeTypes implements INodeTypes {
	constructor(
		private readonly typeName: string,
		private readonly nodeType: INodeType | IVersionedNodeType,
		private readonly thrown: { error?: unknown },
	) {}

	getByName(name: string): INodeType | IVersionedNodeType {
		this.assertKnown(name);
		return this.nodeType;
	}

	getByNameAndVersion(name: string, version?: number): INodeType {
		this.assertKnown(name);
		return observeErrors(NodeHelpers.getVersionedNodeType(this.nodeType, version), this.thrown);
	}

	getKnownTypes() {
		return {};
	}

	private assertKnown(name: string): void {
		if (name !== this.typeName) throw new UnexpectedError(`Unknown node type in test engine: ${name}`);
	}
}

/** Same node, but remembers what `execute` threw: the engine keeps only a plain copy of it. */
function observeErrors(nodeType: INodeType, sink: { error?: unknown }): INodeType {
	const { execute } = nodeType;
	if (!execute) return nodeType;
	const observed = Object.create(nodeType) as INodeType;
	observed.execute = async function (this: IExecuteFunctions, ...args: Parameters<typeof execute>) {
		try {
			return await execute.apply(this, args);
		} catch (error) {
			sink.error = error;
			throw error;
		}
	};
	return observed;
}
