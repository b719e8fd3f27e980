/**
 * The node's layers and the one direction between them: actions may use parameters, transport
 * and wire; parameters and transport may use wire; wire uses nothing of ours. No file imports from
 * a layer above it.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
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

/** Our files a file imports, type-only imports and re-exports included. */
function importsOf(file: string): string[] {
	const targets = [...readFileSync(file, 'utf8').matchAll(/from '(\.[^']+)'/g)].map((match) => resolve(dirname(file), match[1]));
	return targets.map((target) => (existsSync(`${target}.ts`) ? `${target}.ts` : join(target, 'index.ts'))).filter((target) => existsSync(target));
}

/** Every import circle among `files`, each as the files along it (first one repeated at the end). */
function importCircles(files: string[]): string[][] {
	const graph = new Map(files.map((file) => [file, importsOf(file)]));
	const circles: string[][] = [];
	const done = new Set<string>();
	const visit = (file: string, path: string[]) => {
		const at = path.indexOf(file);
		if (at >= 0) return void circles.push([...path.slice(at), file]);
		if (done.has(file)) return;
		for (const next of graph.get(file) ?? []) visit(next, [...path, file]);
		done.add(file);
	};
	for (const file of files) visit(file, []);
	return circles;
}

describe('import circles', () => {
	const NODES = resolve(__dirname, '../../../nodes');
	const files = sources(NODES);

	it('finds a circle made of type-only imports (the check itself works)', () => {
		const dir = mkdtempSync(join(tmpdir(), 'circles-'));
		writeFileSync(join(dir, 'a.ts'), "import type { B } from './b';\nexport type A = B;\n");
		writeFileSync(join(dir, 'b.ts'), "export type { A } from './a';\nexport type B = number;\n");
		writeFileSync(join(dir, 'c.ts'), "import type { A } from './a';\nexport type C = A;\n");
		try {
			const circles = importCircles(sources(dir)).map((circle) => circle.map((file) => relative(dir, file)).join(' -> '));
			expect(circles).toEqual(['a.ts -> b.ts -> a.ts']);
		} finally {
			rmSync(dir, { recursive: true, force: true });
		}
	});

	it('no file of the nodes imports itself back through others, type-only imports included', () => {
		const named = importCircles(files).map((circle) => circle.map((file) => relative(NODES, file)).join(' -> '));
		expect(named).toEqual([]);
	});
});
