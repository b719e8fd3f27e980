/**
 * `npm run editor:check`: the node as a user sees it in n8n's editor.
 *
 * Runs the set-up of `npm run dev` (the packed node installed as a community
 * package into a pinned n8n, in a throw-away user folder), starts n8n on a free
 * port of 127.0.0.1, creates the owner account through n8n's REST API, then opens
 * a workflow holding the Kling node in headless Chromium (Debian's `chromium`,
 * driven by playwright-core; no browser is downloaded). It checks that the node's
 * icon loads and that every parameter of Generate renders by its label, with
 * Reference Image and Output set to "Binary File", and saves a screenshot of the
 * parameter panel to docs/kling-node-editor.png.
 *
 * Prints one PASS/FAIL line per check and exits non-zero when one fails. n8n and
 * the browser are always stopped. `CHROMIUM_PATH` overrides /usr/bin/chromium.
 */
import type { ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';

import { chromium } from 'playwright-core';
import type { Browser, BrowserContext, Page } from 'playwright-core';

import type { KlingApiTarget } from './lib/klingApi';
import { freePort, waitUntilReady } from './lib/n8nInstance';
import { repoRoot } from './lib/paths';
import { SET_UP_STEPS, setUpLocalN8n } from './lib/setup';
import { Steps, info, reportFailure, seconds } from './lib/steps';
import { kling, linearWorkflow, manualTrigger } from './lib/workflows';
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
const SCREENSHOT = join(repoRoot, 'docs', 'kling-node-editor.png');

const WORKFLOW_ID = 'klingEditorChk01';
/** A local-only account on a local-only, throw-away instance. */
const OWNER = {
	email: 'editor-check@n8n-nodes-kling.local',
	firstName: 'Editor',
	lastName: 'Check',
	password: 'KlingEditorCheck-2025',
};

/** Generate's parameters as the gateway shows them with a binary reference image and binary output. */
const PARAMETER_LABELS = [
	'Model',
	'Prompt',
	'Negative Prompt',
	'Reference Image',
	'Input Binary Field',
	'Image Fidelity',
	'Number of Images',
	'Aspect Ratio',
	'Output',
	'Put Output in Field',
	'Options',
];
/** Entries of the Options collection's "Add Option" list. */
const OPTION_LABELS = [
	'Timeout (Seconds)',
	'Download Timeout (Seconds)',
	'Additional Body Fields',
	'Parallel Requests',
	'Max Retries',
];
/** Options parameters whose selected value the panel must show. */
const SELECTED_VALUES: Array<{ name: string; label: string; value: string }> = [
	{ name: 'imageSource', label: 'Reference Image', value: 'Binary File' },
	{ name: 'output', label: 'Output', value: 'Binary File' },
];

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

function checkWorkflow(credential: CredentialRef): WorkflowJson {
	return linearWorkflow(WORKFLOW_ID, 'Kling editor check', [
		manualTrigger(),
		kling(
			{
				prompt: 'A lighthouse on a cliff at dawn, oil painting',
				imageSource: 'binary',
				binaryPropertyName: 'data',
				n: 2,
				output: 'binary',
				binaryPropertyOutput: 'data',
			},
			credential,
		),
	]);
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

/** The label texts of the parameters shown in the panel, without the required-field asterisk. */
async function visibleLabels(page: Page, scope: string): Promise<string[]> {
	return await page.locator(`${scope} [data-test-id="input-label"]`).evaluateAll((labels) =>
		labels
			.filter((label) => (label as HTMLElement).offsetParent !== null)
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

async function checkEditor(page: Page, url: string, nodeId: string, checks: Checks, shot: string): Promise<void> {
	const iconResponses: Array<{ url: string; status: number; type: string }> = [];
	page.on('response', (response) => {
		if (/\/icons\/n8n-nodes-kling\//.test(response.url())) {
			const type = response.headers()['content-type'] ?? '';
			iconResponses.push({ url: response.url(), status: response.status(), type });
		}
	});

	// /workflow/<id>/<node id> opens the workflow with that node's parameter panel.
	await page.goto(`${url}/workflow/${WORKFLOW_ID}/${nodeId}`, { waitUntil: 'domcontentloaded' });
	const parameters = '[data-test-id="ndv"] [data-test-id="node-parameters"]';
	const opened = await page
		.locator(parameters)
		.waitFor({ state: 'visible', timeout: 60_000 })
		.then(
			() => true,
			() => false,
		);
	checks.add('the Kling node opens in the editor with its parameter panel', opened, opened ? '' : `at ${page.url()}`);
	if (!opened) return;
	await page.locator(`${parameters} [data-test-id="parameter-item"]`).first().waitFor({ timeout: 30_000 });

	// The icon: every <img> n8n made for the node (canvas and panel header) has loaded.
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

	// Every parameter of Generate, by its label.
	const labels = await visibleLabels(page, parameters);
	for (const label of PARAMETER_LABELS) {
		checks.add(`parameter "${label}" is shown`, labels.includes(label));
	}
	const unexpected = labels.filter((label) => !PARAMETER_LABELS.includes(label));
	if (unexpected.length > 0) info(`other labels in the panel: ${unexpected.join(', ')}`);

	// Reference Image and Output show "Binary File".
	for (const { name, label, value } of SELECTED_VALUES) {
		const shown = await page
			.locator(`${parameters} [data-test-id="parameter-input-${name}"] input`)
			.first()
			.inputValue({ timeout: 5_000 })
			.catch(() => '');
		checks.add(`"${label}" shows "${value}"`, shown === value, `shows "${shown}"`);
	}

	// The Options collection's "Add Option" list.
	const addOption = page.locator(`${parameters} .collection-parameter`).getByPlaceholder('Add Option', { exact: true });
	const clicked = await addOption
		.first()
		.click({ timeout: 10_000 })
		.then(
			() => true,
			() => false,
		);
	let options: string[] = [];
	if (clicked) {
		const items = page.locator('[data-test-id="collection-parameter-option"]');
		await items
			.first()
			.waitFor({ state: 'visible', timeout: 10_000 })
			.catch(() => {});
		options = (await items.allTextContents()).map((text) => text.replace(/\s+/g, ' ').trim());
	}
	checks.add('"Add Option" opens the list of options', clicked && options.length > 0, `${options.length} options`);
	for (const option of OPTION_LABELS) {
		checks.add(`option "${option}" is offered`, options.includes(option));
	}
	await page.keyboard.press('Escape');
	await screenshot(page, parameters, shot);
}

/**
 * The screenshot shows the whole parameter panel: the page is made just tall enough
 * for the panel not to scroll (within reason), with the option list closed again.
 */
async function screenshot(page: Page, parameters: string, path: string): Promise<void> {
	await page
		.locator('[data-test-id="collection-parameter-option"]')
		.first()
		.waitFor({ state: 'hidden', timeout: 5_000 })
		.catch(() => {});
	const overflow = await page
		.locator(parameters)
		.evaluate((panel) => panel.scrollHeight - panel.clientHeight)
		.catch(() => 0);
	const height = Math.min(VIEWPORT.height + Math.max(overflow, 0) + 24, MAX_SCREENSHOT_HEIGHT);
	if (height > VIEWPORT.height) await page.setViewportSize({ width: VIEWPORT.width, height });
	await page.mouse.move(0, 0);
	// Let the panel settle at its new size before the picture is taken.
	await page.waitForTimeout(500);
	await page.screenshot({ path });
}

async function main(): Promise<void> {
	const startedAt = Date.now();
	if (!existsSync(CHROMIUM)) {
		throw new Error(`No Chromium at ${CHROMIUM}: install Debian's (apt-get install -y chromium) or set CHROMIUM_PATH`);
	}
	const userFolder = mkdtempSync(join(tmpdir(), 'n8n-kling-editor-'));
	// Taken here first; it replaces docs/kling-node-editor.png only when every check passed.
	const shot = join(userFolder, 'kling-node-editor.png');
	const checks = new Checks();
	let api: KlingApiTarget | undefined;
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
		const steps = new Steps(SET_UP_STEPS + 3);
		const local = await setUpLocalN8n(steps, { userFolder, fileAccess: [userFolder] });
		api = local.api;
		const workflow = checkWorkflow(local.credential);
		const nodeId = workflow.nodes.find((node) => node.name === 'Kling')?.id ?? '';
		stopIfInterrupted();
		await steps.run('Importing a workflow with the Kling node (n8n import:workflow)', async () => {
			await local.instance.importWorkflows([workflow]);
		});

		stopIfInterrupted();
		const port = await freePort();
		const url = `http://localhost:${port}`;
		await steps.run(`Starting n8n on ${url}`, async () => {
			// Quieter, and no calls to n8n's servers: only the editor is needed here.
			Object.assign(local.instance.env, {
				N8N_LOG_LEVEL: 'warn',
				N8N_TEMPLATES_ENABLED: 'false',
				N8N_DYNAMIC_BANNERS_ENABLED: 'false',
				N8N_VERIFIED_PACKAGES_ENABLED: 'false',
				N8N_HIRING_BANNER_ENABLED: 'false',
			});
			editor = local.instance.startEditor(port);
			await waitUntilReady(url, editor);
		});

		stopIfInterrupted();
		const blocked: string[] = [];
		await steps.run('Opening the Kling node in headless Chromium', async () => {
			// Signals are handled above, so that n8n is stopped too (Playwright's own handlers would exit at once).
			browser = await chromium.launch({
				executablePath: CHROMIUM,
				args: CHROMIUM_ARGS,
				headless: true,
				handleSIGINT: false,
				handleSIGTERM: false,
			});
			info(`Chromium ${browser.version()} (${CHROMIUM})`);
			const context = await browser.newContext({ viewport: VIEWPORT });
			await keepLocal(context, blocked);
			await signIn(context, url);
			info(`owner ${OWNER.email} created and logged in (POST /rest/owner/setup, POST /rest/login)`);
			const page = await context.newPage();
			try {
				await checkEditor(page, url, nodeId, checks, shot);
			} finally {
				if (!existsSync(shot)) await page.screenshot({ path: shot }).catch(() => {});
			}
		});
		stopIfInterrupted();
		if (blocked.length > 0) info(`refused ${blocked.length} request(s) to other hosts, e.g. ${blocked[0]}`);

		checks.print();
		if (checks.failed === 0) {
			mkdirSync(dirname(SCREENSHOT), { recursive: true });
			copyFileSync(shot, SCREENSHOT);
			console.log(`Screenshot: ${relative(repoRoot, SCREENSHOT)}`);
		} else {
			process.exitCode = 1;
			keepUserFolder = true;
			console.log(`Screenshot of the failing editor: ${shot}`);
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
		await api?.fake?.close();
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
