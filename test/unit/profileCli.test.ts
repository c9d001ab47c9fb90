// `ghostlens profile` end to end on the CPU with onnxruntime-node (tiny models, few runs): exit
// codes and messages for bad input, the JSON's meaning, per-layer rows that name the model's
// real module paths, stages, and the before/after comparison.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { analyzeSource } from '../../src/core/python';
import { nodeHost } from '../../src/cli/nodeHost';
import type { CompareResult, ProfileResult } from '../../src/core/profile/types';
import { profileResult, compareResult } from '../../src/protocol';

const ROOT = resolve(__dirname, '../../..');
const CLI = join(ROOT, 'dist/cli.js');
const TINY = join(ROOT, 'test/fixtures/profile/tiny_cnn.py');
const dir = mkdtempSync(join(tmpdir(), 'ghostlens-profile-cli-'));
const FAST = ['--runs', '5', '--warmup', '2', '--threads', '1'];
const run = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
const graph = analyzeSource(nodeHost, TINY, readFileSync(TINY, 'utf8'), {});
const paths = new Set(graph.modules.map((m) => m.path));

test('bad input: one message on stderr, exit 2', () => {
  const cases: [string[], RegExp][] = [
    [['profile'], /profile needs a FILE/],
    [['profile', join(dir, 'missing.py')], /no such file/],
    [['profile', dir], /not a file/],
    [['profile', TINY, '--runs', '0'], /--runs must be an integer from 1 to/],
    [['profile', TINY, '--ep', 'tpu'], /--ep must be one of/],
    [['profile', TINY, '--ort', dir], /no onnxruntime-node install at/],
  ];
  for (const [args, re] of cases) {
    const r = run(...args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, re);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.equal(r.stdout, '');
  }
});

test('broken ONNX bytes and broken Python: a clear message, exit 2', () => {
  const garbage = join(dir, 'garbage.onnx');
  writeFileSync(garbage, 'this is not protobuf at all \u0000\u0001\u0002');
  let r = run('profile', garbage, ...FAST);
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /cannot profile .*garbage\.onnx: garbage\.onnx: not an ONNX model/);
  const empty = join(dir, 'empty.onnx');
  writeFileSync(empty, '');
  r = run('profile', empty);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /the file is empty/);
  const py = join(dir, 'broken.py');
  writeFileSync(py, 'import torch.nn as nn\nclass Net(nn.Module:\n    pass\n');
  r = run('profile', py);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /broken\.py:2:/);
  const noModel = join(dir, 'nomodel.py');
  writeFileSync(noModel, 'x = 1\n');
  r = run('profile', noModel, ...FAST);
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /cannot profile/);
  r = run('profile', garbage, '--compare-ghost');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--compare-ghost needs a \.py model/);
});

test('a .py model on the CPU: stats, layers named by module path, stages that add up', () => {
  const r = run('profile', TINY, ...FAST, '--json', '--ep', 'cpu');
  assert.equal(r.status, 0, r.stderr);
  const p = JSON.parse(r.stdout) as ProfileResult;
  assert.equal(profileResult(p), null);
  assert.equal(p.model, 'TinyNet()');
  assert.deepEqual(p.input, [[1, 3, 32, 32]]);
  assert.equal(p.provider, 'cpu');
  assert.equal(p.threads, 1);
  assert.equal(p.times.length, 5);
  assert.equal(p.stats.runs, 5);
  assert.ok(p.stats.min <= p.stats.p50 && p.stats.p50 <= p.stats.p90 && p.stats.p90 <= p.stats.p99 && p.stats.p99 <= p.stats.max);
  assert.deepEqual(p.providers.filter((n) => n.used).map((n) => n.name), ['cpu']);
  assert.match(p.providers.find((n) => n.name === 'cuda')!.why, /not tried: provider forced to cpu/);
  assert.equal(p.profileRuns, 5);
  // Every layer row is one of the model's modules ('' = the root's own ops); every conv has time.
  for (const l of p.layers) assert.ok(paths.has(l.path), `not a module of the model: ${l.path}`);
  for (const m of graph.modules.filter((x) => x.type === 'Conv2d')) assert.ok(p.layers.some((l) => l.path === m.path && l.ms > 0), `no time for ${m.path}`);
  // BatchNorms are folded into the convs by onnxruntime: no time of their own.
  assert.ok(!p.layers.some((l) => l.path.endsWith('.bn1')));
  assert.equal(p.attribution!.unmapped, 0);
  assert.ok(Math.abs(p.layers.reduce((s, l) => s + l.ms, 0) - p.nodeTotalMs!) < 1e-9);
  assert.deepEqual(p.stages.map((s) => s.path), ['layer1', 'layer2']);
  for (const s of p.stages) {
    const inside = p.layers.filter((l) => l.path.startsWith(s.path + '.')).reduce((t, l) => t + l.ms, 0);
    assert.ok(Math.abs(s.ms - inside) < 1e-9);
    assert.ok(s.share > 0.1 && s.share < 0.9, `${s.path} share ${s.share}`);
  }
});

test('the table report names the provider, the stages and the top layers', () => {
  const r = run('profile', TINY, ...FAST, '--top', '3');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /provider cpu/);
  assert.match(r.stdout, /✓ cpu/);
  assert.match(r.stdout, /^layer1 +\d+\.\d+ +\d+\.\d% +\d+\.\d+$/m);
  assert.match(r.stdout, /^stem +\d/m);
  assert.match(r.stdout, /^Top layers/m);
  assert.equal((r.stdout.match(/^layer\d\.\d\.\w+/gm) ?? []).length, 3);
});

test('a .onnx file (exported by ghostlens export) profiles with module-path layers and stages', () => {
  const onnx = join(dir, 'tiny.onnx');
  const e = run('export', TINY, '-o', onnx);
  assert.equal(e.status, 0, e.stderr);
  const r = run('profile', onnx, ...FAST, '--json');
  assert.equal(r.status, 0, r.stderr);
  const p = JSON.parse(r.stdout) as ProfileResult;
  assert.equal(p.model, 'tiny.onnx');
  assert.ok(p.layers.some((l) => l.path === 'layer2.0.shortcut.0'));
  for (const l of p.layers) assert.ok(paths.has(l.path), l.path);
  // The importer reads the stages from the node names: per-stage times as for the .py.
  assert.deepEqual(p.stages.map((s) => s.path), ['layer1', 'layer2']);
  assert.ok(p.stages.every((s) => s.nodes > 0 && s.ms > 0));
});

test('--compare-ghost: both models in one run, ratio per stage and total', () => {
  const r = run('profile', TINY, ...FAST, '--compare-ghost', '--json');
  assert.equal(r.status, 0, r.stderr);
  const c = JSON.parse(r.stdout) as CompareResult;
  assert.equal(compareResult(c), null);
  assert.equal(c.before.provider, c.after.provider);
  assert.equal(c.before.times.length, 5);
  assert.equal(c.after.times.length, 5);
  assert.ok(Math.abs(c.ratio - c.after.stats.p50 / c.before.stats.p50) < 1e-12);
  assert.deepEqual(c.stages.map((s) => s.path), ['layer1', 'layer2']);
  for (const s of c.stages) {
    assert.ok(s.beforeMs! > 0 && s.afterMs! > 0);
    assert.ok(Math.abs(s.ratio! - s.afterMs! / s.beforeMs!) < 1e-12);
  }
  // The after model is the G-Ghost rewrite: its layers live in the stages' new modules.
  assert.ok(c.after.layers.some((l) => /^layer1\.(first|middle|last|mix|ghost)/.test(l.path)), c.after.layers.map((l) => l.path).join(' '));
  assert.ok(c.after.notes!.some((n) => /Ghost rewrite: stage layer1/.test(n)));
});

test('a model with no Ghost candidate cannot be compared: exit 2 with the reason', () => {
  const py = join(dir, 'linear.py');
  writeFileSync(py, '# ghostlens: model=Net() input=1x8\nimport torch.nn as nn\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.fc = nn.Linear(8, 4)\n    def forward(self, x):\n        return self.fc(x)\n');
  const r = run('profile', py, ...FAST, '--compare-ghost');
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /no Ghost candidate/);
});

test('killing the CLI leaves no profiling child behind', async () => {
  const cli = spawn(process.execPath, [CLI, 'profile', TINY, '--runs', '100000', '--warmup', '0', '--threads', '1'], { stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise((r) => setTimeout(r, 1500));
  const children = spawnSync('pgrep', ['-P', String(cli.pid)], { encoding: 'utf8' }).stdout.trim().split('\n').filter(Boolean);
  assert.equal(children.length, 1, 'the profiler child runs');
  cli.kill('SIGKILL');
  await new Promise((r) => cli.on('close', r));
  // The child sees its IPC channel close and exits.
  for (let i = 0; i < 50; i++) {
    if (spawnSync('kill', ['-0', children[0]]).status !== 0) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`profiling child ${children[0]} still runs after its parent died`);
});

test('the example before/after Ghost: every node in a stage, the stem or the head; parts add up to the node total and to the p50', () => {
  const EXAMPLE = join(ROOT, 'examples/resnet_cifar.py');
  const r = run('profile', EXAMPLE, '--runs', '10', '--warmup', '3', '--threads', '1', '--profile-runs', '20', '--ep', 'cpu', '--compare-ghost', '--json');
  assert.equal(r.status, 0, r.stderr);
  const c = JSON.parse(r.stdout) as CompareResult;
  assert.equal(compareResult(c), null);
  for (const p of [c.before, c.after]) {
    const parts = p.parts!;
    // The Ghost side is attributed to the original's stages: its G-Ghost modules sit in their place.
    assert.deepEqual(parts.map((x) => x.name), ['stem', 'layer1', 'layer2', 'layer3', 'head'], `${p.model}: ${parts.map((x) => x.name)}`);
    assert.deepEqual(p.stages.map((x) => x.path), ['layer1', 'layer2', 'layer3']);
    assert.ok(Math.abs(parts.reduce((t, x) => t + x.ms, 0) - p.nodeTotalMs!) < 1e-9, 'parts sum to the node total');
    assert.ok(Math.abs(parts.reduce((t, x) => t + x.p50Ms, 0) - p.stats.p50) < 1e-9, 'parts at p50 sum to the p50');
    for (const st of p.stages) assert.ok(Math.abs(st.p50Ms! - parts.find((x) => x.name === st.path)!.p50Ms) < 1e-12);
    assert.equal(p.attribution!.unmapped, 0);
  }
  // Outside the stages both models run the stem (conv1: a GhostModule after) and the same head:
  // the time outside the stages stays within the noise band bench/stageNoise.mjs measures
  // (±1.5 pp; a stage's nodes counted outside would add that stage's share, 25–35 pp).
  const head = (p: ProfileResult) => p.parts!.find((x) => x.kind === 'head')!;
  assert.ok(Math.abs(head(c.after).share - head(c.before).share) < 0.05, `head: ${head(c.before).share} → ${head(c.after).share}`);
  const outside = (p: ProfileResult) => p.parts!.filter((x) => x.kind !== 'stage').reduce((t, x) => t + x.share, 0);
  assert.ok(outside(c.after) < outside(c.before) + 0.05, `outside stages: ${outside(c.before)} → ${outside(c.after)} of the node time`);
});
