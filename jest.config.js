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
  setupFiles: ['<rootDir>/test/setup-env.ts'],
  testTimeout: 60_000,
};
