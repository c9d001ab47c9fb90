// The panel's rows and chart series (src/core/analysis/panelModel.ts), checked against the CLI:
// the stage and layer figures against `ghostlens analyze --json`, the G-Ghost / C-Ghost estimates
// against the analysis of the file that `ghostlens rewrite` produces, and the profile and
// redundancy columns against hand-made results with known sums.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeSource } from '../../src/core/python';
import { nodeHost } from '../../src/cli/nodeHost';
import { DEFAULT_GHOST } from '../../src/core/analysis/ghost';
import { panelModel, macsSeries, latencySeries, runHistogram, whyNoStageGhost } from '../../src/views/panelModel';
import { fmtMs, fmtPct } from '../../src/views/format';
import type { CompareResult, ProfileResult } from '../../src/core/profile/types';
import type { RedundancyResult } from '../../src/core/redundancy/types';
import { memHost } from './memhost';

const ROOT = join(__dirname, '..', '..', '..');
const CLI = join(ROOT, 'dist', 'cli.js');
const EXAMPLE = join(ROOT, 'examples', 'resnet_cifar.py');

function cli(...args: string[]): string {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

interface Json {
  macs: number; params: number;
  layers: { path: string; type: string; line: number; outputShape: number[] | null; params: number; macs: number | null; calls: number }[];
  stages: { path: string; line: number; resolution: [number, number]; blocks: number; inChannels: number | null; outChannels: number; params: number; macs: number | null }[];
}
const analyzeJson = (file: string): Json => JSON.parse(cli('analyze', file, '--json'));

const json = analyzeJson(EXAMPLE);
const graph = analyzeSource(nodeHost, EXAMPLE, readFileSync(EXAMPLE, 'utf8'));
const model = panelModel(graph, DEFAULT_GHOST);

test('stage rows carry the figures of ghostlens analyze --json', () => {
  assert.deepEqual(model.stages.map((s) => s.path), json.stages.map((s) => s.path));
  assert.deepEqual(model.stages.map((s) => s.path), ['layer1', 'layer2', 'layer3']);
  for (const [i, s] of json.stages.entries()) {
    const r = model.stages[i];
    assert.deepEqual(
      { line: r.line, resolution: r.resolution, blocks: r.blocks, inChannels: r.inChannels, outChannels: r.outChannels, params: r.params, macs: r.macs },
      { line: s.line, resolution: s.resolution, blocks: s.blocks, inChannels: s.inChannels, outChannels: s.outChannels, params: s.params, macs: s.macs }, s.path);
    assert.equal(r.share, s.macs! / json.macs);
    // Nothing measured yet: those cells stay empty rather than guessed.
    assert.equal(r.latency, null);
    assert.equal(r.ghostMs, null);
    assert.equal(r.redundancy, null);
  }
  assert.equal(fmtPct(model.stages[0].share), '33.8%');
});

test('layer rows are the leaf layers of analyze --json, in order, with the same figures', () => {
  assert.equal(model.layers.length, json.layers.length);
  for (const [i, l] of json.layers.entries()) {
    const r = model.layers[i];
    assert.deepEqual({ path: r.path, type: r.type, line: r.line, output: r.output, params: r.params, macs: r.macs, calls: r.calls },
      { path: l.path, type: l.type, line: l.line, output: l.outputShape, params: l.params, macs: l.macs, calls: l.calls }, l.path);
  }
  // Stem and head are outside the stages.
  const inStages = json.stages.reduce((t, s) => t + s.macs!, 0);
  assert.equal(model.otherMacs, json.macs - inStages);
});

test('conv rows group the convs built by one call, and their MACs add up to those layers', () => {
  const site = model.convs.find((c) => c.paths.includes('layer1.0.conv1'))!;
  assert.equal(site.name, 'conv1');
  assert.equal(site.paths.length, 27);
  // Five distinct in→out pairs (16→16 … 64→64): shown as ranges.
  assert.equal(site.channels, '16\u201364\u219216\u201364');
  assert.equal(site.kernel, '3\u00d73');
  const layers = json.layers.filter((l) => l.line === site.line && l.type === 'Conv2d');
  assert.deepEqual(site.paths, layers.map((l) => l.path));
  assert.equal(site.macs, layers.reduce((t, l) => t + l.macs!, 0));
  assert.equal(site.params, layers.reduce((t, l) => t + l.params, 0));
  // Every conv row is one source line of the file; no line twice.
  assert.equal(new Set(model.convs.map((c) => c.line)).size, model.convs.length);
});

test('the G-Ghost and C-Ghost estimates equal the analysis of the file ghostlens rewrite writes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ghostlens-panel-'));
  try {
    const stage = model.stages.find((s) => s.path === 'layer2')!;
    cli('rewrite', EXAMPLE, '--stage', 'layer2', '-o', join(dir, 'stage.py'));
    const afterStage = analyzeJson(join(dir, 'stage.py'));
    assert.equal(afterStage.macs - json.macs, stage.ghost!.macs - stage.macs!, 'stage MACs');
    assert.equal(afterStage.params - json.params, stage.ghost!.params - stage.params, 'stage params');

    // In the rewritten file the stage is Ghost already: no estimate, no Rewrite, and it says so.
    const rewritten = join(dir, 'stage.py');
    const g2 = analyzeSource(nodeHost, rewritten, readFileSync(rewritten, 'utf8'));
    const m2 = panelModel(g2, DEFAULT_GHOST);
    const middle = m2.stages.find((s) => s.path === 'layer2.middle')!;
    assert.ok(middle, m2.stages.map((s) => s.path).join(', '));
    assert.equal(middle.ghost, null);
    assert.equal(middle.noGhost, 'already Ghost');
    assert.ok(!m2.stages.some((s) => s.path === 'layer2'));

    const conv = model.convs.find((c) => c.paths.includes('layer1.0.conv1'))!;
    cli('rewrite', EXAMPLE, '--conv', 'layer1.0.conv1', '-o', join(dir, 'conv.py'));
    const afterConv = analyzeJson(join(dir, 'conv.py'));
    // One call builds 27 convs; the row sums them, as the rewrite changes them all.
    assert.equal(afterConv.macs - json.macs, conv.ghost.macs - conv.macs, 'conv site MACs');
    assert.equal(afterConv.params - json.params, conv.ghost.params - conv.params, 'conv site params');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a stage without a G-Ghost estimate says why', () => {
  const src = `import torch.nn as nn
class B(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.a = nn.Conv2d(c, c, 3, 1, 1)
        self.b = nn.Conv2d(c, c, 3, 1, 1)
    def forward(self, x):
        return self.b(self.a(x)) + x
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 16, 3, 1, 1)
        self.two = nn.Sequential(B(16), B(16))
    def forward(self, x):
        return self.two(self.stem(x))
`;
  const g = analyzeSource(memHost({ '/m/net.py': src }), '/m/net.py', src, { model: 'Net()', input: [[1, 3, 8, 8]] });
  const m = panelModel(g, DEFAULT_GHOST);
  assert.equal(m.stages.length, 1);
  assert.equal(m.stages[0].ghost, null);
  assert.equal(m.stages[0].noGhost, '2 blocks: G-Ghost needs \u2265 3');
  assert.equal(whyNoStageGhost(g, { ...g.stages[0], macs: null, blocks: ['two.0', 'two.1', 'two.2'] }, DEFAULT_GHOST), 'MACs unknown');
});

// ── measured columns ─────────────────────────────────────────────────────────────────────────

const stageMs = [0.5, 0.3, 0.25];
const conv1Paths = model.convs.find((c) => c.paths.includes('layer1.0.conv1'))!.paths;
const profile = (k = 1): ProfileResult => ({
  model: 'resnet56()', input: [[1, 3, 32, 32]], provider: 'cpu', providers: [{ name: 'cpu', listed: true, used: true, why: 'default' }], threads: 1,
  times: Array.from({ length: 50 }, (_, i) => k * (1.1 + (i % 10) * 0.01)),
  stats: { runs: 50, mean: 1.145 * k, stdev: 0.03 * k, min: 1.1 * k, p50: 1.145 * k, p90: 1.19 * k, p99: 1.19 * k, max: 1.19 * k },
  // Every instance of the conv1 site but one is timed at 0.01 ms; the last is left out below.
  layers: conv1Paths.map((p) => ({ path: p, ms: 0.01 * k, share: 0.01, nodes: 1 })),
  stages: model.stages.map((s, i) => ({ path: s.path, ms: stageMs[i] * k, share: stageMs[i] / 1.1, nodes: 40 })),
  nodeTotalMs: 1.1 * k, onnxruntimeVersion: '1.30.0',
});

test('profiled stages, conv sites and layers get their measured time and share', () => {
  const m = panelModel(graph, DEFAULT_GHOST, profile());
  assert.deepEqual(m.stages.map((s) => s.latency), stageMs.map((ms) => ({ ms, share: ms / 1.1 })));
  const site = m.convs.find((c) => c.paths.includes('layer1.0.conv1'))!;
  assert.ok(Math.abs(site.latency!.ms - 0.27) < 1e-12, `${site.latency!.ms}`);
  assert.equal(m.layers.find((l) => l.path === 'layer3.8.conv1')!.latency!.ms, 0.01);
  assert.equal(m.layers.find((l) => l.path === 'layer3.8.conv2')!.latency, null);
  // A site with an instance the profile did not time gets no (partial) sum.
  const partial = profile();
  partial.layers.pop();
  assert.equal(panelModel(graph, DEFAULT_GHOST, partial).convs.find((c) => c.paths.includes('layer1.0.conv1'))!.latency, null);
});

test('a before/after Ghost comparison fills the after column and the latency chart', () => {
  const cmp: CompareResult = {
    before: profile(), after: profile(0.6), ratio: 0.6,
    stages: model.stages.map((s, i) => ({ path: s.path, beforeMs: stageMs[i], afterMs: stageMs[i] * 0.6, ratio: 0.6 })),
  };
  const m = panelModel(graph, DEFAULT_GHOST, cmp);
  assert.deepEqual(m.stages.map((s) => s.ghostMs), stageMs.map((x) => x * 0.6));
  assert.deepEqual(m.stages.map((s) => s.ratio), [0.6, 0.6, 0.6]);
  const series = latencySeries(m, cmp)!;
  assert.deepEqual(series.labels, ['layer1', 'layer2', 'layer3', 'outside stages']);
  assert.deepEqual(series.datasets.map((d) => d.label), ['before Ghost', 'after Ghost']);
  assert.deepEqual(series.datasets[0].data.slice(0, 3), stageMs);
  // What the stages leave of the summed node time: 1.1 − 1.05 ms before, 0.6 × that after.
  assert.ok(Math.abs(series.datasets[0].data[3]! - 0.05) < 1e-9);
  assert.ok(Math.abs(series.datasets[1].data[3]! - 0.03) < 1e-9);
});

test('the MACs chart has a bar per stage, the rest of the model, and the G-Ghost estimate', () => {
  const s = macsSeries(model);
  assert.deepEqual(s.labels, ['layer1', 'layer2', 'layer3', 'outside stages']);
  assert.deepEqual(s.datasets[0].data, [...json.stages.map((x) => x.macs), model.otherMacs]);
  assert.equal(s.datasets[0].data.reduce((t, x) => t! + x!, 0), json.macs);
  assert.deepEqual(s.datasets[1].data.slice(0, 3), model.stages.map((x) => x.ghost!.macs));
});

test('the run histogram bins every run once, on bins shared by before and after', () => {
  const h = runHistogram(profile());
  assert.equal(h.datasets.length, 1);
  assert.equal(h.datasets[0].data.reduce((t, x) => t + x, 0), 50);
  assert.equal(h.edges.length, h.datasets[0].data.length + 1);
  assert.equal(h.edges[0], 1.1);
  assert.ok(Math.abs(h.edges[h.edges.length - 1] - 1.19) < 1e-12);
  assert.equal(h.datasets[0].data.length, 8, '⌈√50⌉ bins');
  const cmp: CompareResult = { before: profile(), after: profile(0.5), ratio: 0.5, stages: [] };
  const hc = runHistogram(cmp);
  assert.deepEqual(hc.datasets.map((d) => d.data.reduce((t, x) => t + x, 0)), [50, 50]);
  assert.equal(hc.edges[0], 0.55);
  assert.equal(hc.datasets[0].data.length, 16, '⌈√50⌉ bins per series');
  // Identical runs: one bin holding them all.
  const same = { ...profile(), times: [2, 2, 2] };
  assert.deepEqual(runHistogram(same).datasets[0].data, [3]);
  assert.deepEqual(runHistogram({ ...profile(), times: [] }).datasets[0].data, []);
});

test('measured redundancy goes to its stage and conv site', () => {
  const red: RedundancyResult = {
    model: 'resnet56.onnx', calibration: { kind: 'random', source: 'random (8 samples)', samples: 8, fit: 6, test: 2 }, provider: 'cpu',
    stages: [{ stage: 'layer2', firstBlock: 'layer2.0', blocks: [{ path: 'layer2.4', relError: 0.2, channels: 32 }, { path: 'layer2.8', relError: 0.05, channels: 32 }] }],
    layers: [
      { path: 'layer1.0.conv1', channels: 16, cosineHistogram: [], meanAbsCosine: 0.3, nearDuplicateShare: 0.5, threshold: 0.9, ghostReconError: 0.1, ratio: 2 },
      { path: 'layer1.1.conv1', channels: 16, cosineHistogram: [], meanAbsCosine: 0.3, nearDuplicateShare: 0.25, threshold: 0.9, ghostReconError: null, ratio: 2 },
    ],
    peakRssBytes: null, notes: [],
  };
  const m = panelModel(graph, DEFAULT_GHOST, null, red);
  assert.equal(m.stages[0].redundancy, null);
  assert.deepEqual(m.stages[1].redundancy, { firstBlock: 'layer2.0', blocks: [{ path: 'layer2.4', relError: 0.2 }, { path: 'layer2.8', relError: 0.05 }], lastError: 0.05 });
  const site = m.convs.find((c) => c.paths.includes('layer1.0.conv1'))!;
  assert.deepEqual(site.redundancy, { measured: 2, nearDuplicateShare: 0.375, ghostReconError: 0.1 });
});

test('times are formatted to their precision', () => {
  assert.deepEqual([123.4, 12.34, 1.234, 0.0421, 0, null].map(fmtMs), ['123 ms', '12.3 ms', '1.23 ms', '0.042 ms', '0 ms', '\u2014']);
});
