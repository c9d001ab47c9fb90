// nn.Module semantics: attribute registration (_modules/_parameters/_buffers), __call__ → forward
// with MAC attribution, named_modules() traversal, and the containers Sequential, ModuleList, ModuleDict.
import {
  Value, Span, PyTuple, PyList, PyDict, PySlice, PyClass, PyInstance, PyIterator, Tensor, Unknown, ModuleState,
  CallArgs, CallContext, NativeImpl, isInt, num,
} from '../values';
import type { Interpreter } from '../interp';
import { PyException, linearize, sliceIndices, snapshot } from '../interp';
import { nf } from '../builtins';

export function isModule(v: Value): v is PyInstance & { module: ModuleState } {
  return v instanceof PyInstance && v.module !== null;
}

/** named_modules() order: pre-order, registration order, each module once. */
export function namedModules(root: PyInstance, prefix = ''): [string, PyInstance][] {
  const out: [string, PyInstance][] = [];
  const seen = new Set<PyInstance>();
  const walk = (m: PyInstance, p: string) => {
    if (seen.has(m)) return;
    seen.add(m);
    out.push([p, m]);
    for (const [k, c] of m.module!.modules) if (c) walk(c, p ? `${p}.${k}` : k);
  };
  walk(root, prefix);
  return out;
}

export function namedParameters(root: PyInstance): [string, Tensor][] {
  const out: [string, Tensor][] = [];
  const seen = new Set<Tensor>();
  for (const [p, m] of namedModules(root)) {
    for (const [k, t] of m.module!.params) if (t && !seen.has(t)) { seen.add(t); out.push([p ? `${p}.${k}` : k, t]); }
  }
  return out;
}

export interface ModuleApi {
  Module: PyClass;
  Sequential: PyClass;
  ModuleList: PyClass;
  ModuleDict: PyClass;
  registerAttr(inst: PyInstance, ms: ModuleState, name: string, v: Value, at: Span | null): void;
}

export function makeModuleClasses(it: Interpreter): ModuleApi {
  const mk = (name: string, bases: PyClass[]): PyClass => {
    const c = new PyClass(name, bases);
    c.mro = linearize(c, it.classes.object);
    c.dict.set('__name__', name);
    return c;
  };
  const Module = mk('Module', [it.classes.object]);
  const def = (c: PyClass, name: string, impl: NativeImpl) => c.dict.set(name, nf(name, impl));
  const S = (a: CallArgs) => a.pos[0] as PyInstance;
  const state = (m: PyInstance): ModuleState => { m.module ??= new ModuleState(); return m.module; };

  const registerAttr = (inst: PyInstance, ms: ModuleState, name: string, v: Value, at: Span | null) => {
    if (isModule(v)) {
      ms.modules.set(name, v);
      ms.params.delete(name); ms.buffers.delete(name);
      if (!v.module.attachedAt && at) {
        v.module.attachedAt = at;
        v.module.childrenAtAttach = v.module.modules.size;
        const sc = it.currentAssignScope;
        v.module.attachScope = sc && it.mainFile && at.file === it.mainFile.path ? snapshot(sc) : null;
      }
    } else if (v instanceof Tensor && v.isParam) {
      ms.params.set(name, v);
      ms.modules.delete(name);
    } else if (v === null) {
      if (ms.modules.has(name)) ms.modules.set(name, null);
      if (ms.params.has(name)) ms.params.set(name, null);
      if (ms.buffers.has(name)) ms.buffers.set(name, null);
    } else if (v instanceof Tensor && ms.buffers.has(name)) {
      ms.buffers.set(name, v);
    } else {
      if (v instanceof Unknown && !name.startsWith('_')) {
        it.note(`${inst.cls.name}.${name} is unknown: ${v.reason}`, v.at ?? at);
        ms.unknownReason ??= v.reason;
      }
      ms.modules.delete(name);
      ms.params.delete(name);
    }
  };

  def(Module, '__init__', (a) => {
    const m = S(a);
    state(m).initialised = true;
    if (!m.attrs.has('training')) m.attrs.set('training', false);
    return null;
  });
  def(Module, '__call__', (a, ctx) => callModule(it, S(a), a.pos.slice(1), a.kw, ctx.at));
  def(Module, 'add_module', (a, ctx) => {
    const m = S(a);
    const name = a.pos[1] ?? a.kw.get('name');
    if (typeof name !== 'string') return ctx.raise('TypeError', `module name should be a string. Got ${it.typeName(name ?? null)}`);
    registerAttr(m, state(m), name, a.pos[2] ?? a.kw.get('module') ?? null, ctx.at);
    m.attrs.set(name, a.pos[2] ?? a.kw.get('module') ?? null);
    return null;
  });
  Module.dict.set('register_module', Module.dict.get('add_module')!);
  def(Module, 'register_buffer', (a, ctx) => {
    const m = S(a);
    const name = a.pos[1] as string;
    const t = a.pos[2] ?? a.kw.get('tensor') ?? null;
    state(m).buffers.set(name, t instanceof Tensor ? t : null);
    m.attrs.set(name, t);
    void ctx;
    return null;
  });
  def(Module, 'register_parameter', (a, ctx) => {
    const m = S(a);
    const name = a.pos[1] as string;
    const t = a.pos[2] ?? a.kw.get('param') ?? null;
    registerAttr(m, state(m), name, t, ctx.at);
    m.attrs.set(name, t);
    return null;
  });
  def(Module, 'modules', (a) => new PyIterator(namedModules(S(a)).map(([, m]) => m)));
  def(Module, 'named_modules', (a) => new PyIterator(namedModules(S(a), (a.kw.get('prefix') as string) ?? '').map(([n, m]) => new PyTuple([n, m]))));
  def(Module, 'children', (a) => new PyIterator([...state(S(a)).modules.values()].filter((m): m is PyInstance => m !== null)));
  def(Module, 'named_children', (a) => new PyIterator([...state(S(a)).modules].filter(([, m]) => m).map(([k, m]) => new PyTuple([k, m]))));
  def(Module, 'parameters', (a) => new PyIterator(namedParameters(S(a)).map(([, t]) => t)));
  def(Module, 'named_parameters', (a) => new PyIterator(namedParameters(S(a)).map(([n, t]) => new PyTuple([n, t]))));
  def(Module, 'buffers', (a) => new PyIterator(namedModules(S(a)).flatMap(([, m]) => [...m.module!.buffers.values()].filter((t): t is Tensor => t !== null))));
  def(Module, 'apply', (a, ctx) => {
    const mods = namedModules(S(a)).map(([, m]) => m).reverse();
    for (const m of mods) ctx.call(a.pos[1], [m]);
    return S(a);
  });
  const train = (mode: boolean): NativeImpl => (a) => {
    const on = a.pos.length > 1 ? a.pos[1] === true : mode;
    for (const [, m] of namedModules(S(a))) m.attrs.set('training', on);
    return S(a);
  };
  def(Module, 'train', train(true));
  def(Module, 'eval', train(false));
  for (const n of ['to', 'cuda', 'cpu', 'float', 'half', 'double', 'requires_grad_', 'share_memory', 'type', 'to_empty']) def(Module, n, (a) => S(a));
  for (const n of ['zero_grad', 'register_forward_hook', 'register_forward_pre_hook', 'register_full_backward_hook', 'register_backward_hook', 'register_load_state_dict_post_hook', '_register_load_state_dict_pre_hook']) def(Module, n, () => null);
  def(Module, 'extra_repr', () => '');
  def(Module, 'state_dict', (a, ctx) => ctx.unknown('state_dict() is not modelled'));
  def(Module, 'load_state_dict', (a, ctx) => ctx.unknown('load_state_dict() is not modelled'));
  def(Module, 'get_submodule', (a, ctx) => {
    let m: Value = S(a);
    for (const part of String(a.pos[1]).split('.').filter((x) => x)) m = ctx.getattr(m, part);
    return m;
  });
  def(Module, '_get_name', (a) => S(a).cls.name);

  // ----- containers -----
  const children = (m: PyInstance): PyInstance[] => [...state(m).modules.values()].filter((x): x is PyInstance => x !== null);
  const addChild = (m: PyInstance, key: string, child: Value, at: Span | null) => {
    if (!isModule(child)) {
      if (child instanceof Unknown) { it.note(`${m.cls.name} child is unknown: ${child.reason}`, child.at ?? at); state(m).unknownReason ??= child.reason; return; }
      throw new PyException(it.exception('TypeError'), `${it.typeName(child)} is not a Module subclass`, at);
    }
    // Container children keep their construction site as their source line.
    registerAttr(m, state(m), key, child, null);
    m.attrs.set(key, child);
  };
  const indexOf = (m: PyInstance, idx: Value, ctx: CallContext): number => {
    const n = state(m).modules.size;
    if (!isInt(idx)) ctx.raise('TypeError', 'index must be an integer');
    let i = num(idx as number);
    if (i < 0) i += n;
    if (i < 0 || i >= n) ctx.raise('IndexError', `index ${num(idx as number)} is out of range`);
    return i;
  };
  const sliceEntries = (m: PyInstance, s: PySlice, ctx: CallContext): [string, PyInstance | null][] => {
    const entries = [...state(m).modules];
    const r = sliceIndices(s, entries.length, it, ctx.at);
    if (r instanceof Unknown) return [];
    const out: [string, PyInstance | null][] = [];
    for (let i = r.start; r.step > 0 ? i < r.stop : i > r.stop; i += r.step) out.push(entries[i]);
    return out;
  };
  const fresh = (cls: PyClass, ctx: CallContext): PyInstance => {
    const n = new PyInstance(cls);
    n.module = new ModuleState();
    n.module.initialised = true;
    n.module.createdAt = ctx.at ? [ctx.at] : [];
    n.attrs.set('training', false);
    return n;
  };

  const Sequential = mk('Sequential', [Module]);
  def(Sequential, '__init__', (a, ctx) => {
    const m = S(a);
    state(m).initialised = true;
    if (!m.attrs.has('training')) m.attrs.set('training', false);
    const args = a.pos.slice(1);
    if (args.length === 1 && args[0] instanceof PyDict) {
      for (const [k, v] of (args[0] as PyDict).entries()) addChild(m, String(k), v, ctx.at);
    } else args.forEach((v, i) => addChild(m, String(i), v, ctx.at));
    return null;
  });
  def(Sequential, 'forward', (a, ctx) => {
    let x: Value = a.pos[1];
    for (const c of children(S(a))) x = ctx.call(c, [x]);
    return x;
  });
  const getitem = (cls: () => PyClass, renumber: boolean): NativeImpl => (a, ctx) => {
    const m = S(a);
    const idx = a.pos[1];
    if (idx instanceof PySlice) {
      const n = fresh(cls(), ctx);
      sliceEntries(m, idx, ctx).forEach(([k, v], i) => { if (v) { n.module!.modules.set(renumber ? String(i) : k, v); n.attrs.set(renumber ? String(i) : k, v); } });
      return n;
    }
    if (idx instanceof Unknown) return idx;
    return [...state(m).modules.values()][indexOf(m, idx, ctx)];
  };
  def(Sequential, '__getitem__', getitem(() => Sequential, false));
  def(Sequential, '__len__', (a) => state(S(a)).modules.size);
  def(Sequential, '__iter__', (a) => new PyIterator(children(S(a))));
  def(Sequential, 'append', (a, ctx) => { addChild(S(a), String(state(S(a)).modules.size), a.pos[1], ctx.at); return S(a); });
  def(Sequential, 'extend', (a, ctx) => {
    const items = ctx.iterate(a.pos[1]);
    if (items instanceof Unknown) return items;
    for (const v of items) addChild(S(a), String(state(S(a)).modules.size), v, ctx.at);
    return S(a);
  });
  const setitem: NativeImpl = (a, ctx) => {
    const m = S(a);
    const key = isInt(a.pos[1]) ? [...state(m).modules.keys()][indexOf(m, a.pos[1], ctx)] : String(a.pos[1]);
    addChild(m, key, a.pos[2], ctx.at);
    return null;
  };
  def(Sequential, '__setitem__', setitem);
  const insert: NativeImpl = (a, ctx) => {
    const m = S(a);
    const ms = state(m);
    const items = children(m);
    let i = num(a.pos[1] as number);
    if (i < 0) i += items.length;
    items.splice(i, 0, a.pos[2] as PyInstance);
    ms.modules.clear();
    items.forEach((c, j) => addChild(m, String(j), c, ctx.at));
    return null;
  };
  def(Sequential, 'insert', insert);
  def(Sequential, '__delitem__', (a, ctx) => {
    const m = S(a);
    const items = children(m);
    items.splice(indexOf(m, a.pos[1], ctx), 1);
    state(m).modules.clear();
    items.forEach((c, j) => addChild(m, String(j), c, ctx.at));
    return null;
  });

  const ModuleList = mk('ModuleList', [Module]);
  def(ModuleList, '__init__', (a, ctx) => {
    const m = S(a);
    state(m).initialised = true;
    if (!m.attrs.has('training')) m.attrs.set('training', false);
    const src = a.pos[1] ?? a.kw.get('modules') ?? null;
    if (src !== null) {
      const items = ctx.iterate(src);
      if (items instanceof Unknown) { it.note(`ModuleList contents unknown: ${items.reason}`, ctx.at); state(m).unknownReason ??= items.reason; }
      else items.forEach((v, i) => addChild(m, String(i), v, ctx.at));
    }
    return null;
  });
  def(ModuleList, '__getitem__', getitem(() => ModuleList, true));
  def(ModuleList, '__len__', (a) => state(S(a)).modules.size);
  def(ModuleList, '__iter__', (a) => new PyIterator(children(S(a))));
  def(ModuleList, 'append', (a, ctx) => { addChild(S(a), String(state(S(a)).modules.size), a.pos[1], ctx.at); return S(a); });
  def(ModuleList, 'extend', (a, ctx) => {
    const items = ctx.iterate(a.pos[1]);
    if (items instanceof Unknown) return items;
    for (const v of items) addChild(S(a), String(state(S(a)).modules.size), v, ctx.at);
    return S(a);
  });
  def(ModuleList, '__iadd__', (a, ctx) => ctx.call(ModuleList.dict.get('extend')!, [a.pos[0], a.pos[1]]) && S(a));
  def(ModuleList, '__setitem__', setitem);
  def(ModuleList, 'insert', insert);

  const ModuleDict = mk('ModuleDict', [Module]);
  const update: NativeImpl = (a, ctx) => {
    const m = S(a);
    const src = a.pos[1] ?? null;
    if (src instanceof PyDict) for (const [k, v] of src.entries()) addChild(m, String(k), v, ctx.at);
    else if (src !== null) {
      const items = ctx.iterate(src);
      if (items instanceof Unknown) return items;
      for (const p of items) {
        const kv = ctx.iterate(p);
        if (!(kv instanceof Unknown)) addChild(m, String(kv[0]), kv[1], ctx.at);
      }
    }
    return null;
  };
  def(ModuleDict, '__init__', (a, ctx) => {
    const m = S(a);
    state(m).initialised = true;
    if (!m.attrs.has('training')) m.attrs.set('training', false);
    if (a.pos[1] !== undefined && a.pos[1] !== null) update(a, ctx);
    return null;
  });
  def(ModuleDict, 'update', update);
  def(ModuleDict, '__getitem__', (a, ctx) => {
    const v = state(S(a)).modules.get(String(a.pos[1]));
    return v === undefined ? ctx.raise('KeyError', String(a.pos[1])) : v;
  });
  def(ModuleDict, '__setitem__', (a, ctx) => { addChild(S(a), String(a.pos[1]), a.pos[2], ctx.at); return null; });
  def(ModuleDict, '__len__', (a) => state(S(a)).modules.size);
  def(ModuleDict, '__iter__', (a) => new PyIterator([...state(S(a)).modules.keys()]));
  def(ModuleDict, '__contains__', (a) => state(S(a)).modules.has(String(a.pos[1])));
  def(ModuleDict, 'keys', (a) => new PyIterator([...state(S(a)).modules.keys()]));
  def(ModuleDict, 'values', (a) => new PyIterator(children(S(a))));
  def(ModuleDict, 'items', (a) => new PyIterator([...state(S(a)).modules].map(([k, v]) => new PyTuple([k, v]))));
  def(ModuleDict, 'pop', (a) => {
    const ms = state(S(a)); const k = String(a.pos[1]); const v = ms.modules.get(k) ?? null;
    ms.modules.delete(k); S(a).attrs.delete(k);
    return v;
  });
  void PyList;
  return { Module, Sequential, ModuleList, ModuleDict, registerAttr };
}

/** module(x): runs forward with this module as the MAC owner and records its last output. */
export function callModule(it: Interpreter, m: PyInstance, args: Value[], kw: Map<string, Value>, at: Span | null): Value {
  const ms = m.module;
  if (!ms) return new Unknown(`${m.cls.name} is not an initialised module`, at);
  it.moduleStack.push(m);
  let out: Value;
  try {
    if (!ms.initialised) throw new PyException(it.exception('AttributeError'), `'${m.cls.name}' object has no attribute '_forward_hooks' (missing super().__init__()?)`, at);
    const fwd = it.getattr(m, 'forward', at);
    out = it.call(fwd, args, kw, at);
    // Unknown made here from known inputs (an unmodelled call, ...): say where.
    if (out instanceof Unknown && !args.some((x) => x instanceof Unknown)) {
      it.note(out, at);
      ms.unknownReason ??= out.reason;
    }
  } catch (e) {
    if (!(e instanceof PyException)) throw e;
    // A failing forward (shape mismatch, ...) makes this call's result unknown, not the whole analysis.
    const reason = `${e.cls.name}: ${e.msg}`;
    it.note(reason, e.at ?? at);
    ms.unknownReason ??= reason;
    out = new Unknown(reason, e.at ?? at);
  } finally {
    it.moduleStack.pop();
  }
  ms.calls++;
  ms.lastOutput = out;
  ms.lastInputs = args;
  return out;
}
