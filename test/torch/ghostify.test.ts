// Ghostify against models of known answer, built and exported by torch here (seeded):
// - `stem`: nn.Sequential(conv, BN, ReLU) whose last 8 filters (and BN channels) copy the first 8
//   in a shuffled order: the output feeds a conv only, so the channels may be reordered; the copies
//   are found by filter |cosine| and a GhostModule taking BN and ReLU in rebuilds them exactly;
// - `stage`: 4 blocks of two convs + ReLU; the middle blocks' convs are block-diagonal over the
//   [raw | cheap] split (λ = 0.5: 8 | 8) with non-negative cheap weights and biases, so their
//   cheap outputs are exactly affine in the first block's cheap channels and their raw outputs
//   depend on raw channels only: the sliced middle blocks and the fitted ghost path are exact;
// - `dup`: a conv (BN separate) whose last 16 filters are twice the first 16.
// Exported both with BatchNorm kept and folded (torch's default eval export). Expected: the
// ghostified model's outputs equal the original's within 1e-4 relative; the same model without
// the planted structure (torch's plain init) is not rebuilt (the test can fail). Then PyTorch
// loads the rewritten source and the safetensors state_dict with strict=True and computes what
// OUT.onnx computes (onnxruntime), within 1e-4 relative.
import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import * as ort from 'onnxruntime-node';
import { ghostify } from '../../src/core/ghostify/runner';
import type { GhostifyResult } from '../../src/core/ghostify/types';
import { decodeSafetensors } from '../../src/core/ghostify/safetensors';
import { torchAvailable, PYTHON, ROOT } from './python';

const run = promisify(execFile);
const skip = torchAvailable() ? false : 'PyTorch is not importable by /usr/bin/python3';
const dir = mkdtempSync(join(tmpdir(), 'ghostlens-ghostify-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const WORKER = join(ROOT, 'dist/ghostifyWorker.js');
// 160×160 maps: large enough that the C-Ghost fits sample every 2nd row and column (surgery.ts).
const SIZE = 160;

const TOY = `import torch
import torch.nn as nn


class Block(nn.Module):
    def __init__(self, c, k=1):
        super().__init__()
        self.conv1 = nn.Conv2d(c, c, k, padding=k // 2)
        self.conv2 = nn.Conv2d(c, c, k, padding=k // 2)

    def forward(self, x):
        return torch.relu(self.conv2(torch.relu(self.conv1(x))))


class Toy(nn.Module):
    def __init__(self, classes=10):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16), nn.ReLU(inplace=True))
        self.stage = nn.Sequential(Block(16, 3), Block(16), Block(16), Block(16, 3))
        self.dup = nn.Conv2d(16, 32, 3, padding=1, bias=False)
        self.bn = nn.BatchNorm2d(32)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(32, classes)

    def forward(self, x):
        x = self.stem(x)
        x = self.stage(x)
        x = torch.relu(self.bn(self.dup(x)))
        return self.fc(torch.flatten(self.pool(x), 1))


def toy():
    return Toy()
`;

const MAKE = `
import sys, torch, importlib.util
spec = importlib.util.spec_from_file_location('toy', sys.argv[1]); mod = importlib.util.module_from_spec(spec); spec.loader.exec_module(mod)
out = sys.argv[2]
SIZE = int(sys.argv[3])
SHUFFLE = [3, 0, 6, 1, 7, 2, 5, 4]

def planted(m):
    with torch.no_grad():
        # channels 8..15 copy 0..7 in a shuffled order (with their BN): rebuilt only if the copies are found
        c = m.stem[0]; c.weight[8:] = c.weight[:8][SHUFFLE]
        bn = m.stem[1]
        for t in (bn.weight, bn.bias, bn.running_mean, bn.running_var):
            t.copy_(torch.rand_like(t) + 0.5); t[8:] = t[:8][SHUFFLE]
        for blk in (m.stage[1], m.stage[2]):
            for conv in (blk.conv1, blk.conv2):
                w, b = conv.weight, conv.bias
                w[:8, 8:] = 0; w[8:, :8] = 0; w[8:, 8:] = w[8:, 8:].abs(); b[8:] = b[8:].abs()
        m.dup.weight[16:] = 2 * m.dup.weight[:16]
        for t in (m.bn.weight, m.bn.bias, m.bn.running_mean, m.bn.running_var):
            t.copy_(torch.rand_like(t) + 0.5)
    return m

def export(m, path, kept):
    m.eval()
    kw = dict(training=torch.onnx.TrainingMode.PRESERVE, do_constant_folding=False) if kept else {}
    with torch.no_grad():
        torch.onnx.export(m, (torch.randn(1, 3, SIZE, SIZE),), path, opset_version=13, **kw)

torch.manual_seed(0)
export(planted(mod.toy()), out + '/kept.onnx', True)
torch.manual_seed(0)
export(planted(mod.toy()), out + '/folded.onnx', False)
torch.manual_seed(0)
export(mod.toy(), out + '/plain.onnx', True)
`;

// PyTorch side: the rewritten source, the state_dict read from the safetensors file with the
// format's own description (8-byte header length, JSON header, raw little-endian data) and
// torch.frombuffer — Debian has no python3-safetensors — loaded with strict=True.
const LOAD = `
import sys, json, struct, torch, importlib.util
src, weights, xin, yout = sys.argv[1:5]
spec = importlib.util.spec_from_file_location('ghost', src); mod = importlib.util.module_from_spec(spec); spec.loader.exec_module(mod)
raw = open(weights, 'rb').read()
n = struct.unpack('<Q', raw[:8])[0]
header = json.loads(raw[8:8 + n])
dt = {'F32': torch.float32, 'I64': torch.int64}
state = {}
for k, h in header.items():
    if k == '__metadata__':
        continue
    b, e = h['data_offsets']
    state[k] = torch.frombuffer(bytearray(raw[8 + n + b:8 + n + e]), dtype=dt[h['dtype']]).reshape(h['shape'])
model = mod.toy()
model.load_state_dict(state, strict=True)
model.eval()
x = torch.frombuffer(bytearray(open(xin, 'rb').read()), dtype=torch.float32).reshape(1, 3, int(sys.argv[5]), int(sys.argv[5]))
with torch.no_grad():
    y = model(x)
open(yout, 'wb').write(y.numpy().astype('<f4').tobytes())
print(json.dumps({'params': sum(p.numel() for p in model.parameters()), 'keys': len(state)}))
`;

const TARGETS = [{ kind: 'conv' as const, path: 'stem.0' }, { kind: 'stage' as const, path: 'stage' }, { kind: 'conv' as const, path: 'dup' }];

const ghost = (file: string, tag: string, baselines = false): Promise<GhostifyResult> => ghostify({
  onnxPath: join(dir, file), sourcePath: join(dir, 'toy.py'), model: 'toy()', targets: TARGETS, settings: { lambda: 0.5 },
  libraryPaths: [], options: { random: 64, baselines }, outOnnx: join(dir, `${tag}.onnx`), outWeights: join(dir, `${tag}.safetensors`),
}, { workerPath: WORKER, timeoutMs: 120_000 });

const relL2 = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let d = 0, r = 0;
  for (let i = 0; i < b.length; i++) { d += (a[i] - b[i]) ** 2; r += b[i] ** 2; }
  return Math.sqrt(d / r);
};

describe('ghostify on models with known answers', { skip, concurrency: 1 }, () => {
  before(async () => {
    if (skip) return;
    writeFileSync(join(dir, 'toy.py'), TOY);
    writeFileSync(join(dir, 'make.py'), MAKE);
    writeFileSync(join(dir, 'load.py'), LOAD);
    await run(PYTHON, [join(dir, 'make.py'), join(dir, 'toy.py'), dir, String(SIZE)], { env: { ...process.env, OMP_NUM_THREADS: '1' } });
  });

  for (const kind of ['kept', 'folded']) {
    test(`planted duplicates and an affine stage (BatchNorm ${kind}): outputs equal within 1e-4`, async () => {
      const r = await ghost(`${kind}.onnx`, `ghost-${kind}`, true);
      console.log(`${kind}: output error ${r.output.relError.toExponential(2)}, top-1 ${r.output.top1}; sites ${r.sites.map((s) => `${s.path} fit ${s.fitError?.toExponential(1)} model ${s.modelError?.toExponential(1)}`).join(', ')}; ` +
        `Ghost parts random: ${r.baselines!.ghostRandom.relError.toFixed(3)}, all random: ${r.baselines!.allRandom.relError.toFixed(3)}`);
      assert.deepEqual(r.sites.map((s) => [s.kind, s.path, s.fitted, s.channels]), [['conv', 'stem.0', 8, 16], ['stage', 'stage', 8, 16], ['conv', 'dup', 16, 32]]);
      assert.ok(r.output.relError < 1e-4, `output error ${r.output.relError}`);
      assert.equal(r.output.top1, 1);
      for (const s of r.sites) assert.ok(s.modelError! < 1e-4, `${s.path}: ${s.modelError}`);
      assert.match(r.sites[0].init, /chosen and paired with the others by filter \|cosine\|; channels reordered and what reads them \(1 conv\) permuted/);
      assert.match(r.sites[2].init, /first 16 filters \(the output reaches more than convs/);
      assert.equal(r.tensors.sliced, 8, 'the two middle blocks: 2 convs × (weight, bias), sliced to 8 channels');
      assert.ok(r.baselines!.ghostRandom.relError > 0.05 && r.baselines!.allRandom.relError > 0.5);
      // Only the mix branch's own layers stay random (its last BatchNorm is set to add nothing).
      assert.deepEqual(r.tensors.random.map((n) => n.replace(/\.\w+$/, '')).filter((p, i, a) => a.indexOf(p) === i), ['stage.mix.1', 'stage.mix.2', 'stage.mix.4']);
    });
  }

  test('the same model without the planted structure is not rebuilt exactly', async () => {
    const r = await ghost('plain.onnx', 'ghost-plain');
    console.log(`plain init: output error ${r.output.relError.toFixed(3)}; sites ${r.sites.map((s) => `${s.path} ${(100 * s.fitError!).toFixed(1)}%`).join(', ')}`);
    assert.ok(r.output.relError > 1e-3, `output error ${r.output.relError}`);
    for (const s of r.sites) assert.ok(s.fitError! > 1e-3, `${s.path}: ${s.fitError}`);
  });

  test('PyTorch: the rewritten source + safetensors load with strict=True and compute what OUT.onnx computes', async () => {
    const r = await ghost('kept.onnx', 'ghost-torch');
    const src = join(dir, 'ghost_toy.py');
    writeFileSync(src, r.rewrite.text);
    const st = decodeSafetensors(readFileSync(join(dir, 'ghost-torch.safetensors')));
    assert.ok(st.tensors.some((t) => t.name === 'stem.0.cheap.1.num_batches_tracked' && t.dtype === 'I64'));
    const x = new Float32Array(3 * SIZE * SIZE);
    let s = 12345;
    for (let i = 0; i < x.length; i++) { s = (s * 1103515245 + 12345) >>> 0; x[i] = (s / 2 ** 32) * 4 - 2; }
    writeFileSync(join(dir, 'x.bin'), Buffer.from(x.buffer));
    const { stdout } = await run(PYTHON, [join(dir, 'load.py'), src, join(dir, 'ghost-torch.safetensors'), join(dir, 'x.bin'), join(dir, 'y.bin'), String(SIZE)], { env: { ...process.env, OMP_NUM_THREADS: '1' } });
    const info = JSON.parse(stdout.trim().split('\n').pop()!);
    assert.equal(info.params, r.rewrite.after.params, 'PyTorch counts the parameters GhostLens counts');
    assert.equal(info.keys, st.tensors.length);
    const b = readFileSync(join(dir, 'y.bin'));
    const yTorch = new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
    const session = await ort.InferenceSession.create(join(dir, 'ghost-torch.onnx'));
    assert.equal(session.outputNames.length, 1, 'OUT.onnx has the model\'s outputs only');
    const out = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', x, [1, 3, SIZE, SIZE]) });
    const yOnnx = out[session.outputNames[0]].data as Float32Array;
    const err = relL2(yOnnx, yTorch);
    console.log(`PyTorch vs OUT.onnx: relative L2 ${err.toExponential(2)} over ${yTorch.length} outputs`);
    assert.equal(yOnnx.length, yTorch.length);
    assert.ok(err <= 1e-4, `PyTorch and OUT.onnx differ by ${err}`);
  });
});
