// Code actions as plain data: which rewrites the findings under a cursor offer, and titles that
// state what the model becomes after the exact rewrite (plan.ts, run in the worker). No engine
// here: the extension host bundles this file, the worker bundles plan.ts.
import type { ConvFinding, Finding, StageFinding } from '../analysis/diagnostics';
import { fmtChange, siteName } from '../analysis/diagnostics';
import { pct, DEFAULT_GHOST, GhostSettings } from '../analysis/ghost';
import type { RewriteTarget, TextEdit } from './rewrite';

/** One rewrite to plan: a site's stage or conv, or every candidate of the model. */
export type RewriteJob = { kind: 'site'; target: RewriteTarget } | { kind: 'all' };

export interface Totals { params: number; macs: number | null }

export interface RewritePlan {
  job: RewriteJob;
  /** Why this rewrite cannot be applied; null when it can. */
  refused: string | null;
  /** Edits of the file (0-based UTF-16 offsets into the planned text). */
  edits: TextEdit[];
  /** Other files to write (ghost_modules.py beside the file). */
  files: { path: string; text: string }[];
  applied: (RewriteTarget & { detail: string })[];
  skipped: (RewriteTarget & { reason: string })[];
  /** Module paths that become GhostModules / GGhostStages (a helper's call may build more than the site). */
  rewritten: string[];
  /** The model before and after (the analysis of the rewritten file); null where unknown. */
  before: Totals | null;
  after: Totals | null;
}

export const jobKey = (j: RewriteJob): string => (j.kind === 'all' ? 'all' : `${j.target.kind}:${j.target.path}`);

/** A rewrite the findings at a cursor offer: one per diagnostic site (all instances built there). */
export interface SiteAction {
  kind: 'stage' | 'conv';
  target: RewriteTarget;
  /** What the title calls the site: `layer3`, `conv1 ×27`, `layer2, layer3`. */
  label: string;
  /** Instances the site builds (convs built by one call, stages built by one call in a loop). */
  count: number;
  paths: string[];
  /** The site's source span (offsets of the analysed text). */
  from: number;
  to: number;
}

/** The stage and conv sites whose source span meets [from, to] (offsets of the analysed text). */
export function actionsAt(findings: Finding[], from: number, to: number): SiteAction[] {
  const out: SiteAction[] = [];
  for (const f of findings) {
    if (f.kind === 'unknown' || f.to < from || f.from > to) continue;
    out.push(siteAction(f));
  }
  return out;
}

export function siteAction(f: StageFinding | ConvFinding): SiteAction {
  const paths = f.data.paths;
  const label = f.kind === 'stage' ? paths.join(', ') : paths.length === 1 ? paths[0] : `${siteName(paths)} \u00d7${paths.length}`;
  return { kind: f.kind, target: { kind: f.kind, path: paths[0] }, label, count: paths.length, paths, from: f.from, to: f.to };
}

/** A target named without its finding (a command's argument): the path is the label. */
export function bareSite(t: RewriteTarget): SiteAction {
  return { kind: t.kind, target: t, label: t.path, count: 1, paths: [t.path], from: 0, to: 0 };
}

/** `: model −23% MACs, −23% params` from the plan's before/after, or '' when it has none. */
export function changeText(plan: RewritePlan | null): string {
  if (!plan || plan.refused || !plan.before || !plan.after) return '';
  const macs = plan.before.macs !== null && plan.after.macs !== null ? `${fmtChange(pct(plan.before.macs, plan.after.macs))} MACs` : 'MACs unknown';
  return `: model ${macs}, ${fmtChange(pct(plan.before.params, plan.after.params))} params`;
}

/** `Rewrite layer3 as a G-Ghost stage (λ=0.4): model −18% MACs, −3% params`. */
export function siteTitle(a: SiteAction, plan: RewritePlan | null, s: Partial<GhostSettings> = {}): string {
  const g = { ...DEFAULT_GHOST, ...s };
  const many = a.count > 1;
  const what = a.kind === 'stage'
    ? `${many ? 'G-Ghost stages' : 'a G-Ghost stage'} (\u03bb=${g.lambda})`
    : `${many ? 'GhostModules' : 'a GhostModule'} (s=${g.ratio})`;
  // The call a site goes through may build more (a conv1x1 helper used by conv1, conv3 and the
  // downsample): the title names everything that changes with it.
  const more = plan && !plan.refused ? plan.rewritten.filter((p) => !a.paths.includes(p)) : [];
  const also = more.length ? `, with ${groupLabels(more)} (built by the same call)` : '';
  return `Rewrite ${a.label} as ${what}${also}${changeText(plan)}`;
}

/** `conv3 ×16, downsample.0 ×4`: paths grouped by the name they share. */
export function groupLabels(paths: string[]): string {
  const groups = new Map<string, string[]>();
  for (const p of paths) {
    const parts = p.split('.');
    let i = parts.length - 1;
    while (i > 0 && /^\d+$/.test(parts[i])) i--;
    const key = parts.slice(i).join('.');
    const g = groups.get(key);
    if (g) g.push(p); else groups.set(key, [p]);
  }
  return [...groups].map(([k, ps]) => (ps.length === 1 ? ps[0] : `${k} \u00d7${ps.length}`)).join(', ');
}

/** `Rewrite all Ghost candidates (3 stages, 1 conv site): model −52% MACs, −50% params`. */
export function allTitle(plan: RewritePlan | null): string {
  if (!plan || plan.refused) return 'Rewrite all Ghost candidates';
  const sites = plan.applied.filter((a) => !/^same site/.test(a.detail));
  const n = (k: 'stage' | 'conv') => sites.filter((a) => a.kind === k).length;
  const parts = [
    n('stage') ? `${n('stage')} stage${n('stage') > 1 ? 's' : ''}` : '',
    n('conv') ? `${n('conv')} conv site${n('conv') > 1 ? 's' : ''}` : '',
    plan.skipped.length ? `${plan.skipped.length} skipped` : '',
  ].filter(Boolean);
  return `Rewrite all Ghost candidates (${parts.join(', ')})${changeText(plan)}`;
}

/** What a command that applied `plan` reports: the figures and what changed, as plain data. */
export interface RewriteSummary {
  applied: RewritePlan['applied'];
  skipped: RewritePlan['skipped'];
  before: Totals;
  after: Totals;
  /** Files created or extended besides the rewritten one. */
  files: string[];
  title: string;
}
