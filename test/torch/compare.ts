// Shared by the torch cross-checks: run the oracle (test/torch/oracle.py, real PyTorch) and
// compare its figures with the static analysis, exactly.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { analyzeSource } from '../../src/core/python';
import { nodeHost } from '../../src/cli/nodeHost';
import { toJson, AnalyzeJson } from '../../src/views/report';
import { PYTHON, ROOT } from './python';

const run = promisify(execFile);
export const TV = '/usr/lib/python3/dist-packages/torchvision/models';

/** The bar: 16 torchvision families, factory and file. */
export const TORCHVISION: [string, string][] = [
  ['resnet.py', 'resnet18()'], ['resnet.py', 'resnet50()'], ['resnet.py', 'resnext50_32x4d()'], ['resnet.py', 'wide_resnet50_2()'],
  ['vgg.py', 'vgg16_bn()'], ['mobilenetv2.py', 'mobilenet_v2()'], ['mobilenetv3.py', 'mobilenet_v3_large()'],
  ['alexnet.py', 'alexnet()'], ['squeezenet.py', 'squeezenet1_1()'], ['shufflenetv2.py', 'shufflenet_v2_x1_0()'],
  ['mnasnet.py', 'mnasnet1_0()'], ['densenet.py', 'densenet121()'], ['regnet.py', 'regnet_y_400mf()'],
  ['efficientnet.py', 'efficientnet_b0()'], ['googlenet.py', 'googlenet()'], ['convnext.py', 'convnext_tiny()'],
];


const pyFiles = (dir: string) => (existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.py')).map((f) => join(dir, f)) : []);
export const fixtures = pyFiles(join(ROOT, 'test/fixtures'));
export const examples = pyFiles(join(ROOT, 'examples'));

export interface Oracle {
  outputs: number[][];
  params: number;
  macs: number;
  layers: { path: string; type: string; outputShape: number[] | null; params: number; macs: number }[];
}

export async function oracle(file: string, expr: string, input: number[][], extra: string[] = []): Promise<Oracle> {
  const args = [join(ROOT, 'test/torch/oracle.py'), file, '--model', expr, ...input.flatMap((s) => ['--input', s.join('x')]), ...extra];
  const { stdout } = await run(PYTHON, args, { maxBuffer: 64 << 20, env: { ...process.env, OMP_NUM_THREADS: '1' } });
  return JSON.parse(stdout) as Oracle;
}

export function compare(file: string, expr: string, input: number[][], want: Oracle): AnalyzeJson {
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
  return g;
}


const OUTCOMES = join(ROOT, 'test-results/works-on');
/**
 * One row of the README's "Works on" table (scripts/works-on.mjs), written whether the case passes
 * or fails, so the table says what the last test run found.
 */
export function record(kind: string, file: string, expr: string, status: string, detail: Record<string, unknown> = {}): void {
  mkdirSync(OUTCOMES, { recursive: true });
  const name = `${kind}-${file.replace(/\W/g, '_')}-${expr.replace(/\W/g, '')}.json`;
  writeFileSync(join(OUTCOMES, name), JSON.stringify({ kind, file, expr, status, ...detail }) + '\n');
}
export const firstLine = (e: unknown): string => String(e instanceof Error ? e.message : e).split('\n')[0].slice(0, 160);

/** compare() that also records the outcome for the table. */
export async function checkAndRecord(kind: string, label: string, file: string, expr: string, input: number[][]): Promise<AnalyzeJson> {
  try {
    const got = compare(file, expr, input, await oracle(file, expr, input));
    record(kind, label, expr, 'exact', { params: got.params, macs: got.macs, layers: got.layers.length });
    return got;
  } catch (e) {
    record(kind, label, expr, 'differs', { reason: firstLine(e) });
    throw e;
  }
}
