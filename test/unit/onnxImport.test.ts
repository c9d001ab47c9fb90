// The ONNX importer without Python: GhostLens's own exports import back to the source analysis's
// figures; torch-style names, parameter aliases, repeated calls, shape arithmetic, symbolic batch
// dimensions and unknown ops on small graphs built here; bad input is refused with a message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { onnx } from 'onnx-proto';
import { onnxToGraph, importOnnx, OnnxImportError } from '../../src/core/onnx/import';
import { torchScopePaths, torchNodeScope, ghostlensNodeScope, mergeRepeatedCalls, unqualified, moduleNodeName, extraNodeName, functionalNodeName, modulePathOf } from '../../src/core/onnx/naming';
import { sourceToOnnx } from '../../src/core/onnx/export';
import { readDirective } from '../../src/core/python';
import { nodeHost } from '../../src/cli/nodeHost';

const ROOT = resolve(__dirname, '../../..');
const F = onnx.TensorProto.DataType.FLOAT, I64 = onnx.TensorProto.DataType.INT64;

test("torch's scope segments give module paths", () => {
  assert.deepEqual(unqualified('layer1.0.conv1'), ['conv1']);
  assert.deepEqual(unqualified('features.1.conv.0.0'), ['conv', '0', '0']);
  assert.deepEqual(torchScopePaths(['layer2', 'layer2.0', 'downsample', 'downsample.0']), ['layer2', 'layer2.0', 'layer2.0.downsample', 'layer2.0.downsample.0']);
  assert.deepEqual(torchScopePaths(['features', 'features.1', 'conv', 'conv.0', 'conv.0.0']), ['features', 'features.1', 'features.1.conv', 'features.1.conv.0', 'features.1.conv.0.0']);
  // A Sequential model: its children are indices all the way down.
  assert.deepEqual(torchScopePaths(['0', '0.1']), ['0', '0.1']);
  // A child named like its parent is a new attribute, not an index of it.
  assert.deepEqual(torchScopePaths(['x', 'x']), ['x', 'x.x']);
  assert.deepEqual(torchNodeScope('/layer1/layer1.0/conv1/Conv'), { path: 'layer1.0.conv1', call: 1 });
  assert.deepEqual(torchNodeScope('/Flatten'), { path: '', call: 1 });
  assert.deepEqual(torchNodeScope('Identity_3'), { path: '', call: 1 });
});

test("GhostLens's names: main node, extra nodes, second calls, functional ops", () => {
  const heads = new Set(['layer1.0.conv1', 'fc']);
  assert.deepEqual(ghostlensNodeScope('layer1.0.conv1', heads), { path: 'layer1.0.conv1', call: 1 });
  assert.deepEqual(ghostlensNodeScope('layer1.0.conv1/Add', heads), { path: 'layer1.0.conv1', call: 1 });
  assert.deepEqual(ghostlensNodeScope('fc#2', heads), { path: 'fc', call: 2 });
  assert.deepEqual(ghostlensNodeScope('layer1.0/add_0', heads), { path: 'layer1.0', call: 1 });
  assert.deepEqual(ghostlensNodeScope('/flatten_0', heads), { path: '', call: 1 });
});

test('a scope `name_1` is a second call only when it ran the same ops on the same parameters', () => {
  const sig: Record<string, string> = { 'b.relu': 'Relu', 'b.relu_1': 'Relu', 'b.conv': 'Conv:w1', 'b.conv_1': 'Conv:w2', 'b.x_2': 'Relu' };
  const m = mergeRepeatedCalls(Object.keys(sig), (p) => sig[p]);
  assert.deepEqual([...m], [['b.relu_1', ['b.relu', 2]]]);
});

test("GhostLens's own exports import back to the source analysis's figures", () => {
  const dirs = [join(ROOT, 'test/fixtures'), join(ROOT, 'examples')];
  const files = dirs.flatMap((d) => readdirSync(d).filter((f) => f.endsWith('.py')).map((f) => join(d, f)));
  assert.ok(files.length >= 8);
  for (const f of files) {
    const text = readFileSync(f, 'utf8');
    const d = readDirective(text);
    const r = sourceToOnnx(nodeHost, f, text, { model: d?.model, input: d?.input });
    const g = importOnnx(r.bytes, f);
    assert.equal(g.naming, 'ghostlens');
    const name = f.slice(ROOT.length + 1);
    assert.equal(g.graph.complete, true, `${name}: ${g.graph.unknowns.map((u) => u.reason).join('; ')}`);
    assert.equal(g.graph.macs, r.graph.macs, `${name} MACs`);
    assert.deepEqual(g.graph.outputs, r.graph.outputs, `${name} outputs`);
    // Parameters of modules the forward never uses are not in the file.
    const unused = r.graph.modules.filter((m) => m.leaf && m.calls === 0).reduce((t, m) => t + m.ownParams, 0);
    assert.equal(g.graph.params, r.graph.params - unused, `${name} params`);
    assert.deepEqual(g.graph.stages.map((s) => [s.path, s.blocks, s.resolution, s.outChannels]), r.graph.stages.map((s) => [s.path, s.blocks, s.resolution, s.outChannels]), `${name} stages`);
    for (const m of r.graph.modules) {
      if (!m.leaf || !/^(Conv\dd|Linear|BatchNorm\dd)$/.test(m.type) || m.calls === 0) continue;
      const o = g.graph.modules.find((x) => x.path === m.path);
      assert.ok(o, `${name}: ${m.path}`);
      assert.deepEqual([o.type, o.ownParams, o.ownMacs, o.outputShape], [m.type, m.ownParams, m.ownMacs, m.outputShape], `${name}: ${m.path}`);
    }
  }
});

// ── a small torch-style graph ──

const init = (name: string, dims: number[], dataType = F, values?: number[]): onnx.ITensorProto => {
  const n = dims.reduce((p, d) => p * d, 1);
  const vals = values ?? new Array(n).fill(0.5);
  const rawData = dataType === I64 ? Buffer.from(new BigInt64Array(vals.map(BigInt)).buffer) : Buffer.from(new Float32Array(vals).buffer);
  return { name, dims, dataType, rawData };
};
const node = (name: string, opType: string, input: string[], output: string[], attribute: onnx.IAttributeProto[] = [], domain?: string): onnx.INodeProto =>
  ({ name, opType, input, output, attribute, ...(domain ? { domain } : {}) });
const ints = (name: string, v: number[]): onnx.IAttributeProto => ({ name, type: onnx.AttributeProto.AttributeType.INTS, ints: v });
const i1 = (name: string, v: number): onnx.IAttributeProto => ({ name, type: onnx.AttributeProto.AttributeType.INT, i: v });
const vi = (name: string, dims: (number | string)[]): onnx.IValueInfoProto =>
  ({ name, type: { tensorType: { elemType: F, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } } });

function torchLike(extra: onnx.INodeProto[] = [], outName = 'logits'): Uint8Array {
  const conv = [ints('kernel_shape', [3, 3]), ints('pads', [1, 1, 1, 1]), ints('strides', [1, 1])];
  const graph: onnx.IGraphProto = {
    name: 'main_graph',
    input: [vi('x', ['N', 3, 8, 8])],
    output: [{ name: outName }],
    initializer: [
      init('conv.weight', [3, 3, 3, 3]), init('fc.weight', [10, 192]), init('fc.bias', [10]),
      init('idx0', [], I64, [0]), init('axes0', [1], I64, [0]), init('minus1', [1], I64, [-1]),
    ],
    node: [
      // torch deduplicates equal initializers: block.conv.weight is an Identity of conv.weight.
      node('Identity_0', 'Identity', ['conv.weight'], ['block.conv.weight']),
      node('/conv/Conv', 'Conv', ['x', 'conv.weight'], ['c1'], conv),
      node('/relu/Relu', 'Relu', ['c1'], ['r1']),
      node('/block/conv/Conv', 'Conv', ['r1', 'block.conv.weight'], ['c2'], conv),
      node('/relu_1/Relu', 'Relu', ['c2'], ['r2']),
      // x.view(x.size(0), -1)
      node('/Shape', 'Shape', ['r2'], ['s']),
      node('/Gather', 'Gather', ['s', 'idx0'], ['n'], [i1('axis', 0)]),
      node('/Unsqueeze', 'Unsqueeze', ['n', 'axes0'], ['n1']),
      node('/Concat', 'Concat', ['n1', 'minus1'], ['shape'], [i1('axis', 0)]),
      node('/Reshape', 'Reshape', ['r2', 'shape'], ['flat']),
      node('/fc/Gemm', 'Gemm', ['flat', 'fc.weight', 'fc.bias'], ['logits'], [i1('transB', 1)]),
      ...extra,
    ],
  };
  return onnx.ModelProto.encode({ irVersion: 8, producerName: 'pytorch', opsetImport: [{ domain: '', version: 14 }], graph }).finish();
}

test('a torch-style graph: modules, aliases, repeated calls, shape arithmetic, symbolic batch', () => {
  const g = onnxToGraph(torchLike(), 'tiny.onnx');
  assert.equal(g.params, 81 + 81 + 1920 + 10, 'each alias of a deduplicated weight is a parameter of its own');
  assert.equal(g.macs, 2 * (3 * 8 * 8) * 3 * 9 + 192 * 10);
  assert.equal(g.complete, true);
  assert.deepEqual(g.outputs, [[1, 10]]);
  assert.match(g.unknowns[0].reason, /symbolic batch dimension 'N'.*batch of 1/);
  const m = (p: string) => g.modules.find((x) => x.path === p)!;
  assert.deepEqual(g.modules.map((x) => x.path), ['', 'conv', 'relu', 'block', 'block.conv', 'fc']);
  assert.deepEqual([m('conv').type, m('conv').outputShape, m('conv').config?.padding, m('conv').config?.bias], ['Conv2d', [1, 3, 8, 8], [1, 1], null]);
  assert.deepEqual([m('relu').type, m('relu').calls], ['ReLU', 2]);
  assert.deepEqual([m('block').type, m('block').leaf, m('block').params], ['Module', false, 81]);
  assert.deepEqual([m('fc').type, m('fc').config], ['Linear', { in_features: 192, out_features: 10, bias: true }]);
  // A given input shape replaces the symbolic batch.
  const g4 = onnxToGraph(torchLike(), 'tiny.onnx', { input: [[4, 3, 8, 8]] });
  assert.equal(g4.macs, 4 * g.macs!);
  assert.deepEqual(g4.unknowns, []);
  assert.throws(() => onnxToGraph(torchLike(), 'tiny.onnx', { input: [[4, 3, 9, 8]] }), /fixed dimension 2 of 8/);
  assert.throws(() => onnxToGraph(torchLike(), 'tiny.onnx', { input: [[1, 3, 8, 8], [1]] }), /has 1 input/);
});

test('an op the importer does not know gives unknown shapes with the reason, never a guess', () => {
  const g = onnxToGraph(torchLike([
    node('/head/Custom', 'Frobnicate', ['logits'], ['z'], [], 'com.example'),
    node('/head/Gemm', 'Gemm', ['z', 'fc.weight'], ['out'], [i1('transB', 1)]),
  ], 'out'), 'tiny.onnx');
  assert.equal(g.complete, false);
  assert.equal(g.outputs, null);
  assert.equal(g.macs, null, 'the Gemm after it has unknown MACs');
  assert.ok(g.unknowns.some((u) => /\/head\/Custom: the importer's shape inference does not cover com\.example::Frobnicate/.test(u.reason)));
  const head = g.modules.find((x) => x.path === 'head')!;
  assert.equal(head.macs, null);
  assert.match(head.unknown ?? '', /does not cover com\.example::Frobnicate/);
});

test('bytes that are not an ONNX model are refused with a message', () => {
  assert.throws(() => onnxToGraph(new Uint8Array(), 'x.onnx'), (e: unknown) => e instanceof OnnxImportError && /empty/.test(e.message));
  assert.throws(() => onnxToGraph(Buffer.from('def f():\n  return 1\n'), 'x.onnx'), (e: unknown) => e instanceof OnnxImportError && /not an ONNX model/.test(e.message));
});

test('one naming rule: what the exporter writes reads back to its module in the importer and the profiler', () => {
  const known = new Set(['layer1', 'layer1.0', 'layer1.0.conv1', 'relu']);
  const heads = new Set(['layer1.0.conv1']);
  const second = moduleNodeName('layer1.0.conv1', 2);
  assert.equal(second, 'layer1.0.conv1#2');
  assert.deepEqual(ghostlensNodeScope(second, heads), { path: 'layer1.0.conv1', call: 2 });
  assert.equal(modulePathOf(second, known), 'layer1.0.conv1');
  const extra = extraNodeName('layer1.0.conv1', 'Add', 2);
  assert.deepEqual(ghostlensNodeScope(extra, heads), { path: 'layer1.0.conv1', call: 1 });
  assert.equal(modulePathOf(extra, known), 'layer1.0.conv1');
  const fn = functionalNodeName('layer1.0', 'add', 0);
  assert.deepEqual(ghostlensNodeScope(fn, heads), { path: 'layer1.0', call: 1 });
  assert.equal(modulePathOf(fn, known), 'layer1.0');
  assert.equal(modulePathOf(functionalNodeName('', 'flatten', 0), known), '');
  // torch's names: the same scopes for both readers; a second call `relu_1` is `relu`.
  for (const n of ['/layer1/layer1.0/conv1/Conv', '/relu_1/Relu', '/Flatten']) assert.equal(modulePathOf(n), torchNodeScope(n).path);
  assert.equal(modulePathOf('/relu_1/Relu', known), 'relu');
});
