/**
 * The built-in local Notion workspace server: a generated, deterministic workspace served over
 * Notion's REST API shapes, with its ground truth. Used by `notionflow demo`, integration tests and
 * benchmarks.
 */
export { startNotionServer } from './server.js';
export type { NotionServer, ServerOptions, ServerStats } from './server.js';
export { DEFAULT_FAULT_KINDS, FAULT_KINDS } from './faults.js';
export type { FaultKind, FaultOptions } from './faults.js';
export { floorMinute, NOTION_VERSIONS, Workspace, WORKSPACE_PRESETS } from './workspace.js';
export type {
  BlockTruth, CommentTruth, DatabaseTruth, DataSourceTruth, MinimalRequestOptions, NotionVersion, PageTruth, RequestCounts,
  UnreachableTruth, UserTruth, WorkspaceCounts, WorkspaceOptions,
} from './workspace.js';
export { HOSTILE_NAMES, PAGE_MENTION_LIMIT, PAGE_PEOPLE_LIMIT, PAGE_RELATION_LIMIT } from './properties.js';
export type { PropertyDef } from './properties.js';
export type { Json, JsonObject } from './text.js';
export { HOSTILE_DEPTH, HOSTILE_OPTIONS, HOSTILE_RENAME, HOSTILE_TEXT, HOSTILE_TEXT_BYTES, hostileWorkspace } from './hostile.js';
export type { HostileWorkspace } from './hostile.js';
