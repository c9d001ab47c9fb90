// Diagnostics as plain data: where Ghost would pay (G-Ghost per stage, C-Ghost per conv) and where
// the analysis met something unknown, one record per source site. Several module instances built
// by the same source line (`self.conv1 = conv3x3(...)` runs once per block) give ONE record that
// sums their figures. All estimates come from ghost.ts, the formulas the rewrites use.
import type { ModelGraph, ModuleNode } from '../graph/model';
import { ghostCandidates, pct, DEFAULT_GHOST, GhostSettings, ConvCandidate, StageCandidate, Figures } from './ghost';
import type { RedundancyResult } from '../redundancy/types';

export type Severity = 'error' | 'warning' | 'information' | 'hint';
export type FindingKind = 'stage' | 'conv' | 'unknown';

export interface KindSettings {
  enabled: boolean;
  severity: Severity;
  /** Only sites with at least this share of the model's MACs, in percent (0: all). */
  minShare: number;
}

export interface DiagnosticSettings {
  ghost: GhostSettings;
  stage: KindSettings;
  conv: KindSettings;
  unknown: { enabled: boolean; severity: Severity };
}

export const DEFAULT_DIAGNOSTICS: DiagnosticSettings = {
  ghost: DEFAULT_GHOST,
  stage: { enabled: true, severity: 'warning', minShare: 0 },
  // Below 1% of the model's MACs a C-Ghost rewrite (which at most halves a conv, s=2) saves under
  // 0.5% of the model: listed in the panel, not worth a squiggle (a 3→16 stem conv is ~0.4%).
  conv: { enabled: true, severity: 'information', minShare: 1 },
  unknown: { enabled: true, severity: 'information' },
};

/** Ghost candidates built at one source site, their figures summed. */
export interface SiteData<C> {
  /** Module paths of the instances, in model order. */
  paths: string[];
  count: number;
  before: Figures;
  after: Figures;
  /** Summed share of the model's MACs (0..1). */
  share: number;
  /** Change of the site's own figures in percent (negative: a saving). */
  macsChange: number;
  paramsChange: number;
  /** The same change as a percentage of the whole model's MACs / params: the base messages use (null: model MACs unknown). */
  modelMacsChange: number | null;
  modelParamsChange: number;
  candidates: C[];
}

export interface UnknownData {
  reason: string;
  /** How many notes of this reason at this site (loops repeat them). */
  count: number;
  /** Set when the unknown is in another file than the analysed one. */
  file?: string;
  /** 1-based line in that other file. */
  fileLine?: number;
}

interface Base {
  severity: Severity; from: number; to: number; /** 1-based */ line: number; message: string;
  /** What a measurement on trained weights found here (withMeasured): a note beside the one-line `message`. */
  measured?: string;
}
export interface StageFinding extends Base { kind: 'stage'; data: SiteData<StageCandidate> }
export interface ConvFinding extends Base { kind: 'conv'; data: SiteData<ConvCandidate> }
export interface UnknownFinding extends Base { kind: 'unknown'; data: UnknownData }
export type Finding = StageFinding | ConvFinding | UnknownFinding;

/** Most unknown records per file: past that the analysis is broken anyway. */
const MAX_UNKNOWNS = 50;

export function computeDiagnostics(g: ModelGraph, s: DiagnosticSettings = DEFAULT_DIAGNOSTICS): Finding[] {
  const out: Finding[] = [];
  const candidates = ghostCandidates(g, s.ghost);
  if (s.stage.enabled) {
    const stages = candidates.filter((c): c is StageCandidate => c.kind === 'stage');
    for (const site of bySite(stages, g)) {
      if (g.macs !== null && 100 * site.share < s.stage.minShare) continue; // unknown total: no share to compare
      out.push({ kind: 'stage', severity: s.stage.severity, ...spanOf(site.candidates[0]), message: stageMessage(site, s.ghost, g.macs !== null), data: site });
    }
  }
  if (s.conv.enabled) {
    const convs = candidates.filter((c): c is ConvCandidate => c.kind === 'conv');
    for (const site of bySite(convs, g)) {
      if (g.macs !== null && 100 * site.share < s.conv.minShare) continue;
      out.push({ kind: 'conv', severity: s.conv.severity, ...spanOf(site.candidates[0]), message: convMessage(site, s.ghost, g.macs !== null), data: site });
    }
  }
  if (s.unknown.enabled) out.push(...unknownFindings(g, s.unknown.severity));
  return out.sort((a, b) => a.from - b.from || order[a.kind] - order[b.kind]);
}

const order: Record<FindingKind, number> = { stage: 0, conv: 1, unknown: 2 };
const spanOf = (c: { line: number; from: number; to: number }) => ({ line: c.line, from: c.from, to: c.to });

/** Groups candidates by source site (same from/to); candidates without a site in the file are left out. */
function bySite<C extends ConvCandidate | StageCandidate>(cands: C[], g: ModelGraph): SiteData<C>[] {
  const sites = new Map<string, C[]>();
  for (const c of cands) {
    if (c.line <= 0) continue;
    const key = `${c.from}:${c.to}`;
    const list = sites.get(key);
    if (list) list.push(c); else sites.set(key, [c]);
  }
  return [...sites.values()].map((list) => {
    const sum = (f: (c: C) => number) => list.reduce((t, c) => t + f(c), 0);
    const before = { macs: sum((c) => c.before.macs), params: sum((c) => c.before.params) };
    const after = { macs: sum((c) => c.after.macs), params: sum((c) => c.after.params) };
    return {
      paths: list.map((c) => c.path), count: list.length, before, after, share: sum((c) => c.share),
      macsChange: pct(before.macs, after.macs), paramsChange: pct(before.params, after.params),
      modelMacsChange: g.macs ? (100 * (after.macs - before.macs)) / g.macs : null,
      modelParamsChange: g.params ? (100 * (after.params - before.params)) / g.params : 0,
      candidates: list,
    };
  });
}

function unknownFindings(g: ModelGraph, severity: Severity): UnknownFinding[] {
  const sites = new Map<string, UnknownFinding>();
  const add = (key: string, f: UnknownFinding) => {
    const hit = sites.get(key);
    if (hit) hit.data.count++;
    else if (sites.size < MAX_UNKNOWNS) sites.set(key, f);
  };
  for (const u of g.unknowns) {
    // An unknown in another file is reported at the top of this one, naming where it is.
    const key = u.file ? `${u.file}:${u.from}:${u.to}:${u.reason}` : `${u.from}:${u.to}:${u.reason}`;
    const where = u.file ? ` in ${u.file.replace(/^.*\//, '')}:${u.line}` : '';
    const span = u.file || u.line <= 0 ? { line: 1, from: 0, to: 0 } : { line: u.line, from: u.from, to: u.to };
    add(key, {
      kind: 'unknown', severity, ...span, message: `analysis incomplete${where}: ${u.reason}`,
      data: { reason: u.reason, count: 1, ...(u.file ? { file: u.file, fileLine: u.line } : {}) },
    });
  }
  // Layers that ran on an input of unknown shape have unknown MACs: say so at their site, once per
  // site (the notes above name the cause when the engine recorded one).
  const noted = new Set(g.unknowns.filter((u) => !u.file).map((u) => u.line));
  const blind = new Map<string, ModuleNode[]>();
  for (const m of g.modules) {
    if (!m.leaf || m.ownMacs !== null || m.line <= 0 || noted.has(m.line)) continue;
    const key = `${m.from}:${m.to}`;
    const list = blind.get(key);
    if (list) list.push(m); else blind.set(key, [m]);
  }
  for (const [key, ms] of blind) {
    const names = ms.length === 1 ? ms[0].path : `${siteName(ms.map((m) => m.path))} \u00d7${ms.length} (${pathRange(ms.map((m) => m.path))})`;
    const reason = ms.find((m) => m.unknown)?.unknown ?? 'its input has an unknown shape (something before it could not be resolved)';
    add(`layer:${key}`, {
      kind: 'unknown', severity, line: ms[0].line, from: ms[0].from, to: ms[0].to,
      message: `analysis incomplete: MACs of ${names} unknown: ${reason}`,
      data: { reason, count: ms.length },
    });
  }
  return [...sites.values()];
}

// ── messages ──────────────────────────────────────────────────────────────────────────────────

/** `36%`, `0.4%`, `<0.1%` of a 0..1 share. */
export function fmtShare(share: number): string {
  const p = 100 * share;
  if (p === 0) return '0%';
  if (p < 0.1) return '<0.1%';
  return p < 1 ? `${p.toFixed(1)}%` : `${Math.round(p)}%`;
}

/** `−31%` / `+4%` for a change in percent (typographic minus). */
export function fmtChange(p: number): string {
  const r = Math.abs(p) < 1 && p !== 0 ? Math.round(p * 10) / 10 : Math.round(p);
  if (r === 0) return '±0%';
  return `${r < 0 ? '\u2212' : '+'}${Math.abs(r)}%`;
}

/** A list of paths as a reader scans it: `layer1.0.conv1` or `layer1.0.conv1 … layer3.8.conv1`. */
function pathRange(paths: string[]): string {
  return paths.length === 1 ? paths[0] : `${paths[0]} \u2026 ${paths[paths.length - 1]}`;
}

/**
 * What the instances are called: the common tail of their paths up to its first name that is not
 * an index (`conv1`, `shortcut.0`), else their common parent (`blocks.*`), else the first path.
 */
export function siteName(paths: string[]): string {
  const split = paths.map((p) => p.split('.'));
  const tail: string[] = [];
  for (let i = 1; ; i++) {
    const part = split[0][split[0].length - i];
    if (part === undefined || part === '' || split.some((ps) => ps[ps.length - i] !== part)) break;
    tail.unshift(part);
    if (!/^\d+$/.test(part)) return tail.join('.');
  }
  // No common name: the common parent (`blocks.*`).
  const head: string[] = [];
  for (let i = 0; split.every((ps) => i < ps.length - 1 && ps[i] === split[0][i]); i++) head.push(split[0][i]);
  return head.length ? `${head.join('.')}.*` : paths[0];
}

const range = (xs: number[]) => {
  const lo = Math.min(...xs), hi = Math.max(...xs);
  return lo === hi ? String(lo) : `${lo}\u2013${hi}`;
};

/** `16→32`, `16→16 / 32→32`, or `16–64→16–64` when there are many. */
export function channels(cs: ConvCandidate[]): string {
  const pairs = [...new Set(cs.map((c) => `${c.inChannels}\u2192${c.outChannels}`))];
  return pairs.length <= 3 ? pairs.join(' / ') : `${range(cs.map((c) => c.inChannels))}\u2192${range(cs.map((c) => c.outChannels))}`;
}

const sharePart = (share: number, known: boolean) => (known ? `, ${fmtShare(share)} of MACs` : '');
/** `: model −18% MACs, −3% params`: what the rewrite does to the whole model (the base of every percentage). */
const modelPart = (site: SiteData<unknown>) =>
  `: model ${site.modelMacsChange === null ? 'MACs unknown' : `${fmtChange(site.modelMacsChange)} MACs`}, ${fmtChange(site.modelParamsChange)} params`;

function stageMessage(site: SiteData<StageCandidate>, s: GhostSettings, macsKnown: boolean): string {
  const cs = site.candidates;
  const blocks = cs.reduce((t, c) => t + c.blocks, 0);
  const res = [...new Set(cs.map((c) => `${c.resolution[0]}\u00d7${c.resolution[1]}`))].join(', ');
  const head = cs.length === 1
    ? `${cs[0].path}: ${blocks} blocks at ${res}`
    : `${cs.map((c) => c.path).join(', ')}: ${cs.length} stages, ${blocks} blocks at ${res}`;
  return `${head}${sharePart(site.share, macsKnown)} \u2014 G-Ghost (\u03bb=${s.lambda}) est.${modelPart(site)}`;
}

function convMessage(site: SiteData<ConvCandidate>, s: GhostSettings, macsKnown: boolean): string {
  const cs = site.candidates;
  const k = [...new Set(cs.map((c) => c.kernel.join('\u00d7')))].join('/');
  const chans = channels(cs);
  const head = cs.length === 1
    ? `${cs[0].path}: ${k} conv ${chans}`
    : `${siteName(site.paths)} \u00d7${cs.length} (${pathRange(site.paths)}): ${k} conv ${chans}`;
  return `${head}${sharePart(site.share, macsKnown)} \u2014 C-Ghost (s=${s.ratio}) est.${modelPart(site)}`;
}

/** The model could not be built (an explicit entry point failed at a line of this file). */
export function failureFinding(text: string, line: number, message: string, s: DiagnosticSettings = DEFAULT_DIAGNOSTICS): UnknownFinding | null {
  if (!s.unknown.enabled || line <= 0) return null;
  const lines = text.split('\n');
  if (line > lines.length) return null;
  const from = lines.slice(0, line - 1).reduce((t, l) => t + l.length + 1, 0);
  const body = lines[line - 1];
  const indent = body.length - body.trimStart().length;
  return {
    kind: 'unknown', severity: s.unknown.severity, line, from: from + indent, to: from + body.trimEnd().length,
    message: `no model: ${message}`, data: { reason: message, count: 1 },
  };
}

// ── measured redundancy ───────────────────────────────────────────────────────────────────────

/**
 * The findings with what a redundancy measurement (trained weights, core/redundancy) says at
 * their stages and convs: `layer3.5 rebuilt from layer3.0 at 4% error — redundant`. A stage
 * counts as redundant when its deepest block is rebuilt at ≤ 10% error (partly up to 30%); the
 * measurement on random inputs says so.
 */
export function withMeasured(findings: Finding[], r: RedundancyResult): Finding[] {
  const stages = new Map(r.stages.map((s) => [s.stage, s]));
  const layers = new Map(r.layers.map((l) => [l.path, l]));
  const on = r.calibration.kind === 'random' ? ' (on random inputs)' : '';
  const p = (x: number) => `${x < 0.1 ? (100 * x).toFixed(1) : Math.round(100 * x)}%`;
  return findings.map((f) => {
    let note: string | undefined;
    if (f.kind === 'stage') {
      const parts = f.data.paths.map((path) => stages.get(path)).filter((s) => s && s.blocks.length).map((s) => {
        const last = s!.blocks[s!.blocks.length - 1];
        const verdict = last.relError <= 0.1 ? 'redundant' : last.relError <= 0.3 ? 'partly redundant' : 'little redundancy';
        return `${last.path} rebuilt from ${s!.firstBlock} at ${p(last.relError)} error \u2014 ${verdict}`;
      });
      if (parts.length) note = parts.join('; ');
    } else if (f.kind === 'conv') {
      const ls = f.data.paths.map((path) => layers.get(path)).filter((l) => l !== undefined);
      if (ls.length) {
        const mean = (xs: number[]) => xs.reduce((t, x) => t + x, 0) / xs.length;
        const recon = ls.map((l) => l.ghostReconError).filter((e): e is number => e !== null);
        const avg = ls.length > 1 ? `${ls.length} instances: ` : '';
        note = `${avg}${p(mean(ls.map((l) => l.nearDuplicateShare)))} of channels duplicate another (|cos| \u2265 ${ls[0].threshold})` +
          (recon.length ? `, all rebuilt from 1/${ls[0].ratio} of them at ${p(mean(recon))} error` : '');
      }
    }
    // The message stays one line: the note goes to the diagnostic's related information and hover.
    return note ? { ...f, measured: `measured${on}: ${note}` } : f;
  });
}
