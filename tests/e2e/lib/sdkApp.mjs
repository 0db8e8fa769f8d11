// A real, unmodified @mentra/sdk 2.1.29 AppServer, subclassed the way app developers do
// (override onSession / onStop), served on 127.0.0.1:<free port>.
//
// Two deliberate differences from calling `server.start()`:
//  * the test serves `getExpressApp()` on its own http.Server (127.0.0.1, port 0), so it knows the
//    port and can close the server; `start()` listens on all interfaces, never exposes the server
//    and first asks https://api.mentra.glass for the latest SDK version (3 s timeout), which a
//    test must neither depend on nor wait for;
//  * the SIGTERM/SIGINT handlers the AppServer constructor installs (they call process.exit) are
//    removed again, so several apps can live in one test process.
// The SDK's pino logger writes pretty debug lines to stdout; its level is lowered to
// GLASSHUB_E2E_SDK_LOG_LEVEL (default "warn", see quietSdkLogs).
import http from 'node:http';
import { AppServer } from '@mentra/sdk';
import { describeMessages, poll } from './util.mjs';

// Everything an app's handlers saw, with waitFor over it.
export class Recorder {
  constructor(label) {
    this.label = label;
    this.events = [];   // { kind, data, at }
  }

  push(kind, data) { this.events.push({ kind, data, at: Date.now() }); }
  all(kind) { return this.events.filter((e) => e.kind === kind); }
  count(kind) { return this.all(kind).length; }

  find(kind, predicate = () => true, since = 0) {
    return this.events.slice(since).find((e) => e.kind === kind && predicate(e.data));
  }

  mark() { return this.events.length; }

  waitFor(kind, predicate = () => true, { timeoutMs = 5000, since = 0, what } = {}) {
    return poll(() => this.find(kind, predicate, since), {
      timeoutMs, what: what ?? `"${kind}" in ${this.label}`, describe: () => this.describe(),
    });
  }

  describe() {
    const t0 = this.events[0]?.at ?? 0;
    return `${this.label} recorded:\n` + describeMessages(this.events.map((e) => `+${e.at - t0} ms ${e.kind} ${safeJson(e.data)}`));
  }
}

function safeJson(value) {
  if (value instanceof Error) return JSON.stringify(value.message);
  try { return JSON.stringify(value); } catch { return String(value); }
}

// The SDK logs at debug level through one module-level pino logger; AppServer.logger is its
// child, and pino children have their parent as prototype. Lowering both keeps the output of a
// test run readable (set GLASSHUB_E2E_SDK_LOG_LEVEL=debug to see everything).
function quietSdkLogs(appLogger) {
  const level = process.env.GLASSHUB_E2E_SDK_LOG_LEVEL || 'warn';
  const base = Object.getPrototypeOf(appLogger);
  if (base && typeof base.child === 'function' && 'level' in base) base.level = level;
  appLogger.level = level;
}

// options:
//   packageName, apiKey
//   onSession(session, sessionId, userId, app): registers handlers; anything it throws fails
//     the webhook like in a real app
//   onStop(sessionId, userId, reason, app)
// The recorder gets: "session" {sessionId, userId}, "stop" {sessionId, userId, reason},
// "webhook" {type, sessionId, status}, plus per-session "error", "connected", "disconnected"
// (registered before onSession runs).
export async function startSdkApp({ packageName, apiKey = `key-${packageName}`, onSession, onStop } = {}) {
  const recorder = new Recorder(`SDK app ${packageName}`);
  const sessions = new Map();   // sessionId → latest AppSession handed to onSession

  class TestApp extends AppServer {
    async onSession(session, sessionId, userId) {
      sessions.set(sessionId, session);
      recorder.push('session', { sessionId, userId });
      session.events.onError((err) => recorder.push('error', { sessionId, message: err?.message ?? String(err) }));
      session.events.onConnected(() => recorder.push('connected', { sessionId }));
      session.events.onDisconnected((info) => recorder.push('disconnected', { sessionId, info }));
      if (onSession) await onSession(session, sessionId, userId, handle);
    }

    async onStop(sessionId, userId, reason) {
      recorder.push('stop', { sessionId, userId, reason });
      if (onStop) await onStop(sessionId, userId, reason, handle);
      await super.onStop(sessionId, userId, reason);   // disconnects the session, as apps do
    }
  }

  const before = { SIGTERM: process.listeners('SIGTERM'), SIGINT: process.listeners('SIGINT') };
  const server = new TestApp({ packageName, apiKey, port: 0, healthCheck: true });
  for (const signal of ['SIGTERM', 'SIGINT']) {
    for (const listener of process.listeners(signal)) {
      if (!before[signal].includes(listener)) process.removeListener(signal, listener);
    }
  }
  quietSdkLogs(server.logger);

  const express = server.getExpressApp();
  const httpServer = http.createServer((req, res) => {
    // express.json() (installed by the AppServer) leaves the parsed body on this same req object.
    res.on('finish', () => {
      if (req.method === 'POST' && req.url === '/webhook') {
        recorder.push('webhook', { type: req.body?.type, sessionId: req.body?.sessionId, status: res.statusCode });
      }
    });
    express(req, res);
  });
  await new Promise((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  const port = httpServer.address().port;

  const handle = {
    packageName, apiKey, server, recorder, sessions, port,
    publicUrl: `http://127.0.0.1:${port}`,
    registryEntry({ permissions = ['MICROPHONE'], appType = 'background', name } = {}) {
      return { packageName, name: name ?? packageName, publicUrl: handle.publicUrl, apiKey, permissions, appType };
    },
    session(sessionId) { return sessions.get(sessionId); },
    describe() { return recorder.describe(); },
    async close() {
      // Disconnect every session the AppServer still holds (no ownership release, like its own
      // SIGTERM cleanup) so no reconnect timer outlives the test, then stop serving.
      for (const s of new Set([...sessions.values(), ...server.activeSessions.values()])) {
        try { await s.disconnect(); } catch { /* already gone */ }
      }
      httpServer.closeAllConnections?.();
      await new Promise((resolve) => httpServer.close(() => resolve()));
    },
  };
  return handle;
}
