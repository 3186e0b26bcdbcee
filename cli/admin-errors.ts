/**
 * What can go wrong when a command talks to a running Vortex's admin API (`vortex status`,
 * `vortex scale`), with stable codes (docs/errors.md). Messages name the URL and what to do.
 */
import type { ApiError } from '../proxy/admin-api/api-types.js';

/** Base class of the admin client's errors. */
export class AdminClientError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AdminClientError';
  }
}

/** No answer from the admin URL: nothing listens, the host is wrong, or it timed out. */
export class AdminUnreachableError extends AdminClientError {
  constructor(
    readonly url: string,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super('VX_ADMIN_UNREACHABLE', `cannot reach the admin API at ${url} (${reason}): is Vortex running there? (start it with \`vortex up\`, or point --admin at it)`, options);
    this.name = 'AdminUnreachableError';
  }
}

/** The API answered with an error status; `body` is its JSON error when it sent one. */
export class AdminRefusedError extends AdminClientError {
  constructor(
    readonly url: string,
    readonly status: number,
    readonly body: ApiError | undefined,
  ) {
    super('VX_ADMIN_REFUSED', refusal(url, status, body));
    this.name = 'AdminRefusedError';
  }
}

/** The answer was not the JSON the API sends: another server listens there, or a different version. */
export class AdminBadResponseError extends AdminClientError {
  constructor(readonly url: string, problem: string) {
    super('VX_ADMIN_BAD_RESPONSE', `${url} did not answer like the Vortex admin API (${problem}); is --admin / admin.listen right?`);
    this.name = 'AdminBadResponseError';
  }
}

function refusal(url: string, status: number, body: ApiError | undefined): string {
  if (status === 401) return `the admin API at ${url} wants a token: set admin.token in the config given with -c (the one the running Vortex uses)`;
  if (status === 429) return `the admin API at ${url} refuses this client for a while after too many bad tokens; fix admin.token and retry in a minute`;
  if (body?.error === 'unknown_app') return `no app named ${JSON.stringify(body.app ?? '')} in the running config`;
  if (body?.message !== undefined) return body.message;
  return `the admin API at ${url} answered ${status}${body === undefined ? '' : ` (${body.error})`}`;
}
