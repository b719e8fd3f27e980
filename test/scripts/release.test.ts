import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { runOk } from '../../scripts/lib/proc';
import { changelogForRelease, commitRelease, nextVersion, planRelease, withVersion } from '../../scripts/lib/release';

const CHANGELOG = `# Changelog

Intro.

## [Unreleased]

### Added

- A new option.

## [0.1.0] - 2026-01-02

### Added

- The node.
`;

describe('nextVersion', () => {
	it.each([
		['major', '1.0.0'],
		['minor', '0.5.0'],
		['patch', '0.4.8'],
		['0.4.10', '0.4.10'],
		['1.0.0', '1.0.0'],
	])('0.4.7 and %s give %s', (request, expected) => {
		expect(nextVersion('0.4.7', request)).toBe(expected);
	});

	it.each(['0.4.7', '0.4.6', '0.3.99', 'v0.5.0', '0.5', 'next'])('refuses %s after 0.4.7', (request) => {
		expect(() => nextVersion('0.4.7', request)).toThrow();
	});
});

describe('changelogForRelease', () => {
	it('moves the Unreleased entries under the new version and leaves Unreleased empty', () => {
		const released = changelogForRelease(CHANGELOG, '0.2.0', '2026-03-04');
		expect(released).toBe(`# Changelog

Intro.

## [Unreleased]

## [0.2.0] - 2026-03-04

### Added

- A new option.

## [0.1.0] - 2026-01-02

### Added

- The node.
`);
	});

	it('refuses a release with nothing under Unreleased', () => {
		const released = changelogForRelease(CHANGELOG, '0.2.0', '2026-03-04');
		expect(() => changelogForRelease(released, '0.3.0', '2026-03-05')).toThrow(/nothing under Unreleased/);
	});

	it('refuses a version that has a section already', () => {
		expect(() => changelogForRelease(CHANGELOG, '0.1.0', '2026-03-04')).toThrow(/already/);
	});
});

describe('withVersion', () => {
	it("sets a lock file's own version in both places and keeps its indentation", () => {
		const lock = JSON.stringify(
			{ name: 'p', version: '0.1.0', packages: { '': { version: '0.1.0' }, 'node_modules/x': { version: '0.1.0' } } },
			null,
			2,
		);
		const updated = JSON.parse(withVersion(lock, '0.2.0'));
		expect(updated.version).toBe('0.2.0');
		expect(updated.packages[''].version).toBe('0.2.0');
		expect(updated.packages['node_modules/x'].version).toBe('0.1.0');
		expect(withVersion(lock, '0.2.0')).toMatch(/^\{\n {2}"name"/);
	});
});

describe('planRelease and commitRelease in a git repository', () => {
	let dir: string;
	const git = async (...args: string[]) => (await runOk('git', args, { cwd: dir })).stdout.trim();

	beforeEach(async () => {
		dir = mkdtempSync(join(tmpdir(), 'n8n-nodes-kling-release-test-'));
		writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'p', version: '0.1.0' }, null, 2) + '\n');
		writeFileSync(
			join(dir, 'package-lock.json'),
			JSON.stringify({ name: 'p', version: '0.1.0', packages: { '': { version: '0.1.0' } } }, null, 2) + '\n',
		);
		writeFileSync(join(dir, 'CHANGELOG.md'), CHANGELOG);
		await git('init', '--quiet');
		await git('config', 'user.email', 'release-test@example.invalid');
		await git('config', 'user.name', 'Release Test');
		await git('config', 'commit.gpgsign', 'false');
		await git('config', 'tag.gpgsign', 'false');
		await git('add', '.');
		await git('commit', '--quiet', '-m', 'Start');
	});

	afterEach(() => rmSync(dir, { recursive: true, force: true }));

	it('commits the three files and tags the commit', async () => {
		const plan = await planRelease(dir, 'minor', '2026-03-04');
		expect(plan.tag).toBe('v0.2.0');
		await commitRelease(dir, plan);

		expect(await git('status', '--porcelain')).toBe('');
		expect(await git('log', '-1', '--format=%s')).toBe('Release 0.2.0');
		expect(await git('rev-parse', 'v0.2.0^{commit}')).toBe(await git('rev-parse', 'HEAD'));
		expect(await git('show', '--name-only', '--format=', 'HEAD')).toBe('CHANGELOG.md\npackage-lock.json\npackage.json');
		expect(JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).version).toBe('0.2.0');
		expect(JSON.parse(readFileSync(join(dir, 'package-lock.json'), 'utf8')).packages[''].version).toBe('0.2.0');
		expect(readFileSync(join(dir, 'CHANGELOG.md'), 'utf8')).toContain('## [Unreleased]\n\n## [0.2.0] - 2026-03-04\n');
	});

	it('refuses a working tree with changes, and changes nothing', async () => {
		writeFileSync(join(dir, 'CHANGELOG.md'), CHANGELOG + '\n- Uncommitted.\n');
		await expect(planRelease(dir, 'patch', '2026-03-04')).rejects.toThrow(/working tree has changes/);
		expect(JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).version).toBe('0.1.0');
	});

	it('refuses a tag that exists', async () => {
		await git('tag', 'v0.1.1');
		await expect(planRelease(dir, 'patch', '2026-03-04')).rejects.toThrow(/v0.1.1 exists/);
	});
});
