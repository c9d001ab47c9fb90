// Measured redundancy without Python: the statistics on data with known answers, calibration
// (decode, resize, normalise), the surgery's sums against the activations themselves, and the
// whole measurement on GhostLens's export of the example with an images folder; bad input,
// cancellation and timeout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PNG } from 'pngjs';
import * as jpeg from 'jpeg-js';
import { onnx } from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import { Moments, CrossMoments, fitStage, layerFigures } from '../../src/core/redundancy/stats';
import { toTensor, decodeImage, listImages, Gaussian, CalibrationError } from '../../src/core/redundancy/calibration';
import { StatsBuilder } from '../../src/core/redundancy/surgery';
import { measureRedundancy, RedundancyError } from '../../src/core/redundancy/measure';
import { sourceToOnnx } from '../../src/core/onnx/export';
import type { StageFinding, ConvFinding } from '../../src/core/analysis/diagnostics';
import { nodeHost } from '../../src/cli/nodeHost';
import { memHost } from './memhost';

const ROOT = resolve(__dirname, '../../..');
const WORKER = join(ROOT, 'dist/redundancyWorker.js');
const dir = mkdtempSync(join(tmpdir(), 'ghostlens-redundancy-unit-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

/** Moments of rows of `x` (n × C), added in batches of `batch` rows. */
function moments(x: number[][], full: boolean, batch = 7): Moments {
  const C = x[0].length, m = new Moments(C, full);
  for (let s = 0; s < x.length; s += batch) {
    const rows = x.slice(s, s + batch);
    const sum = new Array(C).fill(0), second = new Array(full ? C * C : C).fill(0);
    for (const r of rows) for (let i = 0; i < C; i++) {
      sum[i] += r[i];
      if (full) for (let j = 0; j < C; j++) second[i * C + j] += r[i] * r[j];
      else second[i] += r[i] * r[i];
    }
    m.add(rows.length, sum, second);
  }
  return m;
}
function cross(x: number[][], y: number[][]): CrossMoments {
  const c = new CrossMoments(x[0].length, y[0].length);
  const b = new Array(c.cx * c.cy).fill(0);
  x.forEach((r, k) => { for (let i = 0; i < c.cx; i++) for (let j = 0; j < c.cy; j++) b[i * c.cy + j] += r[i] * y[k][j]; });
  c.add(b);
  return c;
}
const gauss = new Gaussian(7);
const randn = (n: number, c: number) => Array.from({ length: n }, () => Array.from({ length: c }, () => gauss.next()));

test('stage fit: an exact linear map is found (error ≈ 0); independent targets are not (error ≈ 1)', () => {
  const C = 6, K = 4;
  const A = randn(C, K), b = [1, -2, 0.5, 3];
  const data = (n: number) => {
    const x = randn(n, C).map((r) => r.map((v, i) => v * (i + 1) + i));
    const lin = x.map((r) => b.map((bj, j) => bj + r.reduce((t, v, i) => t + v * A[i][j], 0)));
    return { x, lin, ind: randn(n, K) };
  };
  const fit = data(600), held = data(200);
  const [lin, ind] = fitStage(
    moments(fit.x, true), [{ y: moments(fit.lin, false), xy: cross(fit.x, fit.lin) }, { y: moments(fit.ind, false), xy: cross(fit.x, fit.ind) }],
    moments(held.x, true), [{ y: moments(held.lin, false), xy: cross(held.x, held.lin) }, { y: moments(held.ind, false), xy: cross(held.x, held.ind) }],
    1e-6,
  );
  assert.ok(lin.relError < 1e-6, `linear: ${lin.relError}`);
  assert.ok(ind.relError > 0.9 && ind.relError < 1.2, `independent: ${ind.relError}`);
  assert.throws(() => fitStage(moments(fit.x, false), [], moments(held.x, true), [], 1e-3), /full Gram/);
});

test('layer figures: copies (even scaled and shifted) are duplicates; a constant channel is left out', () => {
  const n = 400;
  const base = randn(n, 3);
  // Channels 3..5 are affine copies of 0..2; channel 6 is constant.
  const x = base.map((r) => [...r, 2 * r[0] + 1, -r[1] + 5, 0.5 * r[2], 3]);
  const f = layerFigures(moments(x, true), 0.9, 2);
  assert.equal(f.dead, 1);
  assert.equal(f.nearDuplicateShare, 3 / 7);
  assert.equal(f.cosineHistogram.reduce((t, c) => t + c, 0), (6 * 5) / 2, 'pairs of the 6 live channels');
  assert.equal(f.cosineHistogram[19], 3, 'the three copies are in the top bin');
  // ceil(7/2) = 4 kept: the three originals (or copies) and one more: nothing is lost.
  assert.ok(f.ghostReconError! < 1e-9, `rebuilt at ${f.ghostReconError}`);
  // Keeping only ceil(7/4) = 2 channels loses the weakest source: channels 2 and 5 (variance 1 and
  // 0.25) of a total of 1 + 1 + 1 + 4 + 1 + 0.25.
  const g = layerFigures(moments(x, true), 0.9, 4);
  assert.ok(Math.abs(g.ghostReconError! - 1.25 / 8.25) < 0.03, `rebuilt from 2 at ${g.ghostReconError}`);
  assert.equal(layerFigures(moments(randn(n, 8), true), 0.9, 2).nearDuplicateShare, 0);
});

test('calibration: resize, crop and normalise; PNG and JPEG decode; folders are walked', () => {
  const img = { width: 2, height: 2, data: new Uint8Array([255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 255, 51, 102, 153, 255]) };
  const out = new Float32Array(12);
  toTensor(img, 3, 2, 2, [0, 0, 0], [1, 1, 1], out);
  assert.deepEqual([...out].map((v) => Math.round(v * 1000) / 1000), [1, 0, 0, 0.2, 0, 1, 0, 0.4, 0, 0, 1, 0.6]);
  toTensor(img, 3, 2, 2, [0.5, 0.5, 0.5], [0.25, 0.25, 0.25], out);
  assert.equal(out[0], (1 - 0.5) / 0.25);
  // A wide image: the shorter side fits, the centre is kept.
  const wide = { width: 4, height: 1, data: new Uint8Array([0, 0, 0, 255, 100, 100, 100, 255, 200, 200, 200, 255, 255, 255, 255, 255]) };
  const g = new Float32Array(2);
  toTensor(wide, 1, 1, 2, [0], [1], g);
  assert.deepEqual([...g].map((v) => Math.round(v * 255)), [100, 200]);
  assert.throws(() => toTensor(img, 4, 2, 2, [0, 0, 0], [1, 1, 1], new Float32Array(16)), CalibrationError);

  const d = join(dir, 'imgs');
  mkdirSync(join(d, 'cat'), { recursive: true });
  const png = new PNG({ width: 3, height: 2 });
  png.data.fill(200);
  writeFileSync(join(d, 'cat', 'a.png'), PNG.sync.write(png));
  writeFileSync(join(d, 'b.jpg'), jpeg.encode({ width: 3, height: 2, data: Buffer.alloc(24, 100) }, 100).data);
  writeFileSync(join(d, 'notes.txt'), 'not an image');
  writeFileSync(join(d, 'broken.png'), 'not a png');
  assert.deepEqual(listImages(d).map((p) => p.slice(d.length + 1)), ['b.jpg', 'broken.png', 'cat/a.png']);
  assert.equal(listImages(d, 2).length, 2);
  assert.deepEqual([...decodeImage(join(d, 'cat', 'a.png')).data.slice(0, 4)], [200, 200, 200, 200]);
  const j = decodeImage(join(d, 'b.jpg'));
  assert.deepEqual([j.width, j.height], [3, 2]);
  assert.ok(Math.abs(j.data[0] - 100) <= 2);
  assert.throws(() => decodeImage(join(d, 'broken.png')), /neither a PNG nor a JPEG/);
  assert.throws(() => listImages(join(d, 'missing')), /no such images folder/);
  mkdirSync(join(dir, 'empty'));
  assert.throws(() => listImages(join(dir, 'empty')), /no PNG or JPEG images/);
  // Seeded random inputs repeat.
  const a = new Float32Array(1000), b = new Float32Array(1000);
  new Gaussian(3).fill(a); new Gaussian(3).fill(b);
  assert.deepEqual(a, b);
  const mean = a.reduce((t, v) => t + v, 0) / a.length;
  assert.ok(Math.abs(mean) < 0.1 && Math.abs(a.reduce((t, v) => t + v * v, 0) / a.length - 1) < 0.15);
});

test("the surgery's sums equal sums of the activations onnxruntime computes", async () => {
  const F = onnx.TensorProto.DataType.FLOAT;
  const w = Float32Array.from({ length: 3 * 2 }, (_, i) => (i % 3) - 1 + i / 10);
  const graph: onnx.IGraphProto = {
    name: 'g', node: [{ name: 'conv', opType: 'Conv', input: ['x', 'w'], output: ['y'] }],
    initializer: [{ name: 'w', dataType: F, dims: [3, 2, 1, 1], rawData: Buffer.from(w.buffer) }],
    input: [{ name: 'x', type: { tensorType: { elemType: F, shape: { dim: [2, 2, 3, 3].map((d) => ({ dimValue: d })) } } } }],
    output: [{ name: 'y', type: { tensorType: { elemType: F, shape: { dim: [2, 3, 3, 3].map((d) => ({ dimValue: d })) } } } }],
  };
  const bytes = onnx.ModelProto.encode({ irVersion: 8, opsetImport: [{ domain: '', version: 17 }], graph }).finish();
  const sb = new StatsBuilder(bytes);
  const yv = { value: 'y', shape: [2, 3, 3, 3], elemType: F };
  const my = sb.moments(yv, true);
  const sub = sb.moments({ ...yv, channels: [2, 0] }, false);
  const xy = sb.cross({ value: 'x', shape: [2, 2, 3, 3], elemType: F }, { ...yv, channels: [2, 0] });
  const s = sb.finish();
  const session = await ort.InferenceSession.create(s.bytes);
  const x = Float32Array.from({ length: 36 }, (_, i) => Math.sin(i));
  const out = await session.run({ x: new ort.Tensor('float32', x, [2, 2, 3, 3]) }, ['y', ...s.outputs]);
  await session.release();
  const y = out.y.data as Float32Array;
  // Pixel vectors: (sample, h, w) → channels.
  const px = (t: Float32Array, C: number) => Array.from({ length: 18 }, (_, p) => Array.from({ length: C }, (_, c) => t[Math.floor(p / 9) * C * 9 + c * 9 + (p % 9)]));
  const Y = px(y, 3), X = px(x, 2);
  const close = (a: ArrayLike<number>, b: number[], what: string) => b.forEach((v, i) => assert.ok(Math.abs(a[i] - v) < 1e-4, `${what}[${i}]: ${a[i]} vs ${v}`));
  close(out[my.sum].data as Float32Array, [0, 1, 2].map((c) => Y.reduce((t, r) => t + r[c], 0)), 'Σy');
  close(out[my.second].data as Float32Array, [0, 1, 2].flatMap((i) => [0, 1, 2].map((j) => Y.reduce((t, r) => t + r[i] * r[j], 0))), 'Σyyᵀ');
  close(out[sub.second].data as Float32Array, [2, 0].map((c) => Y.reduce((t, r) => t + r[c] * r[c], 0)), 'Σy² of channels 2, 0');
  close(out[xy].data as Float32Array, [0, 1].flatMap((i) => [2, 0].map((j) => X.reduce((t, r, k) => t + r[i] * Y[k][j], 0))), 'Σxyᵀ');
});

function exampleOnnx(): { path: string; graph: ReturnType<typeof sourceToOnnx>['graph'] } {
  const src = join(ROOT, 'examples/resnet_cifar.py');
  const r = sourceToOnnx(nodeHost, src, readFileSync(src, 'utf8'));
  const path = join(dir, 'resnet56.onnx');
  writeFileSync(path, r.bytes);
  return { path, graph: r.graph };
}

test('the example measured from an images folder, mapped to the source analysis', async () => {
  const { path, graph } = exampleOnnx();
  const d = join(dir, 'photos');
  mkdirSync(d);
  const g = new Gaussian(11);
  for (let i = 0; i < 8; i++) {
    const data = Buffer.alloc(40 * 48 * 4);
    for (let k = 0; k < data.length; k++) data[k] = k % 4 === 3 ? 255 : Math.max(0, Math.min(255, 128 + 60 * g.next()));
    if (i % 2) writeFileSync(join(d, `${i}.jpg`), jpeg.encode({ width: 48, height: 40, data }, 90).data);
    else { const p = new PNG({ width: 48, height: 40 }); data.copy(p.data); writeFileSync(join(d, `${i}.png`), PNG.sync.write(p)); }
  }
  const progress: string[] = [];
  const r = await measureRedundancy(path, { images: d, source: graph }, { workerPath: WORKER, onProgress: (p) => progress.push(p.message) });
  assert.deepEqual(r.calibration, { kind: 'images', source: d, samples: 8, fit: 6, test: 2 });
  assert.deepEqual(r.stages.map((s) => [s.stage, s.firstBlock, s.blocks.length]), [['layer1', 'layer1.0', 8], ['layer2', 'layer2.0', 8], ['layer3', 'layer3.0', 8]]);
  assert.equal(r.layers.length, graph.modules.filter((m) => m.type === 'Conv2d').length);
  for (const s of r.stages) for (const b of s.blocks) assert.ok(Number.isFinite(b.relError) && b.relError >= 0);
  assert.ok(r.peakRssBytes! > 10 * 2 ** 20);
  assert.ok(progress.includes('batch 8 of 8') && progress.some((p) => /^fitting stage layer3/.test(p)), progress.join('; '));
  assert.ok(!r.notes.some((n) => /random inputs/.test(n)));
  assert.ok(r.notes.some((n) => /peak memory/.test(n)));
});

test('bad input is refused with a message; cancel and timeout stop the child', async () => {
  const { path } = exampleOnnx();
  const opts = { workerPath: WORKER };
  const refused = async (p: Promise<unknown>, re: RegExp) => assert.rejects(p, (e: unknown) => e instanceof RedundancyError && e.kind === 'input' && re.test(e.message));
  await refused(measureRedundancy(path, {}, opts), /images folder or a number of random samples/);
  await refused(measureRedundancy(path, { random: 4, images: dir }, opts), /not both/);
  await refused(measureRedundancy(path, { random: 1 }, opts), /integer ≥ 2/);
  await refused(measureRedundancy(join(dir, 'nope.onnx'), { random: 4 }, opts), /cannot read/);
  writeFileSync(join(dir, 'junk.onnx'), 'junk');
  await refused(measureRedundancy(join(dir, 'junk.onnx'), { random: 4 }, opts), /not an ONNX model/);
  await refused(measureRedundancy(path, { images: join(dir, 'missing') }, opts), /no such images folder/);
  await refused(measureRedundancy(path, { images: join(dir, 'imgs') }, opts), /broken\.png is neither a PNG nor a JPEG/);
  const ac = new AbortController();
  const p = measureRedundancy(path, { random: 64 }, { ...opts, signal: ac.signal, onProgress: () => ac.abort() });
  await assert.rejects(p, (e: unknown) => e instanceof RedundancyError && e.kind === 'cancelled');
  await assert.rejects(measureRedundancy(path, { random: 64 }, { ...opts, timeoutMs: 50 }), (e: unknown) => e instanceof RedundancyError && e.kind === 'timeout' && /within 50 ms/.test(e.message));
});

test('diagnostics say what was measured at their stages and convs', async () => {
  const { computeDiagnostics, withMeasured } = await import('../../src/core/analysis/diagnostics');
  const { graph } = exampleOnnx();
  const findings = computeDiagnostics(graph);
  const stage = findings.find((f): f is StageFinding => f.kind === 'stage' && f.data.paths.includes('layer3'))!;
  const conv = findings.find((f): f is ConvFinding => f.kind === 'conv' && f.data.paths.includes('layer2.0.conv1'))!;
  assert.ok(stage && conv);
  const r = {
    model: 'resnet56.onnx', calibration: { kind: 'images' as const, source: '/imgs', samples: 64, fit: 48, test: 16 }, provider: 'cpu',
    stages: [{ stage: 'layer3', firstBlock: 'layer3.0', blocks: [{ path: 'layer3.1', relError: 0.5, channels: 64 }, { path: 'layer3.8', relError: 0.04, channels: 64 }] }],
    layers: conv.data.paths.map((p, i) => ({ path: p, channels: 32, cosineHistogram: [], meanAbsCosine: 0.3, nearDuplicateShare: i ? 0.5 : 0.25, threshold: 0.9, ghostReconError: 0.12, ratio: 2 })),
    peakRssBytes: null, notes: [],
  };
  const out = withMeasured(findings, r);
  const s = out.find((f) => f.kind === 'stage' && f.data === stage.data)!;
  assert.equal(s.measured, 'measured: layer3.8 rebuilt from layer3.0 at 4.0% error \u2014 redundant');
  // The message stays the one line it was; the note is beside it (related information in the editor).
  assert.equal(s.message, stage.message);
  const c = out.find((f) => f.kind === 'conv' && f.data === conv.data)!;
  const n = conv.data.paths.length;
  const share = (0.25 + 0.5 * (n - 1)) / n;
  assert.match(c.measured!, new RegExp(`^measured: ${n > 1 ? `${n} instances: ` : ''}${Math.round(100 * share)}% of channels duplicate another \\(\\|cos\\| \u2265 0\\.9\\), all rebuilt from 1/2 of them at 12% error$`));
  // Other findings are untouched; random inputs are said.
  assert.equal(out.filter((f) => f.measured).length, 2);
  out.forEach((f, i) => { if (!f.measured) assert.equal(f, findings[i]); });
  const rand = withMeasured(findings, { ...r, calibration: { ...r.calibration, kind: 'random' } });
  assert.match(rand.find((f) => f.kind === 'stage' && f.data === stage.data)!.measured!, /^measured \(on random inputs\): /);
});

test('a stage of units is measured from the first unit\'s output (after its activation)', async () => {
  // features: conv3x3 + ReLU, then two 1×1 convs without activation: the later units are exactly
  // linear in the first unit's output (error ≈ 0), not in its conv's output before the ReLU.
  const src = `
import torch.nn as nn
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(3, 8, 3, 1, 1), nn.ReLU(), nn.Conv2d(8, 8, 1), nn.Conv2d(8, 8, 1))
    def forward(self, x):
        return self.features(x)
`;
  const r = sourceToOnnx(memHost({ '/m/units.py': src }), '/m/units.py', src, { model: 'Net()', input: [[1, 3, 8, 8]] });
  assert.deepEqual(r.graph.stages.map((s) => [s.path, s.kind, s.members]), [['features', 'units', [['features.0', 'features.1'], ['features.2'], ['features.3']]]]);
  const path = join(dir, 'units.onnx');
  writeFileSync(path, r.bytes);
  const m = await measureRedundancy(path, { random: 16, source: r.graph }, { workerPath: WORKER });
  assert.deepEqual(m.stages.map((s) => [s.stage, s.firstBlock, s.blocks.map((b) => b.path)]), [['features', 'features.0', ['features.2', 'features.3']]]);
  for (const b of m.stages[0].blocks) assert.ok(b.relError < 1e-3, `${b.path}: ${b.relError}`);
});
