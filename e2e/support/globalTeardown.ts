import { rmSync } from 'node:fs';

import type { E2eSetup } from './testbed';

export default async function globalTeardown(): Promise<void> {
	const setup = JSON.parse(process.env.KLING_E2E_SETUP ?? 'null') as E2eSetup | null;
	if (setup) rmSync(setup.packDir, { recursive: true, force: true });
}
