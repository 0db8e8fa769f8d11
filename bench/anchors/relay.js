// The relay hot path both anchors share (docs/benchmarks.md, "The anchors"): the protocol subset
// glasshub-loadgen speaks, with the sockets left to the server (Bun.serve or Node ws). Kept in
// one place so the two anchors differ only in their WebSocket server.
//
//   /glasses-ws?token=JWT  the phone: HS256 verified with JWT_SECRET, user = the `email` claim;
//                          connection_ack; test_allow_app -> test_app_allowed (sessionId
//                          "<user>-<package>"); binary frames -> every audio_chunk app of the
//                          user, unwrapped; any other JSON type -> data_stream to every app of
//                          the user subscribed to it, the original bytes spliced in as `data`.
//   /app-ws                an app: tpa_connection_init -> tpa_connection_ack (any API key),
//                          subscription_update, display_event -> the user's phone.
'use strict';

const crypto = require('node:crypto');

const SECRET = process.env.JWT_SECRET || 'glasshub-bench-secret';

// The user of a core token (HS256, `email` claim), or null. One HMAC per phone connection.
function userOfToken(token) {
  if (!token) return null;
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  const mac = crypto.createHmac('sha256', SECRET).update(parts[0] + '.' + parts[1]).digest('base64url');
  if (mac !== parts[2]) return null;
  try {
    const claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString());
    if (typeof claims.exp === 'number' && claims.exp * 1000 < Date.now()) return null;
    return typeof claims.email === 'string' ? claims.email : null;
  } catch {
    return null;
  }
}

class User {
  constructor(id) {
    this.id = id;
    this.phone = null;
    this.allowed = new Set();   // packages test_allow_app let in
    this.apps = new Map();      // sessionId -> App
    this.byStream = new Map();  // stream type -> [App] (rebuilt on subscription changes)
  }
  reindex() {
    this.byStream.clear();
    for (const app of this.apps.values()) {
      for (const s of app.subs) {
        let list = this.byStream.get(s);
        if (!list) this.byStream.set(s, (list = []));
        list.push(app);
      }
    }
  }
}

class App {
  constructor(user, sessionId, packageName, socket) {
    this.user = user;
    this.sessionId = sessionId;
    this.packageName = packageName;
    this.socket = socket;
    this.subs = new Set();
    // Constant per app: the envelope's head up to the stream type is built once per (app, type).
    this.heads = new Map();
  }
  head(type) {
    let h = this.heads.get(type);
    if (h === undefined) {
      h = '{"type":"data_stream","sessionId":' + JSON.stringify(this.sessionId) +
          ',"streamType":' + JSON.stringify(type) + ',"data":';
      this.heads.set(type, h);
    }
    return h;
  }
}

// `io` is the server's side: sendText(socket, string), sendBinary(socket, bytes),
// deliver(app, stringOrBytes) (to one app socket), close(socket, code, reason).
function createRelay(io) {
  const users = new Map();      // user id -> User
  const sessions = new Map();   // sessionId -> User (allowed apps)

  function userFor(id) {
    let u = users.get(id);
    if (!u) users.set(id, (u = new User(id)));
    return u;
  }

  const phone = {
    open(socket, userId) {
      const u = userFor(userId);
      if (u.phone && u.phone !== socket) io.close(u.phone, 1000, 'Replaced by a newer connection');
      u.phone = socket;
      io.sendText(socket, '{"type":"connection_ack","sessionId":' + JSON.stringify(userId) +
                  ',"timestamp":"' + new Date().toISOString() + '"}');
      return u;
    },
    // `text` is the frame as a string (spliced into the envelope as it came).
    text(u, text) {
      let msg;
      try {
        msg = JSON.parse(text);
      } catch {
        return;
      }
      const type = msg && msg.type;
      if (typeof type !== 'string') return;
      if (type === 'test_allow_app') {
        const pkg = String(msg.packageName);
        const sid = u.id + '-' + pkg;
        u.allowed.add(pkg);
        sessions.set(sid, u);
        io.sendText(u.phone, '{"type":"test_app_allowed","packageName":' + JSON.stringify(pkg) +
                    ',"sessionId":' + JSON.stringify(sid) + '}');
        return;
      }
      if (type === 'pong' || type === 'ping') return;
      const apps = u.byStream.get(type);
      if (!apps) return;
      const tail = ',"timestamp":"' + new Date().toISOString() + '"}';
      for (let i = 0; i < apps.length; i++) io.deliver(apps[i], apps[i].head(type) + text + tail);
    },
    binary(u, bytes) {
      const apps = u.byStream.get('audio_chunk');
      if (!apps) return;
      for (let i = 0; i < apps.length; i++) io.deliver(apps[i], bytes);
    },
    close(u, socket) {
      if (u.phone === socket) u.phone = null;
    },
  };

  const app = {
    // The first frame of an app socket; returns the App, or null (the socket is closed).
    init(socket, text) {
      let msg;
      try {
        msg = JSON.parse(text);
      } catch {
        msg = null;
      }
      const u = msg && msg.type === 'tpa_connection_init' ? sessions.get(msg.sessionId) : undefined;
      if (!u || !u.allowed.has(msg.packageName)) {
        io.sendText(socket, '{"type":"tpa_connection_error","code":"INVALID_SESSION","message":' +
                    '"unknown session","timestamp":"' + new Date().toISOString() + '"}');
        io.close(socket, 1008, 'unknown session');
        return null;
      }
      const a = new App(u, msg.sessionId, msg.packageName, socket);
      const old = u.apps.get(a.sessionId);
      if (old) io.close(old.socket, 1000, 'Replaced by a newer connection');
      u.apps.set(a.sessionId, a);
      io.sendText(socket, '{"type":"tpa_connection_ack","sessionId":' + JSON.stringify(a.sessionId) +
                  ',"timestamp":"' + new Date().toISOString() + '"}');
      return a;
    },
    text(a, text) {
      let msg;
      try {
        msg = JSON.parse(text);
      } catch {
        return;
      }
      if (!msg) return;
      if (msg.type === 'subscription_update') {
        a.subs = new Set((Array.isArray(msg.subscriptions) ? msg.subscriptions : [])
          .map((s) => (typeof s === 'string' ? s : s && s.stream)).filter(Boolean));
        a.user.reindex();
      } else if (msg.type === 'display_event') {
        if (a.user.phone) io.sendText(a.user.phone, text);
      }
    },
    close(a) {
      if (a.user.apps.get(a.sessionId) === a) {
        a.user.apps.delete(a.sessionId);
        a.user.reindex();
      }
    },
  };

  return { phone, app };
}

function listenPort() {
  const v = process.env.PORT ?? process.argv[2] ?? '8002';
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error('bad port ' + v);
  return n;
}

module.exports = { userOfToken, createRelay, listenPort };
