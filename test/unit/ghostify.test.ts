// Ghostify without PyTorch: the pieces on data with known answers (safetensors bytes, leading
// slices, least squares from sums, where rewritten modules come from), and `ghostlens ghostify`
// end to end on GhostLens's own export of the example (exit codes, the result, the files).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import * as ort from 'onnxruntime-node';
import { sourceToOnnx } from '../../src/core/onnx/export';
import { nodeHost } from '../../src/cli/nodeHost';
import { encodeSafetensors, decodeSafetensors } from '../../src/core/ghostify/safetensors';
import { lead } from '../../src/core/ghostify/fill';
import { emptySums, solveLsq, lsqError, relOf } from '../../src/core/ghostify/fit';
import { originOf, Site } from '../../src/core/ghostify/sites';
import { chooseOrder, inputChannels } from '../../src/core/ghostify/order';
import type { GhostifyResult } from '../../src/core/ghostify/types';
import { hostMessage, ghostifyView, receive } from '../../src/protocol';

const ROOT = resolve(__dirname, '../../..');
const CLI = join(ROOT, 'dist/cli.js');
const EXAMPLE = join(ROOT, 'examples/resnet_cifar.py');
const dir = mkdtempSync(join(tmpdir(), 'ghostlens-ghostify-'));
const run = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });

test('safetensors: 8-byte header length, JSON header padded to 8, contiguous data; read back equal', () => {
  const w = Float32Array.from([1, -2.5, 3, 4, 5, 6]);
  const bytes = encodeSafetensors([
    { name: 'conv.weight', dtype: 'F32', shape: [2, 3], data: w },
    { name: 'bn.num_batches_tracked', dtype: 'I64', shape: [], data: BigInt64Array.from([7n]) },
  ], { format: 'pt' });
  const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
  assert.equal((8 + n) % 8, 0);
  const header = JSON.parse(Buffer.from(bytes.subarray(8, 8 + n)).toString('utf8'));
  assert.deepEqual(header['conv.weight'], { dtype: 'F32', shape: [2, 3], data_offsets: [0, 24] });
  assert.deepEqual(header['bn.num_batches_tracked'], { dtype: 'I64', shape: [], data_offsets: [24, 32] });
  assert.deepEqual(header.__metadata__, { format: 'pt' });
  assert.equal(bytes.length, 8 + n + 32);
  const back = decodeSafetensors(bytes);
  assert.deepEqual([...back.tensors[0].data as Float32Array], [...w]);
  assert.equal((back.tensors[1].data as BigInt64Array)[0], 7n);
  assert.throws(() => encodeSafetensors([{ name: 'a', dtype: 'F32', shape: [3], data: new Float32Array(2) }]), /2 values for shape \[3\]/);
});

test('leading slices keep the block structure: [4, 3, 2] → [2, 2, 2]', () => {
  const data = Float32Array.from({ length: 24 }, (_, i) => i);
  assert.deepEqual([...lead({ dims: [4, 3, 2], data }, [2, 2, 2])!], [0, 1, 2, 3, 6, 7, 8, 9]);
  assert.equal(lead({ dims: [4, 3, 2], data }, [5, 1, 1]), null);
  assert.equal(lead({ dims: [4, 3, 2], data }, [4, 3]), null);
});

test('least squares from sums recovers an affine map exactly, and measures a wrong one', () => {
  // y = 2·x0 − x1 + 3 and y2 = x1 − 1 on 200 pseudo-random points.
  const s = emptySums(2, 2);
  let r = 1;
  const rnd = () => { r = (r * 16807) % 2147483647; return r / 2147483647 - 0.5; };
  for (let k = 0; k < 200; k++) {
    const x = [rnd(), rnd()], y = [2 * x[0] - x[1] + 3, x[1] - 1];
    s.n++;
    for (let i = 0; i < 2; i++) {
      s.sx[i] += x[i];
      for (let j = 0; j < 2; j++) { s.sxx[i * 2 + j] += x[i] * x[j]; s.sxy[i * 2 + j] += x[i] * y[j]; }
      s.sy[i] += y[i]; s.syy[i] += y[i] * y[i];
    }
  }
  const f = solveLsq(s, 1e-9);
  const near = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-6, `${a} vs ${b}`);
  near(f.w[0], 2); near(f.w[2], -1); near(f.w[1], 0); near(f.w[3], 1); near(f.b[0], 3); near(f.b[1], -1);
  assert.ok(relOf(lsqError(f, s)) < 1e-10);
  // The zero map leaves all of the centred energy (and the offsets) unexplained.
  assert.ok(relOf(lsqError({ w: new Float64Array(4), b: Float64Array.from([3, -1]) }, s)) > 0.99);
});

test('origins: a G-Ghost stage keeps its first and last blocks, slices the middle ones; a GhostModule is a site', () => {
  const sites: Site[] = [
    { kind: 'stage', path: 'layer2', blocks: ['layer2.0', 'layer2.1', 'layer2.2', 'layer2.3'], channels: 32, raw: 19 },
    { kind: 'conv', path: 'conv1', oup: 16, intrinsic: 8, ratio: 2, dw: 3, relu: false, bn: null, outputOf: ['conv1'] },
  ];
  assert.deepEqual(originOf('layer2.first.conv1', sites), { kind: 'same', path: 'layer2.0.conv1' });
  assert.deepEqual(originOf('layer2.last.bn2', sites), { kind: 'same', path: 'layer2.3.bn2' });
  assert.deepEqual(originOf('layer2.middle.1.conv2', sites), { kind: 'sliced', path: 'layer2.2.conv2' });
  assert.equal((originOf('layer2.ghost.0', sites) as { part: string }).part, 'ghost.0');
  assert.equal((originOf('conv1.cheap.1', sites) as { part: string }).part, 'cheap.1');
  assert.deepEqual(originOf('layer20.conv', sites), { kind: 'same', path: 'layer20.conv' });
});

test('order: kept filters and their copies found by |cosine|; a copy follows its kept filter in the ghost slots', () => {
  // 6 filters of 4 weights: 3 independent ones (0, 2, 4) and scaled / negated copies (5 ← 0, 1 ← 2, 3 ← 4).
  const base = [[1, 0, 0, 0], [0, 1, 0.5, 0], [0, 0, 0, 1]];
  const rowsOf = [base[0], base[1].map((x) => -2 * x), base[1], base[2].map((x) => 0.5 * x), base[2], base[0].map((x) => 3 * x)];
  const order = chooseOrder({ dims: [6, 4], data: Float32Array.from(rowsOf.flat()) }, 3, 2)!;
  assert.equal(order.length, 6);
  const kept = order.slice(0, 3), ghosts = order.slice(3);
  const family = (c: number) => [[0, 5], [1, 2], [3, 4]].findIndex((f) => f.includes(c));
  // One of each pair kept; each ghost slot t holds the copy of kept filter t.
  assert.deepEqual(kept.map(family).sort(), [0, 1, 2]);
  ghosts.forEach((g, t) => assert.equal(family(g), family(kept[t]), `slot ${t}: ${g} is not a copy of ${kept[t]}`));
  // Already in order (copies after their originals, pairs aligned): the identity, said as null.
  assert.equal(chooseOrder({ dims: [4, 2], data: Float32Array.from([1, 0, 0, 1, 2, 0, 0, 3]) }, 2, 2), null);
  // Input channels of a [2, 3, 1] weight reordered [2, 0, 1].
  assert.deepEqual([...inputChannels(Float32Array.from([0, 1, 2, 10, 11, 12]), [2, 3, 1, 1], [2, 0, 1])], [2, 0, 1, 12, 10, 11]);
});

const exported = sourceToOnnx(nodeHost, EXAMPLE, readFileSync(EXAMPLE, 'utf8'));
const MODEL = join(dir, 'resnet56.onnx');
writeFileSync(MODEL, exported.bytes);

const OTHER = join(dir, 'other.py');
writeFileSync(OTHER, `import torch.nn as nn


class Other(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(3, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.Conv2d(32, 32, 3, padding=1))
        self.head = nn.Linear(32, 10)

    def forward(self, x):
        return self.head(self.features(x).mean((2, 3)))
`);

test('bad input: one message on stderr, exit 2', () => {
  const cases: [string[], RegExp][] = [
    [['ghostify'], /needs a MODEL\.onnx/],
    [['ghostify', EXAMPLE, '--source', EXAMPLE], /not a \.onnx file/],
    [['ghostify', MODEL, '--all', '--random', '8', '-o', join(dir, 'x.onnx')], /needs --source FILE/],
    [['ghostify', MODEL, '--source', EXAMPLE, '--all', '--random', '8'], /needs -o OUT\.onnx/],
    [['ghostify', MODEL, '--source', EXAMPLE, '--random', '8', '-o', join(dir, 'x.onnx')], /--conv PATH, --stage PATH or --all/],
    [['ghostify', MODEL, '--source', EXAMPLE, '--all', '-o', join(dir, 'x.onnx')], /--images DIR or --random N/],
    [['ghostify', MODEL, '--source', EXAMPLE, '--all', '--random', '8', '-o', join(dir, 'x.onnx'), '--lambda', '2'], /--lambda must be between 0 and 1/],
    [['ghostify', MODEL, '--source', EXAMPLE, '--stage', 'nope', '--random', '8', '-o', join(dir, 'x.onnx')], /nothing rewritten: nope: no stage 'nope'/],
    [['ghostify', MODEL, '--source', EXAMPLE, '--all', '--random', '8', '-o', join(dir, 'x.onnx'), '--ridge', '0'], /--ridge must be a positive number/],
    [['ghostify', MODEL, '--source', join(dir, 'none.py'), '--all', '--random', '8', '-o', join(dir, 'x.onnx')], /cannot read/],
    [['ghostify', MODEL, '--source', OTHER, '--all', '--random', '8', '-o', join(dir, 'x.onnx')], /does not look like an export of Other\(\) in other\.py: 0 of its 3 convs and linears/],
  ];
  for (const [args, re] of cases) {
    const r = run(...args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, re, args.join(' '));
    assert.equal(r.stdout, '');
  }
});

test('ghostify --all on the example: every site fitted, OUT.onnx runs, the state_dict has every key', async () => {
  const out = join(dir, 'ghost.onnx'), weights = join(dir, 'ghost.safetensors'), py = join(dir, 'ghost.py');
  const r = run('ghostify', MODEL, '--source', EXAMPLE, '--all', '--random', '16', '--threads', '1', '-o', out, '--weights', weights, '--rewritten', py, '--json');
  assert.equal(r.status, 0, r.stderr);
  const res = JSON.parse(r.stdout) as GhostifyResult;
  assert.deepEqual(res.sites.filter((s) => s.kind === 'stage').map((s) => s.path), ['layer1', 'layer2', 'layer3']);
  for (const s of res.sites) {
    assert.ok(s.fitted > 0 && s.fitError !== null && s.fitError >= 0 && s.modelError !== null, `${s.path}: ${JSON.stringify(s)}`);
  }
  // Only the mix branches' own layers (conv, BN, conv) are left at random init.
  assert.ok(res.tensors.random.every((n) => /\.mix\.[0-4]\./.test(n)), res.tensors.random.join(', '));
  assert.ok(res.output.relError >= 0 && Number.isFinite(res.output.relError));
  assert.equal(res.calibration.test + res.calibration.fit, 16);
  assert.ok(res.peakRssBytes! > 0 && res.timings.statistics > 0);
  // What the panel gets of it passes the webview's check (and a broken one does not).
  const msg = { type: 'ghostify', result: ghostifyView(res), stale: false };
  assert.ok(receive(hostMessage, msg, (p) => assert.fail(p)));
  assert.equal(JSON.stringify(msg).includes('class GGhostStage'), false, 'the rewritten source stays with the host');
  let problem = '';
  receive(hostMessage, { ...msg, result: { ...msg.result, sites: [{ ...res.sites[0], fitError: 'x' }] } }, (p) => { problem = p; });
  assert.match(problem, /sites\[0\]\.fitError/);
  // OUT.onnx: the rewritten model at the file's input, the model's single output.
  const session = await ort.InferenceSession.create(out);
  assert.deepEqual(session.outputNames.length, 1);
  const y = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', new Float32Array(3 * 32 * 32).fill(0.1), [1, 3, 32, 32]) });
  assert.deepEqual(y[session.outputNames[0]].dims, [1, 10]);
  // The state_dict: every parameter and buffer of the rewritten source's model, BatchNorm counters included.
  const st = decodeSafetensors(readFileSync(weights));
  const rewritten = readFileSync(py, 'utf8');
  assert.match(rewritten, /class GGhostStage\(nn\.Module\)/);
  const again = sourceToOnnx(nodeHost, py, rewritten);
  const params = st.tensors.filter((t) => t.dtype === 'F32' && !/running_(mean|var)$/.test(t.name)).reduce((n, t) => n + t.data.length, 0);
  assert.equal(params, again.graph.params);
  const bns = again.graph.modules.filter((m) => m.type === 'BatchNorm2d').length;
  assert.equal(st.tensors.filter((t) => t.name.endsWith('.num_batches_tracked')).length, bns);
});
