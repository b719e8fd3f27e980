import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

/** The repository root: the nearest folder above this file whose package.json is ours. */
function findRepoRoot(start: string): string {
	for (let dir = start; dir !== dirname(dir); dir = dirname(dir)) {
		const file = join(dir, 'package.json');
		if (existsSync(file) && JSON.parse(readFileSync(file, 'utf8')).name === 'n8n-nodes-kling') return dir;
	}
	throw new Error(`No n8n-nodes-kling package.json above ${start}`);
}

export const repoRoot = findRepoRoot(__dirname);

/** Where pinned n8n installs and Node binaries are kept, outside the repository. */
export function cacheRoot(): string {
	return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'n8n-nodes-kling');
}
