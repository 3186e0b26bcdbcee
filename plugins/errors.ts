/**
 * Provider errors with stable codes. The reconciler matches on `code` to decide what to do:
 * `VX_PROVIDER_IMAGE_MISSING` and `VX_PROVIDER_INVALID_SPEC` are configuration problems (report, back
 * off long), `VX_PROVIDER_ENGINE_UNREACHABLE` is transient (retry with backoff, never crash).
 */

export type ProviderErrorCode =
  | 'VX_PROVIDER_IMAGE_MISSING'
  | 'VX_PROVIDER_ENGINE_UNREACHABLE'
  /** The engine answered, but with an error, to a list or inspect (neither a start nor a stop). */
  | 'VX_PROVIDER_ENGINE_ERROR'
  | 'VX_PROVIDER_START_FAILED'
  | 'VX_PROVIDER_STOP_FAILED'
  | 'VX_PROVIDER_NO_PORT'
  | 'VX_PROVIDER_INVALID_SPEC'
  | 'VX_PROVIDER_PLUGIN_LOAD';

export class ProviderError extends Error {
  readonly code: ProviderErrorCode;

  constructor(code: ProviderErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ProviderError';
    this.code = code;
  }

  /** Whether trying again later can help (the engine may come back); config problems cannot. */
  get transient(): boolean {
    return this.code === 'VX_PROVIDER_ENGINE_UNREACHABLE' || this.code === 'VX_PROVIDER_ENGINE_ERROR' || this.code === 'VX_PROVIDER_START_FAILED' || this.code === 'VX_PROVIDER_STOP_FAILED' || this.code === 'VX_PROVIDER_NO_PORT';
  }
}
