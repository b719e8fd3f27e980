/**
 * Which n8n the end-to-end tests run on, from N8N_E2E_VERSION:
 *   unset or `1`  n8n 1.123.50 (the pinned release) on the Node running the tests
 *   `2`           n8n 2.41.1 on Node 24 (n8n 2.x needs it), fetched from npm when missing
 *   `x.y.z`       that release; 2.x and later run on Node 24
 * 2.41.1 is the newest 2.x whose dependencies all resolve on the registry we test with
 * (2.41.3 wants @n8n/agents@0.26.2, which it lacks); set N8N_E2E_VERSION to try a newer one.
 */
import { ensureNode } from '../../scripts/lib/nodeRuntime';
import { DEFAULT_N8N_VERSION } from '../../scripts/lib/n8nRuntime';

export const DEFAULT_N8N_2_VERSION = '2.41.1';

export interface E2eTarget {
	version: string;
	/** The Node binary that runs n8n. */
	node: string;
	nodeVersion: string;
}

export async function e2eTarget(log: (message: string) => void): Promise<E2eTarget> {
	const wanted = process.env.N8N_E2E_VERSION?.trim() || '1';
	const version = wanted === '1' ? DEFAULT_N8N_VERSION : wanted === '2' ? DEFAULT_N8N_2_VERSION : wanted;
	if (!/^\d+\.\d+\.\d+$/.test(version)) throw new Error(`N8N_E2E_VERSION must be 1, 2 or x.y.z, got "${wanted}"`);
	if (Number(version.split('.')[0]) < 2) return { version, node: process.execPath, nodeVersion: process.version };
	const { node, version: nodeVersion } = await ensureNode(24, log);
	return { version, node, nodeVersion };
}
