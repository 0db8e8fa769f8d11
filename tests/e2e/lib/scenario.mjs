// scenario(name, fn): a node:test test whose context owns every host, phone and app it creates.
// On failure the error message gets each host's output and each app's record appended; whatever
// happens, everything is closed (phones, then apps, then hosts) and a host that crashed or exited
// badly fails the test.
import { test } from 'node:test';
import { GlasshubHost } from './host.mjs';
import { Phone } from './phone.mjs';
import { FakeApp } from './fakeApp.mjs';
import { startSdkApp } from './sdkApp.mjs';
import { describeMessages, tail } from './util.mjs';

class Scenario {
  constructor(name) {
    this.name = name;
    this.hosts = [];
    this.phones = [];
    this.fakeApps = [];
    this.sdkApps = [];
  }

  async host(options) {
    const host = new GlasshubHost(options);
    this.hosts.push(host);
    await host.start();
    return host;
  }

  // A phone that is connected and has its connection_ack.
  async phone(host, email, options) {
    const phone = new Phone(host, email, options);
    this.phones.push(phone);
    await phone.open();
    await phone.waitForType('connection_ack', { timeoutMs: 5000 });
    return phone;
  }

  async fakeApp(options) {
    const app = await FakeApp.start(options);
    this.fakeApps.push(app);
    return app;
  }

  async sdkApp(options) {
    const app = await startSdkApp(options);
    this.sdkApps.push(app);
    return app;
  }

  diagnostics() {
    const parts = [];
    for (const phone of this.phones) {
      parts.push(`${phone.label} received (pings left out)${phone.closeInfo ? `, closed ${JSON.stringify(phone.closeInfo)}` : ''}:\n` +
        describeMessages(phone.received(), { max: 30 }));
    }
    for (const app of this.fakeApps) parts.push(app.describe());
    for (const app of this.sdkApps) parts.push(app.describe());
    for (const host of this.hosts) parts.push(tail(host.output(), 12000) + `\n(host folder: ${host.dir})`);
    return parts.join('\n\n');
  }

  async cleanup({ keepDirs }) {
    const quietly = async (fn) => { try { await fn(); } catch { /* best effort */ } };
    for (const p of this.phones) await quietly(() => p.close());
    for (const a of this.sdkApps) await quietly(() => a.close());
    for (const a of this.fakeApps) await quietly(() => a.close());
    const problems = [];
    for (const h of this.hosts) {
      await quietly(() => h.stop());
      problems.push(...h.problems());
      if (!keepDirs && !problems.length) h.removeDir();
    }
    return problems;
  }
}

export function scenario(name, fn, { timeout = 60000 } = {}) {
  return test(name, { timeout }, async () => {
    const s = new Scenario(name);
    let failure = null;
    try {
      await fn(s);
    } catch (err) {
      failure = err;
    }
    const problems = await s.cleanup({ keepDirs: !!failure || !!process.env.GLASSHUB_KEEP_TEST_DIRS });
    if (!failure && problems.length) failure = new Error(problems.join('\n'));
    if (failure) {
      const extra = `\n\n===== diagnostics for "${name}" =====\n${problems.join('\n')}\n${s.diagnostics()}`;
      if (failure instanceof Error) {
        failure.message += extra;
        throw failure;
      }
      throw new Error(String(failure) + extra);
    }
    if (process.env.GLASSHUB_TEST_VERBOSE) console.error(s.diagnostics());
  });
}
