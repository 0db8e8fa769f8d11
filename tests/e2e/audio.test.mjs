// protocol.md §1 G10/G11, §7.5, §9.1, §9.13 with an unmodified @mentra/sdk 2.1.29 AppServer:
// the phone's microphone follows the app's audio handler, the phone's PCM reaches
// session.events.onAudioChunk byte for byte, LC3 (encoded with liblc3's elc3, announced through
// POST /api/client/audio/configure) arrives decoded, and session.audio.playAudio resolves with the
// phone's audio_play_response.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { scenario } from './lib/scenario.mjs';
import { poll } from './lib/util.mjs';
import { startApp, stopApp } from './lib/events.mjs';

const USER = 'alice@example.com';
const RATE = 16000;

const micChange = (on) => (m) => m.type === 'microphone_state_change' && m.isMicrophoneEnabled === on;

// s16le mono samples of a tone.
function tone(samples, hz, amplitude) {
  const buf = Buffer.alloc(samples * 2);
  for (let i = 0; i < samples; i++) buf.writeInt16LE(Math.round(amplitude * Math.sin(2 * Math.PI * hz * i / RATE)), i * 2);
  return buf;
}

// LC3 frames of `pcm` (16 kHz, 10 ms, `frameBytes` each) from liblc3's own encoder (elc3,
// Debian liblc3-tools): a WAV in, its .lc3 file (18-byte header, then [u16 size][frame]...) out.
function lc3Frames(pcm, frameBytes) {
  const dir = fs.mkdtempSync(path.join(process.env.TMPDIR || os.tmpdir(), 'glasshub-lc3-'));
  try {
    const header = Buffer.alloc(44);
    header.write('RIFF', 0); header.writeUInt32LE(36 + pcm.length, 4); header.write('WAVE', 8);
    header.write('fmt ', 12); header.writeUInt32LE(16, 16); header.writeUInt16LE(1, 20);
    header.writeUInt16LE(1, 22); header.writeUInt32LE(RATE, 24); header.writeUInt32LE(RATE * 2, 28);
    header.writeUInt16LE(2, 32); header.writeUInt16LE(16, 34); header.write('data', 36);
    header.writeUInt32LE(pcm.length, 40);
    fs.writeFileSync(path.join(dir, 'in.wav'), Buffer.concat([header, pcm]));
    const bitrate = frameBytes * 8 * 100;
    try {
      execFileSync('elc3', ['-b', String(bitrate), path.join(dir, 'in.wav'), path.join(dir, 'out.lc3')], { stdio: 'pipe' });
    } catch (err) {
      throw new Error(`elc3 (Debian package liblc3-tools, scripts/install-deps.sh) failed: ${err.message}`);
    }
    const file = fs.readFileSync(path.join(dir, 'out.lc3'));
    assert.equal(file.readUInt16LE(0), 0xcc1c, 'not an LC3 file from elc3');
    const frames = [];
    for (let at = file.readUInt16LE(2); at + 2 <= file.length;) {
      const size = file.readUInt16LE(at);
      frames.push(file.subarray(at + 2, at + 2 + size));
      at += 2 + size;
    }
    for (const f of frames) assert.equal(f.length, frameBytes, 'elc3 made frames of another size');
    return frames;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// Best normalized correlation of `got` against `want` delayed by 0..maxLag samples.
function bestCorrelation(want, got, maxLag) {
  const w = (i) => want.readInt16LE(i * 2);
  const g = (i) => got.readInt16LE(i * 2);
  const n = Math.min(want.length, got.length) / 2;
  let best = -1;
  for (let lag = 0; lag <= maxLag; lag++) {
    let xy = 0; let xx = 0; let yy = 0;
    for (let i = lag + 800; i < n; i++) {
      const x = w(i - lag); const y = g(i);
      xy += x * y; xx += x * x; yy += y * y;
    }
    if (xx > 0 && yy > 0) best = Math.max(best, xy / Math.sqrt(xx * yy));
  }
  return best;
}

scenario('audio: the mic follows onAudioChunk; PCM arrives intact and LC3 decoded; app stop turns the mic off', async (s) => {
  const PKG = 'com.e2e.audio';
  const chunks = [];   // every Buffer onAudioChunk got, in order
  const app = await s.sdkApp({
    packageName: PKG,
    onSession(session, sessionId, userId, { recorder }) {
      session.events.onAudioChunk((chunk) => {
        const bytes = Buffer.from(chunk.arrayBuffer);
        chunks.push(bytes);
        recorder.push('audio', { bytes: bytes.length });
      });
    },
  });
  const host = await s.host({ apps: [app.registryEntry({ permissions: ['MICROPHONE'], appType: 'standard' })] });
  const phone = await s.phone(host, USER);

  // G10: the app's onAudioChunk handler subscribes audio_chunk; the phone is told to send PCM.
  const mark = phone.mark();
  phone.send(startApp(PKG));
  await app.recorder.waitFor('session', undefined, { timeoutMs: 10000, what: 'onSession after start_app' });
  const on = await phone.waitFor(micChange(true), { since: mark, timeoutMs: 5000, what: 'microphone_state_change on' });
  assert.equal(on.sessionId, USER);
  assert.deepEqual(on.requiredData, ['pcm']);
  assert.equal(on.bypassVad, true, 'an app wants raw audio_chunk: bypassVad');

  // G11, PCM (the format until the phone configures another): same bytes, same lengths.
  const pcm = [crypto.randomBytes(640), crypto.randomBytes(2), tone(1600, 440, 6000)];
  for (const c of pcm) phone.sendBinary(c);
  await poll(() => chunks.length >= pcm.length, { timeoutMs: 5000, what: 'three PCM chunks in onAudioChunk', describe: () => app.describe() });
  assert.equal(chunks.length, pcm.length, 'more chunks than the phone sent');
  pcm.forEach((c, i) => assert.ok(chunks[i].equals(c), `chunk ${i} differs (${chunks[i].length} bytes vs ${c.length})`));

  // G11, LC3 as the 2026-03 phone sends it: configured over REST with its JWT, 60-byte frames.
  const configured = await host.post('/api/client/audio/configure', {
    user: USER, body: { format: 'lc3', lc3Config: { sampleRate: 16000, frameDurationMs: 10, frameSizeBytes: 60 } },
  });
  assert.equal(configured.status, 200, configured.text);
  assert.equal(configured.json.success, true);
  assert.equal(configured.json.format, 'lc3');
  assert.deepEqual(configured.json.lc3Config, { sampleRate: 16000, frameDurationMs: 10, frameSizeBytes: 60 });

  const signal = tone(RATE, 440, 8000);   // one second
  const frames = lc3Frames(signal, 60);
  const before = chunks.length;
  for (let i = 0; i < frames.length; i += 5) phone.sendBinary(Buffer.concat(frames.slice(i, i + 5)));
  const expectedBytes = frames.length * 320;   // 160 samples per 10 ms frame
  const decodedBytes = () => chunks.slice(before).reduce((n, c) => n + c.length, 0);
  await poll(() => decodedBytes() >= expectedBytes, { timeoutMs: 5000, what: `${expectedBytes} bytes of decoded PCM`, describe: () => app.describe() });
  assert.equal(decodedBytes(), expectedBytes);
  for (const c of chunks.slice(before)) assert.equal(c.length % 320, 0, 'a chunk that is not whole 10 ms frames');
  const decoded = Buffer.concat(chunks.slice(before));
  const corr = bestCorrelation(signal, decoded, 600);
  assert.ok(corr > 0.9, `decoded audio does not look like the tone (best correlation ${corr.toFixed(3)})`);

  // App stop drops its subscriptions: mic off after the 100 ms debounce and the 3 s hold-down.
  const stopMark = phone.mark();
  const stoppedAt = Date.now();
  phone.send(stopApp(PKG));
  await app.recorder.waitFor('stop', undefined, { timeoutMs: 10000, what: 'onStop after stop_app' });
  const off = await phone.waitFor(micChange(false), { since: stopMark, timeoutMs: 8000, what: 'microphone_state_change off' });
  assert.ok(Date.now() - stoppedAt >= 3000, 'the mic went off before the 3 s hold-down');
  assert.deepEqual(off.requiredData, []);
  assert.equal(off.bypassVad, false);

  const unknown = app.recorder.all('error').filter((e) => /Unrecognized message type/.test(e.data.message));
  assert.deepEqual(unknown, [], 'the host sent the SDK message types it does not understand');
});

scenario('audio: session.audio.playAudio resolves with the phone\'s audio_play_response', async (s) => {
  const PKG = 'com.e2e.speaker';
  let session;
  const app = await s.sdkApp({
    packageName: PKG,
    onSession(sess) { session = sess; },
  });
  const host = await s.host({ apps: [app.registryEntry({ permissions: [], appType: 'standard' })] });
  const phone = await s.phone(host, USER);
  phone.send(startApp(PKG));
  await app.recorder.waitFor('session', undefined, { timeoutMs: 10000, what: 'onSession after start_app' });

  // The scripted phone plays whatever it is asked and answers.
  const mark = phone.mark();
  const played = session.audio.playAudio({ audioUrl: 'https://example.com/chime.mp3', volume: 0.7 });
  const request = await phone.waitForType('audio_play_request', { since: mark, timeoutMs: 5000 });
  assert.equal(request.sessionId, USER);
  assert.equal(request.packageName, PKG);
  assert.equal(request.audioUrl, 'https://example.com/chime.mp3');
  assert.equal(request.volume, 0.7);
  assert.equal(request.stopOtherAudio, true);
  assert.ok(!('trackId' in request), 'trackId was forwarded to the phone');
  assert.match(request.requestId, /^audio_req_/);
  phone.send({ type: 'audio_play_response', requestId: request.requestId, success: true, error: null, duration: 2.5 });

  const result = await played;
  assert.equal(result.success, true);
  assert.equal(result.duration, 2.5);
  assert.equal(result.error, null);

  // stopAudio reaches the phone as audio_stop_request with the app's package as appId.
  const stopMark = phone.mark();
  session.audio.stopAudio(1);
  const stop = await phone.waitForType('audio_stop_request', { since: stopMark, timeoutMs: 5000 });
  assert.equal(stop.appId, PKG);
  assert.ok(!('trackId' in stop));
});
