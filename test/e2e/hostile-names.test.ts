import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { duckdb } from '../../destinations/duckdb/index.js';
import { pipeline } from '../../src/pipeline/pipeline.js';
import { notionSource } from '../../src/resources/notion-source.js';
import { HOSTILE_NAMES, startNotionServer, WORKSPACE_PRESETS } from '../../src/server/index.js';

const dir = mkdtempSync(join(tmpdir(), 'nf-hostile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a database with hostile property names', () => {
  it('loads, and the SQL log shows only quoted, normalized identifiers', async () => {
    const server = await startNotionServer({ workspace: { ...WORKSPACE_PRESETS.tiny, seed: 11, hostileNames: true } });
    const sql: string[] = [];
    try {
      const p = pipeline({ pipelineName: 'hostile', destination: duckdb({ path: join(dir, 'h.duckdb') }), log: (line) => sql.push(line) });
      await p.run(notionSource({ apiKey: server.token, baseUrl: server.url, rateLimit: false }));

      // Every property became a column (or child table) with a safe name…
      const cols = (await p.dataset().sql(`select column_name from information_schema.columns where table_schema = 'notion_data' and table_name = 'pages'`)).map((r) => String(r['column_name']));
      expect(cols).toContain('properties__a_b__number');
      expect(cols).toContain('properties__select__select__name');
      expect(cols).toContain('properties___launch__checkbox');
      expect(cols).toContain('properties__due_date__date__start');
      const maxLength = p.destination.capabilities.maxIdentifierLength;
      expect(cols.some((c) => c.startsWith('properties__long_xxxx') && c.endsWith('__number'))).toBe(true);
      for (const c of cols) expect(c.length).toBeLessThanOrEqual(maxLength);
      // …`Due Date`, `due_date` and `Due-Date` are three properties, so three distinct columns.
      expect(cols.filter((c) => /^properties__due_date(_[0-9a-f]{6})?__date__start$/.test(c))).toHaveLength(3);
      const rowsWithLaunch = await p.dataset().sql('select count(properties___launch__checkbox) as n from notion_data.pages');
      expect(Number(rowsWithLaunch[0]!['n'])).toBeGreaterThan(0);

      // The SQL log: every quoted identifier is normalized, and no property name reaches SQL as is.
      expect(sql.length).toBeGreaterThan(10);
      const log = sql.join('\n');
      for (const [name] of HOSTILE_NAMES) {
        if (/^[a-z_][a-z0-9_]*$/.test(name)) continue; // already normalized (`select`, `due_date`)
        expect(log).not.toContain(name);
      }
      const quoted = [...log.matchAll(/"((?:[^"]|"")*)"/g)].map((m) => m[1]!);
      expect(quoted.length).toBeGreaterThan(0);
      for (const ident of quoted) expect(ident).toMatch(/^[a-z_][a-z0-9_]*$/);
      expect(quoted).toContain('properties__a_b__number');
    } finally {
      await server.close();
    }
  });
});
