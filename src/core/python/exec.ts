// Statements of the symbolic interpreter: assignment and its targets, control flow (if/for/while/try/with/
// match), raise/assert/del, imports, def/class with decorators, and the havoc of code that may or may not run.
// Free functions of the Interpreter (interp.ts), which calls them through one-line methods.
import type { SyntaxNode } from '@lezer/common';
import {
  Value, Span, PyTuple, PyList, PyDict, PySlice, Unknown, Param, PyFunction, NativeFunction, BoundMethod,
  PyPartial, Descriptor, PyClass, PyInstance, PyNamespace, Scope, LazyImport, metaOf,
} from './values';
import { Matcher, Bindings } from './match';
import type { Interpreter, Completion, ClassScope } from './interp';
import { PyException, containsYield, kids, isExprNode, moduleLevel, shapeOf, BodyShape } from './interp';
import { plainIndex } from './eval';
import { sliceIndices, linearize } from './objects';

export function execBody(it: Interpreter, stmts: SyntaxNode[], scope: Scope): Completion {
  for (const s of stmts) {
    const c = it.exec(s, scope);
    if (c !== undefined) return c;
  }
  return undefined;
}

export function bodyOf(it: Interpreter, n: SyntaxNode): SyntaxNode[] {
  // A Body node holds ':' and the statements.
  return shapeOf(n, BodyShape, it).stmts;
}

export function execute(it: Interpreter, n: SyntaxNode, scope: Scope): Completion {
  it.lastStmt = n;
  it.lastFile = it.curFile;
  it.tick();
  switch (n.name) {
    case 'ExpressionStatement': {
      const e = kids(n)[0];
      if (e) it.eval(e, scope);
      return undefined;
    }
    case 'AssignStatement': return it.execAssign(n, scope);
    case 'UpdateStatement': return it.execUpdate(n, scope);
    case 'IfStatement': return it.execIf(n, scope);
    case 'ForStatement': return it.execFor(n, scope);
    case 'WhileStatement': return it.execWhile(n, scope);
    case 'FunctionDefinition': it.defineFunction(n, scope, []); return undefined;
    case 'ClassDefinition': it.defineClass(n, scope, []); return undefined;
    case 'DecoratedStatement': return it.execDecorated(n, scope);
    case 'ReturnStatement': {
      const e = kids(n).slice(1);
      return { ret: e.some(isExprNode) ? it.evalList(e, scope, n) : null };
    }
    case 'PassStatement': return undefined;
    case 'YieldStatement': it.eval(n, scope); return undefined;
    case 'BreakStatement': return 'break';
    case 'ContinueStatement': return 'continue';
    case 'RaiseStatement': return it.execRaise(n, scope);
    case 'TryStatement': return it.execTry(n, scope);
    case 'WithStatement': return it.execWith(n, scope);
    case 'MatchStatement': return it.execMatch(n, scope);
    case 'ImportStatement': it.execImport(n, scope); return undefined;
    case 'AssertStatement': return it.execAssert(n, scope);
    case 'DeleteStatement': it.execDelete(n, scope); return undefined;
    case 'ScopeStatement': {
      const names = kids(n).filter((c) => c.name === 'VariableName').map((c) => it.text(c));
      scope.globals ??= new Set();
      const isGlobal = kids(n)[0]?.name === 'global';
      for (const nm of names) { scope.globals.add(nm); if (isGlobal) moduleLevel(scope).add(nm); }
      return undefined;
    }
    case 'Body': return it.execBody(it.bodyOf(n), scope);
    case 'StatementGroup': return it.execBody(kids(n).filter((c) => c.name !== ';' && !c.type.isError), scope);
    default:
      if (n.type.isError) return undefined;
      // Unsupported statement kinds: not run, and what they would bind or change is unknown.
      if (n.name.endsWith('Statement')) {
        it.note(`unsupported statement '${n.name}'`, it.span(n));
        return it.havoc([n], scope, new Unknown(`depends on an unsupported statement (${n.name})`, it.span(n)));
      }
      return undefined;
  }
}

/** `match`: the first case whose pattern matches and guard holds runs (see match.ts). */
export function execMatch(it: Interpreter, n: SyntaxNode, scope: Scope): Completion {
  const ch = kids(n);
  const bodyAt = ch.findIndex((c) => c.name === 'MatchBody');
  // `match a, b:` is beyond lezer: the subject is then read on its own (SourceFile.subExpression).
  const head = ch.slice(1, bodyAt);
  const sub = bodyAt > 1 && it.curFile!.hasErrorIn(head[0].from, ch[bodyAt].from) ? it.curFile!.subExpression(head[0].from, ch[bodyAt].from) : null;
  const subject = sub ? it.eval(sub, scope) : head.length === 1 ? it.eval(head[0], scope) : new Unknown('a match subject that cannot be read', it.span(n));
  const clauses = bodyAt >= 0 ? kids(ch[bodyAt]).filter((c) => c.name === 'MatchClause') : [];
  const matcher = new Matcher(it, scope);
  for (let i = 0; i < clauses.length; i++) {
    const cc = kids(clauses[i]);
    const pats = cc.filter((c) => c.name !== 'case' && c.name !== ',' && c.name !== 'Guard' && c.name !== 'Body' && !c.type.isError);
    const guard = cc.find((c) => c.name === 'Guard');
    const body = cc.find((c) => c.name === 'Body');
    const binds: Bindings = [];
    const r = pats.length === 1 && !cc.some((c) => c.name === ',') ? matcher.match(pats[0], subject, binds) : matcher.sequence(pats, subject, binds);
    const undecided = (u: Unknown) => it.havoc(clauses.slice(i), scope, new Unknown(`depends on a match statement that cannot be decided: ${u.reason}`, u.at ?? it.span(n)));
    if (r instanceof Unknown) return undecided(r);
    if (!r) continue;
    for (const [nm, v] of binds) it.assign(nm, v, scope);
    if (guard) {
      const t = it.truthy(it.eval(kids(guard)[1], scope), it.span(guard));
      if (t instanceof Unknown) return undecided(t);
      if (!t) continue;
    }
    return body ? it.execBody(it.bodyOf(body), scope) : undefined;
  }
  return undefined;
}

/** Split on AssignOp: targets... = value (the last group). TypeDef marks an annotation. */
class AssignShape {
  readonly groups: SyntaxNode[][] = [[]];
  annotated = false;
  /** Per target group: its one target when it is not a comma list (`x = ...`, `self.a = ...`). */
  readonly single: (SyntaxNode | null)[];
  /** The value's one expression when it is not a comma list or starred. */
  readonly value: SyntaxNode | null;
  constructor(n: SyntaxNode) {
    for (const c of kids(n)) {
      if (c.name === 'AssignOp') this.groups.push([]);
      else if (c.name === 'TypeDef') this.annotated = true;
      else this.groups[this.groups.length - 1].push(c); // commas too: they make `a, b = ...` a tuple target
    }
    this.single = this.groups.map((g) => (g.length === 1 && g[0].name !== ',' ? g[0] : null));
    const v = this.groups[this.groups.length - 1];
    const exprs = v.filter(isExprNode);
    this.value = exprs.length === 1 && !v.some((c) => c.name === ',' || c.name === '*') ? exprs[0] : null;
  }
}

export function execAssign(it: Interpreter, n: SyntaxNode, scope: Scope): Completion {
  const ch = kids(n);
  const { groups, annotated, single, value: valueNode } = shapeOf(n, AssignShape, it);
  if (groups.length === 1) {
    // Bare annotation `x: int`: record for dataclasses.
    if (annotated && scope.kind === 'class') {
      const nm = ch[0];
      if (nm?.name === 'VariableName') (scope as ClassScope).annotations?.push(it.text(nm));
    }
    return undefined;
  }
  const valueNodes = groups[groups.length - 1];
  const value = valueNode ? it.eval(valueNode, scope) : it.evalCommaList(valueNodes, scope, n);
  const prevAssign = it.currentAssign;
  const prevFile = it.currentAssignFile;
  const prevScope = it.currentAssignScope;
  it.currentAssign = n;
  it.currentAssignFile = it.curFile;
  it.currentAssignScope = scope;
  try {
    for (let i = 0; i < groups.length - 1; i++) {
      const tnodes = groups[i];
      if (annotated && scope.kind === 'class' && tnodes.length === 1 && tnodes[0].name === 'VariableName') {
        (scope as ClassScope).annotations?.push(it.text(tnodes[0]));
      }
      const one = single[i];
      if (one) it.assign(one, value, scope); else it.assignTargets(tnodes, value, scope);
    }
  } finally {
    it.currentAssign = prevAssign;
    it.currentAssignFile = prevFile;
    it.currentAssignScope = prevScope;
  }
  return undefined;
}

/** Targets separated by commas form a tuple target. */
export function assignTargets(it: Interpreter, tnodes: SyntaxNode[], value: Value, scope: Scope): void {
  const hasComma = tnodes.some((c) => c.name === ',');
  const exprs = tnodes.filter((c) => c.name !== ',');
  if (!hasComma && exprs.length === 1) return it.assign(exprs[0], value, scope);
  it.unpackInto(tnodes, value, scope);
}

export function unpackInto(it: Interpreter, tnodes: SyntaxNode[], value: Value, scope: Scope): void {
  // Items may include '*' followed by a name (starred target).
  const targets: { node: SyntaxNode; star: boolean }[] = [];
  for (let i = 0; i < tnodes.length; i++) {
    const c = tnodes[i];
    if (c.name === ',' || c.name === '(' || c.name === ')' || c.name === '[' || c.name === ']') continue;
    if (c.name === '*') { targets.push({ node: tnodes[++i], star: true }); continue; }
    targets.push({ node: c, star: false });
  }
  const items = it.iterate(value, it.span(tnodes[0]));
  if (items instanceof Unknown) {
    for (const t of targets) if (t.node) it.assign(t.node, items, scope);
    return;
  }
  const starAt = targets.findIndex((t) => t.star);
  if (starAt < 0) {
    if (items.length !== targets.length) {
      throw new PyException(it.exception('ValueError'),
        `cannot unpack ${items.length} values into ${targets.length} targets`, it.span(tnodes[0]));
    }
    targets.forEach((t, i) => it.assign(t.node, items[i], scope));
    return;
  }
  const after = targets.length - starAt - 1;
  targets.slice(0, starAt).forEach((t, i) => it.assign(t.node, items[i], scope));
  it.assign(targets[starAt].node, new PyList(items.slice(starAt, items.length - after)), scope);
  targets.slice(starAt + 1).forEach((t, i) => it.assign(t.node, items[items.length - after + i], scope));
}

export function assign(it: Interpreter, t: SyntaxNode, value: Value, scope: Scope): void {
  switch (t.name) {
    case 'VariableName': {
      const name = it.text(t);
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
        if (e) it.assign(e, value, scope);
        return;
      }
      return it.unpackInto(inner, value, scope);
    }
    case 'MemberExpression': {
      const ch = kids(t);
      const obj = it.eval(ch[0], scope);
      if (ch[1]?.name === '.') {
        it.setattr(obj, it.text(ch[2]), value, it.span(t));
      } else {
        const one = plainIndex(it, ch);
        const idx = one ? it.eval(one, scope) : it.evalSubscriptIndex(ch.slice(1), scope);
        it.setitem(obj, idx, value, it.span(t));
      }
      return;
    }
    default:
      it.note(`cannot assign to '${it.text(t).slice(0, 30)}'`, it.span(t));
      if (it.recording) it.lostEffects = true;
  }
}

export function execUpdate(it: Interpreter, n: SyntaxNode, scope: Scope): Completion {
  const ch = kids(n);
  const target = ch[0];
  const opNode = ch.find((c) => c.name === 'UpdateOp');
  const valueNodes = ch.slice(ch.indexOf(opNode!) + 1);
  if (!opNode || valueNodes.length === 0) return undefined;
  const op = it.text(opNode).slice(0, -1);
  const cur = it.eval(target, scope);
  const rhs = it.evalCommaList(valueNodes, scope, n);
  let res: Value;
  // In-place list extension keeps identity (`layers += [...]`).
  if (op === '+' && cur instanceof PyList) {
    const items = it.iterate(rhs, it.span(n));
    const big = items instanceof Unknown ? null : it.refuse('list', cur.items.length + items.length, it.span(n));
    if (items instanceof Unknown) res = items;
    else if (big) res = big;
    else { for (const x of items) cur.items.push(x); res = cur; }
  } else res = it.binop(op, cur, rhs, it.span(n));
  it.assign(target, res, scope);
  return undefined;
}

export function execIf(it: Interpreter, n: SyntaxNode, scope: Scope): Completion {
  const ch = kids(n);
  let i = 0;
  while (i < ch.length) {
    const kw = ch[i].name;
    if (kw === 'if' || kw === 'elif') {
      const cond = ch[i + 1];
      const body = ch[i + 2];
      if (!cond || !body || body.name !== 'Body') return undefined;
      const v = it.truthy(it.eval(cond, scope), it.span(cond));
      if (v instanceof Unknown) {
        it.note(`cannot decide condition '${it.text(cond).slice(0, 60)}': ${v.reason}`, it.span(cond));
        // Any of the remaining branches may run: what they bind or change is unknown.
        const why = new Unknown(`depends on the undecided condition '${it.text(cond).slice(0, 60)}'`, it.span(cond));
        return it.havoc(ch.slice(i + 2).filter((c) => c.name === 'Body'), scope, why);
      }
      if (v) return it.execBody(it.bodyOf(body), scope);
      i += 3;
    } else if (kw === 'else') {
      const body = ch[i + 1];
      return body ? it.execBody(it.bodyOf(body), scope) : undefined;
    } else i++;
  }
  return undefined;
}

export function execFor(it: Interpreter, n: SyntaxNode, scope: Scope): Completion {
  const ch = kids(n);
  const inAt = ch.findIndex((c) => c.name === 'in');
  const bodyAt = ch.findIndex((c) => c.name === 'Body');
  if (inAt < 0 || bodyAt < 0) return undefined;
  const targets = ch.slice(1, inAt);
  const iterable = it.evalCommaList(ch.slice(inAt + 1, bodyAt), scope, n);
  const items = it.iterate(iterable, it.span(n));
  if (items instanceof Unknown) {
    it.note(`cannot iterate '${it.text(ch[inAt + 1]).slice(0, 60)}': ${items.reason}`, it.span(n));
    return it.havoc([n], scope, new Unknown(`depends on a loop over an unknown iterable: ${items.reason}`, it.span(n)));
  }
  const body = it.bodyOf(ch[bodyAt]);
  let broke = false;
  for (const item of items) {
    it.tick();
    it.assignTargets(targets, item, scope);
    const c = it.execBody(body, scope);
    if (c === 'break') { broke = true; break; }
    if (c === 'continue') continue;
    if (c !== undefined) return c;
  }
  const elseAt = ch.findIndex((c) => c.name === 'else');
  if (!broke && elseAt >= 0 && ch[elseAt + 1]) return it.execBody(it.bodyOf(ch[elseAt + 1]), scope);
  return undefined;
}

export function execWhile(it: Interpreter, n: SyntaxNode, scope: Scope): Completion {
  const ch = kids(n);
  const cond = ch[1];
  const bodyNode = ch.find((c) => c.name === 'Body');
  if (!cond || !bodyNode) return undefined;
  const body = it.bodyOf(bodyNode);
  let guard = 0;
  for (;;) {
    const v = it.truthy(it.eval(cond, scope), it.span(cond));
    if (v instanceof Unknown) {
      it.note(`cannot decide loop condition: ${v.reason}`, it.span(cond));
      return it.havoc([n], scope, new Unknown(`depends on the undecided loop condition: ${v.reason}`, it.span(cond)));
    }
    if (!v) break;
    if (++guard > 100_000) {
      it.note('loop ran more than 100000 times; stopped', it.span(n));
      return it.havoc([n], scope, new Unknown('depends on a loop stopped after 100000 iterations', it.span(n)));
    }
    const c = it.execBody(body, scope);
    if (c === 'break') return undefined;
    if (c === 'continue') continue;
    if (c !== undefined) return c;
  }
  const elseAt = ch.findIndex((c) => c.name === 'else');
  if (elseAt >= 0 && ch[elseAt + 1]) return it.execBody(it.bodyOf(ch[elseAt + 1]), scope);
  return undefined;
}

export function execRaise(it: Interpreter, n: SyntaxNode, scope: Scope): Completion {
  const e = kids(n).filter(isExprNode).slice(1);
  const at = it.span(n);
  if (e.length === 0) {
    const active = it.handling[it.handling.length - 1];
    throw active ?? new PyException(it.exception('RuntimeError'), 'No active exception to reraise', at);
  }
  let v = it.eval(e[0], scope);
  if (v instanceof PyClass) v = it.instantiate(v, [], new Map(), at);
  if (v instanceof PyInstance) {
    const args = v.attrs.get('args');
    const msg = args instanceof PyTuple && args.items.length ? it.str(args.items[0]) : '';
    throw new PyException(v.cls, msg, at, v);
  }
  throw new PyException(it.exception('Exception'), it.str(v), at);
}

export function execTry(it: Interpreter, n: SyntaxNode, scope: Scope): Completion {
  const ch = kids(n);
  const body = ch[1];
  let result: Completion;
  const finallyAt = ch.findIndex((c) => c.name === 'finally');
  const runFinally = (): Completion => finallyAt >= 0 && ch[finallyAt + 1] ? it.execBody(it.bodyOf(ch[finallyAt + 1]), scope) : undefined;
  // `try: import x / except ImportError:` falls back when x is nowhere to be found.
  const guards = ch.some((c, i) => c.name === 'except' && (ch[i + 1]?.name === 'Body' || /\b(ImportError|ModuleNotFoundError|Exception|BaseException)\b/.test(it.text(ch[i + 1]))));
  try {
    if (guards) it.importGuard++;
    try {
      result = body ? it.execBody(it.bodyOf(body), scope) : undefined;
    } finally {
      if (guards) it.importGuard--;
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
        const t = it.eval(typeNode, scope);
        const types = t instanceof PyTuple ? t.items : [t];
        matches = types.some((tc) => tc instanceof PyClass && e.cls.isSubclassOf(tc));
      }
      if (!matches) continue;
      if (asName) {
        const inst = e.value instanceof PyInstance ? e.value : new PyInstance(e.cls);
        if (!inst.attrs.has('args')) inst.attrs.set('args', new PyTuple([e.msg]));
        it.assign(asName, inst, scope);
      }
      let r: Completion;
      it.handling.push(e);
      try { r = it.execBody(it.bodyOf(handler), scope); } catch (inner) { runFinally(); throw inner; } finally { it.handling.pop(); }
      const f = runFinally();
      return f ?? r;
    }
    runFinally();
    throw e;
  }
  const elseAt = ch.findIndex((c) => c.name === 'else');
  if (result === undefined && elseAt >= 0 && ch[elseAt + 1]) {
    try { result = it.execBody(it.bodyOf(ch[elseAt + 1]), scope); } catch (inner) { runFinally(); throw inner; }
  }
  const f = runFinally();
  return f ?? result;
}

export function execWith(it: Interpreter, n: SyntaxNode, scope: Scope): Completion { return it.execWithFrom(kids(n), 1, scope); }

export function execWithFrom(it: Interpreter, ch: SyntaxNode[], from: number, scope: Scope): Completion {
  // `with a as b, c:` — evaluate context expressions, bind names, run body. No __enter__ semantics
  // beyond returning the object itself (torch.no_grad() and friends).
  for (let i = from; i < ch.length; i++) {
    const c = ch[i];
    if (c.name === 'Body') return it.execBody(it.bodyOf(c), scope);
    if (c.name === ',' || c.name === 'as') continue;
    const mgr = it.eval(c, scope);
    const enter = mgr instanceof PyInstance ? mgr.cls.lookup('__enter__') : undefined;
    const exit = mgr instanceof PyInstance ? mgr.cls.lookup('__exit__') : undefined;
    const v = enter !== undefined ? it.call(enter, [mgr], new Map(), it.span(c)) : mgr;
    if (ch[i + 1]?.name === 'as' && ch[i + 2]) { it.assign(ch[i + 2], v, scope); i += 2; }
    if (exit !== undefined) {
      // The rest of the statement (more managers, then the body) runs inside it one.
      let r: Completion;
      try { r = it.execWithFrom(ch, i + 1, scope); } catch (e) {
        if (!(e instanceof PyException)) throw e;
        const suppress = it.truthy(it.call(exit, [mgr, e.cls, e.value ?? new PyInstance(e.cls), null], new Map(), it.span(c)), it.span(c));
        if (suppress === true) return undefined;
        throw e;
      }
      it.call(exit, [mgr, null, null, null], new Map(), it.span(c));
      return r;
    }
  }
  return undefined;
}

export function execAssert(it: Interpreter, n: SyntaxNode, scope: Scope): Completion {
  const e = kids(n).filter(isExprNode).slice(1);
  if (!e[0]) return undefined;
  const v = it.truthy(it.eval(e[0], scope), it.span(e[0]));
  if (v === false) {
    const msg = e[1] ? it.str(it.eval(e[1], scope)) : it.text(e[0]);
    throw new PyException(it.exception('AssertionError'), msg, it.span(n));
  }
  return undefined;
}

export function execDelete(it: Interpreter, n: SyntaxNode, scope: Scope): void {
  for (const t of kids(n).filter(isExprNode).slice(1)) {
    if (t.name === 'VariableName') scope.vars.delete(it.text(t));
    else if (t.name === 'MemberExpression') {
      const ch = kids(t);
      const obj = it.eval(ch[0], scope);
      if (ch[1]?.name === '.') {
        const name = it.text(ch[2]);
        if (obj instanceof PyInstance) {
          obj.attrs.delete(name);
          obj.module?.modules.delete(name); obj.module?.params.delete(name); obj.module?.buffers.delete(name);
        }
      } else {
        const one = plainIndex(it, ch);
        const idx = one ? it.eval(one, scope) : it.evalSubscriptIndex(ch.slice(1), scope);
        if (obj instanceof PyDict) obj.delete(idx);
        else if (obj instanceof PyList && typeof idx === 'number') obj.items.splice(idx < 0 ? obj.items.length + idx : idx, 1);
        else if (obj instanceof PyList && idx instanceof PySlice) {
          const r = sliceIndices(idx, obj.items.length, it, it.span(t));
          if (!(r instanceof Unknown)) {
            const drop = new Set<number>();
            for (let i = r.start; r.step > 0 ? i < r.stop : i > r.stop; i += r.step) drop.add(i);
            obj.items = obj.items.filter((_, i) => !drop.has(i));
          }
        }
        else if (obj instanceof PyInstance) {
          const d = obj.cls.lookup('__delitem__');
          if (d) it.call(d, [obj, idx], new Map(), it.span(t));
        }
      }
    }
  }
}

export function execImport(it: Interpreter, n: SyntaxNode, scope: Scope): void {
  const ch = kids(n);
  const at = it.span(n);
  const file = it.curFile!;
  if (ch[0]?.name === 'from') {
    // from <dots><name.path> import a as b, c | *
    let i = 1, level = 0;
    const parts: string[] = [];
    while (i < ch.length && ch[i].name !== 'import') {
      if (ch[i].name === '.') { if (parts.length === 0) level++; }
      else if (ch[i].name === 'Ellipsis') level += 3;
      else if (ch[i].name === 'VariableName') parts.push(it.text(ch[i]));
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
        if (ch[i + 1]?.name === 'as' && ch[i + 2]) { names.push([it.text(c), it.text(ch[i + 2])]); i += 2; }
        else names.push([it.text(c), it.text(c)]);
      }
    }
    const resolver = it.resolver;
    if (it.importGuard > 0 && !resolver.mayExist(file, level, modName)) {
      throw new PyException(it.exception('ModuleNotFoundError'), `No module named '${'.'.repeat(level)}${modName}'`, at);
    }
    if (star) {
      const ns = resolver.importModule(it, file, level, modName, at);
      if (ns instanceof PyNamespace) for (const [k, v] of ns.attrs) if (!k.startsWith('_')) scope.vars.set(k, v);
      return;
    }
    for (const [name, alias] of names) {
      scope.vars.set(alias, new LazyImport(() => resolver.importFrom(it, file, level, modName, name, at)));
    }
    return;
  }
  // import a.b.c [as d], e
  let i = 1;
  while (i < ch.length) {
    const parts: string[] = [];
    while (i < ch.length && ch[i].name !== ',' && ch[i].name !== 'as') {
      if (ch[i].name === 'VariableName') parts.push(it.text(ch[i]));
      i++;
    }
    let alias: string | null = null;
    if (ch[i]?.name === 'as') { alias = it.text(ch[i + 1]); i += 2; }
    i++;
    if (parts.length === 0) continue;
    const full = parts.join('.');
    if (it.importGuard > 0 && !it.resolver.mayExist(file, 0, full)) {
      throw new PyException(it.exception('ModuleNotFoundError'), `No module named '${full}'`, at);
    }
    if (alias) {
      scope.vars.set(alias, new LazyImport(() => it.resolver.importModule(it, file, 0, full, at)));
    } else {
      // `import a.b` binds `a`; make sure a.b is loaded as an attribute.
      const top = parts[0];
      const lazy = new LazyImport(() => {
        const root = it.resolver.importModule(it, file, 0, top, at);
        if (parts.length > 1) it.resolver.importModule(it, file, 0, full, at);
        return root;
      });
      scope.vars.set(top, lazy);
      // A project module may be imported for what running it does (a registry filled on
      // import): run it now, as Python does. Installed libraries stay lazy (cheap analysis).
      if (it.resolver.isProjectModule(file, full)) lazy.resolve();
    }
  }
}

/** Applies a decorator; one from user code that fails or gives Unknown leaves the object as it was. */
export function decorate(it: Interpreter, d: Value, obj: Value, at: Span): Value {
  if (!(d instanceof UserDecorator)) return it.call(d, [obj], new Map(), at);
  try {
    const r = it.call(d.fn, [obj], new Map(), at);
    return r instanceof Unknown || d.imported ? obj : r;
  } catch (e) {
    if (e instanceof PyException) return obj;
    throw e;
  }
}

export function execDecorated(it: Interpreter, n: SyntaxNode, scope: Scope): Completion {
  const ch = kids(n);
  const decos = ch.filter((c) => c.name === 'Decorator');
  const def = ch.find((c) => c.name === 'FunctionDefinition' || c.name === 'ClassDefinition');
  if (!def) return undefined;
  // Decorators written in it file are applied (identity where they fail or give an unknown).
  // Imported ones run for what they do (timm's @register_model fills the registry create_model()
  // reads), but a wrapper they return is not used: library wrappers (torchvision's
  // handle_legacy_interface, built on inspect) only translate legacy arguments. Of the builtin
  // decorators the modelled ones apply; torch.jit.unused and the like are identity.
  const known: Value[] = [];
  for (const d of decos) {
    const expr = kids(d).filter((c) => c.name !== 'At')[0];
    if (!expr) continue;
    // A PEP 614 decorator (`@d['k']`), masked to one name for lezer (lexmask.ts): read its text alone.
    if (expr.name === 'VariableName' && !/^[\p{L}_][\p{L}\p{N}_]*$/u.test(it.text(expr))) {
      const sub = it.curFile!.subExpression(expr.from, expr.to);
      if (!sub) continue;
      let v: Value;
      try { v = it.eval(sub, scope); } catch { continue; }
      const user = (v instanceof PyFunction || v instanceof PyClass) && v.file === it.curFile;
      if (user || (v instanceof NativeFunction && DECORATORS.has(v.name))) known.push(user ? new UserDecorator(v) : v);
      continue;
    }
    let callee = expr;
    const argList = kids(d).find((c) => c.name === 'ArgList');
    if (expr.name === 'CallExpression') callee = kids(expr)[0];
    if (callee.name !== 'VariableName' && callee.name !== 'MemberExpression') continue;
    let v: Value;
    try {
      v = it.eval(callee, scope);
      // lezer lists `@a.b.c` as At, a, ., b, ., c (no MemberExpression): follow the dots.
      const rest = kids(d);
      for (let i = rest.indexOf(callee) + 1; i + 1 < rest.length && rest[i].name === '.'; i += 2) v = it.getattr(v, it.text(rest[i + 1]), it.span(d));
    } catch { continue; }
    const user = v instanceof PyFunction || v instanceof PyClass || v instanceof BoundMethod || v instanceof PyPartial;
    if (!user && (!(v instanceof NativeFunction) || !DECORATORS.has(v.name))) continue;
    if (expr.name === 'CallExpression' || argList) {
      const args = it.evalArgs(kids(expr.name === 'CallExpression' ? expr : d).find((c) => c.name === 'ArgList')!, scope);
      try { v = it.call(v, args.pos, args.kw, it.span(d)); } catch (e) { if (user && e instanceof PyException) continue; throw e; }
    }
    known.push(user ? new UserDecorator(v, (v instanceof PyFunction || v instanceof PyClass) && v.file !== it.curFile) : v);
  }
  const obj = def.name === 'FunctionDefinition' ? it.defineFunction(def, scope, known) : it.defineClass(def, scope, known);
  // Registry-style factories (timm's @register_model, torchvision's @register_model()).
  const reg = decos.map((d) => it.text(d).replace(/^@\s*/, '').replace(/\(.*$/s, '').split('.').pop()!.trim()).find((nm) => /regist/i.test(nm));
  const fn = obj instanceof PyFunction ? obj : def.name === 'FunctionDefinition' ? scope.vars.get(it.text(kids(def).find((c) => c.name === 'VariableName')!)) : null;
  if (reg && fn instanceof PyFunction) fn.registeredBy = reg;
  return undefined;
}

/** A `def`'s or `class`'s name, parameter list (def) or base arguments (class) and body nodes. */
class DefShape {
  readonly name: string | null;
  readonly params: SyntaxNode | undefined;
  readonly args: SyntaxNode | undefined;
  readonly body: SyntaxNode | undefined;
  constructor(n: SyntaxNode, it: Interpreter) {
    const ch = kids(n);
    const nameNode = ch.find((c) => c.name === 'VariableName');
    this.name = nameNode ? it.text(nameNode) : null;
    this.params = ch.find((c) => c.name === 'ParamList');
    this.args = ch.find((c) => c.name === 'ArgList');
    this.body = ch.find((c) => c.name === 'Body');
  }
}

export function defineFunction(it: Interpreter, n: SyntaxNode, scope: Scope, decorators: Value[]): Value {
  const { name, params: paramsNode, body } = shapeOf(n, DefShape, it);
  if (name === null || !body) return null;
  const params = paramsNode ? it.parseParams(paramsNode, scope) : [];
  const fn = new PyFunction(name, params, body, false, scope, it.curFile!, containsYield(body));
  let v: Value = fn;
  for (let i = decorators.length - 1; i >= 0; i--) v = it.decorate(decorators[i], v, it.span(n));
  scope.vars.set(fn.name, v);
  return v;
}

class ParamsShape { readonly params: ParamShape[]; constructor(n: SyntaxNode, it: Interpreter) { this.params = paramShapes(it, n); } }
/** A parameter as written: its default's node is evaluated each time the `def` runs. */
interface ParamShape { name: string; kind: Param['kind']; defaultNode: SyntaxNode | null; posOnly: boolean }

export function parseParams(it: Interpreter, n: SyntaxNode, scope: Scope): Param[] {
  // The list's shape is read once per node (kept on it, see Annotated); defaults are values of this run.
  const out: Param[] = [];
  for (const p of shapeOf(n, ParamsShape, it).params) {
    const q: Param = { name: p.name, kind: p.kind };
    if (p.posOnly) q.posOnly = true;
    if (p.defaultNode) q.default = it.eval(p.defaultNode, scope);
    out.push(q);
  }
  return out;
}

function paramShapes(it: Interpreter, n: SyntaxNode): ParamShape[] {
  const out: ParamShape[] = [];
  const ch = kids(n);
  let mode: 'pos' | 'kwonly' = 'pos';
  for (let i = 0; i < ch.length; i++) {
    const c = ch[i];
    // `/` is an anonymous token: it shows only in the text between two children.
    if (i > 0 && mode === 'pos' && /^[\s,]*\/[\s,]*$/.test(it.curFile!.text.slice(ch[i - 1].to, c.from).replace(/#.*$/gm, ''))) {
      for (const q of out) if (q.kind === 'pos') q.posOnly = true;
    }
    if (c.name === '*') {
      const next = ch[i + 1];
      if (next?.name === 'VariableName') { out.push({ name: it.text(next), kind: 'vararg', defaultNode: null, posOnly: false }); i++; }
      mode = 'kwonly';
    } else if (c.name === '**') {
      const next = ch[i + 1];
      if (next?.name === 'VariableName') { out.push({ name: it.text(next), kind: 'kwarg', defaultNode: null, posOnly: false }); i++; }
    } else if (c.name === 'VariableName') {
      const p: ParamShape = { name: it.text(c), kind: mode, defaultNode: null, posOnly: false };
      let j = i + 1;
      if (ch[j]?.name === 'TypeDef') j++;
      if (ch[j]?.name === 'AssignOp' && ch[j + 1]) { p.defaultNode = ch[j + 1]; j += 2; }
      i = j - 1;
      out.push(p);
    }
  }
  return out;
}

export function defineClass(it: Interpreter, n: SyntaxNode, scope: Scope, decorators: Value[]): Value {
  const { name, args: argList, body } = shapeOf(n, DefShape, it);
  if (name === null) return null;
  const bases: PyClass[] = [];
  let unknownBase = false;
  const extraBases: Value[] = [];
  if (argList) {
    const args = it.evalArgs(argList, scope);
    for (const b of args.pos) {
      if (b instanceof PyClass) bases.push(b);
      else if (b instanceof PyInstance && b.native === 'namedtuple-base') extraBases.push(b);
      else unknownBase = true;
    }
  }
  const cls = new PyClass(name, bases.length ? bases : [it.classes.object], it.curFile);
  cls.mro = linearize(cls, it.classes.object);
  cls.hasUnknownBase = unknownBase || bases.some((b) => b.hasUnknownBase);
  for (const b of bases) if (b.instanceCheck && !cls.instanceCheck) cls.instanceCheck = null;
  const cscope = new Scope(scope, 'class', it.curFile) as ClassScope;
  cscope.annotations = [];
  if (body) it.execBody(it.bodyOf(body), cscope);
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
  metaOf(cls)?.created?.(cls, it.ctx(it.span(n)));
  let v: Value = cls;
  for (let i = decorators.length - 1; i >= 0; i--) v = it.decorate(decorators[i], v, it.span(n));
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
export function havoc(it: Interpreter, stmts: SyntaxNode[], scope: Scope, why: Unknown): Completion {
  let mayReturn = false;
  const visit = (n: SyntaxNode): void => {
    switch (n.name) {
      case 'AssignStatement': {
        let group: SyntaxNode[] = [];
        for (const c of kids(n)) {
          if (c.name === 'AssignOp') { it.havocTargets(group, scope, why); group = []; }
          else if (c.name !== 'TypeDef') group.push(c);
        }
        if (!kids(n).some((c) => c.name === 'AssignOp')) return;
        for (const c of group) visitExpr(c);
        return;
      }
      case 'UpdateStatement': { const t = kids(n)[0]; if (t) it.havocTarget(t, scope, why); return; }
      case 'ForStatement': {
        const ch = kids(n);
        const inAt = ch.findIndex((c) => c.name === 'in');
        if (inAt > 0) it.havocTargets(ch.slice(1, inAt), scope, why);
        break;
      }
      case 'ExpressionStatement': { for (const c of kids(n)) visitExpr(c); return; }
      case 'ReturnStatement': mayReturn = true; return;
      case 'FunctionDefinition': case 'ClassDefinition': {
        const nm = kids(n).find((c) => c.name === 'VariableName');
        if (nm) it.havocTarget(nm, scope, why);
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
          it.havocTarget(c, scope, why);
        }
        return;
      }
      case 'WithStatement': {
        const ch = kids(n);
        ch.forEach((c, i) => { if (ch[i - 1]?.name === 'as') it.havocTarget(c, scope, why); });
        break;
      }
      case 'DeleteStatement': { for (const c of kids(n).slice(1)) if (isExprNode(c)) it.havocTarget(c, scope, why); return; }
      case 'MatchClause': {
        // Names its pattern would capture (`case [x, *rest]`, `case P() as p`).
        const captures = (p: SyntaxNode): void => {
          for (const c of kids(p)) {
            if (c.name === 'Body' || c.name === 'Guard') continue;
            if (c.name === 'VariableName' && (p.name === 'CapturePattern' || (p.name === 'AsPattern' && c === kids(p)[kids(p).length - 1])) && it.text(c) !== '_') it.havocTarget(c, scope, why);
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
      if (callee?.name === 'MemberExpression' && kids(callee)[1]?.name === '.') it.taint(it.pureRead(kids(callee)[0], scope), why);
      const args = ch.find((c) => c.name === 'ArgList');
      if (args) for (const a of kids(args)) if (isExprNode(a)) it.taint(it.pureRead(a, scope), why);
    }
    if (e.name === 'AssignOp' || e.name === 'NamedExpression') return;
    for (const c of kids(e)) if (c.name !== 'Body') visitExpr(c);
  };
  for (const s of stmts) visit(s);
  return mayReturn ? { ret: why } : undefined;
}

export function havocTargets(it: Interpreter, tnodes: SyntaxNode[], scope: Scope, why: Unknown): void {
  for (const t of tnodes) if (isExprNode(t) && t.name !== '*') it.havocTarget(t, scope, why);
}

export function havocTarget(it: Interpreter, t: SyntaxNode, scope: Scope, why: Unknown): void {
  switch (t.name) {
    case 'VariableName': it.assign(t, why, scope); return;
    case 'TupleExpression': case 'ArrayExpression': case 'ParenthesizedExpression':
      for (const c of kids(t)) if (isExprNode(c) && c.name !== '*') it.havocTarget(c, scope, why);
      return;
    case 'MemberExpression': {
      const ch = kids(t);
      const obj = it.pureRead(ch[0], scope);
      if (obj === undefined) return;
      if (ch[1]?.name === '.' && ch[2] && obj instanceof PyInstance) {
        try { it.setattr(obj, it.text(ch[2]), why, it.span(t)); } catch { it.taint(obj, why); }
      } else it.taint(obj, why);
      return;
    }
  }
}

/** The value of a plain name or attribute chain (`x`, `self.layers`) without running any code. */
export function pureRead(it: Interpreter, n: SyntaxNode, scope: Scope): Value | undefined {
  if (n.name === 'VariableName') return scope.lookup(it.text(n));
  if (n.name === 'self') return scope.lookup('self');
  if (n.name === 'MemberExpression') {
    const ch = kids(n);
    if (ch[1]?.name !== '.' || !ch[2]) return undefined;
    const obj = it.pureRead(ch[0], scope);
    if (obj instanceof PyInstance) return obj.attrs.get(it.text(ch[2]));
    if (obj instanceof PyNamespace) { const v = obj.attrs.get(it.text(ch[2])); return v instanceof LazyImport ? undefined : v; }
  }
  return undefined;
}

/** A decorator defined in user code (applied, but falls back to identity when it fails). */
export class UserDecorator { constructor(readonly fn: Value, readonly imported = false) {} }

export const DECORATORS = new Set(['staticmethod', 'classmethod', 'property', 'dataclass', 'cached_property',
  'lru_cache', 'cache', 'wraps', 'total_ordering', 'unique', 'setter', 'getter']);
