// Python builtins (functions, classes, exceptions) as natives over interpreter values; the builtin
// types' methods are in methods/*.ts, one file per type.
import {
  Value, PyFloat, PyTuple, PyList, PyDict, PySet, PyRange, PyIterator, PyClass, PyInstance, PyFunction, NativeFunction,
  BoundMethod, PyPartial, Descriptor, Unknown, Tensor, CallArgs, CallContext, NativeImpl, PySlice, PyEllipsis, PyNamespace,
  isNum, num, isInt, metaOf,
} from './values';
import type { Interpreter } from './interp';
import { PyException, rangeLen, linearize } from './interp';
import { formatValue, strValue, roundFloat } from './format';
import { defineStrMethods } from './methods/str';
import { defineListMethods } from './methods/list';
import { defineDictMethods } from './methods/dict';
import { defineNumberMethods } from './methods/number';

/** What methods/*.ts define the builtin types' methods with: the interpreter, the classes, helpers. */
export interface MethodKit {
  it: Interpreter;
  def: (c: PyClass, name: string, impl: NativeImpl) => void;
  self: (a: CallArgs) => Value;
  int: PyClass; float: PyClass; str: PyClass; list: PyClass; tuple: PyClass; dict: PyClass; set: PyClass;
  dictNew: NativeImpl;
}

export const nf = (name: string, impl: NativeImpl): NativeFunction => new NativeFunction(name, impl);

/**
 * Lists made by dir() that may miss real names (a partly modelled module such as torch, the
 * dunder names of objects): `x in listing` is undecidable, not False, for the names it may miss.
 */
export const partialListings = new WeakMap<PyList, (name: Value) => boolean>();
/** The default_factory of each collections.defaultdict (None: plain dict behaviour). */
export const defaultFactories = new WeakMap<PyDict, Value>();
/** What a missing key reads as, without being inserted (collections.Counter: 0). */
export const missingValues = new WeakMap<PyDict, Value>();
/** The class of dicts and lists made by a subclass (Counter, OrderedDict, defaultdict, deque): type(), methods. */
export const valueClasses = new WeakMap<PyDict | PyList, PyClass>();

/** Positional-or-keyword argument access for natives. */
export function arg(a: CallArgs, i: number, name: string, dflt?: Value): Value {
  if (i < a.pos.length) return a.pos[i];
  const k = a.kw.get(name);
  if (k !== undefined) return k;
  if (dflt !== undefined) return dflt;
  return new Unknown(`missing argument '${name}'`);
}

export function pyRound(x: number, nd?: number): number {
  // Python rounds the exact binary value half to even; an int result has no -0.
  if (nd) return roundFloat(x, nd);
  const r = Math.abs(x % 1) === 0.5 ? 2 * Math.round(x / 2) : Math.round(x);
  return r + 0;
}

/** int(s, base) of a str, as strict as CPython (signs, underscores between digits, prefixes). */
function parseIntLiteral(text: string, base: number): number | null {
  let s = text.trim().toLowerCase();
  let sign = 1;
  if (s[0] === '-' || s[0] === '+') { if (s[0] === '-') sign = -1; s = s.slice(1); }
  const prefixes: Record<string, number> = { '0x': 16, '0o': 8, '0b': 2 };
  const pb = prefixes[s.slice(0, 2)];
  if (pb !== undefined && (base === 0 || base === pb)) { base = pb; s = s.slice(2).replace(/^_/, ''); }
  else if (base === 0) { if (/^0+(_?0)*$/.test(s)) return 0; if (s[0] === '0') return null; base = 10; }
  if (base < 2 || base > 36 || !/^[0-9a-z]+(_[0-9a-z]+)*$/.test(s)) return null;
  const digits = s.replace(/_/g, '');
  for (const c of digits) if (parseInt(c, 36) >= base) return null;
  return sign * parseInt(digits, base) + 0;
}

/** float(s) of a str: decimal literals (with underscores), inf, infinity, nan. */
function parseFloatLiteral(text: string): number | null {
  const s = text.trim().toLowerCase();
  const special = /^([+-]?)(inf|infinity|nan)$/.exec(s);
  if (special) return special[2] === 'nan' ? NaN : special[1] === '-' ? -Infinity : Infinity;
  const d = '\\d(?:_?\\d)*';
  if (!new RegExp(`^[+-]?(?:${d}(?:\\.(?:${d})?)?|\\.${d})(?:e[+-]?${d})?$`).test(s)) return null;
  return Number(s.replace(/_/g, ''));
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
  const NoneType = new PyClass('NoneType', [object]); NoneType.mro = [NoneType, object]; NoneType.dict.set('__name__', 'NoneType');
  const fnClass = new PyClass('function', [object]); fnClass.mro = [fnClass, object]; fnClass.dict.set('__name__', 'function');
  const classes: Record<string, PyClass> = { object, type, int, bool, float, str, list, tuple, dict, set, NoneType, function: fnClass };

  const def = (c: PyClass, name: string, impl: NativeImpl) => c.dict.set(name, nf(name, impl));
  const self = (a: CallArgs) => a.pos[0];
  const toFloat = (v: Value, ctx: CallContext): Value => {
    if (isNum(v)) return new PyFloat(num(v));
    if (typeof v === 'string') { const x = parseFloatLiteral(v); return x === null ? ctx.raise('ValueError', `could not convert string to float: ${ctx.repr(v)}`) : new PyFloat(x); }
    if (v instanceof Tensor && v.data && v.data.length === 1) return new PyFloat(v.data[0]);
    if (v instanceof Unknown) return v;
    return ctx.unknown('float() of a non-number');
  };
  const toInt = (v: Value, ctx: CallContext, base?: Value): Value => {
    if (base !== undefined) {
      if (typeof v !== 'string') return ctx.raise('TypeError', "int() can't convert non-string with explicit base");
      if (!isInt(base)) return ctx.unknown('int() with a non-integer base');
    }
    if (isNum(v)) {
      const x = num(v);
      if (Number.isNaN(x)) return ctx.raise('ValueError', 'cannot convert float NaN to integer');
      if (!Number.isFinite(x)) return ctx.raise('OverflowError', 'cannot convert float infinity to integer');
      return Math.trunc(x) + 0;
    }
    if (typeof v === 'string') {
      const b = base === undefined ? 10 : num(base as number);
      const x = parseIntLiteral(v, b);
      return x === null ? ctx.raise('ValueError', `invalid literal for int() with base ${b}: ${ctx.repr(v)}`) : x;
    }
    if (v instanceof Tensor && v.data && v.data.length === 1) return Math.trunc(v.data[0]) + 0;
    if (v instanceof Unknown) return v;
    if (v instanceof PyInstance) {
      const f = v.cls.lookup('__int__') ?? v.cls.lookup('__index__');
      if (f !== undefined) return ctx.call(f, [v]);
    }
    return ctx.unknown('int() of a non-number');
  };

  // Constructors (`__new__` receives the class first).
  def(int, '__new__', (a, ctx) => a.pos.length > 1 ? toInt(a.pos[1], ctx, a.pos[2] ?? a.kw.get('base')) : 0);
  def(float, '__new__', (a, ctx) => a.pos.length > 1 ? toFloat(a.pos[1], ctx) : new PyFloat(0));
  def(bool, '__new__', (a, ctx) => a.pos.length > 1 ? ctx.truthy(a.pos[1]) : false);
  def(str, '__new__', (a) => a.pos.length > 1 ? strValue(a.pos[1], it) : '');
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
  // The object protocol as methods (`self.__setattr__('level_%d' % i, m)`, `object.__setattr__(self, ...)`):
  // the same paths as the statements, so nn.Module registration happens as for `self.x = m`.
  def(object, '__setattr__', (a, ctx) => {
    if (typeof a.pos[1] !== 'string') return ctx.raise('TypeError', `attribute name must be string, not '${it.typeName(a.pos[1] ?? null)}'`);
    ctx.setattr(a.pos[0], a.pos[1], a.pos[2] ?? null);
    return null;
  });
  def(object, '__getattribute__', (a, ctx) => {
    if (typeof a.pos[1] !== 'string') return ctx.raise('TypeError', `attribute name must be string, not '${it.typeName(a.pos[1] ?? null)}'`);
    return ctx.getattr(a.pos[0], a.pos[1]);
  });
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
  for (const n of ['ValueError', 'TypeError', 'AttributeError', 'RuntimeError', 'NameError',
    'AssertionError', 'ImportError', 'StopIteration', 'OSError', 'Warning', 'LookupError', 'ArithmeticError']) cls(n, [Exception]);
  for (const n of ['KeyError', 'IndexError']) cls(n, [b.get('LookupError') as PyClass]);
  for (const n of ['ZeroDivisionError', 'OverflowError']) cls(n, [b.get('ArithmeticError') as PyClass]);
  cls('NotImplementedError', [b.get('RuntimeError') as PyClass]);
  cls('RecursionError', [b.get('RuntimeError') as PyClass]);
  cls('ModuleNotFoundError', [b.get('ImportError') as PyClass]);
  for (const n of ['UserWarning', 'DeprecationWarning', 'FutureWarning', 'RuntimeWarning']) cls(n, [b.get('Warning') as PyClass]);

  // ----- the builtin types' methods, one file per type (methods/*.ts) -----
  const kit: MethodKit = { it, def, self, int, float, str, list, tuple, dict, set, dictNew };
  defineStrMethods(kit);
  defineListMethods(kit);
  defineDictMethods(kit);
  defineNumberMethods(kit);

  // ----- functions -----
  const fn = (name: string, impl: NativeImpl) => b.set(name, nf(name, impl));
  fn('len', (a, ctx) => {
    const v = a.pos[0];
    if (typeof v === 'string') return strLen(v);
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
    if (v instanceof PyClass) { const m = metaOf(v); if (m?.len) return m.len(v, ctx); }
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
    // Endless iterators (itertools.count, ...) give as many items as the finite partners have.
    const finite = a.pos.filter((p) => !(p instanceof PyIterator && p.pull));
    if (finite.length === 0 && a.pos.length) return ctx.unknown('zip() of endless iterators only');
    const lists: (Value[] | null)[] = [];
    for (const p of a.pos) {
      if (p instanceof PyIterator && p.pull) { lists.push(null); continue; }
      const items = ctx.iterate(p); if (items instanceof Unknown) return items; lists.push(items);
    }
    const m = Math.min(...lists.filter((l): l is Value[] => l !== null).map((l) => l.length));
    a.pos.forEach((p, i) => { if (lists[i] === null) { const e = p as PyIterator; e.has(m); lists[i] = e.items.slice(e.pos, e.pos + m); e.pos += m; } });
    return zipLists(lists as Value[][]);
  });
  const zipLists = (lists: Value[][]): Value => {
    const n = lists.length ? Math.min(...lists.map((l) => l.length)) : 0;
    const out: Value[] = [];
    for (let i = 0; i < n; i++) out.push(new PyTuple(lists.map((l) => l[i])));
    return new PyIterator(out);
  };
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
    if (nd !== null && !isInt(nd)) return nd instanceof Unknown ? nd : ctx.raise('TypeError', 'round() ndigits must be an integer');
    const x = num(v);
    if (isInt(v)) return nd === null || num(nd) >= 0 ? x : roundFloat(x, num(nd)) + 0;
    if (nd !== null) return new PyFloat(roundFloat(x, num(nd)));
    if (Number.isNaN(x)) return ctx.raise('ValueError', 'cannot convert float NaN to integer');
    if (!Number.isFinite(x)) return ctx.raise('OverflowError', 'cannot convert float infinity to integer');
    return pyRound(x);
  });
  fn('divmod', (a, ctx) => new PyTuple([it.binop('//', a.pos[0], a.pos[1], ctx.at), it.binop('%', a.pos[0], a.pos[1], ctx.at)]));
  fn('format', (a) => formatValue(a.pos[0], typeof a.pos[1] === 'string' ? a.pos[1] : '', it));
  fn('pow', (a, ctx) => {
    const [x, y, m] = a.pos;
    if (m === undefined || m === null) return it.binop('**', x, y, ctx.at);
    if (!isInt(x) || !isInt(y) || !isInt(m)) return ctx.raise('TypeError', 'pow() 3rd argument not allowed unless all arguments are integers');
    if (num(m) === 0) return ctx.raise('ValueError', 'pow() 3rd argument cannot be 0');
    if (num(y) < 0) return ctx.unknown('pow() with a negative exponent and a modulus');
    const md = BigInt(Math.abs(num(m)));
    let r = 1n % md, base = ((BigInt(num(x)) % md) + md) % md, e = BigInt(num(y));
    for (; e > 0n; e >>= 1n, base = base * base % md) if (e & 1n) r = r * base % md;
    // Python's result takes the sign of the modulus.
    return Number(r !== 0n && num(m) < 0 ? r - md : r);
  });
  fn('isinstance', (a, ctx) => ctx.isinstance(a.pos[0], a.pos[1]));
  fn('issubclass', (a) => {
    const c = a.pos[0]; const t = a.pos[1];
    if (!(c instanceof PyClass)) return false;
    const ts = t instanceof PyTuple ? t.items : [t];
    return ts.some((x) => x instanceof PyClass && c.isSubclassOf(x));
  });
  fn('hasattr', (a, ctx) => {
    try {
      const v = ctx.getattr(a.pos[0], a.pos[1] as string);
      // A name a partly modelled module (torch...) lacks may or may not exist in the real one.
      if (v instanceof Unknown && a.pos[0] instanceof PyNamespace && !a.pos[0].file) return v;
      return !(v instanceof Unknown) || !(a.pos[0] instanceof Unknown) ? true : v;
    }
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
      if (v.has(1)) return v.items[v.pos++];
      return a.pos.length > 1 ? a.pos[1] : ctx.raise('StopIteration', '');
    }
    return ctx.unknown('next() of a non-iterator');
  });
  fn('dir', (a, ctx) => {
    if (a.pos.length === 0) return ctx.unknown('dir() without an argument is not supported');
    const o = a.pos[0];
    if (o instanceof Unknown) return o;
    const names = new Set<string>();
    let partial: (n: Value) => boolean = (n) => typeof n === 'string' && n.startsWith('__');
    if (o instanceof PyNamespace) {
      for (const k of o.attrs.keys()) names.add(k);
      // A builtin stub (torch, ...) models part of the real module.
      if (!o.file) partial = () => true;
    } else {
      if (o instanceof PyInstance) for (const k of o.attrs.keys()) names.add(k);
      const cls = o instanceof PyClass ? o : it.typeOf(o);
      for (const c of cls.mro) for (const k of c.dict.keys()) names.add(k);
      // Native types list only the methods the engine models.
      if (!(o instanceof PyInstance) || !cls.mro.every((c) => c.file || c === object)) partial = () => true;
    }
    const l = new PyList([...names].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0)));
    partialListings.set(l, partial);
    return l;
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

export function esc(s: string): string { return s.replace(/[\\\]^-]/g, '\\$&'); }

/** len() of a str: code points, as Python counts them. */
export function strLen(s: string): number { return /[\uD800-\uDBFF]/.test(s) ? [...s].length : s.length; }

export function sortValues(items: Value[], key: Value, reverse: boolean, ctx: CallContext): Value[] | Unknown {
  // Comparisons, charged before they run: a sort in a loop is the work, not the statement.
  (ctx.rt as unknown as Interpreter).budget.work(8 * items.length * Math.log2(items.length + 1));
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
