export { paginate, listRequest, PaginationLoopError, type PaginateOptions, type ListRequestInit } from './paginate.js';
export { rateLimit } from './rate-limit.js';
export { retryTransient, type RetryInfo, type RetryTransientOptions } from './retry-transient.js';
export { toRecordBatches, FLUSH, isFlushSignal, type FlushSignal } from './to-record-batches.js';
