// Bad input never crashes the host, never touches another user's session, and is answered in
// the protocol's own error shapes (issue 7). One user (the attacker) sends every message type of
// the protocol with every field set to hostile values, malformed and deeply nested frames, and
// garbage REST bodies to every plugin route; another user (the victim) keeps working throughout.
import assert from 'node:assert/strict';
import { scenario } from './lib/scenario.mjs';
import { manifestWith, hostWithManifest } from './lib/manifest.mjs';
import { repeatUntil } from './lib/util.mjs';
import { buttonPress, startApp } from './lib/events.mjs';

const BIG = 'x'.repeat(5000);
const VALUES = [null, 0, -1, 1e308, -1e308, 3.5, '', BIG, '\u0000\uffff\u{1F600}', [], {}, true,
  [[[[[]]]]], { a: { b: { c: {} } } }, '../../etc/passwd', '%00', ' '];
const FIELDS = ['packageName', 'status', 'modelName', 'deviceModel', 'wifi', 'text', 'isFinal',
  'transcribeLanguage', 'gesture_name', 'lat', 'lng', 'requestId', 'success', 'duration', 'layout',
  'view', 'durationMs', 'forceDisplay', 'content', 'modes', 'mode', 'section', 'subscriptions',
  'audioUrl', 'volume', 'settings', 'key', 'value', 'buttonId', 'pressType', 'position', 'level',
  'charging', 'sessionId', 'correlationId', 'error', 'apiKey', 'details', 'appId', 'streamId'];
const PHONE_TYPES = ['start_app', 'stop_app', 'glasses_connection_state', 'VAD', 'local_transcription',
  'location_update', 'calendar_event', 'button_press', 'head_position', 'touch_event',
  'glasses_battery_update', 'phone_battery_update', 'audio_play_response', 'ping', 'pong',
  'connection_init', 'core_status_update', 'request_settings', 'settings_update_request',
  'phone_notification', 'phone_notification_dismissed', 'rtmp_stream_status', 'photo_response',
  'keep_alive_ack', 'no_such_type'];
const APP_TYPES = ['subscription_update', 'display_event', 'dashboard_content_update',
  'dashboard_mode_change', 'dashboard_system_update', 'audio_play_request', 'audio_stop_request',
  'ownership_release', 'tpa_connection_init', 'photo_request', 'rgb_led_control',
  'location_poll_request', 'no_such_type'];
const deep = (n) => '['.repeat(n) + ']'.repeat(n);
const RAW_FRAMES = ['{', '', 'null', '[]', '"just a string"', '{"type":5}', '{"type":null}',
  '{"type":"button_press"', deep(100000), `{"type":"button_press","x":${deep(5000)}}`];
const REST_BODIES = ['', '{', 'null', '[]', '123', '"s"', '{"settings":null}', '{"settings":[1,2]}',
  '{"format":{"x":1}}', '{"format":"lc3","lc3Config":{"frameSizeBytes":-5}}', deep(100000),
  `{"settings":{"k":${deep(300000)}}}`, '{"key":null,"value":{"a":[]}}', '[{"key":1}]',
  ...VALUES.slice(0, 14).map((v) => JSON.stringify(Object.fromEntries(FIELDS.map((f) => [f, v]))))];

const hostile = (type, value) => ({ type, ...Object.fromEntries(FIELDS.map((f) => [f, value])) });

function trySend(fn) {
  try { fn(); } catch { /* the host may have closed that socket: that is an allowed answer */ }
}

scenario('hostile input: nothing crashes the host or reaches another user; errors use the protocol shapes', async (s) => {
  const victimApp = await s.fakeApp({ packageName: 'com.e2e.victim' });
  const attackerApp = await s.fakeApp({ packageName: 'com.e2e.attacker' });
  const manifest = manifestWith({ legacy_settings: (e) => { e.enabled = true; } });  // every plugin on
  let host;
  try {
    host = await hostWithManifest(s, { apps: [victimApp.registryEntry(), attackerApp.registryEntry()] }, manifest.file);
  } finally {
    manifest.remove();
  }
  const victim = await s.phone(host, 'victim@example.com');
  const attacker = await s.phone(host, 'attacker@example.com');
  victim.send(startApp(victimApp.packageName));
  attacker.send(startApp(attackerApp.packageName));
  const vconn = await victimApp.waitForConnection(1, { timeoutMs: 8000 });
  const aconn = await attackerApp.waitForConnection(1, { timeoutMs: 8000 });
  vconn.subscribe(['button_press']);
  aconn.subscribe(['*']);
  await repeatUntil(() => victim.send(buttonPress('before')),
    () => vconn.dataStreams('button_press').length > 0, { what: 'the victim app hearing a press' });

  // The phone socket: every type with every field hostile, then malformed frames.
  for (const type of PHONE_TYPES) {
    trySend(() => attacker.send({ type }));
    for (const v of VALUES) trySend(() => attacker.send(hostile(type, v)));
  }
  for (const raw of RAW_FRAMES) trySend(() => attacker.ws.send(raw));
  trySend(() => attacker.sendBinary(Buffer.from([1, 2, 3])));

  // The app socket: the same for app types, then malformed frames and a binary frame.
  for (const type of APP_TYPES) {
    trySend(() => aconn.send({ type }));
    for (const v of VALUES) trySend(() => aconn.send(hostile(type, v)));
  }
  for (const raw of RAW_FRAMES) trySend(() => aconn.ws.send(raw));
  trySend(() => aconn.ws.send(Buffer.from([0xde, 0xad]), { binary: true }));

  // Every plugin route with garbage bodies, as the attacker.
  const token = host.token('attacker@example.com');
  const routes = [['POST', '/api/client/device/state'], ['POST', '/api/client/audio/configure'],
    ['POST', '/api/client/user/settings'], ['PUT', '/api/client/user/settings'],
    ['PUT', '/api/client/user/settings/key/k'], ['DELETE', '/api/client/user/settings/key/%00'],
    ['GET', '/api/client/user/settings/key/..%2F..'], ['POST', '/appsettings/com.e2e.attacker'],
    ['POST', '/appsettings/%2e%2e'], ['GET', '/appsettings/user/com.e2e.attacker'],
    ['POST', `/apps/${'a'.repeat(3000)}/start`], ['POST', '/apps/%00/stop'], ['POST', '/api/apps/%zz/start'],
    ['GET', '/api/client/apps']];
  const serverErrors = [];
  for (const [method, path] of routes) {
    for (const body of method === 'GET' ? [undefined] : REST_BODIES) {
      const res = await fetch(host.url + path, {
        method, body, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        signal: AbortSignal.timeout(15000),
      });
      const text = await res.text();
      if (res.status >= 500 && res.status !== 503) serverErrors.push(`${method} ${path} ${String(body).slice(0, 40)} → ${res.status} ${text.slice(0, 120)}`);
      if (res.status >= 400) {
        let parsed;
        try { parsed = JSON.parse(text); } catch { parsed = undefined; }
        assert.equal(typeof parsed, 'object', `${method} ${path}: error body is not JSON: ${text.slice(0, 200)}`);
      }
    }
  }
  assert.deepEqual(serverErrors, [], 'a plugin route failed on bad input instead of answering 4xx');

  // Errors came back in the protocol's own shapes.
  assert.ok(attacker.find((m) => m.type === 'connection_error' && m.code === 'MALFORMED_MESSAGE'),
    'the phone got no connection_error MALFORMED_MESSAGE for its malformed frames');
  assert.ok(aconn.find((m) => m.type === 'tpa_connection_error' && m.code === 'MALFORMED_MESSAGE') || aconn.closeInfo,
    'the app got no tpa_connection_error MALFORMED_MESSAGE');

  // The victim never heard of the attacker, and still works.
  assert.equal(victim.find((m) => JSON.stringify(m).includes('com.e2e.attacker')), undefined,
    'the attacker\'s traffic reached the victim\'s phone');
  assert.equal(vconn.find((m) => JSON.stringify(m).includes('attacker@example.com')), undefined,
    'the attacker\'s traffic reached the victim\'s app');
  const mark = vconn.messages.length;
  victim.send(buttonPress('after'));
  await vconn.waitFor((m) => m.type === 'data_stream' && m.data?.buttonId === 'after', { since: mark, timeoutMs: 5000 });
  // And the attacker's own phone is still served (it answers pings with pongs).
  const at = attacker.mark();
  trySend(() => attacker.send({ type: 'ping' }));
  if (attacker.ws.readyState === 1) await attacker.waitFor((m) => m.type === 'pong', { since: at, timeoutMs: 5000 });
  const health = await host.get('/health');
  assert.equal(health.status === 200 || health.status === 503, true, `/health answered ${health.status}`);
}, { timeout: 180000 });
