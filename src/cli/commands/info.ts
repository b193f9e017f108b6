import { PROPERTY_MAPPING_TABLE } from '../../notion/typed-tables.js';
import { configOf, pipelineOf } from '../cli-pipeline.js';
import type { Command } from '../command.js';
import { alignedRows, count, isoTime, loadStatus } from '../format.js';

/** `notionflow info`: tables with row counts, typed-table columns, last loads. */
export const info: Command = {
  name: 'info',
  summary: 'show the tables, row counts and last loads of a pipeline',
  description: `Show a pipeline's tables with their row counts, the typed tables' columns with the Notion
properties they hold, and its last loads. Reads only: creates nothing.`,
  async run(values) {
    const p = await pipelineOf(configOf(values));
    const ds = p.dataset();
    // Names and result columns as notionflow writes them (lower case), whatever case the destination stores.
    const sql = async (query: string) => (await ds.sql(query)).map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k.toLowerCase(), v])));
    const schema = ds.storedName(p.datasetName).replace(/'/g, "''");
    const tables = (await sql(`select table_name from ${ds.catalogView('tables')} where table_schema = '${schema}' order by table_name`)).map((t) =>
      String(t['table_name']).toLowerCase(),
    );
    if (tables.length === 0) {
      process.stdout.write(`Pipeline ${p.pipelineName}: nothing loaded yet in ${p.destination.location(p)} (dataset ${p.datasetName}).\n`);
      return;
    }
    const lines = [`Pipeline ${p.pipelineName} — ${p.destination.name} at ${p.destination.location(p)}, dataset ${p.datasetName}`, '', 'Tables:'];
    const counts: string[][] = [];
    for (const name of tables) counts.push([name, count(await ds.table(name).count())]);
    lines.push(...alignedRows(counts, ['left', 'right']));
    if (tables.includes(PROPERTY_MAPPING_TABLE)) {
      const mapping = await sql(
        `select table_name, database_title, column_name, cell, property_name, property_type, deleted from ${ds.qualified(PROPERTY_MAPPING_TABLE)} order by table_name, column_name`,
      );
      lines.push('', 'Typed tables (column ← Notion property, type):');
      const byTable = new Map<string, Record<string, unknown>[]>();
      for (const m of mapping) byTable.set(String(m['table_name']), [...(byTable.get(String(m['table_name'])) ?? []), m]);
      for (const [table, columns] of byTable) {
        lines.push(`  ${table} (database "${String(columns[0]!['database_title'])}")`);
        const rows = columns.map((m) => [
          String(m['column_name']),
          `← ${String(m['property_name'])} (${String(m['property_type'])}${m['cell'] === 'value' ? '' : `, ${String(m['cell'])}`})${m['deleted'] ? ' — deleted or retyped: no longer filled' : ''}`,
        ]);
        lines.push(...alignedRows(rows).map((line) => `  ${line}`));
      }
    }
    const loads = await sql(`select load_id, status, inserted_at from ${ds.qualified('_dlt_loads')} order by load_id desc limit 5`);
    lines.push('', 'Last loads:');
    lines.push(...alignedRows(loads.map((l) => [String(l['load_id']), loadStatus(l['status']), isoTime(l['inserted_at'])])));
    process.stdout.write(`${lines.join('\n')}\n`);
  },
};
