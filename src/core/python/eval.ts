// Expressions of the symbolic interpreter: names, attributes, subscripts, calls and their arguments,
// boolean, comparison and arithmetic operators. Free functions of the Interpreter (interp.ts).
import type { SyntaxNode } from '@lezer/common';
import {
  Value, Span, PyTuple, PyList, PyDict, PySet, PySlice, PyEllipsis, Unknown, PyFunction, PyClass, PyInstance,
  PyIterator, SuperProxy, Scope, CallArgs, PyFloat,
} from './values';
import type { Interpreter, FunctionScope } from './interp';
import { PyException, kids, isExprNode, globalNames, shapeOf } from './interp';
import type { Annotated } from './interp';
import { parseNumber, parseString } from './literals';

/** Comma-separated expressions (`a, b` or `*a, b`) make a tuple; one plain expression is itself. */
export function evalCommaList(it: Interpreter, nodes: SyntaxNode[], scope: Scope, parent: SyntaxNode): Value {
  const hasComma = nodes.some((c) => c.name === ',');
  const hasStar = nodes.some((c) => c.name === '*');
  const exprs = nodes.filter(isExprNode);
  if (!hasComma && !hasStar) return exprs.length ? it.eval(exprs[0], scope) : new Unknown('empty expression', it.span(parent));
  const items = it.evalItems(nodes, scope);
  return items instanceof Unknown ? items : new PyTuple(items);
}

export function evalList(it: Interpreter, nodes: SyntaxNode[], scope: Scope, parent: SyntaxNode): Value { return it.evalCommaList(nodes, scope, parent); }

/**
 * A literal's value, read once per file version: a warm analysis reads the same literals of every
 * imported module again. Only immutable results are kept (str, int, float; an unknown carries its
 * own note and is made anew).
 */
function literal(it: Interpreter, n: SyntaxNode, parse: (text: string) => Value): Value {
  // On the node when it is one kids() keeps (one property read), else in the file's table.
  const a = n as Annotated;
  const on = a.shape$;
  if (on instanceof LiteralShape) return on.v;
  const kept = it.curFile!.literals;
  const hit = kept.get(n.from);
  if (hit !== undefined) return hit;
  const v = parse(it.text(n));
  if (typeof v === 'string' || typeof v === 'number' || v instanceof PyFloat) {
    kept.set(n.from, v);
    if ('shape$' in a) a.shape$ = new LiteralShape(v);
  }
  return v;
}
class LiteralShape { constructor(readonly v: string | number | PyFloat) {} }

export function evaluate(it: Interpreter, n: SyntaxNode, scope: Scope): Value {
  it.tick();
  // The most frequent first: a string switch tests its cases in order.
  switch (n.name) {
    case 'VariableName': {
      const name = it.text(n);
      // Only a name declared `global` here (in scope.globals, with nonlocal ones) skips the locals.
      let v = scope.globals?.has(name) && globalNames.get(scope)?.has(name) ? scope.moduleScope().lookup(name) : scope.lookup(name);
      if (v === undefined) v = it.builtins.get(name);
      if (v === undefined) {
        const u = new Unknown(`name '${name}' is not defined`, it.span(n));
        it.note(u, null);
        return u;
      }
      return v;
    }
    case 'MemberExpression': return it.evalMember(n, scope);
    case 'CallExpression': return it.evalCall(n, scope);
    case 'BinaryExpression': return it.evalBinary(n, scope);
    case 'Number': return literal(it, n, parseNumber);
    case 'String': return literal(it, n, parseString);
    case 'ContinuedString': {
      let s = '';
      for (const c of kids(n)) { const v = it.eval(c, scope); s += typeof v === 'string' ? v : it.str(v); }
      return s;
    }
    case 'FormatString': return it.evalFString(n, scope);
    case 'Boolean': return it.text(n) === 'True';
    case 'None': return null;
    case 'Ellipsis': return PyEllipsis.it;
    case 'ParenthesizedExpression': {
      const inner = kids(n).filter(isExprNode);
      return inner.length ? it.eval(inner[0], scope) : new PyTuple([]);
    }
    case 'TupleExpression': { const v = it.evalItems(kids(n), scope); return v instanceof Unknown ? v : new PyTuple(v); }
    case 'ArrayExpression': { const v = it.evalItems(kids(n), scope); return v instanceof Unknown ? v : new PyList(v); }
    case 'SetExpression': { const v = it.evalItems(kids(n), scope); return v instanceof Unknown ? v : new PySet(v); }
    case 'DictionaryExpression': return it.evalDict(n, scope);
    case 'ArrayComprehensionExpression': { const v = it.evalComprehension(kids(n), scope, 'list'); return v instanceof Unknown ? v : new PyList(v as Value[]); }
    case 'SetComprehensionExpression': { const v = it.evalComprehension(kids(n), scope, 'list'); return v instanceof Unknown ? v : new PySet(v as Value[]); }
    case 'ComprehensionExpression': { const v = it.evalComprehension(kids(n), scope, 'list'); return v instanceof Unknown ? v : new PyIterator(v as Value[]); }
    case 'DictionaryComprehensionExpression': return it.evalComprehension(kids(n), scope, 'dict') as PyDict | Unknown;
    case 'UnaryExpression': {
      const ch = kids(n);
      const op = it.text(ch[0]);
      if (op === 'not') return it.evalNot(ch[1], scope, it.span(n));
      const v = it.eval(ch[1], scope);
      return it.unop(op, v, it.span(n));
    }
    case 'ConditionalExpression': {
      const ch = kids(n).filter(isExprNode);
      // a if c else b
      if (ch.length < 5) return new Unknown('incomplete conditional expression', it.span(n));
      const c = it.truthy(it.eval(ch[2], scope), it.span(ch[2]));
      if (c instanceof Unknown) { it.note(`cannot decide '${it.text(n).slice(0, 60)}'`, it.span(n)); return c; }
      return c ? it.eval(ch[0], scope) : it.eval(ch[4], scope);
    }
    case 'LambdaExpression': {
      const ch = kids(n);
      const pl = ch.find((c) => c.name === 'ParamList');
      const colon = ch.findIndex((c) => c.name === ':');
      const body = ch[colon + 1];
      return new PyFunction('<lambda>', pl ? it.parseParams(pl, scope) : [], body, true, scope, it.curFile!, false);
    }
    case 'NamedExpression': {
      const ch = kids(n);
      const v = it.eval(ch[2], scope);
      it.assign(ch[0], v, scope);
      return v;
    }
    case 'YieldExpression': case 'YieldStatement': {
      const ch = kids(n);
      const from = ch.some((c) => c.name === 'from');
      const e = ch.filter((c) => c.name !== 'yield' && c.name !== 'from');
      const v = e.some(isExprNode) ? it.evalCommaList(e, scope, n) : null;
      if (it.yieldSink) {
        if (from) { const items = it.iterate(v, it.span(n)); if (!(items instanceof Unknown)) it.yieldSink.push(...items); }
        else it.yieldSink.push(v);
      }
      return null;
    }
    case 'AwaitExpression':
      return new Unknown(`'${n.name}' is not supported`, it.span(n));
    default:
      if (n.type.isError) return new Unknown('syntax error', it.span(n));
      return new Unknown(`unsupported expression '${it.text(n).slice(0, 40)}'`, it.span(n));
  }
}

export function evalMember(it: Interpreter, n: SyntaxNode, scope: Scope): Value {
  const ch = kids(n);
  const obj = it.eval(ch[0], scope);
  if (ch[1]?.name === '.') {
    if (!ch[2]) return new Unknown('incomplete attribute access', it.span(n));
    return it.getattr(obj, it.text(ch[2]), it.span(n));
  }
  const one = plainIndex(it, ch);
  const idx = one ? it.eval(one, scope) : it.evalSubscriptIndex(ch.slice(1), scope);
  return it.getitem(obj, idx, it.span(n));
}

/** In `obj[i]` (children obj, '[', i, ']'): `i`, when it is one plain expression (no slice, comma or star). */
export function plainIndex(it: Interpreter, ch: SyntaxNode[]): SyntaxNode | null {
  if (ch.length !== 4 || ch[1].name !== '[' || ch[3].name !== ']') return null;
  const e = ch[2];
  if (!isExprNode(e) || e.name === '*') return null;
  if (e.name === 'UnaryExpression' && it.text(kids(e)[0]) === '*') return null;
  return e;
}

/** Parses `[a]`, `[a:b:c]`, `[:, None, ...]` into a value, slices and tuples. */
export function evalSubscriptIndex(it: Interpreter, ch: SyntaxNode[], scope: Scope): Value {
  const inner = ch.filter((c) => c.name !== '[' && c.name !== ']');
  const parts: SyntaxNode[][] = [[]];
  for (const c of inner) { if (c.name === ',') parts.push([]); else parts[parts.length - 1].push(c); }
  if (parts[parts.length - 1].length === 0 && parts.length > 1) parts.pop();
  // `x[*idx]` (lexmask.ts reads its `*` as `~`): the items unpack into a tuple index.
  const starred = (p: SyntaxNode[]) => p.length === 1 && p[0].name === 'UnaryExpression' && it.text(kids(p[0])[0]) === '*';
  if (parts.some(starred)) {
    const out: Value[] = [];
    for (const p of parts) {
      if (!starred(p)) { out.push(p.length ? it.eval(p[0], scope) : null); continue; }
      const items = it.iterate(it.eval(kids(p[0])[1], scope), it.span(p[0]));
      if (items instanceof Unknown) return items;
      out.push(...items);
    }
    return new PyTuple(out);
  }
  const items = parts.map((p) => {
    if (!p.some((c) => c.name === ':')) return p.length ? it.eval(p[0], scope) : null;
    const sl: (Value)[] = [null, null, null];
    let k = 0;
    for (const c of p) { if (c.name === ':') k++; else sl[k] = it.eval(c, scope); }
    return new PySlice(sl[0], sl[1], sl[2]);
  });
  return items.length === 1 && !inner.some((c) => c.name === ',') ? items[0] : new PyTuple(items);
}

/** An argument list's items without the parentheses; whether it is one generator (`f(x for x in y)`). */
class ArgsShape {
  readonly ch: SyntaxNode[];
  readonly generator: boolean;
  constructor(n: SyntaxNode) {
    this.ch = kids(n).filter((c) => c.name !== '(' && c.name !== ')');
    this.generator = this.ch.some((c) => c.name === 'for');
    this.keywords = this.ch.some((c) => c.name === '**' || c.name === 'AssignOp');
  }
  /** Whether it may pass keywords (`k=v` or `**d`). */
  readonly keywords: boolean;
}

/**
 * The keywords of every call written without any: one map for all of them, which refuses writes —
 * a callee that filled the map it was given would otherwise change every other call's keywords.
 * (Callees copy before they add: PyPartial, rewrites, natives.)
 */
class NoKeywords extends Map<string, Value> {
  override set(): this { throw new Error('internal: a call without keywords was given one'); }
  override delete(): boolean { throw new Error('internal: a call without keywords lost one'); }
  override clear(): void { throw new Error('internal: a call without keywords was cleared'); }
}
const NO_KEYWORDS: Map<string, Value> = new NoKeywords();

export function evalArgs(it: Interpreter, argList: SyntaxNode, scope: Scope): CallArgs & { unknown?: Unknown } {
  const pos: Value[] = [];
  const { ch, generator, keywords } = shapeOf(argList, ArgsShape, it);
  // Most calls pass no keywords: they share one map that refuses writes (see NO_KEYWORDS).
  const kw = keywords ? new Map<string, Value>() : NO_KEYWORDS;
  let unknown: Unknown | undefined;
  // A generator argument: f(x for x in y)
  if (generator) {
    const v = it.evalComprehension(ch, scope, 'list');
    if (v instanceof Unknown) return { pos, kw, unknown: v };
    pos.push(new PyIterator(v as Value[]));
    return { pos, kw };
  }
  for (let i = 0; i < ch.length; i++) {
    const c = ch[i];
    if (c.name === ',') continue;
    if (c.name === '*') {
      const v = it.eval(ch[++i], scope);
      const items = it.iterate(v, it.span(c));
      // Unknown positional arguments: even their count is unknown, so the call's result is too.
      if (items instanceof Unknown) unknown ??= new Unknown(`*args unknown: ${items.reason}`, items.at ?? it.span(c));
      else pos.push(...items);
    } else if (c.name === '**') {
      const v = it.eval(ch[++i], scope);
      const t = it.taintOf(v);
      if (t) unknown ??= new Unknown(`**kwargs unknown: ${t.reason}`, t.at ?? it.span(c));
      else if (v instanceof PyDict) for (const [k, x] of v.entries()) kw.set(String(k), x);
      else if (v instanceof Unknown) unknown ??= new Unknown(`**kwargs unknown: ${v.reason}`, v.at ?? it.span(c));
      else if (v instanceof PyInstance && v.cls.lookup('keys') !== undefined) {
        const keys = it.iterate(it.call(it.getattr(v, 'keys', it.span(c)), [], new Map(), it.span(c)), it.span(c));
        if (keys instanceof Unknown) unknown ??= keys;
        else for (const k of keys) kw.set(String(k), it.getitem(v, k, it.span(c)));
      } else throw new PyException(it.exception('TypeError'), `argument after ** must be a mapping, not ${it.typeName(v)}`, it.span(c));
    } else if (c.name === 'VariableName' && ch[i + 1]?.name === 'AssignOp') {
      kw.set(it.text(c), ch[i + 2] ? it.eval(ch[i + 2], scope) : null);
      i += 2;
    } else pos.push(it.eval(c, scope));
  }
  return unknown ? { pos, kw, unknown } : { pos, kw };
}

/** A call's callee and argument list, and whether the callee is the name `super`. */
class CallShape {
  readonly callee: SyntaxNode;
  readonly argList: SyntaxNode | undefined;
  readonly isSuper: boolean;
  constructor(n: SyntaxNode, it: Interpreter) {
    const ch = kids(n);
    this.callee = ch[0];
    this.argList = ch.find((c) => c.name === 'ArgList');
    this.isSuper = this.callee.name === 'VariableName' && it.text(this.callee) === 'super';
  }
}

export function evalCall(it: Interpreter, n: SyntaxNode, scope: Scope): Value {
  const { callee: calleeNode, argList, isSuper } = shapeOf(n, CallShape, it);
  // super() without arguments: needs the enclosing function's class and first argument.
  if (isSuper && scope.lookup('super') === undefined) {
    const args = argList ? it.evalArgs(argList, scope) : { pos: [], kw: new Map() };
    if (args.pos.length === 2 && args.pos[0] instanceof PyClass) return new SuperProxy(args.pos[0], args.pos[1]);
    const owner = (scope as FunctionScope).fnOwner;
    const selfName = (scope as FunctionScope).selfName;
    if (!owner || !selfName) return new Unknown('super() outside a method', it.span(n));
    return new SuperProxy(owner, scope.lookup(selfName) ?? null);
  }
  const callee = it.eval(calleeNode, scope);
  const args: CallArgs & { unknown?: Unknown } = argList ? it.evalArgs(argList, scope) : { pos: [], kw: new Map() };
  const at = it.span(n);
  if (args.unknown) {
    it.taintArgs(args.pos, args.kw, args.unknown);
    return args.unknown;
  }
  it.callStack.push(at);
  it.callScopes.push(scope);
  try {
    return it.call(callee, args.pos, args.kw, at);
  } finally {
    it.callStack.pop();
    it.callScopes.pop();
  }
}

/**
 * `not X`. @lezer/python parses `not a or b` as `not (a or b)`; Python binds `not` tighter than
 * `and`/`or`, so an unparenthesised and/or operand is re-associated: (not a) or b.
 */
export function evalNot(it: Interpreter, operand: SyntaxNode, scope: Scope, at: Span): Value {
  if (operand.name === 'BinaryExpression') {
    const ch = kids(operand);
    const op = ch.length === 3 ? it.text(ch[1]) : '';
    if (op === 'and' || op === 'or') {
      const l = it.evalNot(ch[0], scope, at);
      const t = it.truthy(l, at);
      if (t instanceof Unknown) return t;
      return (op === 'and') === t ? it.eval(ch[2], scope) : l;
    }
  }
  const t = it.truthy(it.eval(operand, scope), at);
  return t instanceof Unknown ? t : !t;
}

/** The operator of a BinaryExpression-like child list (ArithOp/BitOp/CompareOp tokens or keywords): [op, index of the right operand]. */
function operatorOf(it: Interpreter, ch: SyntaxNode[]): [string, number] {
  let e = 1, o = '';
  while (e < ch.length - 1 && !isOperand(ch[e])) { o += (o ? ' ' : '') + it.text(ch[e]); e++; }
  return [o, e];
}

/**
 * A binary expression's form, read once per node: its operator and operands; for a comparison its
 * whole chain (`a < b <= c`, nested to the left by lezer); for arithmetic its left spine (a chain
 * `1 + 1 + ... + 1` thousands deep is folded in a loop, not by recursion), with the spans.
 */
class BinaryShape {
  readonly left: SyntaxNode;
  readonly op: string;
  readonly right: SyntaxNode | undefined;
  readonly at: Span;
  /** Comparisons: the leftmost operand and each link's right operand and operator, in order. */
  readonly first: SyntaxNode;
  readonly chain: [SyntaxNode, string][] = [];
  /** Arithmetic: the bottom operand and the links from the top down (operator, right operand, span). */
  readonly bottom: SyntaxNode;
  readonly spine: [string, SyntaxNode, Span][] = [];
  constructor(n: SyntaxNode, it: Interpreter) {
    const ch = kids(n);
    this.at = it.span(n);
    this.left = ch[0];
    const [op, opEnd] = operatorOf(it, ch);
    this.op = op;
    this.right = ch[opEnd];
    this.first = this.bottom = this.left;
    if (!this.right) return;
    if (isCompare(op)) {
      this.chain.unshift([this.right, op]);
      let l = this.left;
      while (l.name === 'BinaryExpression') {
        const lc = kids(l);
        const [o, e] = operatorOf(it, lc);
        if (!isCompare(o)) break;
        this.chain.unshift([lc[e], o]);
        l = lc[0];
      }
      this.first = l;
    } else if (op !== 'and' && op !== 'or') {
      this.spine.push([op, this.right, this.at]);
      let bottom = this.left;
      while (bottom.name === 'BinaryExpression') {
        const lc = kids(bottom);
        const [o, e] = operatorOf(it, lc);
        if (!lc[e] || o === 'and' || o === 'or' || isCompare(o)) break;
        this.spine.push([o, lc[e], it.span(bottom)]);
        bottom = lc[0];
      }
      this.bottom = bottom;
    }
  }
}

export function evalBinary(it: Interpreter, n: SyntaxNode, scope: Scope): Value {
  const sh = shapeOf(n, BinaryShape, it);
  const { left, op, right, at } = sh;
  if (!right) return new Unknown('incomplete expression', at);
  if (op === 'and') {
    const l = it.eval(left, scope);
    const t = it.truthy(l, at);
    if (t instanceof Unknown) return t;
    return t ? it.eval(right, scope) : l;
  }
  if (op === 'or') {
    const l = it.eval(left, scope);
    const t = it.truthy(l, at);
    if (t instanceof Unknown) return t;
    return t ? l : it.eval(right, scope);
  }
  const chain = sh.chain;
  if (chain.length) {
    let lv = it.eval(sh.first, scope);
    let result: Value = true;
    for (let i = 0; i < chain.length; i++) {
      const [rn, o] = chain[i];
      const rv = it.eval(rn, scope);
      result = it.compare(o, lv, rv, at);
      // Only a link followed by another is tested (`x > 0` on a tensor is a tensor, not a bool).
      if (i === chain.length - 1) break;
      const t = it.truthy(result, at);
      if (t instanceof Unknown) return t;
      if (!t) return result;
      lv = rv;
    }
    return result;
  }
  if (left.name !== 'BinaryExpression') return it.binop(op, it.eval(left, scope), it.eval(right, scope), at);
  const spine = sh.spine;
  let v = it.eval(sh.bottom, scope);
  for (let i = spine.length - 1; i >= 0; i--) {
    it.tick();
    const [o, rn, sp] = spine[i];
    v = it.binop(o, v, it.eval(rn, scope), sp);
  }
  return v;
}

export const isOperand = (n: SyntaxNode): boolean =>
  !(n.name === 'ArithOp' || n.name === 'BitOp' || n.name === 'CompareOp' || n.name === 'and' || n.name === 'or' ||
    n.name === 'not' || n.name === 'in' || n.name === 'is');

const COMPARE_OPS = new Set(['<', '>', '==', '>=', '<=', '!=', '<>', 'in', 'not in', 'is', 'is not']);
export const isCompare = (op: string): boolean => COMPARE_OPS.has(op);
