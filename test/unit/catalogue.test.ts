// The torch.nn catalogue (core/catalogue) and the code keyed by its names stay in step: every
// entry has a shape rule (interpreter) and an ONNX emitter (exporter), and nothing has one
// without an entry; an op the importer maps to a class reads back as that class; the MACs
// rules are the ones DESIGN.md states.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CATALOGUE, IMPORTED_AS, countsMacs } from '../../src/core/catalogue/layers';
import { convMacs, convTransposeMacs, linearMacs } from '../../src/core/catalogue/macs';
import { LAYERS } from '../../src/core/python/torch/layers';
import { LAYER } from '../../src/core/onnx/ops';
import { importOnnx } from '../../src/core/onnx/import';
import { onnx } from 'onnx-proto';

test('one entry per torch.nn layer: shape rule and ONNX emitter for each, none without an entry', () => {
  const names = Object.keys(CATALOGUE).sort();
  // MultiheadAttention has a child module: its rule is attention.ts's class, not a leaf rule.
  assert.deepEqual(Object.keys(LAYERS).sort(), names.filter((n) => CATALOGUE[n].kind !== 'attention'));
  assert.deepEqual(Object.keys(LAYER).sort(), names);
  for (const n of Object.keys(LAYERS)) {
    assert.equal(LAYERS[n].sig, CATALOGUE[n].sig, `${n}: the interpreter binds the catalogue's signature`);
    assert.equal(!!LAYERS[n].macs, countsMacs(n), `${n}: MACs flag`);
  }
  assert.deepEqual(names.filter(countsMacs), ['Conv1d', 'Conv2d', 'Conv3d', 'ConvTranspose1d', 'ConvTranspose2d', 'ConvTranspose3d', 'LazyLinear', 'Linear']);
});

test('MACs rules: conv out·(in/groups)·k², transposed conv in·(out/groups)·k², linear rows·in·out', () => {
  // Conv2d(16, 32, 3, groups=2) on 1×16×8×8 → 1×32×8×8: 2048 outputs × (16/2)·9.
  assert.equal(convMacs(32 * 64, [32, 8, 3, 3]), 2048 * 72);
  // ConvTranspose2d(16, 32, 2, stride 2, groups=2): weight [16, 16, 2, 2]; 1×16×8×8 input.
  assert.equal(convTransposeMacs(16 * 64, [16, 16, 2, 2]), 1024 * 64);
  assert.equal(linearMacs(4, 128, 10), 4 * 128 * 10);
});

test('an ONNX leaf of one op the catalogue maps imports as that class', () => {
  for (const [op, cls] of IMPORTED_AS) {
    if (['Resize', 'Upsample', 'DepthToSpace', 'SpaceToDepth', 'LRN', 'PRelu', 'Dropout'].includes(op)) continue; // need inputs/attributes beyond x
    const g: onnx.IGraphProto = {
      name: 'g',
      node: [{ name: '/m/Op', opType: op, input: ['x'], output: ['y'] }],
      input: [{ name: 'x', type: { tensorType: { elemType: 1, shape: { dim: [{ dimValue: 1 }, { dimValue: 4 }, { dimValue: 3 }, { dimValue: 3 }] } } } }],
      output: [{ name: 'y' }],
    };
    const bytes = onnx.ModelProto.encode({ irVersion: 8, producerName: 'pytorch', opsetImport: [{ domain: '', version: 17 }], graph: g }).finish();
    const m = importOnnx(bytes, 't.onnx').graph.modules.find((x) => x.path === 'm');
    assert.equal(m?.type, cls, `${op} → ${cls}`);
  }
});
