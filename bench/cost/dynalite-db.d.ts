declare module 'dynalite/db/index.js' {
  /** DynamoDB's item size in bytes (attribute names + values), as dynalite computes it for capacity. */
  export function itemSize(item: Record<string, unknown>): number;
}
