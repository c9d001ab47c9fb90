// Stage grouping on small models written here: containers of blocks, runs of blocks inside a
// mixed container, nested stacks, and what is not a block.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeSource } from '../../src/core/python';
import { memHost } from './memhost';

const analyze = (src: string, model: string, input = [[1, 3, 32, 32]]) =>
  analyzeSource(memHost({ '/m/model.py': src }), '/m/model.py', src, { model, input });

const BLOCK = `
import torch.nn as nn
class Block(nn.Module):
    def __init__(self, cin, cout, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
    def forward(self, x):
        return self.bn2(self.conv2(self.bn1(self.conv1(x))))
`;

test('each Sequential of blocks at one resolution is a stage; the first block may downsample', () => {
  const g = analyze(BLOCK + `
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 16, 3, 1, 1)
        self.layer1 = nn.Sequential(Block(16, 16), Block(16, 16), Block(16, 16))
        self.layer2 = nn.Sequential(Block(16, 32, 2), Block(32, 32), Block(32, 32))
    def forward(self, x):
        return self.layer2(self.layer1(self.stem(x)))
`, 'Net()');
  assert.deepEqual(g.stages.map((s) => [s.path, s.blocks.length, s.resolution, s.inChannels, s.outChannels]), [
    ['layer1', 3, [32, 32], 16, 16],
    ['layer2', 3, [16, 16], 16, 32],
  ]);
  assert.equal(g.stages[0].line, 17);
  const l1 = g.modules.find((m) => m.path === 'layer1')!;
  assert.equal(g.stages[0].macs, l1.macs);
  assert.equal(g.stages[0].params, l1.params);
});

test('runs of consecutive blocks inside a mixed container, split by resolution and by non-blocks', () => {
  const g = analyze(BLOCK + `
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 16, 3, 1, 1), Block(16, 16), Block(16, 16),
            Block(16, 32, 2), Block(32, 32), nn.ReLU(), Block(32, 32))
    def forward(self, x):
        return self.features(x)
`, 'Net()');
  assert.deepEqual(g.stages.map((s) => [s.path, s.blocks]), [
    ['features[1:3]', ['features.1', 'features.2']],
    ['features[3:5]', ['features.3', 'features.4']],
  ]);
});

test('consecutive attributes of a plain module form a stage; a lone block does not', () => {
  const g = analyze(BLOCK + `
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.b1 = Block(3, 8)
        self.b2 = Block(8, 8)
        self.b3 = Block(8, 8)
        self.down = Block(8, 16, 2)
    def forward(self, x):
        return self.down(self.b3(self.b2(self.b1(x))))
`, 'Net()');
  assert.deepEqual(g.stages.map((s) => [s.path, s.blocks.length]), [['{b1,b2,b3}', 3]]);
});

test('nested stacks are their own stages (MnasNet/EfficientNet style)', () => {
  const g = analyze(BLOCK + `
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.Sequential(
            nn.Conv2d(3, 8, 3, 1, 1),
            nn.Sequential(Block(8, 16), Block(16, 16)),
            nn.Sequential(Block(16, 24), Block(24, 24), Block(24, 24)))
    def forward(self, x):
        return self.layers(x)
`, 'Net()');
  assert.deepEqual(g.stages.map((s) => [s.path, s.blocks.length, s.inChannels, s.outChannels]), [
    ['layers.1', 2, 8, 16],
    ['layers.2', 3, 16, 24],
  ]);
});

test('a Sequential of plain layers (conv-bn-relu) is not a stage', () => {
  const g = analyze(`
import torch.nn as nn
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.f = nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8), nn.ReLU(), nn.Conv2d(8, 8, 3))
    def forward(self, x):
        return self.f(x)
`, 'Net()');
  assert.deepEqual(g.stages, []);
});

// ── stages of units: one conv (+ norm/activation) each ──────────────────────────────────────

const UNITS = `
import torch.nn as nn
def conv_bn(cin, cout, stride=1):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.flat = nn.Sequential(
            nn.Conv2d(3, 16, 3, 1, 1), nn.BatchNorm2d(16), nn.ReLU(),
            nn.Conv2d(16, 16, 3, 1, 1), nn.BatchNorm2d(16), nn.ReLU(),
            nn.Conv2d(16, 16, 3, 1, 1), nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, 1, 1), nn.ReLU(),
            nn.Conv2d(32, 32, 3, 1, 1), nn.ReLU())
        self.mods = nn.Sequential(conv_bn(32, 64, 2), conv_bn(64, 64), conv_bn(64, 64), conv_bn(64, 64))
    def forward(self, x):
        return self.mods(self.flat(x))
`;

test('runs of ≥ 3 conv units at one resolution are stages: flat in a Sequential, or unit modules', () => {
  const g = analyze(UNITS, 'Net()');
  assert.deepEqual(g.stages.map((s) => [s.path, s.kind, s.blocks, s.members ?? null, s.resolution, s.inChannels, s.outChannels]), [
    ['flat[0:8]', 'units', ['flat.0', 'flat.3', 'flat.6'], [['flat.0', 'flat.1', 'flat.2'], ['flat.3', 'flat.4', 'flat.5'], ['flat.6', 'flat.7']], [32, 32], 3, 16],
    ['mods', 'units', ['mods.0', 'mods.1', 'mods.2', 'mods.3'], null, [8, 8], 32, 64],
  ]);
  const flat = g.stages[0];
  const members = flat.members!.flat().map((p) => g.modules.find((m) => m.path === p)!);
  assert.equal(flat.macs, members.reduce((t, m) => t + m.macs!, 0));
  assert.equal(flat.params, members.reduce((t, m) => t + m.params, 0));
});

test('not stages of units: two units, a channel change after the first, a bottleneck\'s attributes', () => {
  const g = analyze(`
import torch.nn as nn
class Bottleneck(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv1 = nn.Conv2d(c, c // 4, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(c // 4)
        self.conv2 = nn.Conv2d(c // 4, c // 4, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(c // 4)
        self.conv3 = nn.Conv2d(c // 4, c // 4, 3, 1, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(c // 4)
        self.relu = nn.ReLU()
    def forward(self, x):
        return self.relu(self.bn3(self.conv3(self.bn2(self.conv2(self.bn1(self.conv1(x)))))))
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.two = nn.Sequential(nn.Conv2d(3, 16, 3, 1, 1), nn.ReLU(), nn.Conv2d(16, 16, 3, 1, 1), nn.ReLU())
        self.widen = nn.Sequential(nn.Conv2d(16, 16, 3, 1, 1), nn.Conv2d(16, 32, 3, 1, 1), nn.Conv2d(32, 32, 3, 1, 1))
        self.b = Bottleneck(32)
        self.pool = nn.MaxPool2d(2)
    def forward(self, x):
        # Pools between them: the three are not a run of blocks either.
        return self.b(self.pool(self.widen(self.pool(self.two(x)))))
`, 'Net()');
  assert.deepEqual(g.stages, []);
});
