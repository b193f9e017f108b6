import type { SourceReport } from '../resources/resource.js';
import type { RunTrace } from './progress.js';

/** What a run loaded, printed like dlt's load info. */
export interface LoadInfo {
  readonly pipelineName: string;
  readonly destinationName: string;
  /** Where the data went (file path or URL without credentials). */
  readonly destinationLocation: string;
  readonly datasetName: string;
  readonly loadId: string;
  readonly startedAt: Date;
  readonly finishedAt: Date;
  /** Rows written per table in this load (root and child tables). */
  readonly rowCounts: Readonly<Record<string, number>>;
  /** Commits made (checkpoints plus the final one). */
  readonly commits: number;
  /** Jobs that failed (a failed run throws instead; kept for dlt parity and custom sinks). */
  readonly failedJobs: readonly string[];
  /** What the source reports: unreachable objects, notes, request counts. */
  readonly source: SourceReport;
  /** The run's trace (steps, requests by endpoint, retries, waits), as saved to `traceFile(pipelineName)`. */
  readonly trace: RunTrace;
}

/** The dlt-style summary of a load, one fact per line. */
export function formatLoadInfo(info: LoadInfo): string {
  const seconds = ((info.finishedAt.getTime() - info.startedAt.getTime()) / 1000).toFixed(2);
  const lines = [
    `Pipeline ${info.pipelineName} load step completed in ${seconds} seconds`,
    `1 load package(s) were loaded to destination ${info.destinationName} and into dataset ${info.datasetName}`,
    `The ${info.destinationName} destination used ${info.destinationLocation} location to store data`,
    `Load package ${info.loadId} is LOADED and contains ${info.failedJobs.length === 0 ? 'no failed jobs' : `${info.failedJobs.length} failed job(s): ${info.failedJobs.join(', ')}`}`,
  ];
  lines.push(`Commits: ${info.commits} (each page is committed with its whole block tree)`);
  const roots = Object.entries(info.rowCounts).filter(([t]) => !t.includes('__'));
  if (roots.length > 0) lines.push(`Rows loaded: ${roots.map(([t, n]) => `${t} ${n}`).join(', ')}`);
  const children = Object.keys(info.rowCounts).length - roots.length;
  if (children > 0) lines.push(`Child tables: ${children} (${Object.entries(info.rowCounts).filter(([t]) => t.includes('__')).reduce((s, [, n]) => s + n, 0)} rows)`);
  if (info.source.requests['total'] !== undefined) {
    lines.push(`Requests: ${Object.entries(info.source.requests).map(([k, n]) => `${k} ${n}`).join(', ')}`);
  }
  for (const note of info.source.notes) lines.push(`Note: ${note}`);
  if (info.source.unreachable.length > 0) {
    lines.push(`Unreachable (not shared with the integration or deleted): ${info.source.unreachable.length}`);
    for (const u of info.source.unreachable.slice(0, 10)) lines.push(`  ${u.id}${u.pageId ? ` (in page ${u.pageId})` : ''}: ${u.reason}`);
  }
  return lines.join('\n');
}
