// Exactness against real PyTorch: for torchvision families and our own fixtures, the static
// analysis must equal what torch measures with forward hooks (test/torch/oracle.py): model
// params, MACs and outputs, and for every leaf module its path, type, output shape, params, MACs.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readDirective } from '../../src/core/python';
import { torchAvailable, ROOT } from './python';
import { checkAndRecord, TV, TORCHVISION, fixtures, examples } from './compare';


/** Beyond the bar: other families and layouts (attention, 3-D video, larger inputs). */
const MORE: [string, string, number[]][] = [
  ['vision_transformer.py', 'vit_b_16()', [1, 3, 224, 224]], ['swin_transformer.py', 'swin_t()', [1, 3, 224, 224]],
  ['inception.py', 'inception_v3()', [1, 3, 299, 299]], ['efficientnet.py', 'efficientnet_v2_s()', [1, 3, 224, 224]],
  ['regnet.py', 'regnet_x_3_2gf()', [1, 3, 224, 224]], ['mobilenetv3.py', 'mobilenet_v3_small()', [1, 3, 224, 224]],
  ['video/resnet.py', 'r3d_18()', [1, 3, 8, 112, 112]], ['video/s3d.py', 's3d()', [1, 3, 16, 224, 224]],
];


const skip = torchAvailable() ? false : 'PyTorch is not importable by /usr/bin/python3 (apt install python3-torch python3-torchvision)';

describe('torchvision models equal torch exactly', { skip, concurrency: 2 }, () => {
  for (const [file, expr] of TORCHVISION) {
    test(`${expr} (${file})`, async () => {
      await checkAndRecord('torchvision', file, join(TV, file), expr, [[1, 3, 224, 224]]);
    });
  }
});

describe('more torchvision families equal torch exactly', { skip, concurrency: 2 }, () => {
  for (const [file, expr, input] of MORE) {
    test(`${expr} (${file})`, async () => {
      await checkAndRecord('torchvision', file, join(TV, file), expr, [input]);
    });
  }
});

describe('own fixtures and examples equal torch exactly', { skip, concurrency: 2 }, () => {
  for (const path of [...fixtures, ...examples]) {
    test(resolve(path).slice(ROOT.length + 1), async () => {
      const d = readDirective(readFileSync(path, 'utf8'));
      assert.ok(d?.model, `${path} needs a '# ghostlens: model=... input=...' line`);
      const input = d.input ?? [[1, 3, 224, 224]];
      await checkAndRecord('fixture', resolve(path).slice(ROOT.length + 1), path, d.model, input);
    });
  }
});
