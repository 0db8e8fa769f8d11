// The Node anchor: glasshub's relay hot path on Node's http server and the `ws` package
// (perMessageDeflate off), one ws.send per delivery.
// Run: node ws/server.js [port]   (or PORT=...; 0 picks a free port). JWT_SECRET as glasshub's.
'use strict';

const http = require('node:http');
const { WebSocketServer } = require('ws');
const { userOfToken, createRelay, listenPort } = require('../relay.js');

const relay = createRelay({
  sendText: (ws, s) => ws.send(s),
  sendBinary: (ws, b) => ws.send(b, { binary: true }),
  deliver: (app, data) => app.socket.send(data, { binary: typeof data !== 'string' }),
  close: (ws, code, reason) => ws.close(code, reason),
});

const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: 16 * 1024 * 1024 });

const server = http.createServer((req, res) => {
  if (req.url === '/health') {
    res.writeHead(200, { 'content-type': 'application/json' });
    return res.end('{"status":"ok"}');
  }
  res.writeHead(404).end('Not found');
});

function reject(socket, status) {
  socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

server.on('upgrade', (req, socket, head) => {
  const url = new URL(req.url, 'http://localhost');
  if (url.pathname === '/glasses-ws') {
    const userId = userOfToken(url.searchParams.get('token'));
    if (!userId) return reject(socket, '401 Unauthorized');
    wss.handleUpgrade(req, socket, head, (ws) => {
      socket.setNoDelay(true);
      const user = relay.phone.open(ws, userId);
      ws.on('error', () => {});  // a protocol error closes this socket (ws does), not the process
      ws.on('message', (data, isBinary) => {
        if (isBinary) relay.phone.binary(user, data);
        else relay.phone.text(user, data.toString());
      });
      ws.on('close', () => relay.phone.close(user, ws));
    });
  } else if (url.pathname === '/app-ws') {
    wss.handleUpgrade(req, socket, head, (ws) => {
      socket.setNoDelay(true);
      let app = null;
      ws.on('error', () => {});
      ws.on('message', (data, isBinary) => {
        if (isBinary) return;
        if (app) relay.app.text(app, data.toString());
        else app = relay.app.init(ws, data.toString());
      });
      ws.on('close', () => {
        if (app) relay.app.close(app);
      });
    });
  } else {
    reject(socket, '404 Not Found');
  }
});

server.listen(listenPort(), process.env.HOST || '127.0.0.1', () => {
  const { address, port } = server.address();
  console.log(`ws-anchor listening on ${address}:${port}`);
});
