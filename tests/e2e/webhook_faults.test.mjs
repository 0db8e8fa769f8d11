// Webhooks that go wrong under load (docs/robustness.md, Faults): a dozen users start three apps
// at once — one whose server answers 500 and never connects, one that connects and then answers
// 500, one that connects only after 2 s — while their phones keep talking. The broken app fails
// for everyone after its two attempts and is never tried again, the other two run for everyone
// (a validated init is success whatever the webhook answered, protocol.md §14 quirk 8), no phone
// waits on a webhook, and /health counts exactly. Then the same for an app server that refuses the
// connection and one that never answers (every attempt times out).
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { scenario } from './lib/scenario.mjs';
import { manifestWith, hostWithManifest } from './lib/manifest.mjs';
import { repeatUntil, sleep } from './lib/util.mjs';
import { startApp } from './lib/events.mjs';

const USERS = 12;
const SLOW_MS = 2000;
const QUIET_MS = 2500;   // longer than the retry delay: a third attempt would show up

async function running(host, user, pkg) {
  const res = await host.get('/api/client/apps', { user });
  assert.equal(res.status, 200, `GET /api/client/apps: ${res.status} ${res.text}`);
  return res.json.data.find((a) => a.packageName === pkg)?.running;
}

// USERS users (`<prefix><n>@example.com`) whose phones each ask to start every app of `apps`.
async function phonesStartingApps(s, host, prefix, apps) {
  const users = Array.from({ length: USERS }, (_, i) => `${prefix}${i}@example.com`);
  const phones = [];
  for (const user of users) phones.push(await s.phone(host, user));
  for (const phone of phones) for (const app of apps) phone.send(startApp(app.packageName));
  return { users, phones };
}

// How long, in ms, every phone took to get its pong while webhooks are pending.
async function pongRoundTrip(phones) {
  const started = Date.now();
  await Promise.all(phones.map((phone) => {
    const since = phone.mark();
    phone.send({ type: 'ping' });
    return phone.waitFor((m) => m.type === 'pong', { since, timeoutMs: 1500, what: 'pong while webhooks are pending' });
  }));
  return Date.now() - started;
}

scenario('webhooks under load: answered 500, 500 after connecting, and slowly; phones never wait', async (s) => {
  const broken = await s.fakeApp({ packageName: 'com.e2e.wh.broken', connect: false, webhookStatus: 500 });
  const lying = await s.fakeApp({ packageName: 'com.e2e.wh.lying', webhookStatus: 500 });
  const slow = await s.fakeApp({ packageName: 'com.e2e.wh.slow', connectDelayMs: SLOW_MS });
  const apps = [broken, lying, slow];
  const host = await s.host({ apps: apps.map((a) => a.registryEntry()) });
  const { users, phones } = await phonesStartingApps(s, host, 'wh', apps);
  // Every webhook is still pending (the slow app sleeps, the broken one retries in 1 s), and
  // every phone is answered at once.
  const answeredIn = await pongRoundTrip(phones);
  assert.ok(answeredIn < SLOW_MS, `phones waited ${answeredIn} ms for their pongs: held up by webhooks?`);

  await lying.waitForConnection(USERS, { timeoutMs: 10000 });
  await slow.waitForConnection(USERS, { timeoutMs: 10000 });
  await broken.waitForWebhooks('session_request', 2 * USERS, { timeoutMs: 15000 });
  await sleep(QUIET_MS);
  assert.equal(broken.count('session_request'), 2 * USERS, 'the broken app was tried again after its two attempts');
  assert.equal(lying.count('session_request'), USERS);
  assert.equal(slow.count('session_request'), USERS);
  assert.equal(broken.connections.length, 0);
  for (const app of [lying, slow]) {
    const closed = app.connections.filter((c) => c.closeInfo);
    assert.equal(closed.length, 0, `${app.label}: sockets closed ${JSON.stringify(closed.map((c) => c.closeInfo))}`);
  }
  for (const user of users) {
    assert.equal(await running(host, user, broken.packageName), false, `${user}: broken app listed running`);
    assert.equal(await running(host, user, lying.packageName), true, `${user}: app that connected then answered 500 not running`);
    assert.equal(await running(host, user, slow.packageName), true, `${user}: slow app not running`);
  }

  const health = await host.get('/health');
  assert.equal(health.status, 200, `GET /health: ${health.status} ${health.text}`);
  assert.deepEqual(
    [health.json.connections.glassesConnections, health.json.connections.appConnections, health.json.connections.totalSessions],
    [USERS, 2 * USERS, USERS], `/health: ${health.text}`);
});

// An app server that refuses the connection, and one that takes the request and never answers
// (each attempt times out after webhookTimeoutMs), for a dozen users at once.
scenario('webhooks under load: refused and timed out; phones never wait, no app runs, /health exact', async (s) => {
  const refusedPort = await closedPort();
  const silentRequests = [];
  const silent = http.createServer((req) => { silentRequests.push(req.url); });   // never answers
  await new Promise((resolve) => silent.listen(0, '127.0.0.1', resolve));
  try {
    await refusedAndSilent(s, failingApps(refusedPort, silent.address().port), silentRequests);
  } finally {
    silent.closeAllConnections();
    silent.close();
  }
}, { timeout: 60000 });

// The scenario above, with its servers in place.
async function refusedAndSilent(s, apps, silentRequests) {
  const TIMEOUT_MS = 1000;
  const manifest = manifestWith({ app_lifecycle: (e) => { e.config = { ...e.config, webhookTimeoutMs: TIMEOUT_MS }; } });
  let host;
  try {
    host = await hostWithManifest(s, { apps }, manifest.file);
  } finally {
    manifest.remove();
  }
  const { users, phones } = await phonesStartingApps(s, host, 'whf', apps);
  const answeredIn = await pongRoundTrip(phones);
  assert.ok(answeredIn < TIMEOUT_MS, `phones waited ${answeredIn} ms for their pongs: held up by webhooks?`);

  // Two attempts each (1 s apart, the silent one's after its timeout), then no third.
  await repeatUntil(() => {}, () => silentRequests.length >= 2 * USERS,
    { what: 'two session_requests per user to the silent server', timeoutMs: 15000 });
  await sleep(QUIET_MS + TIMEOUT_MS);
  assert.equal(silentRequests.length, 2 * USERS, 'the silent app was tried again after its two attempts');
  for (const user of users) {
    for (const app of apps) {
      assert.equal(await running(host, user, app.packageName), false, `${user}: ${app.packageName} listed running`);
    }
  }
  const health = await host.get('/health');
  assert.equal(health.status, 200, `GET /health: ${health.status} ${health.text}`);
  assert.deepEqual(
    [health.json.connections.glassesConnections, health.json.connections.appConnections, health.json.connections.totalSessions,
      health.json.messages.errors],
    [USERS, 0, USERS, 0], `/health: ${health.text}`);
  for (const phone of phones) {   // and every phone is still served
    const since = phone.mark();
    phone.send({ type: 'ping' });
    await phone.waitFor((m) => m.type === 'pong', { since, timeoutMs: 2000, what: 'pong after the failed starts' });
  }
}

// The registry entries of the refusing app and the silent one.
function failingApps(refusedPort, silentPort) {
  const entry = (packageName, port) => ({ packageName, name: packageName, publicUrl: `http://127.0.0.1:${port}`,
    apiKey: `key-${packageName}`, permissions: ['MICROPHONE'], appType: 'background' });
  return [entry('com.e2e.wh.refused', refusedPort), entry('com.e2e.wh.silent', silentPort)];
}

// A port nothing listens on: bound, then closed again.
async function closedPort() {
  const server = net.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}
