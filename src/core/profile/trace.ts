// onnxruntime's profiling trace → time per module and per stage.
//
// The trace (`enableProfiling` + `profileFilePrefix` → `<prefix>_<time>.json`) is a Chrome trace:
// a `model_run` Session event per run and a Node event `<node>_kernel_time` (dur in µs, args
// op_name and provider) per node executed. Node names are those of the ONNX graph, except for
// what the graph optimizer made:
// - fused nodes keep a name derived from one they replaced: `fused <node>`, `<value>_nchwc`
//   (the NCHWc layout transformer names a node after its output value, e.g. `layer1.0.bn3:11`
//   or torch's `/relu/Relu_output_0`), and their op type is the one that did the work (Conv,
//   FusedGemm) while the named node may be the BN or ReLU folded into it; the time goes to the
//   producer of that op type found by walking up the original graph (Conv ← BN ← ReLU);
// - inserted nodes (`ReorderInput`, `ReorderOutput_token_N`, `Memcpy...`) have no original; with
//   the optimized graph (optimizedModelFilePath) they go to the module whose output they convert;
//   without it, to the module of the node run just before them.
// Node names → module paths: onnx/naming.ts (the rule the exporter and importer share).
import { readdirSync, statSync } from 'node:fs';
import { join, basename, dirname } from 'node:path';
import type { ModuleTime, StageComparison, TimePart } from './types';
import type { Stage } from '../graph/model';
import { stageModules } from '../graph/stages';
import { modulePathOf } from '../onnx/naming';

export { modulePathOf };
import type { GraphIndex, OnnxNode } from './onnxGraph';

export class TraceError extends Error {}

export interface TraceNodeEvent { name: string; op: string; provider: string; ts: number; dur: number }
export interface TraceRun { ts: number; dur: number; nodes: TraceNodeEvent[] }

/** The newest `<prefix>_*.json` onnxruntime wrote (null when there is none). */
export function findTraceFile(prefix: string): string | null {
  const dir = dirname(prefix), stem = basename(prefix) + '_';
  let best: { path: string; mtime: number } | null = null;
  let names: string[];
  try { names = readdirSync(dir); } catch { return null; }
  for (const n of names) {
    if (!n.startsWith(stem) || !n.endsWith('.json')) continue;
    const p = join(dir, n);
    const m = statSync(p).mtimeMs;
    if (!best || m > best.mtime) best = { path: p, mtime: m };
  }
  return best?.path ?? null;
}

/** The runs of a trace (in order) with the node events inside each. */
export function parseTrace(text: string): TraceRun[] {
  let data: unknown;
  try { data = JSON.parse(text); } catch (e) { throw new TraceError(`the profiling trace is not JSON (${(e as Error).message})`); }
  const events = Array.isArray(data) ? data : (data as { traceEvents?: unknown })?.traceEvents;
  if (!Array.isArray(events)) throw new TraceError('the profiling trace has no event list');
  const runs: TraceRun[] = [];
  const nodes: TraceNodeEvent[] = [];
  for (const e of events) {
    if (!e || typeof e !== 'object') continue;
    const { cat, name, ts, dur, args } = e as { cat?: unknown; name?: unknown; ts?: unknown; dur?: unknown; args?: Record<string, unknown> };
    if (typeof name !== 'string' || typeof ts !== 'number' || typeof dur !== 'number') continue;
    if (cat === 'Session' && name === 'model_run') runs.push({ ts, dur, nodes: [] });
    else if (cat === 'Node' && name.endsWith('_kernel_time')) {
      nodes.push({
        name: name.slice(0, -'_kernel_time'.length), ts, dur,
        op: typeof args?.op_name === 'string' ? args.op_name : '',
        provider: typeof args?.provider === 'string' ? args.provider : '',
      });
    }
  }
  runs.sort((a, b) => a.ts - b.ts);
  nodes.sort((a, b) => a.ts - b.ts);
  // Each node event lies inside the model_run that executed it.
  let r = 0;
  for (const n of nodes) {
    while (r < runs.length && n.ts > runs[r].ts + runs[r].dur) r++;
    if (r < runs.length && n.ts >= runs[r].ts) runs[r].nodes.push(n);
  }
  return runs;
}

// ── trace nodes → graph nodes ────────────────────────────────────────────────────────────────

export type How = 'exact' | 'renamed' | 'inserted' | 'unmapped';
export interface Attribution { module: string; how: How; /** The original node the time went to. */ node: string | null }

const INSERTED = /^(ReorderInput|ReorderOutput|Memcpy|MemcpyToHost|MemcpyFromHost|Transpose|Cast)(_token_\d+)?$/;

/** Op types a fused op stands for (FusedConv did a Conv's work). */
const canonicalOp = (op: string): string => op.replace(/^Fused/, '').replace(/^Skip(Simplified)?LayerNormalization$/, 'LayerNormalization');

export class Attributor {
  private readonly memo = new Map<string, Attribution>();

  /** Without the model's module list: torch's `relu_1` (second call of `relu`) → `relu`. */
  private readonly alias = new Map<string, string>();

  constructor(
    private readonly original: GraphIndex,
    private readonly optimized: GraphIndex | null = null,
    private readonly known: ReadonlySet<string> | null = null,
  ) {
    if (!known) {
      const seen = new Set(original.info.nodes.map((n) => modulePathOf(n.name)));
      for (const p of seen) {
        const cut = p.replace(/_\d+$/, '');
        if (cut !== p && seen.has(cut)) this.alias.set(p, cut);
      }
    }
  }

  attribute(name: string, op: string): Attribution {
    const key = `${name}\u0000${op}`;
    let a = this.memo.get(key);
    if (!a) { a = this.resolve(name, op, 0); this.memo.set(key, a); }
    return a;
  }

  private module(n: OnnxNode): string {
    const p = modulePathOf(n.name, this.known);
    return this.alias.get(p) ?? p;
  }

  private resolve(name: string, op: string, depth: number): Attribution {
    const base = this.baseNode(name);
    if (base) {
      const target = this.matchOp(base.node, op);
      return { module: this.module(target), how: base.how, node: target.name };
    }
    const opt = this.optimized?.byName.get(name);
    if (opt && depth < 12) {
      // Inserted by the optimizer: the module whose output it converts (else the one it feeds).
      for (const i of opt.inputs) {
        const p = i ? this.optimized!.producerOf.get(i) : undefined;
        if (p && p !== opt) {
          const a = this.resolve(p.name, p.opType, depth + 1);
          if (a.how !== 'unmapped') return { ...a, how: 'inserted' };
        }
      }
      for (const o of opt.outputs) {
        for (const c of this.optimized!.consumersOf.get(o) ?? []) {
          const a = this.resolve(c.name, c.opType, depth + 1);
          if (a.how !== 'unmapped') return { ...a, how: 'inserted' };
        }
      }
    }
    return { module: '', how: 'unmapped', node: null };
  }

  /** The original node a (possibly renamed) trace node stands for. */
  private baseNode(name: string): { node: OnnxNode; how: How } | null {
    const exact = this.original.byName.get(name);
    if (exact) return { node: exact, how: 'exact' };
    // Undo one renaming at a time (a value name `x:3` is tried before the node name `x`).
    const rules = [/^fused /i, /_nchwc$/, /:\d+$/];
    let s = name;
    for (let i = 0; i < 8; i++) {
      const rule = rules.find((r) => r.test(s));
      if (!rule) break;
      s = s.replace(rule, '');
      const n = this.original.byName.get(s) ?? this.original.producerOf.get(s);
      if (n) return { node: n, how: 'renamed' };
    }
    const asValue = this.original.producerOf.get(name);
    return asValue ? { node: asValue, how: 'renamed' } : null;
  }

  /** `node` if it has the op type that ran, else the nearest producer above it that has it. */
  private matchOp(node: OnnxNode, op: string): OnnxNode {
    if (!op || node.opType === op || canonicalOp(node.opType) === canonicalOp(op)) return node;
    const want = canonicalOp(op);
    const seen = new Set<OnnxNode>([node]);
    let frontier = [node];
    for (let depth = 0; depth < 6 && frontier.length; depth++) {
      const next: OnnxNode[] = [];
      for (const n of frontier) {
        for (const i of n.inputs) {
          const p = i ? this.original.producerOf.get(i) : undefined;
          if (!p || seen.has(p)) continue;
          if (canonicalOp(p.opType) === want) return p;
          seen.add(p);
          next.push(p);
        }
      }
      frontier = next;
    }
    return node;
  }
}

// ── aggregation ─────────────────────────────────────────────────────────────────────────────

export interface NodeTime {
  name: string;
  op: string;
  provider: string;
  /** Mean per run, ms. */
  ms: number;
  module: string;
  how: How;
}

export interface TraceSummary {
  runs: number;
  nodes: NodeTime[];
  /** Per module, slowest first. */
  layers: ModuleTime[];
  /** Sum of node times per run, ms. */
  totalMs: number;
  providers: { provider: string; nodes: number; ms: number }[];
  attribution: { exact: number; renamed: number; inserted: number; unmapped: number };
  /** Node names in the order they first ran (the first run, then what later runs added). */
  order: string[];
}

function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function firstSeen(runs: readonly TraceRun[]): string[] {
  const seen = new Set<string>();
  for (const r of runs) for (const e of r.nodes) seen.add(e.name);
  return [...seen];
}

/**
 * Time per run of each node and module over `runs` (the traced runs to count): per node the
 * median over the runs (a run where another process took the core for a moment does not move
 * it, as it moves a mean), modules and stages the sums of their nodes' medians.
 */
export function summarizeRuns(runs: readonly TraceRun[], attributor: Attributor): TraceSummary {
  if (!runs.length) throw new TraceError('the profiling trace has no runs');
  const byNode = new Map<string, NodeTime & { perRun: number[] }>();
  runs.forEach((run, r) => {
    let last: Attribution | null = null;
    for (const e of run.nodes) {
      let a = attributor.attribute(e.name, e.op);
      // No optimized graph to follow: a layout/copy node belongs with the node before it.
      if (a.how === 'unmapped' && last && INSERTED.test(e.name)) a = { ...last, how: 'inserted' };
      else if (a.how !== 'unmapped') last = a;
      const key = e.name;
      let t = byNode.get(key);
      if (!t) { t = { name: e.name, op: e.op, provider: e.provider, ms: 0, module: a.module, how: a.how, perRun: new Array(runs.length).fill(0) }; byNode.set(key, t); }
      t.perRun[r] += e.dur / 1000;
    }
  });
  const nodes = [...byNode.values()].map(({ perRun, ...n }) => ({ ...n, ms: median(perRun) }));
  const totalMs = nodes.reduce((s, n) => s + n.ms, 0);
  const mods = new Map<string, { ms: number; nodes: number }>();
  const provs = new Map<string, { nodes: number; ms: number }>();
  const attribution = { exact: 0, renamed: 0, inserted: 0, unmapped: 0 };
  for (const n of nodes) {
    const m = mods.get(n.module) ?? { ms: 0, nodes: 0 };
    m.ms += n.ms; m.nodes++;
    mods.set(n.module, m);
    const p = provs.get(n.provider) ?? { nodes: 0, ms: 0 };
    p.ms += n.ms; p.nodes++;
    provs.set(n.provider, p);
    attribution[n.how]++;
  }
  const layers = [...mods].map(([path, m]) => ({ path, ms: m.ms, share: totalMs > 0 ? m.ms / totalMs : 0, nodes: m.nodes }))
    .sort((a, b) => b.ms - a.ms || a.path.localeCompare(b.path));
  return {
    runs: runs.length, nodes: nodes.sort((a, b) => b.ms - a.ms), layers, totalMs, order: firstSeen(runs),
    providers: [...provs].map(([provider, p]) => ({ provider, ...p })).sort((a, b) => b.ms - a.ms), attribution,
  };
}

/**
 * Every traced node in one part: the stage its module lies in, else stem / between stages /
 * head by where it ran relative to the stages' nodes, or unattributed when no module owns it.
 * Times are the summary's per-node figures, so the parts sum to its totalMs. `p50Ms` is left to
 * the caller (it knows the p50).
 */
export function timeParts(summary: TraceSummary, stages: readonly Stage[]): TimePart[] {
  const byName = new Map(summary.nodes.map((n) => [n.name, n]));
  const stageOf = (n: NodeTime) => (n.how === 'unmapped' ? -1 : stages.findIndex((s) => inStage(n.module, s)));
  const order = summary.order.map((name) => byName.get(name)!).filter(Boolean);
  const st = order.map(stageOf);
  const firstStage = st.findIndex((k) => k >= 0);
  let lastStage = -1;
  st.forEach((k, i) => { if (k >= 0) lastStage = i; });
  const acc = new Map<string, { kind: TimePart['kind']; ms: number; nodes: number }>();
  for (const s of stages) acc.set(s.path, { kind: 'stage', ms: 0, nodes: 0 });
  order.forEach((n, i) => {
    const [name, kind]: [string, TimePart['kind']] = n.how === 'unmapped' ? ['unattributed', 'unattributed']
      : st[i] >= 0 ? [stages[st[i]].path, 'stage']
        : firstStage < 0 || i < firstStage ? ['stem', 'stem']
          : i > lastStage ? ['head', 'head'] : ['between stages', 'between'];
    const a = acc.get(name) ?? { kind, ms: 0, nodes: 0 };
    a.ms += n.ms;
    a.nodes++;
    acc.set(name, a);
  });
  const total = summary.totalMs;
  const rank: TimePart['kind'][] = ['stem', 'stage', 'between', 'head', 'unattributed'];
  return [...acc].map(([name, a]) => ({ name, kind: a.kind, ms: a.ms, share: total > 0 ? a.ms / total : 0, p50Ms: 0, nodes: a.nodes }))
    .filter((p) => p.kind === 'stage' || p.nodes > 0)
    .sort((x, y) => rank.indexOf(x.kind) - rank.indexOf(y.kind));
}

/** Whether module `path` lies in `stage` (its container when the stage is a whole one, else a block). */
export function inStage(path: string, stage: Stage): boolean {
  const under = (root: string) => path === root || path.startsWith(root + '.');
  if (stage.container && stage.path === stage.container) return under(stage.container);
  return stageModules(stage).some(under);
}

/** Time per stage: the sum of its modules' times (functional ops of its blocks included). */
export function stageTimes(layers: readonly ModuleTime[], stages: readonly Stage[]): ModuleTime[] {
  return stages.map((s) => {
    const mine = layers.filter((l) => inStage(l.path, s));
    return { path: s.path, ms: sum(mine.map((l) => l.ms)), share: sum(mine.map((l) => l.share)), nodes: sum(mine.map((l) => l.nodes)) };
  });
}

/**
 * Stage by stage, before vs after a rewrite: the after time of a stage is the time of the after
 * model's modules in the same place (a G-Ghost stage replaces `layer3`'s blocks by `layer3.first`,
 * `layer3.middle.0`, ...; a C-Ghost module sits where its conv was). Unknown (null) when nothing
 * of the after model ran there.
 */
export function compareStages(stages: readonly Stage[], before: readonly ModuleTime[], after: readonly ModuleTime[]): StageComparison[] {
  return stages.map((s) => {
    const b = before.filter((l) => inStage(l.path, s));
    const a = after.filter((l) => inStage(l.path, s));
    const beforeMs = b.length ? sum(b.map((l) => l.ms)) : null;
    const afterMs = a.length ? sum(a.map((l) => l.ms)) : null;
    return { path: s.path, beforeMs, afterMs, ratio: beforeMs && afterMs !== null ? afterMs / beforeMs : null };
  });
}

const sum = (xs: number[]) => xs.reduce((s, x) => s + x, 0);
