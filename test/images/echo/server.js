// Echo backend for Vortex tests. One self-contained file with no dependencies: test/images/build.sh
// runs it with the bare `node` binary in a FROM-scratch image, and the process provider can run it
// straight from the repo (`node test/images/echo/server.js`).
//
// Environment: PORT (default 8080), HOST (default 127.0.0.1), INSTANCE_ID (default: the hostname).
//
// Routes (any method unless noted; every answer is JSON):
//   /healthz               200 {"status":"ok"}, or 503 {"status":"failing"} after POST /__health/fail
//   POST /__health/fail    make /healthz answer 503 from now on
//   POST /__health/ok      make /healthz answer 200 again
//   POST /__exit?code=N    answer 200, then exit with code N (default 1): a crash for self-healing tests
//   /__delay?ms=N          wait N ms (0..60000) and then echo
//   anything else          200 echo: {id, hostname, method, path, headers, bodyBytes}
//
// `path` is the request target as received (path and query), so proxy tests can check what was forwarded.
// SIGTERM/SIGINT: stop accepting, let in-flight requests finish, exit 0.
import http from 'node:http';
import os from 'node:os';

const port = Number(process.env.PORT ?? 8080);
const host = process.env.HOST ?? '127.0.0.1';
const hostname = os.hostname();
const id = process.env.INSTANCE_ID || hostname;

// Longest /__delay, so a stray request cannot hold a connection (and a graceful stop) for ever.
const MAX_DELAY_MS = 60_000;

let healthy = true;
let closing = false;

function send(res, status, body) {
  const json = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(json),
    // While shutting down, ask keep-alive clients to go so server.close() can finish.
    ...(closing ? { connection: 'close' } : {}),
  });
  res.end(json);
}

function intParam(url, name, fallback) {
  const raw = url.searchParams.get(name);
  const n = raw === null ? NaN : Number(raw);
  return Number.isInteger(n) ? n : fallback;
}

const control = {
  '/__health/fail': (_req, res) => {
    healthy = false;
    send(res, 200, { id, healthy });
  },
  '/__health/ok': (_req, res) => {
    healthy = true;
    send(res, 200, { id, healthy });
  },
  '/__exit': (_req, res, url) => {
    const code = intParam(url, 'code', 1);
    res.on('finish', () => process.exit(code));
    closing = true;
    send(res, 200, { id, exiting: code });
  },
};

async function handle(req, res) {
  // Count the body without keeping it: memory stays flat whatever the client sends.
  let bodyBytes = 0;
  for await (const chunk of req) bodyBytes += chunk.length;

  const url = new URL(req.url ?? '/', 'http://echo');
  const action = control[url.pathname];
  if (action) {
    if (req.method !== 'POST') return send(res, 405, { error: `${url.pathname} takes POST` });
    return action(req, res, url);
  }
  if (url.pathname === '/healthz') {
    return send(res, healthy ? 200 : 503, { status: healthy ? 'ok' : 'failing' });
  }
  if (url.pathname === '/__delay') {
    const ms = Math.min(Math.max(intParam(url, 'ms', 0), 0), MAX_DELAY_MS);
    await new Promise((resolve) => setTimeout(resolve, ms));
  }
  send(res, 200, { id, hostname, method: req.method, path: req.url, headers: req.headers, bodyBytes });
}

const server = http.createServer((req, res) => {
  handle(req, res).catch((err) => {
    if (!res.headersSent) send(res, 500, { error: String(err) });
    else res.destroy();
  });
});

function shutdown(signal) {
  if (closing && !server.listening) return;
  closing = true;
  console.log(`echo ${id}: ${signal}, draining`);
  // close() stops accepting and drops idle keep-alive sockets; it calls back once in-flight ones end.
  server.close(() => process.exit(0));
  server.closeIdleConnections();
}

// As PID 1 in a container, node only gets SIGTERM if it installs a handler.
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));

server.listen(port, host, () => {
  console.log(`echo ${id} listening on http://${host}:${port}`);
});
