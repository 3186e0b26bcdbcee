// The demo backend `npm start` scales: answers with its instance id, so round-robin is visible.
import { createServer } from 'node:http';
import { hostname } from 'node:os';

const port = Number(process.env.PORT ?? 8080);
const id = process.env.INSTANCE_ID ?? `${hostname()}:${port}`;

const server = createServer((req, res) => {
  const body = req.url === '/healthz' ? { status: 'ok' } : { message: 'hello from Vortex', id, path: req.url };
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
});

server.listen(port, '127.0.0.1', () => console.log(`hello backend ${id} listening on 127.0.0.1:${port}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
