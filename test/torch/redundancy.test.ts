// Measured redundancy against models with known answers, built and exported by torch here:
// - a stage whose later blocks are exactly linear (1×1 convs, no activation) in the first block's
//   output: reconstruction error ≈ 0;
// - the same stage with 3×3 conv + ReLU blocks on i.i.d. pixels: the later blocks depend on
//   neighbouring pixels the first block's output at a pixel knows nothing of: error high;
// - a conv (on the stem's i.i.d. output) whose second half of filters copies the first half: half
//   the channels duplicate another (share 0.5) and rebuilding from half of them is exact;
//   orthogonal filters on i.i.d. channels: share 0, and the half left out is lost (error 0.5).
// Then torchvision resnet18 (random init, 1×3×64×64), with its figures printed.
import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { measureRedundancy } from '../../src/core/redundancy/measure';
import type { RedundancyResult } from '../../src/core/redundancy/types';
import { torchAvailable, PYTHON, ROOT } from './python';

const run = promisify(execFile);
const skip = torchAvailable() ? false : 'PyTorch is not importable by /usr/bin/python3';
const dir = mkdtempSync(join(tmpdir(), 'ghostlens-redundancy-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const WORKER = join(ROOT, 'dist/redundancyWorker.js');

const MODELS = `
import sys, torch, torch.nn as nn, torchvision
torch.manual_seed(0)

class Block(nn.Module):
    def __init__(self, c, k, act):
        super().__init__()
        self.conv1 = nn.Conv2d(c, c, k, padding=k // 2)
        self.conv2 = nn.Conv2d(c, c, k, padding=k // 2)
        self.act = act
    def forward(self, x):
        x = self.conv1(x)
        if self.act:
            x = torch.relu(x)
        x = self.conv2(x)
        if self.act:
            x = torch.relu(x)
        return x

class Toy(nn.Module):
    def __init__(self, linear):
        super().__init__()
        self.stem = nn.Conv2d(16, 16, 1)
        later = [Block(16, 1, False) if linear else Block(16, 3, True) for _ in range(3)]
        self.stage = nn.Sequential(Block(16, 1, True), *later)
        self.dup = nn.Conv2d(16, 16, 3, padding=1, bias=False)
        self.indep = nn.Conv2d(16, 16, 1, bias=False)
        with torch.no_grad():
            self.dup.weight[8:] = self.dup.weight[:8]
            nn.init.orthogonal_(self.indep.weight)
    def forward(self, x):
        s = self.stem(x)
        return self.stage(s) + self.dup(s) + self.indep(x)

def export(model, shape, path, **kw):
    model.eval()
    with torch.no_grad():
        torch.onnx.export(model, (torch.randn(*shape),), path, **kw)

out = sys.argv[1]
export(Toy(True), (1, 16, 12, 12), out + '/linear.onnx')
export(Toy(False), (1, 16, 12, 12), out + '/random.onnx')
export(torchvision.models.resnet18(), (1, 3, 64, 64), out + '/resnet18.onnx',
       training=torch.onnx.TrainingMode.PRESERVE, do_constant_folding=False)
`;

const measure = (file: string, random: number): Promise<RedundancyResult> =>
  measureRedundancy(join(dir, file), { random }, { workerPath: WORKER, timeoutMs: 120_000 });

describe('measured redundancy on models with known answers', { skip, concurrency: 1 }, () => {
  before(async () => {
    if (skip) return;
    writeFileSync(join(dir, 'models.py'), MODELS);
    await run(PYTHON, [join(dir, 'models.py'), dir], { env: { ...process.env, OMP_NUM_THREADS: '1' } });
  });

  test('later blocks linear in the first block: reconstructed at ≈ 0 error', async () => {
    const r = await measure('linear.onnx', 32);
    assert.deepEqual(r.stages.map((s) => [s.stage, s.firstBlock, s.blocks.map((b) => b.path)]), [['stage', 'stage.0', ['stage.1', 'stage.2', 'stage.3']]]);
    console.log(`linear stage: ${r.stages[0].blocks.map((b) => `${b.path} ${b.relError.toExponential(2)}`).join(', ')}`);
    for (const b of r.stages[0].blocks) assert.ok(b.relError < 1e-3, `${b.path}: ${b.relError}`);
    assert.equal(r.calibration.kind, 'random');
    assert.match(r.notes[0], /random inputs/);
  });

  test('later blocks of 3×3 convs and ReLU on i.i.d. pixels: error high', async () => {
    const r = await measure('random.onnx', 32);
    console.log(`3×3 + ReLU stage: ${r.stages[0].blocks.map((b) => `${b.path} ${(100 * b.relError).toFixed(1)}%`).join(', ')}`);
    for (const b of r.stages[0].blocks) assert.ok(b.relError > 0.5, `${b.path}: ${b.relError}`);
  });

  test('a conv whose half channels copy the other half: share 50%, rebuilt exactly from half', async () => {
    const r = await measure('random.onnx', 32);
    const dup = r.layers.find((l) => l.path === 'dup')!;
    console.log(`dup: share ${dup.nearDuplicateShare}, rebuilt at ${dup.ghostReconError!.toExponential(2)}; indep: ${JSON.stringify(r.layers.find((l) => l.path === 'indep'), (k, v) => (k === 'cosineHistogram' ? undefined : v))}`);
    assert.equal(dup.nearDuplicateShare, 0.5);
    assert.ok(dup.ghostReconError !== null && dup.ghostReconError < 1e-4, `ghost error ${dup.ghostReconError}`);
    assert.equal(dup.cosineHistogram.reduce((t, c) => t + c, 0), (16 * 15) / 2);
    // Orthogonal filters on i.i.d. input channels: independent channels, none a copy; the half
    // not kept cannot be rebuilt from the other half at all (error ½ of the energy).
    const indep = r.layers.find((l) => l.path === 'indep')!;
    assert.equal(indep.nearDuplicateShare, 0);
    assert.ok(Math.abs(indep.ghostReconError! - 0.5) < 0.05, `independent channels rebuilt at ${indep.ghostReconError}`);
  });

  test('torchvision resnet18 (random init, 1×3×64×64): the figures', async () => {
    const r = await measure('resnet18.onnx', 16);
    assert.deepEqual(r.stages.map((s) => s.stage), ['layer1', 'layer2', 'layer3', 'layer4']);
    assert.equal(r.layers.length, 20);
    for (const s of r.stages) for (const b of s.blocks) assert.ok(Number.isFinite(b.relError) && b.relError >= 0, `${b.path}`);
    for (const l of r.layers) assert.ok(l.nearDuplicateShare >= 0 && l.nearDuplicateShare <= 1 && l.meanAbsCosine >= 0 && l.meanAbsCosine <= 1);
    assert.ok(r.peakRssBytes! > 0);
    console.log(`resnet18 random init, ${r.calibration.source}, fit ${r.calibration.fit} / test ${r.calibration.test}, peak RSS ${(r.peakRssBytes! / 2 ** 20).toFixed(0)} MiB`);
    for (const s of r.stages) console.log(`  stage ${s.stage}: ${s.blocks.map((b) => `${b.path} from ${s.firstBlock} at ${(100 * b.relError).toFixed(1)}% error`).join(', ')}`);
    for (const l of r.layers) console.log(`  ${l.path} (${l.channels} ch): mean |cos| ${l.meanAbsCosine.toFixed(3)}, near-duplicates ${(100 * l.nearDuplicateShare).toFixed(1)}%, rebuilt from 1/${l.ratio} at ${l.ghostReconError === null ? '—' : (100 * l.ghostReconError).toFixed(1) + '%'}`);
  });
});
