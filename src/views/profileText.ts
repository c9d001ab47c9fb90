// Short texts of measured times for the editor (CodeLens, hover): `layer3 · 3.1 ms (24%)`.
import type { CompareResult, ModuleTime, ProfileResult } from '../core/profile/types';
import { fmtMs } from './format';

export const isCompareResult = (r: ProfileResult | CompareResult): r is CompareResult => 'before' in r;
const base = (r: ProfileResult | CompareResult): ProfileResult => (isCompareResult(r) ? r.before : r);

const pct = (share: number) => `${Math.round(100 * share)}%`;

/** `×1.14 slower`, `×0.81 faster` (after / before). */
export const ratioWords = (r: number): string => `\u00d7${r.toFixed(2)} ${r > 1 ? 'slower' : r < 1 ? 'faster' : 'same'}`;

/**
 * The stage's line: `layer3 · ≈2.3 ms of p50 9.6 ms (24%)`, or before → after for a comparison.
 * Stage times are the stage's share of the traced runs' node time applied to the untraced p50,
 * so they add up to the model's p50 line (the traced runs themselves are slower). Null: not timed.
 */
export function stageLensTitle(path: string, r: ProfileResult | CompareResult): string | null {
  if (isCompareResult(r)) {
    const c = r.stages.find((s) => s.path === path);
    if (!c || c.beforeMs === null) return null;
    const b = r.before.stages.find((s) => s.path === path);
    const a = r.after.stages.find((s) => s.path === path);
    const bMs = b?.p50Ms ?? c.beforeMs;
    const aMs = a?.p50Ms ?? c.afterMs;
    const ratio = aMs !== null && aMs !== undefined && bMs > 0 ? aMs / bMs : c.ratio;
    const after = aMs === null || aMs === undefined ? '?' : fmtMs(aMs);
    return `${path} \u00b7 ${fmtMs(bMs)}${b ? ` (${pct(b.share)})` : ''} \u2192 ${after} after Ghost${ratio !== null ? ` (${ratioWords(ratio)})` : ''}`;
  }
  const t = r.stages.find((s) => s.path === path);
  if (!t || !t.nodes) return null;
  return t.p50Ms !== undefined ? `${path} \u00b7 \u2248${fmtMs(t.p50Ms)} of p50 ${fmtMs(r.stats.p50)} (${pct(t.share)})` : `${path} \u00b7 ${fmtMs(t.ms)} (${pct(t.share)})`;
}

/** The model's line: `latency p50 2.8 ms on cpu`, with the Ghost rewrite's for a comparison. */
export function modelLensTitle(r: ProfileResult | CompareResult): string {
  if (isCompareResult(r)) {
    return `latency p50 ${fmtMs(r.before.stats.p50)} \u2192 ${fmtMs(r.after.stats.p50)} after Ghost (${ratioWords(r.ratio)}) on ${r.before.provider}`;
  }
  return `latency p50 ${fmtMs(r.stats.p50)} (p90 ${fmtMs(r.stats.p90)}) on ${r.provider}`;
}

/** Time of the modules `paths` (each with its submodules), for a hover row; null when none ran. */
export function modulesLatency(r: ProfileResult | CompareResult, paths: readonly string[]): string | null {
  const p = base(r);
  const under = (l: ModuleTime) => paths.some((q) => q === '' || l.path === q || l.path.startsWith(q + '.'));
  const mine = p.layers.filter(under);
  if (!mine.length || !paths.length) return null;
  const ms = mine.reduce((s, l) => s + l.ms, 0);
  const share = mine.reduce((s, l) => s + l.share, 0);
  return `${fmtMs(ms)} (${(100 * share).toFixed(1)}% of node time) on ${p.provider}, median of ${p.profileRuns ?? '?'} traced runs`;
}
