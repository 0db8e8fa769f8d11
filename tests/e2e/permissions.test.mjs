// protocol.md §7.6 with SDK 2.1.29: an app registered without MICROPHONE that registers
// onTranscription and onButtonPress is told (permission_error → the SDK's permission_error and
// permission_denied events) that transcription:en-US was rejected, stays connected, and still gets
// button presses — but no transcription.
import assert from 'node:assert/strict';
import { scenario } from './lib/scenario.mjs';
import { repeatUntil, sleep } from './lib/util.mjs';
import { buttonPress, localTranscription, startApp } from './lib/events.mjs';

const PKG = 'com.e2e.nomic';
const USER = 'bob@example.com';

scenario('permissions: transcription without MICROPHONE → permission_denied; button presses still arrive', async (s) => {
  const app = await s.sdkApp({
    packageName: PKG,
    onSession(session, sessionId, userId, { recorder }) {
      session.events.onPermissionError((e) => recorder.push('permission_error', e));
      session.events.onPermissionDenied((e) => recorder.push('permission_denied', e));
      session.events.onTranscription((d) => recorder.push('transcription', d));
      session.events.onButtonPress((d) => recorder.push('button', d));
    },
  });
  const rec = app.recorder;
  const host = await s.host({ apps: [app.registryEntry({ permissions: [] })] });
  const phone = await s.phone(host, USER);

  phone.send(startApp(PKG));
  await rec.waitFor('session', undefined, { timeoutMs: 10000, what: 'onSession after start_app' });

  const denied = await rec.waitFor('permission_denied', undefined, {
    timeoutMs: 10000, what: 'a permission_denied event for transcription:en-US (host → permission_error)',
  });
  assert.equal(denied.data.stream, 'transcription:en-US');
  assert.equal(denied.data.requiredPermission, 'MICROPHONE');
  assert.equal(typeof denied.data.message, 'string');
  const error = rec.find('permission_error');
  assert.ok(error, 'the SDK also raised permission_error');
  assert.ok(Array.isArray(error.data.details) && error.data.details.some((d) => d.stream === 'transcription:en-US'),
    `permission_error details name the rejected stream: ${JSON.stringify(error.data)}`);
  for (const d of rec.all('permission_denied')) {
    assert.match(d.data.stream, /^transcription/, `only transcription is rejected, not ${d.data.stream}`);
  }

  // The allowed subset (button_press) is kept.
  const press = await repeatUntil(() => phone.send(buttonPress('main', 'long')), () => rec.find('button'), {
    timeoutMs: 10000, what: 'button presses to reach the app without MICROPHONE', describe: () => rec.describe(),
  });
  assert.equal(press.data.buttonId, 'main');
  assert.equal(press.data.pressType, 'long');

  // Transcription is not delivered.
  phone.send(localTranscription('secret words'));
  phone.send(buttonPress('after-transcription'));   // sent after it on the same socket
  await rec.waitFor('button', (d) => d.buttonId === 'after-transcription', { timeoutMs: 5000 });
  await sleep(300);
  assert.equal(rec.count('transcription'), 0, 'an app without MICROPHONE received a transcription');

  // Rejection does not disconnect (§7.6: keep the allowed subset, no close).
  assert.equal(rec.count('disconnected'), 0, 'the app socket was closed');
  assert.equal(rec.count('stop'), 0, 'onStop ran');
});
