// The reference Node proxy users pick today: http-proxy-3 on node:http with a keep-alive agent.
import http from 'node:http';
import { createProxyServer } from 'http-proxy-3';

const port = Number(process.env.PORT);
const target = String(process.env.TARGET);
const agent = new http.Agent({ keepAlive: true, maxFreeSockets: 256 });
const proxy = createProxyServer({ target, agent });
proxy.on('error', (_err, _req, res) => {
  if (res instanceof http.ServerResponse && !res.headersSent) res.writeHead(502).end();
});
const server = http.createServer((req, res) => proxy.web(req, res));
server.keepAliveTimeout = 120_000;
server.listen(port, '127.0.0.1', () => console.log(`ready http-proxy-3 on ${port}`));
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => process.exit(0));
