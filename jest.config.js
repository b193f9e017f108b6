/** Jest runs the TypeScript sources directly through @swc/jest (no type check; `npm run typecheck` does that). */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: {
    '^(\\.{1,2}/.*)\\.js$': '$1',
    // The package's own entry points, as README examples import them.
    '^notionflow$': '<rootDir>/src/index.ts',
    '^notionflow/operators$': '<rootDir>/operators/index.ts',
    '^notionflow/destinations$': '<rootDir>/destinations/index.ts',
  },
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'es6' } }],
  },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  // A temp HOME and no NOTIONFLOW__* / NOTION_* variables for every worker and child (global-setup.mjs),
  // a temp working directory per test file (setup-env.ts).
  globalSetup: '<rootDir>/test/global-setup.mjs',
  globalTeardown: '<rootDir>/test/global-teardown.mjs',
  setupFiles: ['<rootDir>/test/setup-env.ts'],
  testTimeout: 60_000,
};
