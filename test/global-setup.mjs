// Jest's globalSetup: runs once in the parent process before any test worker starts, so what it sets in
// the real environment is what every worker, os.homedir() and every child process a test spawns see
// (a test file's own `process.env` is only a copy of it). Tests must not depend on the developer's
// configuration: no NOTIONFLOW__* or NOTION_* variable, no driver credentials, and a HOME of their own
// (no ~/.notionflow, ~/.aws, ~/.snowflake, ~/.pgpass ...). Each test file then runs in a temp working
// directory of its own (test/setup-env.ts), so no .notionflow/ or .dlt/ of the checkout is read or written.
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Variables a developer may have set that would change what a test loads, reads or connects to. */
const CLEARED = [
  /^NOTIONFLOW__/, /^NOTION_/,
  /^PG/, /^AWS_/, /^GOOGLE_APPLICATION_CREDENTIALS$/, /^GOOGLE_CLOUD_PROJECT$/, /^GCLOUD_PROJECT$/, /^STORAGE_EMULATOR_HOST$/,
  /^AZURE_STORAGE_/, /^SNOWFLAKE_/, /^SF_/, /^DATABRICKS_/, /^XDG_/,
];

export default function globalSetup() {
  for (const name of Object.keys(process.env)) if (CLEARED.some((re) => re.test(name))) delete process.env[name];
  // Keep every driver off the network before anything imports it (see README, "Development").
  Object.assign(process.env, {
    SNOWFLAKE_DISABLE_PLATFORM_DETECTION: 'true',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_REQUIRED',
    AWS_RESPONSE_CHECKSUM_VALIDATION: 'WHEN_REQUIRED',
    METADATA_SERVER_DETECTION: 'none',
  });
  const root = mkdtempSync(join(tmpdir(), 'notionflow-test-'));
  const home = join(root, 'home');
  mkdirSync(home);
  process.env.HOME = home;
  process.env.NOTIONFLOW_TEST_ROOT = root;
}
