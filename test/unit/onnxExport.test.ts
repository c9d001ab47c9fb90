// The exporter without Python: node names are module paths (what profiles map back by),
// initializers are named like state_dict entries, onnxruntime runs the file at the engine's
// shapes, same seed gives the same bytes, and what cannot be expressed is refused by name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { onnx } from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import { sourceToOnnx, ExportError } from '../../src/core/onnx/export';
import { nodeHost } from '../../src/cli/nodeHost';
import { memHost } from './memhost';

const ROOT = resolve(__dirname, '../../..');
const EXAMPLE = join(ROOT, 'examples/resnet_cifar.py');

test('nodes are named by module path, weights by parameter name; onnxruntime runs it', async () => {
  const r = sourceToOnnx(nodeHost, EXAMPLE, readFileSync(EXAMPLE, 'utf8'));
  const m = onnx.ModelProto.decode(r.bytes);
  const names = new Set(m.graph!.node!.map((n) => n.name));
  const convs = r.graph.modules.filter((x) => x.type === 'Conv2d');
  assert.ok(convs.length > 50);
  for (const c of convs) assert.ok(names.has(c.path), `a node named ${c.path}`);
  const inits = new Set(m.graph!.initializer!.map((i) => i.name));
  for (const c of convs) assert.ok(inits.has(`${c.path}.weight`), `initializer ${c.path}.weight`);
  // Functional ops in a block's forward: `<block>/<op>_<n>`.
  assert.ok(names.has('layer1.0/add_0') && names.has('layer1.0/relu_0'), 'residual add and relu of layer1.0');
  const s = await ort.InferenceSession.create(r.bytes);
  const out = await s.run({ input: new ort.Tensor('float32', new Float32Array(3 * 32 * 32).fill(0.5), [1, 3, 32, 32]) });
  assert.deepEqual([[...out.output.dims]], r.graph.outputs);
  assert.ok([...(out.output.data as Float32Array)].every(Number.isFinite));
  const again = sourceToOnnx(nodeHost, EXAMPLE, readFileSync(EXAMPLE, 'utf8'));
  assert.deepEqual(Buffer.from(again.bytes), Buffer.from(r.bytes), 'same seed, same bytes');
});

const refuse = (src: string, re: RegExp) => {
  const host = memHost({ '/p/m.py': src });
  assert.throws(() => sourceToOnnx(host, '/p/m.py', src, { input: [[1, 3, 8, 8]] }), (e: unknown) => e instanceof ExportError && re.test(e.message));
};

test('writes into a tensor are exported: x[:, 0] = 0 and x[:, 1:3] += t', async () => {
  const src = `import torch
from torch import nn
class M(nn.Module):
    def __init__(self):
        super().__init__()
        self.c = nn.Conv2d(3, 4, 1)
    def forward(self, x):
        y = torch.sigmoid(self.c(x)) + 1.0
        z = y
        y[:, 0] = 0
        z[:, 1:3] += torch.ones(1, 2, 8, 8)
        return y
`;
  const r = sourceToOnnx(memHost({ '/p/m.py': src }), '/p/m.py', src, { input: [[1, 3, 8, 8]] });
  assert.deepEqual(r.export.unknownValues, []);
  const s = await ort.InferenceSession.create(r.bytes);
  const out = (await s.run({ input: new ort.Tensor('float32', new Float32Array(3 * 64).fill(0.3), [1, 3, 8, 8]) })).output.data as Float32Array;
  const ch = (c: number) => [...out.slice(c * 64, (c + 1) * 64)];
  assert.ok(ch(0).every((v) => v === 0), 'channel 0 written with 0');
  assert.ok(ch(1).every((v) => v > 2 && v < 3) && ch(2).every((v) => v > 2 && v < 3), 'channels 1, 2: sigmoid + 1 + 1');
  assert.ok(ch(3).every((v) => v > 1 && v < 2), 'channel 3 untouched');
});

test('an incomplete analysis is not exported', () => refuse(`import torch
from torch import nn
class M(nn.Module):
    def __init__(self):
        super().__init__()
        self.c = nn.Conv2d(3, 4, 1)
    def forward(self, x):
        return self.c(some_unknown_function(x))
`, /incomplete/));

test('adaptive pooling that ONNX cannot express is named', () => refuse(`import torch
from torch import nn
class M(nn.Module):
    def __init__(self):
        super().__init__()
        self.p = nn.AdaptiveAvgPool2d(3)
    def forward(self, x):
        return self.p(x)
`, /^p: nn\.AdaptiveAvgPool2d: output size 3×3 does not divide input 8×8/));

test('buffers whose values the analysis cannot know are listed, not silently guessed', () => {
  const src = `import torch
from torch import nn
class M(nn.Module):
    def __init__(self):
        super().__init__()
        self.c = nn.Conv2d(3, 4, 1)
        self.register_buffer('noise', torch.randn(4, 1, 1))
        self.register_buffer('index', torch.arange(3, -1, -1))
    def forward(self, x):
        return self.c(x)[:, self.index] + self.noise
`;
  const r = sourceToOnnx(memHost({ '/p/m.py': src }), '/p/m.py', src, { input: [[1, 3, 8, 8]] });
  assert.deepEqual(r.export.unknownValues, ['noise']);
});
