// Statistics for fitting a C-Ghost module's cheap depthwise d×d conv, added to the original model
// as extra outputs (as redundancy's surgery does): at the conv's target value A (its output, or its
// BatchNorm's when the GhostModule takes the BatchNorm in), the intrinsic maps Z = A[:, :m] (after
// the ReLU when the module has one) are unfolded into d×d patches by a depthwise conv with one-hot
// kernels, and per intrinsic channel i the model sums, over all pixels of the batch:
//   Σ p pᵀ (d²×d²), Σ p (d²), Σ p tᵀ (d²×(s−1)), Σ t, Σ t²  with t the s−1 ghost targets of i
// Only m·d²·(d²+s) numbers leave the model per batch. Second moments are of values centred on the
// batch's mean (float32 products of large-mean values would lose the variance's digits); the
// caller adds n·x̄x̄ᵀ back in float64.
import { onnx } from '../onnx/proto';
import { StatsBuilder, ViewSpec } from '../redundancy/surgery';

const A = onnx.AttributeProto.AttributeType;

export interface PatchGroup {
  /** Intrinsic channels [from, to) of the site. */
  from: number;
  to: number;
  gram: string;
  patchSum: string;
  cross: string;
  targetSum: string;
  targetSq: string;
}

export interface StageStatNames { xSum: string; ySum: string; xx: string; xy: string; yy: string }

export interface PatchSpec {
  /** The target value (batch × oup × H × W). */
  value: string;
  shape: number[];
  elemType: number;
  intrinsic: number;
  ratio: number;
  dw: number;
  relu: boolean;
  /** Output channels reordered (position → original channel), when the module's are. */
  order?: number[] | null;
}

export class GhostStatsBuilder extends StatsBuilder {
  private f32(name: string, dims: number[], values: Float32Array): string {
    const n = this.fresh(name);
    this.inits.push({ name: n, dataType: onnx.TensorProto.DataType.FLOAT, dims, rawData: Buffer.from(values.buffer, values.byteOffset, values.byteLength) });
    return n;
  }

  private slice(x: string, from: number, to: number): string {
    return this.node('Slice', [x, this.i64([from]), this.i64([to]), this.i64([1])]);
  }

  private perm(x: string, perm: number[]): string {
    return this.node('Transpose', [x], [{ name: 'perm', type: A.INTS, ints: perm }]);
  }

  private sumAxis(op: string, x: string, axis: number, keep = false): string {
    const kd = { name: 'keepdims', type: A.INT, i: keep ? 1 : 0 };
    const since = op === 'ReduceSum' ? 13 : 18;
    if (this.opset >= since) return this.node(op, [x, this.i64([axis])], [kd]);
    return this.node(op, [x], [kd, { name: 'axes', type: A.INTS, ints: [axis] }]);
  }

  /** x minus its mean over `axis` (this batch's mean: float32 products of centred values keep their digits). */
  private centred(x: string, axis: number): string {
    return this.node('Sub', [x, this.sumAxis('ReduceMean', x, axis, true)]);
  }

  /**
   * Stage fit sums of views x (features) and y (targets), centred per batch: Σx, Σy, Σ(x−x̄)(x−x̄)ᵀ,
   * Σ(x−x̄)(y−ȳ)ᵀ, Σ(y−ȳ)² (the caller adds the batch means back in float64).
   */
  stageSums(x: ViewSpec, y: ViewSpec): StageStatNames {
    const a = this.view(x), b = this.view(y);
    const xc = this.centred(a.name, 0), yc = this.centred(b.name, 0);
    const xt = this.perm(xc, [1, 0]);
    return {
      xSum: this.output(this.sumAxis('ReduceSum', a.name, 0), [a.channels]), ySum: this.output(this.sumAxis('ReduceSum', b.name, 0), [b.channels]),
      xx: this.output(this.node('MatMul', [xt, xc]), [a.channels, a.channels]), xy: this.output(this.node('MatMul', [xt, yc]), [a.channels, b.channels]),
      yy: this.output(this.sumAxis('ReduceSumSquare', yc, 0), [b.channels]),
    };
  }

  /**
   * The patch sums of one site, in groups of intrinsic channels small enough that a group's
   * patches (d² times its maps) stay near `budget` floats: onnxruntime runs the groups one after
   * another and frees each group's tensors, so memory stays that of one group, not of 9× the map.
   */
  patches(s: PatchSpec, budget = 4_000_000, minSamples = 4096): { groups: PatchGroup[]; pixels: number } {
    const [batch, oup, H, W] = s.shape;
    const m = s.intrinsic, g = s.ratio - 1, d = s.dw, k = d * d;
    // A fit of d² + 1 numbers needs thousands of pixels, not a large map's hundred thousands: the
    // patches are taken on a grid of every st-th row and column (st ≤ 4) while at least
    // `minSamples` pixels per batch remain — the cost of big early maps falls by st².
    let st = 1;
    while (st < 4 && batch * Math.ceil(H / (2 * st)) * Math.ceil(W / (2 * st)) >= minSamples) st *= 2;
    const pixels = batch * Math.ceil(H / st) * Math.ceil(W / st);
    const perChannel = k * pixels;
    const size = Math.max(1, Math.min(m, Math.floor(budget / perChannel)));
    let a = s.value;
    if (s.elemType !== onnx.TensorProto.DataType.FLOAT) a = this.node('Cast', [a], [{ name: 'to', type: A.INT, i: onnx.TensorProto.DataType.FLOAT }]);
    if (s.order) a = this.gather(a, s.order);
    // Ghost targets: A[:, m:oup], padded with zero maps up to m·(s−1) (ghosts the module drops).
    // With the module's ReLU, the ghosts are fitted to what the module outputs (after the ReLU).
    let targets = this.slice(a, m, oup);
    if (s.relu) targets = this.node('Relu', [targets]);
    if (oup - m < m * g) targets = this.node('Pad', [targets, this.i64([0, 0, 0, 0, 0, m * g - (oup - m), 0, 0])]);
    if (st > 1) targets = this.node('Slice', [targets, this.i64([0, 0]), this.i64([H, W]), this.i64([2, 3]), this.i64([st, st])]);
    const groups: PatchGroup[] = [];
    for (let from = 0; from < m; from += size) {
      const to = Math.min(m, from + size), c = to - from;
      let z = this.slice(a, from, to);
      if (s.relu) z = this.node('Relu', [z]);
      const eye = new Float32Array(c * k * k);
      for (let i = 0; i < c; i++) for (let j = 0; j < k; j++) eye[(i * k + j) * k + j] = 1;
      const p = this.node('Conv', [z, this.f32('unfold', [c * k, 1, d, d], eye)], [
        { name: 'group', type: A.INT, i: c }, { name: 'kernel_shape', type: A.INTS, ints: [d, d] },
        { name: 'pads', type: A.INTS, ints: [d >> 1, d >> 1, d >> 1, d >> 1] }, { name: 'strides', type: A.INTS, ints: [st, st] },
      ]);
      // [B, c·k, H, W] → [c, k, B·H·W]
      const pr = this.node('Reshape', [this.perm(this.node('Reshape', [p, this.i64([0, c, k, -1])]), [1, 2, 0, 3]), this.i64([c, k, -1])]);
      const patchSum = this.sumAxis('ReduceSum', pr, 2);
      const pc = this.centred(pr, 2);
      const gram = this.node('MatMul', [pc, this.perm(pc, [0, 2, 1])]);
      // [B, c·g, H, W] → [c, B·H·W, g]
      const t = this.slice(targets, from * g, to * g);
      const tr = this.node('Reshape', [this.perm(this.node('Reshape', [t, this.i64([0, c, g, -1])]), [1, 0, 3, 2]), this.i64([c, -1, g])]);
      const tc = this.centred(tr, 1);
      const cross = this.node('MatMul', [pc, tc]);
      groups.push({
        from, to,
        gram: this.output(gram, [c, k, k]), patchSum: this.output(patchSum, [c, k]), cross: this.output(cross, [c, k, g]),
        targetSum: this.output(this.sumAxis('ReduceSum', tr, 1), [c, g]), targetSq: this.output(this.sumAxis('ReduceSumSquare', tc, 1), [c, g]),
      });
    }
    return { groups, pixels };
  }


  /** Channels of x (axis 1) in `order`. */
  gather(x: string, order: number[]): string {
    return this.node('Gather', [x, this.i64(order)], [{ name: 'axis', type: A.INT, i: 1 }]);
  }

  /** A float value of the model as an extra output (its first dimension left symbolic: the batch). */
  expose(value: string, dims: number[]): string {
    const n = this.node('Identity', [value]);
    const dim = dims.map((d, i) => (i === 0 || !(d > 0) ? { dimParam: `${n}_${i}` } : { dimValue: d }));
    this.outs.push({ name: n, type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim } } } });
    return n;
  }
}

