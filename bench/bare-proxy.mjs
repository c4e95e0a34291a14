// The floor bench:serve sets serve against: a bare node:http server forwarding each request's body to the
// upstream through an undici keep-alive pool and sending the answer back, with nothing else (no parsing,
// routing, checks, ledger or metrics). Plain JavaScript run by node itself, as bin/hybridllm runs serve.
// Usage: node bench/bare-proxy.mjs UPSTREAM_URL
import { Buffer } from 'node:buffer';
import { createServer } from 'node:http';
import { Pool } from 'undici';

const upstream = new URL(process.argv[2]);
const pool = new Pool(upstream.origin, { connections: 64 });
const server = createServer({ keepAlive: true }, (request, response) => {
  const chunks = [];
  request.on('data', (chunk) => chunks.push(chunk));
  request.on('end', () => {
    pool
      .request({
        path: request.url,
        method: request.method,
        headers: { 'content-type': 'application/json', authorization: request.headers.authorization ?? '' },
        body: Buffer.concat(chunks),
      })
      .then(async (answer) => {
        const body = Buffer.from(await answer.body.arrayBuffer());
        response.writeHead(answer.statusCode, {
          'content-type': answer.headers['content-type'] ?? 'application/json',
          'content-length': body.length,
        });
        response.end(body);
      })
      .catch((error) => {
        response.writeHead(502, { 'content-type': 'text/plain' });
        response.end(String(error));
      });
  });
});
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => console.log(`bare proxy on http://127.0.0.1:${server.address().port}`));
