// The ONNX importer against the real thing: torchvision resnet50 and mobilenet_v2 exported by
// torch.onnx.export, BatchNorm kept (TrainingMode.PRESERVE on an eval model, no constant folding)
// and folded (torch's defaults: its eval-mode peephole pass folds BatchNorm into the conv — with
// TrainingMode.EVAL it does so even with do_constant_folding=False). Params and MACs must equal
// torch's exactly (test/torch/oracle.py counts them with forward hooks; a folded file holds the
// conv biases instead of the BatchNorms), every conv/linear output shape must equal torch's, and
// the stages must be the ones the source analysis finds (vgg16_bn's stages of units too).
import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { onnxToGraph } from '../../src/core/onnx/import';
import { analyzeSource } from '../../src/core/python';
import { nodeHost } from '../../src/cli/nodeHost';
import { torchAvailable, PYTHON, ROOT } from './python';
import { oracle, Oracle, TV } from './compare';

const run = promisify(execFile);
const skip = torchAvailable() ? false : 'PyTorch is not importable by /usr/bin/python3';
const dir = mkdtempSync(join(tmpdir(), 'ghostlens-onnx-import-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

const EXPORT = `
import sys, torch, torchvision
name, variant, out = sys.argv[1], sys.argv[2], sys.argv[3]
torch.manual_seed(0)
model = getattr(torchvision.models, name)().eval()
x = torch.randn(1, 3, 224, 224)
kw = dict(training=torch.onnx.TrainingMode.PRESERVE, do_constant_folding=False) if variant == 'bn' else {}
with torch.no_grad():
    torch.onnx.export(model, (x,), out, **kw)
`;

// vgg16_bn: stages of conv-BN-ReLU units, found in the folded file from its conv and ReLU alone.
const MODELS: [string, string][] = [['resnet50', 'resnet.py'], ['mobilenet_v2', 'mobilenetv2.py'], ['vgg16_bn', 'vgg.py']];

describe('ONNX files exported by torch import exactly', { skip, concurrency: 1 }, () => {
  const oracles = new Map<string, Oracle>();
  before(async () => {
    if (skip) return;
    writeFileSync(join(dir, 'export.py'), EXPORT);
    for (const [name, file] of MODELS) oracles.set(name, await oracle(join(TV, file), `${name}()`, [[1, 3, 224, 224]]));
  });
  for (const [name, file] of MODELS) {
    for (const variant of ['bn', 'folded'] as const) {
      test(`${name}, BatchNorm ${variant === 'bn' ? 'kept' : 'folded by the exporter'}`, async () => {
        const path = join(dir, `${name}_${variant}.onnx`);
        await run(PYTHON, [join(dir, 'export.py'), name, variant, path], { env: { ...process.env, OMP_NUM_THREADS: '1' } });
        const g = onnxToGraph(readFileSync(path), path);
        const want = oracles.get(name)!;
        assert.equal(g.complete, true, `complete (unknowns: ${g.unknowns.map((u) => u.reason).join('; ')})`);
        assert.deepEqual(g.outputs, want.outputs, 'outputs');
        assert.equal(g.macs, want.macs, 'total MACs');
        // A folded file holds each BatchNorm as its conv's bias: C values instead of 2C (none
        // more where the conv had a bias already, as VGG's do).
        const bnParams = want.layers.filter((l) => l.type.startsWith('BatchNorm')).reduce((t, l) => t + l.params, 0);
        const biased = name.startsWith('vgg');
        assert.equal(g.params, variant === 'bn' ? want.params : want.params - (biased ? bnParams : bnParams / 2), 'total params');
        const byPath = new Map(g.modules.map((m) => [m.path, m]));
        let checked = 0;
        for (const l of want.layers) {
          const m = byPath.get(l.path);
          if (l.type === 'Dropout') { assert.equal(m, undefined, `${l.path}: a dropout runs no op in eval`); continue; }
          if (variant === 'folded' && l.type.startsWith('BatchNorm')) { assert.equal(m, undefined, `${l.path} is folded away`); continue; }
          assert.ok(m, `module ${l.path}`);
          assert.equal(m.leaf, true, `${l.path} is a leaf`);
          // An adaptive pool whose output size divides its input is exported as a plain AveragePool.
          if (l.type === 'AdaptiveAvgPool2d' && m.type === 'AvgPool2d') assert.ok(true);
          else assert.equal(m.type, l.type, `${l.path} type`);
          assert.deepEqual(m.outputShape, l.outputShape, `${l.path} output shape`);
          assert.equal(m.ownMacs, l.macs, `${l.path} MACs`);
          if (variant === 'bn') assert.equal(m.ownParams, l.params, `${l.path} params`);
          if (/^(Conv|Linear)/.test(l.type)) checked++;
        }
        assert.equal(checked, want.layers.filter((l) => /^(Conv|Linear)/.test(l.type)).length, 'every conv/linear layer checked');
        assert.ok(checked >= 16, `${checked} conv/linear layers checked`);
        // Same stages as the source analysis of torchvision's file.
        const src = join(TV, file);
        const fromSource = analyzeSource(nodeHost, src, readFileSync(src, 'utf8'), { model: `${name}()`, input: [[1, 3, 224, 224]] });
        assert.deepEqual(g.stages.map((s) => [s.path, s.blocks, s.resolution, s.inChannels, s.outChannels]),
          fromSource.stages.map((s) => [s.path, s.blocks, s.resolution, s.inChannels, s.outChannels]), 'stages');
        if (variant === 'bn') assert.deepEqual(g.stages.map((s) => [s.params, s.macs]), fromSource.stages.map((s) => [s.params, s.macs]), 'stage figures');
      });
    }
  }

  test('ghostlens analyze MODEL.onnx --json', async () => {
    const path = join(dir, 'mobilenet_v2_bn.onnx');
    const { stdout } = await run(process.execPath, [join(ROOT, 'dist/cli.js'), 'analyze', path, '--json']);
    const j = JSON.parse(stdout) as { params: number; macs: number; stages: unknown[] };
    assert.equal(j.params, oracles.get('mobilenet_v2')!.params);
    assert.equal(j.macs, oracles.get('mobilenet_v2')!.macs);
    assert.equal(j.stages.length, 4);
  });
});
