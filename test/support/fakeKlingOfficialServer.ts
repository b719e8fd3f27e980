/**
 * A fake of Kling's official asynchronous image API on 127.0.0.1: JWT or API-key
 * auth, task creation with the official body rules, task status derived from a
 * (virtual) clock, listing, an account slot cap and a fault queue. A task created
 * with `callback_url` is POSTed there (the task object, no envelope) when it starts
 * processing and when it ends, on real timers; with `webhookSecret` each callback is signed as
 * Kling documents for its webhooks (Standard Webhooks).
 * Node built-ins only, so benchmarks can use it outside jest too.
 */
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';

import { EXTENSIONS, MIME_TYPES, promptImage } from './fakeImages';
import type { ImageFormat } from './fakeImages';
import { TrackedServer, applyTransportFault, parseJson, readBody, sendJson } from './httpTestServer';
import type { TransportFault } from './httpTestServer';

export interface FakeKlingOfficialOptions {
	/** JWT `iss` the server expects. Default `'test-ak'`. */
	accessKey?: string;
	/** HS256 secret JWTs must be signed with. Default `'test-sk'`. */
	secretKey?: string;
	/** A plain key also accepted as Bearer token. Default: none. */
	apiKey?: string;
	/** Time from submit to `succeed`/`failed`. Default 300 ms. */
	taskDurationMs?: number;
	/** Time from submit to `processing`. Default a third of `taskDurationMs`. */
	processingAfterMs?: number;
	/**
	 * Account cap on running task slots (an image task takes `n`) of each pack type, as Kling counts
	 * them: virtual try-on in a pool of its own, every other family in the image pool. Past it
	 * creates get 429/1303.
	 */
	maxConcurrentTasks?: number;
	/** Caps per pack type, over `maxConcurrentTasks`. */
	maxConcurrentTasksByPack?: Partial<Record<FakePackType, number>>;
	/**
	 * Caps per model version, e.g. `{ 'kling-v3': 2, 'kling-image-o1': 2 }`: Kling counts running
	 * slots per pack type and model (a task without `model_name` counts under its family's default
	 * model; Expand has none and no model cap). Past it creates get 429/1303. Any pack cap above
	 * applies as well.
	 */
	taskLimitsByModel?: Record<string, number>;
	/** Default `'png'`. */
	imageFormat?: ImageFormat;
	/** Milliseconds now; inject a virtual clock to step tasks through their states. Default `Date.now`. */
	clock?: () => number;
	/** Tolerance for `exp`/`nbf` checks, in seconds. Default 0. */
	clockSkewSec?: number;
	/**
	 * The `index` of each image a finished task lists, whatever `n` asked for: `[0]` for a task of
	 * n = 3 returns one image, `[0, 0]` repeats an index. Default: `0` to `n - 1`.
	 */
	resultIndexes?: number[];
	/** What `GET /account/costs` lists (before its resource_pack_name filter). Default: two packs. */
	resourcePacks?: Array<Record<string, unknown>>;
	/** The inner `data.code` / `data.msg` of the costs answer. Default 0 / 'success'. */
	costsOutcome?: { code: number; msg: string };
	/** Segmentation kinds image recognize answers beyond the four documented ones, e.g. `['hand_seg']`. */
	extraSegmentTypes?: string[];
	/** How many images a series of `series_amount: auto` makes (and so holds slots for). Default 5. */
	autoSeriesAmount?: number;
	/** A finished series lists its first image under `images` and the rest under `series_images`. Default: all under `series_images`. */
	seriesInBothLists?: boolean;
	/**
	 * A Standard Webhooks secret (`whsec_` + base64 key): callbacks then carry `webhook-id`,
	 * `webhook-timestamp` (the clock's seconds) and `webhook-signature: v1,<base64 HMAC-SHA256 of
	 * id.timestamp.body>`. Default: unsigned, as Kling's image docs describe callbacks.
	 */
	webhookSecret?: string;
	/** False: the older element API (`custom-elements`, `presets-elements`) is gone, its routes answer 404. Default true. */
	olderElementApi?: boolean;
}

/**
 * Replaces the answer to the next API request (create, get or list), before the auth check; or,
 * with `afterProcessing`, handles the request as usual (a create makes its task) and then answers
 * with the fault instead, as when an answer is lost on its way back.
 */
export type OfficialFault =
	| TransportFault
	| { afterProcessing: TransportFault }
	| { pass: true } // answer as usual
	| { echoAuthorization: number }; // answer this status with the request's Authorization header in the message

/** The task families this fake serves, each under its own path (create, list, and path + `/{id}` to read). */
export const FAMILY_PATHS = {
	generation: '/v1/images/generations',
	multiImage: '/v1/images/multi-image2image',
	expand: '/v1/images/editing/expand',
	tryOn: '/v1/images/kolors-virtual-try-on',
	omniImage: '/v1/images/omni-image',
	multiShot: '/v1/general/ai-multi-shot',
	/** Kling's current element library: creating an element is a task; its result lists the element. */
	element: '/v1/general/advanced-custom-elements',
} as const;

export type FakeTaskFamily = keyof typeof FAMILY_PATHS;

/** Kling's pools of concurrent tasks: try-on has its own; the other image families share one. */
export type FakePackType = 'image' | 'tryOn';

export const packTypeOf = (family: FakeTaskFamily): FakePackType => (family === 'tryOn' ? 'tryOn' : 'image');

/** The model a task runs on when its body names none, per Kling's docs; Expand, Multi-Shot and element tasks have no model. */
const DEFAULT_MODELS: Record<FakeTaskFamily, string | undefined> = {
	generation: 'kling-v3',
	multiImage: 'kling-v2-1',
	expand: undefined,
	tryOn: 'kolors-virtual-try-on-v1',
	omniImage: 'kling-image-o1',
	multiShot: undefined,
	element: undefined,
};

export interface CreatedTask {
	family: FakeTaskFamily;
	taskId: string;
	externalTaskId?: string;
	/** The create body as sent. */
	body: Record<string, any>;
	headers: IncomingHttpHeaders;
	/** Clock milliseconds at creation. */
	createdAt: number;
}

export interface FakeKlingOfficialServer {
	readonly baseUrl: string;
	readonly accessKey: string;
	readonly secretKey: string;
	/** Every create POST of any family, rejected and faulted ones included. */
	readonly createAttempts: number;
	/** The same, per task family. */
	readonly createAttemptsByFamily: Partial<Record<FakeTaskFamily, number>>;
	/** Tasks created, oldest first. */
	readonly created: CreatedTask[];
	/**
	 * GETs per task_id under its own family's path (also when looked up by external_task_id,
	 * rejected or faulted). A read under another family's path is a miss (404, 1203) and counts in `misreads`.
	 */
	readonly statusPolls: Map<string, number>;
	/** Reads of a task id under a path of another family than the one that created it. */
	readonly misreads: number;
	/** List GETs, rejected and faulted ones included. */
	readonly listCalls: number;
	/** Clock time of each create refused with 1303 (the account's task limit), in order. */
	readonly refusedAt: number[];
	/** `GET /account/costs` calls, refused ones included. */
	readonly costsCalls: number;
	/** The query of each costs call that passed its checks. */
	readonly costsQueries: Array<Record<string, string>>;
	/** Every HTTP request received, on any route, image downloads included; never cleared. */
	readonly httpRequests: number;
	/** Most task slots running at once (sampled at each create). */
	readonly peakSlots: number;
	/** The same per model version (the model's own slots, in its pack type), for tasks that have a model. */
	readonly peakSlotsByModel: Record<string, number>;
	/** Every JWT claim set that decoded, whether or not it was then accepted. */
	readonly tokens: Array<Record<string, unknown>>;
	enqueue(...faults: OfficialFault[]): void;
	/** Task slots still running now, of one pack type or of all, and of one model or of all. */
	slotsInUse(pack?: FakePackType, model?: string): number;
	/** Bytes served for an image URL (absolute or path), or undefined if unknown. */
	imageBytesFor(url: string): Buffer | undefined;
	/** Callbacks sent to tasks' `callback_url`, in the order they were answered. */
	readonly callbacks: SentCallback[];
	/**
	 * Every call to the element library outside the task routes (the older API's create and lists,
	 * the current presets list, delete), refused ones included, in order. Bodies are as parsed with
	 * element ids kept as digit strings. Creating a current element is a task (family `element`).
	 */
	readonly elementCalls: ElementCall[];
	/** The body of every image-recognize POST, refused ones included (`undefined` when not JSON). */
	readonly recognizeCalls: Array<Record<string, any> | undefined>;
	/** The account's own elements of the current API (made by element tasks that succeeded), oldest first. */
	ownElements(): FakeElement[];
	/** Kling's preset elements of the current API (ids as digit strings). */
	readonly presetElements: readonly FakeElement[];
	/** The account's own elements of the older `custom-elements` API, oldest first. */
	olderElements(): FakeOlderElement[];
	/** Kling's preset elements of the older API. */
	readonly olderPresetElements: readonly FakeOlderElement[];
	/** Forgets counters, tokens, the `created` list and queued faults; tasks stay readable and keep their slots. */
	clear(): void;
	close(): Promise<void>;
}

/**
 * One callback the fake sent: where, what, and the receiver's HTTP status ('error': no answer;
 * 'not loopback': not sent, as tests talk to this machine only).
 */
export interface SentCallback {
	url: string;
	body: Record<string, unknown>;
	/** The request headers, the signature's included when the fake signs. */
	headers: Record<string, string>;
	/** The body exactly as sent. */
	rawBody: string;
	status: number | 'error' | 'not loopback';
}

export interface ElementCall {
	method: string;
	path: string;
	query: Record<string, string>;
	body?: Record<string, any>;
}

/**
 * An element of the current API as a task's `task_result.elements[]` shows it (after a recorded
 * answer): `element_id` is a digit string here and a bare JSON number on the wire, `owned_by` the
 * creator's numeric id, tags `{id, name, description: "None"}`.
 */
export interface FakeElement {
	element_id: string;
	element_name: string;
	element_description: string;
	element_type: string;
	element_image_list: { frontal_image: string; refer_images: Array<{ image_url: string }> };
	tag_list: Array<{ id: string; name: string; description: string }>;
	owned_by: number;
}

/** An element of the older `custom-elements` API, as that API shows it. */
export interface FakeOlderElement {
	element_id: string;
	element_name: string;
	element_description: string;
	element_frontal_image: string;
	element_refer_list: Array<{ image_url: string }>;
	tag_list: Array<{ id: string; name: string; description: string }>;
	owned_by: string;
}

const LOOPBACK_HOSTS = ['127.0.0.1', 'localhost', '[::1]'];

type Handler = (req: IncomingMessage, url: URL) => Promise<unknown>;

interface Task extends CreatedTask {
	n: number;
	/** `model_name`, or the family's default; undefined for Expand. */
	model?: string;
	images?: Array<{ index: number; url: string }>;
	/** An element task's element, listed once the task has succeeded (unless deleted). */
	element?: FakeElement;
}

class KlingError extends Error {
	constructor(readonly status: number, readonly code: number, message: string) {
		super(message);
	}
}

/** /generations as Kling's docs of December 2026 state it: two models, kling-v3 the default. */
const MODELS = ['kling-v3', 'kling-v2-1'];
/** Ids the docs named before; a call with one was answered that it has been discontinued. */
const DISCONTINUED_MODELS = ['kling-v1', 'kling-v1-5', 'kling-v2', 'kling-v2-new'];
/** Fields the docs say apply to kling-v2-1 only. */
const V2_1_ONLY_FIELDS = ['image_reference', 'image_fidelity', 'human_fidelity'];
const ASPECT_RATIOS = ['16:9', '9:16', '1:1', '4:3', '3:4', '3:2', '2:3', '21:9'];
const CHOICES: Record<string, string[]> = {
	model_name: MODELS,
	aspect_ratio: ASPECT_RATIOS,
	image_reference: ['subject', 'face'],
	resolution: ['1k', '2k'],
};
const MAX_TEXT = 2500;

const invalid = (message: string) => new KlingError(400, 1201, message);
const hasWord = (text: string, word: string) => new RegExp(`\\b${word}\\b`, 'i').test(text);
const base64url = (data: Buffer) => data.toString('base64url');

function checkText(body: Record<string, any>, field: string, required: boolean): void {
	const value = body[field];
	if (value === undefined && !required) return;
	if (typeof value !== 'string' || value.trim() === '') throw invalid(`'${field}' must be a non-empty string`);
	if (value.length > MAX_TEXT) throw invalid(`'${field}' must be at most ${MAX_TEXT} characters`);
}

function checkRange(body: Record<string, any>, field: string, min: number, max: number, integer = false): void {
	const value = body[field];
	if (value === undefined) return;
	if (typeof value !== 'number' || value < min || value > max || (integer && !Number.isInteger(value))) {
		throw invalid(`'${field}' must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}`);
	}
}

/** The official body rules this fake enforces; throws 1201 on the first violation. */
function validateCreate(body: Record<string, any>): void {
	if (DISCONTINUED_MODELS.includes(body.model_name)) throw invalid(`The model '${body.model_name}' has been discontinued`);
	const model = body.model_name ?? MODELS[0];
	for (const field of V2_1_ONLY_FIELDS) {
		if (body[field] !== undefined && model !== 'kling-v2-1') throw invalid(`'${field}' is only supported by kling-v2-1`);
	}
	checkText(body, 'prompt', true);
	checkText(body, 'negative_prompt', false);
	for (const [field, allowed] of Object.entries(CHOICES)) {
		if (body[field] !== undefined && !allowed.includes(body[field])) {
			throw invalid(`'${field}' must be one of ${allowed.join(', ')}`);
		}
	}
	if (body.image !== undefined) {
		// The official API wants bare base64 (no length cap here: images are large) or a URL.
		if (typeof body.image !== 'string' || body.image === '') throw invalid("'image' must be a non-empty string");
		if (body.image.startsWith('data:')) throw invalid("'image' must be base64 without a data: prefix, or a URL");
		if (body.negative_prompt !== undefined) throw invalid("'negative_prompt' is not supported together with 'image'");
	}
	if (body.human_fidelity !== undefined && body.image_reference !== 'subject') {
		throw invalid("'human_fidelity' is only allowed with image_reference 'subject'");
	}
	checkRange(body, 'image_fidelity', 0, 1);
	checkRange(body, 'human_fidelity', 0, 1);
	checkRange(body, 'n', 1, 9, true);
	for (const field of ['external_task_id', 'callback_url']) {
		if (body[field] !== undefined && typeof body[field] !== 'string') throw invalid(`'${field}' must be a string`);
	}
	if (body.watermark_info !== undefined && typeof body.watermark_info?.enabled !== 'boolean') {
		throw invalid("'watermark_info' must be an object with a boolean 'enabled'");
	}
}

const MAX_IMAGE_BYTES = 10 * 1024 * 1024;
const COSTS_PATH = '/account/costs';
/** Two packs in the documented shape: one used up over time, one renewed each period. */
const DEFAULT_PACKS: Array<Record<string, unknown>> = [
	{
		resource_pack_name: 'Image Trial Pack',
		resource_pack_id: 'pack-1',
		resource_pack_type: 'decreasing_total',
		total_quantity: 200,
		remaining_quantity: 187.5,
		purchase_time: 1_761_955_200_000,
		effective_time: 1_761_955_200_000,
		invalid_time: 1_769_904_000_000,
		status: 'online',
	},
	{
		resource_pack_name: 'Monthly Pack',
		resource_pack_id: 'pack-2',
		resource_pack_type: 'constant_period',
		total_quantity: 1000,
		remaining_quantity: 1000,
		purchase_time: 1_759_276_800_000,
		effective_time: 1_759_276_800_000,
		invalid_time: 1_761_955_200_000,
		status: 'expired',
	},
];
/** Options every task create may carry; watermark_info all but try-on. */
const TASK_OPTION_FIELDS = ['callback_url', 'external_task_id'];

/** An image field: an http(s) URL, or bare base64 of a JPG or PNG of at most 10 MB. */
function checkImage(body: Record<string, any>, field: string, required: boolean): void {
	const value = body[field];
	if (value === undefined && !required) return;
	if (typeof value !== 'string' || value === '') throw invalid(`'${field}' must be a non-empty string`);
	if (/^https?:\/\//.test(value)) return;
	if (value.startsWith('data:')) throw invalid(`'${field}' must be base64 without a data: prefix, or a URL`);
	if (!/^[A-Za-z0-9+/]+={0,2}$/.test(value) || value.length % 4 !== 0) throw invalid(`'${field}' is neither a URL nor base64`);
	const bytes = Buffer.from(value, 'base64');
	if (bytes.length > MAX_IMAGE_BYTES) throw invalid(`'${field}' is larger than 10 MB`);
	const png = bytes.subarray(0, 4).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47]));
	const jpeg = bytes.subarray(0, 3).equals(Buffer.from([0xff, 0xd8, 0xff]));
	if (!png && !jpeg) throw invalid(`'${field}' must be a JPG or PNG image`);
}

function checkChoice(body: Record<string, any>, field: string, allowed: string[]): void {
	if (body[field] !== undefined && !allowed.includes(body[field])) throw invalid(`'${field}' must be one of ${allowed.join(', ')}`);
}

/** Refuses a field the family does not document, so a misnamed field cannot pass unnoticed. */
function checkKnownFields(body: Record<string, any>, known: string[]): void {
	const unknown = Object.keys(body).filter((field) => !known.includes(field));
	if (unknown.length > 0) throw invalid(`unknown field(s) for this endpoint: ${unknown.join(', ')}`);
}

function checkTaskOptions(body: Record<string, any>, watermark: boolean): void {
	for (const field of TASK_OPTION_FIELDS) {
		if (body[field] !== undefined && typeof body[field] !== 'string') throw invalid(`'${field}' must be a string`);
	}
	if (watermark && body.watermark_info !== undefined && typeof body.watermark_info?.enabled !== 'boolean') {
		throw invalid("'watermark_info' must be an object with a boolean 'enabled'");
	}
}

/** POST /v1/images/multi-image2image: 1–4 subject images, optional scene and style, prompt optional. */
function validateMultiImage(body: Record<string, any>): void {
	checkKnownFields(body, ['model_name', 'prompt', 'subject_image_list', 'scene_image', 'style_image', 'n', 'aspect_ratio', 'watermark_info', ...TASK_OPTION_FIELDS]);
	checkChoice(body, 'model_name', ['kling-v2', 'kling-v2-1']);
	checkText(body, 'prompt', false);
	const subjects = body.subject_image_list;
	if (!Array.isArray(subjects) || subjects.length < 1 || subjects.length > 4) {
		throw invalid("'subject_image_list' must be a list of 1 to 4 entries");
	}
	for (const subject of subjects) {
		if (typeof subject !== 'object' || subject === null || Object.keys(subject).join() !== 'subject_image') {
			throw invalid("each 'subject_image_list' entry must be {\"subject_image\": image}");
		}
		checkImage(subject, 'subject_image', true);
	}
	checkImage(body, 'scene_image', false);
	checkImage(body, 'style_image', false);
	checkRange(body, 'n', 1, 9, true);
	checkChoice(body, 'aspect_ratio', ASPECT_RATIOS);
	checkTaskOptions(body, true);
}

const EXPANSION_FIELDS = ['up_expansion_ratio', 'down_expansion_ratio', 'left_expansion_ratio', 'right_expansion_ratio'];

/** POST /v1/images/editing/expand: one image, four ratios 0–2, the new area at most 3× the old. */
function validateExpand(body: Record<string, any>): void {
	checkKnownFields(body, ['image', ...EXPANSION_FIELDS, 'prompt', 'n', 'watermark_info', ...TASK_OPTION_FIELDS]);
	checkImage(body, 'image', true);
	for (const field of EXPANSION_FIELDS) {
		if (body[field] === undefined) throw invalid(`'${field}' is required`);
		checkRange(body, field, 0, 2);
	}
	const [up, down, left, right] = EXPANSION_FIELDS.map((field) => body[field] as number);
	if ((1 + left + right) * (1 + up + down) > 3) throw invalid('the expanded image may be at most 3 times the area of the original');
	checkText(body, 'prompt', false);
	checkRange(body, 'n', 1, 9, true);
	checkTaskOptions(body, true);
}

/** POST /v1/images/kolors-virtual-try-on: a person and a garment; no prompt, n or watermark. */
function validateTryOn(body: Record<string, any>): void {
	checkKnownFields(body, ['model_name', 'human_image', 'cloth_image', ...TASK_OPTION_FIELDS]);
	checkChoice(body, 'model_name', ['kolors-virtual-try-on-v1', 'kolors-virtual-try-on-v1-5']);
	checkImage(body, 'human_image', true);
	checkImage(body, 'cloth_image', true);
	checkTaskOptions(body, false);
}

const OMNI_MODELS = ['kling-image-o1', 'kling-v3-omni'];
const MAX_OMNI_REFERENCES = 10;

/**
 * POST /v1/images/omni-image: prompt required; images and known elements, 10 in all; 4k and
 * series only with kling-v3-omni; `auto` ratio (the default) only with a reference.
 */
function validateOmniImage(body: Record<string, any>, isElement: (id: string) => boolean): void {
	checkKnownFields(body, [
		'model_name', 'prompt', 'image_list', 'element_list', 'resolution', 'result_type', 'series_amount', 'n',
		'aspect_ratio', 'watermark_info', ...TASK_OPTION_FIELDS,
	]);
	checkChoice(body, 'model_name', OMNI_MODELS);
	const v3 = body.model_name === 'kling-v3-omni';
	checkText(body, 'prompt', true);
	const images = listField(body, 'image_list', 'image');
	for (const entry of images) checkImage(entry, 'image', true);
	const elements = listField(body, 'element_list', 'element_id');
	for (const { element_id: id } of elements) {
		if (typeof id !== 'string' || !/^\d+$/.test(id)) throw invalid("each 'element_list' entry's 'element_id' must be an integer id");
		if (!isElement(id)) throw invalid(`'element_list' names element_id ${id}, which is not an element of this account or a preset`);
	}
	if (images.length + elements.length > MAX_OMNI_REFERENCES) {
		throw invalid(`'image_list' and 'element_list' may hold at most ${MAX_OMNI_REFERENCES} entries together`);
	}
	checkChoice(body, 'resolution', ['1k', '2k', '4k']);
	if (body.resolution === '4k' && !v3) throw invalid("'resolution' 4k needs model_name kling-v3-omni");
	checkChoice(body, 'result_type', ['single', 'series']);
	if (body.result_type === 'series') {
		if (!v3) throw invalid("'result_type' series needs model_name kling-v3-omni");
		if (body.series_amount === undefined) throw invalid("'series_amount' is required with result_type series");
		if (body.series_amount !== 'auto') checkRange(body, 'series_amount', 2, 9, true);
	}
	checkRange(body, 'n', 1, 9, true);
	checkChoice(body, 'aspect_ratio', [...ASPECT_RATIOS, 'auto']);
	if ((body.aspect_ratio ?? 'auto') === 'auto' && images.length + elements.length === 0) {
		throw invalid("'aspect_ratio' auto needs a reference image or element; set one of the fixed ratios");
	}
	checkTaskOptions(body, true);
}

/**
 * POST /v1/general/advanced-custom-elements: name ≤ 20, description ≤ 100 (optional), reference
 * type `image_refer` with a frontal image and 1–3 reference images (each a URL or base64), tags
 * o_101–o_108, an optional voice id, the task options.
 */
function validateAdvancedElement(body: Record<string, any>): void {
	checkKnownFields(body, ['element_name', 'element_description', 'reference_type', 'element_image_list', 'tag_list', 'element_voice_id', ...TASK_OPTION_FIELDS]);
	checkElementTexts(body);
	if (body.reference_type === 'video_refer') throw invalid("'reference_type' video_refer takes 'element_video_list', which image elements do not use");
	if (body.reference_type !== 'image_refer') throw invalid("'reference_type' must be one of image_refer, video_refer");
	const list = body.element_image_list;
	if (typeof list !== 'object' || list === null || Array.isArray(list)) throw invalid("'element_image_list' must be an object");
	checkKnownFields(list, ['frontal_image', 'refer_images']);
	checkImage(list, 'frontal_image', true);
	const refers = listField(list, 'refer_images', 'image_url');
	if (refers.length < 1 || refers.length > 3) throw invalid("'element_image_list.refer_images' must hold 1 to 3 entries");
	for (const refer of refers) checkImage(refer, 'image_url', true);
	checkTags(body);
	if (body.element_voice_id !== undefined && typeof body.element_voice_id !== 'string') throw invalid("'element_voice_id' must be a string");
	checkTaskOptions(body, false);
}

/** POST /v1/general/ai-multi-shot: a subject's front image, the task options, nothing else (no model, prompt or n). */
function validateMultiShot(body: Record<string, any>): void {
	checkKnownFields(body, ['element_frontal_image', ...TASK_OPTION_FIELDS]);
	checkImage(body, 'element_frontal_image', true);
	checkTaskOptions(body, false);
}

/** An optional list of one-key objects, e.g. `image_list: [{image}]`; absent is empty. */
function listField(body: Record<string, any>, field: string, key: string): Array<Record<string, any>> {
	const list = body[field];
	if (list === undefined) return [];
	if (!Array.isArray(list)) throw invalid(`'${field}' must be a list`);
	for (const entry of list) {
		if (typeof entry !== 'object' || entry === null || Object.keys(entry).join() !== key) {
			throw invalid(`each '${field}' entry must be {"${key}": ...}`);
		}
	}
	return list;
}

const VALIDATORS: Record<FakeTaskFamily, (body: Record<string, any>, isElement: (id: string) => boolean) => void> = {
	generation: validateCreate,
	multiImage: validateMultiImage,
	expand: validateExpand,
	tryOn: validateTryOn,
	omniImage: validateOmniImage,
	multiShot: validateMultiShot,
	element: validateAdvancedElement,
};

/** Made-up prices per image, so that each family's `final_unit_deduction` differs. */
const UNITS_PER_IMAGE: Record<FakeTaskFamily, number> = { generation: 1, multiImage: 2, expand: 1.5, tryOn: 4, omniImage: 2.5, multiShot: 20, element: 3 };

/** Made-up list price of a unit, for `final_balance_deduction`. */
const LIST_PRICE_PER_UNIT = 0.14;

/** AI Multi-Shot makes three views of the subject, `url_1` to `url_3`, in one entry of `images`. */
const MULTI_SHOT_VIEWS = 3;

/**
 * The element library's routes beside the `element` task family (all under the official API's
 * auth): the older API's create and lists, the current presets list, and delete (both kinds).
 */
const ELEMENTS = {
	create: '/v1/general/custom-elements',
	own: '/v1/general/custom-elements',
	presets: '/v1/general/presets-elements',
	advancedPresets: '/v1/general/advanced-presets-elements',
	delete: '/v1/general/delete-elements',
} as const;
const RECOGNIZE_PATH = '/v1/videos/image-recognize';
const SEGMENT_TYPES = ['object_seg', 'head_seg', 'face_seg', 'cloth_seg'];

/** The documented tags, o_101 to o_108, with the older API's names. */
const ELEMENT_TAGS: Record<string, string> = {
	o_101: 'meme', o_102: 'person', o_103: 'animal', o_104: 'prop', o_105: 'clothing', o_106: 'scene', o_107: 'effect', o_108: 'other',
};
/** The same tags as the current element docs name them. */
const CURRENT_TAG_NAMES: Record<string, string> = {
	o_101: 'hottest', o_102: 'character', o_103: 'animal', o_104: 'item', o_105: 'costume', o_106: 'scene', o_107: 'effect', o_108: 'others',
};
/** The creator id a recorded answer shows in `owned_by`: a number. */
const ACCOUNT_ID = 35_218_843;
const KLING_ACCOUNT_ID = 1;

/**
 * Element ids are longs beyond 2^53, close together: read through a float they come out
 * rounded (860321453218791424123 → 860321453218791400000) and several collapse into one.
 */
const FIRST_OWN_ELEMENT_ID = 860_321_453_218_791_424_123n;
const OLDER_PRESET_ELEMENTS: readonly FakeOlderElement[] = [
	['912345678901234567891', 'Red Panda', 'a small red panda mascot', 'o_103'],
	['912345678901234567893', 'Astronaut', 'an astronaut in a white suit', 'o_102'],
	['912345678901234567897', 'Neon Street', 'a rainy neon-lit street at night', 'o_106'],
].map(([id, name, description, tag]) => ({
	element_id: id,
	element_name: name,
	element_description: description,
	element_frontal_image: `https://example.invalid/presets/${id}.png`,
	element_refer_list: [{ image_url: `https://example.invalid/presets/${id}-1.png` }],
	tag_list: [{ id: tag, name: ELEMENT_TAGS[tag], description: ELEMENT_TAGS[tag] }],
	owned_by: 'kling',
}));

/** Kling's presets of the current API, each listed as a succeeded task of its own. */
const PRESET_ELEMENTS: readonly FakeElement[] = [
	['923456789012345678901', 'Pilot Cat', 'a cat in a leather flying helmet', 'o_103'],
	['923456789012345678903', 'Knight', 'a knight in silver armour', 'o_102'],
].map(([id, name, description, tag]) => ({
	element_id: id,
	element_name: name,
	element_description: description,
	element_type: 'image_refer',
	element_image_list: { frontal_image: `https://example.invalid/presets/${id}.png`, refer_images: [{ image_url: `https://example.invalid/presets/${id}-1.png` }] },
	tag_list: [{ id: tag, name: CURRENT_TAG_NAMES[tag], description: 'None' }],
	owned_by: KLING_ACCOUNT_ID,
}));

function checkElementTexts(body: Record<string, any>): void {
	for (const [field, max, required] of [['element_name', 20, true], ['element_description', 100, false]] as const) {
		const value = body[field];
		if (value === undefined && !required) continue;
		if (typeof value !== 'string' || value.trim() === '') throw invalid(`'${field}' must be a non-empty string`);
		if (value.length > max) throw invalid(`'${field}' must be at most ${max} characters`);
	}
}

function checkTags(body: Record<string, any>): void {
	for (const tag of listField(body, 'tag_list', 'tag_id')) {
		if (!(tag.tag_id in ELEMENT_TAGS)) throw invalid(`'tag_list' has an unknown tag_id: ${String(tag.tag_id)} (allowed: o_101 to o_108)`);
	}
}

/** POST /v1/general/custom-elements: name ≤ 20, description ≤ 100, a frontal image, 1–3 reference URLs, documented tags. */
function validateElement(body: Record<string, any>): void {
	checkKnownFields(body, ['element_name', 'element_description', 'element_frontal_image', 'element_refer_list', 'tag_list']);
	checkElementTexts(body);
	checkImage(body, 'element_frontal_image', true);
	const refers = listField(body, 'element_refer_list', 'image_url');
	if (refers.length < 1 || refers.length > 3) throw invalid("'element_refer_list' must hold 1 to 3 entries");
	for (const refer of refers) {
		if (typeof refer.image_url !== 'string' || !/^https?:\/\//.test(refer.image_url)) {
			throw invalid("each 'element_refer_list' entry's 'image_url' must be an http(s) URL");
		}
	}
	checkTags(body);
}

/**
 * Parses a request body keeping every `element_id` that is a bare JSON integer as its digit
 * string, as a server with 64-bit longs reads it (JSON.parse alone would round it).
 */
function parseKeepingIds(text: string): unknown {
	return parseJson(text.replace(/("element_id"\s*:\s*)(-?\d+)(?=\s*[,}\]])/g, '$1"$2"'));
}

/** JSON text with every digit-string `element_id` written as a bare number, as Kling sends its longs. */
function stringifyWithLongIds(body: unknown): string {
	return JSON.stringify(body).replace(/"element_id":"(\d+)"/g, '"element_id":$1');
}

/** Every URL the body sends, subject images included. */
function urlsOf(value: unknown): string[] {
	if (typeof value === 'string') return /^https?:\/\//.test(value) ? [value] : [];
	if (Array.isArray(value)) return value.flatMap(urlsOf);
	if (typeof value === 'object' && value !== null) return Object.values(value).flatMap(urlsOf);
	return [];
}

/** A task fails when its prompt has the word "fail", or one of its image URLs the text "fail". */
function asksForFailure(body: Record<string, any>): boolean {
	return hasWord(typeof body.prompt === 'string' ? body.prompt : '', 'fail') || urlsOf(body).some((url) => url.includes('fail'));
}

function pageParam(params: URLSearchParams, name: string, fallback: number, max: number): number {
	const raw = params.get(name);
	const value = raw === null ? fallback : Number(raw);
	if (!Number.isInteger(value) || value < 1 || value > max) throw invalid(`'${name}' must be an integer from 1 to ${max}`);
	return value;
}

/** Request bodies whose text had an `element_id` in quotes: Kling reads ids as longs and refuses a string. */
const QUOTED_ID_BODIES = new WeakSet<object>();
/** A key `"element_id"` followed by a string; inside a JSON string the quotes would be escaped, so this is a real key. */
const QUOTED_ELEMENT_ID = /"element_id"\s*:\s*"/;

/** Refuses a body that sent an element id as a string (seen in its raw text). */
function refuseQuotedIds(body: Record<string, any>): void {
	if (QUOTED_ID_BODIES.has(body)) throw invalid("'element_id' must be an integer (a long), not a string");
}

/** A JSON object request body, element ids kept as digit strings; anything else is 400/1200. */
async function readObject(req: IncomingMessage): Promise<Record<string, any>> {
	const text = await readBody(req);
	const body = parseKeepingIds(text);
	if (typeof body !== 'object' || body === null || Array.isArray(body)) {
		throw new KlingError(400, 1200, 'request body must be a JSON object');
	}
	if (QUOTED_ELEMENT_ID.test(text)) QUOTED_ID_BODIES.add(body);
	return body as Record<string, any>;
}

function decodeJson(part: string): Record<string, unknown> | undefined {
	const value = parseJson(Buffer.from(part, 'base64url').toString('utf8'));
	return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

class FakeKlingOfficial implements FakeKlingOfficialServer {
	baseUrl = '';
	createAttempts = 0;
	createAttemptsByFamily: Partial<Record<FakeTaskFamily, number>> = {};
	readonly created: CreatedTask[] = [];
	readonly statusPolls = new Map<string, number>();
	misreads = 0;
	listCalls = 0;

	refusedAt: number[] = [];
	costsCalls = 0;
	readonly costsQueries: Array<Record<string, string>> = [];
	/** When the last costs call was answered: the API allows one a second. */
	private lastCostsAt = -Infinity;
	peakSlots = 0;
	peakSlotsByModel: Record<string, number> = {};
	readonly tokens: Array<Record<string, unknown>> = [];
	readonly callbacks: SentCallback[] = [];
	readonly elementCalls: ElementCall[] = [];
	readonly recognizeCalls: Array<Record<string, any> | undefined> = [];
	readonly presetElements = PRESET_ELEMENTS;
	readonly olderPresetElements = OLDER_PRESET_ELEMENTS;
	readonly accessKey: string;
	readonly secretKey: string;
	readonly http = new TrackedServer((req, res) => void this.route(req, res));

	private readonly tasks = new Map<string, Task>(); // by task_id, in creation order
	private readonly byExternalId = new Map<string, Task>();
	/** The account's own elements of the older API by id (a digit string), oldest first. */
	private readonly elements = new Map<string, FakeOlderElement>();
	/** Ids of current elements deleted; their tasks stay readable, with no element in their result. */
	private readonly deletedElements = new Set<string>();
	private nextElementId = FIRST_OWN_ELEMENT_ID;
	/** Image bytes by URL path, drawn when first read: a status answer that nobody downloads costs no drawing. */
	private readonly images = new Map<string, () => Buffer>();
	private readonly faults: OfficialFault[] = [];
	private readonly now: () => number;
	private readonly durationMs: number;
	private readonly processingMs: number;
	private readonly callbackTimers = new Set<NodeJS.Timeout>();
	private readonly callbacksInFlight = new Set<Promise<void>>();

	constructor(private readonly options: FakeKlingOfficialOptions) {
		this.accessKey = options.accessKey ?? 'test-ak';
		this.secretKey = options.secretKey ?? 'test-sk';
		this.now = options.clock ?? Date.now;
		this.durationMs = options.taskDurationMs ?? 300;
		this.processingMs = options.processingAfterMs ?? Math.floor(this.durationMs / 3);
	}

	get httpRequests(): number {
		return this.http.requests;
	}

	enqueue(...faults: OfficialFault[]): void {
		this.faults.push(...faults);
	}

	ownElements(): FakeElement[] {
		return [...this.tasks.values()].map((task) => this.elementOf(task)).filter((element): element is FakeElement => element !== undefined);
	}

	olderElements(): FakeOlderElement[] {
		return [...this.elements.values()];
	}

	/** An element task's element once the task has succeeded, unless deleted since. */
	private elementOf(task: Task): FakeElement | undefined {
		if (!task.element || this.deletedElements.has(task.element.element_id)) return undefined;
		if (this.now() - task.createdAt < this.durationMs || asksForFailure(task.body)) return undefined;
		return task.element;
	}

	slotsInUse(pack?: FakePackType, model?: string): number {
		const now = this.now();
		let slots = 0;
		for (const task of this.tasks.values()) {
			if (now - task.createdAt >= this.durationMs) continue;
			if ((pack === undefined || packTypeOf(task.family) === pack) && (model === undefined || task.model === model)) slots += task.n;
		}
		return slots;
	}

	imageBytesFor(url: string): Buffer | undefined {
		return this.images.get(new URL(url, this.baseUrl || 'http://127.0.0.1').pathname)?.();
	}

	clear(): void {
		this.createAttempts = 0;
		this.createAttemptsByFamily = {};
		this.created.length = 0;
		this.statusPolls.clear();
		this.misreads = 0;
		this.listCalls = 0;
		this.refusedAt = [];
		this.costsCalls = 0;
		this.costsQueries.length = 0;
		this.peakSlots = this.slotsInUse();
		this.peakSlotsByModel = {};
		this.tokens.length = 0;
		this.faults.length = 0;
		this.elementCalls.length = 0;
		this.recognizeCalls.length = 0;
	}

	async close(): Promise<void> {
		for (const timer of this.callbackTimers) clearTimeout(timer);
		await Promise.allSettled(this.callbacksInFlight);
		await this.http.close();
	}

	private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
		const url = new URL(req.url ?? '/', this.baseUrl);
		if (req.method === 'GET' && url.pathname.startsWith('/images/')) return this.serveImage(url.pathname, res);
		try {
			const handler = this.dispatch(req.method, url.pathname);
			if (!handler) throw new KlingError(404, 1203, `unknown route: ${req.method} ${url.pathname}`);
			const queued = this.faults.shift();
			if (queued && 'echoAuthorization' in queued) {
				const message = `bad request; you sent Authorization: ${req.headers.authorization ?? ''}`;
				return this.reply(res, queued.echoAuthorization, { code: 1200, message });
			}
			const fault = queued && 'pass' in queued ? undefined : queued;
			if (fault && !('afterProcessing' in fault)) return applyTransportFault(this.klingShaped(fault), req, res, () => ({}));
			this.authenticate(req.headers.authorization);
			const data = await handler(req, url);
			if (fault) return applyTransportFault(this.klingShaped(fault.afterProcessing), req, res, () => ({}));
			this.reply(res, 200, { code: 0, message: 'SUCCEED', data });
		} catch (error) {
			// A bug in the fake must surface as an answer, not as an unhandled rejection.
			const known = error instanceof KlingError ? error : new KlingError(500, 5000, String(error));
			this.reply(res, known.status, { code: known.code, message: known.message });
		}
	}

	/** Counts the API call and returns its handler, or undefined for an unknown route. */
	private dispatch(method = '', path: string): Handler | undefined {
		if (method === 'GET' && path === COSTS_PATH) {
			this.costsCalls++;
			return async (_req, url) => this.costs(url.searchParams);
		}
		const elementRoute = this.elementRoute(method, path);
		if (elementRoute) return elementRoute;
		if (method === 'POST' && path === RECOGNIZE_PATH) return async (req) => await this.recognize(req);
		for (const [family, prefix] of Object.entries(FAMILY_PATHS) as Array<[FakeTaskFamily, string]>) {
			if (method === 'POST' && path === prefix) {
				this.createAttempts++;
				this.createAttemptsByFamily[family] = (this.createAttemptsByFamily[family] ?? 0) + 1;
				return async (req: IncomingMessage) => this.create(req, family);
			}
			if (method === 'GET' && path === prefix) {
				this.listCalls++;
				return async (_req, url) => this.list(url.searchParams, family);
			}
			if (method === 'GET' && path.startsWith(`${prefix}/`)) return this.reader(family, decodeURIComponent(path.slice(prefix.length + 1)));
		}
		return undefined;
	}

	/** Reads a task under a family's path: a task of another family is not found there. */
	private reader(family: FakeTaskFamily, id: string): Handler {
		const any = this.find(id);
		const task = any?.family === family ? any : undefined;
		if (task) this.statusPolls.set(task.taskId, (this.statusPolls.get(task.taskId) ?? 0) + 1);
		else if (any) this.misreads++;
		return async () => {
			if (!task) throw new KlingError(404, 1203, 'task not found');
			return this.view(task);
		};
	}

	/**
	 * Resolves a task_id or an external_task_id: how the real API looks tasks up by
	 * external id is uncertain, so this fake accepts either in the same path slot.
	 */
	private find(id: string): Task | undefined {
		return this.tasks.get(id) ?? this.byExternalId.get(id);
	}

	private authenticate(header: string | undefined): void {
		const token = /^Bearer (.+)$/.exec(header ?? '')?.[1];
		if (!token) throw new KlingError(401, 1001, 'authorization is empty');
		if (this.options.apiKey !== undefined && token === this.options.apiKey) return;
		const [head, payload, signature, extra] = token.split('.');
		const jwtHeader = decodeJson(head ?? '');
		const claims = decodeJson(payload ?? '');
		if (extra !== undefined || !signature || !claims || jwtHeader?.alg !== 'HS256' || jwtHeader?.typ !== 'JWT') {
			throw new KlingError(401, 1002, 'authorization is invalid');
		}
		this.tokens.push(claims);
		// Compared as text: standard base64 ('+', '/', '=') is a client bug this fake should catch.
		const expected = Buffer.from(base64url(createHmac('sha256', this.secretKey).update(`${head}.${payload}`).digest()));
		const given = Buffer.from(signature);
		if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
			throw new KlingError(401, 1000, 'authentication failed: bad signature');
		}
		if (claims.iss !== this.accessKey) throw new KlingError(401, 1000, 'authentication failed: unknown access key');
		this.checkTimes(claims);
	}

	private checkTimes(claims: Record<string, unknown>): void {
		const { exp, nbf } = claims;
		if (typeof exp !== 'number' || typeof nbf !== 'number') throw new KlingError(401, 1002, 'exp and nbf are required');
		const nowSec = this.now() / 1000;
		const skew = this.options.clockSkewSec ?? 0;
		if (exp <= nowSec - skew) throw new KlingError(401, 1004, 'token expired');
		if (nbf > nowSec + skew) throw new KlingError(401, 1003, 'token not yet valid');
	}

	private async create(req: IncomingMessage, family: FakeTaskFamily): Promise<object> {
		const fields = await readObject(req);
		refuseQuotedIds(fields);
		VALIDATORS[family](fields, (id) => this.isElement(id));
		const externalTaskId = fields.external_task_id as string | undefined;
		if (externalTaskId !== undefined && this.byExternalId.has(externalTaskId)) {
			throw invalid(`external_task_id '${externalTaskId}' is already used`);
		}
		if (hasWord(typeof fields.prompt === 'string' ? fields.prompt : '', 'forbidden')) throw new KlingError(400, 1301, 'prompt rejected by content safety');
		// A series holds one slot per image of the series (an `auto` one what it makes), any other task `n`.
		const n = fields.result_type === 'series' ? this.seriesLength(fields.series_amount) : family === 'multiShot' || family === 'element' ? 1 : ((fields.n as number | undefined) ?? 1);
		const pack = packTypeOf(family);
		const model = typeof fields.model_name === 'string' ? fields.model_name : DEFAULT_MODELS[family];
		const cap = this.options.maxConcurrentTasksByPack?.[pack] ?? this.options.maxConcurrentTasks;
		const modelCap = model === undefined ? undefined : this.options.taskLimitsByModel?.[model];
		if ((cap !== undefined && this.slotsInUse(pack) + n > cap) || (modelCap !== undefined && this.slotsInUse(pack, model) + n > modelCap)) {
			this.refusedAt.push(this.now());
			throw new KlingError(429, 1303, 'parallel task over resource pack limit');
		}
		const task: Task = { family, taskId: randomUUID(), externalTaskId, body: fields, headers: req.headers, createdAt: this.now(), n, model };
		if (family === 'element') task.element = this.newElement(fields);
		this.tasks.set(task.taskId, task);
		if (externalTaskId !== undefined) this.byExternalId.set(externalTaskId, task);
		this.created.push(task);
		this.peakSlots = Math.max(this.peakSlots, this.slotsInUse());
		if (model !== undefined) this.peakSlotsByModel[model] = Math.max(this.peakSlotsByModel[model] ?? 0, this.slotsInUse(pack, model));
		if (typeof fields.callback_url === 'string') this.scheduleCallbacks(task, fields.callback_url);
		return this.view(task);
	}

	/** Kling calls back on each change of status: here on `processing` and on the end. */
	private scheduleCallbacks(task: Task, url: string): void {
		for (const at of [this.processingMs, this.durationMs]) {
			// Timers may fire a millisecond early by the clock; the status is read from the clock.
			const delay = Math.max(0, task.createdAt + at - this.now()) + 1;
			const timer = setTimeout(() => {
				this.callbackTimers.delete(timer);
				const sent = this.sendCallback(url, this.view(task) as Record<string, unknown>);
				this.callbacksInFlight.add(sent);
				void sent.finally(() => this.callbacksInFlight.delete(sent));
			}, delay);
			this.callbackTimers.add(timer);
		}
	}

	private async sendCallback(url: string, body: Record<string, unknown>): Promise<void> {
		let status: SentCallback['status'] = 'error';
		const rawBody = JSON.stringify(body);
		const headers: Record<string, string> = { 'Content-Type': 'application/json', ...this.webhookHeaders(rawBody) };
		try {
			if (!LOOPBACK_HOSTS.includes(new URL(url).hostname)) {
				status = 'not loopback';
				return;
			}
			const response = await fetch(url, { method: 'POST', headers, body: rawBody });
			await response.arrayBuffer();
			status = response.status;
		} catch {
			// Kling documents no retries: a callback nobody answers is lost.
		} finally {
			this.callbacks.push({ url, body, headers, rawBody, status });
		}
	}

	/** Standard Webhooks headers for one message, when a secret is set: HMAC-SHA256 keyed with the secret's base64 part. */
	private webhookHeaders(rawBody: string): Record<string, string> {
		const secret = this.options.webhookSecret;
		if (secret === undefined) return {};
		const id = `msg_${randomUUID()}`;
		const timestamp = String(Math.floor(this.now() / 1000));
		const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
		const signature = createHmac('sha256', key).update(`${id}.${timestamp}.${rawBody}`).digest('base64');
		return { 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': `v1,${signature}` };
	}

	/** GET /account/costs: start_time and end_time (Unix ms) required, at most one call a second. */
	private costs(params: URLSearchParams): object {
		const now = this.now();
		if (now - this.lastCostsAt < 1000) throw new KlingError(429, 1302, 'account costs may be read once a second');
		this.lastCostsAt = now;
		const time = (name: string) => {
			const raw = params.get(name);
			if (raw === null || !/^\d+$/.test(raw)) throw invalid(`'${name}' must be Unix milliseconds`);
			return Number(raw);
		};
		if (time('end_time') < time('start_time')) throw invalid("'end_time' must not be before 'start_time'");
		const known = ['start_time', 'end_time', 'resource_pack_name'];
		const unknown = [...params.keys()].filter((name) => !known.includes(name));
		if (unknown.length > 0) throw invalid(`unknown parameter(s): ${unknown.join(', ')}`);
		this.costsQueries.push(Object.fromEntries(params.entries()));
		const name = params.get('resource_pack_name');
		const packs = (this.options.resourcePacks ?? DEFAULT_PACKS).filter((pack) => name === null || pack.resource_pack_name === name);
		const outcome = this.options.costsOutcome ?? { code: 0, msg: 'success' };
		return { ...outcome, resource_pack_subscribe_infos: outcome.code === 0 ? packs : [] };
	}

	private list(params: URLSearchParams, family: FakeTaskFamily): object[] {
		const pageNum = pageParam(params, 'pageNum', 1, 1000);
		const pageSize = pageParam(params, 'pageSize', 30, 500);
		const newestFirst = [...this.tasks.values()].filter((task) => task.family === family).reverse();
		return newestFirst.slice((pageNum - 1) * pageSize, pageNum * pageSize).map((task) => this.view(task));
	}

	/** The task as the API shows it now: the state is derived from the clock, so no timers run. */
	private view(task: Task): object {
		const elapsed = this.now() - task.createdAt;
		const done = elapsed >= this.durationMs;
		const processing = elapsed >= this.processingMs;
		const updatedAt = task.createdAt + (done ? this.durationMs : processing ? this.processingMs : 0);
		// Try-on and element tasks have no watermark_info; the others show what was asked.
		const watermark = task.family === 'tryOn' || task.family === 'element' ? {} : { watermark_info: { enabled: task.body.watermark_info?.enabled === true } };
		const base = { task_id: task.taskId, task_info: { external_task_id: task.externalTaskId }, ...watermark };
		const times = { created_at: task.createdAt, updated_at: updatedAt };
		if (!done) return { ...base, task_status: processing ? 'processing' : 'submitted', ...times };
		if (asksForFailure(task.body)) {
			const message = 'image generation failed: the request asked for a failure';
			return { ...base, task_status: 'failed', task_status_msg: message, final_unit_deduction: '0', ...times };
		}
		const units = UNITS_PER_IMAGE[task.family] * task.n;
		// The balance deduction's quota as text, its list price as a number: both forms are seen.
		const cost = { final_unit_deduction: String(units), final_balance_deduction: { quota: String(units), list_price: Number((units * LIST_PRICE_PER_UNIT).toFixed(2)) } };
		return { ...base, task_status: 'succeed', ...cost, task_result: this.result(task), ...times };
	}

	/** What a finished task made, in its family's shape. */
	private result(task: Task): Record<string, unknown> {
		if (task.family === 'element') {
			const element = this.elementOf(task);
			return { elements: element ? [element] : [] };
		}
		const images = this.render(task);
		if (task.family === 'multiShot') {
			const views = Object.fromEntries(images.map((image, position) => [`url_${position + 1}`, image.url]));
			return { images: [{ index: 0, ...views }] };
		}
		if (task.body.result_type !== 'series') return { images };
		const series = { result_type: 'series', series_amount: task.n };
		// Asked to: the first image under `images`, the rest under `series_images` (Kling documents both lists).
		if (this.options.seriesInBothLists) return { ...series, images: images.slice(0, 1), series_images: images.slice(1) };
		return { ...series, series_images: images };
	}

	/** A series' length: as asked, or for `auto` the fake's own choice (option `autoSeriesAmount`, else 5). */
	private seriesLength(amount: unknown): number {
		return amount === 'auto' ? (this.options.autoSeriesAmount ?? 5) : (amount as number);
	}

	/** Names the images on first success read (drawn when downloaded); later reads serve the same URLs. */
	private render(task: Task): Array<{ index: number; url: string }> {
		const format = this.options.imageFormat ?? 'png';
		const count = task.family === 'multiShot' ? MULTI_SHOT_VIEWS : task.n;
		const indexes = this.options.resultIndexes ?? Array.from({ length: count }, (_, index) => index);
		task.images ??= indexes.map((index, position) => {
			const path = `/images/${task.taskId}-${position}.${EXTENSIONS[format]}`;
			let bytes: Buffer | undefined;
			this.images.set(path, () => (bytes ??= promptImage(format, String(task.body.prompt ?? task.family), position)));
			return { index, url: `${this.baseUrl}${path}` };
		});
		return task.images;
	}

	private serveImage(path: string, res: ServerResponse): void {
		const bytes = this.images.get(path)?.();
		if (!bytes) return this.reply(res, 404, { code: 1203, message: `image not found: ${path}` });
		const format: ImageFormat = bytes[0] === 0xff ? 'jpeg' : 'png';
		res.writeHead(200, { 'Content-Type': MIME_TYPES[format], 'Content-Length': bytes.length });
		res.end(bytes);
	}

	private reply(res: ServerResponse, status: number, body: Record<string, unknown>): void {
		sendJson(res, status, stringifyWithLongIds({ ...body, request_id: randomUUID() }));
	}

	/** Any element Omni-Image or Generate may name: own or preset, current or older. */
	private isElement(id: string): boolean {
		return (
			this.elements.has(id) ||
			this.ownElements().some((element) => element.element_id === id) ||
			[...PRESET_ELEMENTS, ...OLDER_PRESET_ELEMENTS].some((element) => element.element_id === id)
		);
	}

	private nextId(): string {
		const id = String(this.nextElementId);
		this.nextElementId += 7_919n; // ids a float cannot tell apart
		return id;
	}

	/** An uploaded (base64) picture is kept and shown as a URL, as Kling does; a URL stays as given. */
	private keepImage(image: string, name: string): string {
		if (/^https?:\/\//.test(image)) return image;
		const bytes = Buffer.from(image, 'base64');
		const path = `/images/${name}.${bytes[0] === 0xff ? 'jpg' : 'png'}`;
		this.images.set(path, () => bytes);
		return `${this.baseUrl}${path}`;
	}

	/** The element a checked element task makes (its id taken now, shown once the task succeeds). */
	private newElement(body: Record<string, any>): FakeElement {
		const id = this.nextId();
		const images = body.element_image_list as { frontal_image: string; refer_images: Array<{ image_url: string }> };
		return {
			element_id: id,
			element_name: body.element_name,
			element_description: body.element_description ?? '',
			element_type: body.reference_type,
			element_image_list: {
				frontal_image: this.keepImage(images.frontal_image, `element-${id}-frontal`),
				refer_images: images.refer_images.map(({ image_url }, position) => ({ image_url: this.keepImage(image_url, `element-${id}-refer-${position + 1}`) })),
			},
			tag_list: ((body.tag_list ?? []) as Array<{ tag_id: string }>).map(({ tag_id }) => ({ id: tag_id, name: CURRENT_TAG_NAMES[tag_id], description: 'None' })),
			owned_by: ACCOUNT_ID,
		};
	}

	/** A current preset as the presets list shows it: a succeeded task of its own. */
	private presetTask(element: FakeElement, position: number): object {
		const at = 1_767_225_600_000 + position * 1000;
		return {
			task_id: `preset-${element.element_id}`,
			task_status: 'succeed',
			task_info: {},
			task_result: { elements: [element] },
			created_at: at,
			updated_at: at,
		};
	}

	/** Records the call and returns its handler, or undefined when the route is not the element library's. */
	private elementRoute(method: string, path: string): Handler | undefined {
		const older = path === ELEMENTS.own || path === ELEMENTS.presets;
		if (older && this.options.olderElementApi === false) return undefined;
		const known =
			(method === 'POST' && (path === ELEMENTS.create || path === ELEMENTS.delete)) ||
			(method === 'GET' && (path === ELEMENTS.own || path === ELEMENTS.presets || path === ELEMENTS.advancedPresets));
		if (!known) return undefined;
		return async (req, url) => {
			const call: ElementCall = { method, path, query: Object.fromEntries(url.searchParams.entries()) };
			this.elementCalls.push(call);
			if (method === 'GET') {
				const pageNum = pageParam(url.searchParams, 'pageNum', 1, 1000);
				const pageSize = pageParam(url.searchParams, 'pageSize', 30, 500);
				const page = <T>(all: T[]) => all.slice((pageNum - 1) * pageSize, pageNum * pageSize);
				if (path === ELEMENTS.advancedPresets) return page(PRESET_ELEMENTS.map((element, position) => this.presetTask(element, position)));
				return page(path === ELEMENTS.presets ? [...OLDER_PRESET_ELEMENTS] : this.olderElements().reverse());
			}
			call.body = await readObject(req);
			return path === ELEMENTS.delete ? this.deleteElement(call.body) : this.createElement(call.body);
		};
	}

	/** POST /v1/general/custom-elements (the older API): answers with the element at once. */
	private createElement(body: Record<string, any>): FakeOlderElement {
		validateElement(body);
		const id = this.nextId();
		const element: FakeOlderElement = {
			element_id: id,
			element_name: body.element_name,
			element_description: body.element_description ?? '',
			element_frontal_image: this.keepImage(body.element_frontal_image, `element-${id}-frontal`),
			element_refer_list: body.element_refer_list,
			tag_list: ((body.tag_list ?? []) as Array<{ tag_id: string }>).map(({ tag_id }) => ({
				id: tag_id,
				name: ELEMENT_TAGS[tag_id],
				description: ELEMENT_TAGS[tag_id],
			})),
			owned_by: 'user',
		};
		this.elements.set(id, element);
		return element;
	}

	/** POST /v1/general/delete-elements {element_id}: the account's own elements, of either API; the id a bare integer. */
	private deleteElement(body: Record<string, any>): object {
		checkKnownFields(body, ['element_id']);
		refuseQuotedIds(body);
		const id = body.element_id;
		if (typeof id !== 'string' || !/^\d+$/.test(id)) throw invalid("'element_id' must be an integer id");
		if ([...PRESET_ELEMENTS, ...OLDER_PRESET_ELEMENTS].some((element) => element.element_id === id)) {
			throw invalid(`'element_id' ${id} is one of Kling's presets and cannot be deleted`);
		}
		if (this.ownElements().some((element) => element.element_id === id)) {
			this.deletedElements.add(id);
			return { element_id: id };
		}
		if (!this.elements.delete(id)) throw new KlingError(404, 1203, `element ${id} not found`);
		return { element_id: id };
	}

	/**
	 * POST /v1/videos/image-recognize {image}: answers at once. What it finds depends on the
	 * input so tests can tell: a URL with "noface" has no head or face, with "nocloth" no
	 * clothing, with "nothing" nothing at all; an uploaded (base64) image has no clothing.
	 * A kind not found has `is_contain` false and an empty `url`.
	 */
	private async recognize(req: IncomingMessage): Promise<object> {
		const text = await readBody(req);
		const parsed = parseJson(text);
		const body = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, any>) : undefined;
		this.recognizeCalls.push(body);
		if (!body) throw new KlingError(400, 1200, 'request body must be a JSON object');
		checkKnownFields(body, ['image']);
		checkImage(body, 'image', true);
		const image = body.image as string;
		const isUrl = /^https?:\/\//.test(image);
		const missing = new Set<string>();
		if (isUrl && image.includes('nothing')) SEGMENT_TYPES.forEach((type) => missing.add(type));
		if (isUrl && image.includes('noface')) ['head_seg', 'face_seg'].forEach((type) => missing.add(type));
		if (!isUrl || image.includes('nocloth')) missing.add('cloth_seg');
		const call = randomUUID();
		const format = this.options.imageFormat ?? 'png';
		const images = [...SEGMENT_TYPES, ...(this.options.extraSegmentTypes ?? [])].map((type) => {
			if (missing.has(type)) return { type, is_contain: false, url: '' };
			const path = `/images/recognize-${call}-${type}.${EXTENSIONS[format]}`;
			let bytes: Buffer | undefined;
			this.images.set(path, () => (bytes ??= promptImage(format, type, 0)));
			return { type, is_contain: true, url: `${this.baseUrl}${path}` };
		});
		return { final_unit_deduction: '0.2', final_balance_deduction: { quota: '0.2', list_price: 0.03 }, task_result: { images } };
	}

	/** Status faults get a Kling-shaped body, or a request_id added to theirs, so tests need not invent one. */
	private klingShaped(fault: TransportFault): TransportFault {
		if (!('status' in fault) || typeof fault.body === 'string') return fault;
		const body = fault.body ?? { code: fault.status >= 500 ? 5000 : 1200, message: `injected fault ${fault.status}` };
		return { ...fault, body: { request_id: randomUUID(), ...body } };
	}
}

/** Starts a fake official Kling API on 127.0.0.1 (random port); `close()` it when done. */
export async function startFakeKlingOfficialServer(options: FakeKlingOfficialOptions = {}): Promise<FakeKlingOfficialServer> {
	const fake = new FakeKlingOfficial(options);
	fake.baseUrl = await fake.http.listen();
	return fake;
}
