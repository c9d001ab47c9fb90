// Exactness against real PyTorch: for torchvision families and our own fixtures, the static
// analysis must equal what torch measures with forward hooks (test/torch/oracle.py): model
// params, MACs and outputs, and for every leaf module its path, type, output shape, params, MACs.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { analyzeSource, readDirective } from '../../src/core/python';
import { nodeHost } from '../../src/cli/nodeHost';
import { toJson } from '../../src/cli/report';
import { torchAvailable, PYTHON, ROOT } from './python';

const run = promisify(execFile);
const TV = '/usr/lib/python3/dist-packages/torchvision/models';

export const TORCHVISION: [string, string][] = [
  ['resnet.py', 'resnet18()'], ['resnet.py', 'resnet50()'], ['resnet.py', 'resnext50_32x4d()'], ['resnet.py', 'wide_resnet50_2()'],
  ['vgg.py', 'vgg16_bn()'], ['mobilenetv2.py', 'mobilenet_v2()'], ['mobilenetv3.py', 'mobilenet_v3_large()'],
  ['alexnet.py', 'alexnet()'], ['squeezenet.py', 'squeezenet1_1()'], ['shufflenetv2.py', 'shufflenet_v2_x1_0()'],
  ['mnasnet.py', 'mnasnet1_0()'], ['densenet.py', 'densenet121()'], ['regnet.py', 'regnet_y_400mf()'],
  ['efficientnet.py', 'efficientnet_b0()'], ['googlenet.py', 'googlenet()'], ['convnext.py', 'convnext_tiny()'],
];

/** Beyond the bar: other families and layouts (attention, 3-D video, larger inputs). */
const MORE: [string, string, number[]][] = [
  ['vision_transformer.py', 'vit_b_16()', [1, 3, 224, 224]], ['swin_transformer.py', 'swin_t()', [1, 3, 224, 224]],
  ['inception.py', 'inception_v3()', [1, 3, 299, 299]], ['efficientnet.py', 'efficientnet_v2_s()', [1, 3, 224, 224]],
  ['regnet.py', 'regnet_x_3_2gf()', [1, 3, 224, 224]], ['mobilenetv3.py', 'mobilenet_v3_small()', [1, 3, 224, 224]],
  ['video/resnet.py', 'r3d_18()', [1, 3, 8, 112, 112]], ['video/s3d.py', 's3d()', [1, 3, 16, 224, 224]],
];

interface Oracle {
  outputs: number[][];
  params: number;
  macs: number;
  layers: { path: string; type: string; outputShape: number[] | null; params: number; macs: number }[];
}

async function oracle(file: string, expr: string, input: number[][]): Promise<Oracle> {
  const args = [join(ROOT, 'test/torch/oracle.py'), file, '--model', expr, ...input.flatMap((s) => ['--input', s.join('x')])];
  const { stdout } = await run(PYTHON, args, { maxBuffer: 64 << 20, env: { ...process.env, OMP_NUM_THREADS: '1' } });
  return JSON.parse(stdout) as Oracle;
}

function compare(file: string, expr: string, input: number[][], want: Oracle): void {
  const g = toJson(analyzeSource(nodeHost, file, readFileSync(file, 'utf8'), { model: expr, input }));
  assert.deepEqual(g.unknowns, [], 'analysis has unknowns');
  assert.equal(g.complete, true, 'analysis incomplete');
  assert.deepEqual(g.outputs, want.outputs, 'model outputs');
  assert.equal(g.params, want.params, 'total params');
  assert.equal(g.macs, want.macs, 'total MACs');
  const ours = g.layers.map((l) => l.path);
  const theirs = want.layers.map((l) => l.path);
  assert.deepEqual(ours, theirs, 'leaf module paths');
  for (let i = 0; i < want.layers.length; i++) {
    const a = g.layers[i], b = want.layers[i];
    assert.deepEqual(
      { path: a.path, type: a.type, outputShape: a.outputShape, params: a.params, macs: a.macs },
      { path: b.path, type: b.type, outputShape: b.outputShape, params: b.params, macs: b.macs },
      `layer ${b.path}`,
    );
  }
}

const fixturesDir = join(ROOT, 'test/fixtures');
const fixtures = existsSync(fixturesDir) ? readdirSync(fixturesDir).filter((f) => f.endsWith('.py')).map((f) => join(fixturesDir, f)) : [];
const examplesDir = join(ROOT, 'examples');
const examples = existsSync(examplesDir) ? readdirSync(examplesDir).filter((f) => f.endsWith('.py')).map((f) => join(examplesDir, f)) : [];

const skip = torchAvailable() ? false : 'PyTorch is not importable by /usr/bin/python3 (apt install python3-torch python3-torchvision)';

describe('torchvision models equal torch exactly', { skip, concurrency: 2 }, () => {
  for (const [file, expr] of TORCHVISION) {
    test(`${expr} (${file})`, async () => {
      const path = join(TV, file);
      const want = await oracle(path, expr, [[1, 3, 224, 224]]);
      compare(path, expr, [[1, 3, 224, 224]], want);
    });
  }
});

describe('more torchvision families equal torch exactly', { skip, concurrency: 2 }, () => {
  for (const [file, expr, input] of MORE) {
    test(`${expr} (${file})`, async () => {
      const path = join(TV, file);
      compare(path, expr, [input], await oracle(path, expr, [input]));
    });
  }
});

describe('own fixtures and examples equal torch exactly', { skip, concurrency: 2 }, () => {
  for (const path of [...fixtures, ...examples]) {
    test(resolve(path).slice(ROOT.length + 1), async () => {
      const d = readDirective(readFileSync(path, 'utf8'));
      assert.ok(d?.model, `${path} needs a '# ghostlens: model=... input=...' line`);
      const input = d.input ?? [[1, 3, 224, 224]];
      const want = await oracle(path, d.model, input);
      compare(path, d.model, input, want);
    });
  }
});
