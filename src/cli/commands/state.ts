import { configOf, pipelineOf, readStoredState } from '../cli-pipeline.js';
import type { Command } from '../command.js';

/** `notionflow state`: the stored cursors and checkpoints. */
export const state: Command = {
  name: 'state',
  summary: 'show the stored cursors and checkpoints of a pipeline',
  description: "Show a pipeline's stored state: cursors, loaded page trees (checkpoints), last load. Reads only: creates nothing.",
  async run(values) {
    const p = await pipelineOf(configOf(values));
    const stored = await readStoredState(p);
    if (!stored) {
      process.stdout.write(`Pipeline ${p.pipelineName}: no state in ${p.destination.location(p)} (dataset ${p.datasetName}).\n`);
      return;
    }
    const lines = [`Pipeline ${p.pipelineName} — ${p.destination.location(p)}, dataset ${p.datasetName}`, `Last load: ${String(stored.loadId)}`];
    const sources = (stored.state['sources'] ?? {}) as Record<string, Record<string, unknown>>;
    for (const [name, s] of Object.entries(sources)) {
      const cursors = (s['cursors'] ?? {}) as { pages?: string; rows?: Record<string, string> };
      const trees = Object.keys((s['trees'] ?? {}) as object).length;
      lines.push(`Source ${name} (Notion version ${String(s['notion_version'])}):`);
      lines.push(`  pages cursor (last_edited_time): ${cursors.pages ?? 'none'}`);
      for (const [id, at] of Object.entries(cursors.rows ?? {})) lines.push(`  rows cursor of ${id}: ${at}`);
      lines.push(`  page trees loaded (checkpoints): ${trees}`);
      lines.push(`  last complete run started at: ${String(s['run_started_at'] ?? 'never (the last run did not finish)')}`);
    }
    process.stdout.write(`${lines.join('\n')}\n`);
  },
};
