import type { StoredState } from '../../destinations/destination.js';
import { resolveConfig, type ResolvedConfig } from '../config/resolve-config.js';
import { pipeline, type Pipeline } from '../pipeline/pipeline.js';
import { createDestination } from './destinations.js';
import { configFlags, type OptionValues } from './options.js';

/** A command's configuration: its flags over the environment and the config files (see `resolveConfig`). */
export function configOf(values: OptionValues): ResolvedConfig {
  return resolveConfig({ flags: configFlags(values) });
}

/** The configured pipeline name (default `notion_pipeline`). */
export function pipelineNameOf(config: ResolvedConfig): string {
  return config.string('pipeline_name', 'notion_pipeline')!;
}

/**
 * The pipeline a command works on, bound to the destination its configuration names (`destination_name`;
 * a bare `destination = "duckdb"` in config.toml is accepted too). `verbose` logs each SQL statement or
 * file operation to stderr.
 */
export async function pipelineOf(config: ResolvedConfig, verbose = false): Promise<Pipeline> {
  const legacy = config.get('destination');
  const name = config.string('destination_name') ?? (typeof legacy === 'string' ? legacy : 'duckdb');
  return pipeline({
    pipelineName: pipelineNameOf(config),
    datasetName: config.string('dataset_name', 'notion_data')!,
    destination: await createDestination(name, config),
    ...(verbose ? { log: (line: string) => void process.stderr.write(`sql: ${line.replace(/\s+/g, ' ')}\n`) } : {}),
  });
}

/**
 * The pipeline's stored state and schema, read through a read-only session: creates nothing. A
 * destination with nothing at its location (no DuckDB file) is a `PipelineNotFoundError`.
 */
export async function readStoredState(p: Pipeline): Promise<StoredState | undefined> {
  const session = await p.destination.open({ pipelineName: p.pipelineName, datasetName: p.datasetName, readOnly: true });
  try {
    return await session.readState(p.pipelineName);
  } finally {
    await session.close();
  }
}

/** Where the pipeline's data is, for messages: `<location> (dataset <name>)`. */
export function whereOf(p: Pipeline): string {
  return `${p.destination.location(p)} (dataset ${p.datasetName})`;
}
