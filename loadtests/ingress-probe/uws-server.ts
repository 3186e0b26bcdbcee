/**
 * The ingress probe's uWS side: per request the same uWS calls as proxy/ingress/uws-ingress.ts and
 * uws-client.ts (every header through forEach, URL, query, method, the peer address, onAborted, and
 * a corked status + headers + end), answered on the next turn of the event loop, as a proxy answers
 * when its backend does. PEER=0 leaves out the peer address, to show what it costs.
 */
import uws from 'uWebSockets.js';
import { BODY, HEADERS, STATUS } from './response.js';

const port = Number(process.env.PORT);
const askPeer = process.env.PEER !== '0';
const headerViews = HEADERS.map(([name, value]) => [Buffer.from(name), Buffer.from(value)] as const);

let collected: string[] = [];
const collect = (name: string, value: string): void => {
  collected.push(name, value);
};

interface Pending {
  res: uws.HttpResponse;
  aborted: boolean;
  request: { method: string; target: string; headers: string[]; peer: ArrayBuffer | null };
}

function answer(pending: Pending): void {
  if (pending.aborted) return;
  const res = pending.res;
  res.cork(() => {
    res.writeStatus(STATUS);
    for (const [name, value] of headerViews) res.writeHeader(name, value);
    res.end(BODY);
  });
}

uws
  .App()
  .any('/*', (res, req) => {
    req.forEach(collect);
    const url = req.getUrl();
    const query = req.getQuery();
    const headers = collected;
    collected = [];
    const pending: Pending = {
      res,
      aborted: false,
      request: { method: req.getCaseSensitiveMethod(), target: query ? `${url}?${query}` : url, headers, peer: askPeer ? res.getRemoteAddress() : null },
    };
    res.onAborted(() => {
      pending.aborted = true;
    });
    setImmediate(answer, pending);
  })
  .listen('127.0.0.1', port, (socket) => {
    if (!socket) {
      console.error(`uws probe could not listen on ${port}`);
      process.exit(1);
    }
  });
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => process.exit(0));
