// The object protocol of the symbolic interpreter: operators with their dunders, truth, iteration,
// items, attributes (descriptors, MRO), calls (natives, functions, classes, generators, argument
// binding), types and isinstance; C3 linearisation. Free functions of the Interpreter (interp.ts).
import {
  Value, Span, PyFloat, PyTuple, PyList, PyDict, PySet, PySlice, PyRange, Unknown, Param, PyFunction,
  NativeFunction, BoundMethod, PyPartial, Descriptor, PyClass, PyInstance, PyNamespace, PyIterator,
  SuperProxy, Tensor, Scope, LazyImport, ModuleState, isNum, num, isInt, metaOf,
} from './values';
import { partialListings, defaultFactories, missingValues, valueClasses } from './builtins';
import { formatValue, reprValue } from './format';
import { writeIndex } from './torch/tensor';
import type { Interpreter, FunctionScope } from './interp';
import { PyException, rangeErrorReason, sizeOf } from './interp';
import { numBinop, percentFormat } from './literals';

// ---------- operations ----------
export function binop(it: Interpreter, op: string, a: Value, b: Value, at: Span | null): Value {
  if (a instanceof Unknown) return a;
  if (b instanceof Unknown) return b;
  if (a instanceof Tensor || b instanceof Tensor) return it.torch.binary(op, a, b, it.ctx(at));
  if (isNum(a) && isNum(b)) return numBinop(op, a, b, it, at);
  // Operators of dict/list subclasses (Counter + Counter, ...).
  const sub = (a instanceof PyDict || a instanceof PyList) ? valueClasses.get(a) : undefined;
  if (sub && BINOP_DUNDER[op]) { const f = sub.lookup(BINOP_DUNDER[op][0]); if (f !== undefined) return it.call(f, [a, b], new Map(), at); }
  if (typeof a === 'string') {
    if (op === '+' && typeof b === 'string') return it.refuse('str', a.length + b.length, at) ?? a + b;
    if (op === '*' && isInt(b)) { const k = Math.max(0, num(b)); return (a.length ? it.refuse('str', a.length * k, at) : null) ?? a.repeat(a.length ? k : 0); }
    if (op === '%') return percentFormat(a, b, it);
  }
  if (op === '*' && isInt(a) && (typeof b === 'string' || b instanceof PyList || b instanceof PyTuple)) return it.binop(op, b, a, at);
  if (a instanceof PyList || a instanceof PyTuple) {
    const kind = a instanceof PyList ? 'list' : 'tuple';
    const mk = (items: Value[]) => a instanceof PyList ? new PyList(items) : new PyTuple(items);
    if (op === '+' && (b instanceof PyList || b instanceof PyTuple)) return it.refuse(kind, a.items.length + b.items.length, at) ?? mk(a.items.concat(b.items));
    if (op === '*' && isInt(b)) {
      const k = Math.max(0, num(b)), n = a.items.length;
      const big = n ? it.refuse(kind, n * k, at) : null;
      if (big) return big;
      const out: Value[] = new Array(n * k);
      for (let i = 0; i < n * k; i++) out[i] = a.items[i % n];
      return mk(out);
    }
  }
  if (a instanceof PyDict && b instanceof PyDict && op === '|') {
    const big = it.refuse('dict', a.size + b.size, at);
    if (big) return big;
    const d = a.copy(); for (const [k, v] of b.entries()) d.set(k, v); return d;
  }
  if (a instanceof PySet && b instanceof PySet) {
    const big = it.refuse('set', a.map.size + b.map.size, at);
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
      if (f !== undefined) return it.call(f, [a, b], new Map(), at);
    }
    if (b instanceof PyInstance) {
      const f = b.cls.lookup(dunder[1]);
      if (f !== undefined) return it.call(f, [b, a], new Map(), at);
    }
  }
  throw new PyException(it.exception('TypeError'), `unsupported operand types for ${op}: '${it.typeName(a)}' and '${it.typeName(b)}'`, at);
}

export function unop(it: Interpreter, op: string, v: Value, at: Span | null): Value {
  if (v instanceof Unknown) return v;
  if (v instanceof Tensor) return it.torch.unary(op, v, it.ctx(at));
  if (isNum(v)) {
    if (op === '-') return typeof v === 'object' ? new PyFloat(-v.v) : -num(v) || 0;
    if (op === '+') return typeof v === 'boolean' ? num(v) : v;
    if (op === '~' && isInt(v)) return ~num(v);
  }
  if (v instanceof PyInstance) {
    const f = v.cls.lookup(op === '-' ? '__neg__' : op === '+' ? '__pos__' : '__invert__');
    if (f !== undefined) return it.call(f, [v], new Map(), at);
  }
  throw new PyException(it.exception('TypeError'), `bad operand type for unary ${op}: '${it.typeName(v)}'`, at);
}

export function compare(it: Interpreter, op: string, a: Value, b: Value, at: Span | null): Value {
  switch (op) {
    case 'is': return isSame(a, b);
    case 'is not': return !isSame(a, b);
    case 'in': return it.contains(b, a, at);
    case 'not in': { const r = it.contains(b, a, at); return r instanceof Unknown ? r : !r; }
  }
  if (a instanceof Unknown) return a;
  if (b instanceof Unknown) return b;
  if (a instanceof Tensor || b instanceof Tensor) return it.torch.binary(op, a, b, it.ctx(at));
  if (op === '==') return it.equals(a, b);
  if (op === '!=') return !it.equals(a, b);
  const c = it.order(a, b, at);
  if (c instanceof Unknown) return c;
  switch (op) {
    case '<': return c < 0;
    case '<=': return c <= 0;
    case '>': return c > 0;
    case '>=': return c >= 0;
  }
  return new Unknown(`unsupported comparison ${op}`, at);
}

export function equals(it: Interpreter, a: Value, b: Value): boolean {
  if (isNum(a) && isNum(b)) return num(a) === num(b);
  if (typeof a === 'string' && typeof b === 'string') return a === b;
  if ((typeof a === 'string' && !(b instanceof PyInstance)) || (typeof b === 'string' && !(a instanceof PyInstance))) return false;
  if (a === null || b === null) return a === b;
  if ((a instanceof PyTuple && b instanceof PyTuple) || (a instanceof PyList && b instanceof PyList)) {
    return a.items.length === b.items.length && a.items.every((x, i) => it.equals(x, b.items[i]));
  }
  if (a instanceof PyDict && b instanceof PyDict) {
    return a.size === b.size && a.entries().every(([k, v]) => b.has(k) && it.equals(v, b.get(k)!));
  }
  if (a instanceof PyInstance && a.cls.dataclassFields && b instanceof PyInstance && a.cls === b.cls) {
    return a.cls.dataclassFields.every((f) => it.equals(a.attrs.get(f.name) ?? null, b.attrs.get(f.name) ?? null));
  }
  if (a instanceof PyInstance) {
    const f = a.cls.lookup('__eq__');
    if (f instanceof PyFunction || f instanceof NativeFunction) { const r = it.call(f, [a, b], new Map(), null); return r === true; }
  }
  if (b instanceof PyInstance && !(a instanceof PyInstance)) {
    // The reflected __eq__ (`1 == IntEnumMember`).
    const f = b.cls.lookup('__eq__');
    if (f instanceof PyFunction || f instanceof NativeFunction) { const r = it.call(f, [b, a], new Map(), null); return r === true; }
  }
  return isSame(a, b);
}

export function order(it: Interpreter, a: Value, b: Value, at: Span | null): number | Unknown {
  if (isNum(a) && isNum(b)) { const x = num(a), y = num(b); return x < y ? -1 : x > y ? 1 : 0; }
  // Objects that are integers underneath (__index__: IntEnum members) order as those.
  if (a instanceof PyInstance || b instanceof PyInstance) {
    const ix = (v: Value): Value => { const f = v instanceof PyInstance ? v.cls.lookup('__index__') : undefined; return f !== undefined ? it.call(f, [v], new Map(), at) : v; };
    const x = ix(a), y = ix(b);
    if (isNum(x) && isNum(y)) return it.order(x, y, at);
  }
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if ((a instanceof PyTuple && b instanceof PyTuple) || (a instanceof PyList && b instanceof PyList)) {
    for (let i = 0; i < Math.min(a.items.length, b.items.length); i++) {
      const c = it.order(a.items[i], b.items[i], at);
      if (c instanceof Unknown || c !== 0) return c;
    }
    return a.items.length - b.items.length;
  }
  throw new PyException(it.exception('TypeError'), `'<' not supported between '${it.typeName(a)}' and '${it.typeName(b)}'`, at);
}

export function contains(it: Interpreter, container: Value, item: Value, at: Span | null): boolean | Unknown {
  if (container instanceof Unknown) return container;
  const t = it.taintOf(container);
  if (t) return t;
  if (typeof container === 'string') { it.budget.work(container.length); return typeof item === 'string' && container.includes(item); }
  if (container instanceof PyDict) return container.has(item);
  if (container instanceof PySet) return container.has(item);
  if (container instanceof PyInstance) {
    const f = container.cls.lookup('__contains__');
    if (f !== undefined) { const r = it.truthy(it.call(f, [container, item], new Map(), at), at); return r; }
  }
  const items = it.iterate(container, at);
  if (items instanceof Unknown) return items;
  if (items.some((x) => it.equals(x, item))) return true;
  const partial = container instanceof PyList ? partialListings.get(container) : undefined;
  return partial && partial(item) ? new Unknown(`${it.repr(item)} is not among the modelled names of dir()`, at) : false;
}

export function truthy(it: Interpreter, v: Value, at: Span | null): boolean | Unknown {
  if (v === null) return false;
  switch (typeof v) {
    case 'boolean': return v;
    case 'number': return v !== 0;
    case 'string': return v.length > 0;
  }
  if (v instanceof Unknown) return v;
  const tv = it.taintOf(v);
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
    if (b !== undefined) return it.truthy(it.call(b, [v], new Map(), at), at);
    const l = v.cls.lookup('__len__');
    if (l !== undefined) return it.truthy(it.call(l, [v], new Map(), at), at);
    return true;
  }
  return true;
}

/** Materialises an iterable as a list of values. */
export function iterate(it: Interpreter, v: Value, at: Span | null): Value[] | Unknown {
  const t = it.taintOf(v);
  if (t) return t;
  if (v instanceof PyList || v instanceof PyTuple) { it.budget.work(v.items.length); return v.items.slice(); }
  if (v instanceof PyIterator) {
    if (v.pull) return new Unknown('an endless iterator (itertools.count, cycle or repeat) read to its end', at);
    const r = v.items.slice(v.pos); v.pos = v.items.length; return r;
  }
  if (v instanceof PyRange) {
    const n = rangeLen(v);
    const big = it.refuse('list', n, at);
    if (big) return big;
    const out: Value[] = new Array(n);
    for (let i = 0; i < n; i++) out[i] = v.start + i * v.step;
    return out;
  }
  if (typeof v === 'string') return it.refuse('list', v.length, at) ?? [...v];
  if (v instanceof PyDict) return v.keys();
  if (v instanceof PySet) return v.items();
  if (v instanceof Unknown) return v;
  if (v instanceof Tensor) return it.torch.iterate(v, it.ctx(at));
  if (v instanceof PyInstance) {
    const f = v.cls.lookup('__iter__');
    if (f !== undefined) return it.iterate(it.call(f, [v], new Map(), at), at);
    const g = v.cls.lookup('__getitem__');
    const l = v.cls.lookup('__len__');
    if (g !== undefined && l !== undefined) {
      const n = it.call(l, [v], new Map(), at);
      if (typeof n !== 'number') return new Unknown('unknown length', at);
      const out: Value[] = [];
      for (let i = 0; i < n; i++) out.push(it.call(g, [v, i], new Map(), at));
      return out;
    }
  }
  if (v instanceof PyClass) { const m = metaOf(v); if (m?.iter) return m.iter(v, it.ctx(at)); }
  throw new PyException(it.exception('TypeError'), `'${it.typeName(v)}' object is not iterable`, at);
}

export function getitem(it: Interpreter, obj: Value, idx: Value, at: Span | null): Value {
  if (obj instanceof Unknown) return obj;
  const t = it.taintOf(obj);
  if (t) return t;
  if (obj instanceof Tensor) return it.torch.index(obj, idx, it.ctx(at));
  if (obj instanceof PyList || obj instanceof PyTuple || typeof obj === 'string') {
    // Indexing a str splits it into code points: that, and a slice's copy, is work.
    if (typeof obj === 'string') it.budget.work(obj.length);
    const items = typeof obj === 'string' ? [...obj] : obj.items;
    if (idx instanceof PySlice) {
      const r = sliceIndices(idx, items.length, it, at);
      if (r instanceof Unknown) return r;
      it.budget.work(Math.max(0, (r.stop - r.start) / r.step));
      const out: Value[] = [];
      for (let i = r.start; r.step > 0 ? i < r.stop : i > r.stop; i += r.step) out.push(items[i]);
      if (typeof obj === 'string') return out.join('');
      return obj instanceof PyList ? new PyList(out) : new PyTuple(out);
    }
    if (idx instanceof Unknown) return idx;
    if (!isInt(idx)) throw new PyException(it.exception('TypeError'), 'indices must be integers', at);
    let i = num(idx);
    if (i < 0) i += items.length;
    if (i < 0 || i >= items.length) throw new PyException(it.exception('IndexError'), 'index out of range', at);
    return items[i];
  }
  if (obj instanceof PyDict) {
    const v = obj.get(idx);
    if (v === undefined) {
      if (idx instanceof Unknown) return idx;
      const factory = defaultFactories.get(obj);
      if (factory !== undefined && factory !== null) { const d = it.call(factory, [], new Map(), at); obj.set(idx, d); return d; }
      const missing = missingValues.get(obj);
      if (missing !== undefined) return missing;
      throw new PyException(it.exception('KeyError'), it.repr(idx), at);
    }
    return v;
  }
  if (obj instanceof PyRange) {
    if (idx instanceof PySlice) {
      const r = sliceIndices(idx, rangeLen(obj), it, at);
      if (r instanceof Unknown) return r;
      return new PyRange(obj.start + r.start * obj.step, obj.start + r.stop * obj.step, obj.step * r.step);
    }
    if (!isInt(idx)) return new Unknown('range slicing is not supported', at);
    let i = num(idx); const n = rangeLen(obj); if (i < 0) i += n;
    return obj.start + i * obj.step;
  }
  if (obj instanceof PyInstance) {
    const f = obj.cls.lookup('__getitem__');
    if (f !== undefined) return it.call(f, [obj, idx], new Map(), at);
  }
  if (obj instanceof PyClass) {
    const m = metaOf(obj);
    if (m?.getitem) return m.getitem(obj, idx, it.ctx(at));
    return obj; // typing generics: List[int] etc.
  }
  if (obj instanceof NativeFunction || obj instanceof PyNamespace) return new Unknown('subscript of a typing construct', at);
  throw new PyException(it.exception('TypeError'), `'${it.typeName(obj)}' object is not subscriptable`, at);
}

export function setitem(it: Interpreter, obj: Value, idx: Value, v: Value, at: Span | null): void {
  if (obj instanceof PyList) {
    if (isInt(idx)) { let i = num(idx); if (i < 0) i += obj.items.length; obj.items[i] = v; return; }
    if (idx instanceof PySlice) {
      const r = sliceIndices(idx, obj.items.length, it, at);
      const items = it.iterate(v, at);
      if (!(r instanceof Unknown) && !(items instanceof Unknown) && r.step === 1) { obj.items.splice(r.start, Math.max(0, r.stop - r.start), ...items); return; }
      if (!(r instanceof Unknown) && !(items instanceof Unknown)) {
        // Extended slice: one value per selected position, as many as there are positions.
        const at_: number[] = [];
        for (let i = r.start; r.step > 0 ? i < r.stop : i > r.stop; i += r.step) at_.push(i);
        if (at_.length !== items.length) throw new PyException(it.exception('ValueError'), `attempt to assign sequence of size ${items.length} to extended slice of size ${at_.length}`, at);
        at_.forEach((i, k) => { obj.items[i] = items[k]; });
        return;
      }
    }
  } else if (obj instanceof PyDict) { obj.set(idx, v); return; }
  else if (obj instanceof PyInstance) {
    const f = obj.cls.lookup('__setitem__');
    if (f !== undefined) { it.call(f, [obj, idx, v], new Map(), at); return; }
  } else if (obj instanceof Tensor || obj instanceof Unknown) {
    // In-place writes keep the shape; known values are updated (or forgotten); a trace records
    // the write as a new value of the tensor.
    if (obj instanceof Tensor) { it.tracer?.setitem(obj, idx, v, at); writeIndex(obj, idx, v); }
    return;
  }
  it.note(`cannot assign item of '${it.typeName(obj)}'`, at);
  if (it.recording) it.lostEffects = true;
}

// ---------- attributes ----------
export function getattr(it: Interpreter, obj: Value, name: string, at: Span | null): Value {
  if (obj instanceof Unknown) return obj;
  const t = it.taintOf(obj);
  if (t) return t;
  if (obj instanceof Descriptor && obj.kind === 'property') {
    // `@v.setter`: a new property with the same getter and it setter.
    if (name === 'setter') return new NativeFunction('setter', (a) => new Descriptor('property', obj.fn, a.pos[0] ?? null));
    if (name === 'getter') return new NativeFunction('getter', (a) => new Descriptor('property', a.pos[0] ?? null, obj.setter));
    if (name === 'fget') return obj.fn;
    if (name === 'fset') return obj.setter;
  }
  if (obj instanceof PyInstance) {
    const own = obj.attrs.get(name);
    if (own !== undefined) return own;
    const cv = obj.cls.lookup(name);
    if (cv !== undefined) return it.bind(cv, obj, obj.cls, at);
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
    if (ga instanceof PyFunction) return it.call(ga, [obj, name], new Map(), at);
    if (obj.cls.hasUnknownBase) return new Unknown(`attribute '${name}' of ${obj.cls.name} comes from an unresolved base class`, at);
    throw new PyException(it.exception('AttributeError'), `'${obj.cls.name}' object has no attribute '${name}'`, at);
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
    throw new PyException(it.exception('AttributeError'), `type object '${obj.name}' has no attribute '${name}'`, at);
  }
  if (obj instanceof PyNamespace) {
    let v = obj.attrs.get(name);
    if (v instanceof LazyImport) { v = v.resolve(); obj.attrs.set(name, v); }
    if (v !== undefined) return v;
    const sub = it.resolver.submodule(it, obj, name, at);
    if (sub !== undefined) return sub;
    // A module read from a file has what its code defines; builtin stubs (torch, ...) are partial.
    if (obj.file) throw new PyException(it.exception('AttributeError'), `module '${obj.name}' has no attribute '${name}'`, at);
    return new Unknown(`'${obj.name}.${name}' is not modelled`, at);
  }
  if (obj instanceof SuperProxy) {
    const cls = obj.self instanceof PyClass ? obj.self : it.typeOf(obj.self);
    const mro = cls.mro;
    const start = mro.indexOf(obj.startAfter);
    for (let i = start + 1; i < mro.length; i++) {
      const v = mro[i].dict.get(name);
      if (v !== undefined) return it.bind(v, obj.self, cls, at);
    }
    if (cls.hasUnknownBase) return new Unknown(`super().${name} comes from an unresolved base class`, at);
    throw new PyException(it.exception('AttributeError'), `'super' object has no attribute '${name}'`, at);
  }
  if (obj instanceof Tensor) return it.torch.tensorAttr(obj, name, it.ctx(at));
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
  const cls = it.typeOf(obj);
  const cv = cls.lookup(name);
  if (cv !== undefined) return it.bind(cv, obj, cls, at);
  if (name === '__class__') return cls;
  if (name === '__name__' && obj instanceof NativeFunction) return obj.name;
  throw new PyException(it.exception('AttributeError'), `'${cls.name}' object has no attribute '${name}'`, at);
}

export function bind(it: Interpreter, v: Value, self: Value, cls: PyClass, at: Span | null): Value {
  if (v instanceof PyFunction || v instanceof NativeFunction) return new BoundMethod(self, v);
  if (v instanceof Descriptor) {
    if (v.kind === 'staticmethod') return v.fn;
    if (v.kind === 'classmethod') return new BoundMethod(cls, v.fn);
    if (v.kind === 'property') return it.call(v.fn, [self], new Map(), at);
  }
  return v;
}

export function setattr(it: Interpreter, obj: Value, name: string, v: Value, at: Span | null): void {
  if (obj instanceof PyInstance) {
    const prop = obj.cls.lookup(name);
    if (prop instanceof Descriptor && prop.kind === 'property') {
      if (prop.setter === null) throw new PyException(it.exception('AttributeError'), `can't set attribute '${name}'`, at);
      it.call(prop.setter, [obj, v], new Map(), at);
      return;
    }
    const ms = obj.module;
    if (ms && !ms.initialised && ((v instanceof PyInstance && v.module) || (v instanceof Tensor && v.isParam))) {
      throw new PyException(it.exception('AttributeError'), `cannot assign ${v instanceof Tensor ? 'parameters' : 'module'} before Module.__init__() call (missing super().__init__() in ${obj.cls.name}?)`, at);
    }
    if (ms) {
      const a = it.currentAssign;
      it.torch.registerAttr(obj, ms, name, v, a && it.currentAssignFile ? { file: it.currentAssignFile.path, from: a.from, to: a.to } : at);
    }
    obj.attrs.set(name, v);
    return;
  }
  if (obj instanceof PyClass) { obj.dict.set(name, v); return; }
  if (obj instanceof PyNamespace) { obj.attrs.set(name, v); return; }
  if (obj instanceof Tensor) { if (name === 'requires_grad') obj.requiresGrad = v === true; return; }
  if (obj instanceof Unknown) return;
  it.note(`cannot set attribute '${name}' on '${it.typeName(obj)}'`, at);
  if (it.recording) it.lostEffects = true;
}

// ---------- calls ----------
/**
 * Runs a native, charging what it made as work (an upper() of 2 MB costs what it copies). A
 * value past V8's own limits (a string over 2^29 characters) becomes an Unknown saying so.
 */
export function callNative(it: Interpreter, fn: NativeFunction, pos: Value[], kw: Map<string, Value>, at: Span | null): Value {
  let r: Value;
  try {
    r = fn.impl({ pos, kw }, it.ctx(at));
  } catch (e) {
    if (!(e instanceof RangeError) || /call stack/i.test(e.message)) throw e;
    const u = new Unknown(rangeErrorReason(e), at);
    it.note(u, at);
    return u;
  }
  // A str method scans its str (find, count, upper, ...): short ones cost nothing worth counting.
  if (typeof pos[0] === 'string' && pos[0].length > 256) it.budget.work(pos[0].length);
  const made = sizeOf(r);
  if (made > 0 && r !== pos[0]) it.budget.work(made);
  return r;
}

export function call(it: Interpreter, fn: Value, pos: Value[], kw: Map<string, Value>, at: Span | null): Value {
  if (fn instanceof PyFunction) return it.invoke(fn, pos, kw, at);
  if (fn instanceof NativeFunction) return it.callNative(fn, pos, kw, at);
  if (fn instanceof BoundMethod) return it.call(fn.fn, [fn.self, ...pos], kw, at);
  if (fn instanceof PyPartial) {
    const k = new Map(fn.kw);
    for (const [a, b] of kw) k.set(a, b);
    return it.call(fn.fn, [...fn.pos, ...pos], k, at);
  }
  if (fn instanceof PyClass) return it.instantiate(fn, pos, kw, at);
  if (fn instanceof PyInstance) {
    const c = fn.cls.lookup('__call__');
    if (c !== undefined) return it.call(c, [fn, ...pos], kw, at);
    if (fn.cls.hasUnknownBase) return new Unknown(`calling ${fn.cls.name}: unresolved base class`, at);
  }
  if (fn instanceof Descriptor) return it.call(fn.fn, pos, kw, at);
  if (fn instanceof Unknown) {
    const u = new Unknown(fn.reason, fn.at ?? at);
    it.taintArgs(pos, kw, u);
    return u;
  }
  throw new PyException(it.exception('TypeError'), `'${it.typeName(fn)}' object is not callable`, at);
}

export function instantiate(it: Interpreter, cls: PyClass, pos: Value[], kw: Map<string, Value>, at: Span | null): Value {
  // Builtin types (int, list, namedtuples, dict subclasses) construct through a native __new__.
  for (const c of cls.mro) {
    if (c === it.classes.object) break;
    const nw = c.dict.get('__new__');
    if (nw instanceof NativeFunction) return it.call(nw, [cls, ...pos], kw, at);
  }
  const inst = new PyInstance(cls);
  if (cls.isSubclassOf(it.classes.Module)) {
    inst.module = new ModuleState();
    // The call stack ends with this call's site when the call came from Python code (evalCall pushed it).
    const st = it.callStack;
    inst.module.createdAt = at && st[st.length - 1] !== at ? [...st, at] : st.slice();
    inst.module.ctor = { cls, pos, kw };
    const site = it.callScopes[it.callScopes.length - 1];
    if (at && it.mainFile && at.file === it.mainFile.path && site) inst.module.siteScope = snapshot(site);
  }
  const init = cls.lookup('__init__');
  if (init !== undefined) it.call(init, [inst, ...pos], kw, at);
  if (inst.module) inst.module.childrenAtInit = inst.module.modules.size;
  return inst;
}

export function invoke(it: Interpreter, fn: PyFunction, pos: Value[], kw: Map<string, Value>, at: Span | null): Value {
  if (++it.depth > it.maxDepth) {
    it.depth--;
    throw new PyException(it.exception('RecursionError'), 'maximum recursion depth exceeded', at);
  }
  const prevFile = it.curFile;
  try {
    const scope = new Scope(fn.closure, 'function', fn.file) as FunctionScope;
    it.bindArgs(fn, pos, kw, scope, at);
    if (fn.owner) { scope.fnOwner = fn.owner; scope.selfName = fn.params[0]?.name ?? null; }
    it.setFile(fn.file);
    if (fn.isLambda) return it.eval(fn.body, scope);
    if (fn.isGenerator) return it.runGenerator(fn, scope);
    const c = it.execBody(it.bodyOf(fn.body), scope);
    return c !== undefined && typeof c === 'object' ? c.ret : null;
  } finally {
    it.setFile(prevFile);
    it.depth--;
  }
}

/** Generators run eagerly: the yielded values become a list iterator. */
export function runGenerator(it: Interpreter, fn: PyFunction, scope: Scope): Value {
  const out: Value[] = [];
  const saved = it.yieldSink;
  it.yieldSink = out;
  try { it.execBody(it.bodyOf(fn.body), scope); } finally { it.yieldSink = saved; }
  return new PyIterator(out);
}

export function bindArgs(it: Interpreter, fn: PyFunction, pos: Value[], kw: Map<string, Value>, scope: Scope, at: Span | null): void {
  let pi = 0;
  // Most calls pass no keywords: no set of used names, no loop over them.
  const used = kw.size ? new Set<string>() : null;
  let kwargParam: Param | null = null;
  for (const p of fn.params) {
    if (p.kind === 'pos' && p.posOnly) {
      if (pi < pos.length) scope.vars.set(p.name, pos[pi++]);
      else if (p.default !== undefined) scope.vars.set(p.name, p.default);
      else if (kw.has(p.name) && !fn.params.some((q) => q.kind === 'kwarg')) it.argError(fn, `got some positional-only arguments passed as keyword arguments: '${p.name}'`, at);
      else it.argError(fn, `missing required positional argument '${p.name}'`, at);
    } else if (p.kind === 'pos') {
      if (pi < pos.length) { scope.vars.set(p.name, pos[pi++]); if (kw.has(p.name)) it.argError(fn, `got multiple values for argument '${p.name}'`, at); }
      else if (used && kw.has(p.name)) { scope.vars.set(p.name, kw.get(p.name)!); used.add(p.name); }
      else if (p.default !== undefined) scope.vars.set(p.name, p.default);
      else it.argError(fn, `missing required argument '${p.name}'`, at);
    } else if (p.kind === 'vararg') {
      scope.vars.set(p.name, new PyTuple(pos.slice(pi)));
      pi = pos.length;
    } else if (p.kind === 'kwonly') {
      if (used && kw.has(p.name)) { scope.vars.set(p.name, kw.get(p.name)!); used.add(p.name); }
      else if (p.default !== undefined) scope.vars.set(p.name, p.default);
      else it.argError(fn, `missing required keyword argument '${p.name}'`, at);
    } else kwargParam = p;
  }
  if (pi < pos.length) it.argError(fn, `takes ${pi} positional arguments but ${pos.length} were given`, at);
  if (!used) { if (kwargParam) scope.vars.set(kwargParam.name, new PyDict()); return; }
  const extra = new PyDict();
  for (const [k, v] of kw) {
    if (used.has(k)) continue;
    if (fn.params.some((p) => p.name === k && p.kind === 'pos' && !p.posOnly)) continue;
    if (!kwargParam) {
      if (fn.params.some((p) => p.name === k && p.posOnly)) it.argError(fn, `got some positional-only arguments passed as keyword arguments: '${k}'`, at);
      it.argError(fn, `got an unexpected keyword argument '${k}'`, at);
    }
    extra.set(k, v);
  }
  if (kwargParam) scope.vars.set(kwargParam.name, extra);
}

export function argError(it: Interpreter, fn: PyFunction, msg: string, at: Span | null): never {
  throw new PyException(it.exception('TypeError'), `${fn.name}() ${msg}`, at);
}

// ---------- types ----------
export function typeOf(it: Interpreter, v: Value): PyClass {
  const c = it.classes;
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

export function typeName(it: Interpreter, v: Value): string { return v instanceof Unknown ? 'unknown' : it.typeOf(v).name; }

export function isinstance(it: Interpreter, v: Value, cls: Value): boolean | Unknown {
  if (v instanceof Unknown) return v;
  if (cls instanceof PyTuple) {
    // One undecidable member makes a False undecidable (never a silent False).
    let unknown: Unknown | null = null;
    for (const c of cls.items) {
      const r = it.isinstance(v, c);
      if (r === true) return true;
      if (r instanceof Unknown) unknown ??= r;
    }
    return unknown ?? false;
  }
  if (!(cls instanceof PyClass)) return new Unknown('isinstance() with an unknown class', null);
  // A deque is a list inside but not a list; a Counter is a dict.
  const vc = v instanceof PyDict || v instanceof PyList ? valueClasses.get(v) : undefined;
  if (vc && (cls === it.classes.list || cls === it.classes.dict)) return vc.isSubclassOf(cls);
  // Instances of a class deriving from int/str (IntEnum members) are ints.
  if (v instanceof PyInstance && v.cls.isSubclassOf(cls)) return true;
  if (cls.instanceCheck) return cls.instanceCheck(v);
  const t = it.typeOf(v);
  if (t.isSubclassOf(cls)) return true;
  if (cls === it.classes.int && typeof v === 'boolean') return true;
  if (cls === it.classes.Tensor && v instanceof Tensor) return true;
  return false;
}

export function str(it: Interpreter, v: Value): string {
  if (v instanceof PyInstance) {
    const f = v.cls.lookup('__str__') ?? v.cls.lookup('__repr__');
    if (f instanceof PyFunction || f instanceof NativeFunction) { const r = it.call(f, [v], new Map(), null); return typeof r === 'string' ? r : '<object>'; }
    return `<${v.cls.name} object>`;
  }
  return formatValue(v, '', it);
}

export function repr(it: Interpreter, v: Value): string { return reprValue(v, it); }

export const BINOP_DUNDER: Record<string, [string, string]> = {
  '+': ['__add__', '__radd__'], '-': ['__sub__', '__rsub__'], '*': ['__mul__', '__rmul__'],
  '/': ['__truediv__', '__rtruediv__'], '//': ['__floordiv__', '__rfloordiv__'], '@': ['__matmul__', '__rmatmul__'],
  '%': ['__mod__', '__rmod__'], '**': ['__pow__', '__rpow__'],
  '|': ['__or__', '__ror__'], '&': ['__and__', '__rand__'], '^': ['__xor__', '__rxor__'],
};

export function isSame(a: Value, b: Value): boolean {
  if (a instanceof PyFloat && b instanceof PyFloat) return a.v === b.v;
  return a === b;
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
