// A glasshub process for one test: its own temp folder (config, logs, optional SQLite file), a port
// chosen before start (server.publicWsUrl must name it), output collected for failure messages,
// SIGTERM on stop, SIGKILL if the test process dies first. restart() keeps the config and the
// SQLite file, so persisted state (running apps) survives like a real host restart.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, sleep, tail } from './util.mjs';
import { mintCoreToken } from './token.mjs';

export const JWT_SECRET = 'e2e-jwt-secret';
export const ADMIN_TOKEN = 'e2e-admin-token';

const here = path.dirname(fileURLToPath(import.meta.url));
export const SOURCE_DIR = process.env.GLASSHUB_SOURCE_DIR || path.resolve(here, '../../..');

// GLASSHUB_BIN (set by CTest, tests/CMakeLists.txt) or, for a quick run by hand, the debug build.
export function glasshubBin() {
  const fromEnv = process.env.GLASSHUB_BIN;
  if (fromEnv) return fromEnv;
  const preset = process.env.GLASSHUB_TEST_PRESET || 'debug';
  const guess = path.join(SOURCE_DIR, 'build', preset, 'bin', 'glasshub');
  if (fs.existsSync(guess)) return guess;
  throw new Error(`GLASSHUB_BIN is not set and ${guess} does not exist: build first ` +
    '(cmake --preset debug && cmake --build --preset debug) or run through ctest');
}

// The build tree's manifest (build/<preset>/plugin-manifest.json, next to bin/), or
// GLASSHUB_MANIFEST.
export function manifestPath() {
  if (process.env.GLASSHUB_MANIFEST) return process.env.GLASSHUB_MANIFEST;
  return path.resolve(path.dirname(glasshubBin()), '..', 'plugin-manifest.json');
}

// Variables the host reads as overrides: scrubbed so a developer's shell cannot change a test.
const SCRUBBED = new Set(['PORT', 'HOST', 'CORS_ORIGINS', 'PUBLIC_WS_URL', 'ADMIN_TOKEN',
  'CLOUD_PUBLIC_HOST_NAME', 'GLASSES_HEARTBEAT_MS', 'PONG_TIMEOUT_MS', 'PONG_TIMEOUT_ENABLED',
  'SESSION_GRACE_PERIOD_MS', 'SESSION_GRACE_CLEANUP_ENABLED', 'APP_SESSION_TIMEOUT_MS',
  'APP_GRACE_PERIOD_MS', 'APP_SUBSCRIPTION_GRACE_MS', 'SQLITE_PATH', 'LOG_LEVEL']);

function childEnv() {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (SCRUBBED.has(k) || k.startsWith('GLASSHUB_') || k.startsWith('AUGMENTOS_') || k.startsWith('MENTRAOS_')) continue;
    env[k] = v;
  }
  return env;
}

const isPlainObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

// JSON merge patch (RFC 7386 without null-deletes): objects merge, everything else replaces.
export function mergeConfig(base, patch) {
  const out = { ...base };
  for (const [k, v] of Object.entries(patch || {})) {
    out[k] = isPlainObject(v) && isPlainObject(out[k]) ? mergeConfig(out[k], v) : v;
  }
  return out;
}

// Every live child is killed if the test process exits without stopping it.
const live = new Set();
process.on('exit', () => {
  for (const child of live) {
    try { child.kill('SIGKILL'); } catch { /* already gone */ }
  }
});

const LISTENING = /glasshub listening on (\S+):(\d+)/;

export class GlasshubHost {
  // apps: registry entries (docs/configuration.md `apps`); config: merge patch over the test
  // defaults; sqlite: true for a file in the temp folder (needed for restart), else ":memory:".
  constructor({ apps = [], config = {}, sqlite = false, name = 'host' } = {}) {
    this.name = name;
    this.apps = apps;
    this.patch = config;
    this.dir = fs.mkdtempSync(path.join(process.env.TMPDIR || os.tmpdir(), 'glasshub-e2e-'));
    this.sqlitePath = sqlite ? path.join(this.dir, 'glasshub.sqlite3') : ':memory:';
    this.runs = [];          // { child, log: string[], exit: Promise<{code, signal}>, exited }
    this.port = 0;
    this.stopping = false;
  }

  static async start(options) {
    const host = new GlasshubHost(options);
    await host.start();
    return host;
  }

  get url() { return `http://127.0.0.1:${this.port}`; }
  get publicWsUrl() { return `ws://127.0.0.1:${this.port}/app-ws`; }
  wsUrl(pathname) { return `ws://127.0.0.1:${this.port}${pathname}`; }
  get current() { return this.runs[this.runs.length - 1]; }
  get running() { return !!this.current && !this.current.exited; }

  configFor(port) {
    const base = {
      server: {
        host: '127.0.0.1', port, publicWsUrl: `ws://127.0.0.1:${port}/app-ws`,
        adminToken: ADMIN_TOKEN, threads: 2, drainTimeoutMs: 1000,
      },
      auth: { jwtSecret: JWT_SECRET },
      storage: { sqlitePath: this.sqlitePath },
      logging: { level: process.env.GLASSHUB_E2E_LOG_LEVEL || 'info', format: 'text' },
      apps: this.apps,
    };
    return mergeConfig(base, this.patch);
  }

  // Starts (or restarts) the process; keeps the previous port when it can.
  async start({ port } = {}) {
    if (this.running) throw new Error(`${this.name} is already running`);
    let wanted = port ?? (this.port || await freePort());
    for (let attempt = 1; ; attempt++) {
      try {
        await this.spawnOnce(wanted);
        return this;
      } catch (err) {
        const bindTrouble = /in use|bind|EADDRINUSE/i.test(err.message);
        if (!bindTrouble || attempt >= 3) throw err;
        wanted = await freePort();
      }
    }
  }

  async spawnOnce(port) {
    this.config = this.configFor(port);
    const configFile = path.join(this.dir, 'config.json');
    fs.writeFileSync(configFile, JSON.stringify(this.config, null, 2));
    const args = ['--config', configFile, '--manifest', manifestPath()];
    const child = spawn(glasshubBin(), args, { env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    live.add(child);
    const run = { child, log: [], exited: null, index: this.runs.length + 1 };
    const logFile = fs.createWriteStream(path.join(this.dir, `output-${run.index}.txt`));
    const collect = (chunk) => { run.log.push(chunk.toString('utf8')); logFile.write(chunk); };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    run.exit = new Promise((resolve) => {
      child.on('error', (err) => { run.log.push(`\n[harness] spawn error: ${err.message}\n`); });
      child.on('close', (code, signal) => {
        live.delete(child);
        run.exited = { code, signal, expected: this.stopping };
        logFile.end();
        resolve(run.exited);
      });
    });
    this.runs.push(run);
    this.stopping = false;

    const deadline = Date.now() + 20000;  // a first start under sanitizers can take seconds
    for (;;) {
      const m = LISTENING.exec(run.log.join(''));
      if (m) {
        this.port = Number(m[2]);
        return;
      }
      if (run.exited) {
        throw new Error(`glasshub exited (code ${run.exited.code}, signal ${run.exited.signal}) before listening; ` +
          `command: ${glasshubBin()} ${args.join(' ')}\noutput:\n${tail(run.log.join(''))}`);
      }
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`glasshub did not print 'glasshub listening on' within 20 s; output:\n${tail(run.log.join(''))}`);
      }
      await sleep(10);
    }
  }

  // SIGTERM, SIGKILL after graceMs. Resolves with { code, signal, expected }.
  async stop({ graceMs = 8000 } = {}) {
    const run = this.current;
    if (!run) return null;
    if (run.exited) return run.exited;
    this.stopping = true;
    run.child.kill('SIGTERM');
    const timer = setTimeout(() => run.child.kill('SIGKILL'), graceMs);
    const status = await run.exit;
    clearTimeout(timer);
    return status;
  }

  async restart(options = {}) {
    await this.stop(options);
    return this.start();
  }

  // Exits the test should hear about: a crash before stop(), or a non-zero status after SIGTERM.
  problems() {
    const out = [];
    for (const run of this.runs) {
      if (!run.exited) continue;
      const { code, signal, expected } = run.exited;
      if (!expected) out.push(`${this.name} run ${run.index} exited on its own (code ${code}, signal ${signal})`);
      else if (code !== 0) out.push(`${this.name} run ${run.index} exited with code ${code}, signal ${signal} after SIGTERM`);
    }
    return out;
  }

  removeDir() {
    if (!this.running) fs.rmSync(this.dir, { recursive: true, force: true });
  }

  output() {
    return this.runs.map((r) => `--- ${this.name} run ${r.index} ---\n${r.log.join('')}`).join('\n');
  }

  token(email) { return mintCoreToken(email, JWT_SECRET); }

  // HTTP to the host; `token` is a user email (a core JWT is minted) or {bearer: '...'}.
  async request(method, pathname, { user, bearer, body, headers = {} } = {}) {
    const h = { ...headers };
    if (user) h.authorization = `Bearer ${this.token(user)}`;
    if (bearer) h.authorization = `Bearer ${bearer}`;
    if (body !== undefined) h['content-type'] = 'application/json';
    const res = await fetch(this.url + pathname, {
      method, headers: h, body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(15000),
    });
    const text = await res.text();
    let json;
    try { json = JSON.parse(text); } catch { json = undefined; }
    return { status: res.status, text, json, headers: res.headers };
  }

  get(pathname, options) { return this.request('GET', pathname, options); }
  post(pathname, options) { return this.request('POST', pathname, options); }
}
