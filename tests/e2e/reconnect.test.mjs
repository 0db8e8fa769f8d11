// protocol.md §5.5 / §5.8 with SDK 2.1.29: the app socket is cut without a close frame; the SDK
// reconnects by itself (~1 s later, fresh tpa_connection_init with the same sessionId) within the
// host's app grace period, the host takes it back (no new session_request, no onStop) and the
// app's handlers keep receiving button presses.
//
// How the socket is cut: AppSession keeps its `ws` WebSocket (from the `ws` package) in the
// `session.ws` field (TypeScript-private, a plain property at run time); `ws.terminate()` destroys
// the TCP socket, so the SDK sees close code 1006 and the host sees the connection end.
import assert from 'node:assert/strict';
import { scenario } from './lib/scenario.mjs';
import { repeatUntil, sleep } from './lib/util.mjs';
import { buttonPress, startApp, appSessionId } from './lib/events.mjs';

const PKG = 'com.e2e.reconnect';
const USER = 'carol@example.com';
const APP_GRACE_MS = 5000;   // the reference value (docs/configuration.md app.gracePeriodMs)

scenario('reconnect: an SDK app whose socket is cut reconnects within the grace period and keeps receiving button presses', async (s) => {
  const app = await s.sdkApp({
    packageName: PKG,
    onSession(session, sessionId, userId, { recorder }) {
      session.events.onButtonPress((d) => recorder.push('button', d));
    },
  });
  const rec = app.recorder;
  const host = await s.host({
    apps: [app.registryEntry({ permissions: [] })],
    config: { app: { gracePeriodMs: APP_GRACE_MS } },
  });
  const phone = await s.phone(host, USER);

  phone.send(startApp(PKG));
  await rec.waitFor('session', undefined, { timeoutMs: 10000, what: 'onSession after start_app' });
  await repeatUntil(() => phone.send(buttonPress('before-cut')), () => rec.find('button', (d) => d.buttonId === 'before-cut'), {
    timeoutMs: 10000, what: 'a button press before the cut', describe: () => rec.describe(),
  });

  const session = app.session(appSessionId(USER, PKG));
  const oldWs = session.ws;
  assert.ok(oldWs && typeof oldWs.terminate === 'function',
    'SDK 2.1.29 keeps its WebSocket in AppSession.ws; this test relies on it to cut the socket');
  const connectedBefore = rec.count('connected');
  const cutAt = Date.now();
  oldWs.terminate();

  const dropped = await rec.waitFor('disconnected', undefined, { timeoutMs: 5000, what: 'the SDK to notice the cut' });
  assert.equal(dropped.data.info.code, 1006, `close code seen by the SDK: ${JSON.stringify(dropped.data.info)}`);
  const back = await rec.waitFor('connected', undefined, {
    since: rec.events.indexOf(dropped), timeoutMs: APP_GRACE_MS + 2000,
    what: 'the SDK to reconnect (new tpa_connection_init acknowledged)',
  });
  assert.ok(back.at - cutAt < APP_GRACE_MS, `reconnected ${back.at - cutAt} ms after the cut, grace is ${APP_GRACE_MS} ms`);
  assert.equal(rec.count('connected'), connectedBefore + 1);
  assert.notEqual(session.ws, oldWs, 'the SDK opened a new socket');

  await repeatUntil(() => phone.send(buttonPress('after-cut')), () => rec.find('button', (d) => d.buttonId === 'after-cut'), {
    timeoutMs: 10000, what: 'a button press after the reconnect', describe: () => rec.describe(),
  });

  // Past the grace period the host must not have resurrected the app (it came back in time).
  const waitMore = cutAt + APP_GRACE_MS + 1500 - Date.now();
  if (waitMore > 0) await sleep(waitMore);
  assert.equal(rec.count('session'), 1, 'a second session_request was sent although the app reconnected in time');
  assert.equal(rec.all('webhook').filter((w) => w.data.type === 'session_request').length, 1);
  assert.equal(rec.count('stop'), 0, 'onStop ran');
  await repeatUntil(() => phone.send(buttonPress('after-grace')), () => rec.find('button', (d) => d.buttonId === 'after-grace'), {
    timeoutMs: 5000, what: 'a button press after the grace period', describe: () => rec.describe(),
  });
});
