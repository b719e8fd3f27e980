/**
 * `npm run demo`: runs a real n8n (the pinned release) with the packed node
 * installed as a community package, and writes the images of a small workflow to
 * ./demo-output. Prompts can be given as arguments: `npm run demo -- "a red fox"`.
 * With KLING_API_KEY (and optionally KLING_BASE_URL) set it calls the real API.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';

import type { IRun } from 'n8n-workflow';

import { DEMO_FILE_NAME, DEMO_PROMPTS, DEMO_WORKFLOW_ID, DEMO_WORKFLOW_NAME, demoWorkflow } from './lib/demoWorkflow';
import { DEV_EDITOR_URL, DEV_OWNER } from './lib/devEditor';
import { nodeOutput } from './lib/n8nInstance';
import { repoRoot } from './lib/paths';
import { SET_UP_STEPS, setUpLocalN8n } from './lib/setup';
import type { LocalN8n } from './lib/setup';
import { Steps, info, reportFailure, seconds } from './lib/steps';

function printSummary(run: IRun, elapsedMs: number, outputDir: string): void {
	const files = nodeOutput(run, 'Write Files');
	console.log(`\n${files.length} image(s) written to ${outputDir}:`);
	for (const { json } of files) {
		const file = String(json.fileName);
		const size = `${statSync(file).size} bytes`;
		console.log(`  ${basename(file).padEnd(50)} ${size.padStart(13)}   "${json.prompt}"`);
	}
	const klingMs = run.data.resultData.runData.Kling?.[0]?.executionTime ?? 0;
	console.log(`Kling node: ${seconds(klingMs)} for ${files.length} image(s); whole n8n run: ${seconds(elapsedMs)}`);
}

/** What to do after the demo: look at the pictures, then at the same workflow in n8n's editor. */
function printNextSteps(outputDir: string, fake: boolean): void {
	const drawn = fake ? ' (the fake Kling API writes each prompt into its picture)' : '';
	console.log(`
Next:
  1. Look at the images in ${outputDir}${drawn}.
  2. Run \`npm run dev\` to see the demo workflow ("${DEMO_WORKFLOW_NAME}") in n8n's editor:
     the same set-up, then n8n on ${DEV_EDITOR_URL} with the node and ready Kling credentials (gateway and official API);
     sign in as ${DEV_OWNER.email} / ${DEV_OWNER.password}, open the workflow and click "Execute workflow".
     Its images go to the same folder. Ctrl-C stops n8n.`);
}

async function main(): Promise<void> {
	const args = process.argv.slice(2).filter((prompt) => prompt.trim() !== '');
	const prompts = args.length > 0 ? args : DEMO_PROMPTS;
	const outputDir = join(repoRoot, 'demo-output');
	mkdirSync(outputDir, { recursive: true });
	for (const name of readdirSync(outputDir)) if (DEMO_FILE_NAME.test(name)) rmSync(join(outputDir, name));
	const userFolder = mkdtempSync(join(tmpdir(), 'n8n-kling-demo-'));
	let local: LocalN8n | undefined;
	try {
		const steps = new Steps(SET_UP_STEPS + 2);
		const n8n = await setUpLocalN8n(steps, { userFolder, fileAccess: [outputDir] });
		local = n8n;
		await steps.run('Importing the demo workflow (n8n import:workflow)', async () => {
			await n8n.instance.importWorkflows([demoWorkflow(prompts, n8n.credential, outputDir)]);
		});
		const started = Date.now();
		const run = await steps.run(
			'Running it (n8n execute)',
			async () => await n8n.instance.executeOk(DEMO_WORKFLOW_ID),
		);
		printSummary(run, Date.now() - started, outputDir);
		printNextSteps(outputDir, n8n.api.fake !== undefined);
		rmSync(userFolder, { recursive: true, force: true });
	} catch (error) {
		info(`n8n's user folder is kept for inspection: ${userFolder}`);
		throw error;
	} finally {
		await local?.close();
	}
}

main().catch(reportFailure);
