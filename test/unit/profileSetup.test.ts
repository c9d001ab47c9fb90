// GPU set-up: the npm command line, where the installed onnxruntime-node is found and when it
// counts as done, which install the profiler loads, and the failure messages, including a real
// npm run against an unreachable registry (what a user offline gets; nothing is downloaded).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import {
  installCommand, resolveOrtPath, installedOrt, markInstalled, chooseOrt, explainInstallFailure, setUpGpu, SetupError, setupPrefix, setupApplies, binDir,
} from '../../src/core/profile/setup';

const ROOT = resolve(__dirname, '../../..');
const BUNDLED = join(ROOT, 'node_modules/onnxruntime-node');
const tmp = () => mkdtempSync(join(tmpdir(), 'ghostlens-setup-'));

/** A fake onnxruntime-node package: its package.json, the binding, and optionally the CUDA libraries. */
function fakeOrt(pkg: string, cuda: boolean, platform: NodeJS.Platform = 'linux', arch: NodeJS.Architecture = 'x64') {
  mkdirSync(binDir(pkg, platform, arch), { recursive: true });
  writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: 'onnxruntime-node', version: '1.30.0' }));
  writeFileSync(join(binDir(pkg, platform, arch), 'onnxruntime_binding.node'), '');
  if (cuda) for (const l of ['libonnxruntime_providers_shared.so', 'libonnxruntime_providers_cuda.so']) writeFileSync(join(binDir(pkg, platform, arch), l), '');
}

test('the install command: npm install --prefix with the CUDA download forced on linux/x64', () => {
  const c = installCommand('/s/ort', '1.30.0', { platform: 'linux', arch: 'x64', env: { PATH: '/usr/bin', ONNXRUNTIME_NODE_INSTALL: 'skip', ONNXRUNTIME_NODE_INSTALL_CUDA: 'skip' } });
  assert.equal(c.command, 'npm');
  assert.deepEqual(c.args, ['install', '--prefix', '/s/ort', '--no-audit', '--no-fund', '--no-package-lock', '--loglevel', 'http', 'onnxruntime-node@1.30.0']);
  assert.equal(c.env.ONNXRUNTIME_NODE_INSTALL, 'cuda12'); // an inherited "skip" would defeat the set-up
  assert.equal(c.env.ONNXRUNTIME_NODE_INSTALL_CUDA, undefined);
  assert.equal(c.env.PATH, '/usr/bin');
  assert.equal(c.cwd, '/s/ort');
  assert.equal(c.shell, false);
  const w = installCommand('C:\\s\\ort', '1.30.0', { platform: 'win32', arch: 'x64', env: {} });
  assert.equal(w.command, 'npm.cmd');
  assert.equal(w.shell, true);
  assert.equal(w.env.ONNXRUNTIME_NODE_INSTALL, undefined);
  assert.equal(setupApplies('linux', 'x64').applies, true);
  assert.match(setupApplies('win32', 'x64').why, /DirectML/);
  assert.match(setupApplies('darwin', 'arm64').why, /CoreML/);
});

test('resolving an onnxruntime-node install: the package folder or an npm prefix', () => {
  const r = resolveOrtPath(BUNDLED);
  assert.equal(r.path, BUNDLED);
  assert.equal(r.install!.version, '1.30.0');
  assert.equal(resolveOrtPath(ROOT).path, BUNDLED); // a prefix with node_modules/onnxruntime-node
  const d = tmp();
  assert.match(resolveOrtPath(d).why!, /no onnxruntime-node install at/);
  const noBin = join(d, 'nobin');
  mkdirSync(noBin);
  writeFileSync(join(noBin, 'package.json'), JSON.stringify({ name: 'onnxruntime-node', version: '1.2.3' }));
  assert.match(resolveOrtPath(noBin, 'linux', 'x64').why!, /without a native build for linux\/x64/);
  const other = join(d, 'other');
  mkdirSync(other);
  writeFileSync(join(other, 'package.json'), JSON.stringify({ name: 'left-pad' }));
  assert.equal(resolveOrtPath(other).path, null);
  const withCuda = join(d, 'cuda');
  fakeOrt(withCuda, true);
  assert.equal(resolveOrtPath(withCuda, 'linux', 'x64').install!.cuda, true);
  const without = join(d, 'nocuda');
  fakeOrt(without, false);
  assert.equal(resolveOrtPath(without, 'linux', 'x64').install!.cuda, false);
});

test("the set-up's install counts only once it is complete and marked", () => {
  const storage = tmp();
  assert.equal(installedOrt(storage, 'linux', 'x64'), null);
  const pkg = join(setupPrefix(storage), 'node_modules', 'onnxruntime-node');
  fakeOrt(pkg, true);
  assert.equal(installedOrt(storage, 'linux', 'x64'), null, 'no marker yet: an interrupted install is not used');
  markInstalled(storage, resolveOrtPath(pkg, 'linux', 'x64').install!);
  assert.equal(installedOrt(storage, 'linux', 'x64')!.path, pkg);
});

test('which onnxruntime-node the profiler loads: the setting, else the set-up, else the bundled one', () => {
  const storage = tmp();
  assert.deepEqual(chooseOrt('', storage), { path: null, why: 'bundled' });
  assert.deepEqual(chooseOrt('', null), { path: null, why: 'bundled' });
  const c = chooseOrt(BUNDLED, storage);
  assert.equal(c.path, BUNDLED);
  assert.match(c.why, /ghostlens\.profile\.onnxruntimePath \(1\.30\.0/);
  const bad = chooseOrt(join(storage, 'nowhere'), storage);
  assert.equal(bad.path, null);
  assert.match(bad.problem!, /onnxruntimePath is ignored: no onnxruntime-node install at/);
  if (process.platform === 'linux' && process.arch === 'x64') {
    const pkg = join(setupPrefix(storage), 'node_modules', 'onnxruntime-node');
    fakeOrt(pkg, true);
    markInstalled(storage, resolveOrtPath(pkg).install!);
    assert.equal(chooseOrt('', storage).path, pkg);
    assert.match(chooseOrt('', storage).why, /Set up GPU profiling/);
  }
});

test('failure messages say what went wrong and that CPU profiling still works', () => {
  const cases: [Parameters<typeof explainInstallFailure>[0], RegExp][] = [
    [{ code: 1, output: 'npm error code ECONNREFUSED\nnpm error syscall connect' }, /^offline: npm could not reach the package registry \(ECONNREFUSED\)/],
    [{ code: 1, output: 'npm error code ENOTFOUND\nnpm error network request to https://registry.npmjs.org/x failed' }, /offline.*ENOTFOUND/],
    [{ code: 1, output: 'npm error command sh -c node ./script/install\nError: Failed to download Nuget index from https://api.nuget.org/v3/index.json' }, /CUDA libraries could not be downloaded from NuGet/],
    [{ code: 1, output: 'npm error code E404\nnpm error 404 Not Found - GET https://registry.npmjs.org/onnxruntime-node/-/x.tgz' }, /no such onnxruntime-node version/],
    [{ code: 243, output: 'npm error code EACCES' }, /permission denied/],
    [{ code: null, output: '', spawnError: 'ENOENT spawn npm ENOENT' }, /npm was not found on the PATH/],
    [{ code: 7, output: 'npm error something odd happened' }, /npm install failed \(exit code 7\): npm error something odd happened/],
  ];
  for (const [f, re] of cases) {
    const m = explainInstallFailure(f);
    assert.match(m, re);
    assert.match(m, /CPU profiling keeps working/);
  }
});

test('offline, for real: npm cannot reach the registry; a clear message and nothing marked installed', { skip: !(process.platform === 'linux' && process.arch === 'x64') }, async () => {
  const storage = tmp();
  const lines: string[] = [];
  // An unreachable registry and an empty cache: exactly what npm meets with no network.
  const env = { ...process.env, npm_config_registry: 'http://127.0.0.1:9/', npm_config_cache: join(storage, 'npm-cache'), npm_config_fetch_retries: '0', npm_config_offline: 'false', npm_config_prefer_offline: 'false' };
  await assert.rejects(setUpGpu(storage, '1.30.0', { env, onLine: (l) => lines.push(l) }),
    (e: unknown) => e instanceof SetupError && /^offline: npm could not reach the package registry \(ECONNREFUSED\).*CPU profiling keeps working/.test(e.message));
  assert.ok(lines.length > 0, 'npm output is streamed');
  assert.equal(installedOrt(storage), null);
  assert.equal(chooseOrt('', storage).path, null);
  assert.ok(!existsSync(join(setupPrefix(storage), 'ghostlens-ort.json')));
});

test('no npm on the PATH, and cancellation, are reported as such', async () => {
  const storage = tmp();
  await assert.rejects(setUpGpu(storage, '1.30.0', { npm: join(storage, 'no-such-npm'), platform: 'linux', arch: 'x64' }),
    (e: unknown) => e instanceof SetupError && /npm was not found on the PATH/.test(e.message));
  // A "npm" that would take long (and has a child of its own): the abort stops both.
  const slow = join(storage, 'slow-npm');
  writeFileSync(slow, '#!/bin/sh\necho fetching\nsleep 30\n', { mode: 0o755 });
  for (const when of [0, 300]) {
    const ac = new AbortController();
    if (when === 0) ac.abort(); else setTimeout(() => ac.abort(), when);
    const t0 = Date.now();
    await assert.rejects(setUpGpu(storage, '1.30.0', { npm: slow, signal: ac.signal, platform: 'linux', arch: 'x64' }),
      (e: unknown) => e instanceof SetupError && /cancelled/.test(e.message));
    assert.ok(Date.now() - t0 < 5000, `cancel took ${Date.now() - t0} ms`);
  }
  await assert.rejects(setUpGpu(storage, '1.30.0', { platform: 'win32', arch: 'x64' }), /nothing to set up: .*DirectML/);
});
