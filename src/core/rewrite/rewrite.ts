// Rewrites as text edits over the source, driven by the live analysis:
//  - stage → G-Ghost: the stage's construction expression is wrapped in GGhostStage.from_stage(...),
//    keeping its first and last blocks; the middle blocks are rebuilt at `raw` channels with the
//    same class and arguments, widths scaled (found by building candidates in the interpreter);
//  - conv → GhostModule: an `nn.Conv2d(...)` call becomes `GhostModule(...)` with the same
//    input/output shapes.
// The Ghost classes are inserted once after the file's imports, in its `nn` / `torch.nn` style.
import type { SyntaxNode } from '@lezer/common';
import { analyzeModel, LiveModel, AnalyzeOptions, AnalysisError } from '../python/analyze';
import type { FileHost } from '../python/imports';
import {
  Value, Scope, PyInstance, PyClass, PyFloat, PyTuple, PyList, PyNamespace, Tensor, Unknown, isInt, num,
} from '../python/values';
import { PyException, BudgetExceeded } from '../python/interp';
import { callModule } from '../python/torch/module';
import { mkTensor } from '../python/torch/tensor';
import type { ModelGraph, ModuleNode } from '../graph/model';
import { ghostCandidates, DEFAULT_GHOST, GhostSettings, ConvCandidate } from '../analysis/ghost';
import { GHOST_MODULE, GGHOST_STAGE, render, NnStyle } from './templates';

export interface TextEdit { from: number; to: number; text: string }

export interface RewriteTarget { kind: 'stage' | 'conv'; path: string }

export interface RewriteOptions extends AnalyzeOptions {
  targets?: RewriteTarget[];
  all?: boolean;
  settings?: Partial<GhostSettings>;
}

export interface RewriteResult {
  text: string;
  edits: TextEdit[];
  applied: (RewriteTarget & { detail: string })[];
  skipped: (RewriteTarget & { reason: string })[];
  before: ModelGraph;
  after: ModelGraph | null;
}

export class RewriteError extends Error {}

const GHOST_CLASSES = new Set(['GhostModule', 'GGhostStage']);

/** Plans and applies the rewrites; the result is re-analysed to give the figures after. */
export function rewriteSource(host: FileHost, path: string, text: string, opts: RewriteOptions): RewriteResult {
  const s: GhostSettings = { ...DEFAULT_GHOST, ...opts.settings };
  const live = analyzeModel(host, path, text, opts);
  const g = live.graph;
  let targets = opts.targets ?? [];
  if (opts.all) {
    const cands = ghostCandidates(g, s);
    const stages = cands.filter((c) => c.kind === 'stage').map((c) => ({ kind: 'stage' as const, path: c.path }));
    const inStage = (p: string) => stages.some((st) => g.stages.find((x) => x.path === st.path)?.blocks.some((b) => p.startsWith(b + '.')));
    const convs = cands.filter((c) => c.kind === 'conv' && !inStage(c.path)).map((c) => ({ kind: 'conv' as const, path: c.path }));
    targets = [...stages, ...convs];
  }
  if (!targets.length) throw new RewriteError(opts.all ? 'no Ghost candidates in this model' : 'nothing to rewrite: name a --stage or --conv, or use --all');
  const edits: TextEdit[] = [];
  const applied: RewriteResult['applied'] = [];
  const skipped: RewriteResult['skipped'] = [];
  const needed = new Set<string>();
  const style = nnStyle(live);
  for (const t of targets) {
    try {
      const plan = t.kind === 'stage' ? planStage(live, t.path, s, style) : planConv(live, t.path, s);
      // One edit per site: several targets built by the same code share it.
      if (edits.some((e) => e.from === plan.edit.from && e.to === plan.edit.to && e.text === plan.edit.text)) { applied.push({ ...t, detail: 'same site as another rewrite' }); continue; }
      if (edits.some((e) => e.from < plan.edit.to && plan.edit.from < e.to)) { skipped.push({ ...t, reason: 'overlaps another rewrite in this edit' }); continue; }
      edits.push(plan.edit);
      needed.add(plan.needs);
      applied.push({ ...t, detail: plan.detail });
    } catch (e) {
      if (e instanceof RewriteError) skipped.push({ ...t, reason: e.message });
      else throw e;
    }
  }
  if (!edits.length) return { text, edits, applied, skipped, before: g, after: null };
  const ins = insertClasses(live, [...needed], style);
  if (ins) edits.push(ins);
  const out = applyEdits(text, edits);
  let after: ModelGraph | null = null;
  try { after = analyzeModel(host, path, out, { model: g.model, input: g.input, maxSteps: opts.maxSteps }).graph; }
  catch (e) { if (!(e instanceof AnalysisError)) throw e; }
  return { text: out, edits, applied, skipped, before: g, after };
}

export function applyEdits(text: string, edits: TextEdit[]): string {
  const sorted = [...edits].sort((a, b) => b.from - a.from || b.to - a.to);
  let out = text;
  for (const e of sorted) out = out.slice(0, e.from) + e.text + out.slice(e.to);
  return out;
}

/** `nn` when the file binds torch.nn to `nn`, else `torch.nn`. */
function nnStyle(live: LiveModel): NnStyle {
  const nn = live.scope.vars.get('nn');
  return nn instanceof PyNamespace || (nn !== undefined && !(nn instanceof Unknown)) ? 'nn' : 'torch.nn';
}

/** Inserts the Ghost classes the edits use, once, after the last top-level import. */
function insertClasses(live: LiveModel, names: string[], style: NnStyle): TextEdit | null {
  const text = live.file.text;
  const missing = names.filter((n) => !new RegExp(`^class ${n}\\b`, 'm').test(text));
  if (!missing.length) return null;
  let at = 0;
  const needTorch = !live.scope.vars.has('torch');
  for (let c = live.file.top.firstChild; c; c = c.nextSibling) {
    if (c.name === 'ImportStatement') at = c.to;
    else if (c.name !== 'Comment' && c.name !== 'ExpressionStatement' && at === 0) break;
    else if (c.name === 'FunctionDefinition' || c.name === 'ClassDefinition' || c.name === 'DecoratedStatement') break;
  }
  const body = missing.map((n) => render(n === 'GhostModule' ? GHOST_MODULE : GGHOST_STAGE, style).trimEnd()).join('\n\n\n');
  // After the imports: two blank lines around the classes; at the top of a file without imports, before the rest.
  if (at === 0) return { from: 0, to: 0, text: `${needTorch ? 'import torch\n\n\n' : ''}${body}\n\n\n` };
  return { from: at, to: at, text: `${needTorch ? '\nimport torch' : ''}\n\n\n${body}` };
}

interface Plan { edit: TextEdit; needs: string; detail: string }

const inGhost = (g: ModelGraph, path: string): boolean => {
  const byPath = new Map(g.modules.map((m) => [m.path, m]));
  const parts = path.split('.');
  for (let i = parts.length - 1; i >= 1; i--) if (GHOST_CLASSES.has(byPath.get(parts.slice(0, i).join('.'))?.type ?? '')) return true;
  return false;
};

function planStage(live: LiveModel, path: string, s: GhostSettings, style: NnStyle): Plan {
  const g = live.graph;
  const st = g.stages.find((x) => x.path === path);
  if (!st) throw new RewriteError(`no stage '${path}' (stages: ${g.stages.map((x) => x.path).join(', ') || 'none'})`);
  if (inGhost(g, path)) throw new RewriteError(`${path} is already part of a Ghost module`);
  const n = st.blocks.length;
  if (n < 3) throw new RewriteError(`${path} has ${n} blocks; a G-Ghost stage needs at least 3 (first, middle, last)`);
  const container = live.instances.get(path);
  if (!container?.module || st.container === '' && path.includes('[')) throw new RewriteError(`${path} is a run inside a container; only whole stages (a helper's result, an nn.Sequential or a list of blocks) can be rewritten`);
  if (path.includes('[') || path.includes('{')) throw new RewriteError(`${path} is a run of blocks, not one module; only whole stages can be rewritten`);
  const site = container.module.attachedAt;
  if (!site || site.file !== live.file.path) throw new RewriteError(`${path} is not assigned with \`self.x = ...\` in this file`);
  const value = assignedValue(live, site.from, site.to);
  if (!value) throw new RewriteError(`cannot find the expression that builds ${path}`);
  const scope = container.module.attachScope;
  if (!scope) throw new RewriteError(`cannot see the scope where ${path} is built`);

  const mids = st.blocks.slice(1, -1).map((p) => live.instances.get(p)!);
  const ctor = mids[0].module!.ctor;
  if (!ctor) throw new RewriteError('the middle blocks were not built by a class call');
  for (const m of mids) {
    const c = m.module!.ctor;
    if (!c || c.cls !== ctor.cls || !sameArgs(live, c, ctor)) throw new RewriteError('the middle blocks are built with different arguments');
  }
  const first = g.modules.find((m) => m.path === st.blocks[1])!;
  const inShape = first.inputShapes[0];
  if (!inShape || inShape.length !== 4) throw new RewriteError('the middle blocks have no 4-D input');
  const C = st.outChannels;
  if (inShape[1] !== C) throw new RewriteError(`the middle blocks take ${inShape[1]} channels, not the stage's ${C}`);
  const probe = probeWidth(live, ctor, C, [inShape[0], C, inShape[2], inShape[3]], s.lambda);
  if (!probe) throw new RewriteError(`cannot rebuild ${ctor.cls.name} at fewer channels by scaling its width arguments`);
  const names = new Namer(live, scope);
  const clsExpr = names.expr(ctor.cls);
  if (!clsExpr) throw new RewriteError(`${ctor.cls.name} has no name where ${path} is built`);
  const args: string[] = [];
  for (const v of probe.pos) { const e = names.expr(v); if (e === null) throw new RewriteError(`cannot name argument ${it(live).repr(v)} of ${ctor.cls.name} where ${path} is built`); args.push(e); }
  for (const [k, v] of probe.kw) { const e = names.expr(v); if (e === null) throw new RewriteError(`cannot name argument ${k}=${it(live).repr(v)} of ${ctor.cls.name} where ${path} is built`); args.push(`${k}=${e}`); }
  const orig = live.file.text.slice(value.from, value.to);
  const indent = lineIndent(live.file.text, site.from);
  const mid = `[${clsExpr}(${args.join(', ')}) for _ in range(${n - 2})]`;
  const oneLine = `GGhostStage.from_stage(${orig}, ${mid}, channels=${C}, raw=${probe.raw})`;
  const text = indent.length + oneLine.length + 20 <= 100 && !orig.includes('\n') ? oneLine
    : `GGhostStage.from_stage(\n${indent}    ${orig},\n${indent}    ${mid},\n${indent}    channels=${C},\n${indent}    raw=${probe.raw},\n${indent})`;
  void style;
  return { edit: { from: value.from, to: value.to, text }, needs: 'GGhostStage', detail: `λ=${s.lambda}: ${n - 2} middle blocks on ${probe.raw} of ${C} channels, ${C - probe.raw} ghost channels` };
}

const it = (live: LiveModel) => live.it;

function sameArgs(live: LiveModel, a: NonNullable<PyInstance['module']>['ctor'], b: NonNullable<PyInstance['module']>['ctor']): boolean {
  if (!a || !b || a.pos.length !== b.pos.length || a.kw.size !== b.kw.size) return false;
  const eq = (x: Value, y: Value) => x === y || live.it.equals(x, y);
  return a.pos.every((x, i) => eq(x, b.pos[i])) && [...a.kw].every(([k, v]) => b.kw.has(k) && eq(v, b.kw.get(k)!));
}

/**
 * Finds `raw` and scaled constructor arguments such that the block maps raw → raw channels at
 * the same resolution: width arguments (ints equal to C or to C/e) are scaled; the smallest set
 * of scaled arguments that works is kept; raw goes down from (1−λ)·C until one works.
 */
function probeWidth(live: LiveModel, ctor: NonNullable<NonNullable<PyInstance['module']>['ctor']>, C: number, shape: number[], lambda: number):
  { raw: number; pos: Value[]; kw: Map<string, Value> } | null {
  const slots: { pos?: number; kw?: string; v: number }[] = [];
  ctor.pos.forEach((v, i) => { if (typeof v === 'number' && v > 1 && (v === C || C % v === 0)) slots.push({ pos: i, v }); });
  for (const [k, v] of ctor.kw) if (typeof v === 'number' && v > 1 && (v === C || C % v === 0)) slots.push({ kw: k, v });
  if (!slots.length) return null;
  const subsets: number[][] = [];
  for (let mask = 1; mask < 1 << slots.length; mask++) subsets.push(slots.map((_, i) => i).filter((i) => mask & (1 << i)));
  subsets.sort((a, b) => a.length - b.length);
  const li = live.it;
  const rec = li.recording;
  li.recording = false;
  try {
    const r0 = Math.floor((1 - lambda) * C);
    for (let raw = r0; raw >= Math.max(1, r0 - 64); raw--) {
      for (const sub of subsets) {
        const pos = ctor.pos.slice();
        const kw = new Map(ctor.kw);
        let ok = true;
        for (const i of sub) {
          const sl = slots[i];
          const e = C / sl.v;
          if (!Number.isInteger(raw / e)) { ok = false; break; }
          if (sl.pos !== undefined) pos[sl.pos] = raw / e; else kw.set(sl.kw!, raw / e);
        }
        if (!ok) continue;
        try {
          const b = li.instantiate(ctor.cls, pos, kw, null);
          if (!(b instanceof PyInstance) || !b.module) continue;
          const out = callModule(li, b, [mkTensor([shape[0], raw, shape[2], shape[3]])], new Map(), null);
          if (out instanceof Tensor && out.shape.join() === [shape[0], raw, shape[2], shape[3]].join()) return { raw, pos, kw };
        } catch (e) {
          if (!(e instanceof PyException) && !(e instanceof BudgetExceeded)) throw e;
        }
      }
    }
    return null;
  } finally {
    li.recording = rec;
  }
}

/** Names a value by an expression valid in a scope: literals, local names, self attributes, globals, nn.X. */
class Namer {
  constructor(private live: LiveModel, private scope: Scope) {}
  expr(v: Value, depth = 0): string | null {
    if (v === null) return 'None';
    if (typeof v === 'boolean') return v ? 'True' : 'False';
    if (typeof v === 'number' || typeof v === 'string' || v instanceof PyFloat) return this.live.it.repr(v);
    if ((v instanceof PyTuple && !v.cls) || v instanceof PyList) {
      if (depth > 2) return null;
      const items = v.items.map((x) => this.expr(x, depth + 1));
      if (items.some((x) => x === null)) return null;
      return v instanceof PyList ? `[${items.join(', ')}]` : `(${items.join(', ')}${items.length === 1 ? ',' : ''})`;
    }
    // Locals and enclosing function scopes (not class bodies), then self.<attr>, then globals.
    for (let sc: Scope | null = this.scope; sc; sc = sc.parent) {
      if (sc.kind === 'class') continue;
      for (const [k, x] of sc.vars) if (x === v && !k.startsWith('__')) return k;
      if (sc.kind === 'module') break;
    }
    const self = this.scope.vars.get('self');
    if (self instanceof PyInstance) for (const [k, x] of self.attrs) if (x === v) return `self.${k}`;
    const globals = this.scope.moduleScope().vars;
    for (const [k, x] of globals) {
      if (x instanceof PyNamespace) for (const [a, y] of x.attrs) if (y === v) return `${k}.${a}`;
    }
    return null;
  }
}

function assignedValue(live: LiveModel, from: number, to: number): SyntaxNode | null {
  let n: SyntaxNode | null = live.file.tree.resolve(from, 1);
  while (n && !(n.name === 'AssignStatement' && n.from === from && n.to === to)) n = n.parent;
  if (!n) return null;
  const kidsArr: SyntaxNode[] = [];
  for (let c = n.firstChild; c; c = c.nextSibling) if (c.name !== 'Comment') kidsArr.push(c);
  const ops = kidsArr.filter((c) => c.name === 'AssignOp');
  if (ops.length !== 1) return null;
  const after = kidsArr.slice(kidsArr.indexOf(ops[0]) + 1);
  return after.length === 1 ? after[0] : null;
}

function lineIndent(text: string, at: number): string {
  const start = text.lastIndexOf('\n', at - 1) + 1;
  return /^[ \t]*/.exec(text.slice(start))![0];
}

function planConv(live: LiveModel, path: string, s: GhostSettings): Plan {
  const g = live.graph;
  const conv = g.modules.find((m) => m.path === path);
  if (!conv) throw new RewriteError(`no module '${path}'`);
  if (inGhost(g, path)) throw new RewriteError(`${path} is already part of a Ghost module`);
  const inst = live.instances.get(path)!;
  const cand = ghostCandidates(g, s).find((c): c is ConvCandidate => c.kind === 'conv' && c.path === path);
  if (!cand) throw new RewriteError(`${path} is not a C-Ghost candidate (needs Conv2d, groups 1, odd square kernel with padding k//2, no dilation, ≥ ${s.minConvOut} outputs)`);
  const call = inst.module!.createdAt[inst.module!.createdAt.length - 1];
  if (!call || call.file !== live.file.path || inst.cls.name !== 'Conv2d') throw new RewriteError(`${path} is not built by an nn.Conv2d(...) call in this file`);
  // Every conv made by this call must be a candidate with the same kernel and stride.
  const siblings = [...live.instances].filter(([, m]) => { const c = m.module?.createdAt; return c && c.length && c[c.length - 1].from === call.from && c[c.length - 1].file === call.file; });
  const k = cand.kernel[0], st = cand.stride[0];
  for (const [p] of siblings) {
    const c = ghostCandidates(g, s).find((x) => x.kind === 'conv' && x.path === p);
    if (!c || c.kind !== 'conv' || c.kernel[0] !== k || c.stride[0] !== st) throw new RewriteError(`the nn.Conv2d call at line ${conv.line} also builds ${p}, which cannot become a GhostModule the same way`);
  }
  const node = callNode(live, call.from, call.to);
  if (!node) throw new RewriteError('cannot find the nn.Conv2d call');
  const args = callArgs(live, node);
  if (!args) throw new RewriteError('the nn.Conv2d call uses *args/**kwargs');
  const inp = args.pos[0] ?? args.kw.get('in_channels');
  const oup = args.pos[1] ?? args.kw.get('out_channels');
  if (!inp || !oup) throw new RewriteError('cannot read in/out channels of the nn.Conv2d call');
  const parts = [inp, oup, `kernel_size=${k}`, `ratio=${s.ratio}`, `dw_size=${s.dwSize}`, `stride=${st}`, 'relu=False'];
  return {
    edit: { from: node.from, to: node.to, text: `GhostModule(${parts.join(', ')})` }, needs: 'GhostModule',
    detail: `ratio ${s.ratio}, ${siblings.length} conv${siblings.length > 1 ? 's' : ''} built at line ${conv.line}`,
  };
}

function callNode(live: LiveModel, from: number, to: number): SyntaxNode | null {
  let n: SyntaxNode | null = live.file.tree.resolve(from, 1);
  while (n && !(n.name === 'CallExpression' && n.from === from && n.to === to)) n = n.parent;
  return n;
}

function callArgs(live: LiveModel, call: SyntaxNode): { pos: string[]; kw: Map<string, string> } | null {
  const argList = call.getChild('ArgList');
  if (!argList) return null;
  const ch: SyntaxNode[] = [];
  for (let c = argList.firstChild; c; c = c.nextSibling) if (!['(', ')', ',', 'Comment'].includes(c.name)) ch.push(c);
  const pos: string[] = [];
  const kw = new Map<string, string>();
  const t = (n: SyntaxNode) => live.file.text.slice(n.from, n.to);
  for (let i = 0; i < ch.length; i++) {
    if (ch[i].name === '*' || ch[i].name === '**') return null;
    if (ch[i].name === 'VariableName' && ch[i + 1]?.name === 'AssignOp') { kw.set(t(ch[i]), t(ch[i + 2])); i += 2; }
    else pos.push(t(ch[i]));
  }
  return { pos, kw };
}

export type { ModuleNode, PyClass, isInt, num };
