/**
 * Where the filesystem destination puts things, relative to the bucket URL. Every name the pipeline
 * passes is already normalized (`[a-z_][a-z0-9_]*`), so it is safe as a path segment.
 *
 * ```text
 * <dataset>/<table>/<load_id>.<n>.<ext>                      data files of committed loads
 * <dataset>/_staging/<load_id>/<table>/<load_id>.<n>.<ext>    data files written before the commit
 * <dataset>/_dlt_loads/<load_id>.json                         load marker (manifest), written LAST
 * <dataset>/_dlt_pipeline_state/<pipeline>/<load_id>__<hash>.json  pipeline state of a load (hash: of the state)
 * <dataset>/_dlt_version/<version_hash>.json                  stored schema
 * ```
 */
export const FilesystemLayout = {
  tableDir: (dataset: string, table: string): string => `${dataset}/${table}/`,
  dataFile: (dataset: string, table: string, fileName: string): string => `${dataset}/${table}/${fileName}`,
  fileName: (loadId: string, n: number, ext: string): string => `${loadId}.${n}.${ext}`,
  stagingDir: (dataset: string, loadId: string): string => `${dataset}/_staging/${loadId}/`,
  stagingFile: (dataset: string, loadId: string, table: string, fileName: string): string => `${dataset}/_staging/${loadId}/${table}/${fileName}`,
  loadsDir: (dataset: string): string => `${dataset}/_dlt_loads/`,
  loadMarker: (dataset: string, loadId: string): string => `${dataset}/_dlt_loads/${loadId}.json`,
  /** A state file's name as its load marker records it: relative to `_dlt_pipeline_state/`. */
  stateName: (pipeline: string, loadId: string, stateHash: string): string => `${pipeline}/${loadId}__${stateHash}.json`,
  stateFile: (dataset: string, stateName: string): string => `${dataset}/_dlt_pipeline_state/${stateName}`,
  versionFile: (dataset: string, versionHash: string): string => `${dataset}/_dlt_version/${encodeURIComponent(versionHash)}.json`,
} as const;
