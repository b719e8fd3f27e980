/**
 * `npm run release -- <major|minor|patch|x.y.z>`: checks the package as the publish
 * workflow will (npm test, npm run scan), then sets the version in package.json and
 * package-lock.json, moves CHANGELOG.md's Unreleased entries under the new version,
 * commits and tags `v<version>`. Nothing is pushed or published: pushing the tag starts
 * .github/workflows/publish.yml, which publishes with npm provenance. See docs/releasing.md.
 */
import { repoRoot } from './lib/paths';
import { cleanNpmEnv, runOk } from './lib/proc';
import { commitRelease, planRelease } from './lib/release';
import { Steps, info, reportFailure } from './lib/steps';

async function npmRun(script: string): Promise<void> {
	// Quiet unless it fails: then runOk's error shows the tail of its output.
	await runOk('npm', ['run', script], { cwd: repoRoot, env: cleanNpmEnv() });
}

async function main(): Promise<void> {
	const request = process.argv[2];
	if (!request) throw new Error('say which release: npm run release -- <major|minor|patch|x.y.z>');
	const date = new Date().toISOString().slice(0, 10);
	const steps = new Steps(4);
	const plan = await steps.run('Checking the working tree, the version and CHANGELOG.md', async () => {
		const planned = await planRelease(repoRoot, request, date);
		info(`${planned.tag}, dated ${date}`);
		return planned;
	});
	await steps.run('Running the tests (npm test)', async () => await npmRun('test'));
	await steps.run("Running n8n's community-package scan (npm run scan)", async () => await npmRun('scan'));
	await steps.run(`Committing and tagging ${plan.tag}`, async () => await commitRelease(repoRoot, plan));
	console.log(`\nNext: git push origin HEAD ${plan.tag}`);
	console.log('The tag starts the publish workflow, which checks again and publishes with npm provenance.');
}

main().catch(reportFailure);
