// Rewrites as text edits over the source, driven by the live analysis:
//  - stage → G-Ghost: the stage's construction expression is wrapped in GGhostStage.from_stage(...),
//    keeping its first and last blocks; the middle blocks are rebuilt at `raw` channels with the
//    same class and arguments, widths scaled (found by building candidates in the interpreter);
//  - conv → GhostModule: an `nn.Conv2d(...)` call becomes `GhostModule(...)` with the same
//    input/output shapes.
// The Ghost classes are inserted once after the file's imports, in its `nn` / `torch.nn` style.
import type { SyntaxNode } from '@lezer/common';
import {
  analyzeModel, LiveModel, AnalyzeOptions, AnalysisError, syntaxProblems, ModuleCtor, construct, forward, tensorShape, isModelError, unrecorded, repr, equals,
} from '../python/live';
import type { FileHost } from '../python/imports';
import {
  Value, Scope, PyInstance, PyClass, PyFloat, PyTuple, PyList, PyNamespace, PyDict, Unknown, isInt, num,
} from '../python/values';
import type { ModelGraph, ModuleNode, Stage } from '../graph/model';
import { blockModules, stageModules } from '../graph/stages';
import { trailingBnAct, ghostCandidates, groupWidth, DEFAULT_GHOST, GhostSettings, ConvCandidate } from '../analysis/ghost';
import { render, named, NnStyle, GhostClass, GHOST_CLASS_NAMES, TEMPLATE_MARK, isGhostType } from './templates';

export interface TextEdit { from: number; to: number; text: string }

export interface RewriteTarget { kind: 'stage' | 'conv'; path: string }

export interface RewriteOptions extends AnalyzeOptions {
  targets?: RewriteTarget[];
  all?: boolean;
  settings?: Partial<GhostSettings>;
  /** Where the Ghost classes go: into the file (default) or a `ghost_modules.py` beside it, imported. */
  classes?: 'inline' | 'module';
}

export interface RewriteResult {
  text: string;
  /** Other files to write (the `ghost_modules.py` beside the file, with `classes: 'module'`). */
  files: { path: string; text: string }[];
  edits: TextEdit[];
  applied: (RewriteTarget & { detail: string })[];
  skipped: (RewriteTarget & { reason: string })[];
  before: ModelGraph;
  after: ModelGraph | null;
  /** What the user should know about the edit (a Ghost class renamed because the file has its own). */
  notes: string[];
}

/** The names the inserted classes get in this file. */
type ClassNames = Record<GhostClass, string>;


export class RewriteError extends Error {}


/** Plans and applies the rewrites; the result is re-analysed to give the figures after. */
export function rewriteSource(baseHost: FileHost, path: string, text: string, opts: RewriteOptions): RewriteResult {
  let host = baseHost;
  const s: GhostSettings = { ...DEFAULT_GHOST, ...opts.settings };
  const live = analyzeModel(host, path, text, opts);
  const g = live.graph;
  let targets = opts.targets ?? [];
  if (opts.all) {
    const cands = ghostCandidates(g, s);
    const stages = cands.filter((c) => c.kind === 'stage').map((c) => ({ kind: 'stage' as const, path: c.path }));
    // Convs inside a stage that is rewritten are left to it (checked once the stages are planned).
    const convs = cands.filter((c) => c.kind === 'conv').map((c) => ({ kind: 'conv' as const, path: c.path }));
    targets = [...stages, ...convs];
  }
  if (!targets.length) throw new RewriteError(opts.all ? 'no Ghost candidates in this model' : 'nothing to rewrite: name a --stage or --conv, or use --all');
  const edits: TextEdit[] = [];
  const applied: RewriteResult['applied'] = [];
  const skipped: RewriteResult['skipped'] = [];
  const needed = new Set<GhostClass>();
  const style = nnStyle(live);
  const { names, notes } = classNames(live);
  const wraps = new Map<TextEdit, (inner: string) => string>();
  const stageTargets = targets.filter((t) => t.kind === 'stage').map((t) => g.stages.find((x) => x.path === t.path)).filter((x): x is Stage => !!x);
  for (const t of targets) {
    try {
      if (t.kind === 'conv' && opts.all) {
        const done = applied.filter((a) => a.kind === 'stage').map((a) => g.stages.find((x) => x.path === a.path)).filter((x): x is Stage => !!x);
        if (done.some((st) => stageModules(st).some((b) => t.path === b || t.path.startsWith(b + '.')))) continue;
      }
      if (t.kind === 'conv') {
        // A conv call that also builds convs of a stage being rewritten would change that stage too.
        const rewritten = opts.all ? stageTargets.filter((st) => applied.some((a) => a.kind === 'stage' && a.path === st.path)) : stageTargets;
        const clash = siteSiblings(live, t.path).map((p) => [p, rewritten.find((st) => stageModules(st).some((b) => p === b || p.startsWith(b + '.')))] as const).find(([, st]) => st);
        if (clash) { skipped.push({ ...t, reason: `its nn.Conv2d call also builds ${clash[0]}, in stage ${clash[1]!.path} that is rewritten too` }); continue; }
      }
      const plan = t.kind === 'stage' ? planStage(live, t.path, s, style, names) : planConv(live, t.path, s, names);
      // One edit per site: several targets built by the same code share it.
      if (edits.some((e) => e.from === plan.edit.from && e.to === plan.edit.to && e.text === plan.edit.text)) { applied.push({ ...t, detail: 'same site as another rewrite' }); continue; }
      // Two wraps of one site (two runs of units in one container) nest.
      const outer = plan.wrap ? edits.find((e) => e.from === plan.edit.from && e.to === plan.edit.to && wraps.has(e)) : undefined;
      if (outer && plan.wrap) {
        outer.text = plan.wrap(outer.text);
        applied.push({ ...t, detail: plan.detail });
        continue;
      }
      if (edits.some((e) => e.from < plan.edit.to && plan.edit.from < e.to)) { skipped.push({ ...t, reason: 'overlaps another rewrite in this edit' }); continue; }
      edits.push(plan.edit);
      if (plan.wrap) wraps.set(plan.edit, plan.wrap);
      needed.add(plan.needs);
      applied.push({ ...t, detail: plan.detail });
    } catch (e) {
      if (e instanceof RewriteError) skipped.push({ ...t, reason: e.message });
      else throw e;
    }
  }
  if (!edits.length) return { text, files: [], edits, applied, skipped, before: g, after: null, notes: [] };
  const used = notes.filter((n) => [...needed].some((c) => n.includes(`its own ${c}`)));
  const files: RewriteResult['files'] = [];
  if (opts.classes === 'module') {
    const mod = moduleFile(host, path, [...needed]);
    if (mod) files.push(mod);
    const imp = importClasses(live, host, path, [...needed], names);
    if (imp) edits.push(imp);
  } else {
    const ins = insertClasses(live, [...needed], style, names);
    if (ins) edits.push(ins);
  }
  const out = applyEdits(text, edits);
  const originals = new Map(files.map((f) => [f.path, host.readFile(f.path)]));
  if (files.length) host = overlay(host, files);
  // Safety: the result must parse, build and keep the model's output shapes, else nothing is written.
  if (syntaxProblems(path + '#rewritten', out).length > syntaxProblems(path, text).length) throw new RewriteError('the rewrite would not parse; nothing was changed');
  let after: ModelGraph;
  try { after = analyzeModel(host, path, out, { model: g.model, input: g.input, maxSteps: opts.maxSteps, libraryPaths: opts.libraryPaths }).graph; }
  catch (e) {
    if (e instanceof AnalysisError) throw new RewriteError(`the rewritten model does not build (${e.message}); nothing was changed`);
    throw e;
  }
  const bad = after.unknowns.find((u) => !g.unknowns.some((v) => v.reason === u.reason));
  if (bad) throw new RewriteError(`the rewritten model has a new problem at line ${bad.line}: ${bad.reason}; nothing was changed`);
  if (JSON.stringify(after.outputs) !== JSON.stringify(g.outputs)) throw new RewriteError(`the rewrite would change the output shapes (${JSON.stringify(g.outputs)} → ${JSON.stringify(after.outputs)}); nothing was changed`);
  // The new text is made with \n: a file with CRLF line breaks gets them throughout, never mixed.
  const crlf = onlyCrlf(text);
  const asFile = (t: string, like: string | null) => ((like === null ? crlf : onlyCrlf(like)) ? t.replace(/\r?\n/g, '\r\n') : t);
  return {
    text: asFile(out, text), files: files.map((f) => ({ ...f, text: asFile(f.text, originals.get(f.path) ?? null) })),
    edits, applied, skipped, before: g, after, notes: used,
  };
}

/** Whether every line break of `t` is CRLF (and there is one). */
export function onlyCrlf(t: string): boolean {
  return t.includes('\r\n') && !/(^|[^\r])\n/.test(t);
}
/**
 * Where the file already binds `GhostModule` / `GGhostStage`: GhostLens's own class (its template's
 * docstring) is reused; any other class keeps its name and the inserted one is named
 * GhostLensModule / GhostLensStage instead, and a note says so.
 */
function classNames(live: LiveModel): { names: ClassNames; notes: string[] } {
  const names = {} as ClassNames;
  const notes: string[] = [];
  for (const cls of Object.keys(GHOST_CLASS_NAMES) as GhostClass[]) {
    const free = GHOST_CLASS_NAMES[cls].find((n) => {
      const v = live.scope.vars.get(n);
      return v === undefined || isOurs(v, cls);
    });
    if (!free) throw new RewriteError(`the file defines its own ${GHOST_CLASS_NAMES[cls].join(' and ')}: no free name for the inserted ${cls}`);
    names[cls] = free;
    if (free !== cls) notes.push(`the file has its own ${cls} (another class): the inserted C-${cls === 'GhostModule' ? 'Ghost module' : 'G-Ghost stage'} class is named ${free}`);
    else if (live.scope.vars.get(cls) !== undefined) notes.push(`reusing the file's ${cls}, GhostLens's own class`);
  }
  return { names, notes };
}

function isOurs(v: unknown, cls: GhostClass): boolean {
  if (!(v instanceof PyClass) || !v.file) return false;
  const text = v.file.text;
  const at = text.search(new RegExp(`^[ \\t]*class[ \\t]+${v.name}\\b`, 'm'));
  return at >= 0 && text.slice(at, at + 400).includes(TEMPLATE_MARK[cls]);
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
function insertClasses(live: LiveModel, classes: GhostClass[], style: NnStyle, names: ClassNames): TextEdit | null {
  const text = live.file.text;
  const missing = classes.filter((c) => !new RegExp(`^class ${names[c]}\\b`, 'm').test(text));
  if (!missing.length) return null;
  // After the last top-level import before the first definition (`__all__ = [...]` or other
  // statements may come between imports); else after the module docstring, else at the top.
  let at = 0, doc = 0, first = true;
  const needTorch = !live.scope.vars.has('torch');
  for (let c = live.file.top.firstChild; c; c = c.nextSibling) {
    if (c.name === 'Comment') continue;
    if (c.name === 'FunctionDefinition' || c.name === 'ClassDefinition' || c.name === 'DecoratedStatement') break;
    if (c.name === 'ImportStatement') at = c.to;
    else if (first && c.name === 'ExpressionStatement' && c.firstChild?.name === 'String') doc = c.to;
    first = false;
  }
  const body = missing.map((c) => render(named(c, names[c]), style).trimEnd()).join('\n\n\n');
  // After the imports: two blank lines around the classes; at the top of a file without imports, before the rest.
  if (at === 0 && doc > 0) return { from: doc, to: doc, text: `\n${needTorch ? '\nimport torch' : ''}\n\n\n${body}` };
  if (at === 0) return { from: 0, to: 0, text: `${needTorch ? 'import torch\n\n\n' : ''}${body}\n\n\n` };
  return { from: at, to: at, text: `${needTorch ? '\nimport torch' : ''}\n\n\n${body}` };
}

const dirOf = (p: string) => p.slice(0, p.lastIndexOf('/'));

/** ghost_modules.py beside the file, created or completed with the classes it lacks. */
function moduleFile(host: FileHost, path: string, classes: GhostClass[]): { path: string; text: string } | null {
  const target = `${dirOf(path)}/ghost_modules.py`;
  const old = host.readFile(target);
  const missing = classes.filter((n) => !(old && new RegExp(`^class ${n}\\b`, 'm').test(old)));
  if (!missing.length) return null;
  const body = missing.map((c) => render(named(c, c), 'nn').trimEnd()).join('\n\n\n');
  const head = '"""Ghost modules inserted by GhostLens (C-Ghost: Han et al., CVPR 2020; G-Ghost: IJCV 2022)."""\nimport torch\nfrom torch import nn\n';
  return { path: target, text: old ? `${old.trimEnd()}\n\n\n${body}\n` : `${head}\n\n${body}\n` };
}

/** `from ghost_modules import ...` (relative inside a package) after the last top-level import. */
function importClasses(live: LiveModel, host: FileHost, path: string, classes: GhostClass[], names: ClassNames): TextEdit | null {
  const missing = classes.filter((c) => !live.scope.vars.has(names[c]));
  if (!missing.length) return null;
  const pkg = host.isFile(`${dirOf(path)}/__init__.py`);
  let at = 0;
  for (let c = live.file.top.firstChild; c; c = c.nextSibling) if (c.name === 'ImportStatement') at = c.to;
  const line = `from ${pkg ? '.' : ''}ghost_modules import ${missing.map((c) => (names[c] === c ? c : `${c} as ${names[c]}`)).join(', ')}`;
  return at === 0 ? { from: 0, to: 0, text: `${line}\n` } : { from: at, to: at, text: `\n${line}` };
}

function overlay(host: FileHost, files: { path: string; text: string }[]): FileHost {
  const m = new Map(files.map((f) => [f.path, f.text]));
  return { readFile: (p) => m.get(p) ?? host.readFile(p), isFile: (p) => m.has(p) || host.isFile(p), isDir: (p) => host.isDir(p), newAnalysis: () => host.newAnalysis?.() };
}

interface Plan {
  edit: TextEdit;
  needs: GhostClass;
  detail: string;
  /** The edit wraps the site's expression: another wrap of the same site nests around this one. */
  wrap?: (inner: string) => string;
}

const inGhost = (g: ModelGraph, path: string): boolean => {
  const byPath = new Map(g.modules.map((m) => [m.path, m]));
  const parts = path.split('.');
  for (let i = parts.length - 1; i >= 1; i--) if (isGhostType(byPath.get(parts.slice(0, i).join('.'))?.type ?? '')) return true;
  return false;
};

function planStage(live: LiveModel, path: string, s: GhostSettings, style: NnStyle, names: ClassNames): Plan {
  const g = live.graph;
  const st = g.stages.find((x) => x.path === path);
  if (!st) throw new RewriteError(`no stage '${path}' (stages: ${g.stages.map((x) => x.path).join(', ') || 'none'})`);
  if (inGhost(g, path)) throw new RewriteError(`${path} is already part of a Ghost module`);
  if (st.blocks.length < 3) throw new RewriteError(`${path} has ${st.blocks.length} blocks; a G-Ghost stage needs at least 3 (first, middle, last)`);
  if (st.kind === 'units' && unitsRebuildable(g, st) === null) return planUnits(live, st, s);
  if (path.includes('[') || path.includes('{')) throw new RewriteError(`${path} is a run of blocks, not one module; only whole stages can be rewritten`);
  const container = live.instances.get(path);
  if (!container?.module) throw new RewriteError(`no module '${path}'`);
  if (container.cls.name !== 'Sequential' && container.module.modules.size && container.cls.mro.some((c) => c.name === 'ModuleList' || c.name === 'ModuleDict')) {
    throw new RewriteError(`${path} is a ${container.cls.name} (forward calls its blocks one by one); only an nn.Sequential stage can become one module`);
  }
  // GGhostStage.from_stage takes a block stage's children as its blocks: they must be exactly the blocks.
  const childPaths = [...container.module.modules.values()].filter((m): m is PyInstance => m !== null).map((m) => [...live.instances].find(([, x]) => x === m)?.[0]);
  if (st.kind !== 'units' && childPaths.join() !== st.blocks.join()) throw new RewriteError(`${path} has children besides its blocks (${childPaths.filter((p) => !st.blocks.includes(p ?? '')).join(', ')}); only a module whose children are its blocks can become a G-Ghost stage`);

  // The site to wrap: `self.x = EXPR` (this stage only), else the call that builds the stage,
  // which may build several stages in a loop (all of them are converted, each at its own width).
  let node: SyntaxNode | null = null;
  let members: PyInstance[] = [container];
  let scopes: Scope[] = [];
  const att = container.module.attachedAt;
  if (att && att.file === live.file.path && container.module.attachScope) {
    node = assignedValue(live, att.from, att.to);
    // The statement may attach the stages of several instances (a stage class's __init__, run
    // once per stage): the edit changes all of them, so each must be planned at its own width.
    members = [...new Set(live.instances.values())].filter((m) => m.module?.attachedAt?.file === att.file && m.module.attachedAt.from === att.from && m.module.attachScope);
    scopes = members.map((m) => m.module!.attachScope!);
  }
  if (!node) {
    const call = container.module.createdAt[container.module.createdAt.length - 1];
    if (!call || call.file !== live.file.path || !container.module.siteScope) throw new RewriteError(`${path} is not built by code in this file`);
    node = callNode(live, call.from, call.to);
    members = [...live.instances.values()].filter((m) => { const c = m.module?.createdAt; return c && c.length && c[c.length - 1].file === call.file && c[c.length - 1].from === call.from; });
    scopes = members.map((m) => m.module!.siteScope!);
    if (scopes.some((x) => !x)) throw new RewriteError(`cannot see the scope where ${path} is built`);
  }
  if (!node) throw new RewriteError(`cannot find the expression that builds ${path}`);
  // The stage must hold its blocks when the wrapped expression is done: a Sequential filled
  // afterwards (`self.blocks = nn.Sequential()`, then `add_module` in a loop) would be wrapped empty.
  const wrapped = node;
  const viaAttach = att && container.module.attachScope ? assignedValue(live, att.from, att.to) : null;
  const own = container.module.createdAt[container.module.createdAt.length - 1];
  const size = container.module.modules.size;
  const filledLater = viaAttach && viaAttach.from === wrapped.from && viaAttach.to === wrapped.to
    ? container.module.childrenAtAttach < size
    // Its own constructor call (`nn.Sequential(*blocks)`): full when the constructor returned.
    : own && own.file === live.file.path && own.from === wrapped.from && own.to === wrapped.to
      ? container.module.childrenAtInit < size
      // A helper call that returns it (`self._make_layer(...)`): the blocks are made during the call.
      : st.blocks.some((b) => !(live.instances.get(b)?.module?.createdAt ?? []).some((c) => c.file === live.file.path && c.from >= wrapped.from && c.to <= wrapped.to));
  if (filledLater) throw new RewriteError(`${path} is filled after the statement at line ${live.file.line(wrapped.from)} builds it (add_module/append later): only a stage built whole can be wrapped`);

  // Every member with ≥ 3 blocks becomes a G-Ghost stage: collect what its middle blocks need.
  interface Member { C: number; shape: number[]; ctor: ModuleCtor }
  const work: (Member | null)[] = members.map((m) => {
    const mp = [...live.instances].find(([, x]) => x === m)?.[0];
    const kids = [...m.module!.modules.values()].filter((x): x is PyInstance => x !== null);
    if (kids.length < 3) return null;
    const sg = g.stages.find((x) => x.path === mp);
    if (!sg) throw new RewriteError(`${mp} is built at the same place but is not a stage of blocks`);
    const mids = sg.blocks.slice(1, -1).map((p) => live.instances.get(p)!);
    const ctor = mids[0].module!.ctor;
    if (!ctor) throw new RewriteError('the middle blocks were not built by a class call');
    for (const x of mids) {
      const c = x.module!.ctor;
      if (!c || c.cls !== ctor.cls || !sameArgs(live, c, ctor)) throw new RewriteError(`the middle blocks of ${mp} are built with different arguments`);
    }
    const node1 = g.modules.find((q) => q.path === sg.blocks[1])!;
    const shape = node1.inputShapes[0];
    if (!shape || shape.length !== 4 || shape[1] !== sg.outChannels) throw new RewriteError(`the middle blocks of ${mp} do not map ${sg.outChannels} → ${sg.outChannels} channels`);
    return { C: sg.outChannels, shape, ctor };
  });
  const active = work.map((w, i) => (w ? i : -1)).filter((i) => i >= 0);
  const ref = work[active[0]]!;
  for (const i of active) {
    const w = work[i]!;
    if (w.ctor.cls !== ref.ctor.cls || w.ctor.pos.length !== ref.ctor.pos.length || [...w.ctor.kw.keys()].join() !== [...ref.ctor.kw.keys()].join()) {
      throw new RewriteError('the stages built here use different block classes or arguments');
    }
  }
  const probe = probeStages(live, active.map((i) => work[i]!), s.lambda, Math.max(1, ...active.map((i) => groupWidth(g, g.stages.find((x) => x.path === [...live.instances].find(([, m]) => m === members[i])![0])!.blocks))));
  if (!probe) throw new RewriteError(`cannot rebuild ${ref.ctor.cls.name} at fewer channels by scaling its width arguments`);

  // Name everything the generated code needs in the scope(s) of the site.
  const act = active.map((i) => scopes[i] ?? scopes[0]);
  const namer = new Namer(live);
  const clsExpr = namer.expr([ref.ctor.cls], act);
  if (!clsExpr) throw new RewriteError(`${ref.ctor.cls.name} has no name where ${path} is built`);
  const argText = (k: number | string): string => {
    const sl = probe.slots.find((x) => (typeof k === 'number' ? x.pos === k : x.kw === k));
    if (sl) return sl.e === 1 ? 'raw' : `raw // ${sl.e}`;
    const vals = active.map((i) => (typeof k === 'number' ? work[i]!.ctor.pos[k] : work[i]!.ctor.kw.get(k)!));
    const e = namer.expr(vals, act);
    if (e === null) throw new RewriteError(`cannot name argument ${typeof k === 'number' ? '#' + (k + 1) : k}=${repr(live, vals[0])} of ${ref.ctor.cls.name} where ${path} is built`);
    return e;
  };
  const args = [...ref.ctor.pos.map((_, i) => argText(i)), ...[...ref.ctor.kw.keys()].map((k) => `${k}=${argText(k)}`)];
  const chans = namer.expr(active.map((i) => work[i]!.C), act);
  if (chans === null) throw new RewriteError(`cannot name the channel count of the stages built where ${path} is built`);
  const orig = live.file.text.slice(node.from, node.to);
  const indent = lineIndent(live.file.text, node.from);
  const make = `lambda raw, n: [${clsExpr}(${args.join(', ')}) for _ in range(n)]`;
  const tail = `channels=${chans}, ratio=${s.lambda}, quantum=${probe.quantum}`;
  const oneLine = `${names.GGhostStage}.from_stage(${orig}, ${make}, ${tail})`;
  // A multi-line original moves one level deeper with the lines it spans.
  const moved = orig.replace(/\n/g, '\n    ');
  const text = indent.length + oneLine.length + 20 <= 100 && !orig.includes('\n') ? oneLine
    : `${names.GGhostStage}.from_stage(\n${indent}    ${moved},\n${indent}    ${make},\n${indent}    ${tail.replace(/, /g, `,\n${indent}    `)},\n${indent})`;
  void style;
  const raws = probe.raws.map((r, j) => `${r}/${work[active[j]]!.C}`).join(', ');
  const many = members.length > 1 ? ` (${active.length} stages built at line ${live.file.line(node.from)})` : '';
  return { edit: { from: node.from, to: node.to, text }, needs: 'GGhostStage', detail: `λ=${s.lambda}: middle blocks on ${raws} channels${many}` };
}

/**
 * Why the middle units of a stage of units cannot be rebuilt by GGhostStage.from_units (null: they
 * can): each must be a Conv2d C → C, a BatchNorm2d, a parameter-free layer, or an nn.Sequential of those.
 */
function unitsRebuildable(g: ModelGraph, st: Stage): string | null {
  const byPath = new Map(g.modules.map((m) => [m.path, m]));
  const C = st.outChannels;
  const check = (m: ModuleNode): string | null => {
    if (!m.leaf) {
      if (m.type !== 'Sequential') return `${m.path} is a ${m.type}; from_units rebuilds nn.Sequential units only`;
      for (const c of m.children) { const w = check(byPath.get(c)!); if (w) return w; }
      return null;
    }
    if (m.type === 'Conv2d') return m.config?.in_channels === C && m.config?.out_channels === C ? null : `${m.path} does not map ${C} → ${C} channels`;
    if (m.type === 'BatchNorm2d' || m.ownParams === 0) return null;
    return `${m.path} (${m.type}) has parameters of its own width`;
  };
  for (let i = 1; i < st.blocks.length - 1; i++) {
    for (const p of blockModules(st, i)) { const m = byPath.get(p); const w = m ? check(m) : `no module ${p}`; if (w) return w; }
  }
  return null;
}

/**
 * A stage of conv (+ norm/activation) units: the site that builds or attaches its nn.Sequential
 * is wrapped in GGhostStage.from_units(EXPR, start, stop, ...) (nested for several runs).
 */
function planUnits(live: LiveModel, st: Stage, s: GhostSettings): Plan {
  const g = live.graph;
  const parent = g.modules.find((m) => m.path === st.container);
  const inst = live.instances.get(st.container);
  if (!parent || !inst?.module || parent.type !== 'Sequential') throw new RewriteError(`${st.path} is not in an nn.Sequential; only runs of units in one can be rewritten`);
  if (st.path.includes('{')) throw new RewriteError(`${st.path} is a run of named children; only indexed ones can be rewritten`);
  const kids = parent.children;
  const first = kids.indexOf(st.blocks[0]);
  const lastMods = blockModules(st, st.blocks.length - 1);
  const stop = kids.indexOf(lastMods[lastMods.length - 1]) + 1;
  if (first < 0 || stop <= first) throw new RewriteError(`cannot find ${st.path} among the children of ${st.container}`);
  const ms = inst.module;
  let node: SyntaxNode | null = null;
  let at: { file: string; from: number } | null = null;
  if (ms.attachedAt && ms.attachedAt.file === live.file.path) {
    node = assignedValue(live, ms.attachedAt.from, ms.attachedAt.to);
    at = node ? { file: ms.attachedAt.file, from: ms.attachedAt.from } : null;
  }
  if (!node) {
    const call = ms.createdAt[ms.createdAt.length - 1];
    if (!call || call.file !== live.file.path) throw new RewriteError(`${st.container} is not built by code in this file`);
    node = callNode(live, call.from, call.to);
    at = { file: call.file, from: call.from };
  }
  if (!node || !at) throw new RewriteError(`cannot find the expression that builds ${st.container}`);
  // The wrap runs for every container built or attached there: with others it would need their own runs.
  const others = [...live.instances.values()].filter((x) => x !== inst && x.module && (
    (x.module.attachedAt?.file === at!.file && x.module.attachedAt.from === at!.from) ||
    (!ms.attachedAt && x.module.createdAt.length > 0 && x.module.createdAt[x.module.createdAt.length - 1].from === at!.from && x.module.createdAt[x.module.createdAt.length - 1].file === at!.file)));
  if (others.length) throw new RewriteError(`the code at line ${live.file.line(node.from)} builds ${others.length + 1} containers; a run of units is rewritten where only its own container is made`);
  const C = st.outChannels;
  const gw = groupWidth(g, st.blocks.flatMap((_, i) => blockModules(st, i)));
  const raw = Math.max(gw, Math.floor(Math.floor((1 - s.lambda) * C) / gw) * gw);
  if (raw >= C) throw new RewriteError(`${st.path}: no cheap channels at λ=${s.lambda} (${C} channels)`);
  const tail = `${first}, ${stop}, channels=${C}, ratio=${s.lambda}, quantum=${gw}`;
  const wrap = (inner: string) => {
    const one = `GGhostStage.from_units(${inner}, ${tail})`;
    if (!inner.includes('\n') && lineIndent(live.file.text, node!.from).length + one.length + 20 <= 100) return one;
    const indent = lineIndent(live.file.text, node!.from);
    return `GGhostStage.from_units(\n${indent}    ${inner.replace(/\n/g, '\n    ')},\n${indent}    ${tail},\n${indent})`;
  };
  const orig = live.file.text.slice(node.from, node.to);
  return {
    edit: { from: node.from, to: node.to, text: wrap(orig) }, needs: 'GGhostStage', wrap,
    detail: `λ=${s.lambda}: ${st.blocks.length - 2} middle units on ${raw}/${C} channels`,
  };
}

/** Module paths built by the same call as `path` (itself included). */
function siteSiblings(live: LiveModel, path: string): string[] {
  const c = live.instances.get(path)?.module?.createdAt;
  const call = c && c.length ? c[c.length - 1] : null;
  if (!call) return [path];
  return [...live.instances].filter(([, m]) => { const k = m.module?.createdAt; return k && k.length && k[k.length - 1].from === call.from && k[k.length - 1].file === call.file; }).map(([p]) => p);
}

const gcd = (a: number, b: number): number => (b ? gcd(b, a % b) : a);
const lcm = (a: number, b: number): number => (a / gcd(a, b)) * b;

/**
 * Chooses which integer constructor arguments are widths (value C or C/e) and the channel
 * quantum, such that for every stage raw = max(q, ⌊(1−λ)·C⌋ // q · q) and the block rebuilt with
 * scaled widths maps raw → raw channels at the same resolution. Smallest set of scaled
 * arguments first, then the smallest quantum; the same rule is what GGhostStage.from_stage runs.
 */
function probeStages(live: LiveModel, stages: { C: number; shape: number[]; ctor: ModuleCtor }[], lambda: number, gw: number):
  { slots: { pos?: number; kw?: string; e: number }[]; quantum: number; raws: number[] } | null {
  const ref = stages[0];
  const slots: { pos?: number; kw?: string; e: number }[] = [];
  const ok = (v: Value, C: number) => typeof v === 'number' && v > 1 && C % v === 0;
  ref.ctor.pos.forEach((v, i) => { if (stages.every((s) => ok(s.ctor.pos[i], s.C) && s.C / (s.ctor.pos[i] as number) === ref.C / (v as number))) slots.push({ pos: i, e: ref.C / (v as number) }); });
  for (const [k, v] of ref.ctor.kw) if (stages.every((s) => ok(s.ctor.kw.get(k)!, s.C) && s.C / (s.ctor.kw.get(k) as number) === ref.C / (v as number))) slots.push({ kw: k, e: ref.C / (v as number) });
  if (!slots.length) return null;
  const subsets: number[][] = [];
  for (let mask = 1; mask < 1 << Math.min(slots.length, 6); mask++) subsets.push(slots.map((_, i) => i).filter((i) => mask & (1 << i)));
  subsets.sort((a, b) => a.length - b.length);
  return unrecorded(live, () => {
    for (const sub of subsets) {
      const eL = sub.reduce((a, i) => lcm(a, slots[i].e), 1);
      const quanta = [...new Set([1, 2, 4, 8, 16, 32, 64].map((b) => lcm(lcm(b, gw), eL)))].sort((a, b) => a - b);
      for (const q of quanta) {
        const raws: number[] = [];
        let good = true;
        for (const st of stages) {
          const raw = Math.max(q, Math.floor(Math.floor((1 - lambda) * st.C) / q) * q);
          if (raw >= st.C || !buildsAt(live, st, sub.map((i) => slots[i]), raw)) { good = false; break; }
          raws.push(raw);
        }
        if (good) return { slots: sub.map((i) => slots[i]), quantum: q, raws };
      }
    }
    return null;
  });
}

function buildsAt(live: LiveModel, st: { shape: number[]; ctor: ModuleCtor }, slots: { pos?: number; kw?: string; e: number }[], raw: number): boolean {
  const pos = st.ctor.pos.slice();
  const kw = new Map(st.ctor.kw);
  for (const sl of slots) {
    if (!Number.isInteger(raw / sl.e)) return false;
    if (sl.pos !== undefined) pos[sl.pos] = raw / sl.e; else kw.set(sl.kw!, raw / sl.e);
  }
  try {
    const b = construct(live, st.ctor.cls, pos, kw);
    if (!b) return false;
    const want = [st.shape[0], raw, st.shape[2], st.shape[3]];
    const out = tensorShape(forward(live, b, [want]));
    return out !== null && out.join() === want.join() && b.module!.unknownReason === null;
  } catch (e) {
    if (isModelError(e)) return false;
    throw e;
  }
}

function sameArgs(live: LiveModel, a: ModuleCtor | null | undefined, b: ModuleCtor | null | undefined): boolean {
  if (!a || !b || a.pos.length !== b.pos.length || a.kw.size !== b.kw.size) return false;
  const eq = (x: Value, y: Value) => x === y || equals(live, x, y);
  return a.pos.every((x, i) => eq(x, b.pos[i])) && [...a.kw].every(([k, v]) => b.kw.has(k) && eq(v, b.kw.get(k)!));
}

/**
 * Names values by one expression that gives value k in scope k for every execution of a site:
 * a literal when all are the same literal, else a local name, a `local.attr`, a global or
 * `module.attr` (nn.ReLU).
 */
class Namer {
  constructor(private live: LiveModel) {}
  expr(vals: Value[], scopes: Scope[]): string | null {
    const lit = this.literal(vals[0]);
    if (lit !== null && vals.every((v) => this.same(v, vals[0]))) return lit;
    const get = (sc: Scope, name: string): Value | undefined => sc.lookup(name);
    const first = scopes[0];
    const names: string[] = [];
    for (let sc: Scope | null = first; sc; sc = sc.parent) {
      if (sc.kind === 'class') continue;
      for (const k of sc.vars.keys()) if (!k.startsWith('__') && !names.includes(k)) names.push(k);
    }
    for (const n of names) if (vals.every((v, i) => { const x = get(scopes[i], n); return x !== undefined && this.same(x, v); })) return n;
    for (const n of names) {
      const base = get(first, n);
      if (base instanceof PyInstance) {
        for (const a of base.attrs.keys()) {
          if (vals.every((v, i) => { const b = get(scopes[i], n); const x = b instanceof PyInstance ? b.attrs.get(a) : undefined; return x !== undefined && this.same(x, v); })) return `${n}.${a}`;
        }
      }
      // A keyword dict of the loop (`stage_args['out_chs']`).
      if (base instanceof PyDict) {
        for (const k of base.keys()) {
          if (typeof k !== 'string') continue;
          if (vals.every((v, i) => { const b = get(scopes[i], n); const x = b instanceof PyDict ? b.get(k) : undefined; return x !== undefined && this.same(x, v); })) return `${n}[${JSON.stringify(k)}]`;
        }
      }
      if (base instanceof PyNamespace && vals.every((v) => typeof v === 'object' && v !== null)) {
        for (const [a, y] of base.attrs) if (vals.every((v) => v === y)) return `${n}.${a}`;
      }
    }
    return null;
  }
  private same(a: Value, b: Value): boolean {
    if (a === b) return true;
    if ((typeof a === 'number' || a instanceof PyFloat) && (typeof b === 'number' || b instanceof PyFloat)) {
      return (typeof a === 'number') === (typeof b === 'number') && num(a) === num(b);
    }
    if (typeof a === 'string') return a === b;
    // Equal literal tuples/lists (a `dilation=(1, 1)` rebuilt per block) are the same argument.
    const la = this.literal(a);
    return la !== null && la === this.literal(b);
  }
  private literal(v: Value, depth = 0): string | null {
    if (v === null) return 'None';
    if (typeof v === 'boolean') return v ? 'True' : 'False';
    if (typeof v === 'number' || typeof v === 'string' || v instanceof PyFloat) return repr(this.live, v);
    if ((v instanceof PyTuple && !v.cls) || v instanceof PyList) {
      if (depth > 2) return null;
      const items = v.items.map((x) => this.literal(x, depth + 1));
      if (items.some((x) => x === null)) return null;
      return v instanceof PyList ? `[${items.join(', ')}]` : `(${items.join(', ')}${items.length === 1 ? ',' : ''})`;
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

function planConv(live: LiveModel, path: string, s: GhostSettings, names: ClassNames): Plan {
  const g = live.graph;
  const conv = g.modules.find((m) => m.path === path);
  if (!conv) throw new RewriteError(`no module '${path}'`);
  if (inGhost(g, path)) throw new RewriteError(`${path} is already part of a Ghost module`);
  const inst = live.instances.get(path)!;
  const cand = ghostCandidates(g, s).find((c): c is ConvCandidate => c.kind === 'conv' && c.path === path);
  if (!cand) throw new RewriteError(`${path} is not a C-Ghost candidate (needs Conv2d, groups 1, odd square kernel with padding k//2, no dilation, ≥ ${s.minConvOut} outputs)`);
  const call = inst.module!.createdAt[inst.module!.createdAt.length - 1];
  if (inst.cls.name !== 'Conv2d') throw new RewriteError(`${path} is a ${inst.cls.name}, not an nn.Conv2d`);
  if (!call || call.file !== live.file.path) return planHelperConv(live, path, cand, s, names);
  const node = callNode(live, call.from, call.to);
  if (!node) throw new RewriteError('cannot find the nn.Conv2d call');
  const args = callArgs(live, node);
  if (!args) throw new RewriteError('the nn.Conv2d call passes its arguments with *args');
  // `**kw` (timm passes `**dd`, its device/dtype): GhostModule takes device/dtype the same way;
  // anything else passed so is refused (its value is checked above, but GhostModule has no place for it).
  for (const [p, m] of live.instances) {
    const c = m.module?.createdAt;
    if (!c?.length || c[c.length - 1].from !== call.from || c[c.length - 1].file !== call.file || !args.star.length) continue;
    const written = new Set(args.kw.keys());
    const spread = [...(m.module!.ctor?.kw.keys() ?? [])].filter((k) => !written.has(k) && k !== 'device' && k !== 'dtype');
    if (spread.length) throw new RewriteError(`the nn.Conv2d call building ${p} passes ${spread.join(', ')} through ${args.star.join(', ')}; GhostModule takes only device and dtype that way`);
  }
  const inp = args.pos[0] ?? args.kw.get('in_channels');
  const oup = args.pos[1] ?? args.kw.get('out_channels');
  if (!inp || !oup) throw new RewriteError('cannot read in/out channels of the nn.Conv2d call');
  // Every conv made by this call must be a candidate. Kernel and stride stay literal when they
  // agree; otherwise the call's own argument expressions carry them (a stride parameter).
  const siblings = [...live.instances].filter(([, m]) => { const c = m.module?.createdAt; return c && c.length && c[c.length - 1].from === call.from && c[c.length - 1].file === call.file; });
  let k: string = String(cand.kernel[0]), st: string = String(cand.stride[0]);
  for (const [p] of siblings) {
    const c = ghostCandidates(g, s).find((x) => x.kind === 'conv' && x.path === p);
    if (!c || c.kind !== 'conv') throw new RewriteError(`the nn.Conv2d call at line ${conv.line} also builds ${p}, which cannot become a GhostModule (${p} is not a C-Ghost candidate)`);
    if (String(c.kernel[0]) !== String(cand.kernel[0])) {
      const e = args.pos[2] ?? args.kw.get('kernel_size');
      if (!e) throw new RewriteError(`the nn.Conv2d call at line ${conv.line} builds kernels of different sizes`);
      k = e;
    }
    if (String(c.stride[0]) !== String(cand.stride[0])) {
      const e = args.pos[3] ?? args.kw.get('stride');
      if (!e) throw new RewriteError(`the nn.Conv2d call at line ${conv.line} builds convs of different strides`);
      st = e;
    }
  }
  // The BN (and ReLU) closing the same nn.Sequential(...) are what GhostModule has inside: fold them.
  const fold = foldable(live, node, siblings.map(([p]) => p));
  const parts = [inp, oup, `kernel_size=${k}`, `ratio=${s.ratio}`, `dw_size=${s.dwSize}`, `stride=${st}`, `relu=${fold?.relu ? 'True' : 'False'}`, ...args.star];
  // Comments inside the replaced call stay inside the new one, each on its own line (a folded
  // span's comments already moved before it).
  const inner = fold ? [] : commentsIn(live, node.from, node.to);
  const indent = lineIndent(live.file.text, node.from);
  const ghost = inner.length
    ? `${names.GhostModule}(${parts.join(', ')},\n${inner.map((c) => `${indent}    ${c}\n`).join('')}${indent})`
    : `${names.GhostModule}(${parts.join(', ')})`;
  return {
    edit: { from: node.from, to: fold ? fold.to : node.to, text: `${fold?.comments ?? ''}${ghost}` }, needs: 'GhostModule',
    detail: `ratio ${s.ratio}, ${siblings.length} conv${siblings.length > 1 ? 's' : ''} built at line ${conv.line}` +
      (fold ? `, with the ${fold.relu ? 'BatchNorm2d and ReLU' : 'BatchNorm2d'} after it` : ''),
  };
}

/**
 * A conv made by a helper of another file and assigned here (`self.conv_stem = create_conv2d(in_chans,
 * stem, 3, stride=2, **dd)`): the helper call becomes the GhostModule, its channel counts named in
 * the scope of the assignment. Only when the call's result is the conv itself (the attribute holds
 * it), so nothing else the helper builds is lost.
 */
function planHelperConv(live: LiveModel, path: string, cand: ConvCandidate, s: GhostSettings, names: ClassNames): Plan {
  const inst = live.instances.get(path)!;
  const ms = inst.module!;
  const att = ms.attachedAt;
  const why = `${path} is built in another file, and not by a call whose result is assigned here`;
  if (!att || att.file !== live.file.path || !ms.attachScope) throw new RewriteError(why);
  const node = assignedValue(live, att.from, att.to);
  if (!node || node.name !== 'CallExpression' || !ms.createdAt.some((c) => c.file === att.file && c.from === node.from && c.to === node.to)) throw new RewriteError(why);
  // Every conv assigned by this statement (a loop) must be a candidate built the same way.
  const siblings = [...live.instances].filter(([, m]) => m.module?.attachedAt?.from === att.from && m.module.attachedAt.file === att.file);
  const cands = siblings.map(([p]) => ghostCandidates(live.graph, s).find((c): c is ConvCandidate => c.kind === 'conv' && c.path === p));
  if (cands.some((c) => !c)) throw new RewriteError(`the call at line ${live.file.line(node.from)} also builds modules that are not C-Ghost candidates`);
  const scopes = siblings.map(([, m]) => m.module!.attachScope!);
  const namer = new Namer(live);
  const cfg = (m: PyInstance, k: string): Value => m.attrs.get(k) ?? null;
  const first = (m: PyInstance, k: string): Value => { const v = cfg(m, k); return v instanceof PyTuple ? v.items[0] : v; };
  const nameOf = (what: string, vals: Value[]): string => {
    const e = namer.expr(vals, scopes);
    if (e === null) throw new RewriteError(`cannot name the ${what} of ${path} where line ${live.file.line(node.from)} builds it`);
    return e;
  };
  const ms2 = siblings.map(([, m]) => m);
  const inp = nameOf('input channels', ms2.map((m) => cfg(m, 'in_channels')));
  const oup = nameOf('output channels', ms2.map((m) => cfg(m, 'out_channels')));
  const k = nameOf('kernel size', ms2.map((m) => first(m, 'kernel_size')));
  const st = nameOf('stride', ms2.map((m) => first(m, 'stride')));
  // device/dtype the helper was given through `**name` are passed on the same way.
  const star = (callArgs(live, node)?.star ?? []).filter((e) => {
    const v = /^\*\*([A-Za-z_]\w*)$/.exec(e) ? ms.attachScope!.lookup(e.slice(2)) : undefined;
    return v instanceof PyDict && v.keys().every((key) => key === 'device' || key === 'dtype');
  });
  const parts = [inp, oup, `kernel_size=${k}`, `ratio=${s.ratio}`, `dw_size=${s.dwSize}`, `stride=${st}`, 'relu=False', ...star];
  void cand;
  return {
    edit: { from: node.from, to: node.to, text: `${names.GhostModule}(${parts.join(', ')})` }, needs: 'GhostModule',
    detail: `ratio ${s.ratio}, ${siblings.length} conv${siblings.length > 1 ? 's' : ''} assigned at line ${live.file.line(att.from)} (built by a helper)`,
  };
}

/**
 * `nn.Sequential(..., nn.Conv2d(...), nn.BatchNorm2d(out)[, nn.ReLU()])` with the conv's BN (and
 * ReLU) last: the span to replace, when every module this call built is followed the same way.
 * Only trailing ones fold, so no later index in the Sequential moves.
 */
function foldable(live: LiveModel, conv: SyntaxNode, paths: string[]): { to: number; relu: boolean; comments: string } | null {
  const list = conv.parent;
  const seqCall = list?.parent;
  if (!list || list.name !== 'ArgList' || !seqCall || seqCall.name !== 'CallExpression') return null;
  const items: SyntaxNode[] = [];
  for (let c = list.firstChild; c; c = c.nextSibling) if (!['(', ')', ',', 'Comment'].includes(c.name)) items.push(c);
  const i = items.findIndex((c) => c.from === conv.from && c.to === conv.to);
  const rest = items.slice(i + 1);
  if (i < 0 || rest.length < 1 || rest.length > 2 || rest.some((c) => c.name !== 'CallExpression')) return null;
  // What the source lists after the conv must be what the graph folds, for every conv it builds.
  for (const p of paths) {
    const f = trailingBnAct(live.graph, p);
    if (!f || (f.act ? 2 : 1) !== rest.length) return null;
  }
  // Comments inside the folded span stay, each on its own line before the GhostModule.
  const to = rest[rest.length - 1].to;
  const text = live.file.text;
  const comments: string[] = [];
  live.file.tree.iterate({ from: conv.from, to, enter: (n) => { if (n.name === 'Comment' && n.from >= conv.from && n.to <= to) comments.push(text.slice(n.from, n.to)); } });
  let prefix = '';
  if (comments.length) {
    const lineStart = text.lastIndexOf('\n', conv.from - 1) + 1;
    const indent = text.slice(lineStart, conv.from);
    if (/\S/.test(indent)) return null;
    prefix = comments.map((c) => `${c}\n${indent}`).join('');
  }
  return { to, relu: rest.length === 2, comments: prefix };
}

/** The comments between `from` and `to`, in order. */
function commentsIn(live: LiveModel, from: number, to: number): string[] {
  const out: string[] = [];
  live.file.tree.iterate({ from, to, enter: (n) => { if (n.name === 'Comment' && n.from >= from && n.to <= to) out.push(live.file.text.slice(n.from, n.to)); } });
  return out;
}

function callNode(live: LiveModel, from: number, to: number): SyntaxNode | null {
  let n: SyntaxNode | null = live.file.tree.resolve(from, 1);
  while (n && !(n.name === 'CallExpression' && n.from === from && n.to === to)) n = n.parent;
  return n;
}

function callArgs(live: LiveModel, call: SyntaxNode): { pos: string[]; kw: Map<string, string>; star: string[] } | null {
  const argList = call.getChild('ArgList');
  if (!argList) return null;
  const ch: SyntaxNode[] = [];
  for (let c = argList.firstChild; c; c = c.nextSibling) if (!['(', ')', ',', 'Comment'].includes(c.name)) ch.push(c);
  const pos: string[] = [];
  const kw = new Map<string, string>();
  const star: string[] = [];
  const t = (n: SyntaxNode) => live.file.text.slice(n.from, n.to);
  for (let i = 0; i < ch.length; i++) {
    if (ch[i].name === '*') return null;
    if (ch[i].name === '**') { star.push(`**${t(ch[++i])}`); continue; }
    if (ch[i].name === 'VariableName' && ch[i + 1]?.name === 'AssignOp') { kw.set(t(ch[i]), t(ch[i + 2])); i += 2; }
    else pos.push(t(ch[i]));
  }
  return { pos, kw, star };
}

export type { ModuleNode, PyClass, isInt, num };
