import { configOf, pipelineOf, readStoredState } from '../cli-pipeline.js';
import type { Command } from '../command.js';
import { alignedRows, isoTime, loadStatus } from '../format.js';

/** `notionflow loads`: the load history from `_dlt_loads`. */
export const loads: Command = {
  name: 'loads',
  summary: 'show the load history of a pipeline (_dlt_loads)',
  description: "Show a pipeline's loads from _dlt_loads, newest first: load id, status, time, schema version. Reads only: creates nothing.",
  async run(values) {
    const p = await pipelineOf(configOf(values));
    if (!(await readStoredState(p))) {
      process.stdout.write(`Pipeline ${p.pipelineName}: nothing loaded yet in ${p.destination.location(p)} (dataset ${p.datasetName}).\n`);
      return;
    }
    const ds = p.dataset();
    // Result columns in lower case, whatever case the destination stores them in (Snowflake: upper).
    const rows = (await ds.sql(`select load_id, status, inserted_at, schema_name, schema_version_hash from ${ds.qualified('_dlt_loads')} order by load_id desc`)).map((r) =>
      Object.fromEntries(Object.entries(r).map(([k, v]) => [k.toLowerCase(), v])),
    );
    const lines = [
      `Loads of pipeline ${p.pipelineName} — ${p.destination.name} at ${p.destination.location(p)}, dataset ${p.datasetName}`,
      '',
      ...alignedRows([
        ['load id', 'status', 'inserted at', 'schema'],
        ...rows.map((l) => [String(l['load_id']), loadStatus(l['status']), isoTime(l['inserted_at']), `${String(l['schema_name'])} ${String(l['schema_version_hash'])}`]),
      ]),
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  },
};
