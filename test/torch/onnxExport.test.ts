// The ONNX exporter against the real thing: for torchvision families, our fixtures and the
// example, the synthesized file passes onnx's full checker, onnxruntime's output shapes equal the
// engine's, and — with our random weights loaded into the real PyTorch model by state_dict name
// (test/torch/oracle.py --check-onnx) — onnxruntime computes what torch computes.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import * as ort from 'onnxruntime-node';
import { sourceToOnnx } from '../../src/core/onnx/export';
import { readDirective } from '../../src/core/python';
import { nodeHost } from '../../src/cli/nodeHost';
import { torchAvailable, ROOT, PYTHON } from './python';
import { TV, TORCHVISION, fixtures, examples } from './compare';

const run = promisify(execFile);
const skip = torchAvailable() ? false : 'PyTorch is not importable by /usr/bin/python3 (apt install python3-torch python3-torchvision python3-onnx)';
const dir = mkdtempSync(join(tmpdir(), 'ghostlens-onnx-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

interface Checked { inputs: { path: string; shape: number[] }[]; outputs: { path: string; shape: number[] }[] }

const readF32 = (p: string): Float32Array => {
  const b = readFileSync(p);
  return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
};

async function check(file: string, expr: string | undefined, input: number[][]): Promise<void> {
  const text = readFileSync(file, 'utf8');
  const r = sourceToOnnx(nodeHost, file, text, { model: expr, input });
  const onnxPath = join(dir, `${(expr ?? 'model').replace(/\W+/g, '_')}_${Math.random().toString(36).slice(2, 8)}.onnx`);
  writeFileSync(onnxPath, r.bytes);
  try {
    const args = [join(ROOT, 'test/torch/oracle.py'), file, '--model', r.graph.model, ...input.flatMap((s) => ['--input', s.join('x')]), '--check-onnx', onnxPath];
    const { stdout } = await run(PYTHON, args, { maxBuffer: 16 << 20, env: { ...process.env, OMP_NUM_THREADS: '1' } });
    const checked = (JSON.parse(stdout) as { onnx: Checked }).onnx;
    const session = await ort.InferenceSession.create(onnxPath, { graphOptimizationLevel: 'all', intraOpNumThreads: 1 });
    const feeds: Record<string, ort.Tensor> = {};
    checked.inputs.forEach((x, i) => { feeds[r.export.inputs[i].name] = new ort.Tensor('float32', readF32(x.path), x.shape); });
    const out = await session.run(feeds);
    await session.release();
    const names = r.export.outputs.map((o) => o.name);
    assert.deepEqual(names.map((n) => [...out[n].dims]), r.graph.outputs, 'onnxruntime output shapes = engine output shapes');
    assert.equal(checked.outputs.length, names.length, 'number of outputs');
    checked.outputs.forEach((want, i) => {
      const got = out[names[i]].data as Float32Array;
      const ref = readF32(want.path);
      assert.deepEqual([...out[names[i]].dims], want.shape, `output ${i} shape`);
      let scale = 0, diff = 0;
      for (let k = 0; k < ref.length; k++) { scale = Math.max(scale, Math.abs(ref[k])); diff = Math.max(diff, Math.abs(ref[k] - got[k])); }
      assert.ok(Number.isFinite(diff) && diff <= 1e-3 * scale + 1e-5, `output ${i}: max |onnxruntime − torch| = ${diff.toExponential(2)} (scale ${scale.toExponential(2)})`);
    });
  } finally {
    rmSync(onnxPath, { force: true });
  }
}

describe('synthesized ONNX computes what torch computes', { skip, concurrency: 1 }, () => {
  for (const [file, expr] of TORCHVISION) test(`${expr} (${file})`, () => check(join(TV, file), expr, [[1, 3, 224, 224]]));
  for (const [file, expr, input] of [
    ['efficientnet.py', 'efficientnet_v2_s()', [1, 3, 224, 224]], ['regnet.py', 'regnet_x_3_2gf()', [1, 3, 224, 224]],
    ['inception.py', 'inception_v3()', [1, 3, 299, 299]], ['video/resnet.py', 'r3d_18()', [1, 3, 8, 112, 112]],
    ['vision_transformer.py', 'vit_b_16()', [1, 3, 224, 224]], ['swin_transformer.py', 'swin_t()', [1, 3, 224, 224]],
  ] as [string, string, number[]][]) test(`${expr} (${file})`, () => check(join(TV, file), expr, [input]));
  for (const f of [...fixtures, ...examples]) {
    const d = readDirective(readFileSync(f, 'utf8'));
    test(f.slice(ROOT.length + 1), () => check(f, d?.model, d?.input ?? [[1, 3, 224, 224]]));
  }
});

