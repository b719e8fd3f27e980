/**
 * Once per `npm run test:e2e`: build and pack the package, and get n8n (from the
 * cache, or installed into it). Test files find both through KLING_E2E_SETUP.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { buildPackage, packPackage } from '../../scripts/lib/nodePackage';
import { ensureN8n } from '../../scripts/lib/n8nRuntime';
import { e2eTarget } from './target';
import type { E2eSetup } from './testbed';

export default async function globalSetup(): Promise<void> {
	const target = await e2eTarget((message) => console.log(`\n[e2e] ${message}`));
	const runtime = await ensureN8n(target.version, target.node, (message) => console.log(`[e2e] ${message}`));
	await buildPackage();
	const packDir = mkdtempSync(join(tmpdir(), 'n8n-nodes-kling-e2e-pack-'));
	const setup: E2eSetup = { runtime, tarball: await packPackage(packDir), packDir };
	console.log(`[e2e] n8n ${runtime.version} on Node ${target.nodeVersion}; package ${setup.tarball}`);
	process.env.KLING_E2E_SETUP = JSON.stringify(setup);
}
