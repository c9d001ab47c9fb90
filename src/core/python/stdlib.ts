// The parts of the Python standard library that model files use at build time:
// math, functools, copy, collections, typing, numbers, dataclasses, itertools, operator, warnings, abc, enum.
import {
  Value, PyTuple, PyList, PyDict, PySet, PyClass, PyInstance, PyNamespace, PyPartial, PyIterator,
  NativeFunction, Unknown, Tensor, PyFunction, BoundMethod, ModuleState, CallArgs, CallContext, Descriptor, isNum,
} from './values';
import type { Interpreter } from './interp';
import { linearize } from './interp';
import { nf, arg, defaultFactories, valueClasses } from './builtins';
import { reModule } from './stdlib/re';
import { sysModule } from './stdlib/sys';
import { mathModule } from './stdlib/math';
import { itertoolsModule } from './stdlib/itertools';
import { operatorModule } from './stdlib/operator';
import { counterClass } from './stdlib/collections';
import { simpleNamespaceClass } from './stdlib/types';
import { enumModule } from './stdlib/enum';
import { makeDeque } from './stdlib/deque';

export function makeStdlib(it: Interpreter): Map<string, PyNamespace> {
  const mods = new Map<string, PyNamespace>();
  const ns = (name: string, entries: [string, Value][]): PyNamespace => {
    const m = new PyNamespace(name, new Map(entries));
    mods.set(name, m);
    return m;
  };
  ns('math', mathModule(it));

  // functools.partial is a class: isinstance(x, functools.partial) holds for partial objects.
  const partial = new PyClass('partial', [it.classes.object]);
  partial.mro = linearize(partial, it.classes.object);
  partial.dict.set('__name__', 'partial');
  partial.dict.set('__new__', nf('partial', (a, ctx) => {
    const fn = a.pos[1];
    if (fn === undefined) return ctx.raise('TypeError', 'type \'partial\' takes at least one argument');
    if (fn instanceof Unknown) return fn;
    // partial(partial(f, a), b) flattens to partial(f, a, b), as CPython does.
    if (fn instanceof PyPartial) return new PyPartial(fn.fn, [...fn.pos, ...a.pos.slice(2)], new Map([...fn.kw, ...a.kw]));
    return new PyPartial(fn, a.pos.slice(2), new Map(a.kw));
  }));
  partial.instanceCheck = (v) => v instanceof PyPartial;
  const identityDeco = (name: string) => nf(name, (a) => (a.pos.length === 1 && a.kw.size === 0 ? a.pos[0] : nf(name, (b) => b.pos[0])));
  ns('functools', [
    ['partial', partial],
    ['reduce', nf('reduce', (a, ctx) => {
      const items = ctx.iterate(a.pos[1]);
      if (items instanceof Unknown) return items;
      let acc = a.pos.length > 2 ? a.pos[2] : items.shift()!;
      for (const x of items) acc = ctx.call(a.pos[0], [acc, x]);
      return acc;
    })],
    ['wraps', nf('wraps', () => nf('wraps', (b) => b.pos[0]))],
    ['lru_cache', identityDeco('lru_cache')], ['cache', identityDeco('cache')],
    ['cached_property', nf('cached_property', (a) => it.builtins.get('property') instanceof NativeFunction ? (it.builtins.get('property') as NativeFunction).impl(a, it.ctx(null)) : null)],
    ['total_ordering', identityDeco('total_ordering')],
  ]);

  const copyValue = (v: Value, deep: boolean, memo: Map<object, Value>): Value => {
    if (v === null || typeof v !== 'object') return v;
    const hit = memo.get(v);
    if (hit !== undefined) return hit;
    const c = (x: Value) => deep ? copyValue(x, deep, memo) : x;
    if (v instanceof PyList) { const l = new PyList([]); memo.set(v, l); l.items = v.items.map(c); return l; }
    if (v instanceof PyDict) { const d = new PyDict(); memo.set(v, d); for (const [k, x] of v.entries()) d.set(k, c(x)); return d; }
    if (v instanceof PySet) return new PySet(v.items());
    if (v instanceof PyTuple) return deep ? new PyTuple(v.items.map(c), v.cls) : v;
    if (v instanceof Tensor) { if (!deep) return v; const t = new Tensor(v.shape, v.dtype, v.data ? v.data.slice() : null); t.isParam = v.isParam; t.requiresGrad = v.requiresGrad; memo.set(v, t); return t; }
    if (v instanceof PyInstance) {
      const o = new PyInstance(v.cls);
      memo.set(v, o);
      o.native = v.native;
      for (const [k, x] of v.attrs) o.attrs.set(k, c(x));
      if (v.module) {
        const ms = new ModuleState();
        ms.initialised = v.module.initialised;
        ms.createdAt = v.module.createdAt.slice();
        ms.attachedAt = v.module.attachedAt;
        for (const [k] of v.module.modules) ms.modules.set(k, (o.attrs.get(k) ?? null) as PyInstance | null);
        for (const [k] of v.module.params) ms.params.set(k, (o.attrs.get(k) ?? null) as Tensor | null);
        for (const [k] of v.module.buffers) ms.buffers.set(k, (o.attrs.get(k) ?? null) as Tensor | null);
        o.module = ms;
      }
      return o;
    }
    return v;
  };
  ns('copy', [
    ['copy', nf('copy', (a) => copyValue(a.pos[0], false, new Map()))],
    ['deepcopy', nf('deepcopy', (a) => copyValue(a.pos[0], true, new Map()))],
  ]);

  const dict = it.classes.dict;
  const OrderedDict = new PyClass('OrderedDict', [dict]);
  OrderedDict.mro = linearize(OrderedDict, it.classes.object);
  OrderedDict.dict.set('__name__', 'OrderedDict');
  // OrderedDicts are plain dicts inside; remember which ones were made as OrderedDict.
  const ordered = new WeakSet<PyDict>();
  OrderedDict.dict.set('__new__', nf('OrderedDict', (a, ctx) => {
    const d = ctx.call(dict.dict.get('__new__')!, a.pos, a.kw);
    if (d instanceof PyDict) { ordered.add(d); valueClasses.set(d, OrderedDict); }
    return d;
  }));
  OrderedDict.dict.set('move_to_end', nf('move_to_end', (a, ctx) => {
    const d = a.pos[0] as PyDict, k = a.pos[1];
    const v = d.get(k);
    if (v === undefined) return ctx.raise('KeyError', ctx.repr(k));
    const last = a.pos[2] ?? a.kw.get('last') ?? true;
    d.delete(k);
    if (ctx.truthy(last) === true) d.set(k, v);
    else { const rest = d.entries(); d.map.clear(); d.set(k, v); for (const [x, y] of rest) d.set(x, y); }
    return null;
  }));
  OrderedDict.dict.set('popitem', nf('popitem', (a, ctx) => {
    const d = a.pos[0] as PyDict;
    const entries = d.entries();
    if (!entries.length) return ctx.raise('KeyError', 'dictionary is empty');
    const last = a.pos[1] ?? a.kw.get('last') ?? true;
    const [k, v] = ctx.truthy(last) === true ? entries[entries.length - 1] : entries[0];
    d.delete(k);
    return new PyTuple([k, v]);
  }));
  OrderedDict.instanceCheck = (v) => (v instanceof PyDict && ordered.has(v)) || (v instanceof PyInstance && v.cls.isSubclassOf(OrderedDict));
  const defaultdict = new PyClass('defaultdict', [dict]);
  defaultdict.mro = linearize(defaultdict, it.classes.object);
  defaultdict.dict.set('__name__', 'defaultdict');
  // A defaultdict is a dict whose missing keys are filled by its factory (see interp getitem).
  const ddicts = new WeakSet<PyDict>();
  defaultdict.dict.set('__new__', nf('defaultdict', (a, ctx) => {
    const factory = a.pos[1] ?? null;
    if (factory instanceof Unknown) return factory;
    const d = ctx.call(dict.dict.get('__new__')!, [dict, ...a.pos.slice(2)], a.kw);
    if (!(d instanceof PyDict)) return d;
    ddicts.add(d);
    valueClasses.set(d, defaultdict);
    defaultFactories.set(d, factory);
    return d;
  }));
  defaultdict.dict.set('default_factory', new Descriptor('property', nf('default_factory', (a) => defaultFactories.get(a.pos[0] as PyDict) ?? null)));
  defaultdict.instanceCheck = (v) => v instanceof PyDict && ddicts.has(v);
  // Methods every namedtuple class has (also typing.NamedTuple subclasses, through their base).
  const fieldsOf = (t: PyTuple): string[] => {
    const f = t.cls?.lookup('_fields');
    return f instanceof PyTuple ? f.items.map(String) : [];
  };
  const tupleMethods: [string, Value][] = [
    ['_replace', nf('_replace', (a, ctx) => {
      const t = a.pos[0] as PyTuple;
      const names = fieldsOf(t);
      for (const k of a.kw.keys()) if (!names.includes(k)) ctx.raise('ValueError', `Got unexpected field names: ['${k}']`);
      return new PyTuple(t.items.map((x, i) => a.kw.has(names[i]) ? a.kw.get(names[i])! : x), t.cls);
    })],
    ['_asdict', nf('_asdict', (a) => {
      const t = a.pos[0] as PyTuple;
      const d = new PyDict();
      fieldsOf(t).forEach((n, i) => d.set(n, t.items[i]));
      return d;
    })],
  ];
  /** A namedtuple-like class: fields with defaults for the rightmost ones, built through __new__. */
  const tupleClass = (name: string, names: string[], defaults: Map<string, Value>, bases: PyClass[]): PyClass => {
    const c = new PyClass(name, bases);
    c.mro = linearize(c, it.classes.object);
    c.dict.set('__name__', name);
    c.dict.set('_fields', new PyTuple(names));
    for (const [k, v] of tupleMethods) c.dict.set(k, v);
    c.dict.set('_make', new Descriptor('staticmethod', nf('_make', (a, ctx) => {
      const items = ctx.iterate(a.pos[0]);
      return items instanceof Unknown ? items : ctx.call(c, items);
    })));
    c.dict.set('__new__', nf(name, (b, cx) => makeTuple(b.pos[0] as PyClass, names, defaults, b, cx)));
    return c;
  };
  const makeTuple = (cls: PyClass, names: string[], defaults: Map<string, Value>, b: CallArgs, cx: CallContext): Value => {
    if (b.pos.length - 1 > names.length) cx.raise('TypeError', `${cls.name}() takes ${names.length} positional arguments but ${b.pos.length - 1} were given`);
    const vals = names.map((n, i) => {
      const v = i + 1 < b.pos.length ? b.pos[i + 1] : b.kw.has(n) ? b.kw.get(n)! : defaults.get(n);
      return v === undefined ? cx.raise('TypeError', `${cls.name}() missing required argument: '${n}'`) : v;
    });
    return new PyTuple(vals, cls);
  };
  const namedtuple = nf('namedtuple', (a, ctx) => {
    const name = String(a.pos[0]);
    let fields: Value = arg(a, 1, 'field_names');
    if (typeof fields === 'string') fields = new PyList(fields.replace(/,/g, ' ').split(/\s+/).filter((x) => x));
    const names = ctx.iterate(fields);
    if (names instanceof Unknown) return names;
    const dflt = a.kw.get('defaults');
    const dvals = dflt === undefined || dflt === null ? [] : ctx.iterate(dflt);
    if (dvals instanceof Unknown) return dvals;
    const defaults = new Map<string, Value>();
    dvals.forEach((v, i) => defaults.set(String(names[names.length - dvals.length + i]), v));
    return tupleClass(name, names.map(String), defaults, [it.classes.tuple]);
  });
  ns('collections', [['OrderedDict', OrderedDict], ['namedtuple', namedtuple], ['defaultdict', defaultdict], ['Counter', counterClass(it)], ['deque', makeDeque(it)]]);

  // typing: abstract collection types answer isinstance; the rest only appears in annotations.
  const abstract = (name: string, check: (v: Value) => boolean): PyClass => {
    const c = new PyClass(name, [it.classes.object]);
    c.mro = [c, it.classes.object];
    c.instanceCheck = check;
    return c;
  };
  const isSeq = (v: Value) => v instanceof PyList || v instanceof PyTuple || typeof v === 'string';
  const Sequence = abstract('Sequence', isSeq);
  const Mapping = abstract('Mapping', (v) => v instanceof PyDict);
  const Iterable = abstract('Iterable', (v) => isSeq(v) || v instanceof PyDict || v instanceof PySet || v instanceof PyIterator);
  const CallableC = abstract('Callable', (v) => {
    const c = it.builtins.get('callable') as NativeFunction;
    return c.impl({ pos: [v], kw: new Map() }, it.ctx(null)) === true;
  });
  const typingNames = ['Any', 'Optional', 'Union', 'List', 'Dict', 'Tuple', 'Type', 'Set', 'FrozenSet', 'TypeVar', 'Generic',
    'ClassVar', 'Final', 'Literal', 'Protocol', 'overload', 'no_type_check', 'TYPE_CHECKING', 'Iterator', 'Generator'];
  const typingEntries: [string, Value][] = typingNames.map((n) => [n, abstract(n, () => false)]);
  // typing.NamedTuple: `class P(NamedTuple): x: int; y: int = 0` or NamedTuple('P', [('x', int)]).
  const NamedTuple = new PyClass('NamedTuple', [it.classes.tuple]);
  NamedTuple.mro = linearize(NamedTuple, it.classes.object);
  for (const [k, v] of tupleMethods) NamedTuple.dict.set(k, v);
  NamedTuple.dict.set('__new__', nf('NamedTuple', (a, ctx) => {
    const cls = a.pos[0] as PyClass;
    if (cls === NamedTuple) {
      const spec = ctx.iterate(arg(a, 2, 'fields', new PyList([])));
      if (spec instanceof Unknown) return spec;
      const names = spec.map((f) => { const p = ctx.iterate(f); return p instanceof Unknown ? '?' : String(p[0]); });
      return tupleClass(String(a.pos[1]), names, new Map(), [it.classes.tuple]);
    }
    const names = cls.mro.slice().reverse().flatMap((c) => c.isSubclassOf(NamedTuple) && c !== NamedTuple ? c.annotations : []);
    const defaults = new Map<string, Value>();
    for (const n of names) { const d = cls.lookup(n); if (d !== undefined) defaults.set(n, d); }
    if (!cls.dict.has('_fields')) cls.dict.set('_fields', new PyTuple(names));
    return makeTuple(cls, names, defaults, a, ctx);
  }));
  typingEntries.push(['NamedTuple', NamedTuple]);
  typingEntries.push(['cast', nf('cast', (a) => a.pos[1])], ['Sequence', Sequence], ['Mapping', Mapping], ['Iterable', Iterable],
    ['Callable', CallableC], ['TYPE_CHECKING', false], ['overload', nf('overload', (a) => a.pos[0])]);
  ns('typing', typingEntries);
  ns('collections.abc', [['Sequence', Sequence], ['Mapping', Mapping], ['Iterable', Iterable], ['Callable', CallableC]]);
  // numbers: the numeric tower, for `isinstance(n, numbers.Integral)` checks (bool is Integral too).
  const isInteger = (v: Value) => it.classes.int.instanceCheck!(v);
  ns('numbers', [['Number', abstract('Number', isNum)], ['Complex', abstract('Complex', isNum)], ['Real', abstract('Real', isNum)],
    ['Rational', abstract('Rational', isInteger)], ['Integral', abstract('Integral', isInteger)]]);

  // dataclasses
  const MISSING = new PyInstance(it.classes.object);
  const fieldCls = new PyClass('Field', [it.classes.object]);
  fieldCls.mro = [fieldCls, it.classes.object];
  const field = nf('field', (a) => {
    const f = new PyInstance(fieldCls);
    f.attrs.set('default', a.kw.has('default') ? a.kw.get('default')! : MISSING);
    f.attrs.set('default_factory', a.kw.has('default_factory') ? a.kw.get('default_factory')! : MISSING);
    f.attrs.set('init', a.kw.has('init') ? a.kw.get('init')! : true);
    return f;
  });
  /** A dataclass field as makeDataclass keeps it; `init: false` leaves it out of __init__'s parameters. */
  type FieldSpec = { name: string; default?: Value; factory?: Value; init?: boolean };
  const makeDataclass = (c: Value): Value => {
    if (!(c instanceof PyClass)) return c;
    const fields: NonNullable<PyClass['dataclassFields']> = [];
    for (const base of c.mro.slice(1).reverse()) {
      for (const fd of base.dataclassFields ?? []) {
        const i = fields.findIndex((x) => x.name === fd.name);
        if (i >= 0) fields[i] = fd; else fields.push(fd);
      }
    }
    for (const name of c.annotations) {
      const d = c.dict.get(name);
      const fd: FieldSpec = { name };
      if (d instanceof PyInstance && d.cls === fieldCls) {
        const dv = d.attrs.get('default'); const df = d.attrs.get('default_factory');
        if (dv !== MISSING && dv !== undefined) fd.default = dv;
        if (df !== MISSING && df !== undefined) fd.factory = df;
        if (d.attrs.get('init') === false) fd.init = false;
        c.dict.delete(name);
      } else if (d !== undefined) fd.default = d;
      const i = fields.findIndex((x) => x.name === name);
      if (i >= 0) fields[i] = fd; else fields.push(fd);
    }
    c.dataclassFields = fields;
    if (!c.dict.has('__init__')) {
      c.dict.set('__init__', nf('__init__', (a: CallArgs, ctx) => {
        const self = a.pos[0] as PyInstance;
        let i = 0;
        for (const fd of fields as FieldSpec[]) {
          const init = fd.init !== false;
          let v: Value | undefined = !init ? undefined : ++i < a.pos.length ? a.pos[i] : a.kw.get(fd.name);
          if (v === undefined) v = fd.default !== undefined ? fd.default : fd.factory !== undefined ? ctx.call(fd.factory, []) : undefined;
          if (v === undefined && init) ctx.raise('TypeError', `${c.name}.__init__() missing argument '${fd.name}'`);
          if (v !== undefined) ctx.setattr(self, fd.name, v);
        }
        if (a.pos.length > i + 1) ctx.raise('TypeError', `${c.name}.__init__() takes ${i + 1} positional arguments but ${a.pos.length} were given`);
        const post = c.lookup('__post_init__');
        if (post !== undefined) ctx.call(post, [self]);
        return null;
      }));
    }
    return c;
  };
  const dataclass = nf('dataclass', (a) => a.pos.length === 1 && a.pos[0] instanceof PyClass ? makeDataclass(a.pos[0]) : nf('dataclass', (b) => makeDataclass(b.pos[0])));
  const fieldsFn = nf('fields', (a) => {
    const v = a.pos[0];
    const c = v instanceof PyClass ? v : v instanceof PyInstance ? v.cls : null;
    return new PyTuple((c?.dataclassFields ?? []).map((fd) => { const o = new PyInstance(fieldCls); o.attrs.set('name', fd.name); return o; }));
  });
  const replace = nf('replace', (a, ctx) => {
    const src = a.pos[0];
    if (!(src instanceof PyInstance)) return ctx.unknown('dataclasses.replace of a non-dataclass');
    const o = new PyInstance(src.cls);
    for (const [k, v] of src.attrs) o.attrs.set(k, v);
    for (const [k, v] of a.kw) o.attrs.set(k, v);
    return o;
  });
  const asdict = nf('asdict', (a) => { const d = new PyDict(); const o = a.pos[0]; if (o instanceof PyInstance) for (const fd of o.cls.dataclassFields ?? []) d.set(fd.name, o.attrs.get(fd.name) ?? null); return d; });
  ns('dataclasses', [['dataclass', dataclass], ['field', field], ['fields', fieldsFn], ['replace', replace], ['asdict', asdict], ['MISSING', MISSING]]);

  ns('itertools', itertoolsModule(it));
  ns('operator', operatorModule(it));
  ns('types', [
    ['FunctionType', abstract('FunctionType', (v) => v instanceof PyFunction)],
    ['MethodType', abstract('MethodType', (v) => v instanceof BoundMethod)],
    ['ModuleType', abstract('ModuleType', (v) => v instanceof PyNamespace)],
    ['SimpleNamespace', simpleNamespaceClass(it)],
  ]);
  ns('enum', enumModule(it));
  ns('re', reModule(it));
  ns('sys', sysModule(it));
  ns('warnings', [['warn', nf('warn', () => null)], ['filterwarnings', nf('filterwarnings', () => null)]]);
  ns('abc', [['ABC', abstract('ABC', () => false)], ['abstractmethod', nf('abstractmethod', (a) => a.pos[0])]]);
  return mods;
}
