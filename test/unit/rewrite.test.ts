// Rewrites as text edits: what they produce, that they keep everything outside the rewritten
// span, insert the Ghost classes once in the file's import style, refuse with a reason, and are
// idempotent. (That the results run in PyTorch is test/torch/rewrite.test.ts.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rewriteSource, RewriteError } from '../../src/core/rewrite/rewrite';
import { syntaxProblems } from '../../src/core/python';
import { memHost } from './memhost';
import { ghostCandidates } from '../../src/core/analysis/ghost';

const PATH = '/w/net.py';
const rw = (src: string, opts: Parameters<typeof rewriteSource>[3]) => rewriteSource(memHost({ [PATH]: src }), PATH, src, { input: [[1, 3, 32, 32]], ...opts });

const NET = `"""A small ResNet-style net."""
from torch import nn


class Block(nn.Module):
    def __init__(self, cin, cout, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)  # keep this comment
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.relu = nn.ReLU()

    def forward(self, x):
        return self.relu(self.bn2(self.conv2(self.relu(self.bn1(self.conv1(x))))))


class Net(nn.Module):
    def __init__(self, width=32):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, width, 3, padding=1), nn.BatchNorm2d(width), nn.ReLU())
        # the main stage: four blocks
        self.stage = nn.Sequential(*[Block(width, width) for _ in range(4)])
        self.short = nn.Sequential(Block(width, width), Block(width, width))
        self.head = nn.Linear(width, 10)

    def forward(self, x):
        x = self.short(self.stage(self.stem(x)))
        return self.head(x.mean((2, 3)))
`;

test('stage → G-Ghost stage: the stage expression is wrapped; everything else is kept byte for byte', () => {
  const r = rw(NET, { model: 'Net()', targets: [{ kind: 'stage', path: 'stage' }] });
  assert.equal(r.applied.length, 1);
  const e = r.edits.find((x) => x.text.startsWith('GGhostStage'))!;
  assert.equal(NET.slice(e.from, e.to), 'nn.Sequential(*[Block(width, width) for _ in range(4)])');
  // Too long for one line: one argument per line, indented under the statement.
  assert.equal(e.text, [
    'GGhostStage.from_stage(',
    '            nn.Sequential(*[Block(width, width) for _ in range(4)]),',
    '            lambda raw, n: [Block(raw, raw) for _ in range(n)],',
    '            channels=32,',
    '            ratio=0.4,',
    '            quantum=1,',
    '        )',
  ].join('\n'));
  assert.match(r.text, /# keep this comment/);
  assert.match(r.text, /# the main stage: four blocks/);
  assert.equal((r.text.match(/^class GGhostStage\b/gm) ?? []).length, 1);
  assert.doesNotMatch(r.text, /^class GhostModule\b/m, 'only the classes used are inserted');
  assert.match(r.text, /^from torch import nn\nimport torch\n\n\nclass GGhostStage/m, 'torch is imported for torch.cat, after the imports');
  assert.deepEqual(syntaxProblems(PATH, r.text), []);
  assert.deepEqual(r.after!.outputs, r.before.outputs);
  // λ = 0.4 of 32 channels: raw = ⌊0.6·32⌋ = 19; two middle blocks of 19 → 19 channels.
  assert.equal(r.after!.modules.find((m) => m.path === 'stage.middle.0.conv1')!.config!.out_channels, 19);
  assert.ok(r.after!.macs! < r.before.macs!);
});

test('conv → GhostModule keeps the arguments as written and the shapes; the BN and ReLU closing its Sequential fold in', () => {
  const r = rw(NET, { model: 'Net()', targets: [{ kind: 'conv', path: 'stem.0' }] });
  const e = r.edits.find((x) => x.text.startsWith('GhostModule'))!;
  assert.equal(NET.slice(e.from, e.to), 'nn.Conv2d(3, width, 3, padding=1), nn.BatchNorm2d(width), nn.ReLU()');
  assert.equal(e.text, 'GhostModule(3, width, kernel_size=3, ratio=2, dw_size=3, stride=1, relu=True)');
  assert.match(r.applied[0].detail, /with the BatchNorm2d and ReLU after it/);
  assert.equal((r.text.match(/^class GhostModule\b/gm) ?? []).length, 1);
  assert.deepEqual(r.after!.outputs, [[1, 10]]);
  const gm = r.after!.modules.find((m) => m.path === 'stem.0')!;
  assert.equal(gm.type, 'GhostModule');
  assert.deepEqual(gm.outputShape, [1, 32, 32, 32]);
});

test('a BN that does not close the Sequential stays; comments inside a folded span stay', () => {
  const src = `import torch
from torch import nn
def block(i, o, s):
    return nn.Sequential(
        nn.Conv2d(i, o, 3, s, 1, bias=False),  # main conv
        nn.BatchNorm2d(o),
        nn.ReLU(inplace=True),
    )
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = block(3, 32, 1)
        self.b = block(32, 64, 2)
        self.c = nn.Sequential(nn.Conv2d(64, 64, 3, 1, 1), nn.BatchNorm2d(64), nn.ReLU(), nn.Conv2d(64, 8, 1))
    def forward(self, x):
        return self.c(self.b(self.a(x)))
`;
  const r = rw(src, { model: 'Net()', input: [[1, 3, 16, 16]], all: true });
  assert.match(r.text, /return nn\.Sequential\(\n {8}# main conv\n {8}GhostModule\(i, o, kernel_size=3, ratio=2, dw_size=3, stride=s, relu=True\),\n {4}\)/);
  assert.match(r.text, /nn\.Sequential\(GhostModule\(64, 64, kernel_size=3, ratio=2, dw_size=3, stride=1, relu=False\), nn\.BatchNorm2d\(64\), nn\.ReLU\(\), nn\.Conv2d\(64, 8, 1\)\)/);
  assert.deepEqual(r.after!.outputs, [[1, 8, 8, 8]]);
});

test('one site builds several convs: one edit for all of them', () => {
  const r = rw(NET, { model: 'Net()', targets: [{ kind: 'conv', path: 'stage.0.conv2' }, { kind: 'conv', path: 'stage.1.conv2' }] });
  assert.equal(r.edits.filter((e) => e.text.startsWith('GhostModule')).length, 1);
  assert.match(r.applied[1].detail, /same site/);
});

test('--all rewrites the stage and the convs outside it, once; a second --all finds nothing', () => {
  const r = rw(NET, { model: 'Net()', all: true });
  assert.ok(r.applied.some((a) => a.kind === 'stage' && a.path === 'stage'));
  assert.ok(r.applied.some((a) => a.kind === 'conv' && a.path === 'stem.0'));
  for (const cls of ['GhostModule', 'GGhostStage']) assert.equal((r.text.match(new RegExp(`^class ${cls}\\b`, 'gm')) ?? []).length, 1);
  // Idempotence: what the rewrite made is not a candidate again, and nothing is inserted twice.
  const again = (() => { try { return rw(r.text, { model: 'Net()', all: true }); } catch (e) { return e; } })();
  if (again instanceof RewriteError) assert.match(again.message, /no Ghost candidates|nothing/);
  else {
    const a = again as ReturnType<typeof rw>;
    assert.ok(a.applied.every((x) => !x.path.startsWith('stage')), 'the G-Ghost stage is not rewritten again');
    for (const cls of ['GhostModule', 'GGhostStage']) assert.equal((a.text.match(new RegExp(`^class ${cls}\\b`, 'gm')) ?? []).length, 1);
  }
});

test('refusals say why', () => {
  const reason = (targets: { kind: 'stage' | 'conv'; path: string }[]) => rw(NET, { model: 'Net()', targets }).skipped[0]?.reason ?? '';
  assert.match(reason([{ kind: 'stage', path: 'short' }]), /2 blocks.*at least 3/);
  assert.match(reason([{ kind: 'stage', path: 'nope' }]), /no stage 'nope'/);
  assert.match(reason([{ kind: 'conv', path: 'head' }]), /not a C-Ghost candidate/);
  assert.throws(() => rw(NET, { model: 'Net()' }), RewriteError);
});

test('a file that spells torch.nn in full gets the classes in that style', () => {
  const src = NET.replace('from torch import nn\n', 'import torch\n').replace(/\bnn\./g, 'torch.nn.');
  const r = rw(src, { model: 'Net()', all: true });
  assert.match(r.text, /^class GhostModule\(torch\.nn\.Module\):/m);
  assert.doesNotMatch(r.text.replace(/torch\.nn\./g, ''), /\bnn\./);
  assert.deepEqual(syntaxProblems(PATH, r.text), []);
});

test('the classes go after the last import before the first definition, past `__all__` and the docstring', () => {
  // timm's files put `__all__ = [...]` between the docstring and the imports.
  const src = NET.replace('from torch import nn\n', "\n__all__ = ['Net']\nimport math\nfrom torch import nn\n");
  const r = rw(src, { model: 'Net()', all: true });
  const cls = r.text.indexOf('class GhostModule('), imp = r.text.indexOf('from torch import nn'), block = r.text.indexOf('class Block(');
  assert.ok(imp >= 0 && imp < cls && cls < block, 'inserted between the imports and the first class');
  assert.ok(r.text.startsWith('"""A small ResNet-style net."""\n'), 'the docstring stays first');
});

test('half-typed code elsewhere in the file: the rewrite adds no syntax error', () => {
  const src = NET + '\n\ndef unfinished(x:\n    return (x\n';
  const r = rw(src, { model: 'Net()', targets: [{ kind: 'stage', path: 'stage' }] });
  assert.equal(syntaxProblems(PATH, r.text).length, syntaxProblems(PATH, src).length);
  assert.ok(r.text.endsWith('def unfinished(x:\n    return (x\n'));
});

test('classes in ghost_modules.py beside the file: created once, imported, then reused', () => {
  const files: Record<string, string> = { [PATH]: NET };
  const host = memHost(files);
  const r = rewriteSource(host, PATH, NET, { model: 'Net()', input: [[1, 3, 32, 32]], all: true, classes: 'module' });
  assert.deepEqual(r.files.map((f) => f.path), ['/w/ghost_modules.py']);
  assert.match(r.files[0].text, /^class GhostModule\(nn\.Module\):/m);
  assert.match(r.files[0].text, /^class GGhostStage\(nn\.Module\):/m);
  assert.match(r.text, /^from ghost_modules import (GGhostStage, GhostModule|GhostModule, GGhostStage)$/m);
  assert.doesNotMatch(r.text, /^class Ghost/m);
  assert.deepEqual(r.after!.outputs, [[1, 10]]);
  // A second file in the folder reuses the module: nothing is appended twice.
  const other = NET.replace('class Net', 'class Other');
  const host2 = memHost({ ...files, '/w/ghost_modules.py': r.files[0].text, '/w/other.py': other });
  const r2 = rewriteSource(host2, '/w/other.py', other, { model: 'Other()', input: [[1, 3, 32, 32]], all: true, classes: 'module' });
  assert.deepEqual(r2.files, []);
  assert.match(r2.text, /^from ghost_modules import/m);
});

test('the diagnostics\' closed-form estimates equal the engine on the rewritten file', () => {
  const g = rw(NET, { model: 'Net()', targets: [{ kind: 'stage', path: 'stage' }] }).before;
  for (const c of ghostCandidates(g)) {
    const r = rw(NET, { model: 'Net()', targets: [{ kind: c.kind, path: c.path }] });
    if (!r.after || r.applied.some((a) => /same site/.test(a.detail))) continue;
    // Convs built by one call change together: compare per instance for those.
    const n = c.kind === 'conv' ? Number(/(\d+) conv/.exec(r.applied[0].detail)?.[1] ?? 1) : 1;
    assert.equal(r.after.macs! - g.macs!, n * (c.after.macs - c.before.macs), `${c.kind} ${c.path} MACs`);
    assert.equal(r.after.params - g.params, n * (c.after.params - c.before.params), `${c.kind} ${c.path} params`);
  }
});

const UNITS = `import torch
import torch.nn as nn


def conv_bn(cin, cout, stride=1):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 16, 3, 1, 1), nn.BatchNorm2d(16), nn.ReLU(),
            nn.Conv2d(16, 32, 3, 2, 1), nn.BatchNorm2d(32), nn.ReLU(),
            nn.Conv2d(32, 32, 3, 1, 1), nn.BatchNorm2d(32), nn.ReLU(),
            nn.Conv2d(32, 32, 3, 1, 1), nn.BatchNorm2d(32), nn.ReLU(),
            nn.Conv2d(32, 32, 3, 1, 1), nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, 1, 1), nn.ReLU(),
            nn.Conv2d(64, 64, 3, 1, 1), nn.ReLU(),
            nn.Conv2d(64, 64, 3, 1, 1), nn.ReLU())
        self.mods = nn.Sequential(conv_bn(64, 64), conv_bn(64, 64), conv_bn(64, 64))
        self.head = nn.Linear(64, 10)

    def forward(self, x):
        return self.head(self.mods(self.features(x)).mean((2, 3)))
`;

test('stages of units → G-Ghost: runs in a Sequential wrap its site (nested), later indices stay; a whole one becomes the stage', () => {
  const r = rw(UNITS, { model: 'Net()', all: true });
  const g = r.before;
  // features.0 (the stem conv at 32x32) is a lone unit: no stage.
  assert.deepEqual(g.stages.map((s) => s.path), ['features[3:14]', 'features[15:21]', 'mods']);
  assert.deepEqual(r.applied.filter((a) => a.kind === 'stage').map((a) => a.path).sort(), ['features[15:21]', 'features[3:14]', 'mods']);
  const e = r.edits.find((x) => x.text.startsWith('GGhostStage.from_units(\n') && x.text.includes('3, 14'))!;
  assert.equal(UNITS.slice(e.from, e.to).startsWith('nn.Sequential(\n'), true);
  assert.match(e.text, /3, 14, channels=32, ratio=0\.4, quantum=1/);
  assert.match(e.text, /15, 21, channels=64, ratio=0\.4, quantum=1/);
  const a = r.after!;
  assert.deepEqual(a.outputs, g.outputs);
  // The stage sits at the run's first index; the rest of the run is Identity, later layers keep their paths.
  const byPath = new Map(a.modules.map((m) => [m.path, m]));
  assert.equal(byPath.get('features.3')!.type, 'GGhostStage');
  assert.equal(byPath.get('features.4')!.type, 'Identity');
  assert.equal(byPath.get('features.14')!.type, 'MaxPool2d');
  assert.equal(byPath.get('features.3.middle.0.0')!.config!.out_channels, 19);
  assert.equal(byPath.get('mods')!.type, 'GGhostStage');
  assert.equal(byPath.get('mods.middle.0.0')!.config!.out_channels, 38);
  assert.ok(a.macs! < g.macs!);
  // The estimates equal the engine, stage by stage.
  for (const c of ghostCandidates(g).filter((x) => x.kind === 'stage')) {
    const one = rw(UNITS, { model: 'Net()', targets: [{ kind: 'stage', path: c.path }] });
    assert.equal(one.after!.macs! - g.macs!, c.after.macs - c.before.macs, `${c.path} MACs`);
    assert.equal(one.after!.params - g.params, c.after.params - c.before.params, `${c.path} params`);
  }
});

test('stages of units that cannot be rewritten say why', () => {
  const src = UNITS.replace('self.mods = nn.Sequential(conv_bn(64, 64), conv_bn(64, 64), conv_bn(64, 64))',
    'self.mods = nn.ModuleList([conv_bn(64, 64), conv_bn(64, 64), conv_bn(64, 64)])')
    .replace('        return self.head(self.mods(self.features(x)).mean((2, 3)))',
      '        x = self.features(x)\n        for m in self.mods:\n            x = m(x)\n        return self.head(x.mean((2, 3)))');
  const r = rw(src, { model: 'Net()', targets: [{ kind: 'stage', path: 'mods' }] });
  assert.match(r.skipped[0]?.reason ?? '', /not in an nn.Sequential|ModuleList/);
});

test('a stage attached by a stage class\'s __init__, run once per width: one edit, each instance at its own width', () => {
  // ConvNeXt-style: `self.blocks = nn.Sequential(...)` inside a Stage class built for 16 and 32
  // channels. The edit changes every instance, so `channels` must be the expression both share.
  const src = `from torch import nn


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv = nn.Conv2d(c, c, 3, 1, 1)
        self.bn = nn.BatchNorm2d(c)

    def forward(self, x):
        return self.bn(self.conv(x)).relu()


class Stage(nn.Module):
    def __init__(self, cin, cout, depth):
        super().__init__()
        self.down = nn.Conv2d(cin, cout, 2, 2)
        self.blocks = nn.Sequential(*[Block(cout) for _ in range(depth)])

    def forward(self, x):
        return self.blocks(self.down(x))


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.stages = nn.Sequential(Stage(3, 16, 3), Stage(16, 32, 4))
        self.head = nn.Linear(32, 10)

    def forward(self, x):
        return self.head(self.stages(x).mean((2, 3)))
`;
  const r = rw(src, { model: 'Net()', targets: [{ kind: 'stage', path: 'stages.0.blocks' }, { kind: 'stage', path: 'stages.1.blocks' }] });
  assert.equal(r.edits.filter((e) => e.text.startsWith('GGhostStage.from_stage(')).length, 1);
  assert.match(r.text, /channels=cout,/);
  assert.ok(r.after && r.after.macs !== null && r.before.macs !== null && r.after.macs < r.before.macs);
  assert.deepEqual(r.after!.outputs, r.before.outputs);
});
