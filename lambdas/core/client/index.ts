/** The outbound client: one per provider, built from its definition. */
export {
  createClient,
  createRequestClient,
  CLIENT_DEFAULTS,
  CORRELATION_HEADER,
  type Client,
  type ClientDeps,
  type RequestClient,
} from './client';
export { OAuthTokens, type OAuthTokensOptions } from './oauth-token';
export { telemetryObserver } from './observer';
export { apiNotice, noticeSignature, type ApiNotice } from './api-notice';
export { realTime, type Time } from './time';
export { DEFAULT_MAX_PAGES, type PaginateOptions } from './paginate';
export { pageRecords, type PageSchema, type PageRecords } from './validate-page';
export { retryAfterMs } from './retry-after';
export { rateLimitState, type RateLimitState } from './rate-limit-headers';
export type * from './types';
