// The symbolic Python interpreter: runs module top levels, __init__ and forward over the
// lezer syntax tree. Everything it cannot resolve becomes an Unknown with a reason and a span.
import type { SyntaxNode } from '@lezer/common';
import {
  Value, Span, PyFloat, PyTuple, PyList, PyDict, PySet, PySlice, PyRange, PyEllipsis, Unknown,
  Param, PyFunction, NativeFunction, BoundMethod, PyPartial, Descriptor, PyClass, PyInstance, PyNamespace,
  PyIterator, SuperProxy, Tensor, Scope, LazyImport, CallArgs, CallContext, Runtime, ModuleState,
  isNum, num, isInt,
  metaOf,
} from './values';
import { SourceFile } from './source';
import { makeBuiltins, partialListings, defaultFactories, missingValues, valueClasses } from './builtins';
import { Matcher, Bindings } from './match';
import { formatValue, reprValue } from './format';
import { makeTorch, TorchApi } from './torch';
import { ModuleResolver } from './imports';
import { writeIndex } from './torch/tensor';
import type { Tracer } from './trace';
import { Budget, BudgetExceeded, ITEM_BYTES } from './budget';
export { BudgetExceeded };

export class PyException extends Error {
  constructor(readonly cls: PyClass, readonly msg: string, readonly at: Span | null, readonly value: Value = null) {
    super(`${cls.name}: ${msg}`);
  }
}

type Completion = undefined | { ret: Value } | 'break' | 'continue';

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
  const key = n.from * 1024 + n.type.id;
  const hits = kidCache?.get(key);
  if (hits) for (let i = 0; i < hits.length; i += 2) if (hits[i] === n.to) return hits[i + 1] as SyntaxNode[];
  const out: SyntaxNode[] = [];
  for (let c = n.firstChild; c; c = c.nextSibling) if (c.name !== 'Comment') out.push(c);
  if (hits) hits.push(n.to, out); else kidCache?.set(key, [n.to, out]);
  return out;
};

const isExprNode = (n: SyntaxNode): boolean =>
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
  /** The `self.x = ...` statement being run, if any. */
  currentAssign: Span | null = null;
  currentAssignScope: Scope | null = null;
  /** Modules whose forward is running, innermost last. */
  readonly moduleStack: PyInstance[] = [];
  /** >0 inside a `try` whose handlers catch ImportError: imports there are checked eagerly. */
  private importGuard = 0;
  /** Set while a traced forward runs (ONNX export needs the dataflow). */
  tracer: Tracer | null = null;
  private exceptions = new Map<string, PyClass>();
  private curFile: SourceFile | null = null;
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
  ctx(at: Span | null): CallContext {
    const self = this;
    return {
      at,
      rt: this,
      call: (fn, pos, kw) => self.call(fn, pos, kw ?? new Map(), at),
      iterate: (v) => self.iterate(v, at),
      truthy: (v) => self.truthy(v, at),
      getattr: (o, n) => self.getattr(o, n, at),
      setattr: (o, n, v) => self.setattr(o, n, v, at),
      str: (v) => self.str(v),
      repr: (v) => self.repr(v),
      isinstance: (v, c) => self.isinstance(v, c),
      raise: (t, m) => { throw new PyException(self.exception(t), m, at); },
      addMacs: (n) => self.addMacs(n),
      unknown: (reason) => self.unknown(reason, at),
      tooLarge: (kind, count) => self.refuse(kind, count, at),
    };
  }

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
  private taintArgs(pos: Value[], kw: Map<string, Value>, why: Unknown): void {
    for (const v of pos) this.taint(v, why);
    for (const v of kw.values()) this.taint(v, why);
  }

  addMacs(n: number): void {
    const m = this.moduleStack[this.moduleStack.length - 1];
    if (!m || !m.module) return;
    if (m.module.macs !== null) m.module.macs += n;
  }

  span(n: SyntaxNode): Span { return { file: this.curFile?.path ?? '', from: n.from, to: n.to }; }

  tick(): void { this.budget.tick(); }

  /** The statement run last (where a budget ran out). */
  private lastStmt: SyntaxNode | null = null;
  private lastFile: SourceFile | null = null;
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

  // ---------- statements ----------
  execBody(stmts: SyntaxNode[], scope: Scope): Completion {
    for (const s of stmts) {
      const c = this.exec(s, scope);
      if (c !== undefined) return c;
    }
    return undefined;
  }

  private bodyOf(n: SyntaxNode): SyntaxNode[] {
    // A Body node holds ':' and the statements.
    return kids(n).filter((c) => c.name !== ':' && !c.type.isError);
  }

  exec(n: SyntaxNode, scope: Scope): Completion {
    this.lastStmt = n;
    this.lastFile = this.curFile;
    this.tick();
    switch (n.name) {
      case 'ExpressionStatement': {
        const e = kids(n)[0];
        if (e) this.eval(e, scope);
        return undefined;
      }
      case 'AssignStatement': return this.execAssign(n, scope);
      case 'UpdateStatement': return this.execUpdate(n, scope);
      case 'IfStatement': return this.execIf(n, scope);
      case 'ForStatement': return this.execFor(n, scope);
      case 'WhileStatement': return this.execWhile(n, scope);
      case 'FunctionDefinition': this.defineFunction(n, scope, []); return undefined;
      case 'ClassDefinition': this.defineClass(n, scope, []); return undefined;
      case 'DecoratedStatement': return this.execDecorated(n, scope);
      case 'ReturnStatement': {
        const e = kids(n).slice(1);
        return { ret: e.some(isExprNode) ? this.evalList(e, scope, n) : null };
      }
      case 'PassStatement': return undefined;
      case 'YieldStatement': this.eval(n, scope); return undefined;
      case 'BreakStatement': return 'break';
      case 'ContinueStatement': return 'continue';
      case 'RaiseStatement': return this.execRaise(n, scope);
      case 'TryStatement': return this.execTry(n, scope);
      case 'WithStatement': return this.execWith(n, scope);
      case 'MatchStatement': return this.execMatch(n, scope);
      case 'ImportStatement': this.execImport(n, scope); return undefined;
      case 'AssertStatement': return this.execAssert(n, scope);
      case 'DeleteStatement': this.execDelete(n, scope); return undefined;
      case 'ScopeStatement': {
        const names = kids(n).filter((c) => c.name === 'VariableName').map((c) => this.text(c));
        scope.globals ??= new Set();
        const isGlobal = kids(n)[0]?.name === 'global';
        for (const nm of names) { scope.globals.add(nm); if (isGlobal) moduleLevel(scope).add(nm); }
        return undefined;
      }
      case 'Body': return this.execBody(this.bodyOf(n), scope);
      case 'StatementGroup': return this.execBody(kids(n).filter((c) => c.name !== ';' && !c.type.isError), scope);
      default:
        if (n.type.isError) return undefined;
        // Unsupported statement kinds: not run, and what they would bind or change is unknown.
        if (n.name.endsWith('Statement')) {
          this.note(`unsupported statement '${n.name}'`, this.span(n));
          return this.havoc([n], scope, new Unknown(`depends on an unsupported statement (${n.name})`, this.span(n)));
        }
        return undefined;
    }
  }

  text(n: SyntaxNode): string { return this.curFile!.text.slice(n.from, n.to); }

  /** `match`: the first case whose pattern matches and guard holds runs (see match.ts). */
  private execMatch(n: SyntaxNode, scope: Scope): Completion {
    const ch = kids(n);
    const bodyAt = ch.findIndex((c) => c.name === 'MatchBody');
    // `match a, b:` is beyond lezer: the subject is then read on its own (SourceFile.subExpression).
    const head = ch.slice(1, bodyAt);
    const sub = bodyAt > 1 && this.curFile!.hasErrorIn(head[0].from, ch[bodyAt].from) ? this.curFile!.subExpression(head[0].from, ch[bodyAt].from) : null;
    const subject = sub ? this.eval(sub, scope) : head.length === 1 ? this.eval(head[0], scope) : new Unknown('a match subject that cannot be read', this.span(n));
    const clauses = bodyAt >= 0 ? kids(ch[bodyAt]).filter((c) => c.name === 'MatchClause') : [];
    const matcher = new Matcher(this, scope);
    for (let i = 0; i < clauses.length; i++) {
      const cc = kids(clauses[i]);
      const pats = cc.filter((c) => c.name !== 'case' && c.name !== ',' && c.name !== 'Guard' && c.name !== 'Body' && !c.type.isError);
      const guard = cc.find((c) => c.name === 'Guard');
      const body = cc.find((c) => c.name === 'Body');
      const binds: Bindings = [];
      const r = pats.length === 1 && !cc.some((c) => c.name === ',') ? matcher.match(pats[0], subject, binds) : matcher.sequence(pats, subject, binds);
      const undecided = (u: Unknown) => this.havoc(clauses.slice(i), scope, new Unknown(`depends on a match statement that cannot be decided: ${u.reason}`, u.at ?? this.span(n)));
      if (r instanceof Unknown) return undecided(r);
      if (!r) continue;
      for (const [nm, v] of binds) this.assign(nm, v, scope);
      if (guard) {
        const t = this.truthy(this.eval(kids(guard)[1], scope), this.span(guard));
        if (t instanceof Unknown) return undecided(t);
        if (!t) continue;
      }
      return body ? this.execBody(this.bodyOf(body), scope) : undefined;
    }
    return undefined;
  }

  private execAssign(n: SyntaxNode, scope: Scope): Completion {
    const ch = kids(n);
    // Split on AssignOp: targets... = value. TypeDef marks an annotation.
    const groups: SyntaxNode[][] = [[]];
    let annotated = false;
    for (const c of ch) {
      if (c.name === 'AssignOp') groups.push([]);
      else if (c.name === 'TypeDef') annotated = true;
      else if (c.name !== ',' || true) groups[groups.length - 1].push(c);
    }
    if (groups.length === 1) {
      // Bare annotation `x: int`: record for dataclasses.
      if (annotated && scope.kind === 'class') {
        const nm = ch[0];
        if (nm?.name === 'VariableName') (scope as ClassScope).annotations?.push(this.text(nm));
      }
      return undefined;
    }
    const valueNodes = groups[groups.length - 1];
    const value = this.evalCommaList(valueNodes, scope, n);
    const at = this.span(n);
    const prevAssign = this.currentAssign;
    const prevScope = this.currentAssignScope;
    this.currentAssign = at;
    this.currentAssignScope = scope;
    try {
      for (let i = 0; i < groups.length - 1; i++) {
        const tnodes = groups[i];
        if (annotated && scope.kind === 'class' && tnodes.length === 1 && tnodes[0].name === 'VariableName') {
          (scope as ClassScope).annotations?.push(this.text(tnodes[0]));
        }
        this.assignTargets(tnodes, value, scope);
      }
    } finally {
      this.currentAssign = prevAssign;
      this.currentAssignScope = prevScope;
    }
    return undefined;
  }

  /** Targets separated by commas form a tuple target. */
  private assignTargets(tnodes: SyntaxNode[], value: Value, scope: Scope): void {
    const hasComma = tnodes.some((c) => c.name === ',');
    const exprs = tnodes.filter((c) => c.name !== ',');
    if (!hasComma && exprs.length === 1) return this.assign(exprs[0], value, scope);
    this.unpackInto(tnodes, value, scope);
  }

  private unpackInto(tnodes: SyntaxNode[], value: Value, scope: Scope): void {
    // Items may include '*' followed by a name (starred target).
    const targets: { node: SyntaxNode; star: boolean }[] = [];
    for (let i = 0; i < tnodes.length; i++) {
      const c = tnodes[i];
      if (c.name === ',' || c.name === '(' || c.name === ')' || c.name === '[' || c.name === ']') continue;
      if (c.name === '*') { targets.push({ node: tnodes[++i], star: true }); continue; }
      targets.push({ node: c, star: false });
    }
    const items = this.iterate(value, this.span(tnodes[0]));
    if (items instanceof Unknown) {
      for (const t of targets) if (t.node) this.assign(t.node, items, scope);
      return;
    }
    const starAt = targets.findIndex((t) => t.star);
    if (starAt < 0) {
      if (items.length !== targets.length) {
        throw new PyException(this.exception('ValueError'),
          `cannot unpack ${items.length} values into ${targets.length} targets`, this.span(tnodes[0]));
      }
      targets.forEach((t, i) => this.assign(t.node, items[i], scope));
      return;
    }
    const after = targets.length - starAt - 1;
    targets.slice(0, starAt).forEach((t, i) => this.assign(t.node, items[i], scope));
    this.assign(targets[starAt].node, new PyList(items.slice(starAt, items.length - after)), scope);
    targets.slice(starAt + 1).forEach((t, i) => this.assign(t.node, items[items.length - after + i], scope));
  }

  assign(t: SyntaxNode, value: Value, scope: Scope): void {
    switch (t.name) {
      case 'VariableName': {
        const name = this.text(t);
        if (scope.globals?.has(name)) {
          if (moduleLevel(scope).has(name)) { scope.moduleScope().vars.set(name, value); return; }
          // nonlocal: set in the nearest enclosing scope that has it, else module.
          let s = scope.parent;
          while (s && !s.vars.has(name) && s.parent) s = s.parent;
          (s ?? scope.moduleScope()).vars.set(name, value);
        } else scope.vars.set(name, value);
        return;
      }
      case 'TupleExpression': case 'ArrayExpression': case 'ParenthesizedExpression': {
        const inner = kids(t);
        if (t.name === 'ParenthesizedExpression' && !inner.some((c) => c.name === ',')) {
          const e = inner.filter(isExprNode)[0];
          if (e) this.assign(e, value, scope);
          return;
        }
        return this.unpackInto(inner, value, scope);
      }
      case 'MemberExpression': {
        const ch = kids(t);
        const obj = this.eval(ch[0], scope);
        if (ch[1]?.name === '.') {
          this.setattr(obj, this.text(ch[2]), value, this.span(t));
        } else {
          const idx = this.evalSubscriptIndex(ch.slice(1), scope);
          this.setitem(obj, idx, value, this.span(t));
        }
        return;
      }
      default:
        this.note(`cannot assign to '${this.text(t).slice(0, 30)}'`, this.span(t));
        if (this.recording) this.lostEffects = true;
    }
  }

  private execUpdate(n: SyntaxNode, scope: Scope): Completion {
    const ch = kids(n);
    const target = ch[0];
    const opNode = ch.find((c) => c.name === 'UpdateOp');
    const valueNodes = ch.slice(ch.indexOf(opNode!) + 1);
    if (!opNode || valueNodes.length === 0) return undefined;
    const op = this.text(opNode).slice(0, -1);
    const cur = this.eval(target, scope);
    const rhs = this.evalCommaList(valueNodes, scope, n);
    let res: Value;
    // In-place list extension keeps identity (`layers += [...]`).
    if (op === '+' && cur instanceof PyList) {
      const items = this.iterate(rhs, this.span(n));
      const big = items instanceof Unknown ? null : this.refuse('list', cur.items.length + items.length, this.span(n));
      if (items instanceof Unknown) res = items;
      else if (big) res = big;
      else { for (const x of items) cur.items.push(x); res = cur; }
    } else res = this.binop(op, cur, rhs, this.span(n));
    this.assign(target, res, scope);
    return undefined;
  }

  private execIf(n: SyntaxNode, scope: Scope): Completion {
    const ch = kids(n);
    let i = 0;
    while (i < ch.length) {
      const kw = ch[i].name;
      if (kw === 'if' || kw === 'elif') {
        const cond = ch[i + 1];
        const body = ch[i + 2];
        if (!cond || !body || body.name !== 'Body') return undefined;
        const v = this.truthy(this.eval(cond, scope), this.span(cond));
        if (v instanceof Unknown) {
          this.note(`cannot decide condition '${this.text(cond).slice(0, 60)}': ${v.reason}`, this.span(cond));
          // Any of the remaining branches may run: what they bind or change is unknown.
          const why = new Unknown(`depends on the undecided condition '${this.text(cond).slice(0, 60)}'`, this.span(cond));
          return this.havoc(ch.slice(i + 2).filter((c) => c.name === 'Body'), scope, why);
        }
        if (v) return this.execBody(this.bodyOf(body), scope);
        i += 3;
      } else if (kw === 'else') {
        const body = ch[i + 1];
        return body ? this.execBody(this.bodyOf(body), scope) : undefined;
      } else i++;
    }
    return undefined;
  }

  private execFor(n: SyntaxNode, scope: Scope): Completion {
    const ch = kids(n);
    const inAt = ch.findIndex((c) => c.name === 'in');
    const bodyAt = ch.findIndex((c) => c.name === 'Body');
    if (inAt < 0 || bodyAt < 0) return undefined;
    const targets = ch.slice(1, inAt);
    const iterable = this.evalCommaList(ch.slice(inAt + 1, bodyAt), scope, n);
    const items = this.iterate(iterable, this.span(n));
    if (items instanceof Unknown) {
      this.note(`cannot iterate '${this.text(ch[inAt + 1]).slice(0, 60)}': ${items.reason}`, this.span(n));
      return this.havoc([n], scope, new Unknown(`depends on a loop over an unknown iterable: ${items.reason}`, this.span(n)));
    }
    const body = this.bodyOf(ch[bodyAt]);
    let broke = false;
    for (const it of items) {
      this.tick();
      this.assignTargets(targets, it, scope);
      const c = this.execBody(body, scope);
      if (c === 'break') { broke = true; break; }
      if (c === 'continue') continue;
      if (c !== undefined) return c;
    }
    const elseAt = ch.findIndex((c) => c.name === 'else');
    if (!broke && elseAt >= 0 && ch[elseAt + 1]) return this.execBody(this.bodyOf(ch[elseAt + 1]), scope);
    return undefined;
  }

  private execWhile(n: SyntaxNode, scope: Scope): Completion {
    const ch = kids(n);
    const cond = ch[1];
    const bodyNode = ch.find((c) => c.name === 'Body');
    if (!cond || !bodyNode) return undefined;
    const body = this.bodyOf(bodyNode);
    let guard = 0;
    for (;;) {
      const v = this.truthy(this.eval(cond, scope), this.span(cond));
      if (v instanceof Unknown) {
        this.note(`cannot decide loop condition: ${v.reason}`, this.span(cond));
        return this.havoc([n], scope, new Unknown(`depends on the undecided loop condition: ${v.reason}`, this.span(cond)));
      }
      if (!v) break;
      if (++guard > 100_000) {
        this.note('loop ran more than 100000 times; stopped', this.span(n));
        return this.havoc([n], scope, new Unknown('depends on a loop stopped after 100000 iterations', this.span(n)));
      }
      const c = this.execBody(body, scope);
      if (c === 'break') return undefined;
      if (c === 'continue') continue;
      if (c !== undefined) return c;
    }
    const elseAt = ch.findIndex((c) => c.name === 'else');
    if (elseAt >= 0 && ch[elseAt + 1]) return this.execBody(this.bodyOf(ch[elseAt + 1]), scope);
    return undefined;
  }

  private execRaise(n: SyntaxNode, scope: Scope): Completion {
    const e = kids(n).filter(isExprNode).slice(1);
    const at = this.span(n);
    if (e.length === 0) {
      const active = this.handling[this.handling.length - 1];
      throw active ?? new PyException(this.exception('RuntimeError'), 'No active exception to reraise', at);
    }
    let v = this.eval(e[0], scope);
    if (v instanceof PyClass) v = this.instantiate(v, [], new Map(), at);
    if (v instanceof PyInstance) {
      const args = v.attrs.get('args');
      const msg = args instanceof PyTuple && args.items.length ? this.str(args.items[0]) : '';
      throw new PyException(v.cls, msg, at, v);
    }
    throw new PyException(this.exception('Exception'), this.str(v), at);
  }

  /** Exceptions whose except handler is running, innermost last (for a bare `raise`). */
  private readonly handling: PyException[] = [];

  private execTry(n: SyntaxNode, scope: Scope): Completion {
    const ch = kids(n);
    const body = ch[1];
    let result: Completion;
    const finallyAt = ch.findIndex((c) => c.name === 'finally');
    const runFinally = (): Completion => finallyAt >= 0 && ch[finallyAt + 1] ? this.execBody(this.bodyOf(ch[finallyAt + 1]), scope) : undefined;
    // `try: import x / except ImportError:` falls back when x is nowhere to be found.
    const guards = ch.some((c, i) => c.name === 'except' && (ch[i + 1]?.name === 'Body' || /\b(ImportError|ModuleNotFoundError|Exception|BaseException)\b/.test(this.text(ch[i + 1]))));
    try {
      if (guards) this.importGuard++;
      try {
        result = body ? this.execBody(this.bodyOf(body), scope) : undefined;
      } finally {
        if (guards) this.importGuard--;
      }
    } catch (e) {
      if (!(e instanceof PyException)) throw e;
      // Find a matching except clause.
      for (let i = 0; i < ch.length; i++) {
        if (ch[i].name !== 'except') continue;
        let j = i + 1;
        let typeNode: SyntaxNode | null = null;
        let asName: SyntaxNode | null = null;
        if (ch[j] && ch[j].name !== 'Body') { typeNode = ch[j]; j++; }
        if (ch[j]?.name === 'as') { asName = ch[j + 1]; j += 2; }
        const handler = ch[j];
        if (!handler || handler.name !== 'Body') continue;
        let matches = true;
        if (typeNode) {
          const t = this.eval(typeNode, scope);
          const types = t instanceof PyTuple ? t.items : [t];
          matches = types.some((tc) => tc instanceof PyClass && e.cls.isSubclassOf(tc));
        }
        if (!matches) continue;
        if (asName) {
          const inst = e.value instanceof PyInstance ? e.value : new PyInstance(e.cls);
          if (!inst.attrs.has('args')) inst.attrs.set('args', new PyTuple([e.msg]));
          this.assign(asName, inst, scope);
        }
        let r: Completion;
        this.handling.push(e);
        try { r = this.execBody(this.bodyOf(handler), scope); } catch (inner) { runFinally(); throw inner; } finally { this.handling.pop(); }
        const f = runFinally();
        return f ?? r;
      }
      runFinally();
      throw e;
    }
    const elseAt = ch.findIndex((c) => c.name === 'else');
    if (result === undefined && elseAt >= 0 && ch[elseAt + 1]) {
      try { result = this.execBody(this.bodyOf(ch[elseAt + 1]), scope); } catch (inner) { runFinally(); throw inner; }
    }
    const f = runFinally();
    return f ?? result;
  }

  private execWith(n: SyntaxNode, scope: Scope): Completion { return this.execWithFrom(kids(n), 1, scope); }
  private execWithFrom(ch: SyntaxNode[], from: number, scope: Scope): Completion {
    // `with a as b, c:` — evaluate context expressions, bind names, run body. No __enter__ semantics
    // beyond returning the object itself (torch.no_grad() and friends).
    for (let i = from; i < ch.length; i++) {
      const c = ch[i];
      if (c.name === 'Body') return this.execBody(this.bodyOf(c), scope);
      if (c.name === ',' || c.name === 'as') continue;
      const mgr = this.eval(c, scope);
      const enter = mgr instanceof PyInstance ? mgr.cls.lookup('__enter__') : undefined;
      const exit = mgr instanceof PyInstance ? mgr.cls.lookup('__exit__') : undefined;
      const v = enter !== undefined ? this.call(enter, [mgr], new Map(), this.span(c)) : mgr;
      if (ch[i + 1]?.name === 'as' && ch[i + 2]) { this.assign(ch[i + 2], v, scope); i += 2; }
      if (exit !== undefined) {
        // The rest of the statement (more managers, then the body) runs inside this one.
        let r: Completion;
        try { r = this.execWithFrom(ch, i + 1, scope); } catch (e) {
          if (!(e instanceof PyException)) throw e;
          const suppress = this.truthy(this.call(exit, [mgr, e.cls, e.value ?? new PyInstance(e.cls), null], new Map(), this.span(c)), this.span(c));
          if (suppress === true) return undefined;
          throw e;
        }
        this.call(exit, [mgr, null, null, null], new Map(), this.span(c));
        return r;
      }
    }
    return undefined;
  }

  private execAssert(n: SyntaxNode, scope: Scope): Completion {
    const e = kids(n).filter(isExprNode).slice(1);
    if (!e[0]) return undefined;
    const v = this.truthy(this.eval(e[0], scope), this.span(e[0]));
    if (v === false) {
      const msg = e[1] ? this.str(this.eval(e[1], scope)) : this.text(e[0]);
      throw new PyException(this.exception('AssertionError'), msg, this.span(n));
    }
    return undefined;
  }

  private execDelete(n: SyntaxNode, scope: Scope): void {
    for (const t of kids(n).filter(isExprNode).slice(1)) {
      if (t.name === 'VariableName') scope.vars.delete(this.text(t));
      else if (t.name === 'MemberExpression') {
        const ch = kids(t);
        const obj = this.eval(ch[0], scope);
        if (ch[1]?.name === '.') {
          const name = this.text(ch[2]);
          if (obj instanceof PyInstance) {
            obj.attrs.delete(name);
            obj.module?.modules.delete(name); obj.module?.params.delete(name); obj.module?.buffers.delete(name);
          }
        } else {
          const idx = this.evalSubscriptIndex(ch.slice(1), scope);
          if (obj instanceof PyDict) obj.delete(idx);
          else if (obj instanceof PyList && typeof idx === 'number') obj.items.splice(idx < 0 ? obj.items.length + idx : idx, 1);
          else if (obj instanceof PyList && idx instanceof PySlice) {
            const r = sliceIndices(idx, obj.items.length, this, this.span(t));
            if (!(r instanceof Unknown)) {
              const drop = new Set<number>();
              for (let i = r.start; r.step > 0 ? i < r.stop : i > r.stop; i += r.step) drop.add(i);
              obj.items = obj.items.filter((_, i) => !drop.has(i));
            }
          }
          else if (obj instanceof PyInstance) {
            const d = obj.cls.lookup('__delitem__');
            if (d) this.call(d, [obj, idx], new Map(), this.span(t));
          }
        }
      }
    }
  }

  private execImport(n: SyntaxNode, scope: Scope): void {
    const ch = kids(n);
    const at = this.span(n);
    const file = this.curFile!;
    if (ch[0]?.name === 'from') {
      // from <dots><name.path> import a as b, c | *
      let i = 1, level = 0;
      const parts: string[] = [];
      while (i < ch.length && ch[i].name !== 'import') {
        if (ch[i].name === '.') { if (parts.length === 0) level++; }
        else if (ch[i].name === 'Ellipsis') level += 3;
        else if (ch[i].name === 'VariableName') parts.push(this.text(ch[i]));
        i++;
      }
      i++;
      const modName = parts.join('.');
      const names: [string, string][] = [];
      let star = false;
      for (; i < ch.length; i++) {
        const c = ch[i];
        if (c.name === '*') star = true;
        else if (c.name === 'VariableName') {
          if (ch[i + 1]?.name === 'as' && ch[i + 2]) { names.push([this.text(c), this.text(ch[i + 2])]); i += 2; }
          else names.push([this.text(c), this.text(c)]);
        }
      }
      const resolver = this.resolver;
      if (this.importGuard > 0 && !resolver.mayExist(file, level, modName)) {
        throw new PyException(this.exception('ModuleNotFoundError'), `No module named '${'.'.repeat(level)}${modName}'`, at);
      }
      if (star) {
        const ns = resolver.importModule(this, file, level, modName, at);
        if (ns instanceof PyNamespace) for (const [k, v] of ns.attrs) if (!k.startsWith('_')) scope.vars.set(k, v);
        return;
      }
      for (const [name, alias] of names) {
        scope.vars.set(alias, new LazyImport(() => resolver.importFrom(this, file, level, modName, name, at)));
      }
      return;
    }
    // import a.b.c [as d], e
    let i = 1;
    while (i < ch.length) {
      const parts: string[] = [];
      while (i < ch.length && ch[i].name !== ',' && ch[i].name !== 'as') {
        if (ch[i].name === 'VariableName') parts.push(this.text(ch[i]));
        i++;
      }
      let alias: string | null = null;
      if (ch[i]?.name === 'as') { alias = this.text(ch[i + 1]); i += 2; }
      i++;
      if (parts.length === 0) continue;
      const full = parts.join('.');
      if (this.importGuard > 0 && !this.resolver.mayExist(file, 0, full)) {
        throw new PyException(this.exception('ModuleNotFoundError'), `No module named '${full}'`, at);
      }
      if (alias) {
        scope.vars.set(alias, new LazyImport(() => this.resolver.importModule(this, file, 0, full, at)));
      } else {
        // `import a.b` binds `a`; make sure a.b is loaded as an attribute.
        const top = parts[0];
        const lazy = new LazyImport(() => {
          const root = this.resolver.importModule(this, file, 0, top, at);
          if (parts.length > 1) this.resolver.importModule(this, file, 0, full, at);
          return root;
        });
        scope.vars.set(top, lazy);
        // A project module may be imported for what running it does (a registry filled on
        // import): run it now, as Python does. Installed libraries stay lazy (cheap analysis).
        if (this.resolver.isProjectModule(file, full)) lazy.resolve();
      }
    }
  }

  /** Applies a decorator; one from user code that fails or gives Unknown leaves the object as it was. */
  private decorate(d: Value, obj: Value, at: Span): Value {
    if (!(d instanceof UserDecorator)) return this.call(d, [obj], new Map(), at);
    try {
      const r = this.call(d.fn, [obj], new Map(), at);
      return r instanceof Unknown || d.imported ? obj : r;
    } catch (e) {
      if (e instanceof PyException) return obj;
      throw e;
    }
  }

  private execDecorated(n: SyntaxNode, scope: Scope): Completion {
    const ch = kids(n);
    const decos = ch.filter((c) => c.name === 'Decorator');
    const def = ch.find((c) => c.name === 'FunctionDefinition' || c.name === 'ClassDefinition');
    if (!def) return undefined;
    // Decorators written in this file are applied (identity where they fail or give an unknown).
    // Imported ones run for what they do (timm's @register_model fills the registry create_model()
    // reads), but a wrapper they return is not used: library wrappers (torchvision's
    // handle_legacy_interface, built on inspect) only translate legacy arguments. Of the builtin
    // decorators the modelled ones apply; torch.jit.unused and the like are identity.
    const known: Value[] = [];
    for (const d of decos) {
      const expr = kids(d).filter((c) => c.name !== 'At')[0];
      if (!expr) continue;
      // A PEP 614 decorator (`@d['k']`), masked to one name for lezer (lexmask.ts): read its text alone.
      if (expr.name === 'VariableName' && !/^[\p{L}_][\p{L}\p{N}_]*$/u.test(this.text(expr))) {
        const sub = this.curFile!.subExpression(expr.from, expr.to);
        if (!sub) continue;
        let v: Value;
        try { v = this.eval(sub, scope); } catch { continue; }
        const user = (v instanceof PyFunction || v instanceof PyClass) && v.file === this.curFile;
        if (user || (v instanceof NativeFunction && DECORATORS.has(v.name))) known.push(user ? new UserDecorator(v) : v);
        continue;
      }
      let callee = expr;
      const argList = kids(d).find((c) => c.name === 'ArgList');
      if (expr.name === 'CallExpression') callee = kids(expr)[0];
      if (callee.name !== 'VariableName' && callee.name !== 'MemberExpression') continue;
      let v: Value;
      try {
        v = this.eval(callee, scope);
        // lezer lists `@a.b.c` as At, a, ., b, ., c (no MemberExpression): follow the dots.
        const rest = kids(d);
        for (let i = rest.indexOf(callee) + 1; i + 1 < rest.length && rest[i].name === '.'; i += 2) v = this.getattr(v, this.text(rest[i + 1]), this.span(d));
      } catch { continue; }
      const user = v instanceof PyFunction || v instanceof PyClass || v instanceof BoundMethod || v instanceof PyPartial;
      if (!user && (!(v instanceof NativeFunction) || !DECORATORS.has(v.name))) continue;
      if (expr.name === 'CallExpression' || argList) {
        const args = this.evalArgs(kids(expr.name === 'CallExpression' ? expr : d).find((c) => c.name === 'ArgList')!, scope);
        try { v = this.call(v, args.pos, args.kw, this.span(d)); } catch (e) { if (user && e instanceof PyException) continue; throw e; }
      }
      known.push(user ? new UserDecorator(v, (v instanceof PyFunction || v instanceof PyClass) && v.file !== this.curFile) : v);
    }
    const obj = def.name === 'FunctionDefinition' ? this.defineFunction(def, scope, known) : this.defineClass(def, scope, known);
    // Registry-style factories (timm's @register_model, torchvision's @register_model()).
    const reg = decos.map((d) => this.text(d).replace(/^@\s*/, '').replace(/\(.*$/s, '').split('.').pop()!.trim()).find((nm) => /regist/i.test(nm));
    const fn = obj instanceof PyFunction ? obj : def.name === 'FunctionDefinition' ? scope.vars.get(this.text(kids(def).find((c) => c.name === 'VariableName')!)) : null;
    if (reg && fn instanceof PyFunction) fn.registeredBy = reg;
    return undefined;
  }

  private defineFunction(n: SyntaxNode, scope: Scope, decorators: Value[]): Value {
    const ch = kids(n);
    const nameNode = ch.find((c) => c.name === 'VariableName');
    const paramsNode = ch.find((c) => c.name === 'ParamList');
    const body = ch.find((c) => c.name === 'Body');
    if (!nameNode || !body) return null;
    const params = paramsNode ? this.parseParams(paramsNode, scope) : [];
    const fn = new PyFunction(this.text(nameNode), params, body, false, scope, this.curFile!, containsYield(body));
    let v: Value = fn;
    for (let i = decorators.length - 1; i >= 0; i--) v = this.decorate(decorators[i], v, this.span(n));
    scope.vars.set(fn.name, v);
    return v;
  }

  private parseParams(n: SyntaxNode, scope: Scope): Param[] {
    const out: Param[] = [];
    const ch = kids(n);
    let mode: 'pos' | 'kwonly' = 'pos';
    for (let i = 0; i < ch.length; i++) {
      const c = ch[i];
      // `/` is an anonymous token: it shows only in the text between two children.
      if (i > 0 && mode === 'pos' && /^[\s,]*\/[\s,]*$/.test(this.curFile!.text.slice(ch[i - 1].to, c.from).replace(/#.*$/gm, ''))) {
        for (const q of out) if (q.kind === 'pos') q.posOnly = true;
      }
      if (c.name === '*') {
        const next = ch[i + 1];
        if (next?.name === 'VariableName') { out.push({ name: this.text(next), kind: 'vararg' }); i++; }
        mode = 'kwonly';
      } else if (c.name === '**') {
        const next = ch[i + 1];
        if (next?.name === 'VariableName') { out.push({ name: this.text(next), kind: 'kwarg' }); i++; }
      } else if (c.name === 'VariableName') {
        const p: Param = { name: this.text(c), kind: mode };
        let j = i + 1;
        if (ch[j]?.name === 'TypeDef') j++;
        if (ch[j]?.name === 'AssignOp' && ch[j + 1]) { p.default = this.eval(ch[j + 1], scope); j += 2; }
        i = j - 1;
        out.push(p);
      }
    }
    return out;
  }

  private defineClass(n: SyntaxNode, scope: Scope, decorators: Value[]): Value {
    const ch = kids(n);
    const nameNode = ch.find((c) => c.name === 'VariableName');
    const argList = ch.find((c) => c.name === 'ArgList');
    const body = ch.find((c) => c.name === 'Body');
    if (!nameNode) return null;
    const bases: PyClass[] = [];
    let unknownBase = false;
    const extraBases: Value[] = [];
    if (argList) {
      const args = this.evalArgs(argList, scope);
      for (const b of args.pos) {
        if (b instanceof PyClass) bases.push(b);
        else if (b instanceof PyInstance && b.native === 'namedtuple-base') extraBases.push(b);
        else unknownBase = true;
      }
    }
    const cls = new PyClass(this.text(nameNode), bases.length ? bases : [this.classes.object], this.curFile);
    cls.mro = linearize(cls, this.classes.object);
    cls.hasUnknownBase = unknownBase || bases.some((b) => b.hasUnknownBase);
    for (const b of bases) if (b.instanceCheck && !cls.instanceCheck) cls.instanceCheck = null;
    const cscope = new Scope(scope, 'class', this.curFile) as ClassScope;
    cscope.annotations = [];
    if (body) this.execBody(this.bodyOf(body), cscope);
    for (const [k, v] of cscope.vars) {
      cls.dict.set(k, v);
      if (v instanceof PyFunction) v.owner = cls;
      else if (v instanceof Descriptor && v.fn instanceof PyFunction) v.fn.owner = cls;
    }
    cls.annotations = cscope.annotations;
    cls.dict.set('__name__', cls.name);
    cls.dict.set('__qualname__', cls.name);
    if (!cls.dict.has('__module__')) {
      const mn = scope.moduleScope().vars.get('__name__');
      cls.dict.set('__module__', typeof mn === 'string' ? mn : '__main__');
    }
    metaOf(cls)?.created?.(cls, this.ctx(this.span(n)));
    let v: Value = cls;
    for (let i = decorators.length - 1; i >= 0; i--) v = this.decorate(decorators[i], v, this.span(n));
    scope.vars.set(cls.name, v);
    return v;
  }

  // ---------- code that may or may not run ----------
  /**
   * Statements whose running is undecided (unknown condition or iterable, unsupported statement):
   * none of them runs; every name they bind becomes unknown, every object they may change (attribute
   * and item targets, receivers and arguments of calls) is marked unknown, and a `return` inside makes
   * the function's result unknown. Sound for figures: whatever they could reach is unknown.
   */
  private havoc(stmts: SyntaxNode[], scope: Scope, why: Unknown): Completion {
    let mayReturn = false;
    const visit = (n: SyntaxNode): void => {
      switch (n.name) {
        case 'AssignStatement': {
          let group: SyntaxNode[] = [];
          for (const c of kids(n)) {
            if (c.name === 'AssignOp') { this.havocTargets(group, scope, why); group = []; }
            else if (c.name !== 'TypeDef') group.push(c);
          }
          if (!kids(n).some((c) => c.name === 'AssignOp')) return;
          for (const c of group) visitExpr(c);
          return;
        }
        case 'UpdateStatement': { const t = kids(n)[0]; if (t) this.havocTarget(t, scope, why); return; }
        case 'ForStatement': {
          const ch = kids(n);
          const inAt = ch.findIndex((c) => c.name === 'in');
          if (inAt > 0) this.havocTargets(ch.slice(1, inAt), scope, why);
          break;
        }
        case 'ExpressionStatement': { for (const c of kids(n)) visitExpr(c); return; }
        case 'ReturnStatement': mayReturn = true; return;
        case 'FunctionDefinition': case 'ClassDefinition': {
          const nm = kids(n).find((c) => c.name === 'VariableName');
          if (nm) this.havocTarget(nm, scope, why);
          return;
        }
        case 'ImportStatement': {
          // `import a.b` binds a; `from m import x as y` binds y.
          const ch = kids(n);
          const isFrom = ch[0]?.name === 'from';
          const start = isFrom ? ch.findIndex((c) => c.name === 'import') + 1 : 1;
          for (let i = start; i < ch.length; i++) {
            const c = ch[i];
            if (c.name !== 'VariableName') continue;
            if (ch[i + 1]?.name === 'as') continue;
            if (!isFrom && ch[i - 1]?.name === '.') continue;
            this.havocTarget(c, scope, why);
          }
          return;
        }
        case 'WithStatement': {
          const ch = kids(n);
          ch.forEach((c, i) => { if (ch[i - 1]?.name === 'as') this.havocTarget(c, scope, why); });
          break;
        }
        case 'DeleteStatement': { for (const c of kids(n).slice(1)) if (isExprNode(c)) this.havocTarget(c, scope, why); return; }
        case 'MatchClause': {
          // Names its pattern would capture (`case [x, *rest]`, `case P() as p`).
          const captures = (p: SyntaxNode): void => {
            for (const c of kids(p)) {
              if (c.name === 'Body' || c.name === 'Guard') continue;
              if (c.name === 'VariableName' && (p.name === 'CapturePattern' || (p.name === 'AsPattern' && c === kids(p)[kids(p).length - 1])) && this.text(c) !== '_') this.havocTarget(c, scope, why);
              else captures(c);
            }
          };
          captures(n);
          break;
        }
      }
      for (const c of kids(n)) if (c.name === 'Body' || c.name.endsWith('Statement') || c.name.endsWith('Clause') || c.name === 'MatchBody') visit(c);
    };
    // Calls anywhere in an expression may change their receiver and their arguments.
    const visitExpr = (e: SyntaxNode): void => {
      if (e.name === 'CallExpression') {
        const ch = kids(e);
        const callee = ch[0];
        if (callee?.name === 'MemberExpression' && kids(callee)[1]?.name === '.') this.taint(this.pureRead(kids(callee)[0], scope), why);
        const args = ch.find((c) => c.name === 'ArgList');
        if (args) for (const a of kids(args)) if (isExprNode(a)) this.taint(this.pureRead(a, scope), why);
      }
      if (e.name === 'AssignOp' || e.name === 'NamedExpression') return;
      for (const c of kids(e)) if (c.name !== 'Body') visitExpr(c);
    };
    for (const s of stmts) visit(s);
    return mayReturn ? { ret: why } : undefined;
  }

  private havocTargets(tnodes: SyntaxNode[], scope: Scope, why: Unknown): void {
    for (const t of tnodes) if (isExprNode(t) && t.name !== '*') this.havocTarget(t, scope, why);
  }

  private havocTarget(t: SyntaxNode, scope: Scope, why: Unknown): void {
    switch (t.name) {
      case 'VariableName': this.assign(t, why, scope); return;
      case 'TupleExpression': case 'ArrayExpression': case 'ParenthesizedExpression':
        for (const c of kids(t)) if (isExprNode(c) && c.name !== '*') this.havocTarget(c, scope, why);
        return;
      case 'MemberExpression': {
        const ch = kids(t);
        const obj = this.pureRead(ch[0], scope);
        if (obj === undefined) return;
        if (ch[1]?.name === '.' && ch[2] && obj instanceof PyInstance) {
          try { this.setattr(obj, this.text(ch[2]), why, this.span(t)); } catch { this.taint(obj, why); }
        } else this.taint(obj, why);
        return;
      }
    }
  }

  /** The value of a plain name or attribute chain (`x`, `self.layers`) without running any code. */
  private pureRead(n: SyntaxNode, scope: Scope): Value | undefined {
    if (n.name === 'VariableName') return scope.lookup(this.text(n));
    if (n.name === 'self') return scope.lookup('self');
    if (n.name === 'MemberExpression') {
      const ch = kids(n);
      if (ch[1]?.name !== '.' || !ch[2]) return undefined;
      const obj = this.pureRead(ch[0], scope);
      if (obj instanceof PyInstance) return obj.attrs.get(this.text(ch[2]));
      if (obj instanceof PyNamespace) { const v = obj.attrs.get(this.text(ch[2])); return v instanceof LazyImport ? undefined : v; }
    }
    return undefined;
  }

  // ---------- expressions ----------
  /** Comma-separated expressions (`a, b` or `*a, b`) make a tuple; one plain expression is itself. */
  evalCommaList(nodes: SyntaxNode[], scope: Scope, parent: SyntaxNode): Value {
    const hasComma = nodes.some((c) => c.name === ',');
    const hasStar = nodes.some((c) => c.name === '*');
    const exprs = nodes.filter(isExprNode);
    if (!hasComma && !hasStar) return exprs.length ? this.eval(exprs[0], scope) : new Unknown('empty expression', this.span(parent));
    const items = this.evalItems(nodes, scope);
    return items instanceof Unknown ? items : new PyTuple(items);
  }
  private evalList(nodes: SyntaxNode[], scope: Scope, parent: SyntaxNode): Value { return this.evalCommaList(nodes, scope, parent); }

  /** Items of a list/tuple/set display, expanding `*x`. */
  private evalItems(nodes: SyntaxNode[], scope: Scope): Value[] | Unknown {
    const out: Value[] = [];
    for (let i = 0; i < nodes.length; i++) {
      const c = nodes[i];
      if (!isExprNode(c)) continue;
      if (c.name === '*') {
        const v = this.eval(nodes[++i], scope);
        const items = this.iterate(v, this.span(c));
        if (items instanceof Unknown) return items;
        out.push(...items);
      } else out.push(this.eval(c, scope));
    }
    return out;
  }

  eval(n: SyntaxNode, scope: Scope): Value {
    this.tick();
    switch (n.name) {
      case 'Number': return parseNumber(this.text(n));
      case 'String': return parseString(this.text(n));
      case 'ContinuedString': {
        let s = '';
        for (const c of kids(n)) { const v = this.eval(c, scope); s += typeof v === 'string' ? v : this.str(v); }
        return s;
      }
      case 'FormatString': return this.evalFString(n, scope);
      case 'Boolean': return this.text(n) === 'True';
      case 'None': return null;
      case 'Ellipsis': return PyEllipsis.it;
      case 'VariableName': {
        const name = this.text(n);
        let v = globalNames.get(scope)?.has(name) ? scope.moduleScope().lookup(name) : scope.lookup(name);
        if (v === undefined) v = this.builtins.get(name);
        if (v === undefined) {
          const u = new Unknown(`name '${name}' is not defined`, this.span(n));
          this.note(u, null);
          return u;
        }
        return v;
      }
      case 'ParenthesizedExpression': {
        const inner = kids(n).filter(isExprNode);
        return inner.length ? this.eval(inner[0], scope) : new PyTuple([]);
      }
      case 'TupleExpression': { const v = this.evalItems(kids(n), scope); return v instanceof Unknown ? v : new PyTuple(v); }
      case 'ArrayExpression': { const v = this.evalItems(kids(n), scope); return v instanceof Unknown ? v : new PyList(v); }
      case 'SetExpression': { const v = this.evalItems(kids(n), scope); return v instanceof Unknown ? v : new PySet(v); }
      case 'DictionaryExpression': return this.evalDict(n, scope);
      case 'ArrayComprehensionExpression': { const v = this.evalComprehension(kids(n), scope, 'list'); return v instanceof Unknown ? v : new PyList(v as Value[]); }
      case 'SetComprehensionExpression': { const v = this.evalComprehension(kids(n), scope, 'list'); return v instanceof Unknown ? v : new PySet(v as Value[]); }
      case 'ComprehensionExpression': { const v = this.evalComprehension(kids(n), scope, 'list'); return v instanceof Unknown ? v : new PyIterator(v as Value[]); }
      case 'DictionaryComprehensionExpression': return this.evalComprehension(kids(n), scope, 'dict') as PyDict | Unknown;
      case 'MemberExpression': return this.evalMember(n, scope);
      case 'CallExpression': return this.evalCall(n, scope);
      case 'BinaryExpression': return this.evalBinary(n, scope);
      case 'UnaryExpression': {
        const ch = kids(n);
        const op = this.text(ch[0]);
        if (op === 'not') return this.evalNot(ch[1], scope, this.span(n));
        const v = this.eval(ch[1], scope);
        return this.unop(op, v, this.span(n));
      }
      case 'ConditionalExpression': {
        const ch = kids(n).filter(isExprNode);
        // a if c else b
        if (ch.length < 5) return new Unknown('incomplete conditional expression', this.span(n));
        const c = this.truthy(this.eval(ch[2], scope), this.span(ch[2]));
        if (c instanceof Unknown) { this.note(`cannot decide '${this.text(n).slice(0, 60)}'`, this.span(n)); return c; }
        return c ? this.eval(ch[0], scope) : this.eval(ch[4], scope);
      }
      case 'LambdaExpression': {
        const ch = kids(n);
        const pl = ch.find((c) => c.name === 'ParamList');
        const colon = ch.findIndex((c) => c.name === ':');
        const body = ch[colon + 1];
        return new PyFunction('<lambda>', pl ? this.parseParams(pl, scope) : [], body, true, scope, this.curFile!, false);
      }
      case 'NamedExpression': {
        const ch = kids(n);
        const v = this.eval(ch[2], scope);
        this.assign(ch[0], v, scope);
        return v;
      }
      case 'YieldExpression': case 'YieldStatement': {
        const ch = kids(n);
        const from = ch.some((c) => c.name === 'from');
        const e = ch.filter((c) => c.name !== 'yield' && c.name !== 'from');
        const v = e.some(isExprNode) ? this.evalCommaList(e, scope, n) : null;
        if (this.yieldSink) {
          if (from) { const items = this.iterate(v, this.span(n)); if (!(items instanceof Unknown)) this.yieldSink.push(...items); }
          else this.yieldSink.push(v);
        }
        return null;
      }
      case 'AwaitExpression':
        return new Unknown(`'${n.name}' is not supported`, this.span(n));
      default:
        if (n.type.isError) return new Unknown('syntax error', this.span(n));
        return new Unknown(`unsupported expression '${this.text(n).slice(0, 40)}'`, this.span(n));
    }
  }

  private evalFString(n: SyntaxNode, scope: Scope): Value {
    const src = this.text(n);
    let p = 0;
    while (p < src.length && /[a-zA-Z]/.test(src[p])) p++;
    const q = src.startsWith('"""', p) || src.startsWith("'''", p) ? 3 : 1;
    const start = n.from + p + q;
    const end = n.to - q;
    let out = '';
    let cursor = start;
    const lit = (a: number, b: number) => this.curFile!.text.slice(a, b).replace(/\{\{/g, '{').replace(/\}\}/g, '}');
    for (const r of kids(n)) {
      if (r.name !== 'FormatReplacement') continue;
      out += lit(cursor, r.from);
      cursor = r.to;
      const rc = kids(r);
      const expr = rc.find((c) => isExprNode(c) && c.name !== 'FormatConversion' && c.name !== 'FormatSpec' && c.name !== 'FormatSelfDoc');
      const conv = rc.find((c) => c.name === 'FormatConversion');
      const specNode = rc.find((c) => c.name === 'FormatSpec');
      // `{x=}` / `{x = :.1f}`: the expression's text up to and with `=` (spaces kept), then the
      // value, as repr unless a conversion or a format spec says otherwise.
      const selfDoc = rc.find((c) => c.name === 'FormatSelfDoc');
      if (selfDoc) out += this.curFile!.text.slice(r.from + 1, (conv ?? specNode ?? rc[rc.length - 1]).from);
      const v = expr ? this.eval(expr, scope) : null;
      let spec = '';
      if (specNode) {
        // Nested replacements inside the spec.
        let s = '';
        let cur = specNode.from + 1;
        for (const sc of kids(specNode)) {
          if (sc.name !== 'FormatReplacement') continue;
          s += this.curFile!.text.slice(cur, sc.from);
          const e = kids(sc).find(isExprNode);
          if (e) s += this.str(this.eval(e, scope));
          cur = sc.to;
        }
        s += this.curFile!.text.slice(cur, specNode.to);
        spec = s;
      }
      const cv = conv ? this.text(conv) : selfDoc && !specNode ? '!r' : '';
      out += cv === '!r' ? formatValue(this.repr(v), spec, this) : cv === '!a' ? formatValue(asciiRepr(this.repr(v)), spec, this) : cv === '!s' ? formatValue(this.str(v), spec, this) : formatValue(v, spec, this);
    }
    out += lit(cursor, Math.max(cursor, end));
    return out;
  }

  private evalDict(n: SyntaxNode, scope: Scope): Value {
    const d = new PyDict();
    const ch = kids(n).filter((c) => c.name !== '{' && c.name !== '}' && c.name !== ',');
    for (let i = 0; i < ch.length; i++) {
      if (ch[i].name === '**') {
        const v = this.eval(ch[++i], scope);
        if (v instanceof PyDict) for (const [k, x] of v.entries()) d.set(k, x);
        continue;
      }
      const k = this.eval(ch[i], scope);
      if (ch[i + 1]?.name !== ':') continue;
      const v = ch[i + 2] ? this.eval(ch[i + 2], scope) : null;
      d.set(k, v);
      i += 2;
    }
    return d;
  }

  private evalComprehension(ch: SyntaxNode[], scope: Scope, kind: 'list' | 'dict'): Value[] | PyDict | Unknown {
    const inner = ch.filter((c) => c.name !== '(' && c.name !== ')' && c.name !== '[' && c.name !== ']' && c.name !== '{' && c.name !== '}');
    const forAt = inner.findIndex((c) => c.name === 'for');
    const head = inner.slice(0, forAt);
    if (forAt < 0 || !head[0] || (kind === 'dict' && !head[2])) {
      return new Unknown('incomplete comprehension', this.span(ch[0]));
    }
    // Clauses: for targets in iter [if cond]* [for ...]*
    type Clause = { kind: 'for'; targets: SyntaxNode[]; iter: SyntaxNode } | { kind: 'if'; cond: SyntaxNode };
    const clauses: Clause[] = [];
    let i = forAt;
    while (i >= 0 && i < inner.length) {
      if (inner[i].name === 'for') {
        const inAt = inner.findIndex((c, j) => j > i && c.name === 'in');
        // Half-typed `[a for b]`: no `in`, nothing to iterate.
        if (inAt < 0 || !inner[inAt + 1]) return new Unknown('incomplete comprehension', this.span(inner[i]));
        clauses.push({ kind: 'for', targets: inner.slice(i + 1, inAt), iter: inner[inAt + 1] });
        i = inAt + 2;
      } else if (inner[i].name === 'if') { clauses.push({ kind: 'if', cond: inner[i + 1] }); i += 2; }
      else i++;
    }
    const cscope = new Scope(scope, 'function', this.curFile);
    const outList: Value[] = [];
    const outDict = new PyDict();
    const emit = () => {
      if (kind === 'dict') {
        const k = this.eval(head[0], cscope);
        const v = this.eval(head[2], cscope);
        outDict.set(k, v);
      } else outList.push(this.eval(head[0], cscope));
    };
    // An undecidable filter or an unknown iterable makes the whole result unknown (its length and
    // items both depend on it), never a shorter list.
    let unknown: Unknown | null = null;
    const run = (ci: number): void => {
      if (unknown) return;
      if (ci === clauses.length) { emit(); return; }
      const c = clauses[ci];
      if (c.kind === 'if') {
        const t = this.truthy(this.eval(c.cond, cscope), this.span(c.cond));
        if (t instanceof Unknown) { unknown = new Unknown(`comprehension filter unknown: ${t.reason}`, t.at ?? this.span(c.cond)); return; }
        if (t) run(ci + 1);
        return;
      }
      if (!c.iter) return;
      const items = this.iterate(this.eval(c.iter, ci === 0 ? scope : cscope), this.span(c.iter));
      if (items instanceof Unknown) { unknown = new Unknown(`cannot iterate: ${items.reason}`, items.at ?? this.span(c.iter)); return; }
      for (const it of items) { this.tick(); this.assignTargets(c.targets, it, cscope); run(ci + 1); if (unknown) return; }
    };
    run(0);
    if (unknown) return unknown;
    return kind === 'dict' ? outDict : outList;
  }

  private evalMember(n: SyntaxNode, scope: Scope): Value {
    const ch = kids(n);
    const obj = this.eval(ch[0], scope);
    if (ch[1]?.name === '.') {
      if (!ch[2]) return new Unknown('incomplete attribute access', this.span(n));
      return this.getattr(obj, this.text(ch[2]), this.span(n));
    }
    const idx = this.evalSubscriptIndex(ch.slice(1), scope);
    return this.getitem(obj, idx, this.span(n));
  }

  /** Parses `[a]`, `[a:b:c]`, `[:, None, ...]` into a value, slices and tuples. */
  evalSubscriptIndex(ch: SyntaxNode[], scope: Scope): Value {
    const inner = ch.filter((c) => c.name !== '[' && c.name !== ']');
    const parts: SyntaxNode[][] = [[]];
    for (const c of inner) { if (c.name === ',') parts.push([]); else parts[parts.length - 1].push(c); }
    if (parts[parts.length - 1].length === 0 && parts.length > 1) parts.pop();
    // `x[*idx]` (lexmask.ts reads its `*` as `~`): the items unpack into a tuple index.
    const starred = (p: SyntaxNode[]) => p.length === 1 && p[0].name === 'UnaryExpression' && this.text(kids(p[0])[0]) === '*';
    if (parts.some(starred)) {
      const out: Value[] = [];
      for (const p of parts) {
        if (!starred(p)) { out.push(p.length ? this.eval(p[0], scope) : null); continue; }
        const items = this.iterate(this.eval(kids(p[0])[1], scope), this.span(p[0]));
        if (items instanceof Unknown) return items;
        out.push(...items);
      }
      return new PyTuple(out);
    }
    const items = parts.map((p) => {
      if (!p.some((c) => c.name === ':')) return p.length ? this.eval(p[0], scope) : null;
      const sl: (Value)[] = [null, null, null];
      let k = 0;
      for (const c of p) { if (c.name === ':') k++; else sl[k] = this.eval(c, scope); }
      return new PySlice(sl[0], sl[1], sl[2]);
    });
    return items.length === 1 && !inner.some((c) => c.name === ',') ? items[0] : new PyTuple(items);
  }

  evalArgs(argList: SyntaxNode, scope: Scope): CallArgs & { unknown?: Unknown } {
    const pos: Value[] = [];
    const kw = new Map<string, Value>();
    let unknown: Unknown | undefined;
    const ch = kids(argList).filter((c) => c.name !== '(' && c.name !== ')');
    // A generator argument: f(x for x in y)
    if (ch.some((c) => c.name === 'for')) {
      const v = this.evalComprehension(ch, scope, 'list');
      if (v instanceof Unknown) return { pos, kw, unknown: v };
      pos.push(new PyIterator(v as Value[]));
      return { pos, kw };
    }
    for (let i = 0; i < ch.length; i++) {
      const c = ch[i];
      if (c.name === ',') continue;
      if (c.name === '*') {
        const v = this.eval(ch[++i], scope);
        const items = this.iterate(v, this.span(c));
        // Unknown positional arguments: even their count is unknown, so the call's result is too.
        if (items instanceof Unknown) unknown ??= new Unknown(`*args unknown: ${items.reason}`, items.at ?? this.span(c));
        else pos.push(...items);
      } else if (c.name === '**') {
        const v = this.eval(ch[++i], scope);
        const t = this.taintOf(v);
        if (t) unknown ??= new Unknown(`**kwargs unknown: ${t.reason}`, t.at ?? this.span(c));
        else if (v instanceof PyDict) for (const [k, x] of v.entries()) kw.set(String(k), x);
        else if (v instanceof Unknown) unknown ??= new Unknown(`**kwargs unknown: ${v.reason}`, v.at ?? this.span(c));
        else if (v instanceof PyInstance && v.cls.lookup('keys') !== undefined) {
          const keys = this.iterate(this.call(this.getattr(v, 'keys', this.span(c)), [], new Map(), this.span(c)), this.span(c));
          if (keys instanceof Unknown) unknown ??= keys;
          else for (const k of keys) kw.set(String(k), this.getitem(v, k, this.span(c)));
        } else throw new PyException(this.exception('TypeError'), `argument after ** must be a mapping, not ${this.typeName(v)}`, this.span(c));
      } else if (c.name === 'VariableName' && ch[i + 1]?.name === 'AssignOp') {
        kw.set(this.text(c), ch[i + 2] ? this.eval(ch[i + 2], scope) : null);
        i += 2;
      } else pos.push(this.eval(c, scope));
    }
    return unknown ? { pos, kw, unknown } : { pos, kw };
  }

  private evalCall(n: SyntaxNode, scope: Scope): Value {
    const ch = kids(n);
    const calleeNode = ch[0];
    const argList = ch.find((c) => c.name === 'ArgList');
    // super() without arguments: needs the enclosing function's class and first argument.
    if (calleeNode.name === 'VariableName' && this.text(calleeNode) === 'super' && scope.lookup('super') === undefined) {
      const args = argList ? this.evalArgs(argList, scope) : { pos: [], kw: new Map() };
      if (args.pos.length === 2 && args.pos[0] instanceof PyClass) return new SuperProxy(args.pos[0], args.pos[1]);
      const owner = (scope as FunctionScope).fnOwner;
      const selfName = (scope as FunctionScope).selfName;
      if (!owner || !selfName) return new Unknown('super() outside a method', this.span(n));
      return new SuperProxy(owner, scope.lookup(selfName) ?? null);
    }
    const callee = this.eval(calleeNode, scope);
    const args: CallArgs & { unknown?: Unknown } = argList ? this.evalArgs(argList, scope) : { pos: [], kw: new Map() };
    const at = this.span(n);
    if (args.unknown) {
      this.taintArgs(args.pos, args.kw, args.unknown);
      return args.unknown;
    }
    this.callStack.push(at);
    this.callScopes.push(scope);
    try {
      return this.call(callee, args.pos, args.kw, at);
    } finally {
      this.callStack.pop();
      this.callScopes.pop();
    }
  }

  /**
   * `not X`. @lezer/python parses `not a or b` as `not (a or b)`; Python binds `not` tighter than
   * `and`/`or`, so an unparenthesised and/or operand is re-associated: (not a) or b.
   */
  private evalNot(operand: SyntaxNode, scope: Scope, at: Span): Value {
    if (operand.name === 'BinaryExpression') {
      const ch = kids(operand);
      const op = ch.length === 3 ? this.text(ch[1]) : '';
      if (op === 'and' || op === 'or') {
        const l = this.evalNot(ch[0], scope, at);
        const t = this.truthy(l, at);
        if (t instanceof Unknown) return t;
        return (op === 'and') === t ? this.eval(ch[2], scope) : l;
      }
    }
    const t = this.truthy(this.eval(operand, scope), at);
    return t instanceof Unknown ? t : !t;
  }

  private evalBinary(n: SyntaxNode, scope: Scope): Value {
    const ch = kids(n);
    const at = this.span(n);
    // Operators: ArithOp/BitOp/CompareOp tokens, or keywords and/or/in/not in/is/is not.
    const left = ch[0];
    let opEnd = 1;
    let op = '';
    while (opEnd < ch.length - 1 && !isOperand(ch[opEnd])) { op += (op ? ' ' : '') + this.text(ch[opEnd]); opEnd++; }
    const right = ch[opEnd];
    if (!right) return new Unknown('incomplete expression', at);
    if (op === 'and') {
      const l = this.eval(left, scope);
      const t = this.truthy(l, at);
      if (t instanceof Unknown) return t;
      return t ? this.eval(right, scope) : l;
    }
    if (op === 'or') {
      const l = this.eval(left, scope);
      const t = this.truthy(l, at);
      if (t instanceof Unknown) return t;
      return t ? l : this.eval(right, scope);
    }
    if (isCompare(op)) {
      // Chained comparison a < b <= c: lezer nests it to the left.
      const chain: [SyntaxNode, string][] = [];
      let cur: SyntaxNode = n;
      let rightmost = right;
      chain.unshift([rightmost, op]);
      let l = left;
      while (l.name === 'BinaryExpression') {
        const lc = kids(l);
        let e = 1, o = '';
        while (e < lc.length - 1 && !isOperand(lc[e])) { o += (o ? ' ' : '') + this.text(lc[e]); e++; }
        if (!isCompare(o)) break;
        chain.unshift([lc[e], o]);
        l = lc[0];
      }
      void cur; void rightmost;
      let lv = this.eval(l, scope);
      let result: Value = true;
      for (let i = 0; i < chain.length; i++) {
        const [rn, o] = chain[i];
        const rv = this.eval(rn, scope);
        result = this.compare(o, lv, rv, at);
        // Only a link followed by another is tested (`x > 0` on a tensor is a tensor, not a bool).
        if (i === chain.length - 1) break;
        const t = this.truthy(result, at);
        if (t instanceof Unknown) return t;
        if (!t) return result;
        lv = rv;
      }
      return result;
    }
    if (left.name !== 'BinaryExpression') return this.binop(op, this.eval(left, scope), this.eval(right, scope), at);
    // A left-nested chain (`1 + 1 + ... + 1`, thousands deep) is folded in a loop, not by
    // recursion: down the left spine while it is plain arithmetic, then back up.
    const spine: [string, SyntaxNode, Span][] = [[op, right, at]];
    let bottom: SyntaxNode = left;
    while (bottom.name === 'BinaryExpression') {
      const lc = kids(bottom);
      let e = 1, o = '';
      while (e < lc.length - 1 && !isOperand(lc[e])) { o += (o ? ' ' : '') + this.text(lc[e]); e++; }
      if (!lc[e] || o === 'and' || o === 'or' || isCompare(o)) break;
      spine.push([o, lc[e], this.span(bottom)]);
      bottom = lc[0];
    }
    let v = this.eval(bottom, scope);
    for (let i = spine.length - 1; i >= 0; i--) {
      this.tick();
      const [o, rn, sp] = spine[i];
      v = this.binop(o, v, this.eval(rn, scope), sp);
    }
    return v;
  }

  // ---------- operations ----------
  binop(op: string, a: Value, b: Value, at: Span | null): Value {
    if (a instanceof Unknown) return a;
    if (b instanceof Unknown) return b;
    if (a instanceof Tensor || b instanceof Tensor) return this.torch.binary(op, a, b, this.ctx(at));
    if (isNum(a) && isNum(b)) return numBinop(op, a, b, this, at);
    // Operators of dict/list subclasses (Counter + Counter, ...).
    const sub = (a instanceof PyDict || a instanceof PyList) ? valueClasses.get(a) : undefined;
    if (sub && BINOP_DUNDER[op]) { const f = sub.lookup(BINOP_DUNDER[op][0]); if (f !== undefined) return this.call(f, [a, b], new Map(), at); }
    if (typeof a === 'string') {
      if (op === '+' && typeof b === 'string') return this.refuse('str', a.length + b.length, at) ?? a + b;
      if (op === '*' && isInt(b)) { const k = Math.max(0, num(b)); return (a.length ? this.refuse('str', a.length * k, at) : null) ?? a.repeat(a.length ? k : 0); }
      if (op === '%') return percentFormat(a, b, this);
    }
    if (op === '*' && isInt(a) && (typeof b === 'string' || b instanceof PyList || b instanceof PyTuple)) return this.binop(op, b, a, at);
    if (a instanceof PyList || a instanceof PyTuple) {
      const kind = a instanceof PyList ? 'list' : 'tuple';
      const mk = (items: Value[]) => a instanceof PyList ? new PyList(items) : new PyTuple(items);
      if (op === '+' && (b instanceof PyList || b instanceof PyTuple)) return this.refuse(kind, a.items.length + b.items.length, at) ?? mk(a.items.concat(b.items));
      if (op === '*' && isInt(b)) {
        const k = Math.max(0, num(b)), n = a.items.length;
        const big = n ? this.refuse(kind, n * k, at) : null;
        if (big) return big;
        const out: Value[] = new Array(n * k);
        for (let i = 0; i < n * k; i++) out[i] = a.items[i % n];
        return mk(out);
      }
    }
    if (a instanceof PyDict && b instanceof PyDict && op === '|') {
      const big = this.refuse('dict', a.size + b.size, at);
      if (big) return big;
      const d = a.copy(); for (const [k, v] of b.entries()) d.set(k, v); return d;
    }
    if (a instanceof PySet && b instanceof PySet) {
      const big = this.refuse('set', a.map.size + b.map.size, at);
      if (big) return big;
      if (op === '|') return new PySet([...a.items(), ...b.items()]);
      if (op === '&') return new PySet(a.items().filter((x) => b.has(x)));
      if (op === '-') return new PySet(a.items().filter((x) => !b.has(x)));
    }
    // User-defined operators (__add__, __mul__, ...).
    const dunder = BINOP_DUNDER[op];
    if (dunder) {
      if (a instanceof PyInstance) {
        const f = a.cls.lookup(dunder[0]);
        if (f !== undefined) return this.call(f, [a, b], new Map(), at);
      }
      if (b instanceof PyInstance) {
        const f = b.cls.lookup(dunder[1]);
        if (f !== undefined) return this.call(f, [b, a], new Map(), at);
      }
    }
    throw new PyException(this.exception('TypeError'), `unsupported operand types for ${op}: '${this.typeName(a)}' and '${this.typeName(b)}'`, at);
  }

  unop(op: string, v: Value, at: Span | null): Value {
    if (v instanceof Unknown) return v;
    if (v instanceof Tensor) return this.torch.unary(op, v, this.ctx(at));
    if (isNum(v)) {
      if (op === '-') return typeof v === 'object' ? new PyFloat(-v.v) : -num(v) || 0;
      if (op === '+') return typeof v === 'boolean' ? num(v) : v;
      if (op === '~' && isInt(v)) return ~num(v);
    }
    if (v instanceof PyInstance) {
      const f = v.cls.lookup(op === '-' ? '__neg__' : op === '+' ? '__pos__' : '__invert__');
      if (f !== undefined) return this.call(f, [v], new Map(), at);
    }
    throw new PyException(this.exception('TypeError'), `bad operand type for unary ${op}: '${this.typeName(v)}'`, at);
  }

  compare(op: string, a: Value, b: Value, at: Span | null): Value {
    switch (op) {
      case 'is': return isSame(a, b);
      case 'is not': return !isSame(a, b);
      case 'in': return this.contains(b, a, at);
      case 'not in': { const r = this.contains(b, a, at); return r instanceof Unknown ? r : !r; }
    }
    if (a instanceof Unknown) return a;
    if (b instanceof Unknown) return b;
    if (a instanceof Tensor || b instanceof Tensor) return this.torch.binary(op, a, b, this.ctx(at));
    if (op === '==') return this.equals(a, b);
    if (op === '!=') return !this.equals(a, b);
    const c = this.order(a, b, at);
    if (c instanceof Unknown) return c;
    switch (op) {
      case '<': return c < 0;
      case '<=': return c <= 0;
      case '>': return c > 0;
      case '>=': return c >= 0;
    }
    return new Unknown(`unsupported comparison ${op}`, at);
  }

  equals(a: Value, b: Value): boolean {
    if (isNum(a) && isNum(b)) return num(a) === num(b);
    if (typeof a === 'string' && typeof b === 'string') return a === b;
    if ((typeof a === 'string' && !(b instanceof PyInstance)) || (typeof b === 'string' && !(a instanceof PyInstance))) return false;
    if (a === null || b === null) return a === b;
    if ((a instanceof PyTuple && b instanceof PyTuple) || (a instanceof PyList && b instanceof PyList)) {
      return a.items.length === b.items.length && a.items.every((x, i) => this.equals(x, b.items[i]));
    }
    if (a instanceof PyDict && b instanceof PyDict) {
      return a.size === b.size && a.entries().every(([k, v]) => b.has(k) && this.equals(v, b.get(k)!));
    }
    if (a instanceof PyInstance && a.cls.dataclassFields && b instanceof PyInstance && a.cls === b.cls) {
      return a.cls.dataclassFields.every((f) => this.equals(a.attrs.get(f.name) ?? null, b.attrs.get(f.name) ?? null));
    }
    if (a instanceof PyInstance) {
      const f = a.cls.lookup('__eq__');
      if (f instanceof PyFunction || f instanceof NativeFunction) { const r = this.call(f, [a, b], new Map(), null); return r === true; }
    }
    if (b instanceof PyInstance && !(a instanceof PyInstance)) {
      // The reflected __eq__ (`1 == IntEnumMember`).
      const f = b.cls.lookup('__eq__');
      if (f instanceof PyFunction || f instanceof NativeFunction) { const r = this.call(f, [b, a], new Map(), null); return r === true; }
    }
    return isSame(a, b);
  }

  order(a: Value, b: Value, at: Span | null): number | Unknown {
    if (isNum(a) && isNum(b)) { const x = num(a), y = num(b); return x < y ? -1 : x > y ? 1 : 0; }
    // Objects that are integers underneath (__index__: IntEnum members) order as those.
    if (a instanceof PyInstance || b instanceof PyInstance) {
      const ix = (v: Value): Value => { const f = v instanceof PyInstance ? v.cls.lookup('__index__') : undefined; return f !== undefined ? this.call(f, [v], new Map(), at) : v; };
      const x = ix(a), y = ix(b);
      if (isNum(x) && isNum(y)) return this.order(x, y, at);
    }
    if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
    if ((a instanceof PyTuple && b instanceof PyTuple) || (a instanceof PyList && b instanceof PyList)) {
      for (let i = 0; i < Math.min(a.items.length, b.items.length); i++) {
        const c = this.order(a.items[i], b.items[i], at);
        if (c instanceof Unknown || c !== 0) return c;
      }
      return a.items.length - b.items.length;
    }
    throw new PyException(this.exception('TypeError'), `'<' not supported between '${this.typeName(a)}' and '${this.typeName(b)}'`, at);
  }

  contains(container: Value, item: Value, at: Span | null): boolean | Unknown {
    if (container instanceof Unknown) return container;
    const t = this.taintOf(container);
    if (t) return t;
    if (typeof container === 'string') { this.budget.work(container.length); return typeof item === 'string' && container.includes(item); }
    if (container instanceof PyDict) return container.has(item);
    if (container instanceof PySet) return container.has(item);
    if (container instanceof PyInstance) {
      const f = container.cls.lookup('__contains__');
      if (f !== undefined) { const r = this.truthy(this.call(f, [container, item], new Map(), at), at); return r; }
    }
    const items = this.iterate(container, at);
    if (items instanceof Unknown) return items;
    if (items.some((x) => this.equals(x, item))) return true;
    const partial = container instanceof PyList ? partialListings.get(container) : undefined;
    return partial && partial(item) ? new Unknown(`${this.repr(item)} is not among the modelled names of dir()`, at) : false;
  }

  truthy(v: Value, at: Span | null): boolean | Unknown {
    if (v === null) return false;
    switch (typeof v) {
      case 'boolean': return v;
      case 'number': return v !== 0;
      case 'string': return v.length > 0;
    }
    if (v instanceof Unknown) return v;
    const tv = this.taintOf(v);
    if (tv) return tv;
    if (v instanceof PyFloat) return v.v !== 0;
    if (v instanceof PyList || v instanceof PyTuple) return v.items.length > 0;
    if (v instanceof PyDict) return v.size > 0;
    if (v instanceof PySet) return v.map.size > 0;
    if (v instanceof PyRange) return rangeLen(v) > 0;
    if (v instanceof Tensor) {
      if (v.data && v.data.length === 1) return v.data[0] !== 0;
      return new Unknown('truth value of a tensor depends on its values', at);
    }
    if (v instanceof PyInstance) {
      const b = v.cls.lookup('__bool__');
      if (b !== undefined) return this.truthy(this.call(b, [v], new Map(), at), at);
      const l = v.cls.lookup('__len__');
      if (l !== undefined) return this.truthy(this.call(l, [v], new Map(), at), at);
      return true;
    }
    return true;
  }

  /** Materialises an iterable as a list of values. */
  iterate(v: Value, at: Span | null): Value[] | Unknown {
    const t = this.taintOf(v);
    if (t) return t;
    if (v instanceof PyList || v instanceof PyTuple) { this.budget.work(v.items.length); return v.items.slice(); }
    if (v instanceof PyIterator) {
      if (v.pull) return new Unknown('an endless iterator (itertools.count, cycle or repeat) read to its end', at);
      const r = v.items.slice(v.pos); v.pos = v.items.length; return r;
    }
    if (v instanceof PyRange) {
      const n = rangeLen(v);
      const big = this.refuse('list', n, at);
      if (big) return big;
      const out: Value[] = new Array(n);
      for (let i = 0; i < n; i++) out[i] = v.start + i * v.step;
      return out;
    }
    if (typeof v === 'string') return this.refuse('list', v.length, at) ?? [...v];
    if (v instanceof PyDict) return v.keys();
    if (v instanceof PySet) return v.items();
    if (v instanceof Unknown) return v;
    if (v instanceof Tensor) return this.torch.iterate(v, this.ctx(at));
    if (v instanceof PyInstance) {
      const f = v.cls.lookup('__iter__');
      if (f !== undefined) return this.iterate(this.call(f, [v], new Map(), at), at);
      const g = v.cls.lookup('__getitem__');
      const l = v.cls.lookup('__len__');
      if (g !== undefined && l !== undefined) {
        const n = this.call(l, [v], new Map(), at);
        if (typeof n !== 'number') return new Unknown('unknown length', at);
        const out: Value[] = [];
        for (let i = 0; i < n; i++) out.push(this.call(g, [v, i], new Map(), at));
        return out;
      }
    }
    if (v instanceof PyClass) { const m = metaOf(v); if (m?.iter) return m.iter(v, this.ctx(at)); }
    throw new PyException(this.exception('TypeError'), `'${this.typeName(v)}' object is not iterable`, at);
  }

  getitem(obj: Value, idx: Value, at: Span | null): Value {
    if (obj instanceof Unknown) return obj;
    const t = this.taintOf(obj);
    if (t) return t;
    if (obj instanceof Tensor) return this.torch.index(obj, idx, this.ctx(at));
    if (obj instanceof PyList || obj instanceof PyTuple || typeof obj === 'string') {
      // Indexing a str splits it into code points: that, and a slice's copy, is work.
      if (typeof obj === 'string') this.budget.work(obj.length);
      const items = typeof obj === 'string' ? [...obj] : obj.items;
      if (idx instanceof PySlice) {
        const r = sliceIndices(idx, items.length, this, at);
        if (r instanceof Unknown) return r;
        this.budget.work(Math.max(0, (r.stop - r.start) / r.step));
        const out: Value[] = [];
        for (let i = r.start; r.step > 0 ? i < r.stop : i > r.stop; i += r.step) out.push(items[i]);
        if (typeof obj === 'string') return out.join('');
        return obj instanceof PyList ? new PyList(out) : new PyTuple(out);
      }
      if (idx instanceof Unknown) return idx;
      if (!isInt(idx)) throw new PyException(this.exception('TypeError'), 'indices must be integers', at);
      let i = num(idx);
      if (i < 0) i += items.length;
      if (i < 0 || i >= items.length) throw new PyException(this.exception('IndexError'), 'index out of range', at);
      return items[i];
    }
    if (obj instanceof PyDict) {
      const v = obj.get(idx);
      if (v === undefined) {
        if (idx instanceof Unknown) return idx;
        const factory = defaultFactories.get(obj);
        if (factory !== undefined && factory !== null) { const d = this.call(factory, [], new Map(), at); obj.set(idx, d); return d; }
        const missing = missingValues.get(obj);
        if (missing !== undefined) return missing;
        throw new PyException(this.exception('KeyError'), this.repr(idx), at);
      }
      return v;
    }
    if (obj instanceof PyRange) {
      if (idx instanceof PySlice) {
        const r = sliceIndices(idx, rangeLen(obj), this, at);
        if (r instanceof Unknown) return r;
        return new PyRange(obj.start + r.start * obj.step, obj.start + r.stop * obj.step, obj.step * r.step);
      }
      if (!isInt(idx)) return new Unknown('range slicing is not supported', at);
      let i = num(idx); const n = rangeLen(obj); if (i < 0) i += n;
      return obj.start + i * obj.step;
    }
    if (obj instanceof PyInstance) {
      const f = obj.cls.lookup('__getitem__');
      if (f !== undefined) return this.call(f, [obj, idx], new Map(), at);
    }
    if (obj instanceof PyClass) {
      const m = metaOf(obj);
      if (m?.getitem) return m.getitem(obj, idx, this.ctx(at));
      return obj; // typing generics: List[int] etc.
    }
    if (obj instanceof NativeFunction || obj instanceof PyNamespace) return new Unknown('subscript of a typing construct', at);
    throw new PyException(this.exception('TypeError'), `'${this.typeName(obj)}' object is not subscriptable`, at);
  }

  setitem(obj: Value, idx: Value, v: Value, at: Span | null): void {
    if (obj instanceof PyList) {
      if (isInt(idx)) { let i = num(idx); if (i < 0) i += obj.items.length; obj.items[i] = v; return; }
      if (idx instanceof PySlice) {
        const r = sliceIndices(idx, obj.items.length, this, at);
        const items = this.iterate(v, at);
        if (!(r instanceof Unknown) && !(items instanceof Unknown) && r.step === 1) { obj.items.splice(r.start, Math.max(0, r.stop - r.start), ...items); return; }
        if (!(r instanceof Unknown) && !(items instanceof Unknown)) {
          // Extended slice: one value per selected position, as many as there are positions.
          const at_: number[] = [];
          for (let i = r.start; r.step > 0 ? i < r.stop : i > r.stop; i += r.step) at_.push(i);
          if (at_.length !== items.length) throw new PyException(this.exception('ValueError'), `attempt to assign sequence of size ${items.length} to extended slice of size ${at_.length}`, at);
          at_.forEach((i, k) => { obj.items[i] = items[k]; });
          return;
        }
      }
    } else if (obj instanceof PyDict) { obj.set(idx, v); return; }
    else if (obj instanceof PyInstance) {
      const f = obj.cls.lookup('__setitem__');
      if (f !== undefined) { this.call(f, [obj, idx, v], new Map(), at); return; }
    } else if (obj instanceof Tensor || obj instanceof Unknown) {
      // In-place writes keep the shape; known values are updated (or forgotten); a trace records
      // the write as a new value of the tensor.
      if (obj instanceof Tensor) { this.tracer?.setitem(obj, idx, v, at); writeIndex(obj, idx, v); }
      return;
    }
    this.note(`cannot assign item of '${this.typeName(obj)}'`, at);
    if (this.recording) this.lostEffects = true;
  }

  // ---------- attributes ----------
  getattr(obj: Value, name: string, at: Span | null): Value {
    if (obj instanceof Unknown) return obj;
    const t = this.taintOf(obj);
    if (t) return t;
    if (obj instanceof Descriptor && obj.kind === 'property') {
      // `@v.setter`: a new property with the same getter and this setter.
      if (name === 'setter') return new NativeFunction('setter', (a) => new Descriptor('property', obj.fn, a.pos[0] ?? null));
      if (name === 'getter') return new NativeFunction('getter', (a) => new Descriptor('property', a.pos[0] ?? null, obj.setter));
      if (name === 'fget') return obj.fn;
      if (name === 'fset') return obj.setter;
    }
    if (obj instanceof PyInstance) {
      const own = obj.attrs.get(name);
      if (own !== undefined) return own;
      const cv = obj.cls.lookup(name);
      if (cv !== undefined) return this.bind(cv, obj, obj.cls, at);
      if (name === '__class__') return obj.cls;
      if (obj.module && (name === '_modules' || name === '_parameters' || name === '_buffers')) {
        // A snapshot of the registry (writes through it are not followed).
        const d = new PyDict();
        const src = name === '_modules' ? obj.module.modules : name === '_parameters' ? obj.module.params : obj.module.buffers;
        for (const [k, v] of src) d.set(k, v);
        return d;
      }
      if (name === '__dict__') { const d = new PyDict(); for (const [k, v] of obj.attrs) d.set(k, v); return d; }
      const ga = obj.cls.lookup('__getattr__');
      if (ga instanceof PyFunction) return this.call(ga, [obj, name], new Map(), at);
      if (obj.cls.hasUnknownBase) return new Unknown(`attribute '${name}' of ${obj.cls.name} comes from an unresolved base class`, at);
      throw new PyException(this.exception('AttributeError'), `'${obj.cls.name}' object has no attribute '${name}'`, at);
    }
    if (obj instanceof PyClass) {
      const cv = obj.lookup(name);
      if (cv !== undefined) {
        if (cv instanceof Descriptor) {
          if (cv.kind === 'classmethod') return new BoundMethod(obj, cv.fn);
          if (cv.kind === 'staticmethod') return cv.fn;
          return cv;
        }
        return cv;
      }
      if (name === '__name__') return obj.name;
      if (name === '__mro__') return new PyTuple(obj.mro);
      if (obj.hasUnknownBase) return new Unknown(`attribute '${name}' of ${obj.name} comes from an unresolved base class`, at);
      throw new PyException(this.exception('AttributeError'), `type object '${obj.name}' has no attribute '${name}'`, at);
    }
    if (obj instanceof PyNamespace) {
      let v = obj.attrs.get(name);
      if (v instanceof LazyImport) { v = v.resolve(); obj.attrs.set(name, v); }
      if (v !== undefined) return v;
      const sub = this.resolver.submodule(this, obj, name, at);
      if (sub !== undefined) return sub;
      // A module read from a file has what its code defines; builtin stubs (torch, ...) are partial.
      if (obj.file) throw new PyException(this.exception('AttributeError'), `module '${obj.name}' has no attribute '${name}'`, at);
      return new Unknown(`'${obj.name}.${name}' is not modelled`, at);
    }
    if (obj instanceof SuperProxy) {
      const cls = obj.self instanceof PyClass ? obj.self : this.typeOf(obj.self);
      const mro = cls.mro;
      const start = mro.indexOf(obj.startAfter);
      for (let i = start + 1; i < mro.length; i++) {
        const v = mro[i].dict.get(name);
        if (v !== undefined) return this.bind(v, obj.self, cls, at);
      }
      if (cls.hasUnknownBase) return new Unknown(`super().${name} comes from an unresolved base class`, at);
      throw new PyException(this.exception('AttributeError'), `'super' object has no attribute '${name}'`, at);
    }
    if (obj instanceof Tensor) return this.torch.tensorAttr(obj, name, this.ctx(at));
    if (obj instanceof PyFunction) {
      if (name === '__name__' || name === '__qualname__') return obj.name;
      if (name === '__module__') { const mn = obj.closure.moduleScope().vars.get('__name__'); return typeof mn === 'string' ? mn : '__main__'; }
      return new Unknown(`function attribute '${name}'`, at);
    }
    if (obj instanceof PyPartial) {
      if (name === 'func') return obj.fn;
      if (name === 'args') return new PyTuple(obj.pos);
      if (name === 'keywords') { const d = new PyDict(); for (const [k, v] of obj.kw) d.set(k, v); return d; }
    }
    if (obj instanceof PyTuple && obj.cls) {
      const fields = obj.cls.dict.get('_fields');
      if (fields instanceof PyTuple) {
        const i = fields.items.indexOf(name);
        if (i >= 0) return obj.items[i];
      }
    }
    if (obj instanceof NativeFunction && name === '__name__') return obj.name;
    if (obj instanceof BoundMethod && name === '__self__') return obj.self;
    const cls = this.typeOf(obj);
    const cv = cls.lookup(name);
    if (cv !== undefined) return this.bind(cv, obj, cls, at);
    if (name === '__class__') return cls;
    if (name === '__name__' && obj instanceof NativeFunction) return obj.name;
    throw new PyException(this.exception('AttributeError'), `'${cls.name}' object has no attribute '${name}'`, at);
  }

  private bind(v: Value, self: Value, cls: PyClass, at: Span | null): Value {
    if (v instanceof PyFunction || v instanceof NativeFunction) return new BoundMethod(self, v);
    if (v instanceof Descriptor) {
      if (v.kind === 'staticmethod') return v.fn;
      if (v.kind === 'classmethod') return new BoundMethod(cls, v.fn);
      if (v.kind === 'property') return this.call(v.fn, [self], new Map(), at);
    }
    return v;
  }

  setattr(obj: Value, name: string, v: Value, at: Span | null): void {
    if (obj instanceof PyInstance) {
      const prop = obj.cls.lookup(name);
      if (prop instanceof Descriptor && prop.kind === 'property') {
        if (prop.setter === null) throw new PyException(this.exception('AttributeError'), `can't set attribute '${name}'`, at);
        this.call(prop.setter, [obj, v], new Map(), at);
        return;
      }
      const ms = obj.module;
      if (ms && !ms.initialised && ((v instanceof PyInstance && v.module) || (v instanceof Tensor && v.isParam))) {
        throw new PyException(this.exception('AttributeError'), `cannot assign ${v instanceof Tensor ? 'parameters' : 'module'} before Module.__init__() call (missing super().__init__() in ${obj.cls.name}?)`, at);
      }
      if (ms) this.torch.registerAttr(obj, ms, name, v, this.currentAssign ?? at);
      obj.attrs.set(name, v);
      return;
    }
    if (obj instanceof PyClass) { obj.dict.set(name, v); return; }
    if (obj instanceof PyNamespace) { obj.attrs.set(name, v); return; }
    if (obj instanceof Tensor) { if (name === 'requires_grad') obj.requiresGrad = v === true; return; }
    if (obj instanceof Unknown) return;
    this.note(`cannot set attribute '${name}' on '${this.typeName(obj)}'`, at);
    if (this.recording) this.lostEffects = true;
  }

  // ---------- calls ----------
  /**
   * Runs a native, charging what it made as work (an upper() of 2 MB costs what it copies). A
   * value past V8's own limits (a string over 2^29 characters) becomes an Unknown saying so.
   */
  private callNative(fn: NativeFunction, pos: Value[], kw: Map<string, Value>, at: Span | null): Value {
    let r: Value;
    try {
      r = fn.impl({ pos, kw }, this.ctx(at));
    } catch (e) {
      if (!(e instanceof RangeError) || /call stack/i.test(e.message)) throw e;
      const u = new Unknown(rangeErrorReason(e), at);
      this.note(u, at);
      return u;
    }
    // A str method scans its str (find, count, upper, ...): short ones cost nothing worth counting.
    if (typeof pos[0] === 'string' && pos[0].length > 256) this.budget.work(pos[0].length);
    const made = sizeOf(r);
    if (made > 0 && r !== pos[0]) this.budget.work(made);
    return r;
  }

  call(fn: Value, pos: Value[], kw: Map<string, Value>, at: Span | null): Value {
    if (fn instanceof PyFunction) return this.invoke(fn, pos, kw, at);
    if (fn instanceof NativeFunction) return this.callNative(fn, pos, kw, at);
    if (fn instanceof BoundMethod) return this.call(fn.fn, [fn.self, ...pos], kw, at);
    if (fn instanceof PyPartial) {
      const k = new Map(fn.kw);
      for (const [a, b] of kw) k.set(a, b);
      return this.call(fn.fn, [...fn.pos, ...pos], k, at);
    }
    if (fn instanceof PyClass) return this.instantiate(fn, pos, kw, at);
    if (fn instanceof PyInstance) {
      const c = fn.cls.lookup('__call__');
      if (c !== undefined) return this.call(c, [fn, ...pos], kw, at);
      if (fn.cls.hasUnknownBase) return new Unknown(`calling ${fn.cls.name}: unresolved base class`, at);
    }
    if (fn instanceof Descriptor) return this.call(fn.fn, pos, kw, at);
    if (fn instanceof Unknown) {
      const u = new Unknown(fn.reason, fn.at ?? at);
      this.taintArgs(pos, kw, u);
      return u;
    }
    throw new PyException(this.exception('TypeError'), `'${this.typeName(fn)}' object is not callable`, at);
  }

  instantiate(cls: PyClass, pos: Value[], kw: Map<string, Value>, at: Span | null): Value {
    // Builtin types (int, list, namedtuples, dict subclasses) construct through a native __new__.
    for (const c of cls.mro) {
      if (c === this.classes.object) break;
      const nw = c.dict.get('__new__');
      if (nw instanceof NativeFunction) return this.call(nw, [cls, ...pos], kw, at);
    }
    const inst = new PyInstance(cls);
    if (cls.isSubclassOf(this.classes.Module)) {
      inst.module = new ModuleState();
      inst.module.createdAt = at ? [...this.callStack.filter((s) => s !== at), at] : this.callStack.slice();
      inst.module.ctor = { cls, pos, kw };
      const site = this.callScopes[this.callScopes.length - 1];
      if (at && this.mainFile && at.file === this.mainFile.path && site) inst.module.siteScope = snapshot(site);
    }
    const init = cls.lookup('__init__');
    if (init !== undefined) this.call(init, [inst, ...pos], kw, at);
    if (inst.module) inst.module.childrenAtInit = inst.module.modules.size;
    return inst;
  }

  invoke(fn: PyFunction, pos: Value[], kw: Map<string, Value>, at: Span | null): Value {
    if (++this.depth > this.maxDepth) {
      this.depth--;
      throw new PyException(this.exception('RecursionError'), 'maximum recursion depth exceeded', at);
    }
    const prevFile = this.curFile;
    try {
      const scope = new Scope(fn.closure, 'function', fn.file) as FunctionScope;
      this.bindArgs(fn, pos, kw, scope, at);
      if (fn.owner) { scope.fnOwner = fn.owner; scope.selfName = fn.params[0]?.name ?? null; }
      this.setFile(fn.file);
      if (fn.isLambda) return this.eval(fn.body, scope);
      if (fn.isGenerator) return this.runGenerator(fn, scope);
      const c = this.execBody(this.bodyOf(fn.body), scope);
      return c !== undefined && typeof c === 'object' ? c.ret : null;
    } finally {
      this.setFile(prevFile);
      this.depth--;
    }
  }

  /** Generators run eagerly: the yielded values become a list iterator. */
  private runGenerator(fn: PyFunction, scope: Scope): Value {
    const out: Value[] = [];
    const saved = this.yieldSink;
    this.yieldSink = out;
    try { this.execBody(this.bodyOf(fn.body), scope); } finally { this.yieldSink = saved; }
    return new PyIterator(out);
  }
  yieldSink: Value[] | null = null;

  private bindArgs(fn: PyFunction, pos: Value[], kw: Map<string, Value>, scope: Scope, at: Span | null): void {
    let pi = 0;
    const used = new Set<string>();
    let kwargParam: Param | null = null;
    for (const p of fn.params) {
      if (p.kind === 'pos' && p.posOnly) {
        if (pi < pos.length) scope.vars.set(p.name, pos[pi++]);
        else if (p.default !== undefined) scope.vars.set(p.name, p.default);
        else if (kw.has(p.name) && !fn.params.some((q) => q.kind === 'kwarg')) this.argError(fn, `got some positional-only arguments passed as keyword arguments: '${p.name}'`, at);
        else this.argError(fn, `missing required positional argument '${p.name}'`, at);
      } else if (p.kind === 'pos') {
        if (pi < pos.length) { scope.vars.set(p.name, pos[pi++]); if (kw.has(p.name)) this.argError(fn, `got multiple values for argument '${p.name}'`, at); }
        else if (kw.has(p.name)) { scope.vars.set(p.name, kw.get(p.name)!); used.add(p.name); }
        else if (p.default !== undefined) scope.vars.set(p.name, p.default);
        else this.argError(fn, `missing required argument '${p.name}'`, at);
      } else if (p.kind === 'vararg') {
        scope.vars.set(p.name, new PyTuple(pos.slice(pi)));
        pi = pos.length;
      } else if (p.kind === 'kwonly') {
        if (kw.has(p.name)) { scope.vars.set(p.name, kw.get(p.name)!); used.add(p.name); }
        else if (p.default !== undefined) scope.vars.set(p.name, p.default);
        else this.argError(fn, `missing required keyword argument '${p.name}'`, at);
      } else kwargParam = p;
    }
    if (pi < pos.length) this.argError(fn, `takes ${pi} positional arguments but ${pos.length} were given`, at);
    const extra = new PyDict();
    for (const [k, v] of kw) {
      if (used.has(k)) continue;
      if (fn.params.some((p) => p.name === k && p.kind === 'pos' && !p.posOnly)) continue;
      if (!kwargParam) {
        if (fn.params.some((p) => p.name === k && p.posOnly)) this.argError(fn, `got some positional-only arguments passed as keyword arguments: '${k}'`, at);
        this.argError(fn, `got an unexpected keyword argument '${k}'`, at);
      }
      extra.set(k, v);
    }
    if (kwargParam) scope.vars.set(kwargParam.name, extra);
  }

  private argError(fn: PyFunction, msg: string, at: Span | null): never {
    throw new PyException(this.exception('TypeError'), `${fn.name}() ${msg}`, at);
  }

  // ---------- types ----------
  typeOf(v: Value): PyClass {
    const c = this.classes;
    if (v === null) return c.NoneType;
    switch (typeof v) {
      case 'boolean': return c.bool;
      case 'number': return c.int;
      case 'string': return c.str;
    }
    if (v instanceof PyFloat) return c.float;
    if (v instanceof PyTuple) return v.cls ?? c.tuple;
    if (v instanceof PyList) return valueClasses.get(v) ?? c.list;
    if (v instanceof PyDict) return valueClasses.get(v) ?? c.dict;
    if (v instanceof PySet) return c.set;
    if (v instanceof PyInstance) return v.cls;
    if (v instanceof Tensor) return v.isParam ? c.Parameter : c.Tensor;
    if (v instanceof PyClass) return c.type;
    return c.function;
  }
  typeName(v: Value): string { return v instanceof Unknown ? 'unknown' : this.typeOf(v).name; }

  isinstance(v: Value, cls: Value): boolean | Unknown {
    if (v instanceof Unknown) return v;
    if (cls instanceof PyTuple) {
      // One undecidable member makes a False undecidable (never a silent False).
      let unknown: Unknown | null = null;
      for (const c of cls.items) {
        const r = this.isinstance(v, c);
        if (r === true) return true;
        if (r instanceof Unknown) unknown ??= r;
      }
      return unknown ?? false;
    }
    if (!(cls instanceof PyClass)) return new Unknown('isinstance() with an unknown class', null);
    // A deque is a list inside but not a list; a Counter is a dict.
    const vc = v instanceof PyDict || v instanceof PyList ? valueClasses.get(v) : undefined;
    if (vc && (cls === this.classes.list || cls === this.classes.dict)) return vc.isSubclassOf(cls);
    // Instances of a class deriving from int/str (IntEnum members) are ints.
    if (v instanceof PyInstance && v.cls.isSubclassOf(cls)) return true;
    if (cls.instanceCheck) return cls.instanceCheck(v);
    const t = this.typeOf(v);
    if (t.isSubclassOf(cls)) return true;
    if (cls === this.classes.int && typeof v === 'boolean') return true;
    if (cls === this.classes.Tensor && v instanceof Tensor) return true;
    return false;
  }

  str(v: Value): string {
    if (v instanceof PyInstance) {
      const f = v.cls.lookup('__str__') ?? v.cls.lookup('__repr__');
      if (f instanceof PyFunction || f instanceof NativeFunction) { const r = this.call(f, [v], new Map(), null); return typeof r === 'string' ? r : '<object>'; }
      return `<${v.cls.name} object>`;
    }
    return formatValue(v, '', this);
  }
  repr(v: Value): string { return reprValue(v, this); }
}

interface ClassScope extends Scope { annotations: string[] }
/** A decorator defined in user code (applied, but falls back to identity when it fails). */
class UserDecorator { constructor(readonly fn: Value, readonly imported = false) {} }
/** Names a scope declared `global` (Scope.globals also holds the `nonlocal` ones). */
const globalNames = new WeakMap<Scope, Set<string>>();
const moduleLevel = (s: Scope): Set<string> => { let g = globalNames.get(s); if (!g) globalNames.set(s, (g = new Set())); return g; };
interface FunctionScope extends Scope { fnOwner?: PyClass; selfName?: string | null }

const DECORATORS = new Set(['staticmethod', 'classmethod', 'property', 'dataclass', 'cached_property',
  'lru_cache', 'cache', 'wraps', 'total_ordering', 'unique', 'setter', 'getter']);

const BINOP_DUNDER: Record<string, [string, string]> = {
  '+': ['__add__', '__radd__'], '-': ['__sub__', '__rsub__'], '*': ['__mul__', '__rmul__'],
  '/': ['__truediv__', '__rtruediv__'], '//': ['__floordiv__', '__rfloordiv__'], '@': ['__matmul__', '__rmatmul__'],
  '%': ['__mod__', '__rmod__'], '**': ['__pow__', '__rpow__'],
  '|': ['__or__', '__ror__'], '&': ['__and__', '__rand__'], '^': ['__xor__', '__rxor__'],
};

const isOperand = (n: SyntaxNode): boolean =>
  !(n.name === 'ArithOp' || n.name === 'BitOp' || n.name === 'CompareOp' || n.name === 'and' || n.name === 'or' ||
    n.name === 'not' || n.name === 'in' || n.name === 'is');
const isCompare = (op: string): boolean => ['<', '>', '==', '>=', '<=', '!=', '<>', 'in', 'not in', 'is', 'is not'].includes(op);

/** ascii(): repr with every non-ASCII character escaped. */
function asciiRepr(r: string): string {
  return [...r].map((ch) => {
    const c = ch.codePointAt(0)!;
    if (c < 0x80) return ch;
    const h = c.toString(16);
    return c < 0x100 ? '\\x' + h.padStart(2, '0') : c < 0x10000 ? '\\u' + h.padStart(4, '0') : '\\U' + h.padStart(8, '0');
  }).join('');
}

function isSame(a: Value, b: Value): boolean {
  if (a instanceof PyFloat && b instanceof PyFloat) return a.v === b.v;
  return a === b;
}

const yieldMemo = new WeakMap<object, Map<string, boolean>>();
function containsYield(body: SyntaxNode): boolean {
  // Memoised per file like `kids`: function definitions are re-run on every analysis.
  const memo = kidCache ? (yieldMemo.get(kidCache) ?? (yieldMemo.set(kidCache, new Map()), yieldMemo.get(kidCache)!)) : null;
  const key = `${body.from}:${body.to}`;
  const hit = memo?.get(key);
  if (hit !== undefined) return hit;
  const r = scanYield(body);
  memo?.set(key, r);
  return r;
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

/** A copy of a scope's own variables, chained to the live parent (rewrites read values as they were). */
export function snapshot(s: Scope): Scope {
  const c = new Scope(s.parent, s.kind, s.file);
  for (const [k, v] of s.vars) c.vars.set(k, v);
  return c;
}

export function rangeLen(r: PyRange): number {
  if (r.step > 0) return Math.max(0, Math.ceil((r.stop - r.start) / r.step));
  return Math.max(0, Math.ceil((r.start - r.stop) / -r.step));
}

export function sliceIndices(s: PySlice, len: number, it: Interpreter, at: Span | null): { start: number; stop: number; step: number } | Unknown {
  for (const v of [s.start, s.stop, s.step]) if (v instanceof Unknown) return v;
  const step = s.step === null ? 1 : num(s.step as number);
  if (step === 0) throw new PyException(it.exception('ValueError'), 'slice step cannot be zero', at);
  const norm = (v: Value, dflt: number, lo: number, hi: number): number => {
    if (v === null) return dflt;
    let x = num(v as number);
    if (x < 0) x += len;
    return Math.min(Math.max(x, lo), hi);
  };
  if (step > 0) return { start: norm(s.start, 0, 0, len), stop: norm(s.stop, len, 0, len), step };
  return { start: norm(s.start, len - 1, -1, len - 1), stop: norm(s.stop, -1, -1, len - 1), step };
}

/** C3 linearisation; falls back to depth-first order when bases are inconsistent. */
export function linearize(cls: PyClass, object: PyClass | undefined): PyClass[] {
  const seqs = cls.bases.map((b) => b.mro.slice()).concat([cls.bases.slice()]);
  const out: PyClass[] = [cls];
  for (;;) {
    const nonEmpty = seqs.filter((s) => s.length);
    if (!nonEmpty.length) break;
    let head: PyClass | null = null;
    for (const s of nonEmpty) {
      const h = s[0];
      if (!nonEmpty.some((t) => t.indexOf(h) > 0)) { head = h; break; }
    }
    if (!head) { for (const b of cls.bases) for (const c of b.mro) if (!out.includes(c)) out.push(c); break; }
    out.push(head);
    for (const s of nonEmpty) if (s[0] === head) s.shift();
  }
  if (object && !out.includes(object) && cls !== object) out.push(object);
  return out;
}

function parseNumber(t: string): Value {
  const s = t.replace(/_/g, '');
  if (/[jJ]$/.test(s)) return new Unknown('complex numbers are not supported', null);
  if (/[.eE]/.test(s) && !/^0[xX]/.test(s)) return new PyFloat(parseFloat(s));
  // Ints are JS numbers: one beyond 2^53 would be rounded, so it is unknown instead.
  const big = BigInt(/^0[oO]/.test(s) ? '0o' + s.slice(2) : /^0[bB]/.test(s) ? '0b' + s.slice(2) : /^0[xX]/.test(s) ? '0x' + s.slice(2) : s.replace(/^0+(?=\d)/, ''));
  return intOrUnknown(big, `the integer literal ${t.length > 30 ? t.slice(0, 27) + '...' : t}`, null);
}

/** A Python int as a JS number when it is exactly representable, else an explicit unknown. */
function intOrUnknown(v: bigint, what: string, at: Span | null): Value {
  if (v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(v);
  return new Unknown(`${what} is beyond 2^53 and cannot be represented exactly`, at);
}

function parseString(t: string): Value {
  let p = 0;
  while (p < t.length && /[a-zA-Z]/.test(t[p])) p++;
  const prefix = t.slice(0, p).toLowerCase();
  const q = t.startsWith('"""', p) || t.startsWith("'''", p) ? 3 : 1;
  const body = t.slice(p + q, t.length - q >= p + q ? t.length - q : t.length);
  if (prefix.includes('r')) return body;
  // Unicode character names need CPython's name table: an explicit unknown, not the raw escape.
  if (!prefix.includes('b') && /(^|[^\\])(\\\\)*\\N\{/.test(body)) return new Unknown('\\N{...} escapes are not supported', null);
  return body.replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|N\{[^}]*\}|[0-7]{1,3}|.|\n)/g, (_m, e: string) => {
    switch (e[0]) {
      case 'n': return '\n'; case 't': return '\t'; case 'r': return '\r'; case '0': return e.length > 1 ? String.fromCharCode(parseInt(e, 8)) : '\0';
      case '\\': return '\\'; case "'": return "'"; case '"': return '"'; case '\n': return '';
      case 'x': case 'u': return String.fromCharCode(parseInt(e.slice(1), 16));
      case 'U': return String.fromCodePoint(Math.min(parseInt(e.slice(1), 16), 0x10ffff));
      case 'a': return '\x07'; case 'b': return '\b'; case 'f': return '\f'; case 'v': return '\v';
      default: return /[0-7]/.test(e[0]) ? String.fromCharCode(parseInt(e, 8)) : '\\' + e;
    }
  });
}

function numBinop(op: string, a: number | boolean | PyFloat, b: number | boolean | PyFloat, it: Interpreter, at: Span | null): Value {
  const x = num(a), y = num(b);
  const ints = isInt(a) && isInt(b);
  const f = (v: number): Value => ints ? v + 0 : new PyFloat(v);
  const zero = () => { throw new PyException(it.exception('ZeroDivisionError'), 'division by zero', at); };
  // Integer arithmetic is exact (BigInt), and a result beyond 2^53 is unknown rather than rounded.
  if (ints && op !== '/') {
    const X = BigInt(x), Y = BigInt(y);
    const floorDiv = (p: bigint, q: bigint): bigint => { const d = p / q; return (p % q !== 0n) && ((p < 0n) !== (q < 0n)) ? d - 1n : d; };
    let r: bigint | null = null;
    switch (op) {
      case '+': r = X + Y; break;
      case '-': r = X - Y; break;
      case '*': r = X * Y; break;
      case '//': if (Y === 0n) zero(); r = floorDiv(X, Y); break;
      case '%': if (Y === 0n) zero(); r = X - floorDiv(X, Y) * Y; break;
      case '**':
        if (Y < 0n) return new PyFloat(Math.pow(x, y));
        // Bound the work: |x| ≥ 2 with an exponent past 64 is far beyond 2^53.
        if (Y > 64n && (X > 1n || X < -1n)) return intOrUnknown(X ** 64n * 2n ** 64n, `${x} ** ${y}`, at);
        r = X ** Y; break;
      case '&': r = X & Y; break;
      case '|': r = X | Y; break;
      case '^': r = X ^ Y; break;
      case '<<': if (Y < 0n) throw new PyException(it.exception('ValueError'), 'negative shift count', at); r = Y > 64n ? (X === 0n ? 0n : X * 2n ** 64n) : X << Y; break;
      case '>>': if (Y < 0n) throw new PyException(it.exception('ValueError'), 'negative shift count', at); r = Y > 64n ? (X < 0n ? -1n : 0n) : X >> Y; break;
    }
    if (r !== null) return intOrUnknown(r, `the integer result of ${op}`, at);
  }
  switch (op) {
    case '+': return f(x + y);
    case '-': return f(x - y);
    case '*': return f(x * y);
    case '/': if (y === 0) zero(); return new PyFloat(x / y);
    case '//': if (y === 0) zero(); return f(Math.floor(x / y));
    case '%': { if (y === 0) zero(); const m = x - Math.floor(x / y) * y; return f(m); }
    case '**': {
      const r = Math.pow(x, y);
      return ints && y >= 0 ? r : new PyFloat(r);
    }
    case '&': return ints ? (x & y) : new Unknown('bad operand', at);
    case '|': return ints ? (x | y) : new Unknown('bad operand', at);
    case '^': return ints ? (x ^ y) : new Unknown('bad operand', at);
    case '<<': return x * Math.pow(2, y);
    case '>>': return Math.floor(x / Math.pow(2, y));
  }
  return new Unknown(`unsupported operator ${op}`, at);
}

function percentFormat(fmt: string, args: Value, it: Interpreter): string {
  const mapping = args instanceof PyDict ? args : null;
  const items = args instanceof PyTuple ? args.items : [args];
  let i = 0;
  return fmt.replace(/%(?:\(([^)]*)\))?([-+ 0#]*)(\d*)(?:\.(\d+))?([sdiufrxXoeEgGc%])/g,
    (_m, key: string | undefined, flags: string, width: string, prec: string | undefined, conv: string) => {
      if (conv === '%') return '%';
      const v = key !== undefined && mapping ? mapping.get(key) ?? null : items[i++];
      const left = flags.includes('-');
      if (conv === 's' || conv === 'r') {
        const s = conv === 'r' ? it.repr(v) : it.str(v);
        return formatValue(prec !== undefined ? s.slice(0, +prec) : s, (left ? '<' : '>') + width, it);
      }
      const type = conv === 'i' || conv === 'u' ? 'd' : conv;
      const spec = (left ? '<' : '') + (flags.includes('+') ? '+' : flags.includes(' ') ? ' ' : '') + (flags.includes('#') ? '#' : '') +
        (flags.includes('0') && !left ? '0' : '') + width + (prec !== undefined && type !== 'd' ? '.' + prec : '') + type;
      return formatValue(type === 'd' && v instanceof PyFloat ? Math.trunc(v.v) : v, spec, it);
    });
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
