import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { resolveConfig } from '../../src/config/resolve-config.js';

/**
 * Run only by test/proof/isolation.test.ts, in a jest of its own started with a planted developer setup
 * (`ISOLATION_PROBE_PLANTED`: the directory holding that developer's HOME and project, each with a
 * `.notionflow/config.toml`, plus NOTIONFLOW__ / NOTION_ variables): nothing of it may reach a test.
 */
const planted = process.env['ISOLATION_PROBE_PLANTED'];
if (planted === undefined) throw new Error('isolation-probe.ts runs under test/proof/isolation.test.ts only (ISOLATION_PROBE_PLANTED is not set).');
const OURS = /^(NOTIONFLOW__|NOTION_)/;

describe('a test, whatever the developer has configured', () => {
  it('sees no NOTIONFLOW__ or NOTION_ variable, in its process or in a child', () => {
    expect(Object.keys(process.env).filter((n) => OURS.test(n))).toEqual([]);
    const child = execFileSync(process.execPath, ['-p', `Object.keys(process.env).filter((n) => ${OURS}.test(n)).join(',')`], { encoding: 'utf8' });
    expect(child.trim()).toBe('');
  });

  it("runs with a temp HOME and a temp working directory, not the developer's", () => {
    for (const dir of [homedir(), process.env['HOME']!, process.cwd()]) expect(dir.startsWith(planted)).toBe(false);
    const child = JSON.parse(execFileSync(process.execPath, ['-p', 'JSON.stringify([require("os").homedir(), process.cwd()])'], { encoding: 'utf8' })) as string[];
    for (const dir of child) expect(dir.startsWith(planted)).toBe(false);
    expect(existsSync(join(process.cwd(), '.notionflow'))).toBe(false);
    expect(existsSync(join(homedir(), '.notionflow'))).toBe(false);
  });

  it('resolves no configuration at all: no destination, no token, no source setting', () => {
    const config = resolveConfig();
    expect(config.get('destination')).toBeUndefined();
    expect(config.get('destination_name')).toBeUndefined();
    expect(config.get('sources')).toEqual({ notion: {} });
    expect(config.layers.map((l) => [l.name, l.values])).toEqual([
      ['flags', {}],
      ['environment', {}],
      ['.notionflow/secrets.toml', {}],
      ['.notionflow/config.toml', {}],
      ['.dlt/secrets.toml', { sources: { notion: {} } }],
      ['.dlt/config.toml', { sources: { notion: {} } }],
    ]);
  });
});
