import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { duckdb } from '../../destinations/duckdb/index.js';
import { main } from '../../src/cli/main.js';
import { pipeline } from '../../src/pipeline/pipeline.js';

/** The README's "Querying your databases" queries, run as written against what `notionflow demo` loads. */
const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const section = readme.slice(readme.indexOf('## Querying your databases'), readme.indexOf('## In TypeScript'));
const queries = /```sql\n([\s\S]*?)```/.exec(section)![1]!.trim().split('\n').filter((l) => l.trim() !== '');

const dir = mkdtempSync(join(tmpdir(), 'nf-readme-'));
const path = join(dir, 'notion_pipeline.duckdb');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the README's queries against the demo workspace", () => {
  beforeAll(async () => {
    const quiet = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      expect(await main(['demo', '--duckdb-path', path, '--quiet'])).toBe(0);
    } finally {
      quiet.mockRestore();
    }
  });

  it('finds five queries', () => expect(queries).toHaveLength(5));

  it.each(queries.map((q, i) => [i + 1, q] as const))('query %i returns rows: %s', async (_, sql) => {
    const rows = await pipeline({ pipelineName: 'notion_pipeline', destination: duckdb({ path }), datasetName: 'notion_data' }).dataset().sql(sql.replace(/;\s*$/, ''));
    expect(rows.length).toBeGreaterThan(0);
  });
});
