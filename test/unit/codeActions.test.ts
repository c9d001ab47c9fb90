// The code actions' plain-data side (src/core/rewrite/actions.ts): which rewrites a cursor is
// offered, that each title's figures are what the engine computes on the rewritten file, and that
// half-typed or already rewritten files give a refusal with a reason (never a crash, never a
// second copy of the Ghost classes).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeSource, syntaxProblems } from '../../src/core/python';
import { computeDiagnostics, fmtChange } from '../../src/core/analysis/diagnostics';
import { pct } from '../../src/core/analysis/ghost';
import { applyEdits } from '../../src/core/rewrite/rewrite';
import { actionsAt, siteTitle, allTitle, RewriteJob } from '../../src/core/rewrite/actions';
import { planRewrite, PlanOptions } from '../../src/core/rewrite/plan';
import { memHost } from './memhost';

const PATH = '/w/resnet_cifar.py';
const EXAMPLE = readFileSync(join(__dirname, '..', '..', '..', 'examples', 'resnet_cifar.py'), 'utf8');

const analyze = (text: string, files: Record<string, string> = {}) => analyzeSource(memHost({ [PATH]: text, ...files }), PATH, text);
const plan = (text: string, job: RewriteJob, opts: PlanOptions = {}, files: Record<string, string> = {}) => {
  const g = analyze(text, files);
  return planRewrite(memHost({ [PATH]: text, ...files }), PATH, text, job, { model: g.model, input: g.input, ...opts });
};
const at = (text: string, needle: string) => {
  const i = text.indexOf(needle);
  assert.ok(i >= 0, needle);
  return actionsAt(computeDiagnostics(analyze(text)), i, i);
};
const count = (text: string, re: RegExp) => (text.match(re) ?? []).length;

test('the cursor on a stage line offers that stage; on a conv line, that conv site; elsewhere nothing', () => {
  const stage = at(EXAMPLE, 'self.layer2 = ');
  assert.deepEqual(stage.map((a) => [a.kind, a.target.path, a.label, a.count]), [['stage', 'layer2', 'layer2', 1]]);
  const conv = at(EXAMPLE, 'self.conv1 = nn.Conv2d(in_planes');
  assert.deepEqual(conv.map((a) => [a.kind, a.target.path, a.label, a.count]), [['conv', 'layer1.0.conv1', 'conv1 \u00d727', 27]]);
  assert.deepEqual(at(EXAMPLE, 'def forward(self, x):'), []);
  assert.deepEqual(at(EXAMPLE, 'self.linear = '), [], 'a Linear is no Ghost candidate');
});

test('each title states the model\'s change, and it is what the engine computes on the rewritten file', () => {
  const before = analyze(EXAMPLE);
  const findings = computeDiagnostics(before).filter((f) => f.kind !== 'unknown');
  assert.ok(findings.length >= 5);
  for (const f of findings) {
    const [a] = actionsAt(findings, f.from, f.from);
    const p = plan(EXAMPLE, { kind: 'site', target: a.target });
    assert.equal(p.refused, null, `${a.target.path}: ${p.refused}`);
    const after = analyze(applyEdits(EXAMPLE, p.edits));
    const title = siteTitle(a, p);
    assert.ok(title.endsWith(`: model ${fmtChange(pct(before.macs!, after.macs!))} MACs, ${fmtChange(pct(before.params, after.params))} params`), title);
    assert.deepEqual(p.after, { params: after.params, macs: after.macs });
  }
  const [stage] = at(EXAMPLE, 'self.layer1 = ');
  assert.equal(siteTitle(stage, plan(EXAMPLE, { kind: 'site', target: stage.target })), 'Rewrite layer1 as a G-Ghost stage (\u03bb=0.4): model \u221218% MACs, \u22123% params');
  const [conv] = at(EXAMPLE, 'self.conv1 = nn.Conv2d(in_planes');
  assert.equal(siteTitle(conv, plan(EXAMPLE, { kind: 'site', target: conv.target })), 'Rewrite conv1 \u00d727 as GhostModules (s=2): model \u221223% MACs, \u221223% params');
  // Settings reach both the rewrite and the title.
  const s = { lambda: 0.5, ratio: 3 };
  const p5 = plan(EXAMPLE, { kind: 'site', target: stage.target }, { settings: s });
  assert.match(siteTitle(stage, p5, s), /^Rewrite layer1 as a G-Ghost stage \(\u03bb=0\.5\): model \u2212\d+% MACs/);
  assert.match(applyEdits(EXAMPLE, p5.edits), /ratio=0\.5/);
});

test('all candidates: one plan, its title counts the sites; the figures are the rewritten file\'s', () => {
  const p = plan(EXAMPLE, { kind: 'all' });
  assert.equal(p.refused, null);
  const out = applyEdits(EXAMPLE, p.edits);
  const g0 = analyze(EXAMPLE), g1 = analyze(out);
  assert.equal(allTitle(p), `Rewrite all Ghost candidates (3 stages, 1 conv site): model ${fmtChange(pct(g0.macs!, g1.macs!))} MACs, ${fmtChange(pct(g0.params, g1.params))} params`);
  assert.deepEqual(syntaxProblems(PATH, out), []);
});

test('half-typed files: findings may stay, but the rewrite is refused with the line to finish; no crash', () => {
  const cases = [
    EXAMPLE + '\n\ndef unfinished(x:\n    return (x\n',
    EXAMPLE.replace('self.bn1 = nn.BatchNorm2d(planes)', 'self.bn1 = nn.BatchNorm2d(planes'),
    EXAMPLE.replace('self.layer3 = self._make_layer(block, 64, num_blocks[2], stride=2)', 'self.layer3 = self._make_layer(block, 64,'),
  ];
  let offered = 0;
  for (const text of cases) {
    const bad = syntaxProblems(PATH, text)[0];
    assert.ok(bad, 'the case must not parse');
    let g;
    try { g = analyze(text); } catch { g = null; } // a file may not build at all: then nothing is offered
    const sites = g ? actionsAt(computeDiagnostics(g), 0, text.length) : [];
    offered += sites.length;
    for (const job of [...sites.map((a): RewriteJob => ({ kind: 'site', target: a.target })), { kind: 'all' } as RewriteJob]) {
      const p = planRewrite(memHost({ [PATH]: text }), PATH, text, job, g ? { model: g.model, input: g.input } : {});
      assert.equal(p.refused, `line ${bad.line} has a ${bad.message}; finish the code first`);
      assert.deepEqual(p.edits, []);
      if (job.kind === 'site') assert.equal(siteTitle(sites.find((a) => a.target === job.target)!, p), siteTitle(sites.find((a) => a.target === job.target)!, null), 'no figures on a refusal');
    }
  }
  assert.ok(offered > 0, 'the analysis recovers from half-typed code, so sites are still found');
});

test('refusals carry the engine\'s reason; a model that does not build is a refusal, not an exception', () => {
  const p = plan(EXAMPLE, { kind: 'site', target: { kind: 'stage', path: 'nope' } });
  assert.match(p.refused ?? '', /no stage 'nope'/);
  assert.equal(allTitle(p), 'Rewrite all Ghost candidates');
  const q = planRewrite(memHost({ [PATH]: EXAMPLE }), PATH, EXAMPLE, { kind: 'all' }, { model: 'resnet7()' });
  assert.match(q.refused ?? '', /^the model does not build: /);
  const r = plan(EXAMPLE, { kind: 'site', target: { kind: 'conv', path: 'linear' } });
  assert.match(r.refused ?? '', /not a C-Ghost candidate/);
});

test('already rewritten code: the rewritten sites are no longer offered, and later rewrites never insert a class twice', () => {
  const one = applyEdits(EXAMPLE, plan(EXAMPLE, { kind: 'site', target: { kind: 'stage', path: 'layer1' } }).edits);
  assert.equal(count(one, /^class GGhostStage\b/gm), 1);
  assert.deepEqual(at(one, 'self.layer1 = ').filter((a) => a.kind === 'stage'), [], 'a G-Ghost stage is not offered again');
  // Another stage, then the stem conv, then everything left: each class stays defined once.
  const two = applyEdits(one, plan(one, { kind: 'site', target: { kind: 'stage', path: 'layer2' } }).edits);
  const three = applyEdits(two, plan(two, { kind: 'site', target: { kind: 'conv', path: 'conv1' } }).edits);
  const rest = plan(three, { kind: 'all' });
  const four = rest.refused ? three : applyEdits(three, rest.edits);
  for (const t of [two, three, four]) {
    assert.equal(count(t, /^class GGhostStage\b/gm), 1);
    assert.deepEqual(syntaxProblems(PATH, t), []);
  }
  assert.equal(count(four, /^class GhostModule\b/gm), 1);
  // Everything rewritten: "all" has nothing left to offer, and says so.
  const again = plan(four, { kind: 'all' });
  assert.ok(again.refused, 'nothing left to rewrite');
  assert.deepEqual(again.edits, []);
});

test('classes in ghost_modules.py: the plan creates it once; the next plan imports and reuses it', () => {
  const p = plan(EXAMPLE, { kind: 'site', target: { kind: 'stage', path: 'layer1' } }, { classes: 'module' });
  assert.deepEqual(p.files.map((f) => f.path), ['/w/ghost_modules.py']);
  const one = applyEdits(EXAMPLE, p.edits);
  assert.match(one, /^from ghost_modules import GGhostStage$/m);
  assert.equal(count(one, /^class /gm), count(EXAMPLE, /^class /gm));
  const files = { '/w/ghost_modules.py': p.files[0].text };
  const q = plan(one, { kind: 'site', target: { kind: 'stage', path: 'layer2' } }, { classes: 'module' }, files);
  assert.equal(q.refused, null);
  assert.deepEqual(q.files, [], 'ghost_modules.py already has GGhostStage');
  assert.equal(count(applyEdits(one, q.edits), /ghost_modules import/g), 1);
});

test('a conv built through a helper: the title names every conv the same call builds', () => {
  const src = `import torch.nn as nn

def conv3x3(cin, cout, stride=1):
    return nn.Conv2d(cin, cout, 3, stride, 1, bias=False)

class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv1 = conv3x3(c, c)
        self.bn1 = nn.BatchNorm2d(c)
        self.conv2 = conv3x3(c, c)

    def forward(self, x):
        return self.conv2(self.bn1(self.conv1(x))) + x

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 16, 3, padding=1)
        self.blocks = nn.Sequential(Block(16), Block(16))

    def forward(self, x):
        return self.blocks(self.stem(x))

# ghostlens: model=Net() input=1x3x16x16
`;
  const [conv1] = at(src, 'self.conv1 = ');
  const p = plan(src, { kind: 'site', target: conv1.target });
  assert.deepEqual(p.rewritten, ['blocks.0.conv1', 'blocks.0.conv2', 'blocks.1.conv1', 'blocks.1.conv2']);
  assert.match(siteTitle(conv1, p), /^Rewrite conv1 \u00d72 as GhostModules \(s=2\), with conv2 \u00d72 \(built by the same call\): model \u2212\d+% MACs/);
  const [stem] = at(src, 'self.stem = ');
  assert.match(siteTitle(stem, plan(src, { kind: 'site', target: stem.target })), /^Rewrite stem as a GhostModule \(s=2\): model /);
});
