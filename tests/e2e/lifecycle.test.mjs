// App lifecycle seen from outside (protocol.md §5.2–§5.5), with a scripted app server that counts
// the webhooks it gets. The app grace period is shortened to 1 s (app.gracePeriodMs) to keep this
// fast; "quiet" periods are waited out with margins of at least the grace period again.
import assert from 'node:assert/strict';
import { scenario } from './lib/scenario.mjs';
import { sleep } from './lib/util.mjs';
import { appSessionId, startApp, stopApp } from './lib/events.mjs';

const APP_GRACE_MS = 1000;
const QUIET_MS = 2500;   // > grace + resurrection time: long enough for a wrong webhook to show up
const USER = 'dave@example.com';

// A fake app, a host that knows it, a phone, and the app started through start_app.
async function runningApp(s, { pkg, appOptions = {}, config = {}, sqlite = false, user = USER } = {}) {
  const app = await s.fakeApp({ packageName: pkg, ...appOptions });
  const host = await s.host({
    apps: [app.registryEntry()], sqlite,
    config: { app: { gracePeriodMs: APP_GRACE_MS }, ...config },
  });
  const phone = await s.phone(host, user);
  phone.send(startApp(pkg));
  const hook = await app.waitForWebhooks('session_request', 1, { timeoutMs: 8000 });
  const conn = await app.waitForConnection(1, { timeoutMs: 8000 });
  return { app, host, phone, hook, conn };
}

async function appList(host, user = USER) {
  const res = await host.get('/api/client/apps', { user });
  assert.equal(res.status, 200, `GET /api/client/apps: ${res.status} ${res.text}`);
  assert.equal(res.json?.success, true, `GET /api/client/apps: ${res.text}`);
  assert.ok(Array.isArray(res.json.data), `GET /api/client/apps data: ${res.text}`);
  return res.json.data;
}

async function isRunning(host, pkg, user = USER) {
  const entry = (await appList(host, user)).find((a) => a.packageName === pkg);
  assert.ok(entry, `${pkg} missing from GET /api/client/apps`);
  return entry.running;
}

scenario('lifecycle: session_request webhook carries both websocket URLs and the app session id', async (s) => {
  const pkg = 'com.e2e.lc.webhook';
  const { app, host, hook, conn, phone } = await runningApp(s, { pkg });
  const body = hook.body;
  assert.equal(body.type, 'session_request');
  assert.equal(body.sessionId, appSessionId(USER, pkg));
  assert.equal(body.userId, USER);
  assert.equal(body.mentraOSWebsocketUrl, host.publicWsUrl);
  assert.equal(body.augmentOSWebsocketUrl, host.publicWsUrl);
  assert.equal(typeof body.timestamp, 'string');
  assert.equal(conn.ack.sessionId, appSessionId(USER, pkg));
  assert.ok(Array.isArray(conn.ack.settings), 'tpa_connection_ack.settings is an array');
  assert.equal(typeof conn.ack.mentraosSettings, 'object', 'tpa_connection_ack.mentraosSettings (SDK 2.1.29 needs it)');
  assert.ok('capabilities' in conn.ack, 'tpa_connection_ack.capabilities key present');
  await phone.waitForType('app_state_change');
  assert.equal(await isRunning(host, pkg), true);
  assert.equal(app.count('session_request'), 1);
});

scenario('lifecycle: phone reconnect within the session grace → no second webhook, no app_stopped', async (s) => {
  const pkg = 'com.e2e.lc.phone-reconnect';
  const { app, host, phone, conn } = await runningApp(s, { pkg });

  await phone.terminate();            // the phone vanishes without a close frame…
  await sleep(200);
  const mark = phone.mark();
  await phone.open();                 // …and comes back well within session.gracePeriodMs
  const ack = await phone.waitForType('connection_ack', { since: mark });
  assert.equal(ack.sessionId, USER);
  await sleep(QUIET_MS);

  assert.equal(app.count('session_request'), 1, 'a second session_request after a phone reconnect');
  assert.equal(app.count('stop_request'), 0, 'a stop_request after a phone reconnect');
  assert.equal(conn.closeInfo, null, `the app socket was closed: ${JSON.stringify(conn.closeInfo)}`);
  assert.equal(conn.count((m) => m.type === 'app_stopped'), 0, 'the app got app_stopped');
  assert.equal(phone.count((m) => m.type === 'app_stopped', mark), 0, 'the phone got app_stopped');
  assert.equal(await isRunning(host, pkg), true);
});

scenario('lifecycle: app socket drop with the phone connected → exactly one new session_request after the grace period', async (s) => {
  const pkg = 'com.e2e.lc.resurrect';
  const { app, host, phone } = await runningApp(s, { pkg });

  const mark = phone.mark();
  const droppedAt = Date.now();
  await app.connections[0].terminate();
  const hook = await app.waitForWebhooks('session_request', 2, { timeoutMs: APP_GRACE_MS + 6000 });
  const after = hook.receivedAt - droppedAt;
  assert.ok(after >= APP_GRACE_MS * 0.8, `resurrected ${after} ms after the drop, before the ${APP_GRACE_MS} ms grace ran out`);
  // The other grace tests rely on the configured value being the one in force.
  assert.ok(after <= APP_GRACE_MS + 2500, `resurrected ${after} ms after the drop: app.gracePeriodMs (${APP_GRACE_MS}) not honoured?`);
  assert.equal(hook.body.sessionId, appSessionId(USER, pkg));
  await app.waitForConnection(2, { timeoutMs: 5000 });

  await sleep(QUIET_MS);
  assert.equal(app.count('session_request'), 2, 'more than one session_request for one drop');
  assert.equal(app.connections.length, 2);
  assert.equal(app.connections[1].closeInfo, null, 'the resurrected socket was closed');
  assert.equal(phone.count((m) => m.type === 'app_stopped', mark), 0, 'the phone was told the app stopped');
  assert.equal(await isRunning(host, pkg), true);
});

scenario('lifecycle: app drop while the phone is away → no webhook until the phone reconnects, then exactly one', async (s) => {
  const pkg = 'com.e2e.lc.dormant';
  const { app, phone } = await runningApp(s, { pkg });

  await phone.close(1001, 'going away');
  await sleep(100);
  await app.connections[0].terminate();
  await sleep(APP_GRACE_MS + QUIET_MS);
  assert.equal(app.count('session_request'), 1, 'the host resurrected the app while no phone was connected');

  const mark = phone.mark();
  await phone.open();
  await phone.waitForType('connection_ack', { since: mark });
  await app.waitForWebhooks('session_request', 2, { timeoutMs: 8000 });
  await app.waitForConnection(2, { timeoutMs: 5000 });
  await sleep(QUIET_MS);
  assert.equal(app.count('session_request'), 2, 'more than one session_request after the phone came back');
});

scenario('lifecycle: stop_app → stop_request, app_stopped, close 1000 "App stopped"; the app stays stopped', async (s) => {
  const pkg = 'com.e2e.lc.stop';
  // The app leaves its socket open on stop_request, so the host's own close is observed.
  const { app, host, phone, conn } = await runningApp(s, { pkg, appOptions: { closeOnStop: false } });

  phone.send(stopApp(pkg));
  const stop = await app.waitForWebhooks('stop_request', 1, { timeoutMs: 5000 });
  assert.equal(stop.body.sessionId, appSessionId(USER, pkg));
  assert.equal(stop.body.userId, USER);
  assert.match(stop.body.reason, /^(user_disabled|system_stop|error)$/);
  await conn.waitForType('app_stopped', { timeoutMs: 5000 });
  const closed = await conn.waitClosed({ timeoutMs: 5000 });
  assert.equal(closed.code, 1000);
  assert.equal(closed.reason, 'App stopped');

  await sleep(APP_GRACE_MS + QUIET_MS);
  assert.equal(app.count('session_request'), 1, 'a stopped app was started again after its socket closed');
  assert.equal(await isRunning(host, pkg), false);

  await phone.reconnect();
  await sleep(QUIET_MS);
  assert.equal(app.count('session_request'), 1, 'a stopped app was started again when the phone reconnected');
  assert.equal(app.count('stop_request'), 1);
});

scenario('lifecycle: REST stop while the app closes its own socket (as the SDK does, 1005) → no resurrection', async (s) => {
  const pkg = 'com.e2e.lc.rest-stop';
  const { app, host, phone } = await runningApp(s, { pkg });   // closeOnStop: the SDK's behaviour

  const res = await host.post(`/apps/${pkg}/stop`, { user: USER });
  assert.equal(res.status, 200, `POST /apps/${pkg}/stop: ${res.status} ${res.text}`);
  assert.equal(res.json?.success, true);
  assert.equal(res.json?.data?.isRunning, false);
  await app.waitForWebhooks('stop_request', 1, { timeoutMs: 5000 });
  await app.connections[0].closed;

  await sleep(APP_GRACE_MS + QUIET_MS);
  assert.equal(app.count('session_request'), 1, 'the app was resurrected after a stop');
  await phone.reconnect();
  await sleep(QUIET_MS);
  assert.equal(app.count('session_request'), 1, 'the stopped app was started when the phone reconnected');
  assert.equal(await isRunning(host, pkg), false);
});

scenario('lifecycle: concurrent start requests → exactly one session_request; start while running → none', async (s) => {
  const pkg = 'com.e2e.lc.concurrent';
  // The app takes 400 ms to connect, so the later requests arrive while the first is in flight.
  const app = await s.fakeApp({ packageName: pkg, connectDelayMs: 400 });
  const host = await s.host({ apps: [app.registryEntry()], config: { app: { gracePeriodMs: APP_GRACE_MS } } });
  const phone = await s.phone(host, USER);

  phone.send(startApp(pkg));
  phone.send(startApp(pkg));
  const rest = host.post(`/apps/${pkg}/start`, { user: USER });
  await app.waitForConnection(1, { timeoutMs: 8000 });
  const restAnswer = await rest;
  assert.equal(restAnswer.status, 200, `POST /apps/${pkg}/start: ${restAnswer.status} ${restAnswer.text}`);
  assert.equal(restAnswer.json?.data?.isRunning, true, `REST start answered ${restAnswer.text}`);
  await sleep(QUIET_MS);
  assert.equal(app.count('session_request'), 1, 'concurrent starts sent several session_requests');
  assert.equal(app.connections.length, 1);

  phone.send(startApp(pkg));                   // §5.2 step 1: already running → no webhook
  await sleep(1000);
  assert.equal(app.count('session_request'), 1, 'start_app for a running app sent a webhook');
  assert.equal(app.connections[0].closeInfo, null);
});

scenario('lifecycle: REST start/stop (/apps and /api/apps) and GET /api/client/apps', async (s) => {
  const pkg = 'com.e2e.lc.rest';
  const app = await s.fakeApp({ packageName: pkg });
  const host = await s.host({ apps: [app.registryEntry({ name: 'REST App' })], config: { app: { gracePeriodMs: APP_GRACE_MS } } });

  // No phone session yet: the start is refused.
  const early = await host.post(`/apps/${pkg}/start`, { user: USER });
  assert.notEqual(early.status, 200, `POST /apps/${pkg}/start without a session answered 200: ${early.text}`);
  assert.equal(app.count('session_request'), 0);
  const noAuth = await host.post(`/apps/${pkg}/start`);
  assert.equal(noAuth.status, 401, `POST /apps/${pkg}/start without a token: ${noAuth.status} ${noAuth.text}`);

  await s.phone(host, USER);
  const listed = (await appList(host)).find((a) => a.packageName === pkg);
  assert.ok(listed, `${pkg} missing from GET /api/client/apps`);
  assert.equal(listed.name, 'REST App');
  assert.equal(listed.running, false);

  const start = await host.post(`/apps/${pkg}/start`, { user: USER });
  assert.equal(start.status, 200, `POST /apps/${pkg}/start: ${start.status} ${start.text}`);
  assert.deepEqual(start.json?.data, { status: 'started', isRunning: true }, start.text);
  assert.equal(app.count('session_request'), 1);
  assert.equal(await isRunning(host, pkg), true);

  const stop = await host.post(`/api/apps/${pkg}/stop`, { user: USER });
  assert.equal(stop.status, 200, `POST /api/apps/${pkg}/stop: ${stop.status} ${stop.text}`);
  assert.deepEqual(stop.json?.data, { status: 'stopped', isRunning: false }, stop.text);
  await app.waitForWebhooks('stop_request', 1);
  assert.equal(await isRunning(host, pkg), false);

  const again = await host.post(`/api/apps/${pkg}/start`, { user: USER });
  assert.equal(again.status, 200, `POST /api/apps/${pkg}/start: ${again.status} ${again.text}`);
  assert.equal(app.count('session_request'), 2);

  const unknown = await host.post('/apps/com.e2e.nope/start', { user: USER });
  assert.equal(unknown.status, 404, `POST /apps/<unknown>/start: ${unknown.status} ${unknown.text}`);
});

scenario('lifecycle: an app that never connects → the start fails after app.sessionTimeoutMs; a late init is refused', async (s) => {
  const pkg = 'com.e2e.lc.silent';
  const app = await s.fakeApp({ packageName: pkg, connect: false });   // answers the webhook 200, never connects
  const host = await s.host({ apps: [app.registryEntry()], config: { app: { gracePeriodMs: APP_GRACE_MS, sessionTimeoutMs: 1500 } } });
  await s.phone(host, USER);

  const startedAt = Date.now();
  const res = await host.post(`/apps/${pkg}/start`, { user: USER });
  const took = Date.now() - startedAt;
  assert.equal(res.status, 200, `POST /apps/${pkg}/start: ${res.status} ${res.text}`);
  assert.equal(res.json?.data?.isRunning, false, `a start without a connecting app answered ${res.text}`);
  assert.ok(took >= 1000 && took <= 4000, `the start gave up after ${took} ms, app.sessionTimeoutMs is 1500`);
  assert.equal(app.count('session_request'), 1);
  assert.equal(await isRunning(host, pkg), false);

  // §4.2 / §5.7: the start failed, so the app is STOPPED and its init is refused.
  const late = app.newConnection({ sessionId: appSessionId(USER, pkg), userId: USER, url: host.publicWsUrl });
  await assert.rejects(late.connect(), /tpa_connection_error|closed before ack/);
  const error = late.find((m) => m.type === 'tpa_connection_error');
  assert.equal(error?.code, 'APP_NOT_STARTED', `late init answered ${JSON.stringify(late.messages)}`);
  const closed = await late.waitClosed();
  assert.equal(closed.code, 1008);
});

scenario('lifecycle: user session ends after the phone grace → apps closed 1000 "User session ended", no stop_request; auto-started on the next session', async (s) => {
  const pkg = 'com.e2e.lc.session-end';
  const { app, phone, conn } = await runningApp(s, { pkg, config: { session: { gracePeriodMs: 1500 } } });

  await phone.close();
  const closed = await conn.waitClosed({ timeoutMs: 8000 });
  assert.equal(closed.code, 1000);
  assert.equal(closed.reason, 'User session ended');
  await sleep(APP_GRACE_MS + 500);
  assert.equal(app.count('stop_request'), 0, 'a stop_request when the user session ended');
  assert.equal(app.count('session_request'), 1, 'the app was resurrected without a user session');

  const mark = phone.mark();
  await phone.open();                       // a new user session: running apps auto-start (§5.1)
  await phone.waitForType('connection_ack', { since: mark });
  await app.waitForWebhooks('session_request', 2, { timeoutMs: 8000 });
  await app.waitForConnection(2, { timeoutMs: 5000 });
});

scenario('lifecycle: host restart on the same SQLite file → the running app is started again when the phone connects, a stopped one is not', async (s) => {
  const runningPkg = 'com.e2e.lc.restart-running';
  const stoppedPkg = 'com.e2e.lc.restart-stopped';
  const running = await s.fakeApp({ packageName: runningPkg });
  const stopped = await s.fakeApp({ packageName: stoppedPkg });
  const host = await s.host({
    apps: [running.registryEntry(), stopped.registryEntry()], sqlite: true,
    config: { app: { gracePeriodMs: APP_GRACE_MS } },
  });
  const phone = await s.phone(host, USER);
  phone.send(startApp(runningPkg));
  phone.send(startApp(stoppedPkg));
  await running.waitForConnection(1, { timeoutMs: 8000 });
  await stopped.waitForConnection(1, { timeoutMs: 8000 });
  phone.send(stopApp(stoppedPkg));
  await stopped.waitForWebhooks('stop_request', 1);
  await sleep(300);

  const oldWsUrl = host.publicWsUrl;
  await phone.close();
  const status = await host.stop();
  assert.equal(status.code, 0, `glasshub exit status after SIGTERM: ${JSON.stringify(status)}`);
  await running.connections[0].closed;
  await host.start();

  await s.phone(host, USER);          // a new user session on the restarted host
  const hook = await running.waitForWebhooks('session_request', 2, { timeoutMs: 8000 });
  assert.equal(hook.body.mentraOSWebsocketUrl, host.publicWsUrl, `webhook points at the restarted host (was ${oldWsUrl})`);
  await running.waitForConnection(2, { timeoutMs: 5000 });
  await sleep(QUIET_MS);
  assert.equal(running.count('session_request'), 2);
  assert.equal(stopped.count('session_request'), 1, 'the stopped app was auto-started after the restart');
  assert.equal(await isRunning(host, runningPkg), true);
  assert.equal(await isRunning(host, stoppedPkg), false);
});

scenario('lifecycle: one standard app at a time; starting another stops it, background apps stay', async (s) => {
  const [first, second, background] = await Promise.all([
    s.fakeApp({ packageName: 'com.e2e.lc.std-a', closeOnStop: false }),
    s.fakeApp({ packageName: 'com.e2e.lc.std-b' }),
    s.fakeApp({ packageName: 'com.e2e.lc.bg' }),
  ]);
  const host = await s.host({
    apps: [first.registryEntry({ appType: 'standard' }), second.registryEntry({ appType: 'standard' }),
      background.registryEntry({ appType: 'background' })],
    config: { app: { gracePeriodMs: APP_GRACE_MS } },
  });
  const phone = await s.phone(host, USER);
  phone.send(startApp(first.packageName));
  phone.send(startApp(background.packageName));
  await first.waitForConnection(1, { timeoutMs: 8000 });
  await background.waitForConnection(1, { timeoutMs: 8000 });

  phone.send(startApp(second.packageName));
  await second.waitForConnection(1, { timeoutMs: 8000 });
  const stop = await first.waitForWebhooks('stop_request', 1, { timeoutMs: 5000 });
  assert.equal(stop.body.sessionId, appSessionId(USER, first.packageName));
  const closed = await first.connections[0].waitClosed({ timeoutMs: 5000 });
  assert.equal(closed.code, 1000);
  assert.equal(closed.reason, 'App stopped');

  await sleep(APP_GRACE_MS + QUIET_MS);
  assert.equal(background.count('stop_request'), 0, 'a background app was stopped');
  assert.equal(background.connections[0].closeInfo, null, 'the background app lost its socket');
  assert.equal(first.count('session_request'), 1, 'the stopped standard app came back');
  const list = await appList(host);
  const running = Object.fromEntries(list.map((a) => [a.packageName, a.running]));
  assert.deepEqual(running, { [first.packageName]: false, [second.packageName]: true, [background.packageName]: true });
});

scenario('lifecycle: ownership_release parks the app (no resurrection); its later init is accepted', async (s) => {
  const pkg = 'com.e2e.lc.ownership';
  const { app, host, conn } = await runningApp(s, { pkg });
  // What SDK 2.1.29 does when another cloud takes the session over (protocol.md §5.6).
  conn.send({ type: 'ownership_release', packageName: pkg, sessionId: conn.sessionId, reason: 'switching_clouds' });
  await sleep(100);
  await conn.close();

  await sleep(APP_GRACE_MS + QUIET_MS);
  assert.equal(app.count('session_request'), 1, 'an app released to another cloud was resurrected');
  assert.equal(app.count('stop_request'), 0);
  assert.equal(await isRunning(host, pkg), false);

  const again = await app.connectAgain(conn.sessionId);   // "late reconnection" of a dormant app
  assert.equal(again.ack.sessionId, conn.sessionId);
  assert.equal(await isRunning(host, pkg), true);
});
