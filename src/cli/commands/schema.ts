import { ConfigError } from '../../errors.js';
import { PROPERTY_MAPPING_TABLE } from '../../notion/typed-tables.js';
import type { Pipeline } from '../../pipeline/pipeline.js';
import type { TableSchema } from '../../schema/table-schema.js';
import { configOf, pipelineOf, readStoredState } from '../cli-pipeline.js';
import type { Command } from '../command.js';
import { toYaml } from '../yaml.js';

/** `notionflow schema`: the stored schema, with the typed tables' Notion properties. */
export const schema: Command = {
  name: 'schema',
  summary: 'show the stored schema: tables, columns, types, typed tables',
  description: `Show the schema stored with a pipeline's last load: every table with its parent, write
disposition, primary key and columns, and for each typed table the Notion property behind each
column (from notion_properties). Reads only: creates nothing.`,
  async run(values) {
    const format = values['format'] ?? 'yaml';
    if (format !== 'yaml' && format !== 'json') throw new ConfigError(`--format must be yaml or json, got "${String(format)}"`);
    const p = await pipelineOf(configOf(values));
    const stored = await readStoredState(p);
    if (!stored) {
      process.stdout.write(`Pipeline ${p.pipelineName}: no schema in ${p.destination.location(p)} (dataset ${p.datasetName}).\n`);
      return;
    }
    const document = {
      pipeline_name: p.pipelineName,
      dataset_name: p.datasetName,
      version_hash: stored.schemaVersionHash,
      tables: Object.fromEntries(stored.tables.map((t) => [t.name, tableOf(t)])),
      ...(stored.tables.some((t) => t.name === PROPERTY_MAPPING_TABLE) ? { typed_tables: await typedTables(p) } : {}),
    };
    process.stdout.write(format === 'json' ? `${JSON.stringify(document, null, 2)}\n` : toYaml(document));
  },
};

/** A table as dlt's schema files write it. */
function tableOf(t: TableSchema): Record<string, unknown> {
  return {
    ...(t.parent !== undefined ? { parent: t.parent } : {}),
    write_disposition: t.writeDisposition,
    ...(t.primaryKey !== undefined ? { primary_key: [...t.primaryKey] } : {}),
    columns: Object.fromEntries(
      t.columns.map((c) => [c.name, { data_type: c.dataType, nullable: c.nullable, ...(c.variantOf !== undefined ? { variant_of: c.variantOf } : {}) }]),
    ),
  };
}

/** Each typed table's database and, per column, the Notion property it holds (`notion_properties`). */
async function typedTables(p: Pipeline): Promise<Record<string, unknown>> {
  const rows = await p
    .dataset()
    .sql(
      `select table_name, database_title, database_id, column_name, cell, property_name, property_id, property_type, deleted from ${p.dataset().qualified(PROPERTY_MAPPING_TABLE)} order by table_name, column_name`,
    );
  const out: Record<string, { database: string; database_id: string; columns: Record<string, unknown> }> = {};
  for (const r of rows) {
    const table = (out[String(r['table_name'])] ??= { database: String(r['database_title']), database_id: String(r['database_id']), columns: {} });
    table.columns[String(r['column_name'])] = {
      property: String(r['property_name']),
      property_id: String(r['property_id']),
      type: String(r['property_type']),
      cell: String(r['cell']),
      ...(r['deleted'] ? { deleted: true } : {}),
    };
  }
  return out;
}
