// What the editor shows beside the code, as plain data: a line per model class and per stage
// (CodeLens), the figures of the module(s) under the cursor (hover), and compact number formats.
// Module instances built at one source site are summed, as in diagnostics.ts.
import type { ModelGraph, ModuleNode } from '../core/graph/model';
import { fmtInt, fmtMacs, fmtShape } from './format';

export interface Totals {
  params: number;
  /** null: depends on something unknown. */
  macs: number | null;
  /** Share of the model's MACs (0..1); null when either is unknown. */
  share: number | null;
}

export interface ClassLens extends Totals {
  name: string;
  /** 1-based line and offset of the `class` keyword. */
  line: number;
  from: number;
  /** The analysed model itself is of this class. */
  root: boolean;
  /** Instances in the model and their paths (root: ['']). */
  paths: string[];
  inputs: (number[] | null)[];
  output: number[] | null;
}

export interface StageLens extends Totals {
  path: string;
  line: number;
  from: number;
  blocks: number;
  resolution: [number, number];
  inChannels: number | null;
  outChannels: number;
}

export interface HoverInfo {
  /** The source span the hover is about (0-based offsets). */
  from: number;
  to: number;
  title: string;
  rows: [string, string][];
}

const share = (g: ModelGraph, macs: number | null): number | null => (macs === null || !g.macs ? null : macs / g.macs);

function totals(g: ModelGraph, ms: ModuleNode[]): Totals {
  const macs = ms.some((m) => m.macs === null) ? null : ms.reduce((t, m) => t + (m.macs as number), 0);
  return { params: ms.reduce((t, m) => t + m.params, 0), macs, share: share(g, macs) };
}

/** One lens per class of the file that the model instantiates; the model's own class first in its place. */
export function classLenses(g: ModelGraph): ClassLens[] {
  const out: ClassLens[] = [];
  // The classes the file defines, from its parse tree (ModelGraph.classes), matched to modules by name.
  for (const def of g.classes ?? []) {
    const root = g.modules[0]?.type === def.name;
    const inst = g.modules.filter((m) => m.type === def.name);
    if (!inst.length) continue;
    if (root) {
      out.push({ name: def.name, line: def.line, from: def.from, root, paths: [''], inputs: g.input, output: g.outputs?.[0] ?? null,
        params: g.params, macs: g.macs, share: g.macs === null ? null : 1 });
    } else {
      out.push({ name: def.name, line: def.line, from: def.from, root, paths: inst.map((m) => m.path), inputs: inst[0].inputShapes,
        output: inst[0].outputShape, ...totals(g, inst) });
    }
  }
  return out;
}

export function stageLenses(g: ModelGraph): StageLens[] {
  return g.stages.filter((s) => s.line > 0).map((s) => ({
    path: s.path, line: s.line, from: s.from, blocks: s.blocks.length, resolution: s.resolution,
    inChannels: s.inChannels, outChannels: s.outChannels, params: s.params, macs: s.macs, share: share(g, s.macs),
  }));
}

// ── hover ─────────────────────────────────────────────────────────────────────────────────────

/**
 * What is under `offset`: the module(s) built by the statement there (`self.conv1 = ...`), else on a
 * line of a `forward` method the submodules it calls (`self.layer1(x)`), or on the `def forward`
 * line the class' own inputs and output.
 */
export function hoverAt(g: ModelGraph, text: string, offset: number): HoverInfo | null {
  return siteHover(g, offset) ?? forwardHover(g, text, offset);
}

function siteHover(g: ModelGraph, offset: number): HoverInfo | null {
  let best: ModuleNode[] = [];
  let width = Infinity;
  for (const m of g.modules) {
    if (m.line <= 0 || m.from > offset || m.to < offset || m.to <= m.from) continue;
    const w = m.to - m.from;
    if (w < width) { width = w; best = [m]; } else if (w === width && best[0].from === m.from) best.push(m);
  }
  if (!best.length) return null;
  return { from: best[0].from, to: best[0].to, ...describe(g, best) };
}

function forwardHover(g: ModelGraph, text: string, offset: number): HoverInfo | null {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  const lineEnd = (() => { const e = text.indexOf('\n', offset); return e < 0 ? text.length : e; })();
  const line = text.slice(lineStart, lineEnd);
  // The innermost class whose `forward` (from the parse tree) contains this line.
  const cls = (g.classes ?? []).filter((c) => c.forward && c.forward.from <= offset && offset <= c.forward.to)
    .sort((a, b) => (a.forward!.to - a.forward!.from) - (b.forward!.to - b.forward!.from))[0];
  if (!cls?.forward) return null;
  const inst = g.modules.filter((m) => m.type === cls.name);
  if (!inst.length) return null;
  // On the `def forward` line itself (the line where the def starts): the class' inputs and output.
  if (cls.forward.from >= lineStart && cls.forward.from <= lineEnd) {
    const first = inst[0];
    const rows: [string, string][] = [
      ['input', first.inputShapes.map(fmtShape).join(', ') || '\u2014'],
      ['output', fmtShape(first.outputShape)],
      ...figureRows(g, inst),
    ];
    if (inst.length > 1) rows.push(['instances', `${inst.length} (${pathList(inst.map((m) => m.path))})`]);
    return { from: lineStart + line.length - line.trimStart().length, to: lineEnd, title: `${cls.name}.forward`, rows };
  }
  const calls = [...line.matchAll(/\bself\.([A-Za-z_]\w*)/g)].map((m) => ({ name: m[1], from: lineStart + m.index!, to: lineStart + m.index! + m[0].length }));
  const under = calls.filter((c) => c.from <= offset && offset <= c.to);
  for (const c of under.length ? under : calls) {
    const kids = inst.map((m) => g.modules.find((k) => k.path === (m.path ? `${m.path}.${c.name}` : c.name))).filter((k): k is ModuleNode => !!k);
    if (kids.length) return { from: c.from, to: c.to, ...describe(g, kids) };
  }
  return null;
}

function describe(g: ModelGraph, ms: ModuleNode[]): { title: string; rows: [string, string][] } {
  const types = [...new Set(ms.map((m) => m.type))].join(' / ');
  const name = ms.length === 1 ? (ms[0].path || g.model) : `${ms.length} instances`;
  const outs = [...new Set(ms.map((m) => fmtShape(m.outputShape)))];
  const rows: [string, string][] = [
    ['output', outs.length <= 3 ? outs.join(', ') : `${outs.slice(0, 3).join(', ')}, …`],
    ...figureRows(g, ms),
  ];
  if (ms.length > 1) rows.push(['paths', pathList(ms.map((m) => m.path))]);
  if (ms.some((m) => m.unknown)) rows.push(['unknown', ms.find((m) => m.unknown)!.unknown!]);
  return { title: `${name}: ${types}`, rows };
}

function figureRows(g: ModelGraph, ms: ModuleNode[]): [string, string][] {
  const t = totals(g, ms);
  const each = (f: (m: ModuleNode) => number | null, fmt: (n: number | null) => string) =>
    ms.length > 1 && new Set(ms.map(f)).size === 1 ? ` (${fmt(f(ms[0]))} each)` : '';
  const calls = ms.reduce((s, m) => s + m.calls, 0);
  return [
    ['params', `${fmtInt(t.params)}${each((m) => m.params, (n) => fmtInt(n ?? 0))}`],
    ['MACs', `${fmtMacs(t.macs)}${each((m) => m.macs, fmtMacs)}${t.share !== null ? ` — ${(100 * t.share).toFixed(1)}% of the model` : ''}`],
    ...(calls === 0 && ms.every((m) => m.path !== '') ? [['calls', 'never called in forward'] as [string, string]] : []),
  ];
}

const pathList = (ps: string[]) => (ps.length <= 3 ? ps.join(', ') : `${ps[0]}, ${ps[1]}, … ${ps[ps.length - 1]}`);
