/**
 * `npm run editor:check`: every operation of the node as a user sees it in n8n's editor.
 *
 * Runs the set-up of `npm run dev` (the packed node installed as a community package into a
 * pinned n8n, in a throw-away user folder, with a gateway and an official-API credential, each
 * against its fake on 127.0.0.1 unless real keys are set), starts n8n on a free port of
 * 127.0.0.1, creates the owner account through n8n's REST API, then opens headless Chromium
 * (Debian's `chromium`, driven by playwright-core; no browser is downloaded).
 *
 * The operations come from the built node's description (scripts/lib/nodeOperations.ts): per
 * credential, every resource and operation it shows. For each, a Kling node set to it opens in
 * the editor; the parameter labels shown must be the ones the description shows for a new node
 * set to that operation, in order, and each collection must offer its options. One screenshot
 * per operation goes to docs/editor/<credential>-<resource>-<operation>.png. The node's icon is
 * checked once, and the official demo workflow is run from the editor against the official API.
 *
 * Prints one PASS/FAIL line per check and exits non-zero when one fails. n8n and the browser
 * are always stopped. `CHROMIUM_PATH` overrides /usr/bin/chromium.
 */
import type { ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

import type { INode, INodeTypeDescription } from 'n8n-workflow';

import { chromium } from 'playwright-core';
import type { Browser, BrowserContext, Page } from 'playwright-core';

import { DEMO_PROMPTS, OFFICIAL_DEMO_WORKFLOW_ID, OFFICIAL_DEMO_WORKFLOW_NAME, officialDemoWorkflow } from './lib/demoWorkflow';
import type { KlingOfficialTarget } from './lib/klingApi';
import { freePort, waitUntilReady } from './lib/n8nInstance';
import { operationPanels, panelKey } from './lib/nodeOperations';
import type { OperationPanel } from './lib/nodeOperations';
import { repoRoot } from './lib/paths';
import { SET_UP_STEPS, setUpLocalN8n } from './lib/setup';
import type { LocalN8n } from './lib/setup';
import { Steps, info, reportFailure, seconds } from './lib/steps';
import { KLING_CREDENTIAL_TYPE, KLING_NODE_TYPE, KLING_OFFICIAL_CREDENTIAL_TYPE } from './lib/workflows';
import type { CredentialRef, WorkflowJson } from './lib/workflows';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const CHROMIUM_ARGS = [
	'--headless',
	'--no-sandbox',
	'--disable-gpu',
	'--disable-background-networking',
	'--disable-component-update',
	'--disable-sync',
	'--no-first-run',
];
const VIEWPORT = { width: 1280, height: 800 };
const MAX_SCREENSHOT_HEIGHT = 1400;
const SCREENSHOTS = join(repoRoot, 'docs', 'editor');

const WORKFLOW_ID = 'klingEditorChk01';
/** A local-only account on a local-only, throw-away instance. */
const OWNER = {
	email: 'editor-check@n8n-nodes-kling.local',
	firstName: 'Editor',
	lastName: 'Check',
	password: 'KlingEditorCheck-2025',
};

interface Check {
	name: string;
	ok: boolean;
	detail: string;
}

class Checks {
	readonly list: Check[] = [];

	add(name: string, ok: boolean, detail = ''): void {
		this.list.push({ name, ok, detail });
	}

	get failed(): number {
		return this.list.filter((check) => !check.ok).length;
	}

	print(): void {
		console.log('');
		for (const { name, ok, detail } of this.list) {
			console.log(`${ok ? 'PASS' : 'FAIL'}  ${name}${detail ? `  (${detail})` : ''}`);
		}
		const passed = this.list.length - this.failed;
		console.log(`\n${passed} of ${this.list.length} checks passed`);
	}
}

/** Each panel's node: named after its operation, set to it, the rest at the defaults, with the matching credential. */
interface PanelNode {
	panel: OperationPanel;
	node: INode;
}

const CREDENTIAL_LABEL: Record<string, string> = { [KLING_CREDENTIAL_TYPE]: 'Gateway', [KLING_OFFICIAL_CREDENTIAL_TYPE]: 'Official' };

/** One workflow holding a Kling node per panel, laid out in a grid (not connected: each is only opened). */
function checkWorkflow(panels: OperationPanel[], credentials: Record<string, CredentialRef>): { workflow: WorkflowJson; nodes: PanelNode[] } {
	const nodes = panels.map((panel, index): PanelNode => {
		const credential = credentials[panel.authentication];
		if (!credential) throw new Error(`No credential of type ${panel.authentication} is set up for ${panelKey(panel)}`);
		const label = CREDENTIAL_LABEL[panel.authentication] ?? panel.authentication;
		return {
			panel,
			node: {
				id: `${WORKFLOW_ID}-${index}`,
				name: `${label} ${panel.resourceName}: ${panel.operationName}`,
				type: KLING_NODE_TYPE,
				typeVersion: 1,
				position: [(index % 5) * 240, Math.floor(index / 5) * 200],
				parameters: { ...panel.selection },
				credentials: { [panel.authentication]: credential },
			},
		};
	});
	const workflow: WorkflowJson = {
		id: WORKFLOW_ID,
		name: 'Kling editor check: every operation',
		active: false,
		nodes: nodes.map(({ node }) => node),
		connections: {},
		settings: { executionOrder: 'v1' },
	};
	return { workflow, nodes };
}

/** The node as built (dist/), after the set-up's build: its description is what n8n loads. */
function builtDescription(): INodeTypeDescription {
	const file = join(repoRoot, 'dist', 'nodes', 'Kling', 'Kling.node.js');
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	const { Kling } = require(file) as { Kling: new () => { description: INodeTypeDescription } };
	return new Kling().description;
}

/** Stops n8n: SIGTERM, then SIGKILL if it is still running after `graceMs`. */
async function stopProcess(child: ChildProcess | undefined, graceMs = 20_000): Promise<void> {
	if (!child || child.exitCode !== null || child.signalCode !== null) return;
	const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
	child.kill('SIGTERM');
	const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
	await exited;
	clearTimeout(timer);
}

/**
 * n8n 1.x always has user management: a new instance opens on an owner sign-up
 * form. The owner is created through the REST API and logged in with the
 * browser context's own request client, so that the auth cookie is the browser's.
 */
async function signIn(context: BrowserContext, url: string): Promise<void> {
	const setup = await context.request.post(`${url}/rest/owner/setup`, { data: OWNER });
	if (!setup.ok()) throw new Error(`POST /rest/owner/setup answered ${setup.status()}: ${await setup.text()}`);
	const login = await context.request.post(`${url}/rest/login`, {
		data: { emailOrLdapLoginId: OWNER.email, password: OWNER.password },
	});
	if (!login.ok()) throw new Error(`POST /rest/login answered ${login.status()}: ${await login.text()}`);
}

/** Only the local n8n may be reached; anything else is refused and counted. */
async function keepLocal(context: BrowserContext, blocked: string[]): Promise<void> {
	await context.route(
		(url) => /^https?:$/.test(url.protocol) && !['127.0.0.1', 'localhost'].includes(url.hostname),
		async (route) => {
			blocked.push(route.request().url());
			await route.abort('blockedbyclient');
		},
	);
}

/**
 * The label texts of the node's own parameters shown in the panel, without the required-field
 * asterisk; the labels of fields inside a collection or fixed collection entry are not the node's.
 */
async function visibleLabels(page: Page, scope: string): Promise<string[]> {
	return await page.locator(`${scope} [data-test-id="input-label"]`).evaluateAll((labels) =>
		labels
			.filter((label) => (label as HTMLElement).offsetParent !== null)
			.filter((label) => label.closest('.collection-parameter, .fixed-collection-parameter') === null)
			.map((label) => {
				const title = label.querySelector('[class*="title"]') ?? label.querySelector('label') ?? label;
				const text = title.textContent;
				return (text ?? '')
					.replace(/\s*\*\s*$/, '')
					.replace(/\s+/g, ' ')
					.trim();
			}),
	);
}

const PARAMETERS = '[data-test-id="ndv"] [data-test-id="node-parameters"]';

/** Set once opening a panel from the canvas failed: later panels go straight to their URL. */
let canvasFailed = false;

/**
 * Opens a node's parameter panel as a user does, by double-clicking it on the canvas (the panel
 * open before is closed first). The first time, or when that fails, /workflow/<id>/<node id>
 * loads the workflow with the panel open.
 */
async function openPanel(page: Page, url: string, node: INode): Promise<'canvas' | 'url' | undefined> {
	await page.setViewportSize(VIEWPORT);
	const panelShown = async (timeout: number) =>
		await page
			.locator(PARAMETERS)
			.waitFor({ state: 'visible', timeout })
			.then(
				() => true,
				() => false,
			);
	let opened = false;
	if (!canvasFailed && page.url().startsWith(`${url}/workflow/${WORKFLOW_ID}`)) {
		await page.keyboard.press('Escape');
		await page
			.locator(PARAMETERS)
			.waitFor({ state: 'hidden', timeout: 10_000 })
			.catch(() => {});
		const onCanvas = page.locator('[data-test-id="canvas-node"]').filter({ hasText: node.name }).first();
		opened = await onCanvas.dblclick({ timeout: 10_000 }).then(
			async () => await panelShown(20_000),
			() => false,
		);
		opened &&= (await page.locator('[data-test-id="ndv"]').textContent())?.includes(node.name) ?? false;
		canvasFailed = !opened;
	}
	let how: 'canvas' | 'url' = 'canvas';
	if (!opened) {
		how = 'url';
		await page.goto(`${url}/workflow/${WORKFLOW_ID}/${node.id}`, { waitUntil: 'domcontentloaded' });
		opened = await panelShown(60_000);
	}
	if (!opened) return undefined;
	await page.locator(`${PARAMETERS} [data-test-id="parameter-item"]`).first().waitFor({ timeout: 30_000 });
	return how;
}

/** The node's icon: every <img> n8n made for it (canvas and panel header) has loaded, and kling.svg was served as SVG. */
async function checkIcon(page: Page, checks: Checks, iconResponses: Array<{ url: string; status: number; type: string }>): Promise<void> {
	const iconImg = page.locator('img[src*="/icons/n8n-nodes-kling/"]');
	await iconImg
		.first()
		.waitFor({ state: 'attached', timeout: 15_000 })
		.catch(() => {});
	await page
		.waitForFunction(
			() =>
				Array.from(document.querySelectorAll<HTMLImageElement>('img[src*="/icons/n8n-nodes-kling/"]')).every(
					(img) => img.complete,
				),
			undefined,
			{ timeout: 15_000 },
		)
		.catch(() => {});
	const images = await iconImg.evaluateAll((imgs) =>
		(imgs as HTMLImageElement[]).map((img) => ({ src: img.getAttribute('src') ?? '', width: img.naturalWidth })),
	);
	const loaded = images.length > 0 && images.every((img) => img.width > 0);
	checks.add(
		'node icon <img> loaded',
		loaded,
		images.length === 0
			? 'no <img> for the icon'
			: `${images.length} <img>, naturalWidth ${images.map((img) => img.width).join(', ')}, ${images[0].src}`,
	);
	const svg = iconResponses.filter((response) => /\/kling(\.dark)?\.svg(\?|$)/.test(response.url));
	const svgOk = svg.length > 0 && svg.every((response) => response.status === 200 && /svg/.test(response.type));
	checks.add(
		'node icon request answered 200 with an SVG',
		svgOk,
		svg.length === 0
			? 'no request for kling.svg'
			: svg.map((response) => `${response.status} ${response.type} ${new URL(response.url).pathname}`).join('; '),
	);
}

/** Opens a collection's "Add Option" list and reads its entries, then closes it again. */
async function offeredOptions(page: Page, label: string): Promise<string[] | undefined> {
	const collection = page
		.locator(`${PARAMETERS} [data-test-id="parameter-item"]`)
		.filter({ has: page.locator('[data-test-id="input-label"]', { hasText: label }) })
		.locator('.collection-parameter');
	const clicked = await collection
		.getByPlaceholder('Add Option', { exact: true })
		.first()
		.click({ timeout: 10_000 })
		.then(
			() => true,
			() => false,
		);
	if (!clicked) return undefined;
	const items = page.locator('[data-test-id="collection-parameter-option"]');
	await items
		.first()
		.waitFor({ state: 'visible', timeout: 10_000 })
		.catch(() => {});
	const options = (await items.allTextContents()).map((text) => text.replace(/\s+/g, ' ').trim());
	await page.keyboard.press('Escape');
	await items
		.first()
		.waitFor({ state: 'hidden', timeout: 5_000 })
		.catch(() => {});
	return options;
}

/**
 * One operation's panel: it opens, shows exactly the parameters the description shows for a new
 * node set to the operation (same labels, same order), each collection offers the options that
 * depend on no other value, and its screenshot is taken.
 */
async function checkPanel(page: Page, url: string, { panel, node }: PanelNode, checks: Checks, shot: string): Promise<string> {
	const key = panelKey(panel);
	const startedAt = Date.now();
	const opened = await openPanel(page, url, node);
	checks.add(`${key}: the panel of "${node.name}" opens`, opened !== undefined, opened ? `from the ${opened}` : `at ${page.url()}`);
	if (!opened) return 'not opened';
	const openedAt = Date.now();
	const labels = await visibleLabels(page, PARAMETERS);
	// The editor shows the node's credential choice instead of its Authentication parameter.
	const expected = panel.labels.filter((label) => label !== panel.authenticationLabel);
	const missing = expected.filter((label) => !labels.includes(label));
	const unexpected = labels.filter((label) => !expected.includes(label));
	const same = labels.join('|') === expected.join('|');
	const detail = same
		? `${labels.length} parameters`
		: [
				missing.length > 0 ? `missing: ${missing.join(', ')}` : '',
				unexpected.length > 0 ? `not in the description: ${unexpected.join(', ')}` : '',
				`shown: ${labels.join(', ')}`,
			]
				.filter(Boolean)
				.join('; ');
	checks.add(`${key}: the parameters shown are the description's, in its order (Authentication as the credential)`, same, detail);
	for (const [collection, expected] of Object.entries(panel.collectionOptions)) {
		const offered = await offeredOptions(page, collection);
		const absent = expected.filter((option) => !offered?.includes(option));
		checks.add(
			`${key}: "${collection}" offers its options`,
			offered !== undefined && absent.length === 0,
			offered === undefined ? '"Add Option" did not open' : absent.length > 0 ? `missing: ${absent.join(', ')}` : `${offered.length} options`,
		);
	}
	const checkedAt = Date.now();
	await screenshot(page, shot);
	const [open, check, picture] = [openedAt - startedAt, checkedAt - openedAt, Date.now() - checkedAt].map(seconds);
	return `opened from the ${opened} in ${open}, checked in ${check}, screenshot in ${picture}`;
}

/**
 * The screenshot shows the node's settings column from its top: the page is made just tall
 * enough for the parameter panel not to scroll (within reason), the panel is scrolled back to
 * its top, and only that column is kept, to keep files small.
 */
async function screenshot(page: Page, path: string): Promise<void> {
	const panel = page.locator(PARAMETERS);
	const overflow = await panel
		.evaluate((element) =>
			Math.max(0, ...[element, ...Array.from(element.querySelectorAll('*'))].map((el) => el.scrollHeight - el.clientHeight)),
		)
		.catch(() => 0);
	const height = Math.min(VIEWPORT.height + overflow + 24, MAX_SCREENSHOT_HEIGHT);
	if (height > VIEWPORT.height) await page.setViewportSize({ width: VIEWPORT.width, height });
	await page.mouse.move(0, 0);
	// Let the panel settle at its new size before the picture is taken.
	await page.waitForTimeout(500);
	const column = await panel
		.evaluate((element) => {
			for (let el: Element | null = element; el; el = el.parentElement) el.scrollTop = 0;
			for (const el of Array.from(element.querySelectorAll('*'))) if (el.scrollTop > 0) el.scrollTop = 0;
			const box = element.getBoundingClientRect();
			return { x: box.x, width: box.width };
		})
		.catch(() => undefined);
	const size = page.viewportSize() ?? VIEWPORT;
	const margin = 12;
	const clip = column
		? { x: Math.max(0, column.x - margin), y: 0, width: Math.min(column.width + 2 * margin, size.width), height: size.height }
		: undefined;
	await page.screenshot({ path, clip });
}

/**
 * The official demo workflow run from the editor, as a user would: "Execute workflow" clicked,
 * then n8n's execution list read until the run ends; the fake official API must have made its tasks.
 */
async function checkRunInEditor(
	page: Page,
	context: BrowserContext,
	url: string,
	official: KlingOfficialTarget,
	checks: Checks,
): Promise<void> {
	const name = `"${OFFICIAL_DEMO_WORKFLOW_NAME}" runs from the editor against the ${official.fake ? 'fake' : 'real'} official API`;
	const tasksBefore = official.fake?.created.length ?? 0;
	await page.setViewportSize(VIEWPORT);
	await page.goto(`${url}/workflow/${OFFICIAL_DEMO_WORKFLOW_ID}`, { waitUntil: 'domcontentloaded' });
	const clicked = await page
		.locator('[data-test-id="execute-workflow-button"]')
		.first()
		.click({ timeout: 60_000 })
		.then(
			() => true,
			() => false,
		);
	if (!clicked) {
		checks.add(name, false, 'no "Execute workflow" button');
		return;
	}
	const filter = encodeURIComponent(JSON.stringify({ workflowId: OFFICIAL_DEMO_WORKFLOW_ID }));
	const deadline = Date.now() + 90_000;
	let status = 'not started';
	while (Date.now() < deadline) {
		const answer = await context.request.get(`${url}/rest/executions?filter=${filter}`);
		const body = (await answer.json().catch(() => ({}))) as { data?: { results?: Array<{ status?: string }> } };
		status = body.data?.results?.[0]?.status ?? 'not started';
		if (!['not started', 'new', 'running', 'waiting'].includes(status)) break;
		await page.waitForTimeout(500);
	}
	const tasks = (official.fake?.created.length ?? 0) - tasksBefore;
	const ok = status === 'success' && (!official.fake || tasks === DEMO_PROMPTS.length);
	checks.add(name, ok, `execution ${status}${official.fake ? `, ${tasks} task(s) created on the fake` : ''}`);
}

async function main(): Promise<void> {
	const startedAt = Date.now();
	if (!existsSync(CHROMIUM)) {
		throw new Error(`No Chromium at ${CHROMIUM}: install Debian's (apt-get install -y chromium) or set CHROMIUM_PATH`);
	}
	const userFolder = mkdtempSync(join(tmpdir(), 'n8n-kling-editor-'));
	// Taken here first; they replace docs/editor/ only when every check passed.
	const shots = join(userFolder, 'screenshots');
	mkdirSync(shots);
	const checks = new Checks();
	let local: LocalN8n | undefined;
	let editor: ChildProcess | undefined;
	let browser: Browser | undefined;
	let keepUserFolder = false;
	// Ctrl-C or SIGTERM: stop the browser and n8n at once; the steps then fail and `finally` cleans up.
	let interrupted = false;
	const interrupt = (signal: NodeJS.Signals): void => {
		if (interrupted) return;
		interrupted = true;
		console.error(`\n${signal}: stopping the browser and n8n`);
		void browser?.close().catch(() => {});
		void stopProcess(editor, 5_000);
	};
	const stopIfInterrupted = (): void => {
		if (interrupted) throw new Error('interrupted');
	};
	process.once('SIGINT', interrupt);
	process.once('SIGTERM', interrupt);
	try {
		const steps = new Steps(SET_UP_STEPS + 4);
		const n8n = await setUpLocalN8n(steps, { userFolder, fileAccess: [userFolder] });
		local = n8n;
		const panels = operationPanels(builtDescription());
		const { workflow, nodes } = checkWorkflow(panels, {
			[KLING_CREDENTIAL_TYPE]: n8n.credential,
			[KLING_OFFICIAL_CREDENTIAL_TYPE]: n8n.officialCredential,
		});
		stopIfInterrupted();
		await steps.run(`Importing a workflow with a Kling node per operation (${panels.length}) and the official demo`, async () => {
			await n8n.instance.importWorkflows([workflow, officialDemoWorkflow(DEMO_PROMPTS, n8n.officialCredential, userFolder)]);
		});

		stopIfInterrupted();
		const port = await freePort();
		const url = `http://localhost:${port}`;
		await steps.run(`Starting n8n on ${url}`, async () => {
			// Quieter, and no calls to n8n's servers: only the editor is needed here.
			Object.assign(n8n.instance.env, {
				N8N_LOG_LEVEL: 'warn',
				N8N_TEMPLATES_ENABLED: 'false',
				N8N_DYNAMIC_BANNERS_ENABLED: 'false',
				N8N_VERIFIED_PACKAGES_ENABLED: 'false',
				N8N_HIRING_BANNER_ENABLED: 'false',
			});
			editor = n8n.instance.startEditor(port);
			await waitUntilReady(url, editor);
		});

		stopIfInterrupted();
		const blocked: string[] = [];
		let context: BrowserContext | undefined;
		let page: Page | undefined;
		await steps.run(`Opening each operation's panel in headless Chromium (${panels.length})`, async () => {
			// Signals are handled above, so that n8n is stopped too (Playwright's own handlers would exit at once).
			browser = await chromium.launch({
				executablePath: CHROMIUM,
				args: CHROMIUM_ARGS,
				headless: true,
				handleSIGINT: false,
				handleSIGTERM: false,
			});
			info(`Chromium ${browser.version()} (${CHROMIUM})`);
			context = await browser.newContext({ viewport: VIEWPORT });
			await keepLocal(context, blocked);
			await signIn(context, url);
			info(`owner ${OWNER.email} created and logged in (POST /rest/owner/setup, POST /rest/login)`);
			page = await context.newPage();
			const iconResponses: Array<{ url: string; status: number; type: string }> = [];
			page.on('response', (response) => {
				if (/\/icons\/n8n-nodes-kling\//.test(response.url())) {
					const type = response.headers()['content-type'] ?? '';
					iconResponses.push({ url: response.url(), status: response.status(), type });
				}
			});
			for (const [index, panelNode] of nodes.entries()) {
				stopIfInterrupted();
				const started = Date.now();
				const timing = await checkPanel(page, url, panelNode, checks, join(shots, `${panelKey(panelNode.panel)}.png`));
				if (index === 0) await checkIcon(page, checks, iconResponses);
				info(`${panelKey(panelNode.panel)}: ${seconds(Date.now() - started)} (${timing})`);
			}
		});
		stopIfInterrupted();
		await steps.run('Running the official demo workflow from the editor', async () => {
			if (page && context) await checkRunInEditor(page, context, url, n8n.official, checks);
		});
		stopIfInterrupted();
		if (blocked.length > 0) info(`refused ${blocked.length} request(s) to other hosts, e.g. ${blocked[0]}`);

		checks.print();
		if (checks.failed === 0) {
			mkdirSync(SCREENSHOTS, { recursive: true });
			// Operations that are gone lose their pictures too.
			for (const file of readdirSync(SCREENSHOTS)) if (file.endsWith('.png')) rmSync(join(SCREENSHOTS, file));
			let bytes = 0;
			for (const file of readdirSync(shots)) {
				copyFileSync(join(shots, file), join(SCREENSHOTS, file));
				bytes += statSync(join(shots, file)).size;
			}
			console.log(`${readdirSync(shots).length} screenshots (${Math.round(bytes / 1024)} KiB) in ${relative(repoRoot, SCREENSHOTS)}/`);
		} else {
			process.exitCode = 1;
			keepUserFolder = true;
			console.log(`Screenshots of the failing editor: ${shots}`);
		}
		console.log(`Done in ${seconds(Date.now() - startedAt)}`);
	} catch (error) {
		if (!interrupted) {
			keepUserFolder = true;
			if (checks.list.length > 0) checks.print();
			throw error;
		}
	} finally {
		await browser?.close().catch(() => {});
		await stopProcess(editor);
		await local?.close();
		process.removeListener('SIGINT', interrupt);
		process.removeListener('SIGTERM', interrupt);
		if (keepUserFolder) info(`n8n's user folder is kept for inspection: ${userFolder}`);
		else rmSync(userFolder, { recursive: true, force: true });
		if (interrupted) {
			console.error('Interrupted: nothing was checked to the end');
			process.exitCode = 130;
		}
	}
}

main().catch(reportFailure);
