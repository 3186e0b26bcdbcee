/**
 * Collects a uWS request's headers through `req.forEach` with one callback made once per App, not
 * one closure per request. uWS gives names in lowercase.
 */

/** Reusable collector: `reset()`, pass `add` to forEach, then `take()`. */
export class HeaderCollector {
  private headers: string[] = [];
  /** The forEach callback (bound once). */
  readonly add = (name: string, value: string): void => {
    this.headers.push(name, value);
  };

  /** The headers collected since the last take; the collector starts a fresh list. */
  take(): string[] {
    const headers = this.headers;
    this.headers = [];
    return headers;
  }
}
