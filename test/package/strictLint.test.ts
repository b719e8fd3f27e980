/**
 * What `n8n-node lint` checks in strict mode before it lints: package.json asks for
 * strict mode and eslint.config.mjs is n8n's default, unchanged. `npm run lint` uses
 * that config, so it applies exactly n8n's rules (see docs/testing.md, "Lint").
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

import { repoRoot } from '../../scripts/lib/paths';

/** The starter's eslint.config.mjs, where `n8n-node lint` reads it (dist/commands/lint.js: ../template/...). */
const templatePath = join(
	dirname(require.resolve('@n8n/node-cli/eslint')),
	'..',
	'template',
	'templates',
	'shared',
	'default',
	'eslint.config.mjs',
);

/** n8n-node lint compares the two files with runs of whitespace collapsed. */
const normalized = (text: string): string => text.replace(/\s+/g, ' ').trim();

describe("n8n-node lint's strict mode", () => {
	it('is on in package.json', () => {
		const manifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { n8n: { strict?: boolean } };
		expect(manifest.n8n.strict).toBe(true);
	});

	it("finds eslint.config.mjs equal to n8n's default", () => {
		const ours = readFileSync(join(repoRoot, 'eslint.config.mjs'), 'utf8');
		expect(normalized(ours)).toBe(normalized(readFileSync(templatePath, 'utf8')));
	});
});
