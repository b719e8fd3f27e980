/**
 * Queue-mode end-to-end tests (`npm run test:e2e:queue`): the packed node in a real
 * n8n main and two workers, with a throwaway PostgreSQL and Redis. The same global
 * set-up as `npm run test:e2e` (build, pack, n8n from the cache).
 */
/** @type {import('jest').Config} */
module.exports = {
	preset: 'ts-jest',
	testEnvironment: 'node',
	roots: ['<rootDir>/e2e/queue'],
	testMatch: ['**/*.e2e.test.ts'],
	// Starting the services and three n8n processes takes about a minute; the hooks and tests set their own limits.
	testTimeout: 5 * 60_000,
	// One queue-mode cluster at a time is all a two-core machine carries.
	maxWorkers: 1,
	globalSetup: '<rootDir>/e2e/support/globalSetup.ts',
	globalTeardown: '<rootDir>/e2e/support/globalTeardown.ts',
	transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.test.json' }] },
};
