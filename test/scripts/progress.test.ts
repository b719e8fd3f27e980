/** Long set-up steps print a line every few seconds: how long, and what they are doing. */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { elapsed, packagesIn, withProgress } from '../../scripts/lib/progress';

describe('withProgress', () => {
	it('logs what the step is doing, with the time taken, until it ends; then nothing more', async () => {
		const lines: string[] = [];
		let phase = 'fetching';
		const result = await withProgress(
			(line) => lines.push(line),
			() => phase,
			async () => {
				await new Promise((resolve) => setTimeout(resolve, 130));
				phase = 'building';
				await new Promise((resolve) => setTimeout(resolve, 130));
				return 42;
			},
			50,
		);
		expect(result).toBe(42);
		expect(lines.length).toBeGreaterThanOrEqual(3);
		expect(lines[0]).toMatch(/^… \d+ s: fetching$/);
		expect(lines.at(-1)).toMatch(/: building$/);
		const count = lines.length;
		await new Promise((resolve) => setTimeout(resolve, 150));
		expect(lines).toHaveLength(count);
	});

	it('stops its timer when the step fails', async () => {
		const lines: string[] = [];
		await expect(withProgress((line) => lines.push(line), () => 'x', async () => await Promise.reject(new Error('boom')), 20)).rejects.toThrow('boom');
		await new Promise((resolve) => setTimeout(resolve, 80));
		expect(lines).toEqual([]);
	});
});

describe('progress figures', () => {
	it('formats elapsed time in seconds, then minutes and seconds', () => {
		expect(elapsed(9_400)).toBe('9 s');
		expect(elapsed(125_000)).toBe('2 min 05 s');
	});

	it('counts unpacked packages, scoped ones one by one', () => {
		const folder = mkdtempSync(join(tmpdir(), 'progress-'));
		expect(packagesIn(folder)).toBe(0);
		for (const name of ['a', 'b', '@n8n/x', '@n8n/y', '.bin']) mkdirSync(join(folder, 'node_modules', name), { recursive: true });
		expect(packagesIn(folder)).toBe(4);
	});
});
