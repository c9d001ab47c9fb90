// Honesty when imports do not resolve: each torchvision model file copied alone into an empty
// folder (its `from ..utils import ...`, `from ._api import ...` cannot resolve). Every result must
// either equal torch exactly or say it is not complete (an incomplete result, or a refusal naming
// the cause) — never a figure marked complete that torch does not give. This is where a skipped
// call of an unresolved helper once turned wide_resnet50_2 into resnet50 with "Analysis complete".
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, mkdtempSync, copyFileSync, rmSync } from 'node:fs';
import { join, basename } from 'node:path';
import { tmpdir } from 'node:os';
import { analyzeSource, AnalysisError } from '../../src/core/python';
import { nodeHost } from '../../src/cli/nodeHost';
import { toJson } from '../../src/views/report';
import { torchAvailable } from './python';
import { oracle, TV, TORCHVISION, record, firstLine } from './compare';

const skip = torchAvailable() ? false : 'PyTorch is not importable by /usr/bin/python3';
const INPUT = [[1, 3, 224, 224]];

describe('torchvision files analysed alone are exact or say incomplete', { skip, concurrency: 2 }, () => {
  for (const [file, expr] of TORCHVISION) {
    test(`${expr} (${file} alone)`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'ghostlens-alone-'));
      try {
        const path = join(dir, basename(file));
        copyFileSync(join(TV, file), path);
        let g;
        try {
          g = toJson(analyzeSource(nodeHost, path, readFileSync(path, 'utf8'), { model: expr, input: INPUT }));
        } catch (e) {
          assert.ok(e instanceof AnalysisError, `a refusal is an AnalysisError, got ${firstLine(e)}`);
          assert.match(e.message, /\S/);
          record('alone', file, expr, 'refused', { reason: firstLine(e) });
          return;
        }
        if (!g.complete) {
          assert.ok(g.unknowns.length > 0, 'an incomplete result names its unknowns');
          record('alone', file, expr, 'incomplete', { reason: g.unknowns[0].reason });
          return;
        }
        // Complete: then it must be torch's figure for the model (built from the real package).
        const want = await oracle(join(TV, file), expr, INPUT);
        assert.equal(g.params, want.params, 'params of a complete result');
        assert.equal(g.macs, want.macs, 'MACs of a complete result');
        assert.deepEqual(g.outputs, want.outputs, 'outputs of a complete result');
        record('alone', file, expr, 'exact', { params: g.params, macs: g.macs });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
