/**
 * Reads a small JSON request body for the admin API. Bounded: past MAX_BODY_BYTES the read stops
 * and the request gets 413 with `connection: close`, so the rest is never buffered.
 */
import type http from 'node:http';

/** The largest body the admin API accepts; its bodies are a few dozen bytes. */
export const MAX_BODY_BYTES = 16 * 1024;

/** The parsed body, or the status and message of the answer to give instead. */
export type JsonBody = { ok: true; value: unknown } | { ok: false; status: 400 | 413; error: 'invalid_request' | 'body_too_large'; message: string };

/** Reads and parses the body of `req`; an empty body is `undefined`. */
export function readJsonBody(req: http.IncomingMessage, maxBytes = MAX_BODY_BYTES): Promise<JsonBody> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) return void chunks.push(chunk);
      // Stop reading; the answer goes out with `connection: close`, which drops the unread rest.
      req.off('data', onData).off('end', onEnd).off('error', reject).pause();
      resolve({ ok: false, status: 413, error: 'body_too_large', message: `the body is over ${maxBytes} bytes` });
    };
    const onEnd = () => {
      const text = Buffer.concat(chunks).toString('utf8');
      if (text.trim() === '') return resolve({ ok: true, value: undefined });
      try {
        resolve({ ok: true, value: JSON.parse(text) as unknown });
      } catch {
        resolve({ ok: false, status: 400, error: 'invalid_request', message: 'the body is not valid JSON' });
      }
    };
    req.on('data', onData).on('end', onEnd).on('error', reject);
  });
}
