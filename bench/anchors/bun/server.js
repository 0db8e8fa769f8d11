// The Bun anchor: glasshub's relay hot path on Bun's native WebSocket server (uWebSockets), with
// Bun pub/sub: every app socket subscribes to its own topic (its sessionId) and every delivery is
// server.publish(topic, data), which lets Bun batch a socket's frames into one write.
// Run: bun bun/server.js [port]   (or PORT=...; 0 picks a free port). JWT_SECRET as glasshub's.
'use strict';

const { userOfToken, createRelay, listenPort } = require('../relay.js');

let server;
const relay = createRelay({
  sendText: (ws, s) => ws.send(s),
  sendBinary: (ws, b) => ws.send(b),
  deliver: (app, data) => server.publish(app.sessionId, data),
  close: (ws, code, reason) => ws.close(code, reason),
});

server = Bun.serve({
  hostname: process.env.HOST || '127.0.0.1',
  port: listenPort(),
  fetch(req, srv) {
    const url = new URL(req.url);
    if (url.pathname === '/glasses-ws') {
      const user = userOfToken(url.searchParams.get('token'));
      if (!user) return new Response('Unauthorized', { status: 401 });
      if (srv.upgrade(req, { data: { phone: true, user: null, userId: user, app: null } })) return;
      return new Response('Upgrade required', { status: 426 });
    }
    if (url.pathname === '/app-ws') {
      if (srv.upgrade(req, { data: { phone: false, user: null, app: null } })) return;
      return new Response('Upgrade required', { status: 426 });
    }
    if (url.pathname === '/health') return Response.json({ status: 'ok' });
    return new Response('Not found', { status: 404 });
  },
  websocket: {
    perMessageDeflate: false,
    maxPayloadLength: 16 * 1024 * 1024,
    open(ws) {
      if (ws.data.phone) ws.data.user = relay.phone.open(ws, ws.data.userId);
    },
    message(ws, message) {
      const d = ws.data;
      if (d.phone) {
        if (typeof message === 'string') relay.phone.text(d.user, message);
        else relay.phone.binary(d.user, message);
      } else if (d.app) {
        if (typeof message === 'string') relay.app.text(d.app, message);
      } else if (typeof message === 'string') {
        d.app = relay.app.init(ws, message);
        if (d.app) ws.subscribe(d.app.sessionId);
      }
    },
    close(ws) {
      const d = ws.data;
      if (d.phone && d.user) relay.phone.close(d.user, ws);
      else if (d.app) relay.app.close(d.app);
    },
  },
});

console.log(`bun-anchor listening on ${server.hostname}:${server.port}`);
