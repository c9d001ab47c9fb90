// The profile as a terminal report: `ghostlens profile`'s table, and what the editor writes to
// its output channel. No engine imports (the extension bundle includes this).
import type { CompareResult, ProfileResult } from '../core/profile/types';

const ms = (x: number | null | undefined) => (x === null || x === undefined ? '—' : x >= 100 ? x.toFixed(1) : x >= 10 ? x.toFixed(2) : x.toFixed(3));
const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

/** The profile as a terminal report (also what the editor writes to its output channel). */
export function renderProfile(r: ProfileResult | CompareResult, top = 10, color = false): string {
  const bold = (s: string) => (color ? `\x1b[1m${s}\x1b[0m` : s);
  const out: string[] = [];
  const base = 'before' in r ? r.before : r;
  out.push(bold('before' in r ? `${r.before.model}  vs  ${r.after.model}` : base.model));
  out.push(`input ${base.input.map((s) => s.join('x')).join(', ')} · provider ${bold(base.provider)} · onnxruntime-node ${base.onnxruntimeVersion} · ` +
    `threads ${base.threads || 'default'} · ${base.stats.runs} timed runs after ${base.warmup ?? '?'} warm-up${'before' in r ? ', alternating' : ''}`);
  out.push('providers:');
  for (const n of base.providers) out.push(`  ${n.used ? '✓' : n.why.startsWith('failed') ? '✗' : '·'} ${n.name.padEnd(8)} ${n.why}`);
  out.push('');
  const statRow = (label: string, p: ProfileResult) => [label, ms(p.stats.p50), ms(p.stats.p90), ms(p.stats.p99), ms(p.stats.mean), ms(p.stats.stdev), ms(p.stats.min), ms(p.stats.max)];
  const head = ['Latency (ms)', 'p50', 'p90', 'p99', 'mean', 'stdev', 'min', 'max'];
  if ('before' in r) {
    out.push(...table([head, statRow('before', r.before), statRow('after (Ghost)', r.after)], [false, true, true, true, true, true, true, true]));
    out.push(`after/before (p50): ${bold(r.ratio.toFixed(3))} ${r.ratio < 1 ? `(${pct(1 - r.ratio)} faster)` : `(${pct(r.ratio - 1)} slower)`}`);
  } else {
    out.push(...table([head, statRow('run', r)], [false, true, true, true, true, true, true, true]));
  }
  out.push('');
  // Parts (stages, stem, between, head, unattributed): traced node time, its share, and that
  // share of the untraced p50 — the column that adds up to the latency table's p50.
  if ('before' in r) {
    if (r.stages.length) {
      const bp = new Map((r.before.parts ?? []).map((p) => [p.name, p]));
      const ap = new Map((r.after.parts ?? []).map((p) => [p.name, p]));
      const names = [...new Set([...(r.before.parts ?? []), ...(r.after.parts ?? [])].map((p) => p.name))];
      const ordered = names.length ? names : r.stages.map((s) => s.path);
      const rows = [['Part', 'before (ms)', 'after (ms)', 'after/before', '≈ before at p50', '≈ after at p50'], ...ordered.map((n) => {
        const c = r.stages.find((s) => s.path === n);
        const b = bp.get(n), a = ap.get(n);
        const bMs = c ? c.beforeMs : b?.ms ?? null, aMs = c ? c.afterMs : a?.ms ?? null;
        const ratio = bMs && aMs !== null ? aMs / bMs : null;
        return [n, ms(bMs), ms(aMs), ratio === null ? '—' : `${ratio.toFixed(3)}${ratio > 1 ? ' slower' : ''}`, ms(b?.p50Ms ?? null), ms(a?.p50Ms ?? null)];
      })];
      out.push(...table(rows, [false, true, true, true, true, true]));
      out.push('');
    }
  } else if (r.stages.length) {
    const list = r.parts ?? r.stages.map((s) => ({ name: s.path, ms: s.ms, share: s.share, p50Ms: s.p50Ms ?? null }));
    const rows = [['Part', 'Time (ms)', 'Share', '≈ at p50 (ms)'], ...list.map((p) => [p.name, ms(p.ms), pct(p.share), ms(p.p50Ms)])];
    out.push(...table(rows, [false, true, true, true]));
    out.push('');
  }
  if (base.layers.length && top > 0) {
    const rows = [['Top layers', 'Time (ms)', 'Share', 'Nodes'], ...base.layers.slice(0, top).map((l) => [l.path || '(outside modules)', ms(l.ms), pct(l.share), String(l.nodes)])];
    out.push(...table(rows, [false, true, true, true]));
    out.push('');
  }
  if (base.nodeTotalMs !== null) {
    out.push(`per-node times: each node's median over ${base.profileRuns ?? '?'} traced runs, ${ms(base.nodeTotalMs)} ms of node time per run` +
      `${base.tracedRunMs !== undefined ? ` (${ms(base.tracedRunMs)} ms wall per traced run)` : ''}; latency above: untraced runs; ` +
      `'≈ at p50': a part's share of the node time × p50, so the parts add up to the p50`);
  }
  const notes = 'before' in r ? [...(r.before.notes ?? []), ...(r.after.notes ?? []).map((n) => `after: ${n}`)] : r.notes ?? [];
  for (const n of [...new Set(notes)]) out.push(`note: ${n}`);
  return out.join('\n') + '\n';
}

function table(rows: string[][], right: boolean[]): string[] {
  const w = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => (right[i] ? c.padStart(w[i]) : c.padEnd(w[i]))).join('  ').trimEnd();
  return [line(rows[0]), w.map((n) => '─'.repeat(n)).join('  '), ...rows.slice(1).map(line)];
}
