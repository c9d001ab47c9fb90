// The profiler on ONNX files that torch itself exported (torchvision resnet18 and mobilenet_v2 at
// 1x3x64x64, opset 17): real onnxruntime traces where torch's node names
// (`/layer2/layer2.0/downsample/downsample.0/Conv`) and the optimizer's renamed nodes (BN folded,
// ReLU/Clip fused, NCHWc layout) must map back to torch's own named_modules().
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { profileOnnx, compare } from '../../src/core/profile/runner';
import { sourceToOnnx } from '../../src/core/onnx/export';
import { analyzeSource } from '../../src/core/python';
import { nodeHost } from '../../src/cli/nodeHost';
import { torchAvailable, ROOT, PYTHON } from './python';
import { TV } from './compare';

const run = promisify(execFile);
const skip = torchAvailable() ? false : 'PyTorch is not importable by /usr/bin/python3';
const dir = mkdtempSync(join(tmpdir(), 'ghostlens-profile-torch-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const WORKER = join(ROOT, 'dist/profileWorker.js');
const FAST = { provider: 'cpu' as const, runs: 3, warmup: 1, threads: 1 };

const EXPORT = `
import json, sys, torch, torchvision
name, out = sys.argv[1], sys.argv[2]
torch.manual_seed(0)
m = getattr(torchvision.models, name)().eval()
torch.onnx.export(m, torch.randn(1, 3, 64, 64), out, opset_version=17)
print(json.dumps({'modules': [n for n, _ in m.named_modules()],
                  'convs': [n for n, x in m.named_modules() if isinstance(x, torch.nn.Conv2d)],
                  'linears': [n for n, x in m.named_modules() if isinstance(x, torch.nn.Linear)]}))
`;

async function torchExport(name: string): Promise<{ file: string; modules: Set<string>; convs: string[]; linears: string[] }> {
  const file = join(dir, `${name}.onnx`);
  const { stdout } = await run(PYTHON, ['-c', EXPORT, name, file], { env: { ...process.env, OMP_NUM_THREADS: '1' }, maxBuffer: 16 << 20 });
  const j = JSON.parse(stdout.trim().split('\n').pop()!) as { modules: string[]; convs: string[]; linears: string[] };
  return { file, modules: new Set(j.modules), convs: j.convs, linears: j.linears };
}

describe('profiling torch-exported ONNX', { skip }, () => {
  for (const name of ['resnet18', 'mobilenet_v2']) {
    test(`${name}: every traced node maps to one of torch's modules; every conv and linear has its time`, async () => {
      const t = await torchExport(name);
      const r = await profileOnnx(t.file, null, { ...FAST, label: `${name}.onnx` }, { workerPath: WORKER });
      assert.equal(r.provider, 'cpu');
      assert.equal(r.attribution!.unmapped, 0);
      assert.ok(r.attribution!.renamed > 0, 'the optimizer renamed fused nodes');
      for (const l of r.layers) assert.ok(t.modules.has(l.path), `${l.path} is not a module of torch's ${name}`);
      for (const c of [...t.convs, ...t.linears]) assert.ok(r.layers.some((l) => l.path === c && l.ms > 0), `no time for ${c}`);
      // The convs and linears carry the work: what lands elsewhere (pooling, reshapes, layout) is small.
      const heavy = r.layers.filter((l) => t.convs.includes(l.path) || t.linears.includes(l.path)).reduce((s, l) => s + l.share, 0);
      assert.ok(heavy > 0.8, `conv+linear share ${heavy}`);
      assert.ok(Math.abs(r.layers.reduce((s, l) => s + l.ms, 0) - r.nodeTotalMs!) < 1e-9);
    });
  }

  test("compare(): GhostLens's export (bytes) against torch's (file) in one child, inputs named differently", async () => {
    const t = await torchExport('resnet18');
    const file = join(TV, 'resnet.py');
    const ours = sourceToOnnx(nodeHost, file, readFileSync(file, 'utf8'), { model: 'resnet18()', input: [[1, 3, 64, 64]] });
    const c = await compare(ours.bytes, t.file, { before: ours.graph, after: ours.graph }, FAST, { workerPath: WORKER });
    assert.equal(c.before.provider, c.after.provider);
    assert.equal(c.before.times.length, 3);
    assert.equal(c.after.times.length, 3);
    assert.ok(c.ratio > 0 && Number.isFinite(c.ratio));
    // Both name the same modules: the same convs got time on both sides.
    const convs = (p: typeof c.before) => p.layers.filter((l) => t.convs.includes(l.path)).map((l) => l.path).sort();
    assert.deepEqual(convs(c.before), [...t.convs].sort());
    assert.deepEqual(convs(c.after), [...t.convs].sort());
    assert.deepEqual(c.stages.map((s) => s.path), ['layer1', 'layer2', 'layer3', 'layer4']);
    assert.ok(c.stages.every((s) => s.ratio !== null && s.ratio > 0));
  });

  test('torch-exported resnet18 with GhostLens\'s graph of the same model: per-stage times', async () => {
    const t = await torchExport('resnet18');
    const file = join(TV, 'resnet.py');
    const graph = analyzeSource(nodeHost, file, readFileSync(file, 'utf8'), { model: 'resnet18()', input: [[1, 3, 64, 64]] });
    const r = await profileOnnx(t.file, graph, FAST, { workerPath: WORKER });
    assert.deepEqual(r.stages.map((s) => s.path), ['layer1', 'layer2', 'layer3', 'layer4']);
    for (const s of r.stages) {
      assert.ok(s.nodes >= 4 && s.ms > 0, `${s.path}: ${s.nodes} nodes`);
      const inside = r.layers.filter((l) => l.path.startsWith(s.path + '.')).reduce((a, l) => a + l.ms, 0);
      assert.ok(Math.abs(inside - s.ms) < 1e-9);
    }
    const sum = r.stages.reduce((a, s) => a + s.share, 0);
    assert.ok(sum > 0.5 && sum < 1, `stages' share ${sum}`);
  });
});
