// Small helpers shared by the e2e harness: timing, ports, and readable failure messages.
import net from 'node:net';

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// A port that was free a moment ago on 127.0.0.1 (bind to 0, read it, close). The host needs its
// port before it starts because server.publicWsUrl (handed to apps in webhooks) contains it.
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

// One line per message, long ones cut, so a timeout names what did arrive.
export function describeMessages(messages, { max = 40, width = 300 } = {}) {
  if (messages.length === 0) return '  (nothing)';
  const shown = messages.slice(-max).map((m) => {
    const text = typeof m === 'string' ? m : JSON.stringify(m);
    return '  ' + (text.length > width ? text.slice(0, width) + '…' : text);
  });
  const skipped = messages.length - shown.length;
  return (skipped > 0 ? `  (${skipped} earlier not shown)\n` : '') + shown.join('\n');
}

export function tail(text, max = 6000) {
  return text.length <= max ? text : '…' + text.slice(text.length - max);
}

// Resolves with the first value `check()` returns that is not undefined/false; rejects after
// timeoutMs with `describe()` appended. Used by every waitFor in the harness.
export async function poll(check, { timeoutMs = 5000, intervalMs = 20, what = 'condition', describe } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false && value !== null) return value;
    if (Date.now() >= deadline) {
      const details = describe ? '\n' + describe() : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${details}`);
    }
    await sleep(intervalMs);
  }
}

// Repeats `action` every intervalMs until `check()` yields a value (the race between an app's
// subscription_update and a phone event travelling on another socket is not ordered, so the
// first event may legitimately be sent before the host applied the subscription).
export async function repeatUntil(action, check, { timeoutMs = 10000, intervalMs = 300, what = 'condition', describe } = {}) {
  const deadline = Date.now() + timeoutMs;
  let next = 0;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false && value !== null) return value;
    const now = Date.now();
    if (now >= deadline) {
      const details = describe ? '\n' + describe() : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (action repeated every ${intervalMs} ms)${details}`);
    }
    if (now >= next) {
      await action();
      next = now + intervalMs;
    }
    await sleep(20);
  }
}

export function isoNow() {
  return new Date().toISOString();
}
