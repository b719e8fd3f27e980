/**
 * `npm run demo`: runs a real n8n (the pinned release) with the packed node
 * installed as a community package, and writes the images of a small workflow to
 * ./demo-output. Prompts can be given as arguments: `npm run demo -- "a red fox"`.
 * With KLING_API_KEY (and optionally KLING_BASE_URL) set it calls the real API.
 * `npm run demo -- --official [photo]`: Omni Image on the official API instead (the fake one unless
 * KLING_ACCESS_KEY and KLING_SECRET_KEY are set), a product photo in a series of four scenes.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';

import type { IRun } from 'n8n-workflow';

import {
	DEMO_FILE_NAME,
	DEMO_PROMPTS,
	DEMO_WORKFLOW_ID,
	DEMO_WORKFLOW_NAME,
	OMNI_DEMO_FILE_NAME,
	OMNI_DEMO_PHOTO,
	OMNI_DEMO_SERIES,
	OMNI_DEMO_WORKFLOW_ID,
	demoWorkflow,
	omniDemoWorkflow,
} from './lib/demoWorkflow';
import { promptPng } from '../test/support/fakeImages';
import { DEV_EDITOR_URL, DEV_OWNER } from './lib/devEditor';
import { nodeOutput } from './lib/n8nInstance';
import { repoRoot } from './lib/paths';
import { SET_UP_STEPS, setUpLocalN8n } from './lib/setup';
import type { LocalN8n } from './lib/setup';
import { Steps, info, reportFailure, seconds } from './lib/steps';

function printSummary(run: IRun, elapsedMs: number, outputDir: string, klingNode = 'Kling'): void {
	const files = nodeOutput(run, 'Write Files');
	console.log(`\n${files.length} image(s) written to ${outputDir}:`);
	for (const { json } of files) {
		const file = String(json.fileName);
		const size = `${statSync(file).size} bytes`;
		const about = json.source === undefined ? `"${json.prompt}"` : `image ${Number(json.index) + 1} of the series (${String(json.source)})`;
		console.log(`  ${basename(file).padEnd(50)} ${size.padStart(13)}   ${about}`);
	}
	const klingMs = run.data.resultData.runData[klingNode]?.[0]?.executionTime ?? 0;
	console.log(`Kling node: ${seconds(klingMs)} for ${files.length} image(s); whole n8n run: ${seconds(elapsedMs)}`);
}

/**
 * The product photo of the official demo in the output folder: the one given, or a drawn one (the
 * fake official API draws each scene from it and the prompt).
 */
function productPhoto(outputDir: string, given: string | undefined): string {
	const photo = join(outputDir, OMNI_DEMO_PHOTO);
	if (given === undefined) writeFileSync(photo, promptPng('a perfume bottle', 0, 512));
	else if (!existsSync(given)) throw new Error(`No photo at ${given}: give a JPG or PNG file, or leave it out for a drawn one`);
	else copyFileSync(given, photo);
	return photo;
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
	const official = args.includes('--official');
	const rest = args.filter((arg) => arg !== '--official');
	const prompts = rest.length > 0 ? rest : DEMO_PROMPTS;
	const outputDir = join(repoRoot, 'demo-output');
	mkdirSync(outputDir, { recursive: true });
	const ours = official ? OMNI_DEMO_FILE_NAME : DEMO_FILE_NAME;
	for (const name of readdirSync(outputDir)) if (ours.test(name)) rmSync(join(outputDir, name));
	const userFolder = mkdtempSync(join(tmpdir(), 'n8n-kling-demo-'));
	let local: LocalN8n | undefined;
	try {
		const steps = new Steps(SET_UP_STEPS + 2);
		const n8n = await setUpLocalN8n(steps, { userFolder, fileAccess: [outputDir] });
		local = n8n;
		const workflowId = official ? OMNI_DEMO_WORKFLOW_ID : DEMO_WORKFLOW_ID;
		const what = official ? `the official demo: Omni Image, a product photo in a series of ${OMNI_DEMO_SERIES} scenes` : 'the demo workflow';
		await steps.run(`Importing ${what} (n8n import:workflow)`, async () => {
			const workflow = official
				? omniDemoWorkflow(n8n.officialCredential, productPhoto(outputDir, rest[0]), outputDir)
				: demoWorkflow(prompts, n8n.credential, outputDir);
			await n8n.instance.importWorkflows([workflow]);
		});
		const started = Date.now();
		const run = await steps.run(
			'Running it (n8n execute)',
			async () => await n8n.instance.executeOk(workflowId),
		);
		printSummary(run, Date.now() - started, outputDir, official ? 'Omni Image' : 'Kling');
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
