// Messages between the extension host (src/editor/panel.ts) and the panel's webview (webview/),
// and the checks each side runs on what it receives. Both bundles import this one module, so a
// message type cannot drift between them; neither side trusts the other's data at run time
// (a stale webview after an update, a command of another extension returning something else):
// what fails its check is logged and ignored, never thrown.
import type { ChartView, HeaderView, PanelView, ViewCell, ViewColumn, ViewRow, ViewTable } from './views/panelView';
import type { BarSeries } from './views/panelModel';
import type { CompareResult, ModuleTime, ProfileResult, ProviderChoice, ProviderName, ProviderNote, StageComparison, Stats, TimePart } from './core/profile/types';
import type { CalibrationInfo, LayerRedundancy, RedundancyResult, StageRedundancy } from './core/redundancy/types';
import type { GhostifyResult, OutputAgreement, SiteResult } from './core/ghostify/types';


/** The profile settings a panel starts with (the webview reads them from here, not from the core). */
export { DEFAULT_PROFILE_OPTIONS } from './core/profile/types';
// ── the messages ─────────────────────────────────────────────────────────────────────────────

/** The model file the panel follows. */
export interface DocInfo {
  uri: string;
  /** File name for the title (`resnet_cifar.py`). */
  name: string;
  /** Document version the data is for. */
  version: number;
}

/** What the panel can do in this window: commands of other parts may be missing or refuse. */
export interface PanelCaps {
  /** Workspace trust: profiling and redundancy run the user's model. */
  trusted: boolean;
  profile: boolean;
  cancelProfile: boolean;
  rewrite: boolean;
  redundancy: boolean;
}

/** Arguments of `ghostlens.profileLatency(uri, request)` when the panel asks for a profile. */
export interface ProfileRequest {
  provider: ProviderChoice;
  /** Intra-op threads; 0 = onnxruntime's default. */
  threads: number;
  runs: number;
  warmup: number;
  /** Also profile the all-candidates Ghost rewrite, alternating (CompareResult). */
  compareGhost: boolean;
}

/** What the panel shows of a ghostify run (the rewritten source stays with the host). */
export type GhostifyView = Pick<GhostifyResult, 'model' | 'calibration' | 'sites' | 'output' | 'baselines' | 'onnxPath' | 'weightsPath' | 'seconds' | 'peakRssBytes' | 'notes'>;

export const ghostifyView = (r: GhostifyResult): GhostifyView => ({
  model: r.model, calibration: r.calibration, sites: r.sites, output: r.output, ...(r.baselines ? { baselines: r.baselines } : {}),
  onnxPath: r.onnxPath, weightsPath: r.weightsPath, seconds: r.seconds, peakRssBytes: r.peakRssBytes, notes: r.notes,
});

export type Task = 'profile' | 'redundancy' | 'rewrite';
export type RewriteKind = 'stage' | 'conv';

export type HostMessage =
  /**
   * The followed file and what to show of its analysis, computed by the host (views/panelView.ts:
   * the webview computes nothing); view null: no model, see error.
   */
  | { type: 'model'; doc: DocInfo | null; view: PanelView | null; error: string | null; analysing: boolean }
  /** The latest profile of the followed file; stale when the file changed since. */
  | { type: 'profile'; result: ProfileResult | CompareResult | null; stale: boolean }
  | { type: 'redundancy'; result: RedundancyResult | null; stale: boolean }
  /** The latest rewrite with fitted weights (ghostlens.ghostify); stale when the file changed since. */
  | { type: 'ghostify'; result: GhostifyView | null; stale: boolean }
  | { type: 'busy'; task: Task; running: boolean; canCancel: boolean }
  | { type: 'caps'; caps: PanelCaps }
  /** A line for the user: what an action did or why it could not. */
  | { type: 'notice'; level: 'info' | 'warning' | 'error'; text: string }
  /** Select (and scroll to) the row of this module or stage path (Open panel from a CodeLens). */
  | { type: 'focus'; path: string };

export type WebviewMessage =
  /** The webview loaded (first time or again after being hidden): send everything. */
  | { type: 'ready' }
  | { type: 'reveal'; kind: 'stage' | 'module'; path: string }
  | { type: 'profile'; request: ProfileRequest }
  | { type: 'cancelProfile' }
  | { type: 'rewrite'; kind: RewriteKind; path: string }
  | { type: 'measureRedundancy' }
  /** Problems inside the webview (bad messages, script errors, CSP reports) for the output channel. */
  | { type: 'log'; level: 'info' | 'warn' | 'error'; text: string };

// ── validators ───────────────────────────────────────────────────────────────────────────────
// A validator returns null when the value fits, else where and why it does not. Each carries the
// type it proves (a phantom field), so `const x: Validator<T> = obj({...})` fails to compile when
// the shape checked and the interface disagree.

export interface Validator<T> {
  (v: unknown, at?: string): string | null;
  readonly __type?: T;
}
interface Optional<T> extends Validator<T | undefined> { readonly optional: true }

type Infer<V> = V extends Validator<infer T> ? T : never;
type Shape = Record<string, Validator<unknown>>;
type OptKeys<S extends Shape> = { [K in keyof S]: S[K] extends Optional<unknown> ? K : never }[keyof S];
type ObjOf<S extends Shape> = { [K in Exclude<keyof S, OptKeys<S>>]: Infer<S[K]> } & { [K in OptKeys<S>]?: Infer<S[K]> };

const describe = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v);
const fail = (at: string, want: string, v: unknown) => `${at || 'message'}: expected ${want}, got ${describe(v)}`;

export const str: Validator<string> = (v, at = '') => (typeof v === 'string' ? null : fail(at, 'a string', v));
export const bool: Validator<boolean> = (v, at = '') => (typeof v === 'boolean' ? null : fail(at, 'a boolean', v));
export const num: Validator<number> = (v, at = '') => (typeof v === 'number' && Number.isFinite(v) ? null : fail(at, 'a finite number', v));
export const int: Validator<number> = (v, at = '') => (Number.isInteger(v) ? null : fail(at, 'an integer', v));
export const unknownV: Validator<unknown> = () => null;

export function oneOf<const L extends readonly (string | number)[]>(...values: L): Validator<L[number]> {
  return (v, at = '') => (values.includes(v as L[number]) ? null : fail(at, `one of ${values.join(', ')}`, v));
}

export function nullable<T>(inner: Validator<T>): Validator<T | null> {
  return (v, at = '') => (v === null ? null : inner(v, at));
}

export function opt<T>(inner: Validator<T>): Optional<T> {
  const f = ((v: unknown, at = '') => (v === undefined ? null : inner(v, at))) as Validator<T | undefined> & { optional: true };
  f.optional = true;
  return f as Optional<T>;
}

export function arr<T>(inner: Validator<T>): Validator<T[]> {
  return (v, at = '') => {
    if (!Array.isArray(v)) return fail(at, 'an array', v);
    for (let i = 0; i < v.length; i++) {
      const e = inner(v[i], `${at}[${i}]`);
      if (e) return e;
    }
    return null;
  };
}

export function tuple2<A, B>(a: Validator<A>, b: Validator<B>): Validator<[A, B]> {
  return (v, at = '') => (!Array.isArray(v) || v.length !== 2 ? fail(at, 'a pair', v) : a(v[0], `${at}[0]`) ?? b(v[1], `${at}[1]`));
}

export function record<T>(inner: Validator<T>): Validator<Record<string, T>> {
  return (v, at = '') => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return fail(at, 'an object', v);
    for (const [k, x] of Object.entries(v)) {
      const e = inner(x, `${at}.${k}`);
      if (e) return e;
    }
    return null;
  };
}

/** An object with at least these fields (more are allowed: a newer sender may add some). */
export function obj<S extends Shape>(shape: S): Validator<ObjOf<S>> {
  const entries = Object.entries(shape);
  return (v, at = '') => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return fail(at, 'an object', v);
    for (const [k, check] of entries) {
      const e = check((v as Record<string, unknown>)[k], at ? `${at}.${k}` : k);
      if (e) return e;
    }
    return null;
  };
}

/** A union of objects told apart by their `type` field. */
function tagged<M extends { type: string }>(cases: { [K in M['type']]: Validator<Extract<M, { type: K }>> }): Validator<M> {
  return (v, at = '') => {
    if (typeof v !== 'object' || v === null) return fail(at, 'a message object', v);
    const t = (v as { type?: unknown }).type;
    if (typeof t !== 'string' || !Object.hasOwn(cases, t)) return `${at || 'message'}: unknown type ${JSON.stringify(t)}`;
    return (cases as Record<string, Validator<unknown>>)[t](v, at || t);
  };
}

// ── the shared result types ──────────────────────────────────────────────────────────────────

const shape = arr(int);

const cellValue: Validator<string | number | null> = (v, at = '') =>
  (v === null || typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v)) ? null : fail(at, 'a string, number or null', v));
const viewCell: Validator<ViewCell> = obj({
  text: str, value: opt(cellValue), title: opt(str), dim: opt(bool),
  rewrite: opt(obj({ kind: oneOf('stage', 'conv'), path: str, label: str, what: str })),
});
const viewColumn: Validator<ViewColumn> = obj({ id: str, title: str, width: str, numeric: bool, help: opt(str), secondary: opt(bool) });
const viewRow: Validator<ViewRow> = obj({ path: str, paths: arr(str), kind: oneOf('stage', 'module'), revealable: bool, label: str, cells: arr(viewCell) });
const viewTable: Validator<ViewTable> = (v, at = '') => {
  const e = obj({ label: str, columns: arr(viewColumn), rows: arr(viewRow), empty: str })(v, at);
  if (e) return e;
  const t = v as ViewTable;
  const bad = t.rows.findIndex((r) => r.cells.length !== t.columns.length);
  return bad < 0 ? null : `${at}.rows[${bad}]: ${t.rows[bad].cells.length} cells for ${t.columns.length} columns`;
};
const barSeries: Validator<BarSeries> = obj({ labels: arr(str), datasets: arr(obj({ label: str, data: arr(nullable(num)) })) });
const chartView: Validator<ChartView> = obj({
  id: str, title: str, note: nullable(str), kind: oneOf('bars', 'histogram'), series: barSeries, yTitle: str,
  unit: oneOf('macs', 'ms', 'share', 'count'), description: str,
});
const headerView: Validator<HeaderView> = obj({ model: str, io: str, params: viewCell, macs: viewCell, incomplete: nullable(viewCell) });

export const panelView: Validator<PanelView> = obj({
  header: headerView, stages: viewTable, convs: viewTable, layers: viewTable, redundancy: nullable(viewTable), ghostify: nullable(viewTable),
  charts: obj({ macs: chartView, latency: nullable(chartView), runs: nullable(chartView), redundancy: arr(chartView) }),
});

const providerName: Validator<ProviderName> = oneOf('cuda', 'tensorrt', 'dml', 'coreml', 'webgpu', 'cpu');
export const providerChoice: Validator<ProviderChoice> = oneOf('auto', 'cuda', 'tensorrt', 'dml', 'coreml', 'webgpu', 'cpu');
const stats: Validator<Stats> = obj({ runs: int, mean: num, stdev: num, min: num, p50: num, p90: num, p99: num, max: num });
const providerNote: Validator<ProviderNote> = obj({ name: providerName, listed: bool, used: bool, why: str });
const moduleTime: Validator<ModuleTime> = obj({ path: str, ms: num, share: num, nodes: int, p50Ms: opt(num) });
const timePart: Validator<TimePart> = obj({
  name: str, kind: oneOf('stage', 'stem', 'between', 'head', 'unattributed'), ms: num, share: num, p50Ms: num, nodes: int,
});

export const profileResult: Validator<ProfileResult> = obj({
  model: str, input: arr(shape), provider: providerName, providers: arr(providerNote), threads: int, times: arr(num), stats,
  layers: arr(moduleTime), stages: arr(moduleTime), nodeTotalMs: nullable(num), onnxruntimeVersion: str,
  parts: opt(arr(timePart)), tracedRunMs: opt(num),
});

const stageComparison: Validator<StageComparison> = obj({ path: str, beforeMs: nullable(num), afterMs: nullable(num), ratio: nullable(num) });

export const compareResult: Validator<CompareResult> = obj({ before: profileResult, after: profileResult, ratio: num, stages: arr(stageComparison) });

export const profileOrCompare: Validator<ProfileResult | CompareResult> = (v, at = '') =>
  typeof v === 'object' && v !== null && 'before' in v ? compareResult(v, at) : profileResult(v, at);

export const isCompare = (r: ProfileResult | CompareResult): r is CompareResult => 'before' in r;

const calibration: Validator<CalibrationInfo> = obj({ kind: oneOf('images', 'random'), source: str, samples: int, fit: int, test: int });
const stageRedundancy: Validator<StageRedundancy> = obj({
  stage: str, firstBlock: str, blocks: arr(obj({ path: str, relError: num, channels: int })),
});
const layerRedundancy: Validator<LayerRedundancy> = obj({
  path: str, channels: int, cosineHistogram: arr(num), meanAbsCosine: num, nearDuplicateShare: num, threshold: num,
  ghostReconError: nullable(num), ratio: num,
});

export const redundancyResult: Validator<RedundancyResult> = obj({
  model: str, calibration, provider: str, stages: arr(stageRedundancy), layers: arr(layerRedundancy),
  peakRssBytes: nullable(num), notes: arr(str),
});

const siteResult: Validator<SiteResult> = obj({
  kind: oneOf('conv', 'stage'), path: str, init: str, fitted: int, channels: int, fitError: nullable(num), modelError: nullable(num),
});
const agreement: Validator<OutputAgreement> = obj({ relError: num, top1: nullable(num) });

export const ghostifyResultView: Validator<GhostifyView> = obj({
  model: str, calibration, sites: arr(siteResult), output: agreement, baselines: opt(obj({ ghostRandom: agreement, allRandom: agreement })),
  onnxPath: str, weightsPath: nullable(str), seconds: num, peakRssBytes: nullable(num), notes: arr(str),
});

// ── the two directions ───────────────────────────────────────────────────────────────────────

const docInfo: Validator<DocInfo> = obj({ uri: str, name: str, version: int });
const task: Validator<Task> = oneOf('profile', 'redundancy', 'rewrite');

export const profileRequest: Validator<ProfileRequest> = (v, at = '') => {
  const e = obj({ provider: providerChoice, threads: int, runs: int, warmup: int, compareGhost: bool })(v, at);
  if (e) return e;
  const r = v as ProfileRequest;
  if (r.threads < 0 || r.threads > 1024) return `${at}.threads: out of range (0–1024)`;
  if (r.runs < 1 || r.runs > 100_000) return `${at}.runs: out of range (1–100000)`;
  if (r.warmup < 0 || r.warmup > 100_000) return `${at}.warmup: out of range (0–100000)`;
  return null;
};

export const hostMessage: Validator<HostMessage> = tagged<HostMessage>({
  model: obj({ type: oneOf('model'), doc: nullable(docInfo), view: nullable(panelView), error: nullable(str), analysing: bool }),
  profile: obj({ type: oneOf('profile'), result: nullable(profileOrCompare), stale: bool }),
  redundancy: obj({ type: oneOf('redundancy'), result: nullable(redundancyResult), stale: bool }),
  ghostify: obj({ type: oneOf('ghostify'), result: nullable(ghostifyResultView), stale: bool }),
  busy: obj({ type: oneOf('busy'), task, running: bool, canCancel: bool }),
  caps: obj({ type: oneOf('caps'), caps: obj({ trusted: bool, profile: bool, cancelProfile: bool, rewrite: bool, redundancy: bool }) }),
  notice: obj({ type: oneOf('notice'), level: oneOf('info', 'warning', 'error'), text: str }),
  focus: obj({ type: oneOf('focus'), path: str }),
});

export const webviewMessage: Validator<WebviewMessage> = tagged<WebviewMessage>({
  ready: obj({ type: oneOf('ready') }),
  reveal: obj({ type: oneOf('reveal'), kind: oneOf('stage', 'module'), path: str }),
  profile: obj({ type: oneOf('profile'), request: profileRequest }),
  cancelProfile: obj({ type: oneOf('cancelProfile') }),
  rewrite: obj({ type: oneOf('rewrite'), kind: oneOf('stage', 'conv'), path: str }),
  measureRedundancy: obj({ type: oneOf('measureRedundancy') }),
  log: obj({ type: oneOf('log'), level: oneOf('info', 'warn', 'error'), text: str }),
});

/**
 * Checks a received message. Returns it typed, or undefined after telling `log` why it was
 * dropped (a short excerpt of the message, never all of it: a graph can be large).
 */
export function receive<T>(check: Validator<T>, v: unknown, log: (problem: string) => void): T | undefined {
  let problem: string | null;
  try {
    problem = check(v);
  } catch (e) {
    problem = `check failed: ${e instanceof Error ? e.message : String(e)}`;
  }
  if (problem === null) return v as T;
  log(`ignored a bad message (${problem}): ${excerpt(v)}`);
  return undefined;
}

function excerpt(v: unknown): string {
  let s: string;
  try { s = JSON.stringify(v) ?? String(v); } catch {
    try { s = String(v); } catch { s = `(${typeof v} that cannot be shown)`; }
  }
  return s.length > 200 ? `${s.slice(0, 200)}…` : s;
}
