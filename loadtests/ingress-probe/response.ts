/** The answer both probe servers send: a status, the five headers nginx's test backend keeps after Vortex's filter, 12 bytes of body. */
export const STATUS = '200 OK';
export const HEADERS: readonly (readonly [string, string])[] = [
  ['server', 'nginx/1.22.1'],
  ['content-type', 'text/plain'],
  ['last-modified', 'Mon, 23 Nov 2026 00:00:00 GMT'],
  ['etag', '"6570d2c0-c"'],
  ['accept-ranges', 'bytes'],
];
export const BODY = Buffer.from('hello world\n');
