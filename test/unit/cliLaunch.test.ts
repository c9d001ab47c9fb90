// The CLI's launcher (src/cli/launch.ts): the compiled code it keeps between runs changes no
// output, survives a damaged file, is kept only after a run that succeeded, and is never reused
// for another bundle (V8 itself would accept code of a rebuilt bundle of the same length).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { randomBytes } from 'node:crypto';

const ROOT = resolve(__dirname, '../../..');
const EXAMPLE = join(ROOT, 'examples/resnet_cifar.py');
const tmp = mkdtempSync(join(tmpdir(), 'ghostlens-launch-'));
const run = (cli: string, cache: string, ...args: string[]) =>
  spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', env: { ...process.env, GHOSTLENS_CODE_CACHE: cache } });
const kept = (dir: string) => (existsSync(dir) ? readdirSync(dir).filter((n) => n.endsWith('.bin')) : []);

test('kept code gives the same output as none, and a damaged file is replaced, not run', () => {
  const CLI = join(ROOT, 'dist/cli.js');
  const plain = run(CLI, 'off', 'analyze', EXAMPLE, '--json');
  assert.equal(plain.status, 0, plain.stderr);
  const dir = join(tmp, 'a');
  for (let i = 0; i < 2; i++) {
    const r = run(CLI, dir, 'analyze', EXAMPLE, '--json');
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, plain.stdout);
  }
  const files = kept(dir);
  assert.equal(files.length, 1);
  assert.match(files[0], /-analyze\.bin$/);
  const file = join(dir, files[0]);
  // Random bytes (node 20's deserializer aborted the process on such a file) and a truncated copy.
  for (const damaged of [randomBytes(1000), readFileSync(file).subarray(0, 5000)]) {
    writeFileSync(file, damaged);
    const r = run(CLI, dir, 'analyze', EXAMPLE, '--json');
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, plain.stdout);
    assert.ok(readFileSync(file).length > 5000, 'written again after the run');
  }
});

test('a failing run keeps nothing; off keeps nothing', () => {
  const CLI = join(ROOT, 'dist/cli.js');
  const dir = join(tmp, 'b');
  const r = run(CLI, dir, 'analyze', join(tmp, 'missing.py'));
  assert.equal(r.status, 2);
  assert.deepEqual(kept(dir), []);
  const off = join(tmp, 'c');
  assert.equal(run(CLI, 'off', 'analyze', EXAMPLE).status, 0);
  assert.equal(existsSync(off), false);
});

test('a rebuilt bundle of the same length never runs the code kept for the old one', () => {
  const dist = mkdtempSync(join(tmp, 'dist-'));
  for (const f of ['cli.js', 'cliMain.js']) copyFileSync(join(ROOT, 'dist', f), join(dist, f));
  const CLI = join(dist, 'cli.js');
  const dir = join(tmp, 'd');
  for (let i = 0; i < 2; i++) assert.match(run(CLI, dir, '--help').stdout, /^usage: ghostlens/);
  assert.equal(kept(dir).length, 1);
  const main = join(dist, 'cliMain.js');
  const text = readFileSync(main, 'utf8');
  assert.ok(text.includes('usage: ghostlens <command>'));
  writeFileSync(main, text.replace('usage: ghostlens <command>', 'USAGE: ghostlens <command>'));
  assert.match(run(CLI, dir, '--help').stdout, /^USAGE: ghostlens/);
  // The old bundle's code is removed once the new one's is kept.
  assert.equal(kept(dir).length, 1);
});
