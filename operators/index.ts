export { paginate, listRequest, PaginationLoopError, type PaginateOptions, type ListRequestInit } from './paginate.js';
export { rateLimit } from './rate-limit.js';
export { retryTransient, type RetryInfo, type RetryTransientOptions } from './retry-transient.js';
export { toRecordBatches, FLUSH, isFlushSignal, type FlushSignal } from './to-record-batches.js';
export { expandBlocks, type BlockRecord, type ExpandBlocksConfig } from './expand-blocks.js';
export { normalize } from './normalize.js';
export { inferSchema } from './infer-schema.js';
export { writeTo, type WriteProgress } from './write-to.js';
export { bufferUnits } from './buffer-units.js';
