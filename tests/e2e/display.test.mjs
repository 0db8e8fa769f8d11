// protocol.md G14 and §8 with an unmodified @mentra/sdk 2.1.29 AppServer: the app's
// session.layouts.showTextWall() reaches the scripted phone as a display_event with `view` and the
// layout, after the boot screen of its start. With the display plugin disabled in the manifest, the
// SDK's error handler hears that display_event is not supported, its socket stays open and button
// presses still arrive.
import assert from 'node:assert/strict';
import { manifestWith, hostWithManifest } from './lib/manifest.mjs';
import { scenario } from './lib/scenario.mjs';
import { repeatUntil } from './lib/util.mjs';
import { buttonPress, startApp } from './lib/events.mjs';

const PKG = 'com.e2e.display';
const USER = 'display@example.com';

// protocol.md G4, the test-client form: the glasses are there (display_events are dropped
// while they are not).
const glassesConnected = (modelName = 'Simulated Glasses') => ({
  type: 'glasses_connection_state', status: 'CONNECTED', modelName,
  wifi: { connected: false, ssid: null }, timestamp: new Date().toISOString(),
});

// A copy of the build's manifest with the display entry changed by `edit`.
const manifestWithDisplay = (edit) => manifestWith({ display: edit });

scenario('showTextWall reaches the phone as a display_event with view and layout, after the boot screen', async (s) => {
  const app = await s.sdkApp({
    packageName: PKG,
    onSession(session) {
      session.layouts.showTextWall('hello');
    },
  });
  const rec = app.recorder;
  const host = await s.host({ apps: [app.registryEntry({ appType: 'standard', name: 'Display E2E' })] });
  const phone = await s.phone(host, USER);
  phone.send(glassesConnected());
  const mark = phone.mark();
  phone.send(startApp(PKG));

  await rec.waitFor('session', undefined, { timeoutMs: 10000, what: 'onSession after start_app' });
  const isHello = (m) => m.type === 'display_event' && m.layout?.text === 'hello';
  const shown = await phone.waitFor(isHello, { since: mark, timeoutMs: 10000, what: 'the app\'s showTextWall("hello")' });
  assert.equal(shown.view, 'main');
  assert.equal(shown.packageName, PKG);
  assert.deepEqual(shown.layout, { layoutType: 'text_wall', text: 'hello' });

  // The boot screen of the start came first (§8.2), from the system dashboard package.
  const displays = phone.received({ since: mark }).filter((m) => m.type === 'display_event');
  const boot = displays[0];
  assert.equal(boot.view, 'main');
  assert.deepEqual(boot.layout, { layoutType: 'reference_card', title: '// MentraOS - Starting App', text: 'Display E2E' });
  assert.equal(displays.filter(isHello).length, 1, 'hello reached the phone once');

  assert.deepEqual(rec.all('error'), [], 'the SDK reported no error');
});

for (const [label, edit] of [
  ['enabled: false', (entry) => { entry.enabled = false; }],
  ['disabledHandlers: ["app:display_event"]', (entry) => { entry.disabledHandlers = ['app:display_event']; }],
]) {
  scenario(`display disabled in the manifest (${label}): the SDK's error handler names display_event, the socket stays open, presses still arrive`, async (s) => {
    const manifest = manifestWithDisplay(edit);
    try {
      const app = await s.sdkApp({
        packageName: PKG,
        onSession(session, sessionId, userId, { recorder }) {
          session.events.onButtonPress((d) => recorder.push('button', d));
          session.layouts.showTextWall('hello');
        },
      });
      const rec = app.recorder;
      const host = await hostWithManifest(s, { apps: [app.registryEntry({ appType: 'standard' })] }, manifest.file);
      const phone = await s.phone(host, USER);
      phone.send(glassesConnected());
      phone.send(startApp(PKG));
      await rec.waitFor('session', undefined, { timeoutMs: 10000, what: 'onSession after start_app' });

      // SDK 2.1.29 turns tpa_connection_error into an `error` event (session.events.onError).
      const error = await rec.waitFor('error', (e) => /display_event/.test(e.message), {
        timeoutMs: 5000, what: 'the SDK error handler to report the unsupported display_event',
      });
      assert.match(error.data.message, /display_event/);

      // The socket stays open: presses still reach onButtonPress, no disconnect was seen.
      const press = await repeatUntil(() => phone.send(buttonPress('camera', 'short')), () => rec.find('button'), {
        timeoutMs: 10000, what: 'onButtonPress after the refused display_event', describe: () => rec.describe(),
      });
      assert.equal(press.data.buttonId, 'camera');
      assert.equal(rec.count('disconnected'), 0, 'the app socket was not closed');
      assert.equal(app.session(`${USER}-${PKG}`).ws.readyState, 1, 'the SDK socket is OPEN');
      assert.equal(phone.count((m) => m.type === 'display_event' && m.layout?.text === 'hello'), 0,
        'nothing reached the phone');
    } finally {
      manifest.remove();
    }
  });
}
