import { fixedItems, kling, klingOfficial, linearWorkflow, manualTrigger, readFiles, writeFile } from './workflows';
import type { CredentialRef, WorkflowJson } from './workflows';

export const DEMO_PROMPTS = [
	'A lighthouse on a cliff at dawn, oil painting',
	'A red fox asleep in fresh snow, watercolour',
	'A tiny robot watering plants on a city balcony',
];

export const DEMO_WORKFLOW_ID = 'klingDemoFlow001';
export const DEMO_WORKFLOW_NAME = 'Kling demo: prompts to image files';

/** The same workflow on Kling's official API (`klingAiApi` credential), which `npm run dev` adds. */
export const OFFICIAL_DEMO_WORKFLOW_ID = 'klingDemoOffic001';
export const OFFICIAL_DEMO_WORKFLOW_NAME = 'Kling demo (official API): prompts to image files';

/** `npm run demo -- --official`: one product photo in a series of scenes, with Omni Image on the official API. */
export const OMNI_DEMO_WORKFLOW_ID = 'klingDemoOmni0001';
export const OMNI_DEMO_WORKFLOW_NAME = 'Kling demo (official API): a product photo in a series of scenes';
export const OMNI_DEMO_PROMPT =
	'The product of <<<image_1>>> in four scenes: a kitchen counter in morning light, a beach towel at noon, an office desk, a mossy rock in a forest';
export const OMNI_DEMO_SERIES = 4;
/** The product photo the official demo starts from, when none is given. */
export const OMNI_DEMO_PHOTO = 'product.png';
export const OMNI_DEMO_FILE_NAME = /^scene-\d+\.(png|jpg|jpeg|webp)$/;

/** Manual Trigger → the product photo → Omni Image (kling-v3-omni, a series, the photo as `<<<image_1>>>`) → `scene-N` files. */
export function omniDemoWorkflow(credential: CredentialRef, photo: string, outputDir: string): WorkflowJson {
	return linearWorkflow(OMNI_DEMO_WORKFLOW_ID, OMNI_DEMO_WORKFLOW_NAME, [
		manualTrigger(),
		readFiles(photo, 'Product Photo'),
		klingOfficial(
			{
				operation: 'omniImage',
				omniModel: 'kling-v3-omni',
				prompt: OMNI_DEMO_PROMPT,
				referenceImages: { image: [{ source: 'binary', binaryPropertyName: 'data' }] },
				resultType: 'series',
				seriesAmount: OMNI_DEMO_SERIES,
				output: 'binary',
			},
			credential,
			{ name: 'Omni Image' },
		),
		writeFile(`=${outputDir}/scene-{{ $json.index + 1 }}.{{ $binary.data.fileExtension }}`),
	]);
}

/** The names the demo gives its files, e.g. `01-a-lighthouse-on-a-cliff-at.png`. */
export const DEMO_FILE_NAME = /^\d{2}-[a-z0-9-]*\.(png|jpg|jpeg|webp|gif)$/;

/** Manual Trigger → a list of prompts → Kling (binary output) → one file per image in `outputDir`. */
export function demoWorkflow(prompts: string[], credential: CredentialRef, outputDir: string): WorkflowJson {
	return promptsToFiles(DEMO_WORKFLOW_ID, DEMO_WORKFLOW_NAME, prompts, outputDir, (parameters) => kling(parameters, credential));
}

/** The demo workflow with the Kling node on the official API; its files start with `official-`. */
export function officialDemoWorkflow(prompts: string[], credential: CredentialRef, outputDir: string): WorkflowJson {
	return promptsToFiles(
		OFFICIAL_DEMO_WORKFLOW_ID,
		OFFICIAL_DEMO_WORKFLOW_NAME,
		prompts,
		outputDir,
		(parameters) => klingOfficial(parameters, credential),
		'official-',
	);
}

function promptsToFiles(
	id: string,
	name: string,
	prompts: string[],
	outputDir: string,
	klingNode: (parameters: { prompt: string; n: number; output: string }) => ReturnType<typeof kling>,
	prefix = '',
): WorkflowJson {
	const slug =
		'$json.prompt.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").split("-").slice(0, 6).join("-")';
	const fileName = `=${outputDir}/${prefix}{{ String($itemIndex + 1).padStart(2, "0") }}-{{ ${slug} }}.{{ $binary.data.fileExtension }}`;
	return linearWorkflow(id, name, [
		manualTrigger(),
		...fixedItems(
			prompts.map((prompt) => ({ prompt })),
			'Prompts',
		),
		klingNode({ prompt: '={{ $json.prompt }}', n: 1, output: 'binary' }),
		writeFile(fileName),
	]);
}
