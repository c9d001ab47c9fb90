// `itertools` as CPython 3.11 has it. Iterators here are materialised lists (the engine's
// PyIterator), except the endless ones (count, cycle, repeat without a count), which make their
// items on demand: islice, zip and next stop early on them; reading one whole is an explicit
// unknown. Results past a size bound are an unknown too, never a truncated list.
import { Value, PyTuple, PyIterator, PyClass, Descriptor, Unknown, CallArgs, CallContext, NativeImpl, isInt, num, isNum } from '../values';
import type { Interpreter } from '../interp';
import { linearize } from '../interp';
import { nf, arg } from '../builtins';

/** The most items a combinatoric result may have (it is a list in memory). */
const MAX_ITEMS = 1_000_000;

export function itertoolsModule(it: Interpreter): [string, Value][] {
  const lists = (vals: Value[], ctx: CallContext): Value[][] | Unknown => {
    const out: Value[][] = [];
    for (const v of vals) {
      const items = ctx.iterate(v);
      if (items instanceof Unknown) return items;
      out.push(items);
    }
    return out;
  };
  const intArg = (v: Value | undefined, name: string, ctx: CallContext, dflt: number | null): number | null | Unknown => {
    if (v === undefined || v === null) return dflt;
    if (v instanceof Unknown) return v;
    if (!isInt(v)) return ctx.raise('ValueError', `${name} must be None or an integer: 0 <= x <= sys.maxsize.`);
    return num(v);
  };
  // The analysis budget first (a noted "value too large" with the line), then this module's cap.
  const tooMany = (n: number, ctx: CallContext, what: string): Unknown | null =>
    it.refuse('list', n, ctx.at) ?? (n > MAX_ITEMS ? ctx.unknown(`itertools.${what} would make ${n} items (more than ${MAX_ITEMS})`) : null);
  const fn = (name: string, impl: NativeImpl): [string, Value] => [name, nf(name, impl)];
  // chain is a class (chain.from_iterable is a class method of it).
  const chain = new PyClass('chain', [it.classes.object]);
  chain.mro = linearize(chain, it.classes.object);
  chain.dict.set('__name__', 'chain');
  chain.dict.set('__new__', nf('chain', (a, ctx) => { const ls = lists(a.pos.slice(1), ctx); return ls instanceof Unknown ? ls : new PyIterator(ls.flat()); }));
  chain.dict.set('from_iterable', new Descriptor('staticmethod', nf('from_iterable', (a, ctx) => {
    const outer = ctx.iterate(a.pos[0]);
    if (outer instanceof Unknown) return outer;
    const ls = lists(outer, ctx);
    return ls instanceof Unknown ? ls : new PyIterator(ls.flat());
  })));

  return [
    fn('count', (a, ctx) => {
      let cur: Value = arg(a, 0, 'start', 0);
      const step: Value = arg(a, 1, 'step', 1);
      if (cur instanceof Unknown) return cur;
      if (step instanceof Unknown) return step;
      if (!isNum(cur) || !isNum(step)) return ctx.raise('TypeError', 'a number is required');
      return PyIterator.endless(() => { const v = cur; cur = it.binop('+', cur, step, ctx.at); return v; });
    }),
    fn('cycle', (a, ctx) => {
      const items = ctx.iterate(a.pos[0]);
      if (items instanceof Unknown) return items;
      if (!items.length) return new PyIterator([]);
      let i = 0;
      return PyIterator.endless(() => items[i++ % items.length]);
    }),
    fn('repeat', (a, ctx) => {
      const x = arg(a, 0, 'object');
      const n = a.pos.length > 1 ? a.pos[1] : a.kw.get('times');
      if (n === undefined) return PyIterator.endless(() => x);
      if (n instanceof Unknown) return n;
      if (!isInt(n)) return ctx.raise('TypeError', `'${it.typeName(n)}' object cannot be interpreted as an integer`);
      return tooMany(num(n), ctx, 'repeat') ?? new PyIterator(new Array(Math.max(0, num(n))).fill(x));
    }),
    fn('islice', (a, ctx) => {
      const src = a.pos[0];
      let start: number | null | Unknown = 0, stop: number | null | Unknown, step: number | null | Unknown = 1;
      if (a.pos.length <= 2) stop = intArg(a.pos[1], 'Stop argument for islice()', ctx, null);
      else {
        start = intArg(a.pos[1], 'Indices for islice()', ctx, 0);
        stop = intArg(a.pos[2], 'Stop argument for islice()', ctx, null);
        step = intArg(a.pos[3], 'Step for islice()', ctx, 1);
      }
      for (const v of [start, stop, step]) if (v instanceof Unknown) return v;
      const [b, e, s] = [start as number, stop as number | null, step as number];
      if (b < 0 || (e !== null && e < 0)) return ctx.raise('ValueError', 'Indices for islice() must be None or an integer: 0 <= x <= sys.maxsize.');
      if (s <= 0) return ctx.raise('ValueError', 'Step for islice() must be a positive integer or None.');
      if (src instanceof PyIterator && src.pull) {
        if (e === null) return ctx.unknown('islice() without a stop of an endless iterator');
        const out: Value[] = [];
        for (let i = 0; i < e && src.has(1); i++) { const v = src.items[src.pos++]; if (i >= b && (i - b) % s === 0) out.push(v); }
        return new PyIterator(out);
      }
      const items = ctx.iterate(src);
      if (items instanceof Unknown) return items;
      const out: Value[] = [];
      for (let i = b; i < (e === null ? items.length : Math.min(e, items.length)); i += s) out.push(items[i]);
      return new PyIterator(out);
    }),
    ['chain', chain],
    fn('zip_longest', (a, ctx) => {
      const ls = lists(a.pos, ctx);
      if (ls instanceof Unknown) return ls;
      const fill = a.kw.get('fillvalue') ?? null;
      const n = Math.max(0, ...ls.map((l) => l.length));
      const out: Value[] = [];
      for (let i = 0; i < n; i++) out.push(new PyTuple(ls.map((l) => (i < l.length ? l[i] : fill))));
      return new PyIterator(out);
    }),
    fn('product', (a, ctx) => {
      const ls = lists(a.pos, ctx);
      if (ls instanceof Unknown) return ls;
      const rep = intArg(a.kw.get('repeat'), 'repeat', ctx, 1);
      if (rep instanceof Unknown) return rep;
      const pools: Value[][] = [];
      for (let r = 0; r < (rep as number); r++) pools.push(...ls);
      const size = pools.reduce((n, p) => n * p.length, 1);
      const many = tooMany(size, ctx, 'product');
      if (many) return many;
      const out = pools.reduce<Value[][]>((acc, p) => acc.flatMap((t) => p.map((x) => [...t, x])), [[]]);
      return new PyIterator(out.map((t) => new PyTuple(t)));
    }),
    fn('permutations', (a, ctx) => {
      const items = ctx.iterate(a.pos[0]);
      if (items instanceof Unknown) return items;
      const r = intArg(arg(a, 1, 'r', null), 'r', ctx, items.length);
      if (r instanceof Unknown) return r;
      const k = r as number;
      if (k < 0) return ctx.raise('ValueError', 'r must be non-negative');
      if (k > items.length) return new PyIterator([]);
      let size = 1;
      for (let i = 0; i < k; i++) size *= items.length - i;
      const many = tooMany(size, ctx, 'permutations');
      if (many) return many;
      // CPython's order: lexicographic in the positions of the input.
      const out: Value[] = [];
      const used = new Array(items.length).fill(false);
      const cur: Value[] = [];
      const rec = () => {
        if (cur.length === k) { out.push(new PyTuple(cur.slice())); return; }
        for (let i = 0; i < items.length; i++) {
          if (used[i]) continue;
          used[i] = true; cur.push(items[i]); rec(); cur.pop(); used[i] = false;
        }
      };
      rec();
      return new PyIterator(out);
    }),
    fn('combinations', (a, ctx) => combos(a, ctx, false)),
    fn('combinations_with_replacement', (a, ctx) => combos(a, ctx, true)),
    fn('accumulate', (a, ctx) => {
      const items = ctx.iterate(a.pos[0]);
      if (items instanceof Unknown) return items;
      const f = arg(a, 1, 'func', null);
      const initial = a.kw.get('initial');
      const out: Value[] = [];
      let acc: Value | undefined = initial === undefined || initial === null ? undefined : initial;
      if (acc !== undefined) out.push(acc);
      for (const x of items) {
        acc = acc === undefined ? x : f === null ? it.binop('+', acc, x, ctx.at) : ctx.call(f, [acc, x]);
        out.push(acc);
      }
      return new PyIterator(out);
    }),
    fn('starmap', (a, ctx) => {
      const items = ctx.iterate(a.pos[1]);
      if (items instanceof Unknown) return items;
      const out: Value[] = [];
      for (const x of items) { const args = ctx.iterate(x); if (args instanceof Unknown) return args; out.push(ctx.call(a.pos[0], args)); }
      return new PyIterator(out);
    }),
    fn('groupby', (a, ctx) => {
      const items = ctx.iterate(a.pos[0]);
      if (items instanceof Unknown) return items;
      const key = arg(a, 1, 'key', null);
      const out: Value[] = [];
      let group: Value[] | null = null;
      let cur: Value = null;
      for (const x of items) {
        const k = key === null ? x : ctx.call(key, [x]);
        if (group && it.equals(k, cur)) group.push(x);
        else { group = [x]; cur = k; out.push(new PyTuple([k, new PyIterator(group)])); }
      }
      return new PyIterator(out);
    }),
    fn('takewhile', (a, ctx) => {
      const items = ctx.iterate(a.pos[1]);
      if (items instanceof Unknown) return items;
      const out: Value[] = [];
      for (const x of items) { const t = ctx.truthy(ctx.call(a.pos[0], [x])); if (t instanceof Unknown) return t; if (!t) break; out.push(x); }
      return new PyIterator(out);
    }),
    fn('dropwhile', (a, ctx) => {
      const items = ctx.iterate(a.pos[1]);
      if (items instanceof Unknown) return items;
      let i = 0;
      for (; i < items.length; i++) { const t = ctx.truthy(ctx.call(a.pos[0], [items[i]])); if (t instanceof Unknown) return t; if (!t) break; }
      return new PyIterator(items.slice(i));
    }),
    fn('filterfalse', (a, ctx) => {
      const items = ctx.iterate(a.pos[1]);
      if (items instanceof Unknown) return items;
      const out: Value[] = [];
      for (const x of items) { const t = ctx.truthy(a.pos[0] === null ? x : ctx.call(a.pos[0], [x])); if (t instanceof Unknown) return t; if (!t) out.push(x); }
      return new PyIterator(out);
    }),
    fn('pairwise', (a, ctx) => {
      const items = ctx.iterate(a.pos[0]);
      if (items instanceof Unknown) return items;
      return new PyIterator(items.slice(1).map((x, i) => new PyTuple([items[i], x])));
    }),
    fn('compress', (a, ctx) => {
      const ls = lists([a.pos[0], a.pos[1]], ctx);
      if (ls instanceof Unknown) return ls;
      const out: Value[] = [];
      for (let i = 0; i < Math.min(ls[0].length, ls[1].length); i++) { const t = ctx.truthy(ls[1][i]); if (t instanceof Unknown) return t; if (t) out.push(ls[0][i]); }
      return new PyIterator(out);
    }),
    fn('tee', (a, ctx) => {
      const items = ctx.iterate(a.pos[0]);
      if (items instanceof Unknown) return items;
      const n = intArg(a.pos[1], 'n', ctx, 2);
      if (n instanceof Unknown) return n;
      return new PyTuple(Array.from({ length: n as number }, () => new PyIterator(items.slice())));
    }),
  ];

  function combos(a: CallArgs, ctx: CallContext, repl: boolean): Value {
    const items = ctx.iterate(a.pos[0]);
    if (items instanceof Unknown) return items;
    const r = intArg(arg(a, 1, 'r'), 'r', ctx, null);
    if (r instanceof Unknown) return r;
    if (r === null) return ctx.raise('TypeError', "missing required argument 'r'");
    if (r < 0) return ctx.raise('ValueError', 'r must be non-negative');
    const n = items.length;
    // Size: C(n, r) or C(n + r - 1, r), checked before building.
    const top = repl ? n + r - 1 : n;
    let size = r > top ? 0 : 1;
    for (let i = 0; i < Math.min(r, top - r) && size; i++) size = (size * (top - i)) / (i + 1);
    const many = tooMany(size, ctx, repl ? 'combinations_with_replacement' : 'combinations');
    if (many) return many;
    const out: Value[] = [];
    const cur: Value[] = [];
    const rec = (from: number) => {
      if (cur.length === r) { out.push(new PyTuple(cur.slice())); return; }
      for (let i = from; i < n; i++) { cur.push(items[i]); rec(repl ? i : i + 1); cur.pop(); }
    };
    if (n > 0 || r === 0) rec(0);
    return new PyIterator(out);
  }
}
