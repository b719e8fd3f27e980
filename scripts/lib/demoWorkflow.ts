import { fixedItems, kling, linearWorkflow, manualTrigger, writeFile } from './workflows';
import type { CredentialRef, WorkflowJson } from './workflows';

export const DEMO_PROMPTS = [
	'A lighthouse on a cliff at dawn, oil painting',
	'A red fox asleep in fresh snow, watercolour',
	'A tiny robot watering plants on a city balcony',
];

export const DEMO_WORKFLOW_ID = 'klingDemoFlow001';
export const DEMO_WORKFLOW_NAME = 'Kling demo: prompts to image files';

/** The names the demo gives its files, e.g. `01-a-lighthouse-on-a-cliff-at.png`. */
export const DEMO_FILE_NAME = /^\d{2}-[a-z0-9-]*\.(png|jpg|jpeg|webp|gif)$/;

/** Manual Trigger → a list of prompts → Kling (binary output) → one file per image in `outputDir`. */
export function demoWorkflow(prompts: string[], credential: CredentialRef, outputDir: string): WorkflowJson {
	const slug =
		'$json.prompt.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").split("-").slice(0, 6).join("-")';
	const fileName = `=${outputDir}/{{ String($itemIndex + 1).padStart(2, "0") }}-{{ ${slug} }}.{{ $binary.data.fileExtension }}`;
	return linearWorkflow(DEMO_WORKFLOW_ID, DEMO_WORKFLOW_NAME, [
		manualTrigger(),
		...fixedItems(
			prompts.map((prompt) => ({ prompt })),
			'Prompts',
		),
		kling({ prompt: '={{ $json.prompt }}', n: 1, output: 'binary' }, credential),
		writeFile(fileName),
	]);
}
