// collections.Counter and collections.deque as CPython 3.11 has them. A Counter is a dict (a
// missing key reads 0 without being inserted), a deque a list (with an optional maxlen); both
// carry their class (valueClasses) so type(), isinstance and their own methods work.
import { Value, PyList, PyDict, PyTuple, PyClass, PyIterator, Descriptor, Unknown, CallArgs, CallContext, NativeImpl, isInt, num } from '../values';
import type { Interpreter } from '../interp';
import { linearize } from '../interp';
import { nf, missingValues, valueClasses } from '../builtins';

export function counterClass(it: Interpreter): PyClass {
  const dict = it.classes.dict;
  const Counter = new PyClass('Counter', [dict]);
  Counter.mro = linearize(Counter, it.classes.object);
  Counter.dict.set('__name__', 'Counter');
  const def = (name: string, impl: NativeImpl) => Counter.dict.set(name, nf(name, impl));
  const make = (): PyDict => { const d = new PyDict(); valueClasses.set(d, Counter); missingValues.set(d, 0); return d; };
  /** Adds (sign 1) or subtracts (sign -1) counts from an iterable of keys or a mapping of counts. */
  const count = (d: PyDict, src: Value | undefined, kw: Map<string, Value>, sign: number, ctx: CallContext): Value => {
    const add = (k: Value, n: Value) => d.set(k, it.binop(sign > 0 ? '+' : '-', d.get(k) ?? 0, n, ctx.at));
    if (src instanceof PyDict) for (const [k, n] of src.entries()) add(k, n);
    else if (src !== undefined && src !== null) {
      const items = ctx.iterate(src);
      if (items instanceof Unknown) return items;
      for (const k of items) add(k, 1);
    }
    for (const [k, n] of kw) add(k, n);
    return null;
  };
  Counter.dict.set('__new__', nf('Counter', (a, ctx) => {
    const d = make();
    const r = count(d, a.pos[1], a.kw, 1, ctx);
    return r instanceof Unknown ? r : d;
  }));
  const self = (a: CallArgs) => a.pos[0] as PyDict;
  def('update', (a, ctx) => count(self(a), a.pos[1], a.kw, 1, ctx));
  def('subtract', (a, ctx) => count(self(a), a.pos[1], a.kw, -1, ctx));
  def('total', (a, ctx) => self(a).values().reduce<Value>((s, n) => it.binop('+', s, n, ctx.at), 0));
  def('elements', (a) => {
    const out: Value[] = [];
    for (const [k, n] of self(a).entries()) if (isInt(n)) for (let i = 0; i < num(n); i++) out.push(k);
    return new PyIterator(out);
  });
  def('most_common', (a, ctx) => {
    const entries = self(a).entries();
    // Stable: equal counts keep insertion order (CPython sorts with key=count, reverse=True).
    const order: (number | Unknown)[] = [];
    for (const [, n] of entries) { const c = it.order(n, 0, ctx.at); order.push(c instanceof Unknown ? c : 0); }
    const bad = order.find((x) => x instanceof Unknown);
    if (bad) return bad;
    const sorted = entries.map((e, i) => ({ e, i })).sort((x, y) => {
      const c = it.order(y.e[1], x.e[1], ctx.at) as number;
      return c !== 0 ? c : x.i - y.i;
    });
    const n = a.pos[1] ?? a.kw.get('n') ?? null;
    const top = n === null ? sorted : isInt(n) ? sorted.slice(0, Math.max(0, num(n))) : sorted;
    return new PyList(top.map(({ e }) => new PyTuple(e)));
  });
  def('copy', (a) => { const d = make(); for (const [k, v] of self(a).entries()) d.set(k, v); return d; });
  // Counter arithmetic keeps positive counts only (`+`, `-`, `|` max, `&` min).
  const combine = (name: string, f: (x: Value, y: Value, ctx: CallContext) => Value) => def(name, (a, ctx) => {
    const x = self(a), y = a.pos[1];
    if (!(y instanceof PyDict)) return ctx.raise('TypeError', `unsupported operand type(s) for Counter and '${it.typeName(y)}'`);
    const d = make();
    for (const k of [...x.keys(), ...y.keys().filter((k) => !x.has(k))]) {
      const v = f(x.get(k) ?? 0, y.get(k) ?? 0, ctx);
      const pos = it.order(v, 0, ctx.at);
      if (pos instanceof Unknown) return pos;
      if (pos > 0) d.set(k, v);
    }
    return d;
  });
  combine('__add__', (x, y, ctx) => it.binop('+', x, y, ctx.at));
  combine('__sub__', (x, y, ctx) => it.binop('-', x, y, ctx.at));
  combine('__or__', (x, y, ctx) => (it.order(x, y, ctx.at) as number) >= 0 ? x : y);
  combine('__and__', (x, y, ctx) => (it.order(x, y, ctx.at) as number) <= 0 ? x : y);
  return Counter;
}

export function dequeClass(it: Interpreter): PyClass {
  const deque = new PyClass('deque', [it.classes.object]);
  deque.mro = linearize(deque, it.classes.object);
  deque.dict.set('__name__', 'deque');
  const maxlens = new WeakMap<PyList, number>();
  const def = (name: string, impl: NativeImpl) => deque.dict.set(name, nf(name, impl));
  const self = (a: CallArgs) => a.pos[0] as PyList;
  /** Drops from the other end past maxlen (`fromLeft`: the new items came in on the left). */
  const trim = (d: PyList, fromLeft: boolean) => {
    const m = maxlens.get(d);
    if (m === undefined) return;
    while (d.items.length > m) { if (fromLeft) d.items.pop(); else d.items.shift(); }
  };
  deque.dict.set('__new__', nf('deque', (a, ctx) => {
    const src = a.pos[1] ?? a.kw.get('iterable');
    const m = a.pos[2] ?? a.kw.get('maxlen') ?? null;
    if (m instanceof Unknown) return m;
    if (m !== null && (!isInt(m) || num(m) < 0)) return ctx.raise(isInt(m) ? 'ValueError' : 'TypeError', isInt(m) ? 'maxlen must be non-negative' : 'an integer is required');
    const items = src === undefined || src === null ? [] : ctx.iterate(src);
    if (items instanceof Unknown) return items;
    const d = new PyList(items);
    valueClasses.set(d, deque);
    if (m !== null) maxlens.set(d, num(m));
    trim(d, false);
    return d;
  }));
  def('append', (a) => { self(a).items.push(a.pos[1]); trim(self(a), false); return null; });
  def('appendleft', (a) => { self(a).items.unshift(a.pos[1]); trim(self(a), true); return null; });
  def('pop', (a, ctx) => (self(a).items.length ? self(a).items.pop()! : ctx.raise('IndexError', 'pop from an empty deque')));
  def('popleft', (a, ctx) => (self(a).items.length ? self(a).items.shift()! : ctx.raise('IndexError', 'pop from an empty deque')));
  def('extend', (a, ctx) => { const items = ctx.iterate(a.pos[1]); if (items instanceof Unknown) return items; for (const x of items) { self(a).items.push(x); trim(self(a), false); } return null; });
  def('extendleft', (a, ctx) => { const items = ctx.iterate(a.pos[1]); if (items instanceof Unknown) return items; for (const x of items) { self(a).items.unshift(x); trim(self(a), true); } return null; });
  def('rotate', (a) => {
    const d = self(a).items;
    const n = a.pos[1] === undefined ? 1 : num(a.pos[1] as number);
    if (!d.length) return null;
    const k = ((n % d.length) + d.length) % d.length;
    d.unshift(...d.splice(d.length - k, k));
    return null;
  });
  def('clear', (a) => { self(a).items.length = 0; return null; });
  def('copy', (a) => { const d = new PyList(self(a).items.slice()); valueClasses.set(d, deque); const m = maxlens.get(self(a)); if (m !== undefined) maxlens.set(d, m); return d; });
  def('count', (a) => self(a).items.filter((x) => it.equals(x, a.pos[1])).length);
  def('index', (a, ctx) => { const i = self(a).items.findIndex((x) => it.equals(x, a.pos[1])); return i >= 0 ? i : ctx.raise('ValueError', `${ctx.repr(a.pos[1])} is not in deque`); });
  def('remove', (a, ctx) => { const d = self(a).items; const i = d.findIndex((x) => it.equals(x, a.pos[1])); if (i < 0) ctx.raise('ValueError', `${ctx.repr(a.pos[1])} is not in deque`); d.splice(i, 1); return null; });
  def('reverse', (a) => { self(a).items.reverse(); return null; });
  def('__add__', (a, ctx) => {
    const y = a.pos[1];
    if (!(y instanceof PyList) || valueClasses.get(y) !== deque) return ctx.raise('TypeError', `can only concatenate deque (not "${it.typeName(y)}") to deque`);
    const d = new PyList([...self(a).items, ...y.items]);
    valueClasses.set(d, deque);
    const m = maxlens.get(self(a)); if (m !== undefined) { maxlens.set(d, m); trim(d, false); }
    return d;
  });
  deque.dict.set('maxlen', new Descriptor('property', nf('maxlen', (a) => maxlens.get(self(a)) ?? null)));
  return deque;
}
