// `operator` as CPython 3.11 has it: the operators as functions (through the interpreter's own
// binop/compare/unop, so tensors, user dunders and errors behave as the operators do) and
// itemgetter / attrgetter / methodcaller.
import { Value, PyTuple, PyList, NativeFunction, Unknown, NativeImpl } from '../values';
import type { Interpreter } from '../interp';
import { nf } from '../builtins';

export function operatorModule(it: Interpreter): [string, Value][] {
  const out: [string, Value][] = [];
  const def = (names: string[], impl: NativeImpl) => { for (const n of names) out.push([n, nf(n, impl)]); };
  const bin: [string, string][] = [
    ['add', '+'], ['sub', '-'], ['mul', '*'], ['truediv', '/'], ['floordiv', '//'], ['mod', '%'], ['pow', '**'],
    ['matmul', '@'], ['and_', '&'], ['or_', '|'], ['xor', '^'], ['lshift', '<<'], ['rshift', '>>'],
  ];
  for (const [name, op] of bin) {
    def([name, `__${name.replace(/_$/, '')}__`], (a) => it.binop(op, a.pos[0], a.pos[1], null));
    // In-place forms: for immutable values the same result as the plain operator.
    def([`i${name.replace(/_$/, '')}`], (a) => {
      const [x, y] = a.pos;
      // A list grows in place (`a += b` is a.extend(b)).
      if (op === '+' && x instanceof PyList) {
        const items = it.iterate(y, null);
        if (items instanceof Unknown) return items;
        x.items.push(...items);
        return x;
      }
      return it.binop(op, x, y, null);
    });
  }
  def(['concat', '__concat__'], (a, ctx) => {
    const [x, y] = a.pos;
    if (typeof x === 'number' || typeof x === 'boolean') return ctx.raise('TypeError', `'${it.typeName(x)}' object can't be concatenated`);
    return it.binop('+', x, y, null);
  });
  for (const [name, op] of [['lt', '<'], ['le', '<='], ['eq', '=='], ['ne', '!='], ['ge', '>='], ['gt', '>']] as const) {
    def([name, `__${name}__`], (a) => it.compare(op, a.pos[0], a.pos[1], null));
  }
  def(['is_'], (a) => it.compare('is', a.pos[0], a.pos[1], null));
  def(['is_not'], (a) => it.compare('is not', a.pos[0], a.pos[1], null));
  def(['contains', '__contains__'], (a) => it.contains(a.pos[0], a.pos[1], null));
  def(['countOf'], (a, ctx) => { const items = ctx.iterate(a.pos[0]); return items instanceof Unknown ? items : items.filter((x) => it.equals(x, a.pos[1])).length; });
  def(['indexOf'], (a, ctx) => {
    const items = ctx.iterate(a.pos[0]);
    if (items instanceof Unknown) return items;
    const i = items.findIndex((x) => it.equals(x, a.pos[1]));
    return i >= 0 ? i : ctx.raise('ValueError', 'sequence.index(x): x not in sequence');
  });
  def(['neg', '__neg__'], (a) => it.unop('-', a.pos[0], null));
  def(['pos', '__pos__'], (a) => it.unop('+', a.pos[0], null));
  def(['invert', 'inv', '__invert__', '__inv__'], (a) => it.unop('~', a.pos[0], null));
  def(['not_', '__not__'], (a, ctx) => { const t = ctx.truthy(a.pos[0]); return t instanceof Unknown ? t : !t; });
  def(['truth'], (a, ctx) => ctx.truthy(a.pos[0]));
  def(['abs', '__abs__'], (a, ctx) => ctx.call(it.builtins.get('abs')!, [a.pos[0]]));
  def(['index', '__index__'], (a, ctx) => {
    const v = a.pos[0];
    if (typeof v === 'number') return v;
    if (typeof v === 'boolean') return v ? 1 : 0;
    if (v instanceof Unknown) return v;
    return ctx.raise('TypeError', `'${it.typeName(v)}' object cannot be interpreted as an integer`);
  });
  def(['getitem', '__getitem__'], (a) => it.getitem(a.pos[0], a.pos[1], null));
  def(['setitem', '__setitem__'], (a) => { it.setitem(a.pos[0], a.pos[1], a.pos[2], null); return null; });
  def(['length_hint'], (a, ctx) => { const items = ctx.iterate(a.pos[0]); return items instanceof Unknown ? items : items.length; });

  // The getters: itemgetter(k) gives obj[k]; with several keys, a tuple.
  def(['itemgetter'], (a, ctx) => {
    const keys = a.pos;
    if (!keys.length) return ctx.raise('TypeError', 'itemgetter expected 1 argument, got 0');
    return new NativeFunction('itemgetter', (b) => {
      const got = keys.map((k) => it.getitem(b.pos[0], k, ctx.at));
      return keys.length === 1 ? got[0] : new PyTuple(got);
    });
  });
  def(['attrgetter'], (a, ctx) => {
    const names = a.pos;
    if (!names.length) return ctx.raise('TypeError', 'attrgetter expected 1 argument, got 0');
    for (const n of names) if (typeof n !== 'string') return n instanceof Unknown ? n : ctx.raise('TypeError', 'attribute name must be a string');
    const get = (o: Value, dotted: string): Value => dotted.split('.').reduce((v, part) => it.getattr(v, part, ctx.at), o);
    return new NativeFunction('attrgetter', (b) => {
      const got = (names as string[]).map((n) => get(b.pos[0], n));
      return names.length === 1 ? got[0] : new PyTuple(got);
    });
  });
  def(['methodcaller'], (a, ctx) => {
    const name = a.pos[0];
    if (typeof name !== 'string') return name instanceof Unknown ? name : ctx.raise('TypeError', 'method name must be a string');
    const args = a.pos.slice(1), kw = new Map(a.kw);
    return new NativeFunction('methodcaller', (b, cx) => cx.call(it.getattr(b.pos[0], name, cx.at), args, kw));
  });
  return out;
}
