// Builds the `torch`, `torch.nn`, `torch.nn.functional`, `torch.nn.init`, `torch.jit`, ...
// namespaces the interpreter imports, and the hooks it calls for tensor operators.
import {
  Value, Span, DType, PyFloat, PyTuple, PyClass, PyInstance, PyNamespace, Tensor, Unknown, ModuleState, CallContext,
  NativeImpl, isNum, num,
} from '../values';
import type { Interpreter } from '../interp';
import { linearize } from '../interp';
import { nf, arg } from '../builtins';
import { makeStdlib } from '../stdlib';
import { binary, unary, index, mkTensor, roundTo } from './tensor';
import { makeOps, makeFactories, DTYPES } from './ops';
import { makeModuleClasses, callModule } from './module';
import { LAYERS, parseSig, bindSig, LayerCtx } from './layers';
import { makeFunctional } from './functional';
import { makeMultiheadAttention } from './attention';

export interface TorchApi {
  Module: PyClass;
  TensorClass: PyClass;
  Parameter: PyClass;
  binary(op: string, a: Value, b: Value, ctx: CallContext): Value;
  unary(op: string, t: Tensor, ctx: CallContext): Value;
  index(t: Tensor, idx: Value, ctx: CallContext): Value;
  iterate(t: Tensor, ctx: CallContext): Value[] | Unknown;
  tensorAttr(t: Tensor, name: string, ctx: CallContext): Value;
  registerAttr(inst: PyInstance, ms: ModuleState, name: string, v: Value, at: Span | null): void;
  /** Calls torch.<name> (used by math.* and round() on tensors). */
  call(name: string, args: Value[], ctx: CallContext): Value;
  /** The leaf-module classes of the catalogue (for "is this a torch.nn leaf?"). */
  leafClasses: Set<PyClass>;
  containers: { Sequential: PyClass; ModuleList: PyClass; ModuleDict: PyClass };
}

export function makeTorch(it: Interpreter): TorchApi {
  const mkClass = (name: string, bases: PyClass[]): PyClass => {
    const c = new PyClass(name, bases);
    c.mro = linearize(c, it.classes.object);
    c.dict.set('__name__', name);
    return c;
  };
  const mods = makeModuleClasses(it);
  const { Module } = mods;

  // dtypes
  const dtypeCls = mkClass('dtype', [it.classes.object]);
  const dtypes = new Map<string, PyInstance>();
  for (const [k, v] of Object.entries(DTYPES)) {
    const d = new PyInstance(dtypeCls);
    d.native = v;
    dtypes.set(k, d);
  }
  // torch.device: code reads `x.device.type` (autocast, device checks) and `str(x.device)`; every
  // tensor of an analysis is on the CPU.
  const deviceCls = mkClass('device', [it.classes.object]);
  const mkDevice = (type: string, index: Value): PyInstance => {
    const d = new PyInstance(deviceCls);
    d.attrs.set('type', type);
    d.attrs.set('index', index);
    return d;
  };
  const cpu = mkDevice('cpu', null);
  const deviceText = (d: PyInstance) => `${String(d.attrs.get('type'))}${d.attrs.get('index') === null ? '' : `:${String(d.attrs.get('index'))}`}`;
  deviceCls.dict.set('__new__', nf('device', (a, ctx) => {
    const spec = a.pos[1] ?? a.kw.get('type') ?? null;
    if (spec instanceof Unknown) return spec;
    if (spec instanceof PyInstance && spec.cls === deviceCls) return spec;
    // torch.device(0) is cuda:0.
    if (typeof spec === 'number') return mkDevice('cuda', spec);
    if (typeof spec !== 'string') return ctx.raise('TypeError', `device() received an invalid combination of arguments - got (${ctx.repr(spec)})`);
    const m = /^([a-z_]+)(?::(\d+))?$/.exec(spec);
    if (!m) return ctx.raise('RuntimeError', `Invalid device string: '${spec}'`);
    const index = a.pos[2] ?? a.kw.get('index') ?? (m[2] === undefined ? null : Number(m[2]));
    return m[1] === 'cpu' && index === null ? cpu : mkDevice(m[1], index);
  }));
  deviceCls.dict.set('__str__', nf('__str__', (a) => deviceText(a.pos[0] as PyInstance)));
  deviceCls.dict.set('__repr__', nf('__repr__', (a) => {
    const d = a.pos[0] as PyInstance;
    const index = d.attrs.get('index');
    return `device(type='${String(d.attrs.get('type'))}'${index === null ? '' : `, index=${String(index)}`})`;
  }));
  deviceCls.dict.set('__eq__', nf('__eq__', (a) => {
    const [x, y] = a.pos;
    return y instanceof PyInstance && y.cls === deviceCls && deviceText(x as PyInstance) === deviceText(y);
  }));
  deviceCls.dict.set('__hash__', nf('__hash__', (a) => deviceText(a.pos[0] as PyInstance).length));

  const dtypeOf = (v: Value): DType | null => {
    if (v instanceof PyInstance && v.cls === dtypeCls) return v.native as DType;
    if (v === it.classes.float) return 'float32';
    if (v === it.classes.int) return 'int64';
    if (v === it.classes.bool) return 'bool';
    if (typeof v === 'string') return DTYPES[v.replace(/^torch\./, '')] ?? null;
    return null;
  };
  const dtypeValue = (d: DType): PyInstance => dtypes.get(d)!;

  const Size = mkClass('Size', [it.classes.tuple]);
  Size.dict.set('numel', nf('numel', (a) => (a.pos[0] as PyTuple).items.reduce<number>((p, q) => p * num(q as number), 1)));
  const ops = makeOps(Size, dtypeOf);
  const factories = makeFactories(dtypeOf);

  const TensorClass = mkClass('Tensor', [it.classes.object]);
  TensorClass.instanceCheck = (v) => v instanceof Tensor;
  TensorClass.dict.set('__new__', nf('Tensor', (a, ctx) => factories.empty({ pos: a.pos.slice(1), kw: a.kw }, ctx)));
  const Parameter = mkClass('Parameter', [TensorClass]);
  Parameter.instanceCheck = (v) => v instanceof Tensor && v.isParam;
  Parameter.dict.set('__new__', nf('Parameter', (a, ctx) => {
    const data = arg(a, 1, 'data', null);
    if (data instanceof Unknown) return data;
    const src = data === null ? mkTensor([0]) : data;
    if (!(src instanceof Tensor)) return ctx.unknown('nn.Parameter of a non-tensor');
    const p = new Tensor(src.shape, src.dtype, src.data);
    p.isParam = true;
    p.requiresGrad = arg(a, 2, 'requires_grad', true) !== false;
    return p;
  }));
  const methodFns = new Map<string, NativeImpl>();
  for (const [k, f] of Object.entries(ops)) methodFns.set(k, f);

  const tensorAttr = (t: Tensor, name: string, ctx: CallContext): Value => {
    switch (name) {
      case 'shape': return new PyTuple(t.shape.slice(), Size);
      case 'dtype': return dtypeValue(t.dtype);
      case 'ndim': return t.shape.length;
      case 'device': return cpu;
      case 'is_cuda': return false;
      case 'requires_grad': return t.requiresGrad || t.isParam;
      case 'grad': return null;
      case 'data': return t;
      case 'T': return traced('Tensor.T', [t], null, ctx, () => mkTensor(t.shape.slice().reverse(), t.dtype));
      case 'mT': return traced('Tensor.mT', [t], null, ctx, () => mkTensor([...t.shape.slice(0, -2), ...t.shape.slice(-2).reverse()], t.dtype));
    }
    const f = methodFns.get(name);
    if (f) return nf(name, (a, c) => traced(`Tensor.${name}`, [t, ...a.pos], a.kw, c, () => f({ pos: [t, ...a.pos], kw: a.kw }, c)));
    return ctx.unknown(`Tensor.${name} is not modelled`);
  };

  // Leaf modules: a native __init__ binds the signature; a native forward applies the shape rule.
  const nn = new Map<string, Value>();
  const leafClasses = new Set<PyClass>();
  /** Layers built with an argument the analysis could not resolve (their forward is unknown). */
  const unresolvedLayers = new WeakSet<PyInstance>();
  // The layers whose torch __init__ ends with `self.reset_parameters()` (a virtual call: a subclass's
  // override runs, as timm's ScaledStdConv2d relies on); initialisation itself changes no figure.
  const resetting = new Set(['Conv1d', 'Conv2d', 'Conv3d', 'ConvTranspose1d', 'ConvTranspose2d', 'ConvTranspose3d', 'Linear', 'LazyLinear',
    'BatchNorm1d', 'BatchNorm2d', 'BatchNorm3d', 'SyncBatchNorm', 'InstanceNorm1d', 'InstanceNorm2d', 'InstanceNorm3d', 'GroupNorm',
    'LayerNorm', 'Embedding', 'PReLU']);
  const resetNoop = nf('reset_parameters', () => null);
  for (const [name, spec] of Object.entries(LAYERS)) {
    const cls = mkClass(name, [Module]);
    const sig = parseSig(spec.sig);
    if (resetting.has(name)) cls.dict.set('reset_parameters', resetNoop);
    cls.dict.set('__init__', nf('__init__', (a, ctx) => {
      const m = a.pos[0] as PyInstance;
      m.module ??= new ModuleState();
      m.module.initialised = true;
      if (!m.attrs.has('training')) m.attrs.set('training', false);
      const cfg = bindSig(name, sig, a.pos.slice(1), a.kw, ctx);
      // An argument the analysis could not resolve: the layer exists, its figures are unknown.
      const unknownArg = [...cfg].find(([k, v]) => v instanceof Unknown && k !== 'device' && k !== 'dtype');
      if (unknownArg) {
        const u = unknownArg[1] as Unknown;
        m.module.unknownReason ??= `${name}(${unknownArg[0]}=?): ${u.reason}`;
        m.module.macs = null;
        unresolvedLayers.add(m);
        void u;
        return null;
      }
      const lctx = ctx as LayerCtx;
      lctx.param = (shape: number[]) => {
        if (shape.some((d) => !Number.isInteger(d) || d < 0)) ctx.raise('RuntimeError', `invalid parameter shape [${shape.join(', ')}]`);
        const p = mkTensor(shape); p.isParam = true; return p;
      };
      spec.init(m, cfg, lctx);
      for (const [k, v] of m.attrs) if (v instanceof Tensor && v.isParam) m.module.params.set(k, v);
      for (const k of ['weight', 'bias']) if (m.attrs.get(k) === null && !m.module.params.has(k)) m.module.params.set(k, null);
      if (resetting.has(name) && m.cls.lookup('reset_parameters') !== resetNoop) ctx.call(it.getattr(m, 'reset_parameters', ctx.at), []);
      return null;
    }));
    cls.dict.set('forward', nf('forward', (a, ctx) => {
      const m = a.pos[0] as PyInstance;
      const xs = a.pos.slice(1);
      const bad = (xs.find((x) => x instanceof Unknown) as Unknown | undefined) ?? (unresolvedLayers.has(m) ? new Unknown(m.module!.unknownReason ?? 'unresolved layer', ctx.at) : undefined);
      if (bad) {
        if (spec.macs && m.module) m.module.macs = null;
        return bad;
      }
      return traced(`nn.${name}`, xs, a.kw, ctx, () => spec.forward(m, xs, ctx, a.kw), m);
    }));
    nn.set(name, cls);
    leafClasses.add(cls);
  }
  const Linear = nn.get('Linear') as PyClass;
  const NDQLinear = mkClass('NonDynamicallyQuantizableLinear', [Linear]);
  nn.set('MultiheadAttention', makeMultiheadAttention(it, Module, NDQLinear, mkClass));
  nn.set('Module', Module);
  nn.set('Sequential', mods.Sequential);
  nn.set('ModuleList', mods.ModuleList);
  nn.set('ModuleDict', mods.ModuleDict);
  nn.set('Parameter', Parameter);

  const sameOp = (name: string): NativeImpl => ops[name];
  const scratch = mkClass('_functional', [it.classes.object]);
  const F = new PyNamespace('torch.nn.functional', new Map(Object.entries(makeFunctional(scratch, sameOp, (layer, m) => it.tracer?.layer(layer, m))).map(([k, f]) => [k, nf(k, (a, c) => traced(`F.${k}`, a.pos, a.kw, c, () => f(a, c)))])));
  const returnsTensor = (name: string) => nf(name, (a) => a.pos[0] ?? null);
  const init = new PyNamespace('torch.nn.init', new Map<string, Value>([
    ...['kaiming_normal_', 'kaiming_uniform_', 'xavier_normal_', 'xavier_uniform_', 'normal_', 'uniform_', 'constant_', 'zeros_',
      'ones_', 'trunc_normal_', 'orthogonal_', 'eye_', 'dirac_', 'sparse_'].map((n) => [n, returnsTensor(n)] as [string, Value]),
    ['calculate_gain', nf('calculate_gain', (a) => {
      const n = String(a.pos[0]);
      return new PyFloat(n === 'relu' ? Math.SQRT2 : n === 'tanh' ? 5 / 3 : n === 'selu' ? 0.75 : 1);
    })],
    ['_calculate_fan_in_and_fan_out', nf('_calculate_fan_in_and_fan_out', (a, ctx) => {
      const t = a.pos[0];
      if (!(t instanceof Tensor)) return ctx.unknown('fan of a non-tensor');
      const rf = t.shape.slice(2).reduce((p, q) => p * q, 1);
      return new PyTuple([t.shape[1] * rf, t.shape[0] * rf]);
    })],
  ]));
  nn.set('functional', F);
  nn.set('init', init);
  const ntuple = (n: number) => nf(`_ntuple${n}`, (a) => {
    const v = a.pos[0];
    return v instanceof PyTuple ? v : new PyTuple(new Array(n).fill(v));
  });
  const modUtils = new PyNamespace('torch.nn.modules.utils', new Map<string, Value>([
    ['_single', ntuple(1)], ['_pair', ntuple(2)], ['_triple', ntuple(3)], ['_quadruple', ntuple(4)],
    ['_ntuple', nf('_ntuple', (a) => ntuple(num(a.pos[0] as number)))],
  ]));
  const nnNs = new PyNamespace('torch.nn', nn);

  const torch = new Map<string, Value>();
  for (const [k, f] of Object.entries(ops)) if (!['dim', 'size', 'numel', 'item', 'tolist', 'contiguous', 'data'].includes(k)) torch.set(k, nf(k, (a, c) => traced(`torch.${k}`, a.pos, a.kw, c, () => f(a, c))));
  for (const [k, f] of Object.entries(factories)) torch.set(k, nf(k, f));
  for (const [k, d] of dtypes) torch.set(k, d);
  torch.set('numel', nf('numel', ops.numel));
  torch.set('Tensor', TensorClass);
  torch.set('Size', Size);
  torch.set('dtype', dtypeCls);
  torch.set('nn', nnNs);
  torch.set('__version__', '1.13.0');
  const noop = nf('noop', () => null);
  const identityDeco = (name: string) => nf(name, (a) => (a.pos.length === 1 && a.kw.size === 0 ? a.pos[0] : nf(name, (b) => b.pos[0])));
  // Grad and autocast modes change no shape: a context manager that is also a decorator.
  const ctxCls = mkClass('_context', [it.classes.object]);
  ctxCls.dict.set('__call__', nf('__call__', (a) => a.pos[1] ?? null));
  const ctxObj = nf('no_grad', () => new PyInstance(ctxCls));
  torch.set('no_grad', ctxObj);
  torch.set('inference_mode', ctxObj);
  torch.set('enable_grad', ctxObj);
  torch.set('manual_seed', noop);
  torch.set('set_grad_enabled', ctxObj);
  torch.set('device', deviceCls);
  torch.set('autocast', ctxObj);
  torch.set('amp', new PyNamespace('torch.amp', new Map<string, Value>([['autocast', ctxObj]])));
  torch.set('_assert', noop);
  torch.set('is_tensor', nf('is_tensor', (a) => a.pos[0] instanceof Tensor));
  torch.set('get_default_dtype', nf('get_default_dtype', () => dtypeValue('float32')));
  const jit = new PyNamespace('torch.jit', new Map<string, Value>([
    ['is_scripting', nf('is_scripting', () => false)], ['is_tracing', nf('is_tracing', () => false)],
    ['unused', identityDeco('unused')], ['ignore', identityDeco('ignore')], ['export', identityDeco('export')],
    ['script', identityDeco('script')], ['_overload_method', identityDeco('_overload_method')], ['_overload', identityDeco('_overload')],
    ['annotate', nf('annotate', (a) => a.pos[1] ?? null)], ['Final', mkClass('Final', [it.classes.object])],
    ['script_if_tracing', identityDeco('script_if_tracing')],
  ]));
  torch.set('jit', jit);
  const fx = new PyNamespace('torch.fx', new Map<string, Value>([['wrap', nf('wrap', (a) => a.pos[0] ?? null)]]));
  torch.set('fx', fx);
  const cuda = new PyNamespace('torch.cuda', new Map<string, Value>([['is_available', nf('is_available', () => false)], ['device_count', nf('device_count', () => 0)],
    ['amp', new PyNamespace('torch.cuda.amp', new Map<string, Value>([['autocast', ctxObj]]))]]));
  torch.set('cuda', cuda);
  const checkpoint = new PyNamespace('torch.utils.checkpoint', new Map<string, Value>([
    ['checkpoint', nf('checkpoint', (a, ctx) => ctx.call(a.pos[0], a.pos.slice(1)))],
  ]));
  const utils = new PyNamespace('torch.utils', new Map<string, Value>([['checkpoint', checkpoint]]));
  torch.set('utils', utils);
  const torchNs = new PyNamespace('torch', torch);
  const overrides = new PyNamespace('torch.overrides', new Map());
  const parameter = new PyNamespace('torch.nn.parameter', new Map<string, Value>([['Parameter', Parameter]]));
  const modulesNs = new PyNamespace('torch.nn.modules', new Map<string, Value>([['utils', modUtils], ['Module', Module]]));
  nn.set('modules', modulesNs);
  nn.set('parameter', parameter);

  /** Runs an op, recorded when a trace is on (tensor factories at build time are never traced). */
  function traced(op: string, args: Value[], kw: Map<string, Value> | null, ctx: CallContext, f: () => Value, module?: PyInstance): Value {
    const tr = it.tracer;
    return tr ? tr.call(op, args, kw, ctx.at, f, module) : f();
  }

  const reg = it.resolver.builtin;
  for (const ns of [torchNs, nnNs, F, init, jit, fx, cuda, utils, checkpoint, modUtils, overrides, parameter, modulesNs]) reg.set(ns.name, ns);
  reg.set('torch.nn.modules.module', new PyNamespace('torch.nn.modules.module', new Map<string, Value>([['Module', Module]])));
  for (const [k, v] of makeStdlib(it)) reg.set(k, v);

  const tensorCall = (name: string, args: Value[], ctx: CallContext): Value => {
    const f = ops[name];
    return f ? traced(`torch.${name}`, args, null, ctx, () => f({ pos: args, kw: new Map() }, ctx)) : ctx.unknown(`torch.${name} is not modelled`);
  };

  return {
    Module, TensorClass, Parameter, leafClasses,
    containers: { Sequential: mods.Sequential, ModuleList: mods.ModuleList, ModuleDict: mods.ModuleDict },
    binary: (op, a, b, ctx) => traced(`op:${op}`, [a, b], null, ctx, () => binary(op, a, b, ctx)),
    unary: (op, t, ctx) => traced(`op:${op}`, [t], null, ctx, () => unary(op, t, ctx)),
    index: (t, idx, ctx) => traced('getitem', [t, idx], null, ctx, () => index(t, idx, ctx)),
    iterate: (t, ctx) => {
      if (it.tracer && !it.tracer.busy) {
        // `for row in x` / `a, b = x`: each item is x[i].
        const n = t.shape[0] ?? 0;
        if (!t.shape.length) return ctx.unknown('iteration over a 0-d tensor');
        const big = it.refuse('tensor', n, ctx.at);
        if (big) return big;
        return Array.from({ length: n }, (_, i) => traced('getitem', [t, i], null, ctx, () => index(t, i, ctx)));
      }
      if (!t.shape.length) return ctx.unknown('iteration over a 0-d tensor');
      const sub = t.shape.slice(1);
      const n = sub.reduce((p, q) => p * q, 1);
      const big = it.refuse('tensor', t.shape[0], ctx.at);
      if (big) return big;
      return Array.from({ length: t.shape[0] }, (_, i) => mkTensor(sub, t.dtype, t.data ? t.data.slice(i * n, (i + 1) * n) : null));
    },
    tensorAttr,
    registerAttr: mods.registerAttr,
    call: tensorCall,
  };
  void isNum; void roundTo; void callModule;
}
