// Routing isolation (protocol.md §7.3): a phone's events reach only its own user's subscribed apps.
// Two users run the same app (subscribed to button_press); user A also runs an app that never
// subscribes. A press from A reaches only A's session of the app; B's press only B's; the
// unsubscribed app gets no data_stream at all.
import assert from 'node:assert/strict';
import { scenario } from './lib/scenario.mjs';
import { repeatUntil, sleep } from './lib/util.mjs';
import { appSessionId, buttonPress, startApp } from './lib/events.mjs';

const BUTTONS = 'com.e2e.iso.buttons';
const QUIET = 'com.e2e.iso.quiet';
const ALICE = 'alice@example.com';
const BOB = 'bob@example.com';

scenario('isolation: button presses reach only the pressing user\'s subscribed app', async (s) => {
  const buttons = await s.fakeApp({ packageName: BUTTONS, subscriptions: ['button_press'] });
  const quiet = await s.fakeApp({ packageName: QUIET });   // never sends subscription_update
  const host = await s.host({ apps: [buttons.registryEntry(), quiet.registryEntry()] });
  const alice = await s.phone(host, ALICE);
  const bob = await s.phone(host, BOB);

  alice.send(startApp(BUTTONS));
  alice.send(startApp(QUIET));
  bob.send(startApp(BUTTONS));
  await buttons.waitForConnection(2, { timeoutMs: 8000 });
  await quiet.waitForConnection(1, { timeoutMs: 8000 });
  const aliceApp = buttons.latest(appSessionId(ALICE, BUTTONS));
  const bobApp = buttons.latest(appSessionId(BOB, BUTTONS));
  const quietApp = quiet.latest(appSessionId(ALICE, QUIET));
  assert.ok(aliceApp && bobApp && quietApp, buttons.describe() + '\n' + quiet.describe());

  const pressed = (conn, buttonId) => () => conn.find((m) => m.type === 'data_stream' && m.streamType === 'button_press' && m.data?.buttonId === buttonId);
  const fromAlice = await repeatUntil(() => alice.send(buttonPress('alice-button')), pressed(aliceApp, 'alice-button'), {
    timeoutMs: 10000, what: 'alice\'s press at alice\'s app', describe: () => buttons.describe(),
  });
  assert.equal(fromAlice.sessionId, appSessionId(ALICE, BUTTONS));
  assert.equal(fromAlice.data.type, 'button_press');
  assert.equal(fromAlice.data.pressType, 'short');

  const fromBob = await repeatUntil(() => bob.send(buttonPress('bob-button', 'long')), pressed(bobApp, 'bob-button'), {
    timeoutMs: 10000, what: 'bob\'s press at bob\'s app', describe: () => buttons.describe(),
  });
  assert.equal(fromBob.sessionId, appSessionId(BOB, BUTTONS));
  assert.equal(fromBob.data.pressType, 'long');

  // One more from each after both subscriptions are known to be active, then let things settle.
  alice.send(buttonPress('alice-final'));
  bob.send(buttonPress('bob-final'));
  await aliceApp.waitFor((m) => m.data?.buttonId === 'alice-final');
  await bobApp.waitFor((m) => m.data?.buttonId === 'bob-final');
  await sleep(500);

  const ids = (conn) => conn.dataStreams().map((m) => m.data?.buttonId);
  assert.ok(!ids(bobApp).some((id) => id?.startsWith('alice')), `bob's app got alice's presses: ${ids(bobApp)}`);
  assert.ok(!ids(aliceApp).some((id) => id?.startsWith('bob')), `alice's app got bob's presses: ${ids(aliceApp)}`);
  for (const m of [...aliceApp.dataStreams(), ...bobApp.dataStreams()]) {
    assert.equal(m.streamType, 'button_press', `unexpected stream ${JSON.stringify(m)}`);
  }
  assert.deepEqual(quietApp.dataStreams(), [], 'an app without subscriptions received data_stream messages');
});
