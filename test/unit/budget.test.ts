// The analysis budget (src/core/python/budget.ts) and the small guards around user text: a value
// too large is an explicit Unknown with its line and the rest of the model is still analysed;
// work hidden in builtins counts; time and memory stop an analysis with the line it was at.
// Markdown and terminal text are escaped; numbers from the command line are strict.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeSource, AnalysisError } from '../../src/core/python';
import { Budget, formatCount } from '../../src/core/python/budget';
import { memHost } from './memhost';
import { mdText, mdCode } from '../../src/editor/markdown';
import { sanitize, terminalSafe, intOption } from '../../src/cli/common';
import { quoteForCmd } from '../../src/core/profile/setup';

const MODEL = `
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)

    def forward(self, x):
        return self.conv(x)
`;
const analyze = (top: string, opts: { maxMs?: number; maxBytes?: number; maxSteps?: number } = {}) => {
  const text = `import torch\nimport torch.nn as nn\n${top}\n${MODEL}`;
  return analyzeSource(memHost({ '/m.py': text }), '/m.py', text, { input: [[1, 3, 8, 8]], ...opts });
};

test('a value too large is an Unknown with its line and size; the model is still analysed', () => {
  const g = analyze('l = [0] * 10**10\ns = "ab" * 2**40\nd = [1]\nfor i in range(80):\n    d = d + d\n');
  assert.equal(g.params, 3 * 8 * 9 + 8);
  // The model depends on none of them: its figures stay complete, and they are listed as unresolved.
  const reasons = [...g.unknowns, ...(g.unresolved ?? [])].map((u) => `${u.line}: ${u.reason}`);
  assert.ok(reasons.some((r) => /^3: value too large: list of 10,000,000,000 items/.test(r)), reasons.join('\n'));
  assert.ok(reasons.some((r) => /^4: value too large: str of 2\^41 characters/.test(r)), reasons.join('\n'));
  assert.ok(reasons.some((r) => /^7: value too large: list of 2\^\d+ items/.test(r)), reasons.join('\n'));
  assert.equal(g.complete, true);
  // A model that does depend on such a value is not complete.
  const dep = analyze('n = len([0] * 10**10)\nclass Wide(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.fc = nn.Linear(n, 2)\n    def forward(self, x):\n        return x\n');
  assert.equal(dep.complete, false);
});

test('work inside builtins is charged: sorting and scanning in a loop stop with the line', () => {
  for (const body of ['L = list(range(100000))\nfor i in range(100000):\n    M = sorted(L)', 's = "a" * 1000000\nfor i in range(100000):\n    t = s.upper()']) {
    assert.throws(() => analyze(body), (e: Error) => e instanceof AnalysisError && /step budget exceeded .*\(m\.py:5\)$/.test(e.message) && e.line === 5);
  }
});

test('the time limit stops an analysis, naming where it was', () => {
  const t0 = Date.now();
  assert.throws(() => analyze('i = 0\nfor a in range(5000):\n    for b in range(5000):\n        i += 1', { maxMs: 300, maxSteps: 1e12 }),
    (e: Error) => e instanceof AnalysisError && /analysis stopped after 0\.3 s \(time limit\) \(m\.py:\d\)/.test(e.message));
  assert.ok(Date.now() - t0 < 3000);
});

test('the memory limit refuses values once the analysis holds too much', () => {
  // 16 MB: one value may hold 2 MB (262,144 list items); many smaller ones add up.
  const g = analyze('big = [0] * 300000\nkeep = []\nfor i in range(40):\n    keep.append([i] * 200000)\n', { maxBytes: 16 * 2 ** 20 });
  const reasons = [...g.unknowns, ...(g.unresolved ?? [])].map((u) => u.reason);
  assert.ok(reasons.some((r) => /value too large: list of 300,000 items \(over 2 MB/.test(r)), reasons.join('\n'));
  assert.ok(reasons.some((r) => /would exceed the analysis memory limit of 16 MB/.test(r)), reasons.join('\n'));
  assert.equal(g.params, 3 * 8 * 9 + 8);
});

test('budget: counts, depth, and the order of checks', () => {
  assert.equal(formatCount(2 ** 40), '2^40');
  assert.equal(formatCount(10 ** 10), '10,000,000,000');
  assert.equal(formatCount(1e21), '1.0e+21');
  const b = new Budget({ maxSteps: 10_000, maxDepth: 2 }, () => 0);
  assert.ok(b.enter() && b.enter() && !b.enter());
  assert.equal(b.tooLarge('list', 100), null);
  assert.match(b.tooLarge('list', 2 ** 40)!, /^value too large: list of 2\^40 items/);
  assert.throws(() => { for (let i = 0; i < 20_000; i++) b.tick(); }, /step budget exceeded/);
  assert.ok(b.exhausted);
});

test('Markdown from user code is shown as typed', () => {
  assert.equal(mdText('a|b *c* [x](command:evil) <img> &amp;'), 'a\\|b \\*c\\* \\[x\\](command:evil) \\<img\\> \\&amp;');
  assert.equal(mdText('42.47 M — 33.8% of the model (cpu)'), '42.47 M — 33.8% of the model (cpu)');
  assert.equal(mdCode('resnet50()'), '`resnet50()`');
  assert.equal(mdCode('f(`x`)'), '``f(`x`)``');
  assert.equal(mdCode('`a'), '`` `a ``');
  assert.equal(mdText('two\nlines'), 'two lines');
});

test('terminal text: no escapes, controls or NULs; our colours kept on a TTY', () => {
  assert.equal(sanitize('conv\x1b]0;pwned\x07\x1b[2Jname\u0000x\ny'), 'convname\uFFFDx y');
  assert.equal(terminalSafe('\x1b[1mbold\x1b[0m \x1b[2Jx\u0000\nnext', true), '\x1b[1mbold\x1b[0m x\uFFFD\nnext');
  assert.equal(terminalSafe('\x1b[1mbold\x1b[0m', false), 'bold');
});

test('integers from the command line are digits within bounds', () => {
  assert.equal(intOption('runs', '100', 1, 1000), 100);
  for (const bad of ['99999999999999999999', '1e3', '0x10', ' 5', '', '5.0', '1001', '0']) assert.throws(() => intOption('runs', bad, 1, 1000), /--runs must be an integer from 1 to 1000/);
});

test('npm through cmd.exe: arguments quoted, what cannot be quoted refused', () => {
  assert.equal(quoteForCmd('install'), 'install');
  assert.equal(quoteForCmd('C:\\Users\\Jane Doe\\AppData\\ort'), '"C:\\Users\\Jane Doe\\AppData\\ort"');
  assert.equal(quoteForCmd('C:\\a&b'), '"C:\\a&b"');
  for (const bad of ['C:\\100%\\x', 'a"b', 'C:\\a!b']) assert.throws(() => quoteForCmd(bad), /cannot pass/);
});
