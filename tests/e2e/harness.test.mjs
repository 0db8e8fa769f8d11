// The harness itself against the bare host (no plugin needed beyond what any build loads): the
// phone handshake and keepalive, /health, and both kinds of app server answering.
import assert from 'node:assert/strict';
import { scenario } from './lib/scenario.mjs';
import { Phone } from './lib/phone.mjs';
import { signJwt } from './lib/token.mjs';

scenario('harness: phone gets connection_ack and JSON pings; /health answers', async (s) => {
  const host = await s.host();
  const health = await host.get('/health');
  assert.equal(health.status, 200, `GET /health: ${health.status} ${health.text}`);
  assert.equal(typeof health.json, 'object', `GET /health is not JSON: ${health.text}`);

  const phone = await s.phone(host, 'harness@example.com');
  const ack = phone.find((m) => m.type === 'connection_ack');
  assert.equal(ack.sessionId, 'harness@example.com');
  assert.equal(typeof ack.timestamp, 'string');
  // G3: the host pings every 2 s; the phone answers.
  await phone.waitForType('ping', { timeoutMs: 5000 });

  // The token may also travel in the query string (the real phone does that).
  const viaQuery = await s.phone(host, 'query@example.com', { via: 'query' });
  assert.equal(viaQuery.find((m) => m.type === 'connection_ack').sessionId, 'query@example.com');
});

scenario('harness: a phone with a bad token is refused with 401 before the upgrade', async (s) => {
  const host = await s.host();
  const forged = signJwt({ email: 'mallory@example.com' }, 'not-the-secret');
  await assert.rejects(Phone.connect(host, 'mallory@example.com', { token: forged }), (err) => err.status === 401);
});

scenario('harness: scripted and SDK app servers serve HTTP', async (s) => {
  const fake = await s.fakeApp({ packageName: 'com.e2e.harness.fake' });
  const sdk = await s.sdkApp({ packageName: 'com.e2e.harness.sdk' });
  const fromFake = await fetch(`${fake.publicUrl}/webhook`, { method: 'POST', body: '{"type":"nonsense"}' });
  assert.equal(fromFake.status, 400);
  assert.equal(fake.count('nonsense'), 1);
  const health = await (await fetch(`${sdk.publicUrl}/health`)).json();
  assert.deepEqual(health, { status: 'healthy', app: 'com.e2e.harness.sdk', activeSessions: 0 });
  const unknown = await fetch(`${sdk.publicUrl}/webhook`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"type":"nonsense"}',
  });
  assert.equal(unknown.status, 400);
  assert.equal(sdk.recorder.count('webhook'), 1);
});
