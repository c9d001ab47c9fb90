// The CLI's contract: JSON fields, the table, and exit status 2 with one message for bad input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';

const ROOT = resolve(__dirname, '../../..');
const CLI = join(ROOT, 'dist/cli.js');
const run = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
const dir = mkdtempSync(join(tmpdir(), 'ghostlens-cli-'));
const MODEL = `# ghostlens: model=Net() input=1x3x32x32
import torch
from torch import nn
import torch.nn.functional as F

class Net(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.conv = nn.Conv2d(3, 16, 3, padding=1)
        self.fc = nn.Linear(16, num_classes)

    def forward(self, x):
        x = F.relu(self.conv(x))
        x = F.adaptive_avg_pool2d(x, 1).flatten(1)
        return self.fc(x)
`;
const file = join(dir, 'net.py');
writeFileSync(file, MODEL);

test('analyze --json has the documented fields and exact figures', () => {
  const r = run('analyze', file, '--json');
  assert.equal(r.status, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.equal(j.file, file);
  assert.equal(j.model, 'Net()');
  assert.deepEqual(j.input, [[1, 3, 32, 32]]);
  assert.deepEqual(j.outputs, [[1, 10]]);
  assert.equal(j.params, 3 * 16 * 9 + 16 + 16 * 10 + 10);
  assert.equal(j.macs, 32 * 32 * 16 * 3 * 9 + 16 * 10);
  assert.equal(j.complete, true);
  assert.deepEqual(j.layers.map((l: { path: string; line: number }) => [l.path, l.line]), [['conv', 9], ['fc', 10]]);
  assert.deepEqual(Object.keys(j.layers[0]).sort(), ['calls', 'line', 'macs', 'outputShape', 'params', 'path', 'type']);
  assert.deepEqual(j.stages, []);
  assert.deepEqual(j.unknowns, []);
});

test('--model and --input override the directive', () => {
  const r = run('analyze', file, '--json', '--model', 'Net(num_classes=5)', '--input', '2x3x64x64');
  assert.equal(r.status, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.deepEqual(j.outputs, [[2, 5]]);
  assert.equal(j.layers[0].macs, 2 * 64 * 64 * 16 * 3 * 9);
});

test('the table names layers, totals and completeness', () => {
  const r = run('analyze', file);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /conv\s+Conv2d\s+\[1, 16, 32, 32\]\s+448/);
  assert.match(r.stdout, /Total params: 618/);
  assert.match(r.stdout, /Analysis complete\./);
});

for (const [name, args, msg] of [
  ['missing file', ['analyze', join(dir, 'nope.py')], /no such file/],
  ['syntax error', ['analyze', 'BROKEN'], /syntax error/],
  ['a --model that fails', ['analyze', file, '--model', 'Net(num_classes="x")'], /failed|must be an integer/],
  ['an undefined --model', ['analyze', file, '--model', 'Nope()'], /not defined/],
  ['no model found', ['analyze', 'EMPTY'], /no model found/],
  ['a bad --input', ['analyze', file, '--input', '1xx3'], /invalid input shape/],
  ['an unknown command', ['frobnicate'], /unknown command/],
] as [string, string[], RegExp][]) {
  test(`bad input: ${name} → one message on stderr, exit 2`, () => {
    const broken = join(dir, 'broken.py');
    writeFileSync(broken, 'import torch.nn as nn\nclass A(nn.Module)\n    def __init__(self):\n        super().__init__(\n');
    const empty = join(dir, 'empty.py');
    writeFileSync(empty, 'import math\nX = 3\n');
    const r = run(...args.map((a) => (a === 'BROKEN' ? broken : a === 'EMPTY' ? empty : a)));
    assert.equal(r.status, 2);
    assert.match(r.stderr, msg);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
    assert.equal(r.stdout, '');
  });
}

test('imports of installed libraries resolve through GHOSTLENS_PYTHONPATH (read, never run)', () => {
  const lib = join(dir, 'site-packages');
  const pkg = join(lib, 'mynets');
  mkdirSync(pkg, { recursive: true });
  writeFileSync(join(pkg, '__init__.py'), 'from .tiny import tiny\n');
  writeFileSync(join(pkg, 'tiny.py'), 'from torch import nn\n\ndef tiny():\n    return nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU())\n');
  const user = join(dir, 'user.py');
  writeFileSync(user, 'from mynets import tiny\n\ndef net():\n    return tiny()\n');
  const r = spawnSync(process.execPath, [CLI, 'analyze', user, '--json', '--input', '1x3x10x10'], { encoding: 'utf8', env: { ...process.env, GHOSTLENS_PYTHONPATH: lib } });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout).outputs, [[1, 8, 8, 8]]);
});
