import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startNotionServer, WORKSPACE_PRESETS, type NotionServer } from '../../src/server/index.js';
import { FakeSnowflake } from '../helpers/fake-snowflake/fake-snowflake.js';
import { cli, PROGRESS_LINES_ONLY, type CliRun } from '../helpers/run-cli.js';

/**
 * The CLI's Snowflake destination factory (src/cli/destinations.ts): settings from .notionflow/ files and
 * NOTIONFLOW__ variables, password and key-pair logins, the stage format; what landed read from the fake
 * Snowflake's own tables, against the server's truth.
 */
const dir = mkdtempSync(join(tmpdir(), 'nf-proof-cli-sf-'));
let notion: NotionServer;
let truthPages: string[];
let truthBlocks: number;

beforeAll(async () => {
  notion = await startNotionServer({ workspace: { ...WORKSPACE_PRESETS.tiny, seed: 91 } });
  truthPages = [...notion.workspace.pages()].map((p) => p.id).sort();
  truthBlocks = [...notion.workspace.blocks()].length;
});
afterAll(async () => {
  await notion.close();
  rmSync(dir, { recursive: true, force: true });
});

/** `notionflow run --destination <name>` in `cwd` with `env`, which must succeed. */
async function run(destination: string, env: Record<string, string>, cwd: string): Promise<CliRun> {
  const r = await cli(['run', '--destination', destination, '--rate-limit', '0', '--progress', 'log'], { NOTION_API_KEY: notion.token, NOTION_BASE_URL: notion.url, ...env }, cwd);
  expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: expect.stringMatching(PROGRESS_LINES_ONLY) });
  return r;
}

/** A project directory with `.notionflow/<file>` holding `toml`. */
function project(name: string, files: Record<string, string>): string {
  const cwd = join(dir, name);
  mkdirSync(join(cwd, '.notionflow'), { recursive: true });
  for (const [file, toml] of Object.entries(files)) writeFileSync(join(cwd, '.notionflow', file), toml);
  return cwd;
}

describe('notionflow run --destination snowflake (against the fake Snowflake)', () => {
  const PASSWORD = 'cli-Sn0wflake-pw';
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
  let fake: FakeSnowflake;
  beforeAll(async () => {
    fake = await FakeSnowflake.start({ account: 'cliacct', users: [{ name: 'LOADER', password: PASSWORD }, { name: 'KEYUSER', publicKey }] });
  });
  afterAll(async () => fake?.close());

  const pagesIn = async (database: string) => (await fake.inspect(database, 'select "ID" as id from "NOTION_DATA"."PAGES" order by 1')).map((r) => String(r['id']));
  const blocksIn = async (database: string) => Number((await fake.inspect(database, 'select count(*) as n from "NOTION_DATA"."BLOCKS"'))[0]!['n']);

  it('settings from .notionflow/config.toml, the password from NOTIONFLOW__DESTINATION__SNOWFLAKE__PASSWORD, never printed', async () => {
    const cwd = project('snowflake', {
      'config.toml': `[destination.snowflake]\naccess_url = "${fake.url}"\naccount = "cliacct"\nusername = "LOADER"\ndatabase = "CLI_DB"\nwarehouse = "LOAD_WH"\nrole = "LOADER_ROLE"\n`,
    });
    const r = await run('snowflake', { NOTIONFLOW__DESTINATION__SNOWFLAKE__PASSWORD: PASSWORD }, cwd);
    expect(r.stdout).toContain('to destination snowflake and into dataset notion_data');
    expect(r.stdout + r.stderr).not.toContain(PASSWORD);
    expect(fake.requests.filter((q) => q.kind === 'login').map((q) => [q.user, q.authenticator, q.success])).toContainEqual(['LOADER', 'SNOWFLAKE', true]);
    // The default stage format: Parquet.
    expect(new Set(fake.statements.filter((q) => /^COPY INTO/.test(q)).map((q) => /FILE_FORMAT = \(TYPE = (\w+)/.exec(q)?.[1]))).toEqual(new Set(['PARQUET']));
    expect(await pagesIn('CLI_DB')).toEqual(truthPages);
    expect(await blocksIn('CLI_DB')).toBe(truthBlocks);
  });

  it('key-pair login from private_key_path and CSV stage files (stage_format), from NOTIONFLOW__ variables only', async () => {
    const keyFile = join(dir, 'rsa_key.p8');
    writeFileSync(keyFile, privateKey);
    const before = fake.requests.length;
    const r = await run(
      'snowflake',
      {
        NOTIONFLOW__DESTINATION__SNOWFLAKE__ACCESS_URL: fake.url,
        NOTIONFLOW__DESTINATION__SNOWFLAKE__ACCOUNT: 'cliacct',
        NOTIONFLOW__DESTINATION__SNOWFLAKE__USERNAME: 'KEYUSER',
        NOTIONFLOW__DESTINATION__SNOWFLAKE__DATABASE: 'KEY_DB',
        NOTIONFLOW__DESTINATION__SNOWFLAKE__PRIVATE_KEY_PATH: keyFile,
        NOTIONFLOW__DESTINATION__SNOWFLAKE__STAGE_FORMAT: 'csv',
      },
      mkdtempSync(join(dir, 'cwd-')),
    );
    expect(r.stdout).not.toContain('PRIVATE KEY');
    const requests = fake.requests.slice(before);
    expect(requests.filter((q) => q.kind === 'login').map((q) => [q.user, q.authenticator, q.success])).toContainEqual(['KEYUSER', 'SNOWFLAKE_JWT', true]);
    // CSV stage files: every COPY reads CSV.
    const copies = requests.filter((q) => q.kind === 'query' && /^COPY INTO/.test(q.sqlText ?? '')).map((q) => /FILE_FORMAT = \(TYPE = (\w+)/.exec(q.sqlText!)?.[1]);
    expect(copies.length).toBeGreaterThan(0);
    expect(new Set(copies)).toEqual(new Set(['CSV']));
    expect(await pagesIn('KEY_DB')).toEqual(truthPages);
    expect(await blocksIn('KEY_DB')).toBe(truthBlocks);
  });
});
