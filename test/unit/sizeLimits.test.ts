// Inputs that are small on disk but huge once read: a PNG header claiming 2^31 x 2^31 pixels,
// an images folder that links into /proc. Both end with a CalibrationError, at once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, symlinkSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { decodeImage, listImages, CalibrationError } from '../../src/core/redundancy/calibration';
import { traceToOnnx } from '../../src/core/onnx/export';
import { analyzeModel } from '../../src/core/python';
import { memHost } from './memhost';

test('a PNG whose header claims 2^31 x 2^31 pixels is refused before it is inflated', () => {
  const d = mkdtempSync(join(tmpdir(), 'ghostlens-png-'));
  const png = Buffer.alloc(33);
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(png, 0);
  png.writeUInt32BE(13, 8);
  png.write('IHDR', 12, 'latin1');
  png.writeUInt32BE(2 ** 31, 16);
  png.writeUInt32BE(2 ** 31, 20);
  writeFileSync(join(d, 'bomb.png'), png);
  assert.throws(() => decodeImage(join(d, 'bomb.png')), (e: Error) => e instanceof CalibrationError && /2147483648×2147483648 pixels; images of at most 64 megapixels/.test(e.message));
});

test('the images walk follows no links (into /proc or back into itself) and skips system folders', () => {
  const d = mkdtempSync(join(tmpdir(), 'ghostlens-imgs-'));
  mkdirSync(join(d, 'cls'));
  writeFileSync(join(d, 'cls', 'a.png'), 'x');
  symlinkSync('/proc', join(d, 'proc'));
  symlinkSync(d, join(d, 'cls', 'loop'));
  assert.deepEqual(listImages(d), [join(d, 'cls', 'a.png')]);
  assert.throws(() => listImages('/proc'), /no PNG or JPEG images/);
});

test('export refuses weights beyond an ONNX file before allocating them', () => {
  const text = 'import torch.nn as nn\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.fc = nn.Linear(100000, 10**9)\n    def forward(self, x):\n        return self.fc(x)\n';
  const live = analyzeModel(memHost({ '/m.py': text }), '/m.py', text, { input: [[1, 100000]], trace: true });
  assert.throws(() => traceToOnnx(live.trace!), /fc: the weights are too large for an ONNX file: fc\.weight alone is 363\.8 TB \(1000000000x100000 float32\)/);
});
