// torch.nn.functional: shape rules reuse the leaf-module catalogue so F.max_pool2d and
// nn.MaxPool2d cannot disagree; conv/linear count MACs.
import { Value, PyInstance, PyClass, PyTuple, Tensor, Unknown, CallArgs, CallContext, NativeImpl, isInt, num } from '../values';
import { LAYERS, parseSig, bindSig, LayerCtx, upsampleShape } from './layers';
import { mkTensor, normDim } from './tensor';
import { arg } from '../builtins';

type Fn = NativeImpl;

export function makeFunctional(scratch: PyClass, same: (name: string) => Fn, noteLayer: (layer: string, m: PyInstance) => void = () => {}): Record<string, Fn> {
  /** F.op(input, *args) through the catalogue entry `layer` with signature `sig` (without input). */
  const via = (layer: string, sig: string): Fn => {
    const spec = LAYERS[layer];
    const parsed = parseSig(sig);
    return (a, ctx) => {
      const x = arg(a, 0, 'input');
      if (x instanceof Unknown) return x;
      const cfg = bindSig(`F.${layer}`, parsed, a.pos.slice(1), withoutInput(a.kw), ctx);
      const m = new PyInstance(scratch);
      const lctx = ctx as LayerCtx;
      lctx.param = (shape: number[]) => mkTensor(shape);
      spec.init(m, cfg, lctx);
      noteLayer(layer, m);
      return spec.forward(m, [x], ctx, new Map());
    };
  };
  const convF = (nd: number, transposed: boolean): Fn => (a, ctx) => {
    const x = arg(a, 0, 'input'), w = arg(a, 1, 'weight');
    if (x instanceof Unknown) return x;
    if (!(w instanceof Tensor)) return w instanceof Unknown ? w : ctx.unknown('conv weight is not a tensor');
    const groups = arg(a, transposed ? 6 : 6, 'groups', 1);
    const g = isInt(groups) ? num(groups) : 1;
    const cin = transposed ? w.shape[0] : w.shape[1] * g;
    const cout = transposed ? w.shape[1] * g : w.shape[0];
    const kw = new Map<string, Value>([
      ['in_channels', cin], ['out_channels', cout], ['kernel_size', new PyTuple(w.shape.slice(2))],
      ['stride', arg(a, 3, 'stride', 1)], ['padding', arg(a, 4, 'padding', 0)], ['groups', g],
      ['bias', arg(a, 2, 'bias', null) !== null],
    ]);
    if (transposed) { kw.set('output_padding', arg(a, 5, 'output_padding', 0)); kw.set('dilation', arg(a, 7, 'dilation', 1)); }
    else kw.set('dilation', arg(a, 5, 'dilation', 1));
    const layer = `${transposed ? 'ConvTranspose' : 'Conv'}${nd}d`;
    const spec = LAYERS[layer];
    const m = new PyInstance(scratch);
    const lctx = ctx as LayerCtx;
    lctx.param = (shape: number[]) => mkTensor(shape);
    spec.init(m, bindSig(layer, parseSig(spec.sig), [], kw, ctx), lctx);
    // The traced weight/bias are the call's arguments, not the scratch layer's.
    m.attrs.set('weight', w);
    m.attrs.set('bias', arg(a, 2, 'bias', null));
    noteLayer(layer, m);
    return spec.forward(m, [x], ctx, new Map());
  };
  const linear: Fn = (a, ctx) => {
    const x = arg(a, 0, 'input'), w = arg(a, 1, 'weight');
    if (x instanceof Unknown) return x;
    if (!(x instanceof Tensor) || !(w instanceof Tensor)) return w instanceof Unknown ? w : ctx.unknown('linear of non-tensors');
    const [o, i] = w.shape.length === 2 ? w.shape : [1, w.shape[0]];
    if (x.shape[x.shape.length - 1] !== i) ctx.raise('RuntimeError', `mat1 and mat2 shapes cannot be multiplied (${x.shape.join('x')} and ${i}x${o})`);
    ctx.addMacs(x.numel * o);
    return mkTensor(w.shape.length === 2 ? [...x.shape.slice(0, -1), o] : x.shape.slice(0, -1), x.dtype);
  };
  const interpolate: Fn = (a, ctx) => {
    const x = arg(a, 0, 'input');
    if (!(x instanceof Tensor)) return x instanceof Unknown ? x : ctx.unknown('interpolate of a non-tensor');
    return upsampleShape(x, arg(a, 1, 'size', null), arg(a, 2, 'scale_factor', null), ctx);
  };
  const pad: Fn = (a, ctx) => {
    const x = arg(a, 0, 'input');
    const p = arg(a, 1, 'pad');
    if (!(x instanceof Tensor)) return x instanceof Unknown ? x : ctx.unknown('pad of a non-tensor');
    const items = ctx.iterate(p);
    if (items instanceof Unknown) return items;
    const s = x.shape.slice();
    for (let i = 0; i < items.length / 2; i++) s[s.length - 1 - i] += num(items[2 * i] as number) + num(items[2 * i + 1] as number);
    return mkTensor(s, x.dtype);
  };
  const glu: Fn = (a, ctx) => {
    const x = arg(a, 0, 'input');
    if (!(x instanceof Tensor)) return x;
    const d = normDim(num(arg(a, 1, 'dim', -1) as number), x.shape.length, ctx);
    const s = x.shape.slice(); s[d] /= 2;
    return mkTensor(s, x.dtype);
  };
  const loss: Fn = (a) => { const x = arg(a, 0, 'input'); return x instanceof Tensor ? mkTensor([], x.dtype) : x; };
  const pixelShuffle: Fn = (a, ctx) => {
    const x = arg(a, 0, 'input');
    if (!(x instanceof Tensor)) return x;
    const r = num(arg(a, 1, 'upscale_factor') as number);
    const s = x.shape.slice(); s[s.length - 3] /= r * r; s[s.length - 2] *= r; s[s.length - 1] *= r;
    void ctx;
    return mkTensor(s, x.dtype);
  };
  const embedding: Fn = (a) => {
    const x = arg(a, 0, 'input'), w = arg(a, 1, 'weight');
    if (!(x instanceof Tensor) || !(w instanceof Tensor)) return x instanceof Unknown ? x : w;
    return mkTensor([...x.shape, w.shape[1]], w.dtype);
  };
  const ident = same('contiguous');
  const fns: Record<string, Fn> = {
    conv1d: convF(1, false), conv2d: convF(2, false), conv3d: convF(3, false),
    conv_transpose1d: convF(1, true), conv_transpose2d: convF(2, true), conv_transpose3d: convF(3, true),
    linear,
    max_pool1d: via('MaxPool1d', 'kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False'),
    max_pool2d: via('MaxPool2d', 'kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False'),
    max_pool3d: via('MaxPool3d', 'kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False'),
    avg_pool1d: via('AvgPool1d', 'kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True'),
    avg_pool2d: via('AvgPool2d', 'kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True, divisor_override=None'),
    avg_pool3d: via('AvgPool3d', 'kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True, divisor_override=None'),
    adaptive_avg_pool1d: via('AdaptiveAvgPool1d', 'output_size'), adaptive_avg_pool2d: via('AdaptiveAvgPool2d', 'output_size'),
    adaptive_avg_pool3d: via('AdaptiveAvgPool3d', 'output_size'),
    adaptive_max_pool1d: via('AdaptiveMaxPool1d', 'output_size, return_indices=False'),
    adaptive_max_pool2d: via('AdaptiveMaxPool2d', 'output_size, return_indices=False'),
    interpolate, upsample: interpolate, upsample_nearest: interpolate, upsample_bilinear: interpolate, pad, glu,
    pixel_shuffle: pixelShuffle, embedding,
    flatten: same('flatten'), softmax: same('softmax'), log_softmax: same('log_softmax'), normalize: ident,
    layer_norm: ident, batch_norm: ident, group_norm: ident, instance_norm: ident, local_response_norm: ident,
    relu: ident, relu_: ident, relu6: ident, leaky_relu: ident, leaky_relu_: ident, elu: ident, selu: ident, celu: ident,
    gelu: ident, silu: ident, mish: ident, hardswish: ident, hardsigmoid: ident, hardtanh: ident, sigmoid: ident, tanh: ident,
    softplus: ident, prelu: ident, logsigmoid: ident, dropout: ident, dropout1d: ident, dropout2d: ident, dropout3d: ident,
    alpha_dropout: ident, threshold: ident, softsign: ident, tanhshrink: ident,
    cross_entropy: loss, mse_loss: loss, l1_loss: loss, nll_loss: loss, binary_cross_entropy: loss,
    binary_cross_entropy_with_logits: loss, smooth_l1_loss: loss, kl_div: loss,
  };
  return fns;
}

function withoutInput(kw: Map<string, Value>): Map<string, Value> {
  const k = new Map(kw);
  k.delete('input');
  k.delete('inplace');
  return k;
}

export type { CallArgs, CallContext };
