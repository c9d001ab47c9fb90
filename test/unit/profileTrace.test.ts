// onnxruntime's trace → modules and stages, on a trace recorded from test/fixtures/profile/
// tiny_cnn.py (GhostLens export, CPU, graphOptimizationLevel 'all': NCHWc convs named after the
// BN/ReLU output folded into them, a ReorderOutput the optimizer inserted) with the node lists
// of the exported and the optimized graph.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, mkdtempSync, writeFileSync, utimesSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { parseTrace, findTraceFile, Attributor, summarizeRuns, modulePathOf, stageTimes, compareStages, inStage, timeParts, TraceError } from '../../src/core/profile/trace';
import { GraphIndex, OnnxGraphInfo, OnnxNode } from '../../src/core/profile/onnxGraph';
import { analyzeSource } from '../../src/core/python';
import { nodeHost } from '../../src/cli/nodeHost';
import type { ModuleTime } from '../../src/core/profile/types';
import type { Stage } from '../../src/core/graph/model';

const FIX = resolve(__dirname, '../../../test/fixtures/profile');
const trace = readFileSync(join(FIX, 'tiny_cpu_trace.json'), 'utf8');
const graphs = JSON.parse(readFileSync(join(FIX, 'tiny_cpu_graphs.json'), 'utf8')) as Record<'original' | 'optimized', { nodes: OnnxNode[]; initializers: string[] }>;
const index = (g: { nodes: OnnxNode[]; initializers: string[] }) =>
  new GraphIndex({ name: '', producer: '', opsets: [], nodes: g.nodes, inputs: [], outputs: [], initializers: new Set(g.initializers) } as OnnxGraphInfo);
const original = index(graphs.original), optimized = index(graphs.optimized);
const src = readFileSync(join(FIX, 'tiny_cnn.py'), 'utf8');
const graph = analyzeSource(nodeHost, join(FIX, 'tiny_cnn.py'), src, {});
const known = new Set(graph.modules.map((m) => m.path));

test('the trace splits into its runs, each with every node event inside it', () => {
  const runs = parseTrace(trace);
  assert.equal(runs.length, 3);
  for (const r of runs) {
    assert.equal(r.nodes.length, 18);
    for (const n of r.nodes) assert.ok(n.ts >= r.ts && n.ts <= r.ts + r.dur);
  }
  const first = runs[0].nodes[0];
  assert.equal(first.name, 'relu:2_nchwc');
  assert.equal(first.op, 'Conv');
  assert.equal(first.provider, 'CPUExecutionProvider');
  // Chrome's object form is read too; what is not a trace is refused with a reason.
  assert.equal(parseTrace(JSON.stringify({ traceEvents: JSON.parse(trace) })).length, 3);
  assert.throws(() => parseTrace('{"truncated": '), TraceError);
  assert.throws(() => parseTrace('{"x": 1}'), /no event list/);
});

test('fused NCHWc convs go to the conv they came from, not the BN/ReLU they are named after', () => {
  const a = new Attributor(original, optimized, known);
  const at = (name: string, op: string) => a.attribute(name, op);
  assert.deepEqual(at('relu:2_nchwc', 'Conv'), { module: 'conv1', how: 'renamed', node: 'conv1' });
  assert.equal(at('layer1.0/relu_0:5_nchwc', 'Conv').module, 'layer1.0.conv1');
  assert.equal(at('layer1.0.bn2:7_nchwc', 'Conv').module, 'layer1.0.conv2');
  assert.equal(at('layer2.0.shortcut.1:30_nchwc', 'Conv').module, 'layer2.0.shortcut.0');
  assert.equal(at('pool:47_nchwc', 'GlobalAveragePool').module, 'pool');
  assert.deepEqual(at('fc', 'Gemm'), { module: 'fc', how: 'exact', node: 'fc' });
  // A functional op of the root module's forward.
  assert.deepEqual(at('/flatten_0', 'Reshape'), { module: '', how: 'exact', node: '/flatten_0' });
  // Inserted by the optimizer: the module whose output it converts (the pool's NCHWc output).
  assert.equal(at('ReorderOutput', 'ReorderOutput').module, 'pool');
  assert.equal(at('ReorderOutput', 'ReorderOutput').how, 'inserted');
  assert.equal(at('nothing_like_it', 'Conv').how, 'unmapped');
});

test('without the optimized graph a layout node goes with the node run before it', () => {
  const s = summarizeRuns(parseTrace(trace), new Attributor(original, null, known));
  const reorder = s.nodes.find((n) => n.name === 'ReorderOutput')!;
  assert.equal(reorder.module, 'pool');
  assert.equal(reorder.how, 'inserted');
  assert.equal(s.attribution.unmapped, 0);
});

test('per module: the sum of its nodes\' medians over the runs; shares add up to 1', () => {
  const runs = parseTrace(trace);
  const s = summarizeRuns(runs, new Attributor(original, optimized, known));
  assert.equal(s.runs, 3);
  assert.deepEqual(s.attribution, { exact: 2, renamed: 15, inserted: 1, unmapped: 0 });
  const manual = (name: string) => runs.map((r) => r.nodes.filter((n) => n.name === name).reduce((u, n) => u + n.dur, 0)).sort((a, b) => a - b)[1] / 1000;
  const conv2 = s.layers.find((l) => l.path === 'layer1.0.conv2')!;
  assert.ok(Math.abs(conv2.ms - manual('layer1.0.bn2:7_nchwc')) < 1e-12);
  const pool = s.layers.find((l) => l.path === 'pool')!;
  assert.equal(pool.nodes, 2);
  assert.ok(Math.abs(pool.ms - manual('pool:47_nchwc') - manual('ReorderOutput')) < 1e-12);
  const names = [...new Set(runs.flatMap((r) => r.nodes.map((n) => n.name)))];
  const total = names.reduce((t, n) => t + manual(n), 0);
  assert.ok(Math.abs(s.totalMs - total) < 1e-9);
  assert.ok(Math.abs(s.layers.reduce((t, l) => t + l.share, 0) - 1) < 1e-9);
  // Every module named is one of the model's; slowest first.
  for (const l of s.layers) assert.ok(l.path === '' || known.has(l.path), l.path);
  for (let i = 1; i < s.layers.length; i++) assert.ok(s.layers[i - 1].ms >= s.layers[i].ms);
  assert.deepEqual(s.providers.map((p) => p.provider), ['CPUExecutionProvider']);
});

test('per stage: the sum of the modules inside its blocks', () => {
  const s = summarizeRuns(parseTrace(trace), new Attributor(original, optimized, known));
  const stages = stageTimes(s.layers, graph.stages);
  assert.deepEqual(stages.map((x) => x.path), ['layer1', 'layer2']);
  const sumOf = (p: string) => s.layers.filter((l) => l.path.startsWith(p + '.')).reduce((t, l) => t + l.ms, 0);
  assert.ok(Math.abs(stages[0].ms - sumOf('layer1')) < 1e-12);
  assert.ok(Math.abs(stages[1].ms - sumOf('layer2')) < 1e-12);
  assert.equal(stages[0].nodes, 6); // two convs per block (the adds and ReLUs are fused into them)
  assert.equal(stages[1].nodes, 7); // plus the downsampling shortcut conv
  assert.ok(stages[0].share > 0 && stages[0].share + stages[1].share < 1);
});

test('node names → module paths: GhostLens and torch naming', () => {
  assert.equal(modulePathOf('layer1.0.conv1'), 'layer1.0.conv1');
  assert.equal(modulePathOf('layer1.0.conv1/Add'), 'layer1.0.conv1');
  assert.equal(modulePathOf('layer1.0/add_0'), 'layer1.0');
  assert.equal(modulePathOf('/relu_0'), '');
  assert.equal(modulePathOf('/layer1/layer1.0/conv1/Conv'), 'layer1.0.conv1');
  assert.equal(modulePathOf('/layer1/layer1.0/Add'), 'layer1.0');
  assert.equal(modulePathOf('/features/features.0/features.0.0/Conv'), 'features.0.0');
  // A segment that extends the previous one is relative to the same module.
  assert.equal(modulePathOf('/layer2/layer2.0/downsample/downsample.0/Conv'), 'layer2.0.downsample.0');
  assert.equal(modulePathOf('/features/features.1/conv/conv.0/conv.0.0/Conv'), 'features.1.conv.0.0');
  assert.equal(modulePathOf('/Flatten'), '');
  const k = new Set(['', 'layer1', 'layer1.0', 'layer1.0.relu', 'layer1.0.conv1']);
  // torch numbers a module's second call: relu_1 is relu.
  assert.equal(modulePathOf('/layer1/layer1.0/relu_1/Relu', k), 'layer1.0.relu');
  // Unknown leaves fall back to the nearest known module.
  assert.equal(modulePathOf('layer1.0.se/mul_0', k), 'layer1.0');
  assert.equal(modulePathOf('Conv_17', k), '');
});

test("without the model's module list, torch's numbered second call of a module is that module", () => {
  const n = (name: string, opType: string, inputs: string[], outputs: string[]): OnnxNode => ({ name, opType, domain: '', inputs, outputs });
  const g = new GraphIndex({
    name: '', producer: 'pytorch', opsets: [], inputs: [], outputs: [], initializers: new Set(['w']),
    nodes: [
      n('/layer1/layer1.0/conv1/Conv', 'Conv', ['x', 'w'], ['a']), n('/layer1/layer1.0/relu/Relu', 'Relu', ['a'], ['b']),
      n('/layer1/layer1.0/Add', 'Add', ['b', 'x'], ['c']), n('/layer1/layer1.0/relu_1/Relu', 'Relu', ['c'], ['d']),
    ],
  });
  const a = new Attributor(g);
  assert.equal(a.attribute('/layer1/layer1.0/relu_1/Relu', 'Relu').module, 'layer1.0.relu');
  assert.equal(a.attribute('/layer1/layer1.0/Add', 'Add').module, 'layer1.0');
  // An NCHWc conv named after the ReLU's output value: the conv's module.
  assert.equal(a.attribute('b_nchwc', 'Conv').module, 'layer1.0.conv1');
});

test('stage membership and before/after per stage', () => {
  const whole: Stage = { path: 'layer3', container: 'layer3', blocks: ['layer3.0', 'layer3.1', 'layer3.2'], resolution: [8, 8], inChannels: 32, outChannels: 64, params: 0, macs: 0, line: 1, from: 0, to: 0 };
  const run: Stage = { ...whole, path: 'features[2:4]', container: 'features', blocks: ['features.2', 'features.3'] };
  assert.ok(inStage('layer3.first.conv1', whole)); // the G-Ghost stage's own modules
  assert.ok(inStage('layer3', whole));
  assert.ok(!inStage('layer30.0', whole));
  assert.ok(inStage('features.3.conv', run));
  assert.ok(!inStage('features.4.conv', run));
  const t = (path: string, ms: number): ModuleTime => ({ path, ms, share: 0, nodes: 1 });
  const cmp = compareStages([whole, run], [t('layer3.0.conv1', 2), t('layer3.1.conv1', 2), t('features.2.conv', 1)], [t('layer3.first.conv1', 1), t('layer3.mix.0', 0.5)]);
  assert.deepEqual(cmp[0], { path: 'layer3', beforeMs: 4, afterMs: 1.5, ratio: 0.375 });
  // Nothing of the after model ran there: unknown, not 0.
  assert.deepEqual(cmp[1], { path: 'features[2:4]', beforeMs: 1, afterMs: null, ratio: null });
});

test('findTraceFile: the newest <prefix>_*.json', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ghostlens-trace-'));
  writeFileSync(join(dir, 'm0_2026-01-01_10-00-00.json'), '[]');
  writeFileSync(join(dir, 'm0_2026-01-01_10-00-05.json'), '[]');
  writeFileSync(join(dir, 'm1_2026-01-01_10-00-09.json'), '[]');
  utimesSync(join(dir, 'm0_2026-01-01_10-00-00.json'), new Date(1000), new Date(1000));
  assert.equal(findTraceFile(join(dir, 'm0')), join(dir, 'm0_2026-01-01_10-00-05.json'));
  assert.equal(findTraceFile(join(dir, 'm2')), null);
  assert.equal(findTraceFile(join(dir, 'missing', 'm0')), null);
});

test('parts: every node in a stage, the stem before the stages or the head after them; they sum to the node total', () => {
  const s = summarizeRuns(parseTrace(trace), new Attributor(original, optimized, known));
  const parts = timeParts(s, graph.stages);
  assert.deepEqual(parts.map((p) => [p.name, p.kind]), [['stem', 'stem'], ['layer1', 'stage'], ['layer2', 'stage'], ['head', 'head']]);
  assert.ok(Math.abs(parts.reduce((t, p) => t + p.ms, 0) - s.totalMs) < 1e-12);
  assert.ok(Math.abs(parts.reduce((t, p) => t + p.share, 0) - 1) < 1e-12);
  assert.equal(parts.reduce((t, p) => t + p.nodes, 0), s.nodes.length);
  const stages = stageTimes(s.layers, graph.stages);
  for (const st of stages) assert.ok(Math.abs(parts.find((p) => p.name === st.path)!.ms - st.ms) < 1e-12);
  // The head is the pool and the classifier (and the pool's layout reorder).
  const head = s.nodes.filter((n) => n.module === 'pool' || n.module === 'fc' || n.module === '').reduce((t, n) => t + n.ms, 0);
  assert.ok(Math.abs(parts.find((p) => p.kind === 'head')!.ms - head) < 1e-12);
});
