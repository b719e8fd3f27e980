/**
 * `npm run dev`: the demo's set-up, then the n8n editor on http://localhost:5678
 * with the node installed, two ready Kling credentials (gateway and official API,
 * each against its fake on 127.0.0.1 unless real keys are set), the demo workflow
 * for each, and a local owner account. Runs until Ctrl-C. n8n's data stays in .n8n-cache/dev.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

import { DEMO_PROMPTS, DEMO_WORKFLOW_NAME, OFFICIAL_DEMO_WORKFLOW_NAME, demoWorkflow, officialDemoWorkflow } from './lib/demoWorkflow';
import { DEV_EDITOR_PORT, DEV_EDITOR_URL, DEV_OWNER } from './lib/devEditor';
import { waitUntilReady } from './lib/n8nInstance';
import { repoRoot } from './lib/paths';
import { SET_UP_STEPS, setUpLocalN8n } from './lib/setup';
import type { LocalN8n } from './lib/setup';
import { Steps, info, reportFailure } from './lib/steps';

/** Creates the owner account on first start, so that the editor opens on a login page, not a sign-up form. */
async function setUpOwner(url: string): Promise<void> {
	const response = await fetch(`${url}/rest/owner/setup`, {
		method: 'POST',
		headers: { 'Content-Type': 'application/json' },
		body: JSON.stringify(DEV_OWNER),
	});
	const text = await response.text();
	if (!response.ok && !text.includes('already setup'))
		throw new Error(`owner set-up answered ${response.status}: ${text}`);
}

async function main(): Promise<void> {
	const userFolder = join(repoRoot, '.n8n-cache', 'dev');
	const outputDir = join(repoRoot, 'demo-output');
	mkdirSync(outputDir, { recursive: true });
	let local: LocalN8n | undefined;
	let editor: ChildProcess | undefined;
	const stop = (): void => {
		if (editor && editor.exitCode === null) {
			editor.kill('SIGTERM');
			// n8n may ignore a SIGTERM that arrives while it is still starting.
			setTimeout(() => editor?.exitCode === null && editor.kill('SIGKILL'), 20_000).unref();
		}
		void local?.close();
	};
	process.once('SIGINT', stop);
	process.once('SIGTERM', stop);
	try {
		const steps = new Steps(SET_UP_STEPS + 2);
		const n8n = await setUpLocalN8n(steps, { userFolder, fileAccess: [outputDir] });
		local = n8n;
		await steps.run('Importing the demo workflows, gateway and official API (n8n import:workflow)', async () => {
			await n8n.instance.importWorkflows([
				demoWorkflow(DEMO_PROMPTS, n8n.credential, outputDir),
				officialDemoWorkflow(DEMO_PROMPTS, n8n.officialCredential, outputDir),
			]);
		});
		const url = DEV_EDITOR_URL;
		const started = await steps.run(`Starting the n8n editor on ${url}`, async () => {
			editor = n8n.instance.startEditor(DEV_EDITOR_PORT);
			await waitUntilReady(url, editor);
			await setUpOwner(url);
			return editor;
		});
		console.log(`\nn8n is running: open ${url} and sign in as ${DEV_OWNER.email} / ${DEV_OWNER.password}`);
		console.log(`The workflows "${DEMO_WORKFLOW_NAME}" and "${OFFICIAL_DEMO_WORKFLOW_NAME}" are ready;`);
		console.log(`their images go to ${outputDir}. Every operation of the Kling node can be tried with the`);
		console.log(`credentials "${n8n.credential.name}" and "${n8n.officialCredential.name}". Ctrl-C stops n8n.`);
		const { api, official } = n8n;
		info(api.fake ? `fake Kling gateway at ${api.baseUrl} (key ${api.apiKey})` : `real Kling gateway at ${api.baseUrl}`);
		info(official.fake ? `fake official Kling API at ${official.baseUrl}` : `real official Kling API at ${official.baseUrl}`);
		const code = await new Promise<number | null>((resolve) => started.once('exit', resolve));
		if (code !== 0 && code !== null) process.exitCode = code;
	} catch (error) {
		stop();
		throw error;
	} finally {
		await local?.close();
	}
}

main().catch(reportFailure);
