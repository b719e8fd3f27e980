/**
 * The node's layers and the one direction between them: actions may use parameters, transport
 * and wire; parameters and transport may use wire; wire uses nothing of ours. No file imports from
 * a layer above it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../../../nodes/Kling');
const ALLOWED: Record<string, string[]> = {
	'.': ['.', 'actions', 'parameters'],
	actions: ['actions', 'parameters', 'transport', 'wire'],
	parameters: ['parameters', 'wire'],
	transport: ['transport', 'wire'],
	wire: ['wire'],
};

function sources(dir: string): string[] {
	return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
		const path = join(dir, entry.name);
		if (entry.isDirectory()) return sources(path);
		return entry.name.endsWith('.ts') ? [path] : [];
	});
}

const layerOf = (file: string) => relative(ROOT, file).split('/')[0].replace(/\.ts$/, '').replace(/^Kling\.node$/, '.');

describe('layers', () => {
	const files = sources(ROOT);

	it('knows every file of the node', () => {
		expect(files.length).toBeGreaterThan(20);
		for (const file of files) expect(Object.keys(ALLOWED)).toContain(layerOf(file));
	});

	it.each(files.map((file) => [relative(ROOT, file), file]))('%s imports only from its own layer or below', (_name, file) => {
		const from = layerOf(file);
		const imports = [...readFileSync(file, 'utf8').matchAll(/from '(\.[^']+)'/g)].map((match) => match[1]);
		for (const target of imports) {
			const to = layerOf(resolve(dirname(file), target));
			expect({ from, to, target }).toEqual({ from, to: ALLOWED[from].includes(to) ? to : `a layer ${from} may not use`, target });
		}
	});
});
