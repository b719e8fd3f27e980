/**
 * The local half of a release (see docs/releasing.md): the new version in package.json
 * and package-lock.json, CHANGELOG.md's Unreleased entries under its heading, a commit
 * and a `v<version>` tag. Pushing the tag starts the publish workflow.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { run, runOk } from './proc';

const BUMPS = ['major', 'minor', 'patch'] as const;
const VERSION = /^(\d+)\.(\d+)\.(\d+)$/;

function parts(version: string): number[] {
	const match = VERSION.exec(version);
	if (!match) throw new Error(`"${version}" is not a version of the form x.y.z`);
	return match.slice(1).map(Number);
}

function isHigher(candidate: number[], current: number[]): boolean {
	const differing = candidate.findIndex((part, index) => part !== current[index]);
	return differing >= 0 && candidate[differing] > current[differing];
}

/** The version after `current`: `request` is major, minor or patch, or a higher x.y.z. */
export function nextVersion(current: string, request: string): string {
	const [major, minor, patch] = parts(current);
	const bump = BUMPS.indexOf(request as (typeof BUMPS)[number]);
	if (bump === 0) return `${major + 1}.0.0`;
	if (bump === 1) return `${major}.${minor + 1}.0`;
	if (bump === 2) return `${major}.${minor}.${patch + 1}`;
	if (!isHigher(parts(request), [major, minor, patch])) {
		throw new Error(`${request} is not higher than the current version ${current}`);
	}
	return request;
}

/** CHANGELOG.md with the Unreleased entries under `## [<version>] - <date>` and Unreleased left empty. */
export function changelogForRelease(changelog: string, version: string, date: string): string {
	const unreleased = /^## \[Unreleased\][ \t]*$/m.exec(changelog);
	if (!unreleased) throw new Error('CHANGELOG.md has no "## [Unreleased]" heading');
	if (new RegExp(`^## \\[${version.replace(/\./g, '\\.')}\\]`, 'm').test(changelog)) {
		throw new Error(`CHANGELOG.md already has a section for ${version}`);
	}
	const bodyStart = unreleased.index + unreleased[0].length;
	const next = changelog.slice(bodyStart).search(/^## \[/m);
	const bodyEnd = next < 0 ? changelog.length : bodyStart + next;
	const entries = changelog.slice(bodyStart, bodyEnd).trim();
	if (entries === '') throw new Error('CHANGELOG.md lists nothing under Unreleased: say what this release changes');
	const rest = changelog.slice(bodyEnd);
	const released = `## [Unreleased]\n\n## [${version}] - ${date}\n\n${entries}\n`;
	return changelog.slice(0, unreleased.index) + released + (rest ? `\n${rest}` : '');
}

/** A package.json or package-lock.json text with the package's own version set, its indentation kept. */
export function withVersion(json: string, version: string): string {
	const manifest = JSON.parse(json) as { version: string; packages?: Record<string, { version?: string }> };
	manifest.version = version;
	const root = manifest.packages?.[''];
	if (root) root.version = version;
	const indent = /^[ \t]+/m.exec(json)?.[0] ?? '\t';
	return JSON.stringify(manifest, null, indent) + '\n';
}

export interface ReleasePlan {
	version: string;
	tag: string;
	/** New contents by path relative to the repository. */
	files: Record<string, string>;
}

async function git(dir: string, args: string[]): Promise<string> {
	return (await runOk('git', args, { cwd: dir })).stdout.trimEnd();
}

/**
 * Works out a release of the repository at `dir` without changing anything: refuses
 * when the working tree has changes, the tag exists or Unreleased is empty.
 */
export async function planRelease(dir: string, request: string, date: string): Promise<ReleasePlan> {
	const changes = await git(dir, ['status', '--porcelain']);
	if (changes) throw new Error(`the working tree has changes; commit or stash them first:\n${changes}`);
	const read = (file: string) => readFileSync(join(dir, file), 'utf8');
	const current = (JSON.parse(read('package.json')) as { version: string }).version;
	const version = nextVersion(current, request);
	const tag = `v${version}`;
	const existing = await run('git', ['rev-parse', '--verify', '--quiet', `refs/tags/${tag}`], { cwd: dir });
	if (existing.code === 0) throw new Error(`the tag ${tag} exists already`);
	const files = {
		'package.json': withVersion(read('package.json'), version),
		'package-lock.json': withVersion(read('package-lock.json'), version),
		'CHANGELOG.md': changelogForRelease(read('CHANGELOG.md'), version, date),
	};
	return { version, tag, files };
}

/** Writes the plan's files, commits them and tags the commit (annotated) `v<version>`. */
export async function commitRelease(dir: string, plan: ReleasePlan): Promise<void> {
	for (const [file, text] of Object.entries(plan.files)) writeFileSync(join(dir, file), text);
	await git(dir, ['add', '--', ...Object.keys(plan.files)]);
	await git(dir, ['commit', '--quiet', '-m', `Release ${plan.version}`]);
	await git(dir, ['tag', '--annotate', plan.tag, '-m', `n8n-nodes-kling ${plan.version}`]);
}
