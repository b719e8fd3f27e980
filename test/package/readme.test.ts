/**
 * The README is the package's page on npm and in n8n's community-node listing: short, with the
 * details in docs/. Nothing it once said is lost (every section it had has a home), and no
 * relative link in the README or docs/ points at a file or heading that does not exist; nor does
 * a link into this repository that the editor shows (node and credential documentation).
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

import { repoRoot } from '../../scripts/lib/paths';

/** The `##` and `###` headings of the README before its details moved to docs/. */
const FORMER_README_HEADINGS = [
	'Demo, editor and examples',
	'End-to-end tests',
	'Installing in n8n',
	'Credential',
	'Official API',
	'More operations of the official API',
	'Elements',
	'Kling Trigger',
	'Parameters',
	'Output',
	'Errors',
	'Many images: parallel items, retries, cancellation',
	'Limits belong to the account',
	'No generation is created twice by accident',
	'Performance',
	'Example',
	'Development',
	'Lint: `npm run lint` and `npx n8n-node lint`',
	'Scan: `npm run scan`',
	'Releasing',
	'License',
];

const README_MAX_LINES = 200;

const DOCUMENTS = [
	'README.md',
	...readdirSync(join(repoRoot, 'docs'))
		.filter((name) => name.endsWith('.md'))
		.map((name) => join('docs', name)),
];

const read = (document: string): string => readFileSync(join(repoRoot, document), 'utf8');

/** A document's lines outside fenced code blocks (where `#` starts a shell comment, not a heading). */
function proseLines(text: string): string[] {
	let fenced = false;
	return text.split('\n').filter((line) => {
		if (/^\s*(```|~~~)/.test(line)) {
			fenced = !fenced;
			return false;
		}
		return !fenced;
	});
}

function headings(text: string): string[] {
	return proseLines(text)
		.map((line) => /^#{1,6}\s+(.+?)\s*#*\s*$/.exec(line)?.[1])
		.filter((heading): heading is string => heading !== undefined);
}

/** The anchor GitHub gives a heading: lower case, punctuation dropped, spaces as hyphens; repeats numbered. */
function anchors(text: string): Set<string> {
	const seen = new Map<string, number>();
	const result = new Set<string>();
	for (const heading of headings(text)) {
		const slug = heading
			.toLowerCase()
			.replace(/[^\p{L}\p{N}\s_-]/gu, '')
			.replace(/\s/g, '-');
		const count = seen.get(slug) ?? 0;
		seen.set(slug, count + 1);
		result.add(count === 0 ? slug : `${slug}-${count}`);
	}
	return result;
}

/** Relative link targets (`path`, `path#anchor`, `#anchor`) in a document's prose. */
function relativeLinks(text: string): string[] {
	const targets: string[] = [];
	for (const line of proseLines(text)) {
		for (const match of line.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
			if (!/^[a-z][a-z0-9+.-]*:/i.test(match[1])) targets.push(match[1]);
		}
	}
	return targets;
}

describe('the README', () => {
	it(`is at most ${README_MAX_LINES} lines`, () => {
		expect(read('README.md').trimEnd().split('\n').length).toBeLessThanOrEqual(README_MAX_LINES);
	});

	it('keeps the two commands newcomers and CI run, near the top', () => {
		const top = read('README.md').split('\n').slice(0, 15).join('\n');
		expect(top).toContain('npm ci && npm run demo');
		expect(top).toContain('npm ci && npm test');
	});

	it.each(FORMER_README_HEADINGS)('"%s" is still a heading in the README or docs/', (heading) => {
		const homes = DOCUMENTS.filter((document) => headings(read(document)).includes(heading));
		expect(homes).not.toEqual([]);
	});
});

describe.each(DOCUMENTS)('relative links in %s', (document) => {
	it('point at files that exist, and at headings that exist', () => {
		const broken: string[] = [];
		for (const link of relativeLinks(read(document))) {
			const [path, anchor] = link.split('#', 2);
			const target = path === '' ? join(repoRoot, document) : join(repoRoot, dirname(document), decodeURI(path));
			if (!existsSync(target)) {
				broken.push(`${link}: no file ${relative(repoRoot, target)}`);
			} else if (anchor !== undefined && target.endsWith('.md') && !anchors(readFileSync(target, 'utf8')).has(anchor)) {
				broken.push(`${link}: no heading #${anchor} in ${relative(repoRoot, target)}`);
			}
		}
		expect(broken).toEqual([]);
	});
});

/** Links to this repository's pages in what the package ships: the README's anchors, or a file (and heading) on main. */
describe('documentation links in the nodes and credentials', () => {
	const manifest = JSON.parse(read('package.json')) as { repository: { url: string } };
	const repository = manifest.repository.url.replace(/^git\+/, '').replace(/\.git$/, '');
	const sources = ['nodes', 'credentials'].flatMap((folder) =>
		(readdirSync(join(repoRoot, folder), { recursive: true }) as string[])
			.filter((name) => /\.(ts|json)$/.test(name))
			.map((name) => join(folder, name)),
	);
	const links = sources.flatMap((source) =>
		[...read(source).matchAll(new RegExp(`${repository.replace(/[.]/g, '\\.')}([^'"\\s]*)`, 'g'))].map(
			(match) => [source, match[1]] as const,
		),
	);

	it('exist', () => {
		expect(links.length).toBeGreaterThan(0);
	});

	it.each(links)('%s: %s points at a file and heading that exist', (_source, rest) => {
		const [path, anchor] = rest.split('#', 2);
		const file = path === '' ? 'README.md' : path.replace(/^\/blob\/main\//, '');
		expect(existsSync(join(repoRoot, file))).toBe(true);
		if (anchor !== undefined) expect([...anchors(read(file))]).toContain(anchor);
	});
});
