import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { format, inspect } from 'node:util';
import { resolveConfig } from '../../src/config/resolve-config.js';
import { Secret } from '../../src/config/secret.js';
import { ConfigError } from '../../src/errors.js';

const TOKEN = 'ntn_TESTTOKEN_do_not_print_1234567890';

let cwd: string;
beforeEach(() => {
  cwd = mkdtempSync(join(tmpdir(), 'notionflow-config-'));
});
afterEach(() => {
  rmSync(cwd, { recursive: true, force: true });
});

function write(path: string, text: string): void {
  const full = join(cwd, path);
  mkdirSync(join(full, '..'), { recursive: true });
  writeFileSync(full, text);
}

const KEY = 'sources.notion.api_key';

describe('resolveConfig precedence', () => {
  beforeEach(() => {
    write('.dlt/config.toml', '[sources.notion]\napi_key = "dlt-config"\nbase_url = "http://dlt-config"\n');
    write('.dlt/secrets.toml', '[sources.notion_source]\napi_key = "dlt-secrets"\n');
    write('.notionflow/config.toml', '[sources.notion]\napi_key = "nf-config"\n');
    write('.notionflow/secrets.toml', '[sources.notion]\napi_key = "nf-secrets"\n');
  });

  it('takes flags over the environment over .notionflow over .dlt', () => {
    const env = { NOTION_API_KEY: 'env' };
    expect(resolveConfig({ cwd, env, flags: { [KEY]: 'flag' } }).string(KEY)).toBe('flag');
    expect(resolveConfig({ cwd, env, flags: { [KEY]: undefined } }).string(KEY)).toBe('env');
    expect(resolveConfig({ cwd, env: {} }).string(KEY)).toBe('nf-secrets');
    rmSync(join(cwd, '.notionflow/secrets.toml'));
    expect(resolveConfig({ cwd, env: {} }).string(KEY)).toBe('nf-config');
    rmSync(join(cwd, '.notionflow/config.toml'));
    expect(resolveConfig({ cwd, env: {} }).string(KEY)).toBe('dlt-secrets');
    rmSync(join(cwd, '.dlt/secrets.toml'));
    expect(resolveConfig({ cwd, env: {} }).string(KEY)).toBe('dlt-config');
    rmSync(join(cwd, '.dlt/config.toml'));
    expect(resolveConfig({ cwd, env: {} }).string(KEY)).toBeUndefined();
    expect(resolveConfig({ cwd, env: {} }).string(KEY, 'fallback')).toBe('fallback');
  });

  it('ignores empty values, so an empty NOTION_API_KEY does not hide the files', () => {
    expect(resolveConfig({ cwd, env: { NOTION_API_KEY: '' }, flags: { [KEY]: '' } }).string(KEY)).toBe('nf-secrets');
  });

  it('lets a NOTIONFLOW__A__B variable set any path, below NOTION_API_KEY', () => {
    const env = { NOTIONFLOW__SOURCES__NOTION__API_KEY: 'nested-env', NOTIONFLOW__DESTINATION__POSTGRES__CREDENTIALS: 'postgresql://x' };
    const config = resolveConfig({ cwd, env });
    expect(config.string(KEY)).toBe('nested-env');
    expect(config.string('destination.postgres.credentials')).toBe('postgresql://x');
    expect(resolveConfig({ cwd, env: { ...env, NOTION_API_KEY: 'plain' } }).string(KEY)).toBe('plain');
  });

  it('reads NOTION_BASE_URL, else the files', () => {
    expect(resolveConfig({ cwd, env: { NOTION_BASE_URL: 'http://127.0.0.1:9' } }).string('sources.notion.base_url')).toBe('http://127.0.0.1:9');
    expect(resolveConfig({ cwd, env: {} }).string('sources.notion.base_url')).toBe('http://dlt-config');
  });

  it('merges a section across layers, higher layers winning', () => {
    write('.notionflow/config.toml', '[destination.snowflake]\nwarehouse = "wh"\nrole = "low"\n');
    const config = resolveConfig({ cwd, env: { NOTIONFLOW__DESTINATION__SNOWFLAKE__ROLE: 'high' }, flags: { 'destination.snowflake.database': 'db' } });
    expect(config.section('destination.snowflake')).toEqual({ warehouse: 'wh', role: 'high', database: 'db' });
    expect(config.section('destination.nothing')).toEqual({});
  });
});

describe('resolveConfig with dlt files only', () => {
  it('finds the token of dlt’s Notion source under [sources.notion_source], over [sources.notion]', () => {
    write('.dlt/secrets.toml', `[sources.notion]\napi_key = "older"\n\n[sources.notion_source]\napi_key = "${TOKEN}"\n`);
    expect(resolveConfig({ cwd, env: {} }).secret(KEY)?.reveal()).toBe(TOKEN);
    write('.dlt/secrets.toml', `[sources.notion]\napi_key = "${TOKEN}"\n`);
    expect(resolveConfig({ cwd, env: {} }).secret(KEY)?.reveal()).toBe(TOKEN);
  });

  it('keeps the other dlt sections as they are', () => {
    write('.dlt/secrets.toml', '[destination.postgres.credentials]\nhost = "127.0.0.1"\nport = 5432\n');
    expect(resolveConfig({ cwd, env: {} }).section('destination.postgres.credentials')).toEqual({ host: '127.0.0.1', port: 5432 });
  });
});

describe('ResolvedConfig values', () => {
  it('validates numbers and rejects a table where a value is expected', () => {
    write('.notionflow/config.toml', 'workers = 4\nbad = "many"\nneg = -1\n[table]\nx = 1\n');
    const config = resolveConfig({ cwd, env: { NOTIONFLOW__FROM_ENV: '2.5' } });
    expect(config.number('workers')).toBe(4);
    expect(config.number('from_env')).toBe(2.5);
    expect(config.number('missing', 7)).toBe(7);
    expect(() => config.number('bad')).toThrow(ConfigError);
    expect(() => config.number('neg')).toThrow(ConfigError);
    expect(() => config.string('table')).toThrow(ConfigError);
    expect(config.get('missing', 'workers')).toBe(4);
  });
});

describe('resolveConfig with a broken TOML file', () => {
  it.each(['.notionflow/secrets.toml', '.notionflow/config.toml', '.dlt/secrets.toml', '.dlt/config.toml'])(
    '%s: a ConfigError naming the file, without the token',
    (file) => {
      write(file, `[sources.notion]\napi_key = "${TOKEN}\nx = 1\n`);
      let error: unknown;
      try {
        resolveConfig({ cwd, env: {} });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ConfigError);
      const e = error as ConfigError;
      expect(e.code).toBe('config_error');
      expect(e.message).toContain(join(cwd, file));
      expect(e.message).toContain('line 2');
      for (const shown of [e.message, String(e.stack), inspect(e), inspect(e, { showHidden: true, depth: 10 })]) expect(shown).not.toContain(TOKEN);
    },
  );
});

describe('Secret', () => {
  const secret = new Secret(TOKEN);

  it('gives its value only through reveal()', () => {
    expect(secret.reveal()).toBe(TOKEN);
  });

  it('prints *** in String, template strings, JSON, util.inspect and util.format', () => {
    const shown = [
      String(secret),
      `${secret}`,
      'key: ' + secret,
      JSON.stringify(secret),
      JSON.stringify({ auth: { token: secret } }),
      inspect(secret),
      inspect({ deep: { deeper: [secret] } }, { depth: 10 }),
      inspect(secret, { showHidden: true }),
      format('%s %o %O %j', secret, secret, { secret }, { secret }),
    ];
    for (const s of shown) {
      expect(s).not.toContain(TOKEN);
      expect(s).toContain('***');
    }
    expect(JSON.parse(JSON.stringify({ token: secret }))).toEqual({ token: '***' });
    expect(Object.keys(secret)).toEqual([]);
  });

  it('is what ResolvedConfig.secret returns', () => {
    const s = resolveConfig({ cwd, env: { NOTION_API_KEY: TOKEN } }).secret(KEY);
    expect(s).toBeInstanceOf(Secret);
    expect(inspect(s)).toBe('Secret(***)');
    expect(resolveConfig({ cwd, env: {} }).secret(KEY)).toBeUndefined();
  });
});
