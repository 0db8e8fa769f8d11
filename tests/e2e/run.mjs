// CTest's entry point for the e2e suite (tests/CMakeLists.txt, test e2e_sdk): checks that the
// npm dependencies are installed — failing, never skipping, when they are not — then runs every
// *.test.mjs here with node's built-in test runner, one file at a time.
// Extra arguments are passed to `node --test` (e.g. --test-name-pattern=lifecycle).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const fail = (message) => {
  console.error(`e2e_sdk: ${message}`);
  process.exit(1);
};

const sdkPackage = path.join(here, 'node_modules', '@mentra', 'sdk', 'package.json');
if (!fs.existsSync(sdkPackage)) {
  fail(`${path.join(here, 'node_modules')} is missing or incomplete: run \`npm ci --prefix tests/e2e\` ` +
    '(scripts/test.sh does it) before running this test');
}
const sdkVersion = JSON.parse(fs.readFileSync(sdkPackage, 'utf8')).version;
if (sdkVersion !== '2.1.29') {
  fail(`node_modules has @mentra/sdk ${sdkVersion}, the suite needs 2.1.29: run \`npm ci --prefix tests/e2e\``);
}

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 18) fail(`Node.js ${process.versions.node} is too old: the suite needs >= 18 (20 recommended)`);
// --test-concurrency exists from 20.10 (Debian 12's own nodejs is 18): older runners get one
// `node --test` per file, in sequence.
const hasConcurrencyFlag = major > 20 || (major === 20 && minor >= 10);

if (!process.env.GLASSHUB_BIN) {
  console.error('e2e_sdk: GLASSHUB_BIN is not set; lib/host.mjs falls back to build/<GLASSHUB_TEST_PRESET or debug>/bin/glasshub');
}

const files = fs.readdirSync(here).filter((f) => f.endsWith('.test.mjs')).sort().map((f) => path.join(here, f));
if (files.length === 0) fail(`no *.test.mjs files in ${here}`);

const run = (args) => {
  const result = spawnSync(process.execPath, args, { cwd: here, stdio: 'inherit' });
  if (result.error) fail(`cannot run node: ${result.error.message}`);
  return result.status ?? 1;
};
const extra = process.argv.slice(2);
if (hasConcurrencyFlag) process.exit(run(['--test', '--test-concurrency=1', ...extra, ...files]));

let failed = 0;
for (const file of files) if (run(['--test', ...extra, file]) !== 0) failed++;
console.log(`files: ${files.length - failed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
