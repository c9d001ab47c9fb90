// The panel's view as the host computes it (src/views/panelView.ts): the decision columns first,
// the rest secondary; estimates as changes of the whole model; widths that hold every figure.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeSource } from '../../src/core/python';
import { nodeHost } from '../../src/cli/nodeHost';
import { DEFAULT_GHOST, stageCandidate } from '../../src/core/analysis/ghost';
import { panelView } from '../../src/views/panelView';
import { fmtChange } from '../../src/views/format';
import type { CompareResult, ProfileResult } from '../../src/core/profile/types';

const EXAMPLE = join(__dirname, '..', '..', '..', 'examples', 'resnet_cifar.py');
const g = analyzeSource(nodeHost, EXAMPLE, readFileSync(EXAMPLE, 'utf8'));
const primary = (t: { columns: { id: string; secondary?: boolean }[] }) => t.columns.filter((c) => !c.secondary).map((c) => c.id);

const profile = (k: number): ProfileResult => ({
  model: g.model, input: g.input, provider: 'cpu', threads: 1, onnxruntimeVersion: '1.30.0', providers: [], times: [1, 1.1, 1.2].map((t) => t * k),
  stats: { runs: 3, mean: 1.1 * k, stdev: 0.1, min: k, p50: 1.1 * k, p90: 1.2 * k, p99: 1.2 * k, max: 1.2 * k },
  layers: [], stages: g.stages.map((s) => ({ path: s.path, ms: 0.3 * k, share: 0.3, nodes: 10 })), nodeTotalMs: k,
});

test('stage table: the decision in the primary columns, the rest on demand', () => {
  const v = panelView(g, DEFAULT_GHOST, null, null);
  assert.deepEqual(primary(v.stages), ['stage', 'blocks', 'resolution', 'share', 'ghost']);
  assert.deepEqual(v.stages.columns.filter((c) => c.secondary).map((c) => c.id), ['channels', 'params', 'macs', 'ghostMacs']);
  const cmp: CompareResult = { before: profile(1), after: profile(1.2), ratio: 1.2, stages: g.stages.map((s) => ({ path: s.path, beforeMs: 0.3, afterMs: 0.36, ratio: 1.2 })) };
  const p = panelView(g, DEFAULT_GHOST, cmp, null);
  assert.deepEqual(primary(p.stages), ['stage', 'blocks', 'resolution', 'share', 'ghost', 'latency', 'ghostMs']);
  // Ghost made it slower: the cell says so.
  const after = p.stages.rows[0].cells[p.stages.columns.findIndex((c) => c.id === 'ghostMs')];
  assert.equal(after.text, '\u00d71.20 slower');
});

test('the G-Ghost cell is the change of the model\u2019s MACs; its value the stage\u2019s MACs after', () => {
  const v = panelView(g, DEFAULT_GHOST, null, null);
  const col = v.stages.columns.findIndex((c) => c.id === 'ghost');
  for (const [i, st] of g.stages.entries()) {
    const c = stageCandidate(g, st, DEFAULT_GHOST)!;
    const cell = v.stages.rows[i].cells[col];
    assert.equal(cell.text, fmtChange((100 * (c.after.macs - c.before.macs)) / g.macs!));
    assert.equal(cell.value, c.after.macs);
    // The Rewrite button sits in the row's name cell.
    assert.deepEqual(v.stages.rows[i].cells[0].rewrite, { kind: 'stage', path: st.path, label: st.path, what: 'a G-Ghost stage' });
  }
});

test('figure columns are as wide as their widest text (in ch), names share the rest', () => {
  const v = panelView(g, DEFAULT_GHOST, null, null);
  for (const t of [v.stages, v.convs, v.layers]) {
    t.columns.forEach((c, i) => {
      const m = /^calc\(([\d.]+)ch \+ 8px\)$/.exec(c.width) ?? /^minmax\(calc\(([\d.]+)ch \+ 8px\), 1fr\)$/.exec(c.width);
      assert.ok(m, `${c.id}: ${c.width}`);
      if (c.width.startsWith('minmax')) return;
      const widest = Math.max(...t.rows.map((r) => [...r.cells[i].text].length));
      assert.ok(Number(m[1]) >= widest * 0.85, `${t.label} ${c.id}: ${c.width} for ${widest} characters`);
    });
  }
});
