import { NotionflowError } from '../errors.js';

/** A Notion error answer the local server sends: HTTP status, Notion `code`, message, optional extras. */
export class ApiErrorReply extends NotionflowError {
  readonly status: number;
  readonly apiCode: string;
  readonly additionalData: Record<string, string> | undefined;
  readonly headers: Record<string, string>;

  constructor(status: number, apiCode: string, message: string, extra: { additionalData?: Record<string, string>; headers?: Record<string, string> } = {}) {
    super('notion_api_error', message);
    this.name = 'ApiErrorReply';
    this.status = status;
    this.apiCode = apiCode;
    this.additionalData = extra.additionalData;
    this.headers = extra.headers ?? {};
  }
}

/** 400 validation_error. */
export function validationError(message: string): ApiErrorReply {
  return new ApiErrorReply(400, 'validation_error', message);
}

/** 404 object_not_found, worded as Notion words it. */
export function notFound(kind: string, id: string): ApiErrorReply {
  return new ApiErrorReply(404, 'object_not_found', `Could not find ${kind} with ID: ${id}. Make sure the relevant pages and databases are shared with your integration.`);
}
