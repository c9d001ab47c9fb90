// Unknowns follow the data: a figure that depends on anything unresolved is unknown (or the
// build refuses with the reason), and what no figure depends on leaves the result complete.
// Each expected figure below is what torch gives for the same code (counted by hand from the
// layer shapes; the torch cross-checks cover real files).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeSource, AnalysisError } from '../../src/core/python';
import { memHost } from './memhost';

const analyze = (src: string, model: string, input = [[1, 3, 8, 8]], extra: Record<string, string> = {}) =>
  analyzeSource(memHost({ '/m/model.py': src, ...extra }), '/m/model.py', src, { model, input });
const refusal = (f: () => unknown): string => {
  try { f(); } catch (e) { if (e instanceof AnalysisError) return e.message; throw e; }
  assert.fail('expected an AnalysisError');
};

const HEAD = 'import torch\nimport torch.nn as nn\n';

/** Not a complete result: a refusal, or an incomplete result whose unknowns say why (matching re). */
function notComplete(f: () => ReturnType<typeof analyze>, re: RegExp): void {
  let g: ReturnType<typeof analyze>;
  try { g = f(); } catch (e) { if (e instanceof AnalysisError) { assert.match(e.message, re); return; } throw e; }
  assert.equal(g.complete, false, 'marked incomplete');
  assert.ok(g.unknowns.some((u) => re.test(u.reason)), `an unknown says why: ${JSON.stringify(g.unknowns.map((u) => u.reason))}`);
}

test('a call of an unresolved name makes the kwargs it was given unknown, never the defaults', () => {
  const src = HEAD + `from .missing import overwrite
def make(**kwargs):
    overwrite(kwargs, "width", 4)
    return Net(**kwargs)
class Net(nn.Module):
    def __init__(self, width=2):
        super().__init__()
        self.conv = nn.Conv2d(3, width, 1)
    def forward(self, x):
        return self.conv(x)
`;
  assert.match(refusal(() => analyze(src, 'make()')), /\*\*kwargs unknown: cannot resolve import '\.missing'/);
  // The same factory without the unresolved call is exact.
  const g = analyze(src.replace('    overwrite(kwargs, "width", 4)\n', ''), 'make()');
  assert.equal(g.complete, true);
  assert.equal(g.params, 3 * 2 + 2);
});

test('an undecided branch makes what it would bind unknown, and the module that holds it incomplete', () => {
  const src = HEAD + `from .missing import flag
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        width = 4
        if flag:
            width = 8
        self.conv = nn.Conv2d(3, width, 1)
    def forward(self, x):
        return self.conv(x)
`;
  notComplete(() => analyze(src, 'Net()'), /undecided condition 'flag'/);
});

test('a loop or comprehension over an unknown is unknown as a whole, never an empty list', () => {
  const src = HEAD + `from .missing import widths
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.convs = nn.ModuleList([nn.Conv2d(3, 3, 1) for _ in widths])
        assert len(self.convs) >= 0
    def forward(self, x):
        for c in self.convs:
            x = c(x)
        return x
`;
  notComplete(() => analyze(src, 'Net()'), /cannot iterate/);
});

test('isinstance against a tuple holding an unknown class is undecided, not False', () => {
  const src = HEAD + `from .missing import Special
def pick(layer):
    if isinstance(layer, (str, Special)):
        return nn.Conv2d(3, 4, 1)
    return nn.Conv2d(3, 2, 1)
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = pick(nn.ReLU)
    def forward(self, x):
        return self.conv(x)
`;
  notComplete(() => analyze(src, 'Net()'), /isinstance\(\) with an unknown class|undecided/);
});

test('something unresolved that no figure uses leaves the result complete and is listed as unresolved', () => {
  const src = HEAD + `import sys
from .missing import helper
REGISTRY = helper()
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 1)
    def forward(self, x):
        return self.conv(x)
`;
  const g = analyze(src, 'Net()');
  assert.equal(g.complete, true);
  assert.deepEqual(g.unknowns, []);
  assert.equal(g.params, 16);
});

test('a module reused many times counts its parameters once; self-references do not loop or double-count', () => {
  const src = HEAD + `class Net(nn.Module):
    def __init__(self):
        super().__init__()
        c = nn.Conv2d(3, 3, 3, padding=1)
        self.body = nn.Sequential(*[c] * 500)
        self.me = self
        self.again = self.body
    def forward(self, x):
        return self.body(x)
`;
  const g = analyze(src, 'Net()');
  assert.equal(g.complete, true);
  assert.equal(g.params, 3 * 3 * 9 + 3);
  assert.equal(g.macs, 500 * 3 * 3 * 9 * 64);
  assert.deepEqual(g.modules.map((m) => m.path), ['', 'body', 'body.0']);
});

test('self.__setattr__ registers a submodule like an assignment; a split output reports every tensor', () => {
  const src = HEAD + `class Split(nn.Module):
    def forward(self, x):
        return x[:, :1], x[:, 1:]
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        for i in range(2):
            self.__setattr__('level_%d' % i, nn.Conv2d(3, 3, 1))
        self.split = Split()
    def forward(self, x):
        a, b = self.split(self.level_1(self.level_0(x)))
        return a * b.sum(1, keepdim=True)
`;
  const g = analyze(src, 'Net()');
  assert.equal(g.complete, true);
  assert.deepEqual(g.modules.map((m) => m.path), ['', 'level_0', 'level_1', 'split']);
  const split = g.modules.find((m) => m.path === 'split')!;
  assert.deepEqual(split.outputShape, [1, 1, 8, 8]);
  assert.deepEqual(split.outputShapes, [[1, 1, 8, 8], [1, 2, 8, 8]]);
});

test('channel counts refuse floats as torch does (out_planes / 4)', () => {
  const src = HEAD + `class Net(nn.Module):
    def __init__(self, out_planes=16):
        super().__init__()
        self.conv = nn.Conv2d(3, out_planes / 4, 1)
    def forward(self, x):
        return self.conv(x)
`;
  assert.match(refusal(() => analyze(src, 'Net()')), /TypeError: out_channels must be an integer, got 4\.0/);
});

test('integers are exact; beyond 2^53 they are unknown, and so is a model too large to count', () => {
  const src = HEAD + `W = (0xFFFFFFFFFF & 0xFFFF00000F) % 1000 + 1
BIG = 2 ** 60 + 1
class Net(nn.Module):
    def __init__(self, n=W):
        super().__init__()
        self.fc = nn.Linear(n, 2)
    def forward(self, x):
        return self.fc(x)
`;
  // 0xFFFFFFFFFF & 0xFFFF00000F = 1099494850575 (CPython); % 1000 + 1 = 576.
  const g = analyze(src, 'Net()', [[1, 576]]);
  assert.equal(g.complete, true);
  assert.equal(g.params, 576 * 2 + 2);
  notComplete(() => analyze(src, 'Net(BIG)', [[1, 4]]), /beyond 2\^53/);
  assert.match(refusal(() => analyze(src.replace('nn.Linear(n, 2)', 'nn.Linear(n, 100000000)'), 'Net(100000000)', [[1, 4]])), /beyond 2\^53: too many to count exactly/);
});
