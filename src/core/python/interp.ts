// The symbolic Python interpreter: runs module top levels, __init__ and forward over the
// lezer syntax tree. Everything it cannot resolve becomes an Unknown with a reason and a span.
// This file holds its state (budget, notes, taints, call and module stacks) and one method per
// operation; the work is done in one file per job: exec.ts (statements), eval.ts (expressions),
// literals.ts (literals, displays, comprehensions), objects.ts (operators, attributes, calls, types).
import type { SyntaxNode } from '@lezer/common';
import {
  Value, Span, PyTuple, PyList, PyDict, PySet, Unknown, Param, PyFunction, NativeFunction, PyClass,
  PyInstance, PyNamespace, PyIterator, Scope, CallArgs, CallContext, Runtime,
} from './values';
import { SourceFile } from './source';
import { makeBuiltins } from './builtins';
import { makeTorch, TorchApi } from './torch';
import { ModuleResolver } from './imports';
import type { Tracer } from './trace';
import { Budget, BudgetExceeded, ITEM_BYTES } from './budget';
import * as Stmt from './exec';
import * as Expr from './eval';
import * as Lit from './literals';
import * as Obj from './objects';
import { linearize } from './objects';
// Used by builtins, stdlib and torch since before the split.
export { linearize, snapshot, rangeLen, sliceIndices } from './objects';
export { BudgetExceeded };

export class PyException extends Error {
  constructor(readonly cls: PyClass, readonly msg: string, readonly at: Span | null, readonly value: Value = null) {
    // Python code raises for control flow (getattr's default, hasattr, try/except ImportError):
    // a JS stack trace per raise was a tenth of a warm analysis, and no one reads it.
    const E = Error as { stackTraceLimit?: number };
    const limit = E.stackTraceLimit;
    E.stackTraceLimit = 0;
    super(`${cls.name}: ${msg}`);
    E.stackTraceLimit = limit;
  }
}

export type Completion = undefined | { ret: Value } | 'break' | 'continue';

export interface UnknownNote { at: Span | null; reason: string }

export interface InterpOptions {
  maxSteps?: number;
  maxDepth?: number;
  /** Memory (bytes) and wall time (ms) of the analysis; see budget.ts. */
  maxBytes?: number;
  maxMs?: number;
}

// Children of a node, without comments. Memoised per file: lezer creates node objects on each
// access, and the same function bodies run many times (every block of every stage).
// Keyed by start and type (exact below 2^43 characters), then by end: nodes that share a start and
// a type (`a + b + c` holds `a + b`) differ by their end.
let kidCache: Map<number, (number | SyntaxNode[])[]> | null = null;
export const kids = (n: SyntaxNode): SyntaxNode[] => {
  const a = n as Annotated;
  if (a.kids$ !== undefined) return a.kids$;
  const key = n.from * 1024 + n.type.id;
  const hits = kidCache?.get(key);
  let out: SyntaxNode[] | null = null;
  if (hits) for (let i = 0; i < hits.length; i += 2) if (hits[i] === n.to) { out = hits[i + 1] as SyntaxNode[]; break; }
  if (!out) {
    out = [];
    for (let c = n.firstChild; c; c = c.nextSibling) if (c.name !== 'Comment') { annotate(c); out.push(c); }
    if (hits) hits.push(n.to, out); else kidCache?.set(key, [n.to, out]);
  }
  annotate(n);
  a.kids$ = out;
  return out;
};

/**
 * What the interpreter keeps on a syntax node object. lezer makes a new object per access, but the
 * ones kids() returns are kept per file version (SourceFile.kidCache) and met again on every run,
 * so facts read off them once (children, text, parsed parameter lists) are stored on them. All
 * fields are added at once, in one order: nodes of one lezer class keep one hidden class (fields
 * added one by one as met made property reads megamorphic and the interpreter slower).
 */
export type Annotated = SyntaxNode & { kids$?: SyntaxNode[]; text$?: string; span$?: Span; shape$?: object };
function annotate(n: SyntaxNode): void {
  const a = n as Annotated;
  if (!('kids$' in a)) { a.kids$ = undefined; a.text$ = undefined; a.span$ = undefined; a.shape$ = undefined; }
}

/**
 * What a statement or expression node's children say about its form (a parameter list's
 * parameters, an assignment's targets), read once per node by `read` and kept on it. One consumer
 * per node type, each with its own class: a shape of another class is read anew.
 */
export function shapeOf<T extends object>(n: SyntaxNode, cls: new (n: SyntaxNode, it: Interpreter) => T, it: Interpreter): T {
  const a = n as Annotated;
  const s = a.shape$;
  if (s instanceof cls) return s;
  // A class, not a closure: a closure per call was most of what an assignment allocated.
  const r = new cls(n, it);
  if ('shape$' in a) a.shape$ = r;
  return r;
}

export const isExprNode = (n: SyntaxNode): boolean =>
  !(n.name === ',' || n.name === '(' || n.name === ')' || n.name === '[' || n.name === ']' || n.name === '{' ||
    n.name === '}' || n.name === ':' || n.type.isError || n.name === 'Comment');

export class Interpreter implements Runtime {
  builtins!: Map<string, Value>;
  classes!: Runtime['classes'];
  readonly torch: TorchApi;
  readonly notes: UnknownNote[] = [];
  /** Collect notes only while building/running the model, not while importing libraries. */
  recording = false;
  /** An effect was dropped that data flow cannot carry (an unassignable target): figures are not complete. */
  lostEffects = false;
  /** Steps, memory, depth and time of this analysis. */
  readonly budget: Budget;
  get steps(): number { return this.budget.steps; }
  readonly maxSteps: number;
  readonly maxDepth: number;
  depth = 0;
  /** Call sites of user code, innermost last (for module source lines), and the scopes they ran in. */
  readonly callStack: Span[] = [];
  readonly callScopes: Scope[] = [];
  /** The analysed file: modules built by its code keep a snapshot of the building scope. */
  mainFile: SourceFile | null = null;
  /** The `self.x = ...` statement being run, if any, and its file (a span is made only when a module is attached). */
  currentAssign: SyntaxNode | null = null;
  currentAssignFile: SourceFile | null = null;
  currentAssignScope: Scope | null = null;
  /** Modules whose forward is running, innermost last. */
  readonly moduleStack: PyInstance[] = [];
  /** >0 inside a `try` whose handlers catch ImportError: imports there are checked eagerly. */
  importGuard = 0;
  /** Set while a traced forward runs (ONNX export needs the dataflow). */
  tracer: Tracer | null = null;
  /** Exceptions whose except handler is running, innermost last (for a bare `raise`). */
  readonly handling: PyException[] = [];
  /** The values a generator being run eagerly has yielded (runGenerator). */
  yieldSink: Value[] | null = null;
  private exceptions = new Map<string, PyClass>();
  /** The file whose syntax nodes are being run (switched by setFile). */
  curFile: SourceFile | null = null;
  /** Switches the file whose syntax nodes are being run. */
  setFile(f: SourceFile | null): SourceFile | null {
    const prev = this.curFile;
    this.curFile = f;
    kidCache = f ? f.kidCache : null;
    return prev;
  }

  constructor(readonly resolver: ModuleResolver, opts: InterpOptions = {}) {
    this.budget = new Budget({ maxSteps: opts.maxSteps, maxDepth: opts.maxDepth, maxBytes: opts.maxBytes, maxMs: opts.maxMs });
    this.maxSteps = this.budget.limits.maxSteps;
    this.maxDepth = this.budget.limits.maxDepth;
    const b = makeBuiltins(this);
    this.builtins = b.builtins;
    this.classes = b.classes as Runtime['classes'];
    this.torch = makeTorch(this);
    this.classes.Module = this.torch.Module;
    this.classes.Tensor = this.torch.TensorClass;
    this.classes.Parameter = this.torch.Parameter;
  }

  exception(name: string): PyClass {
    let c = this.exceptions.get(name);
    if (!c) {
      const v = this.builtins.get(name);
      if (v instanceof PyClass) return v;
      c = this.makeClass(name, [this.builtins.get('Exception') as PyClass]);
      this.exceptions.set(name, c);
    }
    return c;
  }

  makeClass(name: string, bases: PyClass[], file: SourceFile | null = null): PyClass {
    const c = new PyClass(name, bases, file);
    c.mro = linearize(c, this.classes?.object);
    c.dict.set('__name__', name);
    return c;
  }

  // ---------- context for natives ----------
  /** One object per native call (a literal with a closure per method was a tenth of a warm analysis's garbage). */
  ctx(at: Span | null): CallContext { return new NativeContext(this, at); }

  unknown(reason: string, at: Span | null): Unknown {
    const u = new Unknown(reason, at);
    return u;
  }
  /** Record that something unknown reached a place that matters (a module, a shape, a branch). */
  note(u: Unknown | string, at: Span | null): void {
    if (!this.recording) return;
    const reason = typeof u === 'string' ? u : u.reason;
    const where = (typeof u === 'string' ? null : u.at) ?? at;
    if (this.notes.some((n) => n.reason === reason && n.at?.from === where?.from && n.at?.file === where?.file)) return;
    this.notes.push({ at: where, reason });
  }

  /**
   * Mutable objects handed to an unknown callable (or built from unknown arguments): what was done
   * to them is unknown, so every later read of them is unknown too (never their old contents).
   */
  private taints = new WeakMap<object, Unknown>();
  private anyTaint = false;
  taintOf(v: Value): Unknown | undefined {
    return this.anyTaint && v !== null && typeof v === 'object' ? this.taints.get(v) : undefined;
  }
  taint(v: Value | undefined, why: Unknown): void {
    if (v instanceof PyList || v instanceof PyDict || v instanceof PySet || (v instanceof PyInstance && !v.module)) {
      if (!this.taints.has(v)) { this.taints.set(v, why); this.anyTaint = true; }
    } else if (v instanceof PyInstance && v.module) {
      v.module.unknownReason ??= why.reason;
      this.note(why, why.at);
    }
  }
  /** An unknown call may have changed any mutable argument. */
  taintArgs(pos: Value[], kw: Map<string, Value>, why: Unknown): void {
    for (const v of pos) this.taint(v, why);
    for (const v of kw.values()) this.taint(v, why);
  }

  addMacs(n: number): void {
    const m = this.moduleStack[this.moduleStack.length - 1];
    if (!m || !m.module) return;
    if (m.module.macs !== null) m.module.macs += n;
  }

  span(n: SyntaxNode): Span {
    const a = n as Annotated;
    const file = this.curFile?.path ?? '';
    const kept = a.span$;
    if (kept !== undefined && kept.file === file) return kept;
    const sp = { file, from: n.from, to: n.to };
    if ('span$' in a) a.span$ = sp;
    return sp;
  }
  text(n: SyntaxNode): string {
    const a = n as Annotated;
    if (a.text$ !== undefined) return a.text$;
    const t = this.curFile!.text.slice(n.from, n.to);
    if ('text$' in a) a.text$ = t;
    return t;
  }

  tick(): void { this.budget.tick(); }

  /** The statement run last (where a budget ran out). */
  lastStmt: SyntaxNode | null = null;
  lastFile: SourceFile | null = null;
  lastStatement(): { file: string; line: number } | null {
    return this.lastStmt && this.lastFile ? { file: this.lastFile.path, line: this.lastFile.line(this.lastStmt.from) } : null;
  }

  /**
   * A `kind` value of `count` items is about to be made: null when it may, else an Unknown saying
   * why not (noted, so the result says so even where the value is never used).
   */
  refuse(kind: keyof typeof ITEM_BYTES | 'tuple' | 'tensor', count: number, at: Span | null): Unknown | null {
    // A Tensor object with its shape array: about 128 bytes.
    const bytes = kind === 'tuple' ? ITEM_BYTES.list : kind === 'tensor' ? 128 : ITEM_BYTES[kind];
    const why = this.budget.tooLarge(kind, count, bytes);
    if (why === null) return null;
    const u = new Unknown(why, at);
    this.note(u, at);
    return u;
  }

  // ---------- modules ----------
  /** Runs a file's top level in a fresh module scope. Errors stop the module where they occur. */
  runModule(file: SourceFile, ns: PyNamespace, scope: Scope): void {
    const prev = this.curFile;
    this.setFile(file);
    try {
      this.execBody(kids(file.top), scope);
    } catch (e) {
      if (e instanceof PyException) this.note(`${e.cls.name}: ${e.msg}`, e.at);
      else if (e instanceof BudgetExceeded) throw e;
      else if (e instanceof RangeError) this.note(rangeErrorReason(e), this.lastStmt && this.lastFile ? { file: this.lastFile.path, from: this.lastStmt.from, to: this.lastStmt.to } : null);
      else throw e;
    } finally {
      this.setFile(prev);
    }
    void ns;
  }

  // ---------- the four jobs, one file each (these methods are what everything else calls) ----------
  // Statements: exec.ts.
  execBody(stmts: SyntaxNode[], scope: Scope): Completion { return Stmt.execBody(this, stmts, scope); }
  bodyOf(n: SyntaxNode): SyntaxNode[] { return Stmt.bodyOf(this, n); }
  exec(n: SyntaxNode, scope: Scope): Completion { return Stmt.execute(this, n, scope); }

  execMatch(n: SyntaxNode, scope: Scope): Completion { return Stmt.execMatch(this, n, scope); }
  execAssign(n: SyntaxNode, scope: Scope): Completion { return Stmt.execAssign(this, n, scope); }
  assignTargets(tnodes: SyntaxNode[], value: Value, scope: Scope): void { return Stmt.assignTargets(this, tnodes, value, scope); }
  unpackInto(tnodes: SyntaxNode[], value: Value, scope: Scope): void { return Stmt.unpackInto(this, tnodes, value, scope); }
  assign(t: SyntaxNode, value: Value, scope: Scope): void { return Stmt.assign(this, t, value, scope); }
  execUpdate(n: SyntaxNode, scope: Scope): Completion { return Stmt.execUpdate(this, n, scope); }
  execIf(n: SyntaxNode, scope: Scope): Completion { return Stmt.execIf(this, n, scope); }
  execFor(n: SyntaxNode, scope: Scope): Completion { return Stmt.execFor(this, n, scope); }
  execWhile(n: SyntaxNode, scope: Scope): Completion { return Stmt.execWhile(this, n, scope); }
  execRaise(n: SyntaxNode, scope: Scope): Completion { return Stmt.execRaise(this, n, scope); }

  execTry(n: SyntaxNode, scope: Scope): Completion { return Stmt.execTry(this, n, scope); }
  execWith(n: SyntaxNode, scope: Scope): Completion { return Stmt.execWith(this, n, scope); }
  execWithFrom(ch: SyntaxNode[], from: number, scope: Scope): Completion { return Stmt.execWithFrom(this, ch, from, scope); }
  execAssert(n: SyntaxNode, scope: Scope): Completion { return Stmt.execAssert(this, n, scope); }
  execDelete(n: SyntaxNode, scope: Scope): void { return Stmt.execDelete(this, n, scope); }
  execImport(n: SyntaxNode, scope: Scope): void { return Stmt.execImport(this, n, scope); }
  decorate(d: Value, obj: Value, at: Span): Value { return Stmt.decorate(this, d, obj, at); }
  execDecorated(n: SyntaxNode, scope: Scope): Completion { return Stmt.execDecorated(this, n, scope); }
  defineFunction(n: SyntaxNode, scope: Scope, decorators: Value[]): Value { return Stmt.defineFunction(this, n, scope, decorators); }
  parseParams(n: SyntaxNode, scope: Scope): Param[] { return Stmt.parseParams(this, n, scope); }
  defineClass(n: SyntaxNode, scope: Scope, decorators: Value[]): Value { return Stmt.defineClass(this, n, scope, decorators); }
  havoc(stmts: SyntaxNode[], scope: Scope, why: Unknown): Completion { return Stmt.havoc(this, stmts, scope, why); }
  havocTargets(tnodes: SyntaxNode[], scope: Scope, why: Unknown): void { return Stmt.havocTargets(this, tnodes, scope, why); }
  havocTarget(t: SyntaxNode, scope: Scope, why: Unknown): void { return Stmt.havocTarget(this, t, scope, why); }
  pureRead(n: SyntaxNode, scope: Scope): Value | undefined { return Stmt.pureRead(this, n, scope); }

  // Expressions: eval.ts; literals, displays and comprehensions: literals.ts.
  evalCommaList(nodes: SyntaxNode[], scope: Scope, parent: SyntaxNode): Value { return Expr.evalCommaList(this, nodes, scope, parent); }
  evalList(nodes: SyntaxNode[], scope: Scope, parent: SyntaxNode): Value { return Expr.evalList(this, nodes, scope, parent); }
  evalItems(nodes: SyntaxNode[], scope: Scope): Value[] | Unknown { return Lit.evalItems(this, nodes, scope); }
  eval(n: SyntaxNode, scope: Scope): Value { return Expr.evaluate(this, n, scope); }
  evalFString(n: SyntaxNode, scope: Scope): Value { return Lit.evalFString(this, n, scope); }
  evalDict(n: SyntaxNode, scope: Scope): Value { return Lit.evalDict(this, n, scope); }
  evalComprehension(ch: SyntaxNode[], scope: Scope, kind: 'list' | 'dict'): Value[] | PyDict | Unknown { return Lit.evalComprehension(this, ch, scope, kind); }
  evalMember(n: SyntaxNode, scope: Scope): Value { return Expr.evalMember(this, n, scope); }
  evalSubscriptIndex(ch: SyntaxNode[], scope: Scope): Value { return Expr.evalSubscriptIndex(this, ch, scope); }
  evalArgs(argList: SyntaxNode, scope: Scope): CallArgs & { unknown?: Unknown } { return Expr.evalArgs(this, argList, scope); }
  evalCall(n: SyntaxNode, scope: Scope): Value { return Expr.evalCall(this, n, scope); }
  evalNot(operand: SyntaxNode, scope: Scope, at: Span): Value { return Expr.evalNot(this, operand, scope, at); }
  evalBinary(n: SyntaxNode, scope: Scope): Value { return Expr.evalBinary(this, n, scope); }

  // Object protocol (operators, items, attributes, calls, types): objects.ts.
  binop(op: string, a: Value, b: Value, at: Span | null): Value { return Obj.binop(this, op, a, b, at); }
  unop(op: string, v: Value, at: Span | null): Value { return Obj.unop(this, op, v, at); }
  compare(op: string, a: Value, b: Value, at: Span | null): Value { return Obj.compare(this, op, a, b, at); }
  equals(a: Value, b: Value): boolean { return Obj.equals(this, a, b); }
  order(a: Value, b: Value, at: Span | null): number | Unknown { return Obj.order(this, a, b, at); }
  contains(container: Value, item: Value, at: Span | null): boolean | Unknown { return Obj.contains(this, container, item, at); }
  truthy(v: Value, at: Span | null): boolean | Unknown { return Obj.truthy(this, v, at); }
  iterate(v: Value, at: Span | null): Value[] | Unknown { return Obj.iterate(this, v, at); }
  getitem(obj: Value, idx: Value, at: Span | null): Value { return Obj.getitem(this, obj, idx, at); }
  setitem(obj: Value, idx: Value, v: Value, at: Span | null): void { return Obj.setitem(this, obj, idx, v, at); }
  getattr(obj: Value, name: string, at: Span | null): Value { return Obj.getattr(this, obj, name, at); }
  bind(v: Value, self: Value, cls: PyClass, at: Span | null): Value { return Obj.bind(this, v, self, cls, at); }
  setattr(obj: Value, name: string, v: Value, at: Span | null): void { return Obj.setattr(this, obj, name, v, at); }
  callNative(fn: NativeFunction, pos: Value[], kw: Map<string, Value>, at: Span | null): Value { return Obj.callNative(this, fn, pos, kw, at); }
  call(fn: Value, pos: Value[], kw: Map<string, Value>, at: Span | null): Value { return Obj.call(this, fn, pos, kw, at); }
  instantiate(cls: PyClass, pos: Value[], kw: Map<string, Value>, at: Span | null): Value { return Obj.instantiate(this, cls, pos, kw, at); }
  invoke(fn: PyFunction, pos: Value[], kw: Map<string, Value>, at: Span | null): Value { return Obj.invoke(this, fn, pos, kw, at); }
  runGenerator(fn: PyFunction, scope: Scope): Value { return Obj.runGenerator(this, fn, scope); }
  bindArgs(fn: PyFunction, pos: Value[], kw: Map<string, Value>, scope: Scope, at: Span | null): void { return Obj.bindArgs(this, fn, pos, kw, scope, at); }
  argError(fn: PyFunction, msg: string, at: Span | null): never { return Obj.argError(this, fn, msg, at); }
  typeOf(v: Value): PyClass { return Obj.typeOf(this, v); }
  typeName(v: Value): string { return Obj.typeName(this, v); }
  isinstance(v: Value, cls: Value): boolean | Unknown { return Obj.isinstance(this, v, cls); }
  str(v: Value): string { return Obj.str(this, v); }
  repr(v: Value): string { return Obj.repr(this, v); }
}

export interface ClassScope extends Scope { annotations: string[] }

/** Names a scope declared `global` (Scope.globals also holds the `nonlocal` ones). */
export const globalNames = new WeakMap<Scope, Set<string>>();

export const moduleLevel = (s: Scope): Set<string> => { let g = globalNames.get(s); if (!g) globalNames.set(s, (g = new Set())); return g; };

export type FunctionScope = Scope;

/** A Body node's statements (without ':' and error nodes) and whether a `yield` makes its function a generator. */
export class BodyShape {
  readonly stmts: SyntaxNode[];
  private yields: boolean | undefined;
  constructor(private readonly body: SyntaxNode) { this.stmts = kids(body).filter((c) => c.name !== ':' && !c.type.isError); }
  get hasYield(): boolean { return (this.yields ??= scanYield(this.body)); }
}

export function containsYield(body: SyntaxNode): boolean {
  // Kept on the node: function definitions are re-run on every analysis.
  return shapeOf(body, BodyShape, null as unknown as Interpreter).hasYield;
}

function scanYield(body: SyntaxNode): boolean {
  let found = false;
  const c = body.cursor();
  const walk = (): void => {
    do {
      const name = c.name;
      if (name === 'YieldExpression' || name === 'yield') { found = true; return; }
      if (name === 'FunctionDefinition' || name === 'LambdaExpression' || name === 'ClassDefinition') continue;
      if (c.firstChild()) { walk(); c.parent(); if (found) return; }
    } while (c.nextSibling());
  };
  if (c.firstChild()) walk();
  return found;
}

/** A RangeError from V8 is a stack overflow, or a string/array past V8's size limits. */
export function rangeErrorReason(e: RangeError): string {
  return /call stack/i.test(e.message) ? 'recursion too deep' : `value too large: ${e.message}`;
}

/** Items a value holds (characters of a str), for charging the work of making or copying it. */
export function sizeOf(v: Value): number {
  if (typeof v === 'string') return v.length;
  if (v instanceof PyList || v instanceof PyTuple) return v.items.length;
  if (v instanceof PyDict) return v.size;
  if (v instanceof PySet) return v.map.size;
  if (v instanceof PyIterator) return v.items.length - v.pos;
  return 0;
}

/** The interpreter as natives see it (CallContext), for one call site. */
class NativeContext implements CallContext {
  constructor(private readonly it: Interpreter, readonly at: Span | null) {}
  get rt(): Runtime { return this.it; }
  call(fn: Value, pos: Value[], kw?: Map<string, Value>): Value { return this.it.call(fn, pos, kw ?? new Map(), this.at); }
  iterate(v: Value): Value[] | Unknown { return this.it.iterate(v, this.at); }
  truthy(v: Value): boolean | Unknown { return this.it.truthy(v, this.at); }
  getattr(o: Value, n: string): Value { return this.it.getattr(o, n, this.at); }
  setattr(o: Value, n: string, v: Value): void { this.it.setattr(o, n, v, this.at); }
  str(v: Value): string { return this.it.str(v); }
  repr(v: Value): string { return this.it.repr(v); }
  isinstance(v: Value, c: Value): boolean | Unknown { return this.it.isinstance(v, c); }
  raise(t: string, m: string): never { throw new PyException(this.it.exception(t), m, this.at); }
  addMacs(n: number): void { this.it.addMacs(n); }
  unknown(reason: string): Unknown { return this.it.unknown(reason, this.at); }
  tooLarge(kind: 'list' | 'tensor' | 'str', count: number): Unknown | null { return this.it.refuse(kind, count, this.at); }
}
