/**
 * The `/api/v1` error answers, one place for their kinds (docs/admin-api.md lists them):
 * `unknown_app` 404, `invalid_request` 400, `not_scalable` 400, `body_too_large` 413.
 */
import type { AdminResponse } from '../admin-server.js';
import type { ApiError } from './api-types.js';

function answer(status: number, body: ApiError, headers?: Record<string, string>): AdminResponse {
  return { status, body, ...(headers === undefined ? {} : { headers }) };
}

/** 404 for an app that is not in the running config. */
export function unknownApp(app: string): AdminResponse {
  return answer(404, { error: 'unknown_app', app, message: `no app named ${JSON.stringify(app)} in the running config` });
}

/** 400 (or 413 for an oversized body, which also closes the connection) with a message saying what to fix. */
export function badRequest(error: 'invalid_request' | 'not_scalable' | 'body_too_large', message: string, app?: string): AdminResponse {
  const body: ApiError = { error, message, ...(app === undefined ? {} : { app }) };
  return error === 'body_too_large' ? answer(413, body, { connection: 'close' }) : answer(400, body);
}
