// Python builtins and the builtin types' methods, as natives over interpreter values.
import {
  Value, PyFloat, PyTuple, PyList, PyDict, PySet, PyRange, PyIterator, PyClass, PyInstance, PyFunction, NativeFunction,
  BoundMethod, PyPartial, Descriptor, Unknown, Tensor, CallArgs, CallContext, NativeImpl, PySlice, PyEllipsis,
  isNum, num, isInt,
} from './values';
import type { Interpreter } from './interp';
import { PyException, rangeLen, linearize } from './interp';
import { formatValue } from './format';

export const nf = (name: string, impl: NativeImpl): NativeFunction => new NativeFunction(name, impl);

/** Positional-or-keyword argument access for natives. */
export function arg(a: CallArgs, i: number, name: string, dflt?: Value): Value {
  if (i < a.pos.length) return a.pos[i];
  const k = a.kw.get(name);
  if (k !== undefined) return k;
  if (dflt !== undefined) return dflt;
  return new Unknown(`missing argument '${name}'`);
}

export function pyRound(x: number, nd?: number): number {
  // Python rounds half to even.
  const m = nd ? Math.pow(10, nd) : 1;
  const y = x * m;
  const r = Math.round(y);
  const out = Math.abs(y % 1) === 0.5 ? 2 * Math.round(y / 2) : r;
  return out / m;
}

export function makeBuiltins(it: Interpreter): { builtins: Map<string, Value>; classes: Record<string, PyClass> } {
  const b = new Map<string, Value>();
  const mk = (name: string, bases: PyClass[]): PyClass => {
    const c = new PyClass(name, bases);
    c.mro = linearize(c, undefined);
    c.dict.set('__name__', name);
    b.set(name, c);
    return c;
  };
  const object = mk('object', []);
  object.mro = [object];
  const cls = (name: string, bases: PyClass[] = [object]) => mk(name, bases);
  const type = cls('type');
  const int = cls('int');
  const bool = cls('bool', [int]);
  const float = cls('float');
  const str = cls('str');
  const list = cls('list');
  const tuple = cls('tuple');
  const dict = cls('dict');
  const set = cls('set');
  b.set('frozenset', set);
  const NoneType = new PyClass('NoneType', [object]); NoneType.mro = [NoneType, object];
  const fnClass = new PyClass('function', [object]); fnClass.mro = [fnClass, object];
  const classes: Record<string, PyClass> = { object, type, int, bool, float, str, list, tuple, dict, set, NoneType, function: fnClass };

  const def = (c: PyClass, name: string, impl: NativeImpl) => c.dict.set(name, nf(name, impl));
  const self = (a: CallArgs) => a.pos[0];
  const rest = (a: CallArgs): CallArgs => ({ pos: a.pos.slice(1), kw: a.kw });
  const toFloat = (v: Value, ctx: CallContext): Value => {
    if (isNum(v)) return new PyFloat(num(v));
    if (typeof v === 'string') { const x = Number(v.trim()); return Number.isNaN(x) && !/^nan$/i.test(v.trim()) ? ctx.raise('ValueError', `could not convert string to float: '${v}'`) : new PyFloat(/^-?inf/i.test(v.trim()) ? (v.trim()[0] === '-' ? -Infinity : Infinity) : x); }
    if (v instanceof Tensor && v.data && v.data.length === 1) return new PyFloat(v.data[0]);
    if (v instanceof Unknown) return v;
    return ctx.unknown('float() of a non-number');
  };
  const toInt = (v: Value, ctx: CallContext): Value => {
    if (isNum(v)) return Math.trunc(num(v));
    if (typeof v === 'string') { const x = parseInt(v.trim(), 10); return Number.isNaN(x) ? ctx.raise('ValueError', `invalid literal for int(): '${v}'`) : x; }
    if (v instanceof Tensor && v.data && v.data.length === 1) return Math.trunc(v.data[0]);
    if (v instanceof Unknown) return v;
    return ctx.unknown('int() of a non-number');
  };

  // Constructors (`__new__` receives the class first).
  def(int, '__new__', (a, ctx) => a.pos.length > 1 ? toInt(a.pos[1], ctx) : 0);
  def(float, '__new__', (a, ctx) => a.pos.length > 1 ? toFloat(a.pos[1], ctx) : new PyFloat(0));
  def(bool, '__new__', (a, ctx) => a.pos.length > 1 ? ctx.truthy(a.pos[1]) : false);
  def(str, '__new__', (a, ctx) => a.pos.length > 1 ? ctx.str(a.pos[1]) : '');
  def(list, '__new__', (a, ctx) => {
    if (a.pos.length < 2) return new PyList([]);
    const items = ctx.iterate(a.pos[1]);
    return items instanceof Unknown ? items : new PyList(items);
  });
  def(tuple, '__new__', (a, ctx) => {
    if (a.pos.length < 2) return new PyTuple([]);
    const items = ctx.iterate(a.pos[1]);
    return items instanceof Unknown ? items : new PyTuple(items);
  });
  const dictNew: NativeImpl = (a, ctx) => {
    const d = new PyDict();
    const src = a.pos[1];
    if (src instanceof PyDict) for (const [k, v] of src.entries()) d.set(k, v);
    else if (src !== undefined) {
      const items = ctx.iterate(src);
      if (items instanceof Unknown) return items;
      for (const p of items) {
        const kv = ctx.iterate(p);
        if (kv instanceof Unknown || kv.length !== 2) return ctx.unknown('dict() from non-pairs');
        d.set(kv[0], kv[1]);
      }
    }
    for (const [k, v] of a.kw) d.set(k, v);
    return d;
  };
  def(dict, '__new__', dictNew);
  def(set, '__new__', (a, ctx) => {
    if (a.pos.length < 2) return new PySet();
    const items = ctx.iterate(a.pos[1]);
    return items instanceof Unknown ? items : new PySet(items);
  });
  def(type, '__new__', (a, ctx) => {
    if (a.pos.length === 2) return it.typeOf(a.pos[1]);
    return ctx.unknown('type() with three arguments is not supported');
  });
  def(object, '__init__', () => null);
  def(object, '__new__', (a) => new PyInstance(a.pos[0] as PyClass));
  // Calling object() directly.
  int.instanceCheck = (v) => (typeof v === 'number' || typeof v === 'boolean');
  float.instanceCheck = (v) => v instanceof PyFloat;
  bool.instanceCheck = (v) => typeof v === 'boolean';
  str.instanceCheck = (v) => typeof v === 'string';
  list.instanceCheck = (v) => v instanceof PyList;
  tuple.instanceCheck = (v) => v instanceof PyTuple;
  dict.instanceCheck = (v) => v instanceof PyDict || (v instanceof PyInstance && v.cls.isSubclassOf(dict));
  set.instanceCheck = (v) => v instanceof PySet;
  type.instanceCheck = (v) => v instanceof PyClass;

  // Exceptions.
  const BaseException = cls('BaseException');
  classes.BaseException = BaseException;
  def(BaseException, '__init__', (a) => { (a.pos[0] as PyInstance).attrs.set('args', new PyTuple(a.pos.slice(1))); return null; });
  const Exception = cls('Exception', [BaseException]);
  for (const n of ['ValueError', 'TypeError', 'KeyError', 'IndexError', 'AttributeError', 'RuntimeError', 'NameError',
    'AssertionError', 'ZeroDivisionError', 'ImportError', 'StopIteration', 'OSError', 'Warning', 'LookupError', 'ArithmeticError']) cls(n, [Exception]);
  cls('NotImplementedError', [b.get('RuntimeError') as PyClass]);
  cls('RecursionError', [b.get('RuntimeError') as PyClass]);
  cls('ModuleNotFoundError', [b.get('ImportError') as PyClass]);
  for (const n of ['UserWarning', 'DeprecationWarning', 'FutureWarning', 'RuntimeWarning']) cls(n, [b.get('Warning') as PyClass]);

  // ----- str methods -----
  const S = (a: CallArgs) => self(a) as string;
  def(str, 'join', (a, ctx) => {
    const items = ctx.iterate(a.pos[1]);
    return items instanceof Unknown ? items : items.map((x) => typeof x === 'string' ? x : ctx.str(x)).join(S(a));
  });
  def(str, 'format', (a, ctx) => {
    let auto = 0;
    return S(a).replace(/\{\{|\}\}|\{([^{}:!]*)(![rs])?(?::([^{}]*))?\}/g, (m, field: string, conv: string, spec: string) => {
      if (m === '{{') return '{';
      if (m === '}}') return '}';
      let v: Value;
      const [head, ...attrs] = (field ?? '').split('.');
      if (head === '') v = a.pos[1 + auto++];
      else if (/^\d+$/.test(head)) v = a.pos[1 + +head];
      else v = a.kw.get(head) ?? null;
      for (const at of attrs) v = ctx.getattr(v, at);
      return conv === '!r' ? ctx.repr(v) : formatValue(v, spec ?? '', it);
    });
  });
  def(str, 'startswith', (a) => { const p = a.pos[1]; return p instanceof PyTuple ? p.items.some((x) => S(a).startsWith(x as string)) : S(a).startsWith(p as string); });
  def(str, 'endswith', (a) => { const p = a.pos[1]; return p instanceof PyTuple ? p.items.some((x) => S(a).endsWith(x as string)) : S(a).endsWith(p as string); });
  def(str, 'split', (a) => {
    const sep = arg(a, 1, 'sep', null);
    const parts = sep === null ? S(a).trim().split(/\s+/).filter((x) => x) : S(a).split(sep as string);
    return new PyList(parts);
  });
  def(str, 'rsplit', (a) => {
    const sep = arg(a, 1, 'sep', null) as string | null;
    const max = arg(a, 2, 'maxsplit', -1) as number;
    const s = S(a);
    if (sep === null || max < 0) return new PyList(sep === null ? s.trim().split(/\s+/) : s.split(sep));
    const parts = s.split(sep);
    const head = parts.slice(0, Math.max(0, parts.length - max)).join(sep);
    return new PyList([head, ...parts.slice(Math.max(0, parts.length - max))]);
  });
  def(str, 'strip', (a) => (a.pos[1] == null ? S(a).trim() : S(a).replace(new RegExp(`^[${esc(a.pos[1] as string)}]+|[${esc(a.pos[1] as string)}]+$`, 'g'), '')));
  def(str, 'lstrip', (a) => S(a).replace(/^\s+/, ''));
  def(str, 'rstrip', (a) => S(a).replace(/\s+$/, ''));
  def(str, 'lower', (a) => S(a).toLowerCase());
  def(str, 'upper', (a) => S(a).toUpperCase());
  def(str, 'replace', (a) => S(a).split(a.pos[1] as string).join(a.pos[2] as string));
  def(str, 'find', (a) => S(a).indexOf(a.pos[1] as string));
  def(str, 'count', (a) => S(a).split(a.pos[1] as string).length - 1);
  def(str, 'isdigit', (a) => /^\d+$/.test(S(a)));
  def(str, 'isidentifier', (a) => /^[A-Za-z_]\w*$/.test(S(a)));
  def(str, '__len__', (a) => S(a).length);

  // ----- list methods -----
  const L = (a: CallArgs) => self(a) as PyList;
  def(list, 'append', (a) => { L(a).items.push(a.pos[1]); return null; });
  def(list, 'extend', (a, ctx) => { const items = ctx.iterate(a.pos[1]); if (!(items instanceof Unknown)) L(a).items.push(...items); else ctx.unknown(items.reason); return null; });
  def(list, 'insert', (a) => { const l = L(a).items; let i = num(a.pos[1] as number); if (i < 0) i += l.length; l.splice(Math.max(0, i), 0, a.pos[2]); return null; });
  def(list, 'pop', (a, ctx) => {
    const l = L(a).items;
    if (!l.length) ctx.raise('IndexError', 'pop from empty list');
    let i = a.pos.length > 1 ? num(a.pos[1] as number) : l.length - 1;
    if (i < 0) i += l.length;
    return l.splice(i, 1)[0];
  });
  def(list, 'index', (a, ctx) => { const i = L(a).items.findIndex((x) => it.equals(x, a.pos[1])); return i < 0 ? ctx.raise('ValueError', 'not in list') : i; });
  def(list, 'count', (a) => L(a).items.filter((x) => it.equals(x, a.pos[1])).length);
  def(list, 'copy', (a) => new PyList(L(a).items.slice()));
  def(list, 'clear', (a) => { L(a).items.length = 0; return null; });
  def(list, 'reverse', (a) => { L(a).items.reverse(); return null; });
  def(list, 'remove', (a) => { const l = L(a).items; const i = l.findIndex((x) => it.equals(x, a.pos[1])); if (i >= 0) l.splice(i, 1); return null; });
  def(list, 'sort', (a, ctx) => { const r = sortValues(L(a).items, a.kw.get('key') ?? null, a.kw.get('reverse') === true, ctx); if (!(r instanceof Unknown)) L(a).items = r; return null; });
  def(list, '__len__', (a) => L(a).items.length);
  def(tuple, 'index', (a, ctx) => { const i = (self(a) as PyTuple).items.findIndex((x) => it.equals(x, a.pos[1])); return i < 0 ? ctx.raise('ValueError', 'not in tuple') : i; });
  def(tuple, 'count', (a) => (self(a) as PyTuple).items.filter((x) => it.equals(x, a.pos[1])).length);

  // ----- dict methods -----
  const D = (a: CallArgs) => self(a) as PyDict;
  def(dict, 'get', (a) => { const v = D(a).get(a.pos[1]); return v !== undefined ? v : a.pos[2] ?? null; });
  def(dict, 'items', (a) => new PyList(D(a).entries().map(([k, v]) => new PyTuple([k, v]))));
  def(dict, 'keys', (a) => new PyList(D(a).keys()));
  def(dict, 'values', (a) => new PyList(D(a).values()));
  def(dict, 'pop', (a, ctx) => {
    const d = D(a); const v = d.get(a.pos[1]);
    if (v !== undefined) { d.delete(a.pos[1]); return v; }
    return a.pos.length > 2 ? a.pos[2] : ctx.raise('KeyError', ctx.repr(a.pos[1]));
  });
  def(dict, 'setdefault', (a) => { const d = D(a); if (!d.has(a.pos[1])) d.set(a.pos[1], a.pos[2] ?? null); return d.get(a.pos[1])!; });
  def(dict, 'update', (a, ctx) => { const r = dictNew({ pos: [dict, ...a.pos.slice(1)], kw: a.kw }, ctx); if (r instanceof PyDict) for (const [k, v] of r.entries()) D(a).set(k, v); return null; });
  def(dict, 'copy', (a) => D(a).copy());
  def(dict, '__len__', (a) => D(a).size);
  def(set, 'add', (a) => { (self(a) as PySet).add(a.pos[1]); return null; });
  def(set, '__len__', (a) => (self(a) as PySet).map.size);
  def(float, 'is_integer', (a) => Number.isInteger((self(a) as PyFloat).v));

  // ----- functions -----
  const fn = (name: string, impl: NativeImpl) => b.set(name, nf(name, impl));
  fn('len', (a, ctx) => {
    const v = a.pos[0];
    if (typeof v === 'string') return v.length;
    if (v instanceof PyList || v instanceof PyTuple) return v.items.length;
    if (v instanceof PyDict) return v.size;
    if (v instanceof PySet) return v.map.size;
    if (v instanceof PyRange) return rangeLen(v);
    if (v instanceof Tensor) return v.shape.length ? v.shape[0] : ctx.raise('TypeError', 'len() of a 0-d tensor');
    if (v instanceof PyInstance) {
      const l = v.cls.lookup('__len__');
      if (l !== undefined) return ctx.call(l, [v]);
    }
    if (v instanceof Unknown) return v;
    return ctx.raise('TypeError', `object of type '${it.typeName(v)}' has no len()`);
  });
  fn('range', (a, ctx) => {
    const xs = a.pos;
    for (const x of xs) { if (x instanceof Unknown) return x; if (!isInt(x)) return ctx.raise('TypeError', `'${it.typeName(x)}' object cannot be interpreted as an integer`); }
    const n = xs.map((x) => num(x as number));
    if (n.length === 1) return new PyRange(0, n[0], 1);
    return new PyRange(n[0], n[1], n[2] ?? 1);
  });
  fn('enumerate', (a, ctx) => {
    const items = ctx.iterate(a.pos[0]);
    if (items instanceof Unknown) return items;
    const start = num(arg(a, 1, 'start', 0) as number);
    return new PyIterator(items.map((x, i) => new PyTuple([i + start, x])));
  });
  fn('zip', (a, ctx) => {
    const lists: Value[][] = [];
    for (const p of a.pos) { const items = ctx.iterate(p); if (items instanceof Unknown) return items; lists.push(items); }
    const n = lists.length ? Math.min(...lists.map((l) => l.length)) : 0;
    const out: Value[] = [];
    for (let i = 0; i < n; i++) out.push(new PyTuple(lists.map((l) => l[i])));
    return new PyIterator(out);
  });
  fn('map', (a, ctx) => {
    const lists: Value[][] = [];
    for (const p of a.pos.slice(1)) { const items = ctx.iterate(p); if (items instanceof Unknown) return items; lists.push(items); }
    const n = lists.length ? Math.min(...lists.map((l) => l.length)) : 0;
    const out: Value[] = [];
    for (let i = 0; i < n; i++) out.push(ctx.call(a.pos[0], lists.map((l) => l[i])));
    return new PyIterator(out);
  });
  fn('filter', (a, ctx) => {
    const items = ctx.iterate(a.pos[1]);
    if (items instanceof Unknown) return items;
    return new PyIterator(items.filter((x) => ctx.truthy(a.pos[0] === null ? x : ctx.call(a.pos[0], [x])) === true));
  });
  fn('sorted', (a, ctx) => {
    const items = ctx.iterate(a.pos[0]);
    if (items instanceof Unknown) return items;
    const r = sortValues(items, a.kw.get('key') ?? null, a.kw.get('reverse') === true, ctx);
    return r instanceof Unknown ? r : new PyList(r);
  });
  fn('reversed', (a, ctx) => { const items = ctx.iterate(a.pos[0]); return items instanceof Unknown ? items : new PyIterator(items.reverse()); });
  const minmax = (sign: number): NativeImpl => (a, ctx) => {
    let items: Value[] | Unknown = a.pos.length === 1 ? ctx.iterate(a.pos[0]) : a.pos;
    if (items instanceof Unknown) return items;
    items = items.slice();
    if (!items.length) return a.kw.has('default') ? a.kw.get('default')! : ctx.raise('ValueError', 'arg is an empty sequence');
    const key = a.kw.get('key');
    let best = items[0];
    let bestK = key ? ctx.call(key, [best]) : best;
    for (const x of items.slice(1)) {
      if (x instanceof Unknown) return x;
      const k = key ? ctx.call(key, [x]) : x;
      if (k instanceof Tensor || bestK instanceof Tensor) return ctx.unknown('min/max over tensors');
      const c = it.order(k, bestK, ctx.at);
      if (c instanceof Unknown) return c;
      if (c * sign > 0) { best = x; bestK = k; }
    }
    return best;
  };
  fn('min', minmax(-1));
  fn('max', minmax(1));
  fn('sum', (a, ctx) => {
    const items = ctx.iterate(a.pos[0]);
    if (items instanceof Unknown) return items;
    let acc: Value = arg(a, 1, 'start', 0);
    for (const x of items) acc = it.binop('+', acc, x, ctx.at);
    return acc;
  });
  fn('any', (a, ctx) => { const items = ctx.iterate(a.pos[0]); if (items instanceof Unknown) return items; for (const x of items) { const t = ctx.truthy(x); if (t instanceof Unknown) return t; if (t) return true; } return false; });
  fn('all', (a, ctx) => { const items = ctx.iterate(a.pos[0]); if (items instanceof Unknown) return items; for (const x of items) { const t = ctx.truthy(x); if (t instanceof Unknown) return t; if (!t) return false; } return true; });
  fn('abs', (a, ctx) => { const v = a.pos[0]; if (isInt(v)) return Math.abs(num(v)); if (v instanceof PyFloat) return new PyFloat(Math.abs(v.v)); return ctx.unknown('abs() of a non-number'); });
  fn('round', (a, ctx) => {
    const v = a.pos[0];
    const nd = a.pos[1] ?? a.kw.get('ndigits') ?? null;
    if (v instanceof Tensor) return it.torch.call('round', [v], ctx);
    if (!isNum(v)) return v instanceof Unknown ? v : ctx.unknown('round() of a non-number');
    if (nd === null) return pyRound(num(v));
    return isInt(v) ? num(v) : new PyFloat(pyRound(num(v), num(nd as number)));
  });
  fn('divmod', (a) => { const x = num(a.pos[0] as number), y = num(a.pos[1] as number); return new PyTuple([Math.floor(x / y), x - Math.floor(x / y) * y]); });
  fn('pow', (a) => it.binop('**', a.pos[0], a.pos[1], null));
  fn('isinstance', (a, ctx) => ctx.isinstance(a.pos[0], a.pos[1]));
  fn('issubclass', (a) => {
    const c = a.pos[0]; const t = a.pos[1];
    if (!(c instanceof PyClass)) return false;
    const ts = t instanceof PyTuple ? t.items : [t];
    return ts.some((x) => x instanceof PyClass && c.isSubclassOf(x));
  });
  fn('hasattr', (a, ctx) => {
    try { const v = ctx.getattr(a.pos[0], a.pos[1] as string); return !(v instanceof Unknown) || !(a.pos[0] instanceof Unknown) ? true : v; }
    catch (e) { if (e instanceof PyException) return false; throw e; }
  });
  fn('getattr', (a, ctx) => {
    try { return ctx.getattr(a.pos[0], a.pos[1] as string); }
    catch (e) { if (e instanceof PyException && a.pos.length > 2) return a.pos[2]; throw e; }
  });
  fn('setattr', (a, ctx) => { ctx.setattr(a.pos[0], a.pos[1] as string, a.pos[2]); return null; });
  fn('delattr', (a) => { const o = a.pos[0]; if (o instanceof PyInstance) o.attrs.delete(a.pos[1] as string); return null; });
  fn('callable', (a) => {
    const v = a.pos[0];
    return v instanceof PyFunction || v instanceof NativeFunction || v instanceof BoundMethod || v instanceof PyPartial ||
      v instanceof PyClass || (v instanceof PyInstance && v.cls.lookup('__call__') !== undefined);
  });
  fn('print', () => null);
  fn('id', (a) => (typeof a.pos[0] === 'object' && a.pos[0] !== null ? 1 : 0));
  fn('hash', (a) => (typeof a.pos[0] === 'number' ? a.pos[0] : 0));
  fn('repr', (a, ctx) => ctx.repr(a.pos[0]));
  fn('iter', (a, ctx) => { const items = ctx.iterate(a.pos[0]); return items instanceof Unknown ? items : new PyIterator(items); });
  fn('next', (a, ctx) => {
    const v = a.pos[0];
    if (v instanceof PyIterator) {
      if (v.pos < v.items.length) return v.items[v.pos++];
      return a.pos.length > 1 ? a.pos[1] : ctx.raise('StopIteration', '');
    }
    return ctx.unknown('next() of a non-iterator');
  });
  fn('vars', (a) => { const d = new PyDict(); const o = a.pos[0]; if (o instanceof PyInstance) for (const [k, v] of o.attrs) d.set(k, v); return d; });
  fn('slice', (a) => new PySlice(a.pos.length > 1 ? a.pos[0] : null, a.pos.length > 1 ? a.pos[1] : a.pos[0], a.pos[2] ?? null));
  fn('chr', (a) => String.fromCharCode(num(a.pos[0] as number)));
  fn('ord', (a) => (a.pos[0] as string).charCodeAt(0));
  fn('staticmethod', (a) => new Descriptor('staticmethod', a.pos[0]));
  fn('classmethod', (a) => new Descriptor('classmethod', a.pos[0]));
  fn('property', (a) => new Descriptor('property', a.pos[0]));
  b.set('NotImplemented', new Unknown('NotImplemented'));
  b.set('Ellipsis', PyEllipsis.it);
  b.set('__name__', '__main__');
  return { builtins: b, classes };
}

function esc(s: string): string { return s.replace(/[\\\]^-]/g, '\\$&'); }

function sortValues(items: Value[], key: Value, reverse: boolean, ctx: CallContext): Value[] | Unknown {
  const keyed = items.map((x) => [key !== null ? ctx.call(key, [x]) : x, x] as [Value, Value]);
  let bad: Unknown | null = null;
  const rt = ctx.rt as unknown as Interpreter;
  keyed.sort((p, q) => {
    const c = rt.order(p[0], q[0], ctx.at);
    if (c instanceof Unknown) { bad = c; return 0; }
    return reverse ? -c : c;
  });
  return bad ?? keyed.map((p) => p[1]);
}
