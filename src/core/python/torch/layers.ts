// The torch.nn leaf modules' shape rules: per module, the attributes and parameters it creates
// and its output shape (with MACs for conv/linear). Signatures and kinds are data in
// core/catalogue/layers.ts (one entry per module, shared with the ONNX exporter and importer).
import {
  Value, PyFloat, PyTuple, PyList, PyClass, PyInstance, Tensor, Unknown, CallContext, isNum, num, isInt, PyDict,
} from '../values';
import { mkTensor, normDim, viewShape } from './tensor';
import { PyException } from '../interp';
import { CATALOGUE, countsMacs } from '../../catalogue/layers';
import { convMacs, convTransposeMacs, linearMacs } from '../../catalogue/macs';

export interface LayerCtx extends CallContext {
  /** A trainable parameter of this shape. */
  param(shape: number[]): Tensor;
}

/** A module's rule as written here: the catalogue adds its signature and MACs flag. */
type Rule = Omit<LayerSpec, 'sig' | 'macs'>;

export interface LayerSpec {
  /** Constructor signature as in torch: `a, b, c=1, d=True` (from the catalogue). */
  sig: string;
  /** Sets attributes and parameters from the bound arguments. */
  init(m: PyInstance, c: Cfg, ctx: LayerCtx): void;
  /** Output of forward; inputs are the positional arguments. Unknown inputs never reach here. */
  forward(m: PyInstance, x: Value[], ctx: CallContext, kw: Map<string, Value>): Value;
  /** Counts MACs (so its MACs are unknown when its input is). */
  macs?: boolean;
}

export type Cfg = Map<string, Value>;

const A = (m: PyInstance, k: string): Value => m.attrs.get(k) ?? null;
const int = (v: Value, what: string, ctx: CallContext): number => {
  if (isInt(v)) return num(v);
  // torch takes no float here, even an integral one: `out_planes / 4` fails in torch.empty().
  return ctx.raise('TypeError', `${what} must be an integer, got ${ctx.repr(v)}${v instanceof PyFloat ? ' (a float: use // for channel counts)' : ''}`);
};
const tupleN = (v: Value, n: number, what: string, ctx: CallContext): number[] => {
  if (v instanceof PyTuple || v instanceof PyList) {
    const xs = v.items.map((x) => int(x, what, ctx));
    return xs.length === 1 && n > 1 ? new Array(n).fill(xs[0]) : xs;
  }
  return new Array(n).fill(int(v, what, ctx));
};
const tup = (xs: number[]): PyTuple => new PyTuple(xs);
const T = (x: Value[], ctx: CallContext): Tensor => {
  const t = x[0];
  if (!(t instanceof Tensor)) ctx.raise('TypeError', `expected a Tensor input, got ${ctx.repr(t)}`);
  return t as Tensor;
};
const prod = (xs: number[]): number => xs.reduce((p, q) => p * q, 1);

/** Spatial output size of conv/pool along one axis. */
export function convOut(n: number, k: number, s: number, p: number, d: number, ceil = false): number {
  const span = n + 2 * p - d * (k - 1) - 1;
  let o = (ceil ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
  if (ceil && (o - 1) * s >= n + p) o--;
  return o;
}

function conv(nd: number, transposed: boolean): Rule {
  return {
    init(m, c, ctx) {
      const cin = int(c.get('in_channels')!, 'in_channels', ctx);
      const cout = int(c.get('out_channels')!, 'out_channels', ctx);
      const g = int(c.get('groups')!, 'groups', ctx);
      if (g <= 0) ctx.raise('ValueError', 'groups must be a positive integer');
      if (cin % g) ctx.raise('ValueError', 'in_channels must be divisible by groups');
      if (cout % g) ctx.raise('ValueError', 'out_channels must be divisible by groups');
      const k = tupleN(c.get('kernel_size')!, nd, 'kernel_size', ctx);
      const pad = c.get('padding')!;
      m.attrs.set('in_channels', cin);
      m.attrs.set('out_channels', cout);
      m.attrs.set('kernel_size', tup(k));
      m.attrs.set('stride', tup(tupleN(c.get('stride')!, nd, 'stride', ctx)));
      m.attrs.set('padding', typeof pad === 'string' ? pad : tup(tupleN(pad, nd, 'padding', ctx)));
      m.attrs.set('dilation', tup(tupleN(c.get('dilation')!, nd, 'dilation', ctx)));
      m.attrs.set('groups', g);
      m.attrs.set('padding_mode', c.get('padding_mode')!);
      m.attrs.set('transposed', transposed);
      if (transposed) m.attrs.set('output_padding', tup(tupleN(c.get('output_padding')!, nd, 'output_padding', ctx)));
      m.attrs.set('weight', ctx.param(transposed ? [cin, cout / g, ...k] : [cout, cin / g, ...k]));
      m.attrs.set('bias', c.get('bias') === true || (c.get('bias') !== false && c.get('bias') !== null && c.get('bias') !== 0) ? ctx.param([cout]) : null);
    },
    forward(m, x, ctx, kw) {
      const t = T(x, ctx);
      const cin = A(m, 'in_channels') as number, cout = A(m, 'out_channels') as number, g = A(m, 'groups') as number;
      const batched = t.shape.length === nd + 2;
      if (!batched && t.shape.length !== nd + 1) ctx.raise('RuntimeError', `Expected ${nd + 1}D (unbatched) or ${nd + 2}D (batched) input to conv${nd}d, but got input of size: [${t.shape.join(', ')}]`);
      const c = t.shape[batched ? 1 : 0];
      const wIn = transposed ? cin : cin;
      if (c !== wIn) ctx.raise('RuntimeError', `${m.cls.name} expected input with ${cin} channels, but got ${c} channels (input shape [${t.shape.join(', ')}])`);
      const sp = t.shape.slice(batched ? 2 : 1);
      const k = (A(m, 'kernel_size') as PyTuple).items as number[];
      const s = (A(m, 'stride') as PyTuple).items as number[];
      const d = (A(m, 'dilation') as PyTuple).items as number[];
      const padV = A(m, 'padding');
      let out: number[];
      if (transposed) {
        const p = (padV as PyTuple).items as number[];
        const op = (A(m, 'output_padding') as PyTuple).items as number[];
        out = sp.map((n, i) => (n - 1) * s[i] - 2 * p[i] + d[i] * (k[i] - 1) + op[i] + 1);
        const osz = kw.get('output_size') ?? x[1];
        if (osz instanceof PyTuple || osz instanceof PyList) {
          const want = osz.items.slice(-nd).map((v) => num(v as number));
          out = want;
        }
      } else if (padV === 'same') out = sp.slice();
      else {
        const p = padV === 'valid' ? sp.map(() => 0) : (padV as PyTuple).items as number[];
        out = sp.map((n, i) => convOut(n, k[i], s[i], p[i], d[i]));
      }
      if (out.some((o) => o <= 0)) ctx.raise('RuntimeError', `${m.cls.name}: output size is too small ([${out.join(', ')}]) for input [${t.shape.join(', ')}]`);
      const shape = batched ? [t.shape[0], cout, ...out] : [cout, ...out];
      const res = mkTensor(shape, t.dtype);
      ctx.addMacs(transposed ? convTransposeMacs(t.numel, [cin, cout / g, ...k]) : convMacs(res.numel, [cout, cin / g, ...k]));
      return res;
    },
  };
}

const linear: Rule = {
  init(m, c, ctx) {
    const i = int(c.get('in_features')!, 'in_features', ctx), o = int(c.get('out_features')!, 'out_features', ctx);
    m.attrs.set('in_features', i);
    m.attrs.set('out_features', o);
    m.attrs.set('weight', ctx.param([o, i]));
    m.attrs.set('bias', c.get('bias') === false ? null : ctx.param([o]));
  },
  forward(m, x, ctx) {
    const t = T(x, ctx);
    const i = A(m, 'in_features') as number, o = A(m, 'out_features') as number;
    const last = t.shape[t.shape.length - 1];
    if (last !== i) ctx.raise('RuntimeError', `mat1 and mat2 shapes cannot be multiplied (${prod(t.shape.slice(0, -1))}x${last} and ${i}x${o}) in ${m.cls.name}(${i}, ${o})`);
    ctx.addMacs(linearMacs(t.numel / i, i, o));
    return mkTensor([...t.shape.slice(0, -1), o], t.dtype);
  },
};

const identity = (): Rule => ({
  init(m, c) { for (const [k, v] of c) m.attrs.set(k, v); },
  forward(_m, x, ctx) { return T(x, ctx); },
});

function norm(kind: 'batch' | 'instance', nd: number | null): Rule {
  return {
    init(m, c, ctx) {
      const n = int(c.get('num_features')!, 'num_features', ctx);
      for (const [k, v] of c) m.attrs.set(k, v);
      m.attrs.set('num_features', n);
      const affine = c.get('affine') === true;
      m.attrs.set('weight', affine ? ctx.param([n]) : null);
      m.attrs.set('bias', affine ? ctx.param([n]) : null);
      if (c.get('track_running_stats') === true) {
        for (const b of ['running_mean', 'running_var']) { m.attrs.set(b, mkTensor([n])); m.module!.buffers.set(b, m.attrs.get(b) as Tensor); }
        m.attrs.set('num_batches_tracked', mkTensor([], 'int64', [0]));
        m.module!.buffers.set('num_batches_tracked', m.attrs.get('num_batches_tracked') as Tensor);
      }
    },
    forward(m, x, ctx) {
      const t = T(x, ctx);
      const n = A(m, 'num_features') as number;
      if (nd !== null && t.shape.length !== nd + 2 && !(nd === 1 && t.shape.length === 2) && !(kind === 'instance' && t.shape.length === nd + 1)) {
        ctx.raise('ValueError', `expected ${nd + 2}D input (got ${t.shape.length}D input)`);
      }
      const c = t.shape.length === (nd ?? 0) + 1 && kind === 'instance' ? t.shape[0] : t.shape[1];
      if (c !== n && (kind === 'batch' || A(m, 'affine') === true)) ctx.raise('RuntimeError', `${m.cls.name}(${n}) got input with ${c} channels (shape [${t.shape.join(', ')}])`);
      return t;
    },
  };
}

const act = (): Rule => identity();

function pool(kind: 'max' | 'avg', nd: number): Rule {
  return {
    init(m, c) {
      for (const [k, v] of c) m.attrs.set(k, v);
      if (c.get('stride') === null || (c.get('stride') instanceof PyList && (c.get('stride') as PyList).items.length === 0)) m.attrs.set('stride', c.get('kernel_size')!);
    },
    forward(m, x, ctx) {
      const t = T(x, ctx);
      const batched = t.shape.length === nd + 2;
      if (!batched && t.shape.length !== nd + 1) ctx.raise('RuntimeError', `${m.cls.name}: expected ${nd + 1}D or ${nd + 2}D input, got [${t.shape.join(', ')}]`);
      const sp = t.shape.slice(-nd);
      const k = tupleN(A(m, 'kernel_size'), nd, 'kernel_size', ctx);
      const s = tupleN(A(m, 'stride'), nd, 'stride', ctx);
      const p = tupleN(A(m, 'padding'), nd, 'padding', ctx);
      const d = kind === 'max' ? tupleN(A(m, 'dilation'), nd, 'dilation', ctx) : sp.map(() => 1);
      const ceil = A(m, 'ceil_mode') === true;
      const out = sp.map((n, i) => convOut(n, k[i], s[i], p[i], d[i], ceil));
      if (out.some((o) => o <= 0)) ctx.raise('RuntimeError', `${m.cls.name}: output size is too small for input [${t.shape.join(', ')}]`);
      const res = mkTensor([...t.shape.slice(0, -nd), ...out], t.dtype);
      return kind === 'max' && A(m, 'return_indices') === true ? new PyTuple([res, mkTensor(res.shape, 'int64')]) : res;
    },
  };
}

function adaptive(kind: 'max' | 'avg', nd: number): Rule {
  return {
    init(m, c) { for (const [k, v] of c) m.attrs.set(k, v); },
    forward(m, x, ctx) {
      const t = T(x, ctx);
      const sp = t.shape.slice(-nd);
      const o = A(m, 'output_size');
      const items = o instanceof PyTuple || o instanceof PyList ? o.items : new Array(nd).fill(o);
      const out = items.map((v, i) => (v === null ? sp[i] : int(v, 'output_size', ctx)));
      const res = mkTensor([...t.shape.slice(0, -nd), ...out], t.dtype);
      return kind === 'max' && A(m, 'return_indices') === true ? new PyTuple([res, mkTensor(res.shape, 'int64')]) : res;
    },
  };
}

export function upsampleShape(t: Tensor, size: Value, scale: Value, ctx: CallContext): Tensor {
  const nd = t.shape.length - 2;
  let out: number[];
  if (size !== null && size !== undefined) out = tupleN(size, nd, 'size', ctx);
  else if (scale !== null && scale !== undefined) {
    const sc = scale instanceof PyTuple || scale instanceof PyList ? scale.items.map((v) => num(v as number)) : new Array(nd).fill(num(scale as number));
    out = t.shape.slice(2).map((n, i) => Math.floor(n * sc[i]));
  } else return ctx.raise('ValueError', 'either size or scale_factor should be defined');
  return mkTensor([...t.shape.slice(0, 2), ...out], t.dtype);
}

function pad(nd: number): Rule {
  return {
    init(m, c, ctx) { m.attrs.set('padding', tup(tupleN(c.get('padding')!, 2 * nd, 'padding', ctx))); m.attrs.set('value', c.get('value')!); },
    forward(m, x, ctx) {
      const t = T(x, ctx);
      const p = (A(m, 'padding') as PyTuple).items as number[];
      const s = t.shape.slice();
      for (let i = 0; i < p.length / 2; i++) s[s.length - 1 - i] += p[2 * i] + p[2 * i + 1];
      return mkTensor(s, t.dtype);
    },
  };
}

const RULES: Record<string, Rule> = {
  Conv1d: conv(1, false), Conv2d: conv(2, false), Conv3d: conv(3, false),
  ConvTranspose1d: conv(1, true), ConvTranspose2d: conv(2, true), ConvTranspose3d: conv(3, true),
  Linear: linear,
  LazyLinear: linear,
  Identity: { init() {}, forward(_m, x, ctx) { return T(x, ctx); } },
  BatchNorm1d: norm('batch', 1), BatchNorm2d: norm('batch', 2), BatchNorm3d: norm('batch', 3), SyncBatchNorm: norm('batch', null),
  InstanceNorm1d: norm('instance', 1), InstanceNorm2d: norm('instance', 2), InstanceNorm3d: norm('instance', 3),
  GroupNorm: {
    init(m, c, ctx) {
      const g = int(c.get('num_groups')!, 'num_groups', ctx), n = int(c.get('num_channels')!, 'num_channels', ctx);
      if (n % g) ctx.raise('ValueError', 'num_channels must be divisible by num_groups');
      for (const [k, v] of c) m.attrs.set(k, v);
      const affine = c.get('affine') === true;
      m.attrs.set('weight', affine ? ctx.param([n]) : null);
      m.attrs.set('bias', affine ? ctx.param([n]) : null);
    },
    forward(m, x, ctx) {
      const t = T(x, ctx);
      if (t.shape[1] !== A(m, 'num_channels')) ctx.raise('RuntimeError', `GroupNorm expected ${String(A(m, 'num_channels'))} channels, got [${t.shape.join(', ')}]`);
      return t;
    },
  },
  LayerNorm: {
    init(m, c, ctx) {
      const ns = c.get('normalized_shape')!;
      const shape = ns instanceof PyTuple || ns instanceof PyList ? ns.items.map((v) => int(v, 'normalized_shape', ctx)) : [int(ns, 'normalized_shape', ctx)];
      m.attrs.set('normalized_shape', tup(shape));
      m.attrs.set('eps', c.get('eps')!);
      m.attrs.set('elementwise_affine', c.get('elementwise_affine')!);
      const aff = c.get('elementwise_affine') === true;
      m.attrs.set('weight', aff ? ctx.param(shape) : null);
      m.attrs.set('bias', aff && c.get('bias') !== false ? ctx.param(shape) : null);
    },
    forward(m, x, ctx) {
      const t = T(x, ctx);
      const ns = (A(m, 'normalized_shape') as PyTuple).items as number[];
      if (t.shape.slice(-ns.length).join() !== ns.join()) ctx.raise('RuntimeError', `LayerNorm expected input with shape [*, ${ns.join(', ')}], but got [${t.shape.join(', ')}]`);
      return t;
    },
  },
  LocalResponseNorm: identity(),
  ReLU: act(), ReLU6: act(), SiLU: act(), Mish: act(), Hardswish: act(), Hardsigmoid: act(), SELU: act(),
  Sigmoid: act(), Tanh: act(), Softsign: act(), Tanhshrink: act(), LogSigmoid: act(),
  GELU: act(), LeakyReLU: act(), ELU: act(),
  CELU: act(), Softplus: act(), Hardtanh: act(),
  Threshold: act(), Hardshrink: act(), Softshrink: act(),
  Softmax: act(), LogSoftmax: act(), Softmax2d: act(), Softmin: act(),
  PReLU: {
    init(m, c, ctx) { const n = int(c.get('num_parameters')!, 'num_parameters', ctx); m.attrs.set('num_parameters', n); m.attrs.set('weight', ctx.param([n])); },
    forward(_m, x, ctx) { return T(x, ctx); },
  },
  GLU: {
    init(m, c) { m.attrs.set('dim', c.get('dim')!); },
    forward(m, x, ctx) {
      const t = T(x, ctx);
      const d = normDim(num(A(m, 'dim') as number), t.shape.length, ctx);
      const s = t.shape.slice(); s[d] = s[d] / 2;
      return mkTensor(s, t.dtype);
    },
  },
  Dropout: act(), Dropout1d: act(), Dropout2d: act(),
  Dropout3d: act(), AlphaDropout: act(), FeatureAlphaDropout: act(),
  MaxPool1d: pool('max', 1), MaxPool2d: pool('max', 2), MaxPool3d: pool('max', 3),
  AvgPool1d: pool('avg', 1), AvgPool2d: pool('avg', 2), AvgPool3d: pool('avg', 3),
  AdaptiveAvgPool1d: adaptive('avg', 1), AdaptiveAvgPool2d: adaptive('avg', 2), AdaptiveAvgPool3d: adaptive('avg', 3),
  AdaptiveMaxPool1d: adaptive('max', 1), AdaptiveMaxPool2d: adaptive('max', 2), AdaptiveMaxPool3d: adaptive('max', 3),
  Flatten: {
    init(m, c) { for (const [k, v] of c) m.attrs.set(k, v); },
    forward(m, x, ctx) {
      const t = T(x, ctx);
      const r = t.shape.length;
      const s = normDim(num(A(m, 'start_dim') as number), r, ctx), e = normDim(num(A(m, 'end_dim') as number), r, ctx);
      return mkTensor([...t.shape.slice(0, s), prod(t.shape.slice(s, e + 1)), ...t.shape.slice(e + 1)], t.dtype);
    },
  },
  Unflatten: {
    init(m, c) { for (const [k, v] of c) m.attrs.set(k, v); },
    forward(m, x, ctx) {
      const t = T(x, ctx);
      const d = normDim(num(A(m, 'dim') as number), t.shape.length, ctx);
      const u = (A(m, 'unflattened_size') as PyTuple).items.map((v) => num(v as number));
      const s = [...t.shape.slice(0, d), ...u, ...t.shape.slice(d + 1)];
      return mkTensor(viewShape(t, s, ctx), t.dtype);
    },
  },
  Upsample: {
    init(m, c) { for (const [k, v] of c) m.attrs.set(k, v); },
    forward(m, x, ctx) { return upsampleShape(T(x, ctx), A(m, 'size'), A(m, 'scale_factor'), ctx); },
  },
  UpsamplingNearest2d: { init(m, c) { for (const [k, v] of c) m.attrs.set(k, v); }, forward(m, x, ctx) { return upsampleShape(T(x, ctx), A(m, 'size'), A(m, 'scale_factor'), ctx); } },
  UpsamplingBilinear2d: { init(m, c) { for (const [k, v] of c) m.attrs.set(k, v); }, forward(m, x, ctx) { return upsampleShape(T(x, ctx), A(m, 'size'), A(m, 'scale_factor'), ctx); } },
  PixelShuffle: {
    init(m, c) { m.attrs.set('upscale_factor', c.get('upscale_factor')!); },
    forward(m, x, ctx) {
      const t = T(x, ctx); const r = num(A(m, 'upscale_factor') as number); const s = t.shape.slice();
      s[s.length - 3] /= r * r; s[s.length - 2] *= r; s[s.length - 1] *= r;
      return mkTensor(s, t.dtype);
    },
  },
  PixelUnshuffle: {
    init(m, c) { m.attrs.set('downscale_factor', c.get('downscale_factor')!); },
    forward(m, x, ctx) {
      const t = T(x, ctx); const r = num(A(m, 'downscale_factor') as number); const s = t.shape.slice();
      s[s.length - 3] *= r * r; s[s.length - 2] /= r; s[s.length - 1] /= r;
      return mkTensor(s, t.dtype);
    },
  },
  ChannelShuffle: identity(),
  ZeroPad2d: pad(2), ConstantPad1d: pad(1), ConstantPad2d: pad(2), ConstantPad3d: pad(3),
  ReflectionPad1d: pad(1), ReflectionPad2d: pad(2),
  ReplicationPad1d: pad(1), ReplicationPad2d: pad(2), ReplicationPad3d: pad(3),
  Embedding: {
    init(m, c, ctx) {
      const n = int(c.get('num_embeddings')!, 'num_embeddings', ctx), d = int(c.get('embedding_dim')!, 'embedding_dim', ctx);
      m.attrs.set('num_embeddings', n); m.attrs.set('embedding_dim', d); m.attrs.set('weight', ctx.param([n, d]));
    },
    forward(m, x, ctx) { const t = T(x, ctx); return mkTensor([...t.shape, A(m, 'embedding_dim') as number], 'float32'); },
  },
};

/** The leaf modules: each rule with its catalogue entry's signature and MACs flag. */
export const LAYERS: Record<string, LayerSpec> = Object.fromEntries(Object.entries(RULES).map(([name, rule]) => {
  const meta = CATALOGUE[name];
  if (!meta) throw new Error(`layers.ts: ${name} has no catalogue entry`);
  return [name, { ...rule, sig: meta.sig, ...(countsMacs(name) ? { macs: true } : {}) }];
}));

/** Parses a signature string once into (name, default) pairs; `*args`/`**kwargs` are kept as markers. */
export function parseSig(sig: string): { name: string; dflt?: Value; star?: 1 | 2 }[] {
  if (!sig.trim()) return [];
  return sig.split(',').map((p) => p.trim()).map((p) => {
    if (p.startsWith('**')) return { name: p.slice(2), star: 2 as const };
    if (p.startsWith('*')) return { name: p.slice(1), star: 1 as const };
    const eq = p.indexOf('=');
    if (eq < 0) return { name: p };
    return { name: p.slice(0, eq).trim(), dflt: literal(p.slice(eq + 1).trim()) };
  });
}

function literal(s: string): Value {
  if (s === 'None') return null;
  if (s === 'True') return true;
  if (s === 'False') return false;
  if (/^".*"$/.test(s)) return s.slice(1, -1);
  if (/^-?\d+$/.test(s)) return parseInt(s, 10);
  return new PyFloat(parseFloat(s));
}

/** Binds constructor arguments to a parsed signature, as Python would (TypeError on mismatch). */
export function bindSig(name: string, sig: ReturnType<typeof parseSig>, pos: Value[], kw: Map<string, Value>, ctx: CallContext): Cfg {
  const c: Cfg = new Map();
  let i = 0;
  for (const p of sig) {
    if (p.star === 1) { c.set(p.name, new PyTuple(pos.slice(i))); i = pos.length; continue; }
    if (p.star === 2) { const d = new PyDict(); for (const [k, v] of kw) if (!c.has(k)) d.set(k, v); c.set(p.name, d); continue; }
    if (i < pos.length) c.set(p.name, pos[i++]);
    else if (kw.has(p.name)) c.set(p.name, kw.get(p.name)!);
    else if (p.dflt !== undefined) c.set(p.name, p.dflt);
    else ctx.raise('TypeError', `${name}.__init__() missing required argument '${p.name}'`);
  }
  if (i < pos.length) ctx.raise('TypeError', `${name}.__init__() takes ${sig.length} positional arguments but ${pos.length} were given`);
  for (const k of kw.keys()) if (!sig.some((p) => p.name === k || p.star === 2)) ctx.raise('TypeError', `${name}.__init__() got an unexpected keyword argument '${k}'`);
  return c;
}

export { PyException, PyClass, isNum, Unknown };
