// `ghostlens redundancy` end to end (GhostLens's export of the example, few random samples): exit
// codes and messages for bad input, the JSON checked by the panel's validator, the table with
// the source's lines, and `analyze MODEL.onnx`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { sourceToOnnx } from '../../src/core/onnx/export';
import { nodeHost } from '../../src/cli/nodeHost';
import { redundancyResult, receive } from '../../src/protocol';

const ROOT = resolve(__dirname, '../../..');
const CLI = join(ROOT, 'dist/cli.js');
const EXAMPLE = join(ROOT, 'examples/resnet_cifar.py');
const dir = mkdtempSync(join(tmpdir(), 'ghostlens-redundancy-cli-'));
const run = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
const exported = sourceToOnnx(nodeHost, EXAMPLE, readFileSync(EXAMPLE, 'utf8'));
const MODEL = join(dir, 'resnet56.onnx');
writeFileSync(MODEL, exported.bytes);

test('bad input: one message on stderr, exit 2', () => {
  const cases: [string[], RegExp][] = [
    [['redundancy'], /needs a MODEL\.onnx/],
    [['redundancy', join(dir, 'missing.onnx'), '--random', '4'], /no such file/],
    [['redundancy', EXAMPLE, '--random', '4'], /not a \.onnx file/],
    [['redundancy', MODEL], /--images DIR or --random N/],
    [['redundancy', MODEL, '--random', '4', '--images', dir], /--images DIR or --random N/],
    [['redundancy', MODEL, '--random', '1'], /--random must be an integer from 2 to/],
    [['redundancy', MODEL, '--random', '4', '--threshold', '2'], /--threshold must be in/],
    [['redundancy', MODEL, '--random', '4', '--mean', '1,2'], /--mean takes three numbers/],
    [['redundancy', MODEL, '--random', '4', '--model', 'x()'], /--model selects the model in --source/],
    [['redundancy', MODEL, '--images', join(dir, 'none')], /no such images folder/],
  ];
  for (const [args, re] of cases) {
    const r = run(...args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, re, args.join(' '));
    assert.equal(r.stdout, '');
  }
});

test('--json is a RedundancyResult the panel accepts; the table names the source lines', () => {
  const j = run('redundancy', MODEL, '--random', '8', '--json', '--threads', '1');
  assert.equal(j.status, 0, j.stderr);
  const result = receive(redundancyResult, JSON.parse(j.stdout), (p) => assert.fail(p));
  assert.ok(result);
  assert.equal(result.calibration.kind, 'random');
  assert.deepEqual(result.stages.map((s) => s.stage), ['layer1', 'layer2', 'layer3']);
  const t = run('redundancy', MODEL, '--random', '8', '--source', EXAMPLE, '--threads', '1');
  assert.equal(t.status, 0, t.stderr);
  const stageLine = exported.graph.stages[0].line;
  assert.match(t.stdout, /RANDOM inputs: 8 samples \(fit 6 \/ test 2\)/);
  assert.match(t.stdout, new RegExp(`^layer1\\s+${stageLine}\\s+layer1\\.0\\s+layer1\\.1\\s+16\\s+\\d+\\.\\d%$`, 'm'));
  assert.match(t.stdout, /^conv1\s+\d+\s+16\s+0\.\d{3}\s+\d+\.\d%\s+\d+\.\d%$/m);
  assert.match(t.stdout, /peak memory of the measuring process: \d+ MiB/);
});

test('analyze MODEL.onnx gives the figures of the analysis it was exported from', () => {
  const r = run('analyze', MODEL, '--json');
  assert.equal(r.status, 0, r.stderr);
  const j = JSON.parse(r.stdout) as { params: number; macs: number; stages: { path: string }[] };
  assert.deepEqual([j.params, j.macs, j.stages.map((s) => s.path)], [exported.graph.params, exported.graph.macs, exported.graph.stages.map((s) => s.path)]);
  writeFileSync(join(dir, 'junk.onnx'), 'junk');
  const bad = run('analyze', join(dir, 'junk.onnx'));
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /junk\.onnx: not an ONNX model/);
});
