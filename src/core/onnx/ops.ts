// Traced calls → ONNX nodes (opset 17). Shapes are static (the analysed input), so shape-only
// ops become a Reshape to the known result shape; everything else maps to its ONNX operator.
import type { TArg, TraceNode } from '../python/trace';
import type { DType } from '../python/values';
import { GraphBuilder, ExportError, elemType } from './builder';

type Args = Map<string, TArg>;
type Emit = (b: GraphBuilder, n: TraceNode, a: Args) => string[];

// ---- reading arguments ----
const isNone = (x: TArg | undefined): boolean => x === undefined || 'none' in x;
function tid(x: TArg | undefined, what: string): number {
  if (x && 't' in x) return x.t;
  throw new ExportError(`${what} is not a tensor`);
}
function num(x: TArg | undefined, what: string, dflt?: number): number {
  if (isNone(x)) { if (dflt !== undefined) return dflt; throw new ExportError(`${what} is missing`); }
  if ('i' in x!) return x.i;
  if ('f' in x!) return x.f;
  if ('b' in x!) return x.b ? 1 : 0;
  throw new ExportError(`${what} is not a number`);
}
function ints(x: TArg | undefined, what: string, n?: number): number[] {
  if (x && 'seq' in x) return x.seq.map((y) => num(y, what));
  const v = num(x, what);
  return n ? new Array(n).fill(v) : [v];
}
function str(x: TArg | undefined, dflt: string): string { return x && 's' in x ? x.s : dflt; }
function bool(x: TArg | undefined, dflt: boolean): boolean { return isNone(x) ? dflt : num(x, 'flag') !== 0; }

/** Binds positional arguments to names, then keywords (torch signatures, without `self`). */
export function bindArgs(n: TraceNode, names: string[]): Args {
  const m = new Map<string, TArg>();
  n.args.forEach((x, i) => { if (i < names.length) m.set(names[i], x); });
  for (const [k, v] of n.kw) m.set(k, v);
  if (n.attrs) for (const [k, v] of n.attrs) if (!m.has(k)) m.set(k, v);
  return m;
}

const outIds = (n: TraceNode): number[] => {
  const o = n.out;
  if ('t' in o) return [o.t];
  if ('seq' in o) return o.seq.map((x) => tid(x, 'result'));
  throw new ExportError(`${n.op} returned no tensor`);
};
const outShape = (b: GraphBuilder, n: TraceNode, k = 0): number[] => b.tensor(outIds(n)[k]).shape;
const outType = (b: GraphBuilder, n: TraceNode): DType => b.tensor(outIds(n)[0]).dtype;
const X = (b: GraphBuilder, a: Args, key = 'input'): string => b.value(tid(a.get(key), key));
const rankOf = (b: GraphBuilder, a: Args, key = 'input'): number => b.tensor(tid(a.get(key), key)).shape.length;
const shapeOf = (b: GraphBuilder, a: Args, key = 'input'): number[] => b.tensor(tid(a.get(key), key)).shape;

/** An operand of an elementwise op in the result's dtype (scalars become constants). */
function operand(b: GraphBuilder, x: TArg | undefined, dtype: DType): string {
  if (x && 't' in x) {
    const t = b.tensor(x.t);
    const v = b.value(x.t);
    return t.dtype === dtype ? v : b.node('Cast', [v], { to: elemType(dtype) })[0];
  }
  return b.constOf(dtype, num(x, 'operand'));
}

const reshapeTo = (b: GraphBuilder, x: string, shape: number[]): string[] => b.node('Reshape', [x, b.constI64(shape)]);
const reshape: Emit = (b, n, a) => reshapeTo(b, X(b, a), outShape(b, n));
const unary = (op: string, attrs: (a: Args) => Record<string, number | { float: number }> = () => ({})): Emit =>
  (b, _n, a) => b.node(op, [X(b, a)], attrs(a));
const identity: Emit = (b, _n, a) => b.node('Identity', [X(b, a)]);
const clip = (lo: number | null, hi: number | null, b: GraphBuilder, x: string, dtype: DType = 'float32'): string[] =>
  b.node('Clip', [x, lo === null ? '' : b.constOf(dtype, lo), hi === null ? '' : b.constOf(dtype, hi)]);
const normAxis = (d: number, rank: number): number => (d < 0 ? d + rank : d);

const binOps: Record<string, string> = {
  '+': 'Add', '-': 'Sub', '*': 'Mul', '/': 'Div', '**': 'Pow', '@': 'MatMul', max: 'Max', min: 'Min',
  '==': 'Equal', '<': 'Less', '>': 'Greater', '<=': 'LessOrEqual', '>=': 'GreaterOrEqual',
};
function binary(op: string): Emit {
  return (b, n, a) => {
    const x = a.get('input'), y = a.get('other');
    const cmp = ['==', '<', '>', '<=', '>=', '!='].includes(op);
    // Comparisons compute in the inputs' type; arithmetic in the result's.
    const dt: DType = cmp ? ((x && 't' in x ? b.tensor(x.t).dtype : null) ?? (y && 't' in y ? b.tensor(y.t).dtype : 'float32')) : outType(b, n);
    let yv = operand(b, y, dt);
    const alpha = a.get('alpha');
    if (!isNone(alpha) && num(alpha, 'alpha') !== 1) yv = b.node('Mul', [yv, b.constOf(dt, num(alpha, 'alpha'))])[0];
    const xv = operand(b, x, dt);
    if (op === '!=') return b.node('Not', b.node('Equal', [xv, yv]));
    if (op === '//') {
      const q = b.node('Div', [xv, yv]);
      return dt === 'float32' || dt === 'float64' ? b.node('Floor', q) : q;
    }
    const onnxOp = binOps[op];
    if (!onnxOp) throw new ExportError(`operator ${op} is not exported`);
    return b.node(onnxOp, [xv, yv]);
  };
}

function gelu(b: GraphBuilder, x: string, approximate: string): string[] {
  if (approximate === 'tanh') {
    // 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))
    const x3 = b.node('Mul', [b.node('Mul', [x, x])[0], x])[0];
    const inner = b.node('Mul', [b.node('Add', [x, b.node('Mul', [x3, b.constOf('float32', 0.044715)])[0]])[0], b.constOf('float32', Math.sqrt(2 / Math.PI))])[0];
    const t = b.node('Add', [b.node('Tanh', [inner])[0], b.constOf('float32', 1)])[0];
    return b.node('Mul', [b.node('Mul', [x, t])[0], b.constOf('float32', 0.5)]);
  }
  const e = b.node('Erf', [b.node('Div', [x, b.constOf('float32', Math.SQRT2)])[0]])[0];
  const t = b.node('Add', [e, b.constOf('float32', 1)])[0];
  return b.node('Mul', [b.node('Mul', [x, t])[0], b.constOf('float32', 0.5)]);
}
const silu = (b: GraphBuilder, x: string): string[] => b.node('Mul', [x, b.node('Sigmoid', [x])[0]]);
const mish = (b: GraphBuilder, x: string): string[] => b.node('Mul', [x, b.node('Tanh', [b.node('Softplus', [x])[0]])[0]]);

// ---- layers (leaf modules and F.* calls configured like them) ----
function convLike(b: GraphBuilder, n: TraceNode, a: Args, transposed: boolean): string[] {
  const x = tid(a.get('input') ?? n.args[0], 'input');
  const nd = b.tensor(x).shape.length - 2;
  if (nd < 1) throw new ExportError(`${n.op}: unbatched inputs are not exported`);
  const k = ints(a.get('kernel_size'), 'kernel_size', nd);
  const pad = a.get('padding');
  const dil = ints(a.get('dilation'), 'dilation', nd);
  let pads: number[];
  if (pad && 's' in pad) {
    if (pad.s === 'valid') pads = new Array(2 * nd).fill(0);
    else {
      // 'same': torch puts the odd extra padding at the end.
      const tot = k.map((kk, i) => dil[i] * (kk - 1));
      pads = [...tot.map((t) => Math.floor(t / 2)), ...tot.map((t) => t - Math.floor(t / 2))];
    }
  } else { const p = ints(pad, 'padding', nd); pads = [...p, ...p]; }
  let xin = b.value(x);
  const mode = str(a.get('padding_mode'), 'zeros');
  if (mode !== 'zeros') {
    if (mode === 'circular') throw new ExportError(`${n.op}: padding_mode='circular' is not exported`);
    const full = [0, 0, ...pads.slice(0, nd), 0, 0, ...pads.slice(nd)];
    xin = b.node('Pad', [xin, b.constI64(full)], { mode: mode === 'reflect' ? 'reflect' : 'edge' })[0];
    pads = new Array(2 * nd).fill(0);
  }
  const w = b.value(tid(a.get('weight'), 'weight'));
  const bias = a.get('bias');
  const ins = [xin, w, ...(isNone(bias) ? [] : [b.value(tid(bias, 'bias'))])];
  const attrs: Record<string, number[] | number> = {
    kernel_shape: k, strides: ints(a.get('stride'), 'stride', nd), pads, dilations: dil, group: num(a.get('groups'), 'groups', 1),
  };
  if (transposed) {
    attrs.output_padding = ints(a.get('output_padding'), 'output_padding', nd);
    // An explicit output_size makes the padding implicit: ask for that shape.
    attrs.output_shape = outShape(b, n).slice(2);
    delete attrs.pads;
    const p = ints(pad, 'padding', nd);
    if (p.some((v) => v)) { attrs.pads = [...p, ...p]; delete attrs.output_shape; }
  }
  return b.node(transposed ? 'ConvTranspose' : 'Conv', ins, attrs);
}

function linear(b: GraphBuilder, x: string, rank: number, w: number, bias: TArg | undefined): string[] {
  const wt = b.value(w);
  if (rank === 2) return b.node('Gemm', [x, wt, ...(isNone(bias) ? [] : [b.value(tid(bias, 'bias'))])], { transB: 1 });
  const y = b.node('MatMul', [x, b.node('Transpose', [wt], { perm: [1, 0] })[0]]);
  return isNone(bias) ? y : b.node('Add', [y[0], b.value(tid(bias, 'bias'))]);
}

function pool(kind: 'max' | 'avg'): Emit {
  return (b, n, a) => {
    const nd = rankOf(b, a) - 2;
    const k = ints(a.get('kernel_size'), 'kernel_size', nd);
    const s = isNone(a.get('stride')) ? k : ints(a.get('stride'), 'stride', nd);
    const p = ints(a.get('padding'), 'padding', nd);
    const attrs: Record<string, number | number[]> = { kernel_shape: k, strides: s, pads: [...p, ...p], ceil_mode: bool(a.get('ceil_mode'), false) ? 1 : 0 };
    if (kind === 'max') {
      if (bool(a.get('return_indices'), false)) throw new ExportError(`${n.op}(return_indices=True) is not exported`);
      attrs.dilations = ints(a.get('dilation'), 'dilation', nd);
      return b.node('MaxPool', [X(b, a)], attrs);
    }
    if (!isNone(a.get('divisor_override'))) throw new ExportError(`${n.op}(divisor_override=...) is not exported`);
    attrs.count_include_pad = bool(a.get('count_include_pad'), true) ? 1 : 0;
    return b.node('AveragePool', [X(b, a)], attrs);
  };
}

function adaptive(kind: 'max' | 'avg'): Emit {
  return (b, n, a) => {
    const inS = shapeOf(b, a), outS = outShape(b, n);
    const nd = inS.length - 2;
    const sp = inS.slice(2), op = outS.slice(2);
    if (op.every((o) => o === 1)) return b.node(kind === 'avg' ? 'GlobalAveragePool' : 'GlobalMaxPool', [X(b, a)]);
    if (sp.every((d, i) => d % op[i] === 0)) {
      const k = sp.map((d, i) => d / op[i]);
      return b.node(kind === 'avg' ? 'AveragePool' : 'MaxPool', [X(b, a)], { kernel_shape: k, strides: k, pads: new Array(2 * nd).fill(0) });
    }
    throw new ExportError(`${n.op}: output size ${op.join('×')} does not divide input ${sp.join('×')} (no ONNX equivalent)`);
  };
}

function norm(kind: 'batch' | 'instance'): Emit {
  return (b, n, a) => {
    const x = X(b, a);
    const c = shapeOf(b, a)[1];
    const w = isNone(a.get('weight')) ? b.constOf('float32', 1, [c]) : b.value(tid(a.get('weight'), 'weight'));
    const bias = isNone(a.get('bias')) ? b.constOf('float32', 0, [c]) : b.value(tid(a.get('bias'), 'bias'));
    const eps = { float: num(a.get('eps'), 'eps', 1e-5) };
    if (kind === 'instance' || isNone(a.get('running_mean'))) {
      if (kind === 'batch') throw new ExportError(`${n.op} without running statistics normalises over the batch (not exported)`);
      return b.node('InstanceNormalization', [x, w, bias], { epsilon: eps });
    }
    return b.node('BatchNormalization', [x, w, bias, b.value(tid(a.get('running_mean'), 'running_mean')), b.value(tid(a.get('running_var'), 'running_var'))], { epsilon: eps });
  };
}

const groupNorm: Emit = (b, n, a) => {
  const s = shapeOf(b, a);
  const g = num(a.get('num_groups'), 'num_groups');
  const r = b.node('Reshape', [X(b, a), b.constI64([s[0], g, -1])])[0];
  const nn = b.node('InstanceNormalization', [r, b.constOf('float32', 1, [g]), b.constOf('float32', 0, [g])], { epsilon: { float: num(a.get('eps'), 'eps', 1e-5) } })[0];
  let y = reshapeTo(b, nn, s)[0];
  const bc = [s[1], ...s.slice(2).map(() => 1)];
  if (!isNone(a.get('weight'))) y = b.node('Mul', [y, reshapeTo(b, b.value(tid(a.get('weight'), 'weight')), bc)[0]])[0];
  if (!isNone(a.get('bias'))) y = b.node('Add', [y, reshapeTo(b, b.value(tid(a.get('bias'), 'bias')), bc)[0]])[0];
  return [y];
};

const layerNorm: Emit = (b, _n, a) => {
  const s = shapeOf(b, a);
  const ns = ints(a.get('normalized_shape'), 'normalized_shape');
  const w = isNone(a.get('weight')) ? b.constOf('float32', 1, ns) : b.value(tid(a.get('weight'), 'weight'));
  const bias = isNone(a.get('bias')) ? b.constOf('float32', 0, ns) : b.value(tid(a.get('bias'), 'bias'));
  return b.node('LayerNormalization', [X(b, a), w, bias], { axis: s.length - ns.length, epsilon: { float: num(a.get('eps'), 'eps', 1e-5) } });
};

function resize(b: GraphBuilder, n: TraceNode, x: string, mode: string, alignCorners: boolean): string[] {
  const out = outShape(b, n);
  const m = mode === 'nearest' ? 'nearest' : mode === 'bicubic' ? 'cubic' : 'linear';
  const attrs: Record<string, string | number | { float: number }> = {
    mode: m,
    coordinate_transformation_mode: m === 'nearest' ? 'asymmetric' : alignCorners ? 'align_corners' : 'pytorch_half_pixel',
  };
  if (m === 'nearest') attrs.nearest_mode = 'floor';
  if (m === 'cubic') attrs.cubic_coeff_a = { float: -0.75 };
  return b.node('Resize', [x, '', '', b.constI64(out)], attrs);
}

/** torch's pad list (last dim first, before/after pairs) → ONNX pads for every dim. */
function padList(p: number[], rank: number): number[] {
  const begin = new Array(rank).fill(0), end = new Array(rank).fill(0);
  for (let i = 0; i < p.length / 2; i++) { begin[rank - 1 - i] = p[2 * i]; end[rank - 1 - i] = p[2 * i + 1]; }
  return [...begin, ...end];
}
function pad(b: GraphBuilder, x: string, rank: number, p: number[], mode: string, value: number): string[] {
  const m = mode === 'constant' ? 'constant' : mode === 'reflect' ? 'reflect' : mode === 'replicate' ? 'edge' : null;
  if (!m) throw new ExportError(`padding mode '${mode}' is not exported`);
  if (p.some((v) => v < 0)) throw new ExportError('negative padding is not exported');
  return b.node('Pad', [x, b.constI64(padList(p, rank)), ...(m === 'constant' ? [b.constOf('float32', value)] : [])], { mode: m });
}

/** pixel_shuffle / pixel_unshuffle / channel_shuffle as exact reshape-transpose-reshape. */
function shuffle(b: GraphBuilder, n: TraceNode, x: string, inS: number[], kind: 'up' | 'down' | 'channel', r: number): string[] {
  const [N, C, H, W] = inS;
  if (inS.length !== 4) throw new ExportError(`${n.op}: only 4-d inputs are exported`);
  if (kind === 'channel') {
    const t = b.node('Transpose', reshapeTo(b, x, [N, r, C / r, H, W]), { perm: [0, 2, 1, 3, 4] })[0];
    return reshapeTo(b, t, outShape(b, n));
  }
  if (kind === 'up') {
    const t = b.node('Transpose', reshapeTo(b, x, [N, C / (r * r), r, r, H, W]), { perm: [0, 1, 4, 2, 5, 3] })[0];
    return reshapeTo(b, t, outShape(b, n));
  }
  const t = b.node('Transpose', reshapeTo(b, x, [N, C, H / r, r, W / r, r]), { perm: [0, 1, 3, 5, 2, 4] })[0];
  return reshapeTo(b, t, outShape(b, n));
}

const act = (f: (b: GraphBuilder, x: string, a: Args, n: TraceNode) => string[]): Emit => (b, n, a) => f(b, X(b, a), a, n);

/** ONNX emitters of the leaf modules, by catalogue name (core/catalogue/layers.ts; also F.* calls that ran a layer's rule). */
export const LAYER: Record<string, Emit> = {
  Conv1d: (b, n, a) => convLike(b, n, a, false), Conv2d: (b, n, a) => convLike(b, n, a, false), Conv3d: (b, n, a) => convLike(b, n, a, false),
  ConvTranspose1d: (b, n, a) => convLike(b, n, a, true), ConvTranspose2d: (b, n, a) => convLike(b, n, a, true), ConvTranspose3d: (b, n, a) => convLike(b, n, a, true),
  Linear: (b, _n, a) => linear(b, X(b, a), rankOf(b, a), tid(a.get('weight'), 'weight'), a.get('bias')),
  LazyLinear: (b, _n, a) => linear(b, X(b, a), rankOf(b, a), tid(a.get('weight'), 'weight'), a.get('bias')),
  Identity: identity,
  BatchNorm1d: norm('batch'), BatchNorm2d: norm('batch'), BatchNorm3d: norm('batch'), SyncBatchNorm: norm('batch'),
  InstanceNorm1d: norm('instance'), InstanceNorm2d: norm('instance'), InstanceNorm3d: norm('instance'),
  GroupNorm: groupNorm, LayerNorm: layerNorm,
  LocalResponseNorm: act((b, x, a) => b.node('LRN', [x], { size: num(a.get('size'), 'size'), alpha: { float: num(a.get('alpha'), 'alpha', 1e-4) }, beta: { float: num(a.get('beta'), 'beta', 0.75) }, bias: { float: num(a.get('k'), 'k', 1) } })),
  ReLU: unary('Relu'), ReLU6: act((b, x) => clip(0, 6, b, x)), SiLU: act((b, x) => silu(b, x)), Mish: act((b, x) => mish(b, x)),
  Hardswish: unary('HardSwish'), Hardsigmoid: unary('HardSigmoid', () => ({ alpha: { float: 1 / 6 }, beta: { float: 0.5 } })),
  SELU: unary('Selu'), Sigmoid: unary('Sigmoid'), Tanh: unary('Tanh'), Softsign: unary('Softsign'),
  Tanhshrink: act((b, x) => b.node('Sub', [x, b.node('Tanh', [x])[0]])),
  LogSigmoid: act((b, x) => b.node('Neg', b.node('Softplus', b.node('Neg', [x])))),
  GELU: act((b, x, a) => gelu(b, x, str(a.get('approximate'), 'none'))),
  LeakyReLU: unary('LeakyRelu', (a) => ({ alpha: { float: num(a.get('negative_slope'), 'negative_slope', 0.01) } })),
  ELU: unary('Elu', (a) => ({ alpha: { float: num(a.get('alpha'), 'alpha', 1) } })),
  CELU: unary('Celu', (a) => ({ alpha: { float: num(a.get('alpha'), 'alpha', 1) } })),
  Softplus: act((b, x, a) => {
    const beta = num(a.get('beta'), 'beta', 1);
    if (beta === 1) return b.node('Softplus', [x]);
    const y = b.node('Softplus', b.node('Mul', [x, b.constOf('float32', beta)]))[0];
    return b.node('Div', [y, b.constOf('float32', beta)]);
  }),
  Hardtanh: act((b, x, a) => clip(num(a.get('min_val'), 'min_val', -1), num(a.get('max_val'), 'max_val', 1), b, x)),
  Threshold: act((b, x, a) => b.node('Where', [b.node('Greater', [x, b.constOf('float32', num(a.get('threshold'), 'threshold'))])[0], x, b.constOf('float32', num(a.get('value'), 'value'))])),
  Hardshrink: unary('Shrink', (a) => ({ lambd: { float: num(a.get('lambd'), 'lambd', 0.5) } })),
  Softshrink: unary('Shrink', (a) => ({ lambd: { float: num(a.get('lambd'), 'lambd', 0.5) }, bias: { float: num(a.get('lambd'), 'lambd', 0.5) } })),
  Softmax: (b, _n, a) => b.node('Softmax', [X(b, a)], { axis: softmaxAxis(a, rankOf(b, a)) }),
  LogSoftmax: (b, _n, a) => b.node('LogSoftmax', [X(b, a)], { axis: softmaxAxis(a, rankOf(b, a)) }),
  Softmin: (b, _n, a) => b.node('Softmax', b.node('Neg', [X(b, a)]), { axis: softmaxAxis(a, rankOf(b, a)) }),
  Softmax2d: (b, _n, a) => b.node('Softmax', [X(b, a)], { axis: rankOf(b, a) - 3 }),
  PReLU: (b, _n, a) => {
    const r = rankOf(b, a);
    const w = b.value(tid(a.get('weight'), 'weight'));
    const c = b.tensor(tid(a.get('weight'), 'weight')).shape[0];
    const slope = r >= 2 && c > 1 ? reshapeTo(b, w, [c, ...new Array(r - 2).fill(1)])[0] : w;
    return b.node('PRelu', [X(b, a), slope]);
  },
  GLU: (b, _n, a) => glu(b, X(b, a), num(a.get('dim'), 'dim', -1), rankOf(b, a)),
  Dropout: identity, Dropout1d: identity, Dropout2d: identity, Dropout3d: identity, AlphaDropout: identity, FeatureAlphaDropout: identity,
  MaxPool1d: pool('max'), MaxPool2d: pool('max'), MaxPool3d: pool('max'),
  AvgPool1d: pool('avg'), AvgPool2d: pool('avg'), AvgPool3d: pool('avg'),
  AdaptiveAvgPool1d: adaptive('avg'), AdaptiveAvgPool2d: adaptive('avg'), AdaptiveAvgPool3d: adaptive('avg'),
  AdaptiveMaxPool1d: adaptive('max'), AdaptiveMaxPool2d: adaptive('max'), AdaptiveMaxPool3d: adaptive('max'),
  Flatten: reshape, Unflatten: reshape,
  Upsample: (b, n, a) => resize(b, n, X(b, a), str(a.get('mode'), 'nearest'), bool(a.get('align_corners'), false)),
  UpsamplingNearest2d: (b, n, a) => resize(b, n, X(b, a), 'nearest', false),
  UpsamplingBilinear2d: (b, n, a) => resize(b, n, X(b, a), 'bilinear', true),
  PixelShuffle: (b, n, a) => shuffle(b, n, X(b, a), shapeOf(b, a), 'up', num(a.get('upscale_factor'), 'upscale_factor')),
  PixelUnshuffle: (b, n, a) => shuffle(b, n, X(b, a), shapeOf(b, a), 'down', num(a.get('downscale_factor'), 'downscale_factor')),
  ChannelShuffle: (b, n, a) => shuffle(b, n, X(b, a), shapeOf(b, a), 'channel', num(a.get('groups'), 'groups')),
  ZeroPad2d: (b, _n, a) => pad(b, X(b, a), rankOf(b, a), ints(a.get('padding'), 'padding', 4), 'constant', 0),
  ConstantPad1d: (b, _n, a) => pad(b, X(b, a), rankOf(b, a), ints(a.get('padding'), 'padding', 2), 'constant', num(a.get('value'), 'value', 0)),
  ConstantPad2d: (b, _n, a) => pad(b, X(b, a), rankOf(b, a), ints(a.get('padding'), 'padding', 4), 'constant', num(a.get('value'), 'value', 0)),
  ConstantPad3d: (b, _n, a) => pad(b, X(b, a), rankOf(b, a), ints(a.get('padding'), 'padding', 6), 'constant', num(a.get('value'), 'value', 0)),
  ReflectionPad1d: (b, _n, a) => pad(b, X(b, a), rankOf(b, a), ints(a.get('padding'), 'padding', 2), 'reflect', 0),
  ReflectionPad2d: (b, _n, a) => pad(b, X(b, a), rankOf(b, a), ints(a.get('padding'), 'padding', 4), 'reflect', 0),
  ReplicationPad1d: (b, _n, a) => pad(b, X(b, a), rankOf(b, a), ints(a.get('padding'), 'padding', 2), 'replicate', 0),
  ReplicationPad2d: (b, _n, a) => pad(b, X(b, a), rankOf(b, a), ints(a.get('padding'), 'padding', 4), 'replicate', 0),
  ReplicationPad3d: (b, _n, a) => pad(b, X(b, a), rankOf(b, a), ints(a.get('padding'), 'padding', 6), 'replicate', 0),
  Embedding: (b, _n, a) => b.node('Gather', [b.value(tid(a.get('weight'), 'weight')), X(b, a)]),
  MultiheadAttention: (b, n, a) => attention(b, n, a),
};

/** torch's multi_head_attention_forward (packed q/k/v projections, no masks) in plain ops. */
const attention: Emit = (b, n, a) => {
  const F = ['query', 'key', 'value', 'key_padding_mask', 'need_weights', 'attn_mask', 'average_attn_weights'];
  const f = new Map<string, TArg>();
  n.args.forEach((x, i) => f.set(F[i], x));
  for (const [k, v] of n.kw) f.set(k, v);
  const E = num(a.get('embed_dim'), 'embed_dim'), H = num(a.get('num_heads'), 'num_heads'), D = E / H;
  if (!bool(a.get('_qkv_same_embed_dim'), true)) throw new ExportError('MultiheadAttention with kdim/vdim other than embed_dim is not exported yet');
  if (!isNone(a.get('bias_k')) || bool(a.get('add_zero_attn'), false)) throw new ExportError('MultiheadAttention with add_bias_kv/add_zero_attn is not exported yet');
  if (!isNone(f.get('key_padding_mask')) || !isNone(f.get('attn_mask'))) throw new ExportError('MultiheadAttention masks are not exported yet');
  const bf = bool(a.get('batch_first'), false);
  const ids = ['query', 'key', 'value'].map((k) => tid(f.get(k), k));
  if (ids.some((id) => b.tensor(id).shape.length !== 3)) throw new ExportError('unbatched MultiheadAttention inputs are not exported');
  const nle = (id: number) => (bf ? b.value(id) : b.node('Transpose', [b.value(id)], { perm: [1, 0, 2] })[0]);
  const shape = (id: number) => { const s = b.tensor(id).shape; return bf ? s : [s[1], s[0], s[2]]; };
  const [N, L] = shape(ids[0]);
  const S = shape(ids[1])[1];
  const w = b.node('Split', [b.value(tid(a.get('in_proj_weight'), 'in_proj_weight')), b.constI64([E, E, E])], { axis: 0 }, 3);
  const bias = isNone(a.get('in_proj_bias')) ? null : b.node('Split', [b.value(tid(a.get('in_proj_bias'), 'in_proj_bias')), b.constI64([E, E, E])], { axis: 0 }, 3);
  const proj = (x: string, i: number) => {
    const y = b.node('MatMul', [x, b.node('Transpose', [w[i]], { perm: [1, 0] })[0]])[0];
    return bias ? b.node('Add', [y, bias[i]])[0] : y;
  };
  const heads = (x: string, len: number, perm: number[]) => b.node('Transpose', reshapeTo(b, x, [N, len, H, D]), { perm })[0];
  const q = heads(proj(nle(ids[0]), 0), L, [0, 2, 1, 3]);
  const k = heads(proj(nle(ids[1]), 1), S, [0, 2, 3, 1]);
  const v = heads(proj(nle(ids[2]), 2), S, [0, 2, 1, 3]);
  const scores = b.node('Mul', [b.node('MatMul', [q, k])[0], b.constOf('float32', 1 / Math.sqrt(D))])[0];
  const p = b.node('Softmax', [scores], { axis: 3 })[0];
  const o = reshapeTo(b, b.node('Transpose', b.node('MatMul', [p, v]), { perm: [0, 2, 1, 3] })[0], [N, L, E])[0];
  let out = linear(b, o, 3, tid(a.get('out_proj.weight'), 'out_proj.weight'), a.get('out_proj.bias'))[0];
  if (!bf) out = b.node('Transpose', [out], { perm: [1, 0, 2] })[0];
  const results = 'seq' in n.out ? n.out.seq.filter((x) => 't' in x) : [n.out];
  if (results.length === 1) return [out];
  const avg = bool(f.get('average_attn_weights'), true);
  return [out, avg ? b.node('ReduceMean', [p], { axes: [1], keepdims: 0 })[0] : p];
};

function softmaxAxis(a: Args, rank: number): number {
  const d = a.get('dim');
  // dim=None: torch's legacy choice (0 for ranks 0, 1 and 3, else 1).
  if (isNone(d)) return rank === 0 || rank === 1 || rank === 3 ? 0 : 1;
  return normAxis(num(d, 'dim'), rank);
}

function glu(b: GraphBuilder, x: string, dim: number, rank: number): string[] {
  const [p, q] = b.node('Split', [x], { axis: normAxis(dim, rank) }, 2);
  return b.node('Mul', [p, b.node('Sigmoid', [q])[0]]);
}

// ---- torch.*, Tensor.*, F.* and operators, by their short name ----
const SIG: Record<string, string[]> = {
  softmax: ['input', 'dim'], log_softmax: ['input', 'dim'], cat: ['tensors', 'dim'], concat: ['tensors', 'dim'], stack: ['tensors', 'dim'],
  chunk: ['input', 'chunks', 'dim'], split: ['input', 'split_size_or_sections', 'dim'], unbind: ['input', 'dim'],
  transpose: ['input', 'dim0', 'dim1'], swapaxes: ['input', 'dim0', 'dim1'], mean: ['input', 'dim', 'keepdim'], sum: ['input', 'dim', 'keepdim'],
  amax: ['input', 'dim', 'keepdim'], amin: ['input', 'dim', 'keepdim'], clamp: ['input', 'min', 'max'], clip: ['input', 'min', 'max'],
  clamp_: ['input', 'min', 'max'], clamp_min: ['input', 'min'], pow: ['input', 'exponent'], matmul: ['input', 'other'], mm: ['input', 'other'], bmm: ['input', 'other'],
  leaky_relu: ['input', 'negative_slope'], leaky_relu_: ['input', 'negative_slope'], elu: ['input', 'alpha'], celu: ['input', 'alpha'],
  hardtanh: ['input', 'min_val', 'max_val'], gelu: ['input', 'approximate'], softplus: ['input', 'beta', 'threshold'],
  layer_norm: ['input', 'normalized_shape', 'weight', 'bias', 'eps'], group_norm: ['input', 'num_groups', 'weight', 'bias', 'eps'],
  batch_norm: ['input', 'running_mean', 'running_var', 'weight', 'bias', 'training', 'momentum', 'eps'],
  instance_norm: ['input', 'running_mean', 'running_var', 'weight', 'bias', 'use_input_stats', 'momentum', 'eps'],
  normalize: ['input', 'p', 'dim', 'eps'], pad: ['input', 'pad', 'mode', 'value'],
  interpolate: ['input', 'size', 'scale_factor', 'mode', 'align_corners'], upsample: ['input', 'size', 'scale_factor', 'mode', 'align_corners'],
  linear: ['input', 'weight', 'bias'], embedding: ['input', 'weight'], pixel_shuffle: ['input', 'upscale_factor'], pixel_unshuffle: ['input', 'downscale_factor'],
  channel_shuffle: ['input', 'groups'], glu: ['input', 'dim'], where: ['condition', 'input', 'other'], masked_fill: ['input', 'mask', 'value'],
  masked_fill_: ['input', 'mask', 'value'], einsum: ['equation'], to: ['input', 'dtype'], type: ['input', 'dtype'], expand: ['input'], repeat: ['input'],
  permute: ['input'], prelu: ['input', 'weight'], threshold: ['input', 'threshold', 'value'], dropout: ['input', 'p', 'training'],
  new_full: ['input', 'size', 'fill_value'], full_like: ['input', 'fill_value'],
  prod: ['input', 'dim', 'keepdim'], logsumexp: ['input', 'dim', 'keepdim'], norm: ['input', 'p', 'dim', 'keepdim'],
  var: ['input', 'dim', 'unbiased', 'keepdim'], std: ['input', 'dim', 'unbiased', 'keepdim'], max: ['input', 'dim', 'keepdim'],
  min: ['input', 'dim', 'keepdim'], argmax: ['input', 'dim', 'keepdim'], argmin: ['input', 'dim', 'keepdim'],
  narrow: ['input', 'dim', 'start', 'length'], flip: ['input', 'dims'], roll: ['input', 'shifts', 'dims'],
};
const BIN: Record<string, string> = {
  add: '+', add_: '+', sub: '-', sub_: '-', subtract: '-', mul: '*', mul_: '*', multiply: '*', div: '/', div_: '/', divide: '/', true_divide: '/',
  floor_divide: '//', pow: '**', matmul: '@', mm: '@', bmm: '@', maximum: 'max', minimum: 'min', eq: '==', ne: '!=', lt: '<', le: '<=', gt: '>', ge: '>=',
};
const UNARY: Record<string, string> = {
  relu: 'Relu', relu_: 'Relu', sigmoid: 'Sigmoid', sigmoid_: 'Sigmoid', tanh: 'Tanh', exp: 'Exp', log: 'Log', sqrt: 'Sqrt', abs: 'Abs', neg: 'Neg',
  floor: 'Floor', ceil: 'Ceil', sign: 'Sign', sin: 'Sin', cos: 'Cos', erf: 'Erf', round: 'Round', hardswish: 'HardSwish', selu: 'Selu',
  softsign: 'Softsign', logical_not: 'Not',
};
const SAME = new Set(['contiguous', 'clone', 'detach', 'cpu', 'cuda', 'requires_grad_', 'dropout', 'dropout1d', 'dropout2d', 'dropout3d', 'alpha_dropout', 'feature_alpha_dropout', 'data']);
const SHAPE = new Set(['view', 'reshape', 'flatten', 'unflatten', 'squeeze', 'unsqueeze', 'view_as', 'reshape_as', 'ravel']);
const CASTS: Record<string, DType> = { float: 'float32', double: 'float64', long: 'int64', int: 'int32', bool: 'bool' };
const LIKE = new Set(['zeros_like', 'ones_like', 'full_like', 'empty_like', 'rand_like', 'randn_like', 'new_zeros', 'new_ones', 'new_full', 'new_empty']);

function fn(name: string): Emit | null {
  if (BIN[name]) return binary(BIN[name]);
  if (UNARY[name]) return unary(UNARY[name]);
  if (SAME.has(name)) return identity;
  if (SHAPE.has(name)) return reshape;
  if (CASTS[name]) return (b, _n, a) => castTo(b, X(b, a), b.tensor(tid(a.get('input'), 'input')).dtype, CASTS[name]);
  if (LIKE.has(name)) {
    return (b, n, a) => {
      const dt = outType(b, n), s = outShape(b, n);
      if (name.includes('zeros') || name === 'empty_like' || name === 'new_empty') return b.node('Identity', [b.constOf(dt, 0, s)]);
      if (name.includes('ones')) return b.node('Identity', [b.constOf(dt, 1, s)]);
      if (name.includes('full')) return b.node('Identity', [b.constOf(dt, num(a.get('fill_value'), 'fill_value'), s)]);
      return b.node('Identity', [b.randomOf(dt, s)]);
    };
  }
  return FN[name] ?? null;
}

function castTo(b: GraphBuilder, x: string, from: DType, to: DType): string[] {
  return from === to ? b.node('Identity', [x]) : b.node('Cast', [x], { to: elemType(to) });
}

function reduceAxes(a: Args, rank: number): number[] | null {
  const d = a.get('dim');
  if (isNone(d)) return null;
  return ints(d, 'dim').map((x) => normAxis(x, rank));
}

const FN: Record<string, Emit> = {
  // Same arguments as the layers (input, then the layer's attribute names).
  softmax: LAYER.Softmax, log_softmax: LAYER.LogSoftmax,
  silu: act((b, x) => silu(b, x)), mish: act((b, x) => mish(b, x)),
  gelu: act((b, x, a) => gelu(b, x, str(a.get('approximate'), 'none'))),
  relu6: act((b, x) => clip(0, 6, b, x)), hardsigmoid: LAYER.Hardsigmoid, leaky_relu: LAYER.LeakyReLU, leaky_relu_: LAYER.LeakyReLU,
  elu: LAYER.ELU, celu: LAYER.CELU, softplus: LAYER.Softplus, hardtanh: LAYER.Hardtanh, logsigmoid: LAYER.LogSigmoid, tanhshrink: LAYER.Tanhshrink,
  threshold: LAYER.Threshold, prelu: LAYER.PReLU,
  rsqrt: act((b, x) => b.node('Reciprocal', b.node('Sqrt', [x]))),
  clamp: (b, n, a) => clip(isNone(a.get('min')) ? null : num(a.get('min'), 'min'), isNone(a.get('max')) ? null : num(a.get('max'), 'max'), b, X(b, a), outType(b, n)),
  clamp_min: (b, n, a) => clip(num(a.get('min'), 'min'), null, b, X(b, a), outType(b, n)),
  cat: (b, n, a) => {
    const xs = a.get('tensors');
    if (!xs || !('seq' in xs)) throw new ExportError('torch.cat of a non-sequence');
    const rank = outShape(b, n).length;
    const dt = outType(b, n);
    return b.node('Concat', xs.seq.map((x) => operand(b, x, dt)), { axis: normAxis(num(a.get('dim'), 'dim', 0), rank) });
  },
  stack: (b, n, a) => {
    const xs = a.get('tensors');
    if (!xs || !('seq' in xs)) throw new ExportError('torch.stack of a non-sequence');
    const rank = outShape(b, n).length;
    const axis = normAxis(num(a.get('dim'), 'dim', 0), rank);
    const us = xs.seq.map((x) => b.node('Unsqueeze', [b.value(tid(x, 'tensor')), b.constI64([axis])])[0]);
    return b.node('Concat', us, { axis });
  },
  chunk: (b, n, a) => splitLike(b, n, a, false), split: (b, n, a) => splitLike(b, n, a, false), unbind: (b, n, a) => splitLike(b, n, a, true),
  permute: (b, _n, a) => {
    const dims = n2dims(a, _n);
    return b.node('Transpose', [X(b, a)], { perm: dims.map((d) => normAxis(d, dims.length)) });
  },
  transpose: (b, _n, a) => transpose(b, X(b, a), rankOf(b, a), num(a.get('dim0'), 'dim0'), num(a.get('dim1'), 'dim1')),
  swapaxes: (b, _n, a) => transpose(b, X(b, a), rankOf(b, a), num(a.get('dim0'), 'dim0'), num(a.get('dim1'), 'dim1')),
  t: (b, _n, a) => transpose(b, X(b, a), rankOf(b, a), 0, rankOf(b, a) - 1),
  T: (b, _n, a) => b.node('Transpose', [X(b, a)], { perm: Array.from({ length: rankOf(b, a) }, (_, i) => rankOf(b, a) - 1 - i) }),
  mT: (b, _n, a) => transpose(b, X(b, a), rankOf(b, a), -2, -1),
  expand: (b, n, a) => b.node('Expand', [X(b, a), b.constI64(outShape(b, n))]),
  expand_as: (b, n, a) => b.node('Expand', [X(b, a), b.constI64(outShape(b, n))]),
  repeat: (b, n, a) => {
    const inS = shapeOf(b, a), out = outShape(b, n);
    const padded = [...new Array(out.length - inS.length).fill(1), ...inS];
    const x = padded.length === inS.length ? X(b, a) : reshapeTo(b, X(b, a), padded)[0];
    return b.node('Tile', [x, b.constI64(out.map((o, i) => o / padded[i]))]);
  },
  mean: reduce('ReduceMean'), amax: reduce('ReduceMax'), amin: reduce('ReduceMin'),
  sum: (b, n, a) => {
    const axes = reduceAxes(a, rankOf(b, a));
    return b.node('ReduceSum', [X(b, a), ...(axes ? [b.constI64(axes)] : [])], { keepdims: bool(a.get('keepdim'), false) ? 1 : 0 });
  },
  where: (b, n, a) => b.node('Where', [b.value(tid(a.get('condition'), 'condition')), operand(b, a.get('input'), outType(b, n)), operand(b, a.get('other'), outType(b, n))]),
  masked_fill: (b, n, a) => b.node('Where', [b.value(tid(a.get('mask'), 'mask')), operand(b, a.get('value'), outType(b, n)), X(b, a)]),
  masked_fill_: (b, n, a) => b.node('Where', [b.value(tid(a.get('mask'), 'mask')), operand(b, a.get('value'), outType(b, n)), X(b, a)]),
  einsum: (b, n, a) => {
    const eq = a.get('equation');
    if (!eq || !('s' in eq)) throw new ExportError('einsum equation is not a string');
    const ops = n.args.slice(1).flatMap((x) => ('seq' in x ? x.seq : [x]));
    return b.node('Einsum', ops.map((x) => b.value(tid(x, 'operand'))), { equation: eq.s.replace(/\s+/g, '') });
  },
  to: (b, n, a) => castTo(b, X(b, a), b.tensor(tid(a.get('input'), 'input')).dtype, outType(b, n)),
  type: (b, n, a) => castTo(b, X(b, a), b.tensor(tid(a.get('input'), 'input')).dtype, outType(b, n)),
  type_as: (b, n, a) => castTo(b, X(b, a), b.tensor(tid(a.get('input'), 'input')).dtype, outType(b, n)),
  layer_norm: layerNorm, group_norm: groupNorm, batch_norm: norm('batch'), instance_norm: norm('instance'),
  normalize: (b, _n, a) => {
    const p = num(a.get('p'), 'p', 2);
    if (p !== 2 && p !== 1) throw new ExportError(`F.normalize(p=${p}) is not exported`);
    const axis = normAxis(num(a.get('dim'), 'dim', 1), rankOf(b, a));
    const x = X(b, a);
    const nrm = b.node(p === 2 ? 'ReduceL2' : 'ReduceL1', [x], { axes: [axis], keepdims: 1 })[0];
    return b.node('Div', [x, clip(num(a.get('eps'), 'eps', 1e-12), null, b, nrm)[0]]);
  },
  pad: (b, _n, a) => pad(b, X(b, a), rankOf(b, a), ints(a.get('pad'), 'pad'), str(a.get('mode'), 'constant'), num(a.get('value'), 'value', 0)),
  interpolate: (b, n, a) => resize(b, n, X(b, a), str(a.get('mode'), 'nearest'), bool(a.get('align_corners'), false)),
  upsample: (b, n, a) => resize(b, n, X(b, a), str(a.get('mode'), 'nearest'), bool(a.get('align_corners'), false)),
  upsample_nearest: (b, n, a) => resize(b, n, X(b, a), 'nearest', false),
  upsample_bilinear: (b, n, a) => resize(b, n, X(b, a), 'bilinear', true),
  linear: LAYER.Linear, embedding: LAYER.Embedding,
  pixel_shuffle: (b, n, a) => shuffle(b, n, X(b, a), shapeOf(b, a), 'up', num(a.get('upscale_factor'), 'upscale_factor')),
  pixel_unshuffle: (b, n, a) => shuffle(b, n, X(b, a), shapeOf(b, a), 'down', num(a.get('downscale_factor'), 'downscale_factor')),
  channel_shuffle: (b, n, a) => shuffle(b, n, X(b, a), shapeOf(b, a), 'channel', num(a.get('groups'), 'groups')),
  glu: LAYER.GLU,
  prod: reduce('ReduceProd'), logsumexp: reduce('ReduceLogSumExp'),
  norm: (b, _n, a) => {
    const p = a.get('p');
    if (!isNone(p) && !('s' in p!) && num(p, 'p') !== 2 && num(p, 'p') !== 1) throw new ExportError(`norm(p=${num(p, 'p')}) is not exported`);
    const l1 = !isNone(p) && !('s' in p!) && num(p, 'p') === 1;
    return reduce(l1 ? 'ReduceL1' : 'ReduceL2')(b, _n, a);
  },
  var: (b, n, a) => variance(b, n, a, false), std: (b, n, a) => variance(b, n, a, true),
  max: (b, _n, a) => maxMin(b, a, 'Max'), min: (b, _n, a) => maxMin(b, a, 'Min'),
  argmax: (b, _n, a) => argReduce(b, a, 'ArgMax'), argmin: (b, _n, a) => argReduce(b, a, 'ArgMin'),
  log2: act((b, x) => b.node('Div', [b.node('Log', [x])[0], b.constOf('float32', Math.LN2)])),
  trunc: act((b, x) => b.node('Mul', [b.node('Floor', [b.node('Abs', [x])[0]])[0], b.node('Sign', [x])[0]])),
  narrow: (b, _n, a) => {
    const axis = normAxis(num(a.get('dim'), 'dim'), rankOf(b, a));
    const st = num(a.get('start'), 'start'), len = num(a.get('length'), 'length');
    const s0 = st < 0 ? st + shapeOf(b, a)[axis] : st;
    return b.node('Slice', [X(b, a), b.constI64([s0]), b.constI64([s0 + len]), b.constI64([axis])]);
  },
  flip: (b, _n, a) => {
    const r = rankOf(b, a);
    const axes = ints(a.get('dims'), 'dims').map((d) => normAxis(d, r));
    return b.node('Slice', [X(b, a), b.constI64(axes.map(() => -1)), b.constI64(axes.map(() => -(2 ** 62))), b.constI64(axes), b.constI64(axes.map(() => -1))]);
  },
  roll: (b, _n, a) => {
    const s = shapeOf(b, a);
    const shifts = ints(a.get('shifts'), 'shifts');
    if (isNone(a.get('dims'))) throw new ExportError('roll without dims is not exported');
    const dims = ints(a.get('dims'), 'dims').map((d) => normAxis(d, s.length));
    let x = X(b, a);
    dims.forEach((d, i) => {
      const k = ((shifts[i] % s[d]) + s[d]) % s[d];
      if (!k) return;
      const tail = b.node('Slice', [x, b.constI64([s[d] - k]), b.constI64([s[d]]), b.constI64([d])])[0];
      const head = b.node('Slice', [x, b.constI64([0]), b.constI64([s[d] - k]), b.constI64([d])])[0];
      x = b.node('Concat', [tail, head], { axis: d })[0];
    });
    return b.node('Identity', [x]);
  },
};

function variance(b: GraphBuilder, n: TraceNode, a: Args, sqrt: boolean): string[] {
  const s = shapeOf(b, a);
  const axes = reduceAxes(a, s.length) ?? s.map((_, i) => i);
  const count = axes.reduce((p, ax) => p * s[ax], 1);
  // torch ≥ 1.x: unbiased (correction 1) unless unbiased=False / correction=0.
  const unbiasedArg = a.get('unbiased');
  const corr = !isNone(a.get('correction')) ? num(a.get('correction'), 'correction') : isNone(unbiasedArg) || bool(unbiasedArg, true) ? 1 : 0;
  const x = X(b, a);
  const mean = b.node('ReduceMean', [x], { axes, keepdims: 1 })[0];
  const d = b.node('Sub', [x, mean])[0];
  const ss = b.node('ReduceSum', [b.node('Mul', [d, d])[0], b.constI64(axes)], { keepdims: bool(a.get('keepdim'), false) ? 1 : 0 })[0];
  const v = b.node('Div', [ss, b.constOf(outType(b, n), Math.max(0, count - corr))]);
  return sqrt ? b.node('Sqrt', v) : v;
}

function maxMin(b: GraphBuilder, a: Args, kind: 'Max' | 'Min'): string[] {
  const other = a.get('dim');
  if (other && 't' in other) return b.node(kind, [X(b, a), b.value(other.t)]);
  const r = rankOf(b, a);
  if (isNone(other)) return b.node(`Reduce${kind}`, [X(b, a)], { keepdims: 0 });
  const axis = normAxis(num(other, 'dim'), r), keep = bool(a.get('keepdim'), false) ? 1 : 0;
  const values = b.node(`Reduce${kind}`, [X(b, a)], { axes: [axis], keepdims: keep })[0];
  const idx = b.node(kind === 'Max' ? 'ArgMax' : 'ArgMin', [X(b, a)], { axis, keepdims: keep, select_last_index: 0 })[0];
  return [values, idx];
}

function argReduce(b: GraphBuilder, a: Args, op: string): string[] {
  const r = rankOf(b, a);
  if (isNone(a.get('dim'))) return b.node(op, [reshapeTo(b, X(b, a), [-1])[0]], { axis: 0, keepdims: 0 });
  return b.node(op, [X(b, a)], { axis: normAxis(num(a.get('dim'), 'dim'), r), keepdims: bool(a.get('keepdim'), false) ? 1 : 0 });
}

function n2dims(a: Args, n: TraceNode): number[] {
  const rest = n.args.slice(1);
  if (rest.length === 1 && 'seq' in rest[0]) return ints(rest[0], 'dims');
  if (rest.length) return rest.map((x) => num(x, 'dim'));
  return ints(a.get('dims'), 'dims');
}

function transpose(b: GraphBuilder, x: string, rank: number, d0: number, d1: number): string[] {
  const perm = Array.from({ length: rank }, (_, i) => i);
  const i = normAxis(d0, rank), j = normAxis(d1, rank);
  [perm[i], perm[j]] = [perm[j], perm[i]];
  return b.node('Transpose', [x], { perm });
}

function reduce(op: string): Emit {
  return (b, _n, a) => {
    const axes = reduceAxes(a, rankOf(b, a));
    return b.node(op, [X(b, a)], { ...(axes ? { axes } : {}), keepdims: bool(a.get('keepdim'), false) ? 1 : 0 });
  };
}

function splitLike(b: GraphBuilder, n: TraceNode, a: Args, squeeze: boolean): string[] {
  const ids = outIds(n);
  const rank = shapeOf(b, a).length;
  const axis = normAxis(num(a.get('dim'), 'dim', 0), rank);
  const sizes = ids.map((id) => (squeeze ? 1 : b.tensor(id).shape[axis]));
  const parts = ids.length === 1 ? b.node('Identity', [X(b, a)]) : b.node('Split', [X(b, a), b.constI64(sizes)], { axis }, ids.length);
  return squeeze ? parts.map((p) => b.node('Squeeze', [p, b.constI64([axis])])[0]) : parts;
}

/** x[idx] = v with basic indexing (ints, step-1 slices, Ellipsis): Where(region, v placed there, x). */
function setitem(b: GraphBuilder, n: TraceNode): string[] {
  const src = tid(n.args[0], 'assigned tensor');
  const t = b.tensor(src);
  const shape = t.shape;
  const idx = n.args[1];
  let items: TArg[] = idx && 'seq' in idx && !idx.list ? idx.seq : [idx];
  if (items.some((x) => 't' in x || 'seq' in x || 'none' in x)) throw new ExportError('assignment with tensor, list or None indices is not exported');
  const e = items.findIndex((x) => 'ellipsis' in x);
  const real = items.filter((x) => !('ellipsis' in x)).length;
  const full: TArg = { slice: [{ none: true }, { none: true }, { none: true }] };
  if (e >= 0) items = [...items.slice(0, e), ...new Array(shape.length - real).fill(full), ...items.slice(e + 1)];
  while (items.length < shape.length) items.push(full);
  const lo: number[] = [], hi: number[] = [], kept: boolean[] = [];
  items.forEach((it, d) => {
    if ('slice' in it) {
      const [s0, s1, s2] = it.slice;
      if (!isNone(s2) && num(s2, 'step') !== 1) throw new ExportError('assignment into a strided slice is not exported');
      const [st, en] = sliceRange(shape[d], isNone(s0) ? null : num(s0, 'start'), isNone(s1) ? null : num(s1, 'stop'), 1);
      lo.push(st); hi.push(Math.max(st, en)); kept.push(true);
    } else {
      let i = num(it, 'index');
      if (i < 0) i += shape[d];
      lo.push(i); hi.push(i + 1); kept.push(false);
    }
  });
  const region = lo.map((l, d) => hi[d] - l);
  if (region.some((r) => r === 0)) return b.node('Identity', [b.value(src)]);
  // The region as a constant mask (shapes are static).
  const n0 = shape.reduce((p, q) => p * q, 1);
  const mask = new Array<number>(n0).fill(0);
  const strides = shape.map((_, d) => shape.slice(d + 1).reduce((p, q) => p * q, 1));
  const walk = (d: number, off: number) => {
    if (d === shape.length) { mask[off] = 1; return; }
    for (let i = lo[d]; i < hi[d]; i++) walk(d + 1, off + i * strides[d]);
  };
  walk(0, 0);
  const m = b.constData('bool', mask, shape);
  const v = n.args[2];
  let val: string;
  if (v && 't' in v) {
    // v broadcasts to the region without its int-indexed dims; put those back, then pad into place.
    const inner = region.filter((_, d) => kept[d]);
    const x = b.node('Expand', [operand(b, v, t.dtype), b.constI64(inner)])[0];
    const placed = reshapeTo(b, x, region)[0];
    val = b.node('Pad', [placed, b.constI64([...lo, ...hi.map((h, d) => shape[d] - h)])], { mode: 'constant' })[0];
  } else val = b.constOf(t.dtype, num(v, 'assigned value'));
  return b.node('Where', [m, val, b.value(src)]);
}

/** x[idx]: slices, ints, None and Ellipsis (advanced indexing with tensors is refused). */
function getitem(b: GraphBuilder, n: TraceNode): string[] {
  const src = tid(n.args[0], 'indexed value');
  const shape = b.tensor(src).shape;
  const idx = n.args[1];
  let items: TArg[] = idx && 'seq' in idx && !idx.list ? idx.seq : [idx];
  const tensors = items.filter((x) => 't' in x);
  if (tensors.length === 1 && !items.some((x) => 'seq' in x || 'none' in x)) {
    // One integer tensor index among full slices: a Gather along its axis.
    const k = items.indexOf(tensors[0]);
    const e = items.findIndex((x) => 'ellipsis' in x);
    const axis = e >= 0 && e < k ? shape.length - (items.length - k) : k;
    const others = items.filter((x) => x !== tensors[0] && !('ellipsis' in x));
    const fullSlice = (x: TArg) => 'slice' in x && x.slice.every(isNone);
    const it = b.tensor(tid(tensors[0], 'index'));
    if (others.every(fullSlice) && (it.dtype === 'int64' || it.dtype === 'int32')) {
      return b.node('Gather', [b.value(src), b.value(tid(tensors[0], 'index'))], { axis });
    }
  }
  if (items.some((x) => 't' in x || 'seq' in x)) throw new ExportError('indexing with boolean masks, lists or several tensors is not exported');
  const real = items.filter((x) => !('none' in x) && !('ellipsis' in x)).length;
  const e = items.findIndex((x) => 'ellipsis' in x);
  if (e >= 0) items = [...items.slice(0, e), ...new Array(shape.length - real).fill({ slice: [{ none: true }, { none: true }, { none: true }] }), ...items.slice(e + 1)];
  const starts: number[] = [], ends: number[] = [], axes: number[] = [], steps: number[] = [];
  let dim = 0;
  for (const it of items) {
    if ('none' in it) continue;
    const size = shape[dim];
    if ('slice' in it) {
      const [s0, s1, s2] = it.slice;
      const step = isNone(s2) ? 1 : num(s2, 'step');
      const [st, en] = sliceRange(size, isNone(s0) ? null : num(s0, 'start'), isNone(s1) ? null : num(s1, 'stop'), step);
      if (!(st === 0 && en === size && step === 1)) { starts.push(st); ends.push(en); axes.push(dim); steps.push(step); }
    } else {
      let i = num(it, 'index');
      if (i < 0) i += size;
      starts.push(i); ends.push(i + 1); axes.push(dim); steps.push(1);
    }
    dim++;
  }
  let x = b.value(src);
  if (axes.length) x = b.node('Slice', [x, b.constI64(starts), b.constI64(ends), b.constI64(axes), b.constI64(steps)])[0];
  const out = outShape(b, n);
  const cur = sliceShape(shape, axes, starts, ends, steps);
  if (cur.join() !== out.join()) return reshapeTo(b, x, out);
  return axes.length ? [x] : b.node('Identity', [x]);
}

function sliceRange(size: number, start: number | null, stop: number | null, step: number): [number, number] {
  // Python slice semantics, then ONNX-safe bounds (a negative step's "before 0" is a large negative end).
  if (step > 0) {
    const s = start === null ? 0 : start < 0 ? Math.max(0, start + size) : Math.min(start, size);
    const e = stop === null ? size : stop < 0 ? Math.max(0, stop + size) : Math.min(stop, size);
    return [s, e];
  }
  const s = start === null ? size - 1 : start < 0 ? start + size : Math.min(start, size - 1);
  const e = stop === null ? -(2 ** 62) : stop < 0 ? (stop + size < 0 ? -(2 ** 62) : stop + size) : stop;
  return [s, e];
}

function sliceShape(shape: number[], axes: number[], starts: number[], ends: number[], steps: number[]): number[] {
  const s = shape.slice();
  axes.forEach((ax, k) => {
    const st = starts[k], en = Math.max(ends[k], -1), step = steps[k];
    s[ax] = step > 0 ? Math.max(0, Math.ceil((en - st) / step)) : Math.max(0, Math.ceil((en - st) / step));
  });
  return s;
}

/** Emits the ONNX nodes of one traced call; returns the names of its results in order. */
export function emitNode(b: GraphBuilder, n: TraceNode): string[] {
  if (n.layer) {
    const f = LAYER[n.layer];
    if (!f) throw new ExportError(`${n.layer} is not exported yet`);
    // Leaf modules and layer-configured F.* calls: input first, then the layer's attributes.
    const a = new Map<string, TArg>();
    if (n.args[0]) a.set('input', n.args[0]);
    for (const [k, v] of n.attrs ?? []) a.set(k, v);
    if (n.module === undefined) for (const [k, v] of n.kw) if (!a.has(k)) a.set(k, v);
    return f(b, n, a);
  }
  if (n.op === 'getitem') return getitem(b, n);
  if (n.op === 'setitem') return setitem(b, n);
  if (n.op.startsWith('op:')) {
    const op = n.op.slice(3);
    if (n.args.length === 1) {
      if (op === '-') return b.node('Neg', [b.value(tid(n.args[0], 'operand'))]);
      if (op === '+') return b.node('Identity', [b.value(tid(n.args[0], 'operand'))]);
      if (op === '~') return b.node('Not', [b.value(tid(n.args[0], 'operand'))]);
      throw new ExportError(`unary operator ${op} is not exported`);
    }
    return binary(op)(b, n, new Map([['input', n.args[0]], ['other', n.args[1]]]));
  }
  const name = n.op.replace(/^(torch|Tensor|F)\./, '');
  const f = fn(name);
  if (!f) throw new ExportError(`${n.op} is not exported yet`);
  return f(b, n, bindArgs(n, SIG[name] ?? (BIN[name] ? ['input', 'other'] : ['input'])));
}
