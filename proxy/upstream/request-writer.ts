/**
 * Puts a request on the wire: the head in one write, body chunks framed by Content-Length (as is)
 * or by the chunked coding, and the last-chunk marker. Returns what `socket.write` returned, the
 * backpressure signal passed on to the caller.
 */
import type { Socket } from 'node:net';
import { CHUNKED, chunkHeader } from './request-head.js';
import type { UpstreamRequest } from './upstream-request.js';

const LAST_CHUNK = '0\r\n\r\n';

/** Writes the head, any body the request accepted before it had a socket (or its replay), and the end if reached. */
export function writeRequestStart(socket: Socket, req: UpstreamRequest): boolean {
  const chunks = req.takeBodyToSend();
  const endChunks = req.bodyEnded && req.bodyLength === CHUNKED;
  // The common case: the head alone, in one write.
  if (chunks === null && !endChunks) return socket.write(req.head, 'latin1');
  socket.cork();
  let ok = socket.write(req.head, 'latin1');
  if (chunks !== null) for (const chunk of chunks) ok = writeBodyChunk(socket, req.bodyLength, chunk);
  if (endChunks) ok = socket.write(LAST_CHUNK, 'latin1');
  socket.uncork();
  return ok;
}

/** Writes one non-empty body chunk; with chunked coding, its size line and CRLF go in the same writev. */
export function writeBodyChunk(socket: Socket, bodyLength: number, chunk: Buffer): boolean {
  if (bodyLength !== CHUNKED) return socket.write(chunk);
  socket.cork();
  socket.write(chunkHeader(chunk.length), 'latin1');
  socket.write(chunk);
  const ok = socket.write('\r\n', 'latin1');
  socket.uncork();
  return ok;
}

/** Marks the end of the body: the last chunk for chunked coding, nothing for a fixed length. */
export function writeBodyEnd(socket: Socket, bodyLength: number): void {
  if (bodyLength === CHUNKED) socket.write(LAST_CHUNK, 'latin1');
}
