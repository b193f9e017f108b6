import { afterAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ROOT } from '../helpers/node-child.js';

const run = promisify(execFile);
const dev = mkdtempSync(join(tmpdir(), 'nf-isolation-'));
afterAll(() => rmSync(dev, { recursive: true, force: true }));

/** A developer's own setup: a destination and a token in config files in HOME and in the project, and in the environment. */
const CONFIG = '[sources.notion]\napi_key = "ntn_planted_config_token"\n\n[destination.postgres]\ncredentials = "postgresql://planted:secret@127.0.0.1:1/planted"\n';

describe('tests are isolated from the developer', () => {
  it("a planted NOTIONFLOW__DESTINATION__ variable, NOTION_API_KEY and .notionflow/config.toml in HOME and cwd reach no test, and no test writes into the developer's cwd", async () => {
    const home = join(dev, 'home');
    const project = join(dev, 'project');
    for (const d of [home, project]) {
      mkdirSync(join(d, '.notionflow'), { recursive: true });
      writeFileSync(join(d, '.notionflow', 'config.toml'), CONFIG);
      mkdirSync(join(d, '.dlt'));
      writeFileSync(join(d, '.dlt', 'secrets.toml'), '[sources.notion_source]\napi_key = "ntn_planted_dlt_token"\n');
    }
    // The developer's checkout: jest's configuration (this repository's), run from there.
    writeFileSync(join(project, 'jest.config.mjs'), `import base from ${JSON.stringify(join(ROOT, 'jest.config.js'))};\nexport default { ...base, rootDir: ${JSON.stringify(ROOT)} };\n`);
    const out = join(dev, 'result.json');
    const env = {
      ...process.env,
      HOME: home,
      NOTIONFLOW__DESTINATION__POSTGRES__CREDENTIALS: 'postgresql://planted:secret@127.0.0.1:1/env',
      NOTIONFLOW__DESTINATION_NAME: 'postgres',
      NOTION_API_KEY: 'ntn_planted_env_token',
      NOTION_BASE_URL: 'http://127.0.0.1:1',
      ISOLATION_PROBE_PLANTED: dev,
      NODE_OPTIONS: '--experimental-vm-modules --disable-warning=ExperimentalWarning',
    };
    const jest = join(ROOT, 'node_modules', 'jest', 'bin', 'jest.js');
    const args = [jest, '--runInBand', '--testMatch', '<rootDir>/test/proof/isolation-probe.ts', '--json', '--outputFile', out];
    await run(process.execPath, args, { cwd: project, env, timeout: 120_000 }).catch((error: unknown) => error);
    const result = JSON.parse(readFileSync(out, 'utf8')) as { numTotalTests: number; numPassedTests: number; testResults: { message: string }[] };
    expect({ passed: result.numPassedTests, messages: result.testResults.map((r) => r.message) }).toEqual({ passed: 3, messages: [''] });
    expect(result.numTotalTests).toBe(3);
    // Nothing was written where the developer ran the tests.
    expect(readdirSync(project).sort()).toEqual(['.dlt', '.notionflow', 'jest.config.mjs']);
    expect(readdirSync(join(project, '.notionflow'))).toEqual(['config.toml']);
  }, 120_000);
});
