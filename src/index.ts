/**
 * notionflow: load a Notion workspace into a database with rxjs resources and operators,
 * Arrow batches and pluggable destinations.
 *
 * @example
 * ```ts
 * import { pipeline, notionSource } from 'notionflow';
 * import { duckdb } from 'notionflow/destinations';
 *
 * const p = pipeline({ pipelineName: 'notion_pipeline', destination: duckdb(), datasetName: 'notion_data' });
 * const info = await p.run(notionSource({ apiKey: process.env.NOTION_API_KEY! }));
 * console.log(formatLoadInfo(info));
 * ```
 */
export { pipeline, Pipeline, type PipelineOptions, type RunOptions } from './pipeline/pipeline.js';
export { estimateEtaMs, progressEvents, progressSnapshot, type ProgressEvent, type ProgressEventsOptions, type ProgressFigures, type ProgressSnapshot, type RunTrace } from './pipeline/progress.js';
export { readTrace, saveTrace, traceFile } from './pipeline/trace-store.js';
export { defaultProgressMode, progressRenderer, type ProgressMode, type ProgressRenderer, type ProgressRendererOptions } from './cli/progress.js';
export { Dataset, Relation } from './pipeline/dataset.js';
export { formatLoadInfo, type LoadInfo } from './pipeline/load-info.js';
export { newLoadId } from './pipeline/load-id.js';
export { openLoad, Load, type OpenLoadOptions } from './pipeline/load.js';
export { notionSource, type NotionSourceOptions, type CommentsMode, type TablesMode } from './resources/notion-source.js';
export { TypedTables, PROPERTY_MAPPING_TABLE, type TypedTableState, type PropertyColumnsState, type PropertyMappingRow } from './notion/typed-tables.js';
export { propertyCells, cellTypes, plainText, type CellRole, type PropertyCells, type PropertyValue } from './notion/property-cells.js';
export { completeProperties } from './notion/complete-properties.js';
export { ContentCollector, notionMarkdown, PAGE_CONTENT_TABLE, type PageContentMode } from './notion/page-content.js';
export { renderPageContent, type ContentBlock, type ChildrenOf, type RenderedContent } from './notion/markdown.js';
export * from './resources/resources.js';
export type { Source, ResourceDef, SourceReport, ExtractContext, SourceProgress, ResourceProgress } from './resources/resource.js';
export { createNotionClient, hasDataSources, listsTitleOnly, NotionClient, NOTION_VERSIONS, type ClientStats, type NotionClientOptions, type NotionVersion, type RequestInfo } from './client/notion-client.js';
export { endpointOf } from './client/endpoint.js';
export { createLimiter, type Limiter, type LimiterOptions, type LimiterStats, type LimiterWait } from './client/limiter.js';
export { retryCauseOf, type RetryCause } from './client/retry-policy.js';
export * from './client/notion-errors.js';
export type { ListResponse, NotionRequest, NotionRequester } from './client/types.js';
export * from './errors.js';
export { Schema } from './schema/schema.js';
export type { DataType } from './schema/data-types.js';
export type { ColumnSchema, TableSchema, WriteDisposition } from './schema/table-schema.js';
export { normalizeIdentifier, quoteIdentifier } from './schema/naming.js';
export type { ResourcePage, Row, NormalizedPage, TableDeclaration, TableRows, TableBatch } from './records.js';
export { resolveConfig, ResolvedConfig } from './config/resolve-config.js';
export { Secret } from './config/secret.js';
