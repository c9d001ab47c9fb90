// A redundancy measurement as text: the CLI's tables and the editor's output channel.
import type { ModelGraph } from '../graph/model';
import type { RedundancyResult } from './types';

const pct = (x: number | null) => (x === null ? '—' : `${(100 * x).toFixed(1)}%`);

/** Tables of a measurement; lines from the source's analysis when given. */
export function renderRedundancy(r: RedundancyResult, source: ModelGraph | null): string {
  const lineOf = new Map<string, number>();
  for (const m of source?.modules ?? []) if (m.line) lineOf.set(m.path, m.line);
  for (const s of source?.stages ?? []) if (s.line) lineOf.set(s.path, s.line);
  const line = (p: string) => (lineOf.has(p) ? String(lineOf.get(p)) : '');
  const c = r.calibration;
  const out: string[] = [];
  out.push(`${r.model} · ${c.kind === 'random' ? 'RANDOM inputs' : `images from ${c.source}`}: ${c.samples} samples (fit ${c.fit} / test ${c.test}) · ${r.provider}` +
    (r.peakRssBytes !== null ? ` · peak ${(r.peakRssBytes / 2 ** 20).toFixed(0)} MiB` : ''));
  out.push('');
  if (r.stages.length) {
    out.push('Stage-wise (G-Ghost): each block rebuilt from the stage\'s first block by a 1×1 conv; error on held-out samples');
    const rows = [['Stage', 'Line', 'From', 'Block', 'Channels', 'Error']];
    for (const s of r.stages) s.blocks.forEach((b, i) => rows.push([i ? '' : s.stage, i ? '' : line(s.stage), i ? '' : s.firstBlock, b.path, String(b.channels), pct(b.relError)]));
    out.push(...table(rows, [false, true, false, false, true, true]), '');
  }
  if (r.layers.length) {
    const t = r.layers[0];
    out.push(`Layer-wise (C-Ghost): channels of each conv output; duplicates at |cos| ≥ ${t.threshold}; rebuilt from ceil(C/${t.ratio}) by per-channel affine maps`);
    const rows = [['Conv', 'Line', 'Channels', 'Mean |cos|', 'Duplicates', 'Rebuild error']];
    for (const l of r.layers) rows.push([l.path, line(l.path), String(l.channels), l.meanAbsCosine.toFixed(3), pct(l.nearDuplicateShare), pct(l.ghostReconError)]);
    out.push(...table(rows, [false, true, true, true, true, true]), '');
  }
  if (r.notes.length) out.push('Notes:', ...r.notes.map((n) => `  - ${n}`));
  return out.join('\n') + '\n';
}

function table(rows: string[][], right: boolean[]): string[] {
  const w = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const fmt = (r: string[]) => r.map((c, i) => (right[i] ? c.padStart(w[i]) : c.padEnd(w[i]))).join('  ').trimEnd();
  return [fmt(rows[0]), w.map((n) => '─'.repeat(n)).join('  '), ...rows.slice(1).map(fmt)];
}
