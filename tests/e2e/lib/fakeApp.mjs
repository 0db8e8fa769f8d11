// A scripted app server: an HTTP server on 127.0.0.1:0 that records every webhook the host sends
// (protocol.md §3.3, §5.2, §5.3) and, on session_request, connects to the given /app-ws URL the
// way SDK 2.1.29 does (tpa_connection_init first, webhook answered 200 only after the ack).
// Options let a test misbehave: never connect, connect late, answer with an error, send
// subscriptions, keep the socket open on stop_request.
import http from 'node:http';
import WebSocket from 'ws';
import { describeMessages, poll, sleep } from './util.mjs';

// One app socket (one session_request handled, or one manual connect).
export class AppConnection {
  constructor(app, { sessionId, userId, url }) {
    this.app = app;
    this.sessionId = sessionId;
    this.userId = userId;
    this.url = url;
    this.messages = [];
    this.closeInfo = null;
    this.ack = null;
  }

  get label() { return `app ${this.app.packageName} socket #${this.index} (${this.sessionId})`; }
  get open() { return this.ws && this.ws.readyState === WebSocket.OPEN; }

  // Connects, sends tpa_connection_init, resolves with the ack (rejects on error/close/timeout).
  connect({ apiKey = this.app.apiKey, timeoutMs = 5000 } = {}) {
    const ws = new WebSocket(this.url, { perMessageDeflate: true });  // the SDK offers deflate too
    this.ws = ws;
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => {
        this.closeInfo = { code, reason: reason.toString(), at: Date.now() };
        resolve(this.closeInfo);
      });
    });
    ws.on('message', (data, isBinary) => {
      if (isBinary) { this.messages.push({ type: '(binary)', bytes: data.length }); return; }
      let msg;
      try { msg = JSON.parse(data.toString('utf8')); } catch { msg = { type: '(unparsable)', text: data.toString('utf8') }; }
      this.messages.push(msg);
    });
    ws.on('error', (err) => { this.socketError = err.message; });   // reported with the close
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.label}: no tpa_connection_ack within ${timeoutMs} ms; got:\n${describeMessages(this.messages)}`)), timeoutMs);
      ws.once('open', () => {
        ws.send(JSON.stringify({
          type: 'tpa_connection_init', sessionId: this.sessionId, packageName: this.app.packageName,
          apiKey, timestamp: new Date().toISOString(),
        }));
      });
      const check = () => {
        const ack = this.messages.find((m) => m.type === 'tpa_connection_ack');
        const err = this.messages.find((m) => m.type === 'tpa_connection_error');
        if (ack) { clearTimeout(timer); this.ack = ack; resolve(ack); return true; }
        if (err) { clearTimeout(timer); reject(new Error(`${this.label}: tpa_connection_error ${JSON.stringify(err)}`)); return true; }
        return false;
      };
      ws.on('message', check);
      this.closed.then((info) => { if (!check()) { clearTimeout(timer); reject(new Error(`${this.label}: closed before ack ${JSON.stringify(info)}${this.socketError ? ` (${this.socketError})` : ''}; got:\n${describeMessages(this.messages)}`)); } });
    });
  }

  send(obj) {
    if (!this.open) throw new Error(`${this.label}: cannot send ${JSON.stringify(obj)}: socket not open`);
    this.ws.send(JSON.stringify({ timestamp: new Date().toISOString(), ...obj }));
  }

  // A full-replacement subscription list (protocol.md §7.2), as the SDK sends it.
  subscribe(streams) {
    this.send({ type: 'subscription_update', packageName: this.app.packageName, sessionId: this.sessionId, subscriptions: streams });
  }

  find(predicate, since = 0) {
    for (let i = since; i < this.messages.length; i++) if (predicate(this.messages[i])) return this.messages[i];
    return undefined;
  }

  count(predicate) { return this.messages.filter(predicate).length; }
  mark() { return this.messages.length; }

  dataStreams(streamType) {
    return this.messages.filter((m) => m.type === 'data_stream' && (streamType === undefined || m.streamType === streamType));
  }

  waitFor(predicate, { timeoutMs = 5000, since = 0, what = 'a matching message' } = {}) {
    return poll(() => this.find(predicate, since), {
      timeoutMs, what: `${what} on ${this.label}`,
      describe: () => `${this.label} received${this.closeInfo ? ` (closed ${JSON.stringify(this.closeInfo)})` : ''}:\n${describeMessages(this.messages.slice(since))}`,
    });
  }

  waitForType(type, options = {}) {
    return this.waitFor((m) => m.type === type, { what: `a "${type}" message`, ...options });
  }

  async waitClosed({ timeoutMs = 5000 } = {}) {
    return poll(() => this.closeInfo, {
      timeoutMs, what: `${this.label} to be closed by the host`,
      describe: () => `received:\n${describeMessages(this.messages)}`,
    });
  }

  // Plain close without a status code, as the SDK does on stop_request (the host sees 1005).
  async close(code, reason) {
    if (!this.ws || this.ws.readyState === WebSocket.CLOSED) return this.closeInfo;
    if (code === undefined) this.ws.close(); else this.ws.close(code, reason);
    const timer = setTimeout(() => this.ws.terminate(), 3000);
    await this.closed;
    clearTimeout(timer);
    return this.closeInfo;
  }

  // Abnormal drop: no close frame, the host sees the TCP connection end (1006).
  async terminate() {
    if (!this.ws || this.ws.readyState === WebSocket.CLOSED) return this.closeInfo;
    this.ws.terminate();
    await this.closed;
    return this.closeInfo;
  }
}

export class FakeApp {
  // packageName, apiKey; behaviour on session_request:
  //   connect (true): open the app socket; false → answer the webhook 200 without connecting
  //   connectDelayMs (0): wait before connecting
  //   subscriptions (null): streams to subscribe right after the ack
  //   webhookStatus (200): status of the answer to session_request (after the ack when connecting)
  //   closeOnStop (true): on stop_request close the socket plainly (the SDK does; host sees 1005)
  constructor({ packageName, apiKey = `key-${packageName}`, connect = true, connectDelayMs = 0,
    subscriptions = null, webhookStatus = 200, closeOnStop = true } = {}) {
    this.packageName = packageName;
    this.apiKey = apiKey;
    this.options = { connect, connectDelayMs, subscriptions, webhookStatus, closeOnStop };
    this.webhooks = [];       // { type, body, path, receivedAt, status }
    this.connections = [];    // AppConnection, in creation order
    this.errors = [];
  }

  static async start(options) {
    const app = new FakeApp(options);
    await app.listen();
    return app;
  }

  get label() { return `fake app ${this.packageName}`; }

  listen() {
    this.server = http.createServer((req, res) => this.onRequest(req, res));
    return new Promise((resolve) => this.server.listen(0, '127.0.0.1', () => {
      this.port = this.server.address().port;
      this.publicUrl = `http://127.0.0.1:${this.port}`;
      resolve(this);
    }));
  }

  // The host's app registry entry for this app (docs/configuration.md `apps`).
  registryEntry({ permissions = ['MICROPHONE'], appType = 'background', name } = {}) {
    return { packageName: this.packageName, name: name ?? this.packageName, publicUrl: this.publicUrl,
      apiKey: this.apiKey, permissions, appType };
  }

  onRequest(req, res) {
    let raw = '';
    req.on('data', (c) => { raw += c; });
    req.on('end', async () => {
      let body;
      try { body = JSON.parse(raw); } catch { body = { unparsable: raw }; }
      const hook = { type: body.type, body, path: req.url, method: req.method, receivedAt: Date.now(), status: null };
      this.webhooks.push(hook);
      const answer = (status, json) => {
        hook.status = status;
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(json));
      };
      try {
        if (req.method !== 'POST' || req.url !== '/webhook') return answer(404, { status: 'error', message: 'not found' });
        if (body.type === 'session_request') return await this.onSessionRequest(body, answer);
        if (body.type === 'stop_request') return await this.onStopRequest(body, answer);
        return answer(400, { status: 'error', message: 'Unknown webhook request type' });
      } catch (err) {
        this.errors.push(err);
        return answer(500, { status: 'error', message: 'Failed to connect' });
      }
    });
  }

  async onSessionRequest(body, answer) {
    const { connect, connectDelayMs, subscriptions, webhookStatus } = this.options;
    if (!connect) return answer(webhookStatus, { status: 'success' });
    const url = body.mentraOSWebsocketUrl || body.augmentOSWebsocketUrl;
    if (connectDelayMs) await sleep(connectDelayMs);
    const conn = this.newConnection({ sessionId: body.sessionId, userId: body.userId, url });
    await conn.connect();
    if (subscriptions) conn.subscribe(subscriptions);
    return answer(webhookStatus, webhookStatus === 200 ? { status: 'success' } : { status: 'error', message: 'scripted failure' });
  }

  async onStopRequest(body, answer) {
    if (this.options.closeOnStop) {
      for (const c of this.connections) if (c.sessionId === body.sessionId && c.open) c.close();
    }
    return answer(200, { status: 'success' });
  }

  newConnection({ sessionId, userId, url }) {
    const conn = new AppConnection(this, { sessionId, userId, url });
    conn.index = this.connections.length + 1;
    this.connections.push(conn);
    return conn;
  }

  // Manual connect (e.g. an app reconnecting on its own after a drop).
  async connectAgain(sessionId, url, options) {
    const previous = [...this.connections].reverse().find((c) => c.sessionId === sessionId);
    const conn = this.newConnection({ sessionId, userId: previous?.userId, url: url ?? previous?.url });
    await conn.connect(options);
    return conn;
  }

  hooks(type) { return this.webhooks.filter((h) => type === undefined || h.type === type); }
  count(type) { return this.hooks(type).length; }

  latest(sessionId) {
    return [...this.connections].reverse().find((c) => sessionId === undefined || c.sessionId === sessionId);
  }

  describe() {
    const hooks = this.webhooks.map((h) => `${h.type} ${h.body.sessionId ?? ''} at +${h.receivedAt - (this.webhooks[0]?.receivedAt ?? 0)} ms → ${h.status}` +
      (h.type === 'session_request' ? ` (url ${h.body.mentraOSWebsocketUrl ?? h.body.augmentOSWebsocketUrl})` : ''));
    const conns = this.connections.map((c) => `#${c.index} ${c.sessionId} ${c.ack ? 'acked' : 'not acked'}${c.closeInfo ? ` closed ${JSON.stringify(c.closeInfo)}` : ' open'}`);
    return `${this.label}: webhooks:\n${hooks.map((h) => '  ' + h).join('\n') || '  (none)'}\n` +
      `sockets:\n${conns.map((c) => '  ' + c).join('\n') || '  (none)'}` +
      (this.errors.length ? `\nerrors:\n${this.errors.map((e) => '  ' + e.message).join('\n')}` : '');
  }

  // Waits until `count(type)` reaches n.
  waitForWebhooks(type, n, { timeoutMs = 5000 } = {}) {
    return poll(() => (this.count(type) >= n ? this.hooks(type)[n - 1] : undefined), {
      timeoutMs, what: `${n} "${type}" webhook(s) to ${this.label}`, describe: () => this.describe(),
    });
  }

  // Waits for the n-th app socket to be acknowledged by the host.
  waitForConnection(n = 1, { timeoutMs = 5000 } = {}) {
    return poll(() => (this.connections[n - 1]?.ack ? this.connections[n - 1] : undefined), {
      timeoutMs, what: `app socket #${n} of ${this.label} to be acknowledged`, describe: () => this.describe(),
    });
  }

  async close() {
    await Promise.all(this.connections.map((c) => c.terminate()));
    this.server.closeAllConnections?.();
    await new Promise((resolve) => this.server.close(() => resolve()));
  }
}
