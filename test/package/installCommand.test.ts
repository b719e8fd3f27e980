/**
 * The install command users read (README, docs, the example Dockerfile) is the one the
 * end-to-end tests run (`N8nInstance.installNodePackage`).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

import { NODE_PACKAGE_INSTALL_FLAGS } from '../../scripts/lib/n8nInstance';
import { repoRoot } from '../../scripts/lib/paths';

const DOCUMENTS = [
	'README.md',
	...readdirSync(join(repoRoot, 'docs'))
		.filter((name) => name.endsWith('.md'))
		.map((name) => join('docs', name)),
	join('examples', 'queue-mode', 'Dockerfile'),
];

/** Every `npm install` of this package in a text, up to the package spec. */
function installCommands(text: string): string[] {
	return text.match(/npm install [^`'\n]*?n8n-nodes-kling\S*/g) ?? [];
}

describe('the documented install command', () => {
	const expected = new RegExp(`^npm install --prefix \\S+ ${NODE_PACKAGE_INSTALL_FLAGS.join(' ')} \\S*n8n-nodes-kling`);

	it.each(DOCUMENTS)('%s installs with the flags the e2e suite uses', (document) => {
		const commands = installCommands(readFileSync(join(repoRoot, document), 'utf8'));
		for (const command of commands) expect(command).toMatch(expected);
	});

	it('appears in the README for npm, Docker and a local tarball, and in the Dockerfile', () => {
		const readme = installCommands(readFileSync(join(repoRoot, 'README.md'), 'utf8'));
		expect(readme.filter((command) => command.includes('~/.n8n/nodes'))).toHaveLength(3);
		expect(readme.filter((command) => command.includes('/home/node/.n8n/nodes'))).toHaveLength(1);
		const dockerfile = readFileSync(join(repoRoot, 'examples', 'queue-mode', 'Dockerfile'), 'utf8');
		expect(installCommands(dockerfile)).toHaveLength(1);
	});
});
