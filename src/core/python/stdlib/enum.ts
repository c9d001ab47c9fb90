// `enum` as CPython 3.11 has it: Enum, IntEnum, StrEnum, Flag, IntFlag, auto, unique. A class
// statement under Enum turns its plain class attributes into members (instances of the class
// with .name/.value; equal values make aliases), through a native metaclass (ClassMeta):
// iteration, len, Color['RED'] and Color(1) work on the class. The functional API
// (Enum('Color', 'RED GREEN')) is an explicit unknown.
import {
  Value, PyClass, PyInstance, PyTuple, PyList, PyIterator, PyFunction, NativeFunction, Descriptor, Unknown, CallArgs, CallContext, NativeImpl,
  ClassMeta, isInt, isNum, num,
} from '../values';
import type { Interpreter } from '../interp';
import { linearize } from '../interp';
import { nf } from '../builtins';

interface EnumData {
  /** Canonical members in definition order (no aliases). */
  members: PyInstance[];
  /** Every name, aliases included. */
  byName: Map<string, PyInstance>;
  /** Flag composites made by value. */
  composites: PyInstance[];
}

export function enumModule(it: Interpreter): [string, Value][] {
  const data = new WeakMap<PyClass, EnumData>();
  const mk = (name: string, bases: PyClass[]): PyClass => {
    const c = new PyClass(name, bases);
    c.mro = linearize(c, it.classes.object);
    c.dict.set('__name__', name);
    c.dict.set('__module__', 'enum');
    return c;
  };
  const Enum = mk('Enum', [it.classes.object]);
  const ReprEnum = mk('ReprEnum', [Enum]);
  const IntEnum = mk('IntEnum', [it.classes.int, ReprEnum]);
  const StrEnum = mk('StrEnum', [it.classes.str, ReprEnum]);
  const Flag = mk('Flag', [Enum]);
  const IntFlag = mk('IntFlag', [it.classes.int, ReprEnum, Flag]);
  const bases = new Set([Enum, ReprEnum, IntEnum, StrEnum, Flag, IntFlag]);
  const isFlag = (c: PyClass) => c.isSubclassOf(Flag);

  const autoCls = mk('auto', [it.classes.object]);
  autoCls.dict.set('__init__', nf('__init__', (a) => { (a.pos[0] as PyInstance).attrs.set('value', a.pos[1] ?? autoCls); return null; }));

  const valueOf = (m: Value): Value => (m instanceof PyInstance ? m.attrs.get('_value_') ?? null : m);
  const isMember = (v: Value): v is PyInstance => v instanceof PyInstance && data.has(v.cls);

  const makeMember = (cls: PyClass, name: string, value: Value): PyInstance => {
    const m = new PyInstance(cls);
    m.attrs.set('_name_', name); m.attrs.set('name', name);
    m.attrs.set('_value_', value); m.attrs.set('value', value);
    return m;
  };

  /** auto(): CPython's _generate_next_value_ for Enum (last int + 1, from 1), Flag (next bit), StrEnum (name.lower()). */
  const nextValue = (cls: PyClass, name: string, last: Value[], ctx: CallContext): Value => {
    const own = cls.lookup('_generate_next_value_');
    const gen = own instanceof Descriptor ? own.fn : own;
    if (gen instanceof PyFunction) return ctx.call(gen, [name, 1, last.length, new PyList(last.slice())]);
    if (cls.isSubclassOf(StrEnum)) return name.toLowerCase();
    if (isFlag(cls)) {
      if (!last.length) return 1;
      const ints = last.filter(isInt).map((v) => num(v));
      if (ints.length !== last.length) return ctx.raise('TypeError', 'invalid flag value: not an integer');
      const high = Math.max(...ints);
      return high <= 0 ? 1 : 2 ** Math.floor(Math.log2(high) + 1);
    }
    // 3.11's rule, quirks included: the last value + 1 if it is the largest (the values sort);
    // otherwise the first value (in sorted order when they sort) that takes + 1; otherwise 1.
    if (!last.length) return 1;
    const nums = last.every(isNum), strs = last.every((v) => typeof v === 'string');
    let order = last;
    if (nums || strs) {
      order = last.slice().sort((x, y) => it.order(x, y, ctx.at) as number);
      const top = last[last.length - 1];
      if (nums && it.equals(top, order[order.length - 1])) return it.binop('+', top, 1, ctx.at);
    }
    for (const v of order) if (isNum(v)) return it.binop('+', v, 1, ctx.at);
    return 1;
  };

  const isMemberValue = (k: string, v: Value): boolean => {
    if (k.startsWith('__') && k.endsWith('__')) return false;
    if (k.startsWith('_') && k.endsWith('_') && k.length > 2) return false; // _sunder_ names
    return !(v instanceof PyFunction || v instanceof NativeFunction || v instanceof Descriptor);
  };

  const meta: ClassMeta = {
    created(cls, ctx) {
      if (bases.has(cls)) return;
      const parent = cls.mro.slice(1).find((c) => data.has(c));
      if (parent && data.get(parent)!.members.length) ctx.raise('TypeError', `${cls.name}: cannot extend ${parent.name}`);
      const d: EnumData = { members: [], byName: new Map(), composites: [] };
      data.set(cls, d);
      const ignore = cls.dict.get('_ignore_');
      const ignored = new Set(typeof ignore === 'string' ? ignore.split(/[\s,]+/) : []);
      const last: Value[] = [];
      const init = cls.lookup('__init__');
      const userInit = init instanceof PyFunction ? init : null;
      for (const [k, raw] of [...cls.dict]) {
        if (ignored.has(k)) { cls.dict.delete(k); continue; }
        if (!isMemberValue(k, raw)) continue;
        let value = raw;
        if (raw instanceof PyInstance && raw.cls === autoCls) {
          const given = raw.attrs.get('value');
          value = given === autoCls || given === undefined ? nextValue(cls, k, last, ctx) : given;
        }
        if (cls.isSubclassOf(it.classes.int) && !isInt(value)) {
          if (!(value instanceof Unknown)) ctx.raise('ValueError', `invalid literal for int() with base 10: ${ctx.repr(value)}`);
        }
        if (cls.isSubclassOf(StrEnum) && typeof value !== 'string') ctx.raise('TypeError', `${ctx.repr(value)} is not a string`);
        last.push(value);
        const alias = d.members.find((m) => it.equals(valueOf(m), value));
        const member = alias ?? makeMember(cls, k, value);
        if (!alias) {
          if (userInit) ctx.call(userInit, [member, ...(value instanceof PyTuple ? value.items : [value])]);
          d.members.push(member);
        }
        d.byName.set(k, member);
        cls.dict.set(k, member);
      }
    },
    iter(cls) {
      const d = data.get(cls);
      if (!d) return [];
      // Flag iteration lists the single-bit members only.
      return isFlag(cls) ? d.members.filter((m) => isPowerOfTwo(valueOf(m))) : d.members.slice();
    },
    getitem(cls, key, ctx) {
      if (key instanceof Unknown) return key;
      const m = data.get(cls)?.byName.get(String(key));
      return m ?? ctx.raise('KeyError', ctx.repr(key));
    },
    len(cls, ctx) { return (meta.iter!(cls, ctx) as Value[]).length; },
  };
  Enum.meta = meta;

  /** Color(value): the member with that value; for a Flag, a composite of its bits. */
  Enum.dict.set('__new__', nf('Enum', (a, ctx) => {
    const cls = a.pos[0] as PyClass;
    const value = a.pos[1];
    if (bases.has(cls)) return ctx.unknown('the functional Enum API (Enum(name, members)) is not modelled');
    if (value instanceof Unknown) return value;
    if (isMember(value) && value.cls === cls) return value;
    const d = data.get(cls)!;
    const hit = d.members.find((m) => it.equals(valueOf(m), value)) ?? d.composites.find((m) => it.equals(valueOf(m), value));
    if (hit) return hit;
    if (isFlag(cls) && isInt(value)) return composite(cls, num(value), ctx);
    return ctx.raise('ValueError', `${ctx.repr(value)} is not a valid ${cls.name}`);
  }));

  // The mixed-in classes come before Enum in the MRO: their members are made by Enum's __new__ too.
  for (const c of [IntEnum, StrEnum, IntFlag]) c.dict.set('__new__', Enum.dict.get('__new__')!);

  const composite = (cls: PyClass, v: number, ctx: CallContext): Value => {
    const d = data.get(cls)!;
    const bits = d.members.filter((m) => isPowerOfTwo(valueOf(m)));
    const all = bits.reduce((s, m) => s | num(valueOf(m) as number), 0);
    if (v & ~all) {
      if (!cls.isSubclassOf(IntFlag)) return ctx.raise('ValueError', `${v} is not a valid ${cls.name}`);
    }
    const parts = bits.filter((m) => (num(valueOf(m) as number) & v) !== 0);
    const m = makeMember(cls, parts.map((p) => p.attrs.get('_name_')).join('|'), v);
    if (!parts.length) { m.attrs.set('_name_', null); m.attrs.set('name', null); }
    d.composites.push(m);
    return m;
  };

  const def = (c: PyClass, name: string, impl: NativeImpl) => c.dict.set(name, nf(name, impl));
  const self = (a: CallArgs) => a.pos[0] as PyInstance;
  def(Enum, '__repr__', (a, ctx) => {
    const m = self(a);
    const v = valueOf(m);
    const name = m.attrs.get('_name_');
    return name === null ? `<${m.cls.name}: ${ctx.repr(v)}>` : `<${m.cls.name}.${name}: ${ctx.repr(v)}>`;
  });
  def(Enum, '__str__', (a, ctx) => {
    const m = self(a);
    const name = m.attrs.get('_name_');
    return name === null ? `${m.cls.name}(${ctx.repr(valueOf(m))})` : `${m.cls.name}.${name}`;
  });
  // ReprEnum (IntEnum, StrEnum, IntFlag): str() and format() are those of the value.
  def(ReprEnum, '__str__', (a, ctx) => ctx.str(valueOf(self(a))));
  def(ReprEnum, '__format__', (a, ctx) => ctx.str(valueOf(self(a))));
  // Mixed-in int/str members compare, and int ones compute, as their values.
  for (const c of [IntEnum, StrEnum, IntFlag]) def(c, '__eq__', (a) => it.equals(valueOf(self(a)), valueOf(a.pos[1])));
  for (const c of [IntEnum, IntFlag]) {
    def(c, '__int__', (a) => valueOf(self(a)));
    def(c, '__index__', (a) => valueOf(self(a)));
    for (const [op, l, r] of [['+', '__add__', '__radd__'], ['-', '__sub__', '__rsub__'], ['*', '__mul__', '__rmul__'], ['/', '__truediv__', '__rtruediv__'],
      ['//', '__floordiv__', '__rfloordiv__'], ['%', '__mod__', '__rmod__'], ['**', '__pow__', '__rpow__']] as const) {
      def(c, l, (a, ctx) => it.binop(op, valueOf(self(a)), valueOf(a.pos[1]), ctx.at));
      def(c, r, (a, ctx) => it.binop(op, valueOf(a.pos[1]), valueOf(self(a)), ctx.at));
    }
  }
  for (const [op, l, r] of [['&', '__and__', '__rand__'], ['|', '__or__', '__ror__'], ['^', '__xor__', '__rxor__']] as const) {
    def(IntEnum, l, (a, ctx) => it.binop(op, valueOf(self(a)), valueOf(a.pos[1]), ctx.at));
    def(IntEnum, r, (a, ctx) => it.binop(op, valueOf(a.pos[1]), valueOf(self(a)), ctx.at));
    // Flags combine into flags of the same class (an IntFlag also with plain ints).
    def(Flag, l, (a, ctx) => {
      const x = self(a), y = a.pos[1];
      const yv = isMember(y) && y.cls === x.cls ? valueOf(y) : x.cls.isSubclassOf(IntFlag) && isInt(y) ? y : undefined;
      if (yv === undefined) return ctx.raise('TypeError', `unsupported operand type(s) for ${op}: '${x.cls.name}' and '${it.typeName(y)}'`);
      const v = it.binop(op, valueOf(x), yv, ctx.at);
      return isInt(v) ? ctx.call(x.cls, [v]) : v;
    });
    def(Flag, r, (a, ctx) => ctx.call(Flag.dict.get(l)!, [a.pos[0], a.pos[1]]));
  }
  def(Flag, '__invert__', (a, ctx) => {
    const x = self(a);
    const all = data.get(x.cls)!.members.filter((m) => isPowerOfTwo(valueOf(m))).reduce((s, m) => s | num(valueOf(m) as number), 0);
    return ctx.call(x.cls, [all & ~num(valueOf(x) as number)]);
  });
  def(Flag, '__contains__', (a, ctx) => {
    const x = self(a), y = a.pos[1];
    if (!isMember(y) || !y.cls.isSubclassOf(x.cls.mro.find((c) => data.has(c)) ?? x.cls)) return ctx.raise('TypeError', `unsupported operand type(s) for 'in': '${it.typeName(y)}' and '${x.cls.name}'`);
    const yv = num(valueOf(y) as number);
    return (num(valueOf(x) as number) & yv) === yv;
  });
  def(Flag, '__bool__', (a) => num(valueOf(self(a)) as number) !== 0);
  const bitsOf = (x: PyInstance) => {
    const v = num(valueOf(x) as number);
    return data.get(x.cls)!.members.filter((m) => isPowerOfTwo(valueOf(m)) && (num(valueOf(m) as number) & v) !== 0);
  };
  def(Flag, '__iter__', (a) => new PyIterator(bitsOf(self(a))));
  def(Flag, '__len__', (a) => bitsOf(self(a)).length);

  const unique = nf('unique', (a, ctx) => {
    const cls = a.pos[0];
    if (!(cls instanceof PyClass)) return cls;
    const d = data.get(cls);
    if (!d) return cls;
    const aliases = [...d.byName].filter(([k, m]) => m.attrs.get('_name_') !== k).map(([k, m]) => `${k} -> ${m.attrs.get('_name_')}`);
    if (aliases.length) ctx.raise('ValueError', `duplicate values found in ${ctx.repr(cls)}: ${aliases.join(', ')}`);
    return cls;
  });

  return [
    ['Enum', Enum], ['IntEnum', IntEnum], ['StrEnum', StrEnum], ['Flag', Flag], ['IntFlag', IntFlag], ['ReprEnum', ReprEnum],
    ['auto', autoCls], ['unique', unique],
  ];
}

const isPowerOfTwo = (v: Value): boolean => isInt(v) && num(v) > 0 && (num(v) & (num(v) - 1)) === 0;
