// Settings with an unmodified @mentra/sdk 2.1.29 AppServer (protocol.md §5.2, §7.8, §9.10):
// the ack's mentraosSettings reach the SDK's settings API; a REST change of a user setting
// reaches an app that subscribed to augmentos:<key> (the only way 2.1.29 gets such updates);
// a phone's app-setting change reaches the SDK's app settings and settings.fetch().
import assert from 'node:assert/strict';
import { scenario } from './lib/scenario.mjs';
import { repeatUntil } from './lib/util.mjs';
import { startApp } from './lib/events.mjs';

const USER = 'alice@example.com';

async function startedApp(s, packageName, onSession) {
  const app = await s.sdkApp({ packageName, onSession });
  const host = await s.host({ apps: [app.registryEntry({ permissions: ['MICROPHONE'] })] });
  return { app, host, rec: app.recorder };
}

scenario('mentraosSettings from the ack and augmentos:<key> updates reach the SDK settings API', async (s) => {
  const PKG = 'com.e2e.settings';
  const { app, host, rec } = await startedApp(s, PKG, (session, sessionId, userId, { recorder }) => {
    // What the ack delivered, read the way app code does.
    recorder.push('initial', {
      metric: session.settings.getMentraosSetting('metricSystemEnabled'),
      brightness: session.settings.getMentraOS('brightness'),
      timezone: session.settings.getMentraOS('userTimezone'),
      headUpAngle: session.settings.getMentraOS('headUpAngle'),
    });
    session.settings.onMentraosSettingChange('headUpAngle', (value, old) => recorder.push('headUpAngle', { value, old }));
    // 2.1.29 derives subscriptions from handlers only (§7.8): this one makes the host send
    // augmentos_settings_update to the app; its own handler never fires.
    session.events.on('augmentos:headUpAngle', () => {});
  });

  // Written before the phone exists: the user-settings routes need no session.
  const put = await host.post('/api/client/user/settings', {
    user: USER, body: { settings: { metric_system: true, brightness: 70, timezone: 'Europe/Paris' } },
  });
  assert.equal(put.status, 200, put.text);
  assert.equal(put.json.data.settings.brightness, 70);

  const phone = await s.phone(host, USER);
  phone.send(startApp(PKG));
  await rec.waitFor('session', undefined, { timeoutMs: 10000, what: 'onSession after start_app' });
  const initial = rec.find('initial').data;
  assert.deepEqual(initial, { metric: true, brightness: 70, timezone: 'Europe/Paris', headUpAngle: 45 });

  // The app's subscription_update and the REST call are independent: repeat with a new angle
  // until the SDK's change handler fires.
  let angle = 30;
  const changed = await repeatUntil(async () => {
    angle += 1;
    const res = await host.post('/api/client/user/settings', { user: USER, body: { settings: { head_up_angle: angle } } });
    assert.equal(res.status, 200, res.text);
  }, () => rec.find('headUpAngle'), {
    timeoutMs: 10000, what: 'onMentraosSettingChange("headUpAngle") after a REST change', describe: () => rec.describe(),
  });
  assert.equal(typeof changed.data.value, 'number');
  assert.ok(changed.data.value > 30 && changed.data.value <= angle, JSON.stringify(changed.data));
  const session = [...app.sessions.values()][0];
  assert.equal(session.settings.getMentraOS('metricSystemEnabled'), true, 'the rest of the object is kept');
  assert.equal(session.settings.getMentraOS('brightness'), 70);

  const unknown = rec.all('error').filter((e) => /Unrecognized message type/.test(e.data.message));
  assert.deepEqual(unknown, [], 'the host sent message types 2.1.29 does not understand');
});

scenario('an app setting changed by the phone reaches the SDK app settings and settings.fetch()', async (s) => {
  const PKG = 'com.e2e.appsettings';
  const { app, host, rec } = await startedApp(s, PKG, (session, sessionId, userId, { recorder }) => {
    session.settings.onValueChange('units', (value, old) => recorder.push('units', { value, old }));
  });
  const phone = await s.phone(host, USER);
  phone.send(startApp(PKG));
  await rec.waitFor('session', undefined, { timeoutMs: 10000, what: 'onSession after start_app' });

  const res = await host.post(`/appsettings/${PKG}`, { user: USER, body: { key: 'units', value: 'metric' } });
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(res.json, { success: true, message: 'Settings updated successfully' });
  const changed = await rec.waitFor('units', undefined, { timeoutMs: 5000, what: 'settings.onValueChange("units")' });
  assert.equal(changed.data.value, 'metric');

  const session = [...app.sessions.values()][0];
  assert.equal(session.settings.get('units'), 'metric');
  const fetched = await session.settings.fetch();   // GET /appsettings/user/:pkg, Bearer <userId>
  assert.deepEqual(fetched.map(({ key, value }) => ({ key, value })), [{ key: 'units', value: 'metric' }]);
});
