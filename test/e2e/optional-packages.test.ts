import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, runTs } from '../helpers/node-child.js';

// What a user who installed notionflow without its optional packages sees, in child processes where
// those packages cannot be imported (test/helpers/without-packages.mjs).
const dir = mkdtempSync(join(tmpdir(), 'nf-optional-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `notionflow <args>` in a fresh directory. */
async function notionflow(args: string[], env: Record<string, string>, missing: string[]) {
  const cwd = mkdtempSync(join(dir, 'cwd-'));
  return { cwd, ...(await runTs(['src/cli/bin.ts', ...args], { cwd, env, missing })) };
}

describe('without the optional packages', () => {
  it('run --destination postgres without pg says npm install pg pg-copy-streams, in one line', async () => {
    const r = await notionflow(['run', '--destination', 'postgres'], { NOTION_API_KEY: 'x', NOTIONFLOW__DESTINATION__POSTGRES__CREDENTIALS: 'postgresql://loader@127.0.0.1:1/db' }, ['pg', 'pg-copy-streams']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^notionflow: postgres: .*npm install pg pg-copy-streams\n$/);
  });

  it('checks the postgres settings before the driver: missing credentials are reported first', async () => {
    const r = await notionflow(['run', '--destination', 'postgres'], { NOTION_API_KEY: 'x' }, ['pg', 'pg-copy-streams']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^notionflow: the postgres destination needs destination\.postgres\.credentials/);
  });

  it('run --destination snowflake without snowflake-sdk says npm install snowflake-sdk', async () => {
    const r = await notionflow(
      ['run', '--destination', 'snowflake'],
      {
        NOTION_API_KEY: 'x',
        NOTIONFLOW__DESTINATION__SNOWFLAKE__ACCOUNT: 'acme',
        NOTIONFLOW__DESTINATION__SNOWFLAKE__USERNAME: 'loader',
        NOTIONFLOW__DESTINATION__SNOWFLAKE__PASSWORD: 'secret',
        NOTIONFLOW__DESTINATION__SNOWFLAKE__DATABASE: 'RAW',
      },
      ['snowflake-sdk'],
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^notionflow: snowflake: .*npm install snowflake-sdk\n$/);
    expect(r.stderr).not.toContain('secret');
  });

  it('the filesystem destination writes Parquet without parquet-wasm', async () => {
    const lake = join(dir, 'lake');
    const r = await notionflow(['demo', '--preset', 'tiny', '--destination', 'filesystem', '-q'], { NOTIONFLOW__DESTINATION__FILESYSTEM__BUCKET_URL: lake }, ['parquet-wasm']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(readdirSync(join(lake, 'notion_data', 'pages')).some((f) => f.endsWith('.parquet'))).toBe(true);
  });

  it("import 'notionflow' and 'notionflow/destinations' (and a default pipeline) leave DuckDB's native binding unloaded", async () => {
    const duckdbLoaded = "process.report.getReport().sharedObjects.some((path) => path.includes('duckdb'))";
    const code = `
      const { pipeline } = await import('${ROOT}src/index.ts');
      const { sink } = await import('${ROOT}destinations/index.ts');
      pipeline();
      pipeline({ destination: sink(() => undefined) });
      const before = ${duckdbLoaded};
      await import('${ROOT}destinations/duckdb/duckdb-driver.ts');
      console.log(JSON.stringify({ before, after: ${duckdbLoaded} }));`;
    const r = await runTs(['--input-type=module', '-e', code]);
    expect(r.stderr).toBe('');
    // `after` shows the check sees the binding once something does load it.
    expect(JSON.parse(r.stdout)).toEqual({ before: false, after: true });
  });
});
