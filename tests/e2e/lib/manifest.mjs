// Manifests for one scenario: a copy of the build's plugin-manifest.json with entries edited,
// written to a temp folder (library paths made absolute, as they are relative to the manifest).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { manifestPath } from './host.mjs';

// `edits` maps a plugin name to a function that edits its entry in place.
export function manifestWith(edits) {
  const original = manifestPath();
  const manifest = JSON.parse(fs.readFileSync(original, 'utf8'));
  const seen = new Set();
  for (const entry of manifest.plugins) {
    entry.library = path.resolve(path.dirname(original), entry.library);
    if (edits[entry.name]) {
      edits[entry.name](entry);
      seen.add(entry.name);
    }
  }
  for (const name of Object.keys(edits)) assert.ok(seen.has(name), `${original} has no ${name} plugin entry`);
  const dir = fs.mkdtempSync(path.join(process.env.TMPDIR || os.tmpdir(), 'glasshub-e2e-manifest-'));
  const file = path.join(dir, 'plugin-manifest.json');
  fs.writeFileSync(file, JSON.stringify(manifest, null, 2));
  return { file, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

// lib/host.mjs takes the manifest from GLASSHUB_MANIFEST when the process starts.
export async function hostWithManifest(s, options, file) {
  const previous = process.env.GLASSHUB_MANIFEST;
  process.env.GLASSHUB_MANIFEST = file;
  try {
    return await s.host(options);
  } finally {
    if (previous === undefined) delete process.env.GLASSHUB_MANIFEST;
    else process.env.GLASSHUB_MANIFEST = previous;
  }
}
