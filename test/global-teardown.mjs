// Jest's globalTeardown: removes the temp HOME and working directories of test/global-setup.mjs.
import { rmSync } from 'node:fs';

export default function globalTeardown() {
  const root = process.env.NOTIONFLOW_TEST_ROOT;
  if (root) rmSync(root, { recursive: true, force: true });
}
