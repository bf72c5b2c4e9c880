/**
 * Three projects: `unit` (pure code and in-process fakes, no infrastructure), `integration`
 * (real Redis, the real Docker swarm, git) and `browser` (pages in Debian's Chromium through
 * playwright-core, test/support/browser.ts). `npm test` runs all three, after scripts/infra.sh
 * has brought the infrastructure up.
 */
const shared = {
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }] },
  testEnvironment: 'node',
};

export default {
  // Integration tests drive real builds on the swarm; a hung one still fails, after 3 minutes.
  testTimeout: 180_000,
  projects: [
    { ...shared, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    { ...shared, displayName: 'integration', testMatch: ['<rootDir>/test/integration/**/*.test.ts'] },
    { ...shared, displayName: 'browser', testMatch: ['<rootDir>/test/browser/**/*.test.ts'] },
  ],
};
