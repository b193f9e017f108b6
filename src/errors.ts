/**
 * Every error notionflow raises descends from {@link NotionflowError}: a narrow literal `code`, a
 * `transient` flag (should the operation be retried?), a `cause`, and a message that says what
 * happened and what to do. Errors never carry a token.
 */
export type ErrorCode =
  | 'notion_api_error'
  | 'notion_transport_error'
  | 'pagination_loop'
  | 'config_error'
  | 'schema_error'
  | 'destination_error'
  | 'destination_state_error'
  | 'pipeline_error'
  | 'pipeline_not_found';

/** Options shared by every notionflow error. */
export interface NotionflowErrorOptions {
  /** The underlying error, if any. */
  readonly cause?: unknown;
  /** True when repeating the same operation may succeed. Default `false`. */
  readonly transient?: boolean;
}

/** Base class of every error notionflow raises. */
export class NotionflowError extends Error {
  readonly code: ErrorCode;
  readonly transient: boolean;

  constructor(code: ErrorCode, message: string, options: NotionflowErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'NotionflowError';
    this.code = code;
    this.transient = options.transient ?? false;
  }
}

/** Bad configuration: a missing token, an unknown flag, an invalid option. Raised before any request. */
export class ConfigError extends NotionflowError {
  constructor(message: string, options?: NotionflowErrorOptions) {
    super('config_error', message, options);
    this.name = 'ConfigError';
  }
}

/** A value or identifier the schema cannot accept (for example a table name that normalizes to nothing). */
export class SchemaError extends NotionflowError {
  constructor(message: string, options?: NotionflowErrorOptions) {
    super('schema_error', message, options);
    this.name = 'SchemaError';
  }
}

/** A failure inside the pipeline's own wiring (not Notion, not the destination). */
export class PipelineError extends NotionflowError {
  constructor(message: string, options?: NotionflowErrorOptions) {
    super('pipeline_error', message, options);
    this.name = 'PipelineError';
  }
}

/**
 * Nothing is stored for this pipeline where it was looked for (no DuckDB file, no trace). Read-only
 * commands raise it instead of creating an empty destination.
 */
export class PipelineNotFoundError extends NotionflowError {
  readonly pipelineName: string;
  /** Where the pipeline was looked for (a file path, a URL without credentials). */
  readonly location: string;

  /** `detail` follows the message after a colon (`nothing dropped`). */
  constructor(pipelineName: string, location: string, detail?: string, options?: NotionflowErrorOptions) {
    super('pipeline_not_found', `no pipeline named ${pipelineName} at ${location}${detail === undefined ? '' : `: ${detail}`}`, options);
    this.name = 'PipelineNotFoundError';
    this.pipelineName = pipelineName;
    this.location = location;
  }
}

/** True when `error` is a notionflow error marked transient. */
export function isTransient(error: unknown): boolean {
  return error instanceof NotionflowError && error.transient;
}
