import { PipelineNotFoundError } from '../../errors.js';
import type { RunTrace } from '../../pipeline/progress.js';
import { readTrace, traceFile } from '../../pipeline/trace-store.js';
import { configOf, pipelineNameOf } from '../cli-pipeline.js';
import type { Command } from '../command.js';
import { alignedRows, count, duration } from '../format.js';

/** `notionflow trace`: the last run of a pipeline. */
export const trace: Command = {
  name: 'trace',
  summary: 'show the last run: steps, timings, requests, retries, errors',
  description: `Show the trace of a pipeline's last run (saved by run and demo in
.notionflow/pipelines/<pipeline-name>/trace.json): its steps and their timings, requests by
endpoint and status, retries by cause, 429 waits, rows per table and the error of a failed run.`,
  async run(values) {
    const name = pipelineNameOf(configOf(values));
    const cwd = process.cwd();
    const last = readTrace(name, cwd);
    if (!last) throw new PipelineNotFoundError(name, traceFile(name, cwd), 'no run trace (run it first)');
    process.stdout.write(`${formatTrace(last).join('\n')}\n`);
  },
};

/** A trace as the lines `notionflow trace` prints. */
export function formatTrace(t: RunTrace): string[] {
  const ms = Date.parse(t.finishedAt) - Date.parse(t.startedAt);
  const lines = [
    `Last run of pipeline ${t.pipelineName}: ${t.status}${t.loadId ? `, load ${t.loadId}` : ''} — ${t.destinationName}, dataset ${t.datasetName}`,
    `Started ${t.startedAt}, finished ${t.finishedAt} (${duration(ms)})`,
  ];
  if (t.error !== undefined) lines.push(`Error: ${t.error}`);
  // A long load commits hundreds of times: steps of one name are summed.
  const steps = new Map<string, { n: number; ms: number }>();
  for (const s of t.steps) {
    const step = steps.get(s.name) ?? { n: 0, ms: 0 };
    steps.set(s.name, { n: step.n + 1, ms: step.ms + s.ms });
  }
  lines.push('', 'Steps:', ...alignedRows([...steps].map(([step, { n, ms: total }]) => [step, n > 1 ? `×${n}` : '', duration(total)]), ['left', 'right', 'right']));
  const r = t.requests;
  lines.push('', `Requests: ${count(r.total)}`);
  lines.push(...alignedRows(sorted(r.byEndpoint).map(([endpoint, n]) => [endpoint, count(n)]), ['left', 'right']));
  lines.push(`By status: ${sorted(r.byStatus).map(([status, n]) => `${status} ×${count(n)}`).join(', ') || 'none'}`);
  const retries = sorted(r.retriesByClass);
  lines.push(`Retries: ${retries.length === 0 ? 'none' : retries.map(([cause, n]) => `${cause} ×${count(n)}`).join(', ')}`);
  lines.push(`429 waits: ${count(r.rateLimitWaits)}${r.rateLimitWaits > 0 ? `, ${duration(r.rateLimitWaitMs)} in all` : ''}`);
  const rows = sorted(t.rowCounts);
  lines.push('', `Rows${t.status === 'failed' ? ' (uncommitted ones were rolled back)' : ''}:`, ...(rows.length === 0 ? ['  none'] : alignedRows(rows.map(([table, n]) => [table, count(n)]), ['left', 'right'])));
  lines.push(`Commits: ${count(t.commits)}`);
  return lines;
}

/** Entries by count, largest first. */
function sorted(record: Readonly<Record<string, number>>): [string, number][] {
  return Object.entries(record).sort(([a, x], [b, y]) => y - x || a.localeCompare(b));
}
