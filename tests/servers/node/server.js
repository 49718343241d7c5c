// server.js -- node http server on 127.0.0.1:PORT (argv[2]), keep-alive on, one stderr line per request.
'use strict';
const http = require('http');

const port = Number(process.argv[2]);
const server = http.createServer((req, res) => {
  console.error(`req ${req.url}`);
  const body = 'ok\n';
  res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
});
server.keepAliveTimeout = 30000;
server.headersTimeout = 31000;
console.error(`node server starting on 127.0.0.1:${port}`);
server.listen(port, '127.0.0.1', () => {
  console.error('listening');
});
process.on('SIGTERM', () => process.exit(0));
