// A Node ESM loader for child processes spawned by tests: runs the TypeScript sources directly
// (`node --import ./test/helpers/ts-loader.mjs src/cli/run.ts`), transpiled by @swc/core like jest does,
// so tests never depend on a stale dist/.
import { register } from 'node:module';

register('./ts-loader-hooks.mjs', import.meta.url);
