// Runtime values of the symbolic Python interpreter.
// Python int = JS number (always integral), bool = JS boolean, str = JS string, None = null.
// Floats are boxed so that `2.0` stays a float (`isinstance`, `//`, formatting depend on it).
import type { SyntaxNode } from '@lezer/common';
import type { SourceFile } from './source';

export type Value =
  | null | boolean | number | string
  | PyFloat | PyTuple | PyList | PyDict | PySet | PySlice | PyRange | PyEllipsis
  | PyFunction | NativeFunction | BoundMethod | PyPartial | PyClass | PyInstance | PyNamespace
  | PyIterator | SuperProxy | Descriptor | Tensor | Unknown | LazyImport;

export interface Span { file: string; from: number; to: number }

export class PyFloat { constructor(readonly v: number) {} }

export class PyTuple {
  constructor(readonly items: Value[], readonly cls: PyClass | null = null) {}
}

export class PyList { constructor(public items: Value[]) {} }

/** Python dict: insertion ordered; keys are hashed by `keyOf`. */
export class PyDict {
  readonly map = new Map<string, [Value, Value]>();
  get(k: Value): Value | undefined { return this.map.get(keyOf(k))?.[1]; }
  set(k: Value, v: Value): void { this.map.set(keyOf(k), [k, v]); }
  has(k: Value): boolean { return this.map.has(keyOf(k)); }
  delete(k: Value): boolean { return this.map.delete(keyOf(k)); }
  keys(): Value[] { return [...this.map.values()].map((e) => e[0]); }
  values(): Value[] { return [...this.map.values()].map((e) => e[1]); }
  entries(): [Value, Value][] { return [...this.map.values()]; }
  get size(): number { return this.map.size; }
  copy(): PyDict { const d = new PyDict(); for (const [k, v] of this.entries()) d.set(k, v); return d; }
}

export class PySet {
  readonly map = new Map<string, Value>();
  constructor(items: Value[] = []) { for (const i of items) this.add(i); }
  add(v: Value): void { this.map.set(keyOf(v), v); }
  has(v: Value): boolean { return this.map.has(keyOf(v)); }
  items(): Value[] { return [...this.map.values()]; }
}

export class PySlice { constructor(readonly start: Value, readonly stop: Value, readonly step: Value) {} }
export class PyRange { constructor(readonly start: number, readonly stop: number, readonly step: number) {} }
export class PyEllipsis { static readonly it = new PyEllipsis(); }

/** A value the interpreter could not resolve: carries why and where. */
export class Unknown {
  constructor(readonly reason: string, readonly at: Span | null = null) {}
}

export interface Param {
  name: string;
  kind: 'pos' | 'vararg' | 'kwonly' | 'kwarg';
  default?: Value;
  /** Before a `/`: never bound by keyword. */
  posOnly?: boolean;
}

export class PyFunction {
  /** Set on functions defined in a class body (for `super()` and names). */
  owner: PyClass | null = null;
  /** The registering decorator it was defined under (`register_model`), for the entry-point list. */
  registeredBy: string | null = null;
  constructor(
    readonly name: string,
    readonly params: Param[],
    readonly body: SyntaxNode,
    readonly isLambda: boolean,
    readonly closure: Scope,
    readonly file: SourceFile,
    readonly isGenerator: boolean,
  ) {}
}

export interface CallArgs { pos: Value[]; kw: Map<string, Value> }

export type NativeImpl = (args: CallArgs, ctx: CallContext) => Value;

/** What natives may ask of the interpreter without importing it. */
export interface CallContext {
  at: Span | null;
  call(fn: Value, pos: Value[], kw?: Map<string, Value>): Value;
  iterate(v: Value): Value[] | Unknown;
  truthy(v: Value): boolean | Unknown;
  getattr(obj: Value, name: string): Value;
  setattr(obj: Value, name: string, v: Value): void;
  str(v: Value): string;
  repr(v: Value): string;
  isinstance(v: Value, cls: Value): boolean | Unknown;
  raise(type: string, msg: string): never;
  /** Record MACs against the module currently running `forward`. */
  addMacs(n: number): void;
  /** A note that analysis met something it could not resolve. */
  unknown(reason: string): Unknown;
  /** An Unknown (noted) when `count` items of `kind` would be too large to make, else null (budget.ts). */
  tooLarge(kind: 'list' | 'tensor' | 'str', count: number): Unknown | null;
  readonly rt: Runtime;
}

export class NativeFunction {
  constructor(readonly name: string, readonly impl: NativeImpl) {}
}

export class BoundMethod { constructor(readonly self: Value, readonly fn: Value) {} }

export class PyPartial {
  constructor(readonly fn: Value, readonly pos: Value[], readonly kw: Map<string, Value>) {}
}

export type DescriptorKind = 'staticmethod' | 'classmethod' | 'property';
export class Descriptor {
  constructor(readonly kind: DescriptorKind, readonly fn: Value, readonly setter: Value = null) {}
}

export class PyClass {
  readonly dict = new Map<string, Value>();
  mro: PyClass[] = [];
  /** Field names of a @dataclass, in order, with defaults. */
  dataclassFields: { name: string; default?: Value; factory?: Value }[] | null = null;
  /** Annotated class attributes, in order (input to @dataclass). */
  annotations: string[] = [];
  /** True if some base could not be resolved (e.g. an unknown import). */
  hasUnknownBase = false;
  /** Native instance check (for int, list, Sequence, ...). */
  instanceCheck: ((v: Value) => boolean) | null = null;
  /** What a native metaclass does with the classes under it (enum.Enum: members, Color[...], iteration). */
  meta: ClassMeta | null = null;
  constructor(readonly name: string, readonly bases: PyClass[], readonly file: SourceFile | null = null) {}
  lookup(name: string): Value | undefined {
    for (const c of this.mro) { const v = c.dict.get(name); if (v !== undefined) return v; }
    return undefined;
  }
  isSubclassOf(other: PyClass): boolean { return this.mro.includes(other); }
}

/** A native metaclass: hooks for the classes whose MRO holds the class carrying it. */
export interface ClassMeta {
  /** After a class statement built `cls` (before its decorators). */
  created?(cls: PyClass, ctx: CallContext): void;
  iter?(cls: PyClass, ctx: CallContext): Value[] | Unknown;
  getitem?(cls: PyClass, key: Value, ctx: CallContext): Value;
  len?(cls: PyClass, ctx: CallContext): Value;
}
export function metaOf(cls: PyClass): ClassMeta | null {
  for (const c of cls.mro) if (c.meta) return c.meta;
  return null;
}

/** State that every nn.Module instance carries (mirrors _modules/_parameters/_buffers). */
export class ModuleState {
  readonly modules = new Map<string, PyInstance | null>();
  readonly params = new Map<string, Tensor | null>();
  readonly buffers = new Map<string, Tensor | null>();
  /** Construction call stack (innermost last) and the `self.x = ...` statement that attached it. */
  createdAt: Span[] = [];
  attachedAt: Span | null = null;
  /** How many children it had when attached, and when its constructor returned (a Sequential filled later by add_module had none). */
  childrenAtAttach = 0;
  childrenAtInit = 0;
  /** The scope that ran the `self.x = ...` attaching it, as it was then (rewrites name values from there). */
  attachScope: Scope | null = null;
  /** The scope that ran the call building it, as it was then (only for calls in the analysed file). */
  siteScope: Scope | null = null;
  /** The class and arguments it was constructed with (rewrites rebuild blocks at other widths). */
  ctor: { cls: PyClass; pos: Value[]; kw: Map<string, Value> } | null = null;
  /** Module.__init__ has run (torch refuses submodules before it). */
  initialised = false;
  calls = 0;
  lastOutput: Value = null;
  lastInputs: Value[] = [];
  /** MACs counted while this module was the innermost running one; null = unknown. */
  macs: number | null = 0;
  /** Why this module's figures are unknown, if they are. */
  unknownReason: string | null = null;
}

export class PyInstance {
  readonly attrs = new Map<string, Value>();
  module: ModuleState | null = null;
  /** Slot for native classes (e.g. a namedtuple's values). */
  native: unknown = undefined;
  constructor(public cls: PyClass) {}
}

/** A Python module object or namespace (torch, torch.nn, an imported file). */
export class PyNamespace {
  constructor(readonly name: string, readonly attrs: Map<string, Value>, readonly file: SourceFile | null = null) {}
}

export class PyIterator {
  /**
   * An endless iterator (itertools.count, cycle, repeat without a count) makes its items on
   * demand: `pull` gives the next one. Consumers that stop early (zip with a finite partner,
   * islice, next) take what they need; reading one whole is an explicit unknown.
   */
  pull: (() => Value) | null = null;
  constructor(readonly items: Value[], public pos = 0) {}
  /** Whether `n` more items are available (pulling them from an endless source). */
  has(n: number): boolean {
    while (this.pull && this.items.length < this.pos + n) this.items.push(this.pull());
    return this.items.length >= this.pos + n;
  }
  static endless(pull: () => Value): PyIterator { const it = new PyIterator([]); it.pull = pull; return it; }
}

export class SuperProxy { constructor(readonly startAfter: PyClass, readonly self: Value) {} }

export type DType = 'float32' | 'float64' | 'int64' | 'int32' | 'bool' | 'float16';

/**
 * A tensor known by its shape. Small tensors made at build time from concrete numbers
 * (torch.arange, torch.tensor) also carry their values so that code like regnet's width
 * computation stays exact.
 */
export class Tensor {
  private static made = 0;
  /** Creation order (a trace tells values made before the forward from ones made during it). */
  readonly serial = Tensor.made++;
  isParam = false;
  requiresGrad = false;
  /** Values (row-major) when known; dropped (null) when an in-place write makes them unknown. */
  constructor(readonly shape: number[], readonly dtype: DType = 'float32', public data: number[] | null = null) {}
  get numel(): number { let n = 1; for (const d of this.shape) n *= d; return n; }
}

/** A `from m import x` binding, resolved (and the module run) on first read. */
export class LazyImport {
  private value: Value | undefined;
  constructor(private readonly load: () => Value) {}
  resolve(): Value { if (this.value === undefined) this.value = this.load(); return this.value; }
}

export class Scope {
  readonly vars = new Map<string, Value>();
  /** Names declared `global`/`nonlocal` in this scope. */
  globals: Set<string> | null = null;
  // A method's scope (super() reads them) and a class body's (@dataclass reads its annotations).
  // Declared on every scope so that all scopes share one shape (set later, they made lookups polymorphic).
  fnOwner: PyClass | undefined = undefined;
  selfName: string | null | undefined = undefined;
  annotations: string[] | undefined = undefined;
  constructor(readonly parent: Scope | null, readonly kind: 'module' | 'function' | 'class', readonly file: SourceFile | null) {}
  lookup(name: string): Value | undefined {
    // Class scopes are skipped by nested functions, as in Python.
    let s: Scope | null = this;
    while (s) {
      if (s === this || s.kind !== 'class') {
        const v = s.vars.get(name);
        if (v !== undefined) {
          if (v instanceof LazyImport) { const r = v.resolve(); s.vars.set(name, r); return r; }
          return v;
        }
      }
      s = s.parent;
    }
    return undefined;
  }
  moduleScope(): Scope { let s: Scope = this; while (s.parent) s = s.parent; return s; }
}

/** Shared per-analysis state that natives need. */
export interface Runtime {
  builtins: Map<string, Value>;
  classes: {
    object: PyClass; int: PyClass; float: PyClass; bool: PyClass; str: PyClass; list: PyClass;
    tuple: PyClass; dict: PyClass; set: PyClass; NoneType: PyClass; function: PyClass; type: PyClass;
    Module: PyClass; Tensor: PyClass; Parameter: PyClass; BaseException: PyClass;
  };
  exception(name: string): PyClass;
}

/** Hash key for dict/set membership; unhashables get identity keys. */
const ids = new WeakMap<object, number>();
let nextId = 1;
export function identity(o: object): number {
  let id = ids.get(o);
  if (id === undefined) { id = nextId++; ids.set(o, id); }
  return id;
}
export function keyOf(v: Value): string {
  if (v === null) return 'N';
  switch (typeof v) {
    case 'boolean': return v ? 'i1' : 'i0';
    case 'number': return 'i' + v;
    case 'string': return 's' + v;
  }
  if (v instanceof PyFloat) return Number.isInteger(v.v) ? 'i' + v.v : 'f' + v.v;
  if (v instanceof PyTuple) return 't(' + v.items.map(keyOf).join(',') + ')';
  return 'o' + identity(v as object);
}

export function isNum(v: Value): v is number | boolean | PyFloat {
  return typeof v === 'number' || typeof v === 'boolean' || v instanceof PyFloat;
}
export function num(v: number | boolean | PyFloat): number {
  return typeof v === 'number' ? v : typeof v === 'boolean' ? (v ? 1 : 0) : v.v;
}
export function isInt(v: Value): v is number | boolean { return typeof v === 'number' || typeof v === 'boolean'; }
export function float(v: number): PyFloat { return new PyFloat(v); }
