// protocol.md §1 with an unmodified @mentra/sdk 2.1.29 AppServer: the phone starts the app, the
// app's handlers receive a button press, a head position and a (phone-side) transcription, the
// phone stops the app and onStop runs.
import assert from 'node:assert/strict';
import { scenario } from './lib/scenario.mjs';
import { repeatUntil } from './lib/util.mjs';
import { appSessionId, buttonPress, headPosition, localTranscription, startApp, stopApp } from './lib/events.mjs';

const PKG = 'com.e2e.golden';
const USER = 'alice@example.com';

scenario('golden path: start_app → onSession; button, head position, transcription reach the SDK handlers; stop_app → onStop', async (s) => {
  const app = await s.sdkApp({
    packageName: PKG,
    onSession(session, sessionId, userId, { recorder }) {
      session.events.onButtonPress((d) => recorder.push('button', d));
      session.events.onHeadPosition((d) => recorder.push('head', d));
      session.events.onTranscription((d) => recorder.push('transcription', d));
    },
  });
  const rec = app.recorder;
  const host = await s.host({ apps: [app.registryEntry({ permissions: ['MICROPHONE'], appType: 'standard' })] });
  const phone = await s.phone(host, USER);
  const ack = phone.find((m) => m.type === 'connection_ack');
  assert.equal(ack.sessionId, USER);

  // G5–G8: start_app → session_request webhook → app socket, init, ack → onSession.
  const mark = phone.mark();
  phone.send(startApp(PKG));
  const started = await rec.waitFor('session', undefined, {
    timeoutMs: 10000, what: 'onSession (start_app → session_request webhook → /app-ws → tpa_connection_ack)',
  });
  assert.deepEqual(started.data, { sessionId: appSessionId(USER, PKG), userId: USER });
  const hook = await rec.waitFor('webhook', (w) => w.type === 'session_request', { what: 'the SDK to answer the session_request webhook' });
  assert.equal(hook.data.status, 200, 'the SDK answers the webhook 200 after ack + onSession');
  await phone.waitForType('app_state_change', { since: mark, timeoutMs: 5000 });

  // G12: button press.
  const button = await repeatUntil(() => phone.send(buttonPress('camera', 'short')), () => rec.find('button'), {
    timeoutMs: 10000, what: 'onButtonPress to receive the phone\'s button_press', describe: () => rec.describe(),
  });
  assert.equal(button.data.buttonId, 'camera');
  assert.equal(button.data.pressType, 'short');

  // head_position.
  const head = await repeatUntil(() => phone.send(headPosition('down')), () => rec.find('head'), {
    timeoutMs: 10000, what: 'onHeadPosition to receive head_position', describe: () => rec.describe(),
  });
  assert.equal(head.data.position, 'down');

  // G13: the phone's local_transcription reaches onTranscription (stream transcription:en-US).
  const heard = await repeatUntil(() => phone.send(localTranscription('hello world')), () => rec.find('transcription'), {
    timeoutMs: 10000, what: 'onTranscription to receive the phone\'s local_transcription', describe: () => rec.describe(),
  });
  assert.equal(heard.data.text, 'hello world');
  assert.equal(heard.data.isFinal, true);
  assert.equal(heard.data.transcribeLanguage, 'en-US');

  // G16: stop_app → stop_request webhook → onStop.
  const stopMark = phone.mark();
  phone.send(stopApp(PKG));
  const stopped = await rec.waitFor('stop', undefined, { timeoutMs: 10000, what: 'onStop after stop_app' });
  assert.equal(stopped.data.sessionId, appSessionId(USER, PKG));
  assert.equal(stopped.data.userId, USER);
  assert.match(stopped.data.reason, /user_disabled|App stopped/, `onStop reason: ${stopped.data.reason}`);
  await phone.waitForType('app_state_change', { since: stopMark, timeoutMs: 5000 });

  // Nothing the host sent was a type 2.1.29 does not know (e.g. a JSON ping to the app, G15).
  const unknown = rec.all('error').filter((e) => /Unrecognized message type/.test(e.data.message));
  assert.deepEqual(unknown, [], 'the host sent the SDK message types it does not understand');
  assert.equal(rec.count('session'), 1, 'onSession ran once');
});
