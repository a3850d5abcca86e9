// The loopback provider for the benchmarks, run in its own process (`fork`ed by run-bench.mjs) so that its
// CPU never counts against the clients measured. node:http with keep-alive; every operation of the four
// provider specs answers its spec example (see lib/spec-routes.mjs), under /<provider>/…. It reports its
// port over IPC, counts requests per route (IPC message `stats`), and exits when its parent goes away or
// after a hard time limit.
import { createServer } from 'node:http';
import { allRoutes } from '../lib/spec-routes.mjs';

const hardLimitMs = Number(process.env.BENCH_SERVER_LIMIT_MS ?? 10 * 60_000);
const routes = allRoutes();
const counts = new Map();
const notFound = Buffer.from(JSON.stringify({ message: 'no such route on the loopback server' }));

const server = createServer({ keepAlive: true }, (request, response) => {
  const path = request.url.split('?', 1)[0];
  const route = routes.find((r) => r.method === request.method && r.pattern.test(path));
  const key = route ? `${route.method} ${route.template}` : `${request.method} ${path} (404)`;
  counts.set(key, (counts.get(key) ?? 0) + 1);
  // Answer once the request body is read, as a real server would.
  request.resume();
  request.on('end', () => {
    if (!route) {
      response.writeHead(404, { 'content-type': 'application/json', 'content-length': notFound.length });
      response.end(notFound);
      return;
    }
    response.writeHead(route.status, route.headers);
    response.end(route.body);
  });
});
server.keepAliveTimeout = 120_000;
server.headersTimeout = 125_000;
server.maxRequestsPerSocket = 0;

server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  if (process.send) process.send({ type: 'listening', port });
  else console.log(`loopback server on http://127.0.0.1:${port}`);
});

process.on('message', (message) => {
  if (message?.type === 'stats')
    process.send?.({ type: 'stats', id: message.id, counts: Object.fromEntries(counts) });
  if (message?.type === 'stop') server.close(() => process.exit(0));
});
// Never outlive the benchmark.
process.on('disconnect', () => process.exit(0));
setTimeout(() => process.exit(0), hardLimitMs).unref();
