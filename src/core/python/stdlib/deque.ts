// collections.deque: a list with cheap ends and an optional maxlen (timm's pretrained-tag lists).
// Instances are PyInstances whose items live here; the protocol methods (__iter__, __len__,
// __getitem__, __contains__) make iteration, len(), indexing and `in` work through the interpreter.
import { Value, PyClass, PyInstance, PyIterator, Descriptor, Unknown, CallContext, isInt, num } from '../values';
import type { Interpreter } from '../interp';
import { linearize } from '../interp';
import { nf } from '../builtins';

interface DequeState { items: Value[]; maxlen: number | null }

export function makeDeque(it: Interpreter): PyClass {
  const deque = new PyClass('deque', [it.classes.object]);
  deque.mro = linearize(deque, it.classes.object);
  deque.dict.set('__name__', 'deque');
  const states = new WeakMap<PyInstance, DequeState>();
  const st = (v: Value, ctx: CallContext): DequeState => {
    const s = v instanceof PyInstance ? states.get(v) : undefined;
    return s ?? ctx.raise('TypeError', `descriptor requires a 'collections.deque' object but received '${it.typeName(v)}'`);
  };
  // Bounded deques drop from the opposite end, as CPython does.
  const trim = (s: DequeState, fromLeft: boolean) => {
    if (s.maxlen === null) return;
    while (s.items.length > s.maxlen) { if (fromLeft) s.items.shift(); else s.items.pop(); }
  };
  const def = (name: string, f: (s: DequeState, args: Value[], ctx: CallContext, self: PyInstance) => Value) =>
    deque.dict.set(name, nf(name, (a, ctx) => f(st(a.pos[0], ctx), a.pos.slice(1), ctx, a.pos[0] as PyInstance)));

  deque.dict.set('__new__', nf('deque', (a, ctx) => {
    const self = new PyInstance(a.pos[0] as PyClass);
    const src = a.pos[1] ?? a.kw.get('iterable') ?? null;
    const ml = a.pos[2] ?? a.kw.get('maxlen') ?? null;
    if (ml instanceof Unknown) return ml;
    if (ml !== null && (!isInt(ml) || num(ml) < 0)) return ctx.raise(isInt(ml) ? 'ValueError' : 'TypeError', 'maxlen must be a non-negative integer');
    const items = src === null ? [] : ctx.iterate(src);
    if (items instanceof Unknown) return items;
    const s: DequeState = { items: items.slice(), maxlen: ml === null ? null : num(ml) };
    trim(s, true);
    states.set(self, s);
    return self;
  }));
  deque.dict.set('__init__', nf('__init__', () => null));
  def('append', (s, [x], ctx) => { s.items.push(x ?? null); trim(s, true); void ctx; return null; });
  def('appendleft', (s, [x]) => { s.items.unshift(x ?? null); trim(s, false); return null; });
  def('extend', (s, [xs], ctx) => { const v = ctx.iterate(xs ?? null); if (v instanceof Unknown) return v; s.items.push(...v); trim(s, true); return null; });
  def('extendleft', (s, [xs], ctx) => { const v = ctx.iterate(xs ?? null); if (v instanceof Unknown) return v; for (const x of v) s.items.unshift(x); trim(s, false); return null; });
  def('pop', (s, _, ctx) => (s.items.length ? s.items.pop()! : ctx.raise('IndexError', 'pop from an empty deque')));
  def('popleft', (s, _, ctx) => (s.items.length ? s.items.shift()! : ctx.raise('IndexError', 'pop from an empty deque')));
  def('clear', (s) => { s.items.length = 0; return null; });
  def('rotate', (s, [k]) => {
    const n = s.items.length;
    if (!n) return null;
    const r = ((isInt(k ?? 1) ? num((k ?? 1) as number) : 1) % n + n) % n;
    s.items.unshift(...s.items.splice(n - r, r));
    return null;
  });
  def('reverse', (s) => { s.items.reverse(); return null; });
  def('count', (s, [x]) => s.items.filter((y) => it.equals(x ?? null, y)).length);
  def('index', (s, [x], ctx) => { const i = s.items.findIndex((y) => it.equals(x ?? null, y)); return i >= 0 ? i : ctx.raise('ValueError', `${ctx.repr(x ?? null)} is not in deque`); });
  def('remove', (s, [x], ctx) => { const i = s.items.findIndex((y) => it.equals(x ?? null, y)); if (i < 0) ctx.raise('ValueError', 'deque.remove(x): x not in deque'); s.items.splice(i, 1); return null; });
  def('insert', (s, [i, x], ctx) => {
    if (s.maxlen !== null && s.items.length >= s.maxlen) ctx.raise('IndexError', 'deque already at its maximum size');
    s.items.splice(isInt(i ?? 0) ? num((i ?? 0) as number) : 0, 0, x ?? null);
    return null;
  });
  def('copy', (s, _, ctx, self) => { const c = new PyInstance(self.cls); states.set(c, { items: s.items.slice(), maxlen: s.maxlen }); void ctx; return c; });
  def('__iter__', (s) => new PyIterator(s.items.slice()));
  def('__len__', (s) => s.items.length);
  def('__contains__', (s, [x]) => s.items.some((y) => it.equals(x ?? null, y)));
  def('__getitem__', (s, [i], ctx) => {
    if (!isInt(i ?? null)) return ctx.raise('TypeError', 'sequence index must be integer');
    const k = num(i as number), j = k < 0 ? s.items.length + k : k;
    return j >= 0 && j < s.items.length ? s.items[j] : ctx.raise('IndexError', 'deque index out of range');
  });
  def('__repr__', (s) => `deque([${s.items.map((x) => it.repr(x)).join(', ')}]${s.maxlen === null ? '' : `, maxlen=${s.maxlen}`})`);
  def('__eq__', (s, [o]) => { const t = o instanceof PyInstance ? states.get(o) : undefined; return !!t && t.items.length === s.items.length && t.items.every((x, i) => it.equals(x, s.items[i])); });
  deque.dict.set('maxlen', new Descriptor('property', nf('maxlen', (a, ctx) => st(a.pos[0], ctx).maxlen)));
  return deque;
}
