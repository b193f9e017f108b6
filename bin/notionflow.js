#!/usr/bin/env node
// Built by `npm install` (prepare) or `npm run build`; the source is src/cli/bin.ts.
await import('../dist/src/cli/bin.js');
