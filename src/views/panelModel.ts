// What the GhostLens panel shows, as plain data: the rows of its stage, convolution and layer
// tables and the series of its charts, from a ModelGraph, the Ghost estimates (ghost.ts) and,
// when there are any, a profile and a redundancy measurement. No DOM and no vscode here, so the
// webview renders it and the tests check it against `ghostlens analyze --json`.
import type { ModelGraph, ModuleNode, Stage } from '../core/graph/model';
import type { CompareResult, ModuleTime, ProfileResult } from '../core/profile/types';
import type { RedundancyResult } from '../core/redundancy/types';
import { ghostCandidates, pct, ConvCandidate, GhostSettings, StageCandidate } from '../core/analysis/ghost';
import { siteName, channels } from '../core/analysis/diagnostics';

/** A measured time and its share of the profile's summed node time (0..1). */
export interface Measured { ms: number; share: number }

export interface GhostEstimate {
  macs: number;
  params: number;
  /** Change of the rewritten part's own figures, in percent (negative: a saving). */
  macsChange: number;
  paramsChange: number;
  /** The same change in percent of the whole model: the base the panel shows (null: model MACs unknown). */
  modelMacsChange: number | null;
  modelParamsChange: number;
  /** How the estimate is built, in a few words (`raw 38 + cheap 26 ch`). */
  detail: string;
}

export interface StageRow {
  path: string;
  /** 1-based line (0: no site in the file) and offsets of the site. */
  line: number; from: number; to: number;
  blocks: number;
  resolution: [number, number];
  inChannels: number | null;
  outChannels: number;
  params: number;
  macs: number | null;
  /** Share of the model's MACs, 0..1 (null: unknown). */
  share: number | null;
  ghost: GhostEstimate | null;
  /** Why the stage has no G-Ghost estimate. */
  noGhost: string | null;
  latency: Measured | null;
  /** Measured after the all-candidates Ghost rewrite (compare profiles only). */
  ghostMs: number | null;
  /** ghostMs / latency.ms. */
  ratio: number | null;
  redundancy: StageRedundancyCell | null;
}

export interface StageRedundancyCell {
  firstBlock: string;
  /** Relative reconstruction error of each later block from the first block's output. */
  blocks: { path: string; relError: number }[];
  /** Of the stage's last block (what G-Ghost approximates). */
  lastError: number | null;
}

/** C-Ghost candidates built at one source site (one `nn.Conv2d(...)` call), their figures summed. */
export interface ConvRow {
  /** `from:to` of the site, or the path when the conv has no site in the file. */
  key: string;
  /** What the instances are called (`conv1`), see diagnostics.siteName. */
  name: string;
  paths: string[];
  line: number; from: number; to: number;
  kernel: string;
  stride: number;
  /** `16→16 / 32→32` (distinct in→out pairs; a range when there are many). */
  channels: string;
  macs: number;
  params: number;
  share: number;
  ghost: GhostEstimate;
  latency: Measured | null;
  redundancy: ConvRedundancyCell | null;
}

export interface ConvRedundancyCell {
  /** Instances of the site that were measured. */
  measured: number;
  /** Mean over them of the share of channels with a near-duplicate. */
  nearDuplicateShare: number;
  /** Mean relative error of rebuilding all channels from a ceil(C/s) subset (null: not measured). */
  ghostReconError: number | null;
}

export interface LayerRow {
  path: string;
  type: string;
  line: number; from: number; to: number;
  output: number[] | null;
  params: number;
  macs: number | null;
  share: number | null;
  calls: number;
  latency: Measured | null;
  unknown: string | null;
}

export interface BarSeries {
  labels: string[];
  datasets: { label: string; data: (number | null)[] }[];
}

export interface Histogram {
  /** Bin edges (length bins + 1), ms. */
  edges: number[];
  labels: string[];
  datasets: { label: string; data: number[] }[];
}

export interface PanelModel {
  stages: StageRow[];
  convs: ConvRow[];
  layers: LayerRow[];
  /** MACs outside every stage (stem, head); null when unknown. */
  otherMacs: number | null;
}

/** Latency of a profile or of the "before" side of a comparison. */
export const baseProfile = (p: ProfileResult | CompareResult): ProfileResult => ('before' in p ? p.before : p);

const shareOf = (g: ModelGraph, macs: number | null): number | null => (macs === null || !g.macs ? null : macs / g.macs);

function estimate(g: ModelGraph, before: { macs: number; params: number }, after: { macs: number; params: number }, detail: string): GhostEstimate {
  return {
    macs: after.macs, params: after.params, macsChange: pct(before.macs, after.macs), paramsChange: pct(before.params, after.params),
    modelMacsChange: g.macs ? (100 * (after.macs - before.macs)) / g.macs : null,
    modelParamsChange: g.params ? (100 * (after.params - before.params)) / g.params : 0,
    detail,
  };
}

function timesByPath(list: ModuleTime[] | undefined): Map<string, ModuleTime> {
  return new Map((list ?? []).map((t) => [t.path, t]));
}

export function panelModel(g: ModelGraph, ghost: GhostSettings, profile?: ProfileResult | CompareResult | null, redundancy?: RedundancyResult | null): PanelModel {
  const candidates = ghostCandidates(g, ghost);
  const base = profile ? baseProfile(profile) : null;
  return {
    stages: stageRows(g, ghost, candidates.filter((c): c is StageCandidate => c.kind === 'stage'), profile ?? null, redundancy ?? null),
    convs: convRows(g, ghost, candidates.filter((c): c is ConvCandidate => c.kind === 'conv'), base, redundancy ?? null),
    layers: layerRows(g, base),
    otherMacs: otherMacs(g),
  };
}

function stageRows(g: ModelGraph, s: GhostSettings, cands: StageCandidate[], profile: ProfileResult | CompareResult | null, red: RedundancyResult | null): StageRow[] {
  const byPath = new Map(cands.map((c) => [c.path, c]));
  const base = profile ? baseProfile(profile) : null;
  const times = timesByPath(base?.stages);
  const compared = new Map((profile && 'before' in profile ? profile.stages : []).map((c) => [c.path, c]));
  const redundancy = new Map((red?.stages ?? []).map((r) => [r.stage, r]));
  return g.stages.map((st) => {
    const c = byPath.get(st.path);
    const t = times.get(st.path);
    const cmp = compared.get(st.path);
    const r = redundancy.get(st.path);
    const latency = t ? { ms: t.ms, share: t.share } : null;
    const ghostMs = cmp?.afterMs ?? null;
    return {
      path: st.path, line: st.line, from: st.from, to: st.to, blocks: st.blocks.length, resolution: st.resolution,
      inChannels: st.inChannels, outChannels: st.outChannels, params: st.params, macs: st.macs, share: shareOf(g, st.macs),
      ghost: c ? estimate(g, c.before, c.after, `raw ${c.raw} + cheap ${c.cheap} ch`) : null,
      noGhost: c ? null : whyNoStageGhost(g, st, s),
      latency,
      ghostMs,
      ratio: cmp?.ratio ?? (ghostMs !== null && latency ? ghostMs / latency.ms : null),
      redundancy: r ? {
        firstBlock: r.firstBlock,
        blocks: r.blocks.map((b) => ({ path: b.path, relError: b.relError })),
        lastError: r.blocks.length ? r.blocks[r.blocks.length - 1].relError : null,
      } : null,
    };
  });
}

/** Why ghost.ts gives a stage no G-Ghost estimate (its conditions, in the user's words). */
export function whyNoStageGhost(g: ModelGraph, st: Stage, s: GhostSettings): string {
  if (st.blocks.length < s.minStageBlocks) return `${st.blocks.length} block${st.blocks.length === 1 ? '' : 's'}: G-Ghost needs \u2265 ${s.minStageBlocks}`;
  if (g.modules.some((m) => (m.type === 'GGhostStage' || m.type === 'GhostModule') && (st.path === m.path || st.path.startsWith(m.path + '.') || st.blocks.some((b) => b === m.path || b.startsWith(m.path + '.'))))) {
    return 'already Ghost';
  }
  if (st.macs === null) return 'MACs unknown';
  return 'no cheap channels at this \u03bb';
}

function convRows(g: ModelGraph, s: GhostSettings, cands: ConvCandidate[], base: ProfileResult | null, red: RedundancyResult | null): ConvRow[] {
  const sites = new Map<string, ConvCandidate[]>();
  for (const c of cands) {
    // Instances built by one call share its span; a conv without a site in the file stands alone.
    const key = c.line > 0 ? `${c.from}:${c.to}` : c.path;
    const list = sites.get(key);
    if (list) list.push(c); else sites.set(key, [c]);
  }
  const times = timesByPath(base?.layers);
  const layerRed = new Map((red?.layers ?? []).map((l) => [l.path, l]));
  return [...sites.entries()].map(([key, list]) => {
    const sum = (f: (c: ConvCandidate) => number) => list.reduce((t, c) => t + f(c), 0);
    const before = { macs: sum((c) => c.before.macs), params: sum((c) => c.before.params) };
    const after = { macs: sum((c) => c.after.macs), params: sum((c) => c.after.params) };
    const measured = list.map((c) => times.get(c.path)).filter((t): t is ModuleTime => !!t);
    const reds = list.map((c) => layerRed.get(c.path)).filter((r) => r !== undefined);
    const recon = reds.map((r) => r.ghostReconError).filter((e): e is number => e !== null);
    const k = list[0].kernel;
    return {
      key, name: siteName(list.map((c) => c.path)), paths: list.map((c) => c.path),
      line: list[0].line, from: list[0].from, to: list[0].to,
      kernel: k.join('\u00d7'), stride: list[0].stride[0], channels: channels(list),
      macs: before.macs, params: before.params, share: sum((c) => c.share),
      ghost: estimate(g, before, after, `s=${s.ratio}, dw ${s.dwSize}\u00d7${s.dwSize}`),
      // A site's latency is known when every instance was timed (a partial sum would mislead).
      latency: base && measured.length === list.length ? { ms: measured.reduce((t, m) => t + m.ms, 0), share: measured.reduce((t, m) => t + m.share, 0) } : null,
      redundancy: reds.length ? {
        measured: reds.length,
        nearDuplicateShare: reds.reduce((t, r) => t + r.nearDuplicateShare, 0) / reds.length,
        ghostReconError: recon.length ? recon.reduce((t, e) => t + e, 0) / recon.length : null,
      } : null,
    };
  });
}

function layerRows(g: ModelGraph, base: ProfileResult | null): LayerRow[] {
  const times = timesByPath(base?.layers);
  return g.modules.filter((m) => m.leaf).map((m: ModuleNode) => {
    const t = times.get(m.path);
    return {
      path: m.path, type: m.type, line: m.line, from: m.from, to: m.to, output: m.outputShape, params: m.ownParams,
      macs: m.macs, share: shareOf(g, m.macs), calls: m.calls, latency: t ? { ms: t.ms, share: t.share } : null, unknown: m.unknown ?? null,
    };
  });
}

/** MACs of the model outside its stages (stem, head): what the stage bars leave out. */
export function otherMacs(g: ModelGraph): number | null {
  if (g.macs === null || g.stages.some((s) => s.macs === null)) return null;
  // Nested stacks are stages of their own: count only outermost stages.
  const outer = g.stages.filter((s) => !g.stages.some((o) => o !== s && o.blocks.some((b) => s.path === b || s.path.startsWith(b + '.'))));
  return g.macs - outer.reduce((t, s) => t + (s.macs as number), 0);
}

// ── chart series ─────────────────────────────────────────────────────────────────────────────

/** MACs per stage, and after the stage's G-Ghost rewrite where it has an estimate. */
export function macsSeries(m: PanelModel): BarSeries {
  const labels = m.stages.map((s) => s.path);
  const data = m.stages.map((s) => s.macs);
  const after = m.stages.map((s) => s.ghost?.macs ?? s.macs);
  if (m.otherMacs !== null && m.otherMacs > 0) { labels.push('outside stages'); data.push(m.otherMacs); after.push(m.otherMacs); }
  const datasets = [{ label: 'MACs', data }];
  if (m.stages.some((s) => s.ghost)) datasets.push({ label: 'after G-Ghost (estimate)', data: after });
  return { labels, datasets };
}

/**
 * Measured latency per stage (ms per run): the profile's stages, and after Ghost when the
 * profile is a comparison. Null when the profile timed no stage (no per-node trace).
 */
export function latencySeries(m: PanelModel, profile: ProfileResult | CompareResult): BarSeries | null {
  const base = baseProfile(profile);
  if (!base.stages.length) return null;
  const timed = m.stages.filter((s) => s.latency);
  // Stages the profile timed but the current graph no longer has (the file changed) still show.
  const labels = [...timed.map((s) => s.path), ...base.stages.map((t) => t.path).filter((p) => !timed.some((s) => s.path === p))];
  const before = timesByPath(base.stages);
  const datasets: BarSeries['datasets'] = [{ label: 'measured', data: labels.map((p) => before.get(p)?.ms ?? null) }];
  if ('before' in profile) {
    const after = new Map(profile.stages.map((c) => [c.path, c.afterMs]));
    datasets[0].label = 'before Ghost';
    datasets.push({ label: 'after Ghost', data: labels.map((p) => after.get(p) ?? null) });
  }
  if (base.nodeTotalMs !== null) {
    const inStages = base.stages.reduce((t, s) => t + s.ms, 0);
    if (base.nodeTotalMs - inStages > 1e-6) {
      labels.push('outside stages');
      datasets[0].data.push(base.nodeTotalMs - inStages);
      if ('before' in profile && profile.after.nodeTotalMs !== null) {
        datasets[1].data.push(profile.after.nodeTotalMs - profile.after.stages.reduce((t, s) => t + s.ms, 0));
      } else if (datasets[1]) datasets[1].data.push(null);
    }
  }
  return { labels, datasets };
}

/**
 * Distribution of the timed runs' wall times: equal-width bins shared by all series (before and
 * after Ghost), ⌈√n⌉ bins per series (n: runs of the longest) clamped to 5…30 per series, or one
 * bin when every run took the same time.
 */
export function runHistogram(profile: ProfileResult | CompareResult): Histogram {
  const series = 'before' in profile
    ? [{ label: 'before Ghost', times: profile.before.times }, { label: 'after Ghost', times: profile.after.times }]
    : [{ label: 'runs', times: profile.times }];
  const all = series.flatMap((s) => s.times);
  if (!all.length) return { edges: [], labels: [], datasets: series.map((s) => ({ label: s.label, data: [] })) };
  const lo = Math.min(...all), hi = Math.max(...all);
  // Before and after Ghost often do not overlap: twice the bins keep each one's shape visible.
  const perSeries = Math.ceil(Math.sqrt(Math.max(...series.map((s) => s.times.length)))) * series.length;
  const n = hi > lo ? Math.min(30 * series.length, Math.max(5, perSeries)) : 1;
  const width = hi > lo ? (hi - lo) / n : 0;
  const edges = Array.from({ length: n + 1 }, (_, i) => (i === n ? hi : lo + i * width));
  const bin = (t: number) => (width === 0 ? 0 : Math.min(n - 1, Math.floor((t - lo) / width)));
  const datasets = series.map((s) => {
    const data = new Array<number>(n).fill(0);
    for (const t of s.times) data[bin(t)]++;
    return { label: s.label, data };
  });
  const digits = width === 0 ? 2 : Math.max(0, Math.min(3, 2 - Math.floor(Math.log10(width))));
  const labels = edges.slice(0, -1).map((e, i) => (width === 0 ? `${e.toFixed(2)} ms` : `${e.toFixed(digits)}\u2013${edges[i + 1].toFixed(digits)}`));
  return { edges, labels, datasets };
}

// ── formats ──────────────────────────────────────────────────────────────────────────────────
