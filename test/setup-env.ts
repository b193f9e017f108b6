import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';

// test/global-setup.mjs cleared the developer's NOTIONFLOW__* / NOTION_* variables, kept the drivers off the
// network and set a temp HOME; each test file also gets a working directory of its own, so nothing reads or
// writes the checkout's .notionflow/ or .dlt/ (traces, sink state and default DuckDB files land there, and
// go with the temp root).
const root = process.env['NOTIONFLOW_TEST_ROOT'];
if (root === undefined) throw new Error('NOTIONFLOW_TEST_ROOT is not set: run the tests with jest.config.js (npm test), whose globalSetup isolates HOME and the environment.');
process.chdir(mkdtempSync(join(root, 'cwd-')));
