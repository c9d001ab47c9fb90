// The editor's texts of measured times (CodeLens, hover) from a profile or a comparison.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stageLensTitle, modelLensTitle, modulesLatency } from '../../src/views/profileText';
import { fmtMs } from '../../src/views/format';
import type { CompareResult, ProfileResult } from '../../src/core/profile/types';

const profile = (p50: number, layers: [string, number][], stages: [string, number, number][]): ProfileResult => {
  const total = layers.reduce((s, [, ms]) => s + ms, 0);
  return {
    model: 'm()', input: [[1, 3, 32, 32]], provider: 'cpu', providers: [], threads: 0, times: [p50],
    stats: { runs: 1, mean: p50, stdev: 0, min: p50, p50, p90: p50 * 1.1, p99: p50, max: p50 },
    layers: layers.map(([path, ms]) => ({ path, ms, share: ms / total, nodes: 1 })),
    stages: stages.map(([path, ms, nodes]) => ({ path, ms, share: ms / total, nodes })),
    nodeTotalMs: total, onnxruntimeVersion: '1.30.0', profileRuns: 10,
  };
};

test('times read well at every scale', () => {
  assert.equal(fmtMs(123.4), '123 ms');
  assert.equal(fmtMs(3.14), '3.14 ms'); // one fmtMs for lens, hover, panel and CLI (src/views/format.ts)
  assert.equal(fmtMs(0.291), '0.29 ms');
  assert.equal(fmtMs(0.0312), '0.031 ms');
});

test('a stage lens: `layer3 · 3.1 ms (24%)`; none for a stage the trace did not time', () => {
  const p = profile(13, [['layer3.0.conv1', 3.1], ['fc', 9.8]], [['layer3', 3.1, 1], ['layer4', 0, 0]]);
  assert.equal(stageLensTitle('layer3', p), 'layer3 \u00b7 3.10 ms (24%)');
  assert.equal(stageLensTitle('layer4', p), null);
  assert.equal(stageLensTitle('nowhere', p), null);
  assert.equal(modelLensTitle(p), 'latency p50 13.0 ms (p90 14.3 ms) on cpu');
});

test('a comparison: before → after per stage and for the model', () => {
  const before = profile(10, [['layer3.0.conv1', 4], ['fc', 6]], [['layer3', 4, 1]]);
  const after = profile(8, [['layer3.first.conv1', 2], ['fc', 6]], []);
  const c: CompareResult = { before, after, ratio: 0.8, stages: [{ path: 'layer3', beforeMs: 4, afterMs: 2, ratio: 0.5 }] };
  assert.equal(stageLensTitle('layer3', c), 'layer3 \u00b7 4.00 ms (40%) \u2192 2.00 ms after Ghost (\u00d70.50 faster)');
  assert.equal(modelLensTitle(c), 'latency p50 10.0 ms \u2192 8.00 ms after Ghost (\u00d70.80 faster) on cpu');
  // A slower Ghost model is called slower.
  assert.equal(modelLensTitle({ ...c, ratio: 1.14 }), 'latency p50 10.0 ms \u2192 8.00 ms after Ghost (\u00d71.14 slower) on cpu');
  const unknownAfter: CompareResult = { ...c, stages: [{ path: 'layer3', beforeMs: 4, afterMs: null, ratio: null }] };
  assert.equal(stageLensTitle('layer3', unknownAfter), 'layer3 \u00b7 4.00 ms (40%) \u2192 ? after Ghost');
});

test('hover: the time of the modules and everything under them', () => {
  const p = profile(5, [['layer1.0.conv1', 1], ['layer1.1.conv1', 1], ['layer1.0.conv2', 2], ['fc', 1]], []);
  assert.equal(modulesLatency(p, ['layer1.0.conv1', 'layer1.1.conv1']), '2.00 ms (40.0% of node time) on cpu, median of 10 traced runs');
  assert.equal(modulesLatency(p, ['layer1.0']), '3.00 ms (60.0% of node time) on cpu, median of 10 traced runs');
  assert.equal(modulesLatency(p, ['layer2']), null);
  assert.equal(modulesLatency(p, []), null);
});
