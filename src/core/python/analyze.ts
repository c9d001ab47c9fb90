// From a .py file to a ModelGraph: run the file, build the entry-point model, run forward on
// shape-only inputs, then read modules, parameters, MACs and stages off the interpreter state.
import { classSpans } from './classes';
import type { SyntaxNode } from '@lezer/common';
import { Value, Span, PyInstance, PyFunction, PyClass, Tensor, Unknown, PyTuple, PyList, PyDict, Scope } from './values';
import { SourceFile, SourceCache } from './source';
import { Interpreter, PyException, BudgetExceeded, rangeErrorReason } from './interp';
import { ModuleResolver, FileHost } from './imports';
import { namedModules, callModule } from './torch/module';
import { mkTensor } from './torch/tensor';
import type { ModelGraph, ModuleNode, UnknownNote } from '../graph/model';
import { findStages } from '../graph/stages';
import { Tracer, OpTrace } from './trace';

export interface AnalyzeOptions {
  /** Python expression evaluated in the file's namespace, e.g. `resnet50()`. */
  model?: string;
  /** Input shapes; default from the `# ghostlens:` comment, else 1x3x224x224. */
  input?: number[][];
  maxSteps?: number;
  /** Memory (bytes) and wall time (ms) of this analysis; default: the process's (budget.ts). */
  maxBytes?: number;
  maxMs?: number;
  /** Folders with installed Python libraries (site-packages) to resolve imports such as `torchvision`. */
  libraryPaths?: string[];
  /** Record the op-level dataflow of the forward (LiveModel.trace; the ONNX exporter reads it). */
  trace?: boolean;
}

/** A failure the user must fix before anything can be analysed (exit 2 in the CLI). */
export class AnalysisError extends Error {
  constructor(message: string, readonly line: number | null = null) { super(message); }
}

export interface EntryPoint { expr: string; kind: 'comment' | 'registered' | 'factory' | 'class'; line: number }

export const DEFAULT_INPUT = [[1, 3, 224, 224]];

/** Shared parse cache: warm analyses of the same files skip parsing. */
const sharedCache = new SourceCache();

export function parseInputSpec(s: string): number[][] {
  // Digits only, each dimension below 2^31: `1e3` or 99999999999999999999 (1e20 to Number) is refused.
  const shapes = s.split(/[,;]\s*|\s+/).filter((x) => x).map((p) => p.split(/[x×]/i).map((d) => (/^\d{1,10}$/.test(d) ? Number(d) : NaN)));
  if (!shapes.length || shapes.some((sh) => !sh.length || sh.length > 16 || sh.some((d) => !Number.isInteger(d) || d <= 0 || d >= 2 ** 31))) {
    throw new AnalysisError(`invalid input shape '${s.slice(0, 100)}' (expected e.g. 1x3x224x224: up to 16 whole dimensions, each from 1 to 2^31-1)`);
  }
  return shapes;
}

/** `# ghostlens: model=resnet50() input=1x3x224x224` anywhere in the file. */
export function readDirective(text: string): { model?: string; input?: number[][]; line: number } | null {
  const m = /^[ \t]*#[ \t]*ghostlens:(.*)$/m.exec(text);
  if (!m) return null;
  const body = m[1];
  const line = text.slice(0, m.index).split('\n').length;
  const out: { model?: string; input?: number[][]; line: number } = { line };
  const model = /model=(.+?)(?=\s+input=|$)/.exec(body.trim());
  if (model) out.model = model[1].trim();
  const input = /input=(\S+)/.exec(body);
  if (input) out.input = parseInputSpec(input[1]);
  return out;
}

/** Syntax errors of a file, with 1-based lines. */
export function syntaxProblems(path: string, text: string): { line: number; message: string }[] {
  const f = sharedCache.get(path, text);
  return f.syntaxProblems().map((p) => ({ line: f.line(p.from), message: p.message }));
}

export function analyzeSource(host: FileHost, path: string, text: string, opts: AnalyzeOptions = {}): ModelGraph {
  return analyzeModel(host, path, text, opts).graph;
}

/** The analysis with the interpreter state kept alive (rewrites probe and rebuild modules). */
export interface LiveModel {
  graph: ModelGraph;
  it: Interpreter;
  file: SourceFile;
  scope: Scope;
  /** Module instances by named_modules() path. */
  instances: Map<string, PyInstance>;
  /** The forward's dataflow, when asked for (AnalyzeOptions.trace). */
  trace: OpTrace | null;
}

export function analyzeModel(host: FileHost, path: string, text: string, opts: AnalyzeOptions = {}): LiveModel {
  const file = sharedCache.get(path, text);
  const resolver = new ModuleResolver(host, (p, t) => sharedCache.get(p, t), opts.libraryPaths ?? []);
  const it = new Interpreter(resolver, { maxSteps: opts.maxSteps, maxBytes: opts.maxBytes, maxMs: opts.maxMs });
  const directive = readDirective(text);
  const input = opts.input ?? directive?.input ?? DEFAULT_INPUT;
  it.recording = true;
  let ns: ReturnType<ModuleResolver['runMain']>;
  try {
    ns = resolver.runMain(it, file);
  } catch (e) {
    if (e instanceof BudgetExceeded) throw budgetError(it, e);
    throw e;
  }

  // Entry point: explicit option, the directive, else the first constructible model.
  let expr = opts.model ?? directive?.model;
  let root: Value = null;
  if (expr) {
    try {
      root = buildModel(it, ns.scope, expr);
    } catch (e) {
      // Half-typed code: the syntax error is the cause to show first.
      const bad = file.syntaxProblems()[0];
      if (e instanceof AnalysisError && bad) {
        const line = file.line(bad.from);
        throw new AnalysisError(`line ${line}: ${bad.message}; ${e.message}`, line);
      }
      throw e;
    }
  } else {
    // Why the candidates failed: "no model found" alone would hide it (a recursion, a budget, an import).
    let firstFailure: string | null = null;
    for (const ep of entryPoints(file, ns.scope, it)) {
      const saved = it.notes.length;
      try {
        const v = buildModel(it, ns.scope, ep.expr, true);
        if (v instanceof PyInstance && v.module) { expr = ep.expr; root = v; break; }
        if (v instanceof Unknown) firstFailure ??= `'${ep.expr}' could not be evaluated: ${v.reason}`;
      } catch (e) {
        if (!(e instanceof AnalysisError)) throw e;
        // A spent budget stays spent: every later candidate would fail the same way.
        if (it.budget.exhausted) throw e;
        firstFailure ??= e.message;
      }
      it.notes.length = saved;
    }
    if (!expr) {
      const top = it.notes.find((n) => n.at?.file === file.path) ?? it.notes[0];
      const cause = firstFailure ?? (top ? `${top.reason}${top.at ? ` (${shortFile(top.at.file)}:${lineOf(it, top.at)})` : ''}` : null);
      throw new AnalysisError(`no model found: define an nn.Module subclass constructible without arguments, a factory function, or add \`# ghostlens: model=EXPR\`${cause ? `; ${cause}` : ''}`);
    }
  }
  if (!(root instanceof PyInstance) || !root.module) {
    const why = root instanceof Unknown ? `: ${root.reason}` : ` (got ${it.typeName(root)})`;
    throw new AnalysisError(`'${expr}' did not produce an nn.Module${why}`);
  }

  // Forward on shape-only inputs.
  const inputs = input.map((s) => mkTensor(s));
  const tracer = opts.trace ? startTrace(it, root, inputs) : null;
  let out: Value;
  try {
    out = callModule(it, root, inputs, new Map(), null);
    if (out === null) it.note(`${root.cls.name}.forward returned None`, null);
  } catch (e) {
    if (e instanceof BudgetExceeded) { const m = budgetError(it, e).message; it.note(m, null); out = new Unknown(m); }
    else if (e instanceof RangeError) { const m = `forward: ${rangeErrorReason(e)}`; it.note(m, null); out = new Unknown(m); }
    else throw e;
  } finally {
    it.tracer = null;
  }
  const named = namedModules(root);
  const graph = buildGraph(it, file, root, named, expr!, input, out);
  const trace = tracer ? tracer.finish(out) : null;
  return { graph, it, file, scope: ns.scope, instances: new Map(named), trace };
}

function startTrace(it: Interpreter, root: PyInstance, inputs: Tensor[]): Tracer {
  const mods = namedModules(root);
  const pathOf = new Map(mods.map(([p, m]) => [m, p]));
  const named = new Map<Tensor, { name: string; kind: 'param' | 'buffer' }>();
  for (const [p, m] of mods) {
    for (const [k, t] of m.module!.params) if (t && !named.has(t)) named.set(t, { name: p ? `${p}.${k}` : k, kind: 'param' });
    for (const [k, t] of m.module!.buffers) if (t && !named.has(t)) named.set(t, { name: p ? `${p}.${k}` : k, kind: 'buffer' });
  }
  const tracer = new Tracer(pathOf, named, () => {
    const m = it.moduleStack[it.moduleStack.length - 1];
    return m ? pathOf.get(m) ?? '?' : '';
  });
  tracer.addInputs(inputs);
  it.tracer = tracer;
  return tracer;
}

/** Evaluates the entry expression in the file's namespace. */
function buildModel(it: Interpreter, scope: Scope, expr: string, quiet = false): Value {
  const ef = new SourceFile('<model>', expr);
  const stmt = ef.top.firstChild;
  const e = stmt?.firstChild;
  if (!e || ef.syntaxProblems().length || stmt?.name !== 'ExpressionStatement') throw new AnalysisError(`invalid model expression '${expr}'`);
  // One expression only: `resnet50()\nimport os` must not run (or silently drop) the rest.
  if (stmt.nextSibling || e.nextSibling) throw new AnalysisError(`the model expression must be one Python expression (got more: '${expr.replace(/\s+/g, ' ').slice(0, 80)}')`);
  const prev = it.setFile(ef);
  try {
    const v = it.eval(e as SyntaxNode, scope);
    if (v instanceof Unknown && !quiet) throw new AnalysisError(`'${expr}' could not be evaluated: ${v.reason}`);
    return v;
  } catch (err) {
    if (err instanceof PyException) {
      const where = err.at && err.at.file !== '<model>' ? ` (${shortFile(err.at.file)}:${lineOf(it, err.at)})` : '';
      throw new AnalysisError(`building '${expr}' failed: ${err.cls.name}: ${err.msg}${where}`, err.at ? lineOf(it, err.at) : null);
    }
    if (err instanceof BudgetExceeded) throw budgetError(it, err, `building '${expr}': `);
    if (err instanceof RangeError) throw new AnalysisError(`building '${expr}': ${rangeErrorReason(err)}`);
    throw err;
  } finally {
    it.setFile(prev);
  }
}

/** A budget that ran out, with the statement it ran out at (file:line). */
function budgetError(it: Interpreter, e: BudgetExceeded, prefix = ''): AnalysisError {
  const at = it.lastStatement();
  return new AnalysisError(`${prefix}${e.message}${at ? ` (${shortFile(at.file)}:${at.line})` : ''}`, at?.line ?? null);
}

const shortFile = (p: string) => p.replace(/^.*\//, '');
function lineOf(it: Interpreter, s: Span): number {
  const f = it.resolver.sourceOf(s.file);
  return f ? f.line(s.from) : 0;
}

/**
 * Candidate entry points in file order: factories registered by a decorator (`@register_model`),
 * other zero-argument factories, then classes constructible with defaults.
 */
export function entryPoints(file: SourceFile, scope: Scope, it: Interpreter): EntryPoint[] {
  const registered: EntryPoint[] = [];
  const funcs: EntryPoint[] = [];
  const classes: EntryPoint[] = [];
  for (const [name, v] of scope.vars) {
    if (name.startsWith('_')) continue;
    if (v instanceof PyFunction && v.file === file && v.params.every((p) => p.default !== undefined || p.kind === 'vararg' || p.kind === 'kwarg')) {
      (v.registeredBy ? registered : funcs).push({ expr: `${name}()`, kind: v.registeredBy ? 'registered' : 'factory', line: file.line(v.body.from) });
    } else if (v instanceof PyClass && v.file === file && v.isSubclassOf(it.classes.Module)) {
      const init = v.lookup('__init__');
      const ok = !(init instanceof PyFunction) || init.params.slice(1).every((p) => p.default !== undefined || p.kind === 'vararg' || p.kind === 'kwarg');
      if (ok) classes.push({ expr: `${name}()`, kind: 'class', line: 0 });
    }
  }
  return [...registered, ...funcs, ...classes];
}

function shapeOf(v: Value): number[] | null { return v instanceof Tensor ? v.shape.slice() : null; }

/**
 * Shapes of every tensor an output holds, in order (tuples, lists and dicts, nested; `None` items
 * skipped, as torch's own tree flattening of outputs does); null when anything in it is not known.
 */
function outputShapes(v: Value): number[][] | null {
  const out: number[][] = [];
  const walk = (x: Value): boolean => {
    if (x instanceof Tensor) { out.push(x.shape.slice()); return true; }
    if (x === null) return true;
    if (x instanceof PyTuple || x instanceof PyList) return x.items.every(walk);
    if (x instanceof PyDict) return x.values().every(walk);
    return false;
  };
  return walk(v) && out.length ? out : null;
}

function buildGraph(it: Interpreter, file: SourceFile, root: PyInstance, named: [string, PyInstance][], expr: string, input: number[][], out: Value): ModelGraph {
  const pathOf = new Map(named.map(([p, m]) => [m, p]));
  const leafTypes = it.torch.leafClasses;
  const leafList = [...leafTypes];
  const seenParams = new Set<Tensor>();
  const modules: ModuleNode[] = named.map(([path, m]) => {
    const ms = m.module!;
    let own = 0;
    for (const t of ms.params.values()) if (t && !seenParams.has(t)) { seenParams.add(t); own += t.numel; }
    // One entry per child module (a module registered twice, or reused 500 times in a Sequential,
    // is one child), never the module itself or an ancestor (`self.me = self`).
    const children = [...new Set([...ms.modules.values()].filter((c): c is PyInstance => c !== null && c !== m).map((c) => pathOf.get(c)!))]
      .filter((p) => p !== undefined && !(p === '' || path === p || path.startsWith(p + '.')));
    const site = siteOf(it, file, ms.attachedAt, ms.createdAt);
    const node: ModuleNode = {
      path, type: m.cls.name, leaf: children.length === 0,
      container: m.cls.isSubclassOf(it.torch.containers.Sequential) || m.cls.isSubclassOf(it.torch.containers.ModuleList) || m.cls.isSubclassOf(it.torch.containers.ModuleDict),
      ownParams: own, params: 0, ownMacs: ms.macs, macs: null, calls: ms.calls,
      inputShapes: ms.lastInputs.map(shapeOf), outputShape: shapeOf(ms.lastOutput) ?? outputShapes(ms.lastOutput)?.[0] ?? null, children,
      line: site.line, from: site.from, to: site.to,
    };
    if (ms.unknownReason) node.unknown = ms.unknownReason;
    if (!(ms.lastOutput instanceof Tensor)) { const all = outputShapes(ms.lastOutput); if (all && all.length > 1) node.outputShapes = all; }
    if (leafTypes.has(m.cls) || leafList.some((c) => m.cls.isSubclassOf(c))) node.config = leafConfig(m);
    return node;
  });
  // Subtree totals (children come after parents in pre-order: fold in reverse). Parameters are
  // counted once per subtree however often they are reachable (torch's parameters() deduplicates).
  const byPath = new Map(modules.map((n) => [n.path, n]));
  const tensorsOf = new Map<string, Set<Tensor>>();
  for (let i = modules.length - 1; i >= 0; i--) {
    const n = modules[i];
    const own = named[i][1].module!.params;
    const set = new Set<Tensor>();
    for (const t of own.values()) if (t) set.add(t);
    for (const c of n.children) for (const t of tensorsOf.get(c) ?? []) set.add(t);
    tensorsOf.set(n.path, set);
    let total = 0;
    for (const t of set) total += t.numel;
    n.params = total;
    let macs: number | null = n.ownMacs;
    for (const c of n.children) { const cm = byPath.get(c)!.macs; macs = macs === null || cm === null ? null : macs + cm; }
    n.macs = macs;
    // Counts are JS numbers: past 2^53 they would be rounded, so they are unknown, not a near figure.
    if (!Number.isSafeInteger(n.params)) n.unknown ??= `its parameter count (≈${n.params.toExponential(2)}) is beyond 2^53 and cannot be counted exactly`;
    if (n.macs !== null && !Number.isSafeInteger(n.macs)) { n.unknown ??= `its MACs (≈${n.macs.toExponential(2)}) are beyond 2^53 and cannot be counted exactly`; n.macs = null; }
    if (n.ownMacs !== null && !Number.isSafeInteger(n.ownMacs)) n.ownMacs = null;
  }
  const unknowns: UnknownNote[] = [];
  const syntax = file.syntaxProblems();
  for (const p of syntax) unknowns.push({ line: file.line(p.from), from: p.from, to: p.to, reason: p.message });
  for (const n of it.notes) {
    const f = n.at ? it.resolver.sourceOf(n.at.file) : null;
    const inMain = n.at?.file === file.path;
    // Notes from other files are reported at the analysed file's innermost call site when possible.
    unknowns.push({
      line: f && n.at ? f.line(n.at.from) : 0, from: n.at?.from ?? 0, to: n.at?.to ?? 0, reason: n.reason,
      ...(inMain || !n.at ? {} : { file: n.at.file }),
    });
  }
  const outputs = outputShapes(out);
  const rootNode = modules[0];
  if (!Number.isSafeInteger(rootNode.params)) {
    throw new AnalysisError(`'${expr}' has about ${rootNode.params.toExponential(2)} parameters, beyond 2^53: too many to count exactly`);
  }
  // A module whose figures are unknown for a reason no note carries (a count beyond 2^53) says why.
  for (const n of modules) {
    if (n.unknown && !unknowns.some((u) => u.reason.includes(n.unknown!))) unknowns.push({ line: n.line, from: n.from, to: n.to, reason: `${n.path || expr}: ${n.unknown}` });
  }
  const anyUnknownMacs = modules.some((m) => m.ownMacs === null);
  // Completeness follows data flow: unknown values reach a module (its attributes, arguments,
  // shapes, MACs) or the output only through the interpreter's unknowns. A note on something no
  // figure depends on (an unmodelled import, a module-level helper) leaves the figures complete;
  // it is kept as `unresolved`. A syntax error or an effect the interpreter could not follow does not.
  const complete = syntax.length === 0 && !it.lostEffects && outputs !== null && !anyUnknownMacs && !modules.some((m) => m.unknown);
  return {
    file: file.path, model: expr, input, outputs,
    params: rootNode.params,
    macs: anyUnknownMacs ? null : rootNode.macs,
    complete,
    modules,
    stages: findStages(modules),
    unknowns: complete ? [] : unknowns,
    ...(complete && unknowns.length ? { unresolved: unknowns } : {}),
    classes: classSpans(file),
  };
}

/** Source line: the `self.x = ...` that attached it, else the innermost call in the analysed file. */
function siteOf(it: Interpreter, file: SourceFile, attached: Span | null, created: Span[]): { line: number; from: number; to: number } {
  const pick = (s: Span) => ({ line: file.line(s.from), from: s.from, to: s.to });
  if (attached && attached.file === file.path) return pick(attached);
  for (let i = created.length - 1; i >= 0; i--) if (created[i].file === file.path) return pick(created[i]);
  void it;
  return { line: 0, from: 0, to: 0 };
}

function leafConfig(m: PyInstance): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of m.attrs) {
    if (k === 'training' || v instanceof Tensor || v instanceof PyInstance) continue;
    if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string' || v === null) out[k] = v;
    else if (v instanceof PyTuple) out[k] = v.items.map((x) => (typeof x === 'number' ? x : null));
    else if (typeof v === 'object' && 'v' in (v as object)) out[k] = (v as { v: number }).v;
  }
  return out;
}
