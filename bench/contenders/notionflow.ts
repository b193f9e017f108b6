/**
 * Contender "notionflow": the full pipeline (notionSource → normalize → infer → Arrow → DuckDB) into a
 * fresh DuckDB file in a temporary folder, exactly as a user runs it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { duckdb } from '../../destinations/duckdb/index.js';
import { pipeline } from '../../src/pipeline/pipeline.js';
import { notionSource } from '../../src/resources/notion-source.js';
import { contenderSettings, reportFigures } from '../lib/contender.js';

const settings = contenderSettings();
const dir = mkdtempSync(join(tmpdir(), 'nf-bench-'));
try {
  const start = performance.now();
  const info = await pipeline({ pipelineName: 'bench', destination: duckdb({ path: join(dir, 'bench.duckdb') }), datasetName: 'notion_data' }).run(
    notionSource({
      apiKey: settings.token,
      baseUrl: settings.url,
      notionVersion: settings.notionVersion,
      concurrency: settings.concurrency,
      pageContent: settings.pageContent,
      comments: settings.comments,
      blocks: settings.blocks,
      ...(settings.rate === 'default' ? {} : { rateLimit: settings.rate === 'off' ? false : settings.rate }),
    }),
  );
  const roots = ['users', 'pages', 'data_sources', 'databases', 'blocks', 'comments'];
  const objects = roots.reduce((sum, t) => sum + (info.rowCounts[t] ?? 0), 0);
  const requests = info.source.requests;
  reportFigures('notionflow', start, objects, {
    requests: requests['total'] ?? 0,
    retries: requests['retries'] ?? 0,
    rateLimited: requests['429'] ?? 0,
    rows: Object.values(info.rowCounts).reduce((a, b) => a + b, 0),
    pageContentRows: info.rowCounts['page_content'] ?? 0,
    blocks: info.rowCounts['blocks'] ?? 0,
  });
} finally {
  rmSync(dir, { recursive: true, force: true });
}
