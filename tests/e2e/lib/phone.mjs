// A scripted phone on /glasses-ws: authenticates with a core JWT, answers the host's JSON
// {"type":"ping"} with {"type":"pong"} (protocol.md G3), records every message it receives.
import WebSocket from 'ws';
import { describeMessages, poll, sleep } from './util.mjs';

export class Phone {
  constructor(host, email, { via = 'header', token } = {}) {
    this.host = host;
    this.email = email;
    this.via = via;
    this.token = token ?? host.token(email);
    this.messages = [];      // every parsed text message, in arrival order, pings included
    this.pingsAnswered = 0;
    this.closeInfo = null;   // { code, reason } once closed
    this.ws = null;
  }

  // Opens the socket; resolves once open (not waiting for connection_ack).
  static async connect(host, email, options) {
    const phone = new Phone(host, email, options);
    await phone.open();
    return phone;
  }

  get label() { return `phone ${this.email}`; }

  open() {
    const url = this.via === 'query'
      ? this.host.wsUrl(`/glasses-ws?token=${encodeURIComponent(this.token)}&livekit=true`)
      : this.host.wsUrl('/glasses-ws');
    const headers = this.via === 'query' ? {} : { authorization: `Bearer ${this.token}` };
    this.closeInfo = null;
    const ws = new WebSocket(url, { headers, perMessageDeflate: false });
    this.ws = ws;
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => {
        if (this.ws === ws) this.closeInfo = { code, reason: reason.toString() };
        resolve({ code, reason: reason.toString() });
      });
    });
    ws.on('message', (data, isBinary) => {
      if (isBinary) {
        this.messages.push({ type: '(binary)', bytes: data.length });
        return;
      }
      let msg;
      try { msg = JSON.parse(data.toString('utf8')); } catch { msg = { type: '(unparsable)', text: data.toString('utf8') }; }
      this.messages.push(msg);
      if (msg && msg.type === 'ping' && ws.readyState === WebSocket.OPEN) {
        ws.send(JSON.stringify({ type: 'pong' }));
        this.pingsAnswered++;
      }
    });
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(this));
      ws.once('unexpected-response', (req, res) => {
        let body = '';
        res.on('data', (c) => { body += c; });
        res.on('end', () => reject(Object.assign(new Error(`${this.label}: upgrade refused with HTTP ${res.statusCode}: ${body}`), { status: res.statusCode, body })));
      });
      ws.once('error', (err) => reject(new Error(`${this.label}: ${err.message}`)));
    });
  }

  // Opens and waits for connection_ack; returns the ack.
  static async connectAndAck(host, email, options) {
    const phone = await Phone.connect(host, email, options);
    await phone.waitForType('connection_ack', { timeoutMs: 5000 });
    return phone;
  }

  // Closes the current socket (code 1000 by default) and opens a new one for the same user.
  async reconnect({ code = 1000, pauseMs = 0 } = {}) {
    await this.close(code);
    if (pauseMs) await sleep(pauseMs);
    const mark = this.mark();
    await this.open();
    await this.waitForType('connection_ack', { since: mark, timeoutMs: 5000 });
    return mark;
  }

  send(obj) {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) {
      throw new Error(`${this.label}: cannot send ${JSON.stringify(obj)}: socket not open`);
    }
    this.ws.send(JSON.stringify(obj));
  }

  // A binary frame (microphone audio, protocol.md §2), sent as is.
  sendBinary(bytes) {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) {
      throw new Error(`${this.label}: cannot send ${bytes.length} binary bytes: socket not open`);
    }
    this.ws.send(bytes, { binary: true });
  }

  // The index the next message will get: pass it as `since` to look only at what comes after.
  mark() { return this.messages.length; }

  find(predicate, since = 0) {
    for (let i = since; i < this.messages.length; i++) {
      if (predicate(this.messages[i])) return this.messages[i];
    }
    return undefined;
  }

  count(predicate, since = 0) {
    return this.messages.slice(since).filter(predicate).length;
  }

  received({ since = 0, pings = false } = {}) {
    return this.messages.slice(since).filter((m) => pings || (m.type !== 'ping' && m.type !== 'pong'));
  }

  async waitFor(predicate, { timeoutMs = 5000, since = 0, what = 'a matching message' } = {}) {
    return poll(() => this.find(predicate, since), {
      timeoutMs, what: `${what} on ${this.label}`,
      describe: () => `${this.label} received (pings left out; ${this.pingsAnswered} answered)` +
        `${this.closeInfo ? `, socket closed ${JSON.stringify(this.closeInfo)}` : ''}:\n` +
        describeMessages(this.received({ since })),
    });
  }

  waitForType(type, options = {}) {
    return this.waitFor((m) => m.type === type, { what: `a "${type}" message`, ...options });
  }

  async close(code = 1000, reason = '') {
    const ws = this.ws;
    if (!ws || ws.readyState === WebSocket.CLOSED) return;
    if (ws.readyState === WebSocket.CONNECTING) {
      ws.terminate();
    } else {
      ws.close(code, reason);
    }
    const timer = setTimeout(() => ws.terminate(), 3000);
    await this.closed;
    clearTimeout(timer);
  }

  // Drops the TCP connection without a close frame.
  async terminate() {
    if (!this.ws || this.ws.readyState === WebSocket.CLOSED) return;
    this.ws.terminate();
    await this.closed;
  }
}
