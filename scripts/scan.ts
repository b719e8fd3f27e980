/**
 * `npm run scan`: n8n's community-package scanner (@n8n/scan-community-package) on
 * this checkout, with the two analyses n8n's review runs on a published version:
 * the source (package.json, nodes/, credentials/) and the packed tarball (compiled
 * .js and the published package.json). The review downloads both (the tarball from
 * npm, the source from the commit its provenance names); here they come from the
 * working tree and `npm pack`, so nothing is downloaded. Any finding exits non-zero.
 *
 * The scanner is an ES module; this CommonJS script loads it with require(), which
 * needs Node 20.19+ or 22.12+.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { buildPackage, packPackage } from './lib/nodePackage';
import { repoRoot } from './lib/paths';
import { runOk } from './lib/proc';
import { Steps, info, reportFailure } from './lib/steps';

type Scanner = typeof import('@n8n/scan-community-package/scanner/scanner.mjs');
type AnalysisResult = Awaited<ReturnType<Scanner['analyzePackage']>>;

/** What the review lints in the downloaded tarball (scanner.mjs, analyzePackageByName). */
const TARBALL_FILE_PATTERNS = ['**/*.js', 'package.json'];

/** A rule the canary breaks: node code may not use timers (n8n Cloud). */
const CANARY_RULE = '@n8n/community-nodes/no-restricted-globals';

async function loadScanner(workDir: string): Promise<Scanner> {
	// On import the scanner makes a temporary folder for its downloads and never removes
	// it; this puts that folder inside ours, which is removed at the end.
	process.env.TMPDIR = workDir;
	return await import('@n8n/scan-community-package/scanner/scanner.mjs');
}

/**
 * A package with one known finding. The scanner reports an analysis that crashed as a
 * failure, but rules that silently stopped applying would pass everything: this shows
 * they still apply before their "no findings" counts.
 */
async function checkCanary(scanner: Scanner, workDir: string): Promise<void> {
	const dir = join(workDir, 'canary');
	mkdirSync(join(dir, 'dist'), { recursive: true });
	const manifest = { name: 'n8n-nodes-scan-canary', version: '0.0.0', keywords: ['n8n-community-node-package'] };
	writeFileSync(join(dir, 'package.json'), JSON.stringify(manifest));
	writeFileSync(join(dir, 'dist', 'Canary.node.js'), 'setTimeout(() => {}, 1000);\n');
	const result = await scanner.analyzePackage(dir, TARBALL_FILE_PATTERNS);
	if (result.passed || !result.details?.includes(CANARY_RULE)) {
		throw new Error(`the scanner did not report ${CANARY_RULE} in a package that breaks it: ${JSON.stringify(result)}`);
	}
	info(`reported as expected: ${CANARY_RULE}`);
}

/** Packs the built package and unpacks it the way the scanner does after its `npm pack <name>@<version>`. */
async function unpackedTarball(workDir: string): Promise<string> {
	const tarball = await packPackage(workDir);
	const dir = join(workDir, 'package');
	mkdirSync(dir);
	await runOk('tar', ['-xzf', tarball, '-C', dir, '--strip-components=1']);
	info(`${tarball} unpacked into ${dir}`);
	return dir;
}

/** Prints the result of one analysis; true when it found nothing. */
function report(result: AnalysisResult): boolean {
	// An empty selection "passes" too; for this package it would mean the patterns missed the code.
	const passed = result.passed && result.message === undefined;
	if (passed) info('no findings');
	else console.error([result.message ?? 'no files analysed', result.details].filter(Boolean).join('\n'));
	return passed;
}

async function main(): Promise<void> {
	const workDir = mkdtempSync(join(tmpdir(), 'n8n-nodes-kling-scan-'));
	try {
		const scanner = await loadScanner(workDir);
		const steps = new Steps(4);
		await steps.run('Checking that the scanner reports a known finding', async () => {
			await checkCanary(scanner, workDir);
		});
		const packageDir = await steps.run('Building and packing the package (npm run build, npm pack)', async () => {
			await buildPackage();
			return await unpackedTarball(workDir);
		});
		const sourcePassed = await steps.run(`Scanning the source: ${scanner.SOURCE_FILE_PATTERNS.join(', ')}`, async () =>
			report(await scanner.analyzePackage(repoRoot, scanner.SOURCE_FILE_PATTERNS)),
		);
		const tarballPassed = await steps.run(
			`Scanning the packed tarball: ${TARBALL_FILE_PATTERNS.join(', ')}`,
			async () => report(await scanner.analyzePackage(packageDir, TARBALL_FILE_PATTERNS)),
		);
		if (!sourcePassed || !tarballPassed) {
			process.exitCode = 1;
			console.error('\nThe community-package scan found problems (above).');
			return;
		}
		console.log('\nThe community-package scan found nothing in the source or the tarball.');
	} finally {
		rmSync(workDir, { recursive: true, force: true });
	}
}

main().catch(reportFailure);
