// collections.Counter as CPython 3.11 has it: a dict whose missing keys read 0 without being
// inserted; it carries its class (valueClasses) so type(), isinstance and its methods work.
// (collections.deque is stdlib/deque.ts.)
import { Value, PyList, PyDict, PyTuple, PyClass, PyIterator, Unknown, CallArgs, CallContext, NativeImpl, isInt, num } from '../values';
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
