/**
 * End-to-end tests (`npm run test:e2e`): the packed node in a real n8n, driven
 * through n8n's command line. Kept out of `npm test`, whose jest only looks in test/.
 */
/** @type {import('jest').Config} */
module.exports = {
	preset: 'ts-jest',
	testEnvironment: 'node',
	roots: ['<rootDir>/e2e'],
	testMatch: ['**/*.e2e.test.ts'],
	// Queue mode needs PostgreSQL and Redis: `npm run test:e2e:queue` (jest.e2e.queue.config.js).
	testPathIgnorePatterns: ['/node_modules/', '<rootDir>/e2e/queue/'],
	// Each n8n command takes seconds; installing n8n into an empty cache takes minutes (in globalSetup, not timed).
	testTimeout: 5 * 60_000,
	// Every test file runs its own n8n processes; two at a time suit a two-core machine.
	maxWorkers: 2,
	globalSetup: '<rootDir>/e2e/support/globalSetup.ts',
	globalTeardown: '<rootDir>/e2e/support/globalTeardown.ts',
	transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.test.json' }] },
};
