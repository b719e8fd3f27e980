/** Which n8n the end-to-end tests run on. Only the pinned n8n 1.x line for now. */
import { DEFAULT_N8N_VERSION } from '../../scripts/lib/n8nRuntime';

export interface E2eTarget {
	version: string;
	/** The Node binary that runs n8n. */
	node: string;
	nodeVersion: string;
}

export async function e2eTarget(_log: (message: string) => void): Promise<E2eTarget> {
	return { version: DEFAULT_N8N_VERSION, node: process.execPath, nodeVersion: process.version };
}
