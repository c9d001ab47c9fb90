// Diagnostics as plain data (src/core/analysis/diagnostics.ts): one record per source site,
// figures that agree with the G-Ghost / C-Ghost formulas of ghost.ts, settings, unknowns.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeSource } from '../../src/core/python';
import { computeDiagnostics, failureFinding, fmtChange, fmtShare, siteName, DEFAULT_DIAGNOSTICS, DiagnosticSettings, Finding } from '../../src/core/analysis/diagnostics';
import { stageCandidate, convCandidate, DEFAULT_GHOST } from '../../src/core/analysis/ghost';
import { memHost } from './memhost';

const analyze = (files: Record<string, string>, model?: string, input = [[1, 3, 32, 32]]) =>
  analyzeSource(memHost(files), '/m/model.py', files['/m/model.py'], { model, input });

/** A CIFAR-style ResNet: every block's `self.conv1 = conv3x3(...)` is one site for all blocks. */
const RESNET = `import torch.nn as nn
import torch.nn.functional as F

def conv3x3(cin, cout, stride=1):
    return nn.Conv2d(cin, cout, 3, stride, 1, bias=False)

class Block(nn.Module):
    def __init__(self, cin, cout, stride=1):
        super().__init__()
        self.conv1 = conv3x3(cin, cout, stride)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = conv3x3(cout, cout)
        self.bn2 = nn.BatchNorm2d(cout)
        self.short = nn.Sequential()
        if stride != 1 or cin != cout:
            self.short = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        return F.relu(self.bn2(self.conv2(out)) + self.short(x))

class Net(nn.Module):
    def __init__(self, n=3):
        super().__init__()
        self.stem = nn.Conv2d(3, 16, 3, 1, 1, bias=False)
        self.layer1 = nn.Sequential(*[Block(16, 16) for _ in range(n)])
        self.layer2 = nn.Sequential(Block(16, 32, 2), *[Block(32, 32) for _ in range(n - 1)])
        self.layer3 = nn.Sequential(Block(32, 64, 2), *[Block(64, 64) for _ in range(n - 1)])
        self.head = nn.Linear(64, 10)

    def forward(self, x):
        x = self.layer3(self.layer2(self.layer1(self.stem(x))))
        return self.head(x.mean((2, 3)))
`;

const lineOf = (text: string, needle: string) => text.slice(0, text.indexOf(needle)).split('\n').length;
const byKind = <K extends Finding['kind']>(fs: Finding[], kind: K) => fs.filter((f): f is Extract<Finding, { kind: K }> => f.kind === kind);
const settings = (patch: (s: DiagnosticSettings) => void): DiagnosticSettings => {
  const s = structuredClone(DEFAULT_DIAGNOSTICS);
  patch(s);
  return s;
};

test('one G-Ghost record per stage, in the message style of the issue, figures from ghost.ts', () => {
  const g = analyze({ '/m/model.py': RESNET }, 'Net()');
  const stages = byKind(computeDiagnostics(g), 'stage');
  assert.deepEqual(stages.map((f) => f.line), [26, 27, 28]);
  assert.equal(stages[0].severity, 'warning');
  for (const [i, f] of stages.entries()) {
    const st = g.stages[i];
    const c = stageCandidate(g, st, DEFAULT_GHOST)!;
    assert.deepEqual(f.data.after, c.after);
    assert.deepEqual(f.data.before, c.before);
    assert.equal(f.data.share, st.macs! / g.macs!);
    const res = `${st.resolution[0]}\u00d7${st.resolution[1]}`;
    const share = Math.round((100 * st.macs!) / g.macs!);
    const dm = Math.round((100 * (c.after.macs - c.before.macs)) / c.before.macs);
    assert.ok(dm < 0);
    // One base for every percentage: the change is of the whole model's MACs, as in the code action titles.
    const dmModel = (100 * (c.after.macs - c.before.macs)) / g.macs!;
    assert.ok(Math.abs(f.data.modelMacsChange! - dmModel) < 1e-9);
    assert.ok(Math.abs(f.data.macsChange - (100 * (c.after.macs - c.before.macs)) / c.before.macs) < 1e-9 && dm < 0);
    assert.match(f.message, new RegExp(`^${st.path}: 3 blocks at ${res}, ${share}% of MACs \u2014 G-Ghost \\(\u03bb=0.4\\) est\\.: model ${fmtChange(dmModel)} MACs, [\u2212+]\\d+(\\.\\d)?% params$`), f.message);
  }
  // The record spans the statement that built the stage.
  assert.match(RESNET.slice(stages[0].from, stages[0].to), /^self\.layer1 = nn\.Sequential/);
});

test('instances built at one source line give ONE record summing count, MACs and share', () => {
  const g = analyze({ '/m/model.py': RESNET }, 'Net()');
  const convs = byKind(computeDiagnostics(g, settings((s) => { s.conv.minShare = 0; })), 'conv');
  // `self.conv1 = conv3x3(...)` builds conv1 of all 9 blocks.
  const site = convs.filter((f) => f.line === lineOf(RESNET, 'self.conv1 = conv3x3'));
  assert.equal(site.length, 1);
  const f = site[0];
  if (f.kind !== 'conv') return assert.fail('not a conv record');
  assert.equal(f.data.count, 9);
  assert.match(RESNET.slice(f.from, f.to), /^self\.conv1 = conv3x3\(cin, cout, stride\)/);
  const instances = g.modules.filter((m) => /^layer\d\.\d\.conv1$/.test(m.path));
  assert.equal(instances.length, 9);
  assert.deepEqual(f.data.paths, instances.map((m) => m.path));
  const cands = instances.map((m) => convCandidate(g, m, DEFAULT_GHOST)!);
  assert.equal(f.data.before.macs, instances.reduce((t, m) => t + m.ownMacs!, 0));
  assert.equal(f.data.after.macs, cands.reduce((t, c) => t + c.after.macs, 0));
  assert.equal(f.data.after.params, cands.reduce((t, c) => t + c.after.params, 0));
  assert.ok(Math.abs(f.data.share - cands.reduce((t, c) => t + c.share, 0)) < 1e-12);
  const share = Math.round((100 * f.data.before.macs) / g.macs!);
  assert.match(f.message, new RegExp(`^conv1 \u00d79 \\(layer1\\.0\\.conv1 \u2026 layer3\\.2\\.conv1\\): 3\u00d73 conv 16\u201364\u219216\u201364, ${share}% of MACs \u2014 C-Ghost \\(s=2\\) est\\.: model \u2212\\d+(\\.\\d)?% MACs, \u2212\\d+(\\.\\d)?% params$`), f.message);
  // The 1×1 projection shortcuts of layer2.0 and layer3.0 share one site too.
  const short = convs.find((c) => c.data.paths.includes('layer2.0.short.0'))!;
  assert.deepEqual(short.data.paths, ['layer2.0.short.0', 'layer3.0.short.0']);
  assert.match(short.message, /^short\.0 \u00d72 \(layer2\.0\.short\.0 \u2026 layer3\.0\.short\.0\): 1\u00d71 conv 16\u219232 \/ 32\u219264, /);
  // A site with one instance names its path.
  const stem = convs.find((c) => c.data.paths[0] === 'stem')!;
  assert.equal(stem.data.count, 1);
  assert.match(stem.message, /^stem: 3\u00d73 conv 3\u219216, /);
});

test('different lines are different sites, even when one helper builds them all', () => {
  const g = analyze({ '/m/model.py': RESNET }, 'Net()');
  const convs = byKind(computeDiagnostics(g, settings((s) => { s.conv.minShare = 0; })), 'conv');
  const c2 = convs.find((f) => f.line === lineOf(RESNET, 'self.conv2 = conv3x3'))!;
  assert.equal(c2.data.count, 9);
  assert.match(c2.message, /^conv2 \u00d79 .*: 3\u00d73 conv 16\u219216 \/ 32\u219232 \/ 64\u219264, /);
  assert.equal(convs.filter((f) => f.line === lineOf(RESNET, 'return nn.Conv2d(cin, cout, 3')).length, 0);
  // Every candidate is in exactly one record.
  const paths = convs.flatMap((f) => f.data.paths);
  assert.equal(new Set(paths).size, paths.length);
  assert.equal(paths.length, 9 + 9 + 2 + 1);
});

test('settings: on/off per kind, severities, thresholds, ratio s and λ', () => {
  const g = analyze({ '/m/model.py': RESNET }, 'Net()');
  const all = computeDiagnostics(g, settings((s) => { s.conv.minShare = 0; }));
  const dflt = computeDiagnostics(g);
  assert.equal(byKind(computeDiagnostics(g, settings((s) => { s.stage.enabled = false; })), 'stage').length, 0);
  assert.equal(byKind(computeDiagnostics(g, settings((s) => { s.conv.enabled = false; })), 'conv').length, 0);
  const sev = computeDiagnostics(g, settings((s) => { s.stage.severity = 'hint'; s.conv.severity = 'error'; }));
  assert.ok(byKind(sev, 'stage').every((f) => f.severity === 'hint'));
  assert.ok(byKind(sev, 'conv').every((f) => f.severity === 'error'));
  // ≥ 16 output channels by default; raising it drops the 16-channel convs.
  const wide = byKind(computeDiagnostics(g, settings((s) => { s.ghost.minConvOut = 32; })), 'conv');
  assert.ok(wide.every((f) => f.kind === 'conv' && f.data.candidates.every((c) => c.outChannels >= 32)));
  assert.ok(wide.length < byKind(all, 'conv').length);
  // Pointwise convs are candidates with minKernel 1 (default), not with 3.
  assert.ok(byKind(all, 'conv').some((f) => f.kind === 'conv' && f.data.candidates[0].kernel[0] === 1));
  assert.ok(byKind(computeDiagnostics(g, settings((s) => { s.ghost.minKernel = 3; })), 'conv').every((f) => f.kind === 'conv' && f.data.candidates[0].kernel[0] === 3));
  // Share threshold in percent of the model's MACs.
  const big = byKind(computeDiagnostics(g, settings((s) => { s.conv.minShare = 5; })), 'conv');
  assert.ok(big.length > 0 && big.every((f) => f.data.share >= 0.05));
  // By default (1%) the sites under 1% of the model's MACs get no squiggle; with 0 they do.
  const tiny = byKind(all, 'conv').filter((f) => f.data.share < 0.01);
  assert.ok(tiny.length > 0);
  assert.ok(!byKind(dflt, 'conv').some((f) => tiny.some((t) => t.from === f.from)));
  assert.ok(byKind(dflt, 'conv').length > 0 && byKind(dflt, 'conv').every((f) => f.data.share >= 0.01));
  // Stages need ≥ minStageBlocks blocks.
  assert.equal(byKind(computeDiagnostics(g, settings((s) => { s.ghost.minStageBlocks = 4; })), 'stage').length, 0);
  // λ and s appear in the messages and change the estimates the same way ghost.ts does.
  const l5 = byKind(computeDiagnostics(g, settings((s) => { s.ghost.lambda = 0.5; })), 'stage');
  assert.match(l5[0].message, /G-Ghost \(\u03bb=0.5\)/);
  assert.deepEqual(l5[0].data.after, stageCandidate(g, g.stages[0], { ...DEFAULT_GHOST, lambda: 0.5 })!.after);
  const s4 = byKind(computeDiagnostics(g, settings((s) => { s.ghost.ratio = 4; })), 'conv');
  assert.match(s4[0].message, /C-Ghost \(s=4\)/);
  assert.ok(s4[0].data.after.macs < byKind(all, 'conv')[0].data.after.macs);
});

test('records come in source order', () => {
  const fs = computeDiagnostics(analyze({ '/m/model.py': RESNET }, 'Net()'));
  assert.deepEqual(fs.map((f) => f.from), [...fs.map((f) => f.from)].sort((a, b) => a - b));
});

const UNKNOWN = `import torch.nn as nn
from mylib import magic
from helpers import Thing

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 32, 3, 1, 1)
        self.blocks = nn.ModuleList([nn.Conv2d(32, 32, 3, 1, 1) for _ in range(3)])
        self.thing = Thing()

    def forward(self, x):
        x = self.conv(x)
        for b in self.blocks:
            if magic(x):
                x = b(x)
        return self.thing(x)
`;
const HELPERS = `import torch.nn as nn
class Thing(nn.Module):
    def forward(self, x):
        if x.shape[1] > undefined_name:
            return x
        return x
`;

test('unknowns: an information record with the reason at the site, repeated notes once', () => {
  const g = analyze({ '/m/model.py': UNKNOWN, '/m/helpers.py': HELPERS }, 'Net()');
  const unk = byKind(computeDiagnostics(g), 'unknown');
  const here = unk.find((f) => f.line === lineOf(UNKNOWN, 'if magic(x)'))!;
  assert.ok(here, JSON.stringify(unk));
  assert.equal(here.severity, 'information');
  assert.equal(UNKNOWN.slice(here.from, here.to), 'magic(x)');
  assert.match(here.message, /^analysis incomplete: cannot decide condition 'magic\(x\)': cannot resolve import 'mylib'$/);
  assert.equal(unk.filter((f) => f.line === here.line).length, 1);
  // An unknown in an imported file is reported at the top of this one, naming the file and line.
  const other = unk.find((f) => f.kind === 'unknown' && f.data.file === '/m/helpers.py')!;
  assert.ok(other, JSON.stringify(unk));
  assert.equal(other.line, 1);
  assert.equal(other.from, 0);
  assert.match(other.message, /^analysis incomplete in helpers\.py:4: /);
  assert.equal(computeDiagnostics(g, settings((s) => { s.unknown.enabled = false; })).filter((f) => f.kind === 'unknown').length, 0);
  assert.ok(byKind(computeDiagnostics(g, settings((s) => { s.unknown.severity = 'hint'; })), 'unknown').every((f) => f.severity === 'hint'));
});

test('unknowns: layers whose input shape is unknown are reported once per site', () => {
  const src = `import torch
import torch.nn as nn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 32, 3, 1, 1)
        self.blocks = nn.ModuleList([nn.Conv2d(32, 32, 3, 1, 1) for _ in range(3)])

    def forward(self, x):
        x = self.conv(x)
        for b in self.blocks:
            x = torch.special.not_a_function(b(x))
        return x
`;
  const g = analyze({ '/m/model.py': src }, 'Net()');
  assert.equal(g.macs, null);
  const unk = byKind(computeDiagnostics(g), 'unknown');
  const site = unk.filter((f) => f.line === lineOf(src, 'nn.ModuleList'));
  assert.equal(site.length, 1, JSON.stringify(unk));
  assert.match(site[0].message, /^analysis incomplete: MACs of blocks\.\* \u00d72 \(blocks\.1 \u2026 blocks\.2\) unknown: /);
  // Without the model's total, stage/conv messages leave the share out rather than guess it.
  const conv = byKind(computeDiagnostics(g), 'conv')[0];
  assert.doesNotMatch(conv.message, /of MACs/);
});

test('a model that cannot be built gives one record at the failing line', () => {
  const text = 'import torch.nn as nn\n\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n        raise ValueError("no")\n';
  const f = failureFinding(text, 6, "building 'Net()' failed: ValueError: no (model.py:6)")!;
  assert.equal(f.kind, 'unknown');
  assert.equal(text.slice(f.from, f.to), 'raise ValueError("no")');
  assert.match(f.message, /^no model: building 'Net\(\)' failed/);
  assert.equal(failureFinding(text, 0, 'x'), null);
  assert.equal(failureFinding(text, 99, 'x'), null);
});

test('formats: share, change, site names', () => {
  assert.equal(fmtShare(0.3612), '36%');
  assert.equal(fmtShare(0.0042), '0.4%');
  assert.equal(fmtShare(0.0001), '<0.1%');
  assert.equal(fmtChange(-31.2), '\u221231%');
  assert.equal(fmtChange(8.6), '+9%');
  assert.equal(fmtChange(-0.24), '\u22120.2%');
  assert.equal(fmtChange(0), '\u00b10%');
  assert.equal(siteName(['layer1.0.conv1', 'layer2.3.conv1']), 'conv1');
  assert.equal(siteName(['layer2.0.downsample.0', 'layer3.0.downsample.0']), 'downsample.0');
  assert.equal(siteName(['blocks.1', 'blocks.2']), 'blocks.*');
  assert.equal(siteName(['a', 'b']), 'a');
});
