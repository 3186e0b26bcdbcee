/** The proxy's HTTP/1.1 upstream client on `node:net`: per-backend keep-alive pools. */
export { UpstreamPool, POOL_DEFAULTS } from './pool.js';
export type { UpstreamRequest } from './upstream-request.js';
export { CHUNKED, isFieldValue, isRequestTarget, isToken } from './request-head.js';
export type { ResponseHead } from './head-parser.js';
export type { FieldList } from './field-lines.js';
export type { HeaderField } from './request-head.js';
export type { PoolOptions, PoolStats, UpstreamHandler, UpstreamRequestOptions } from './types.js';
export * from './errors.js';
