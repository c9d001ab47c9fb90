// ONNX surgery for the measurements: the model computes, per batch, the sums the statistics need
// (Σx, Σxxᵀ or Σx², Σxyᵀ over all pixels of all samples) for the intermediate values asked for,
// as extra graph outputs. onnxruntime does the heavy products (its GEMM), and only C×C-sized sums
// leave the model, whatever the size of the activations.
import { onnx, decodeModel, opsetOf } from '../onnx/proto';

const DT = onnx.TensorProto.DataType;

/** A value seen as a matrix of pixels × channels, optionally only some channels. */
export interface ViewSpec {
  value: string;
  /** Static shape of the value (batch first, channels second). */
  shape: number[];
  elemType: number;
  /** Channel indices to keep (all when absent). */
  channels?: number[];
}

export interface MomentOutputs { sum: string; second: string }

export interface Surgery {
  bytes: Uint8Array;
  /** Output names added, in order (what a session fetches). */
  outputs: string[];
}

const PREFIX = 'ghostlens.stats/';

/** Builds the statistics graph on top of a model; one instance per surgery. */
export class StatsBuilder {
  private readonly model: onnx.ModelProto;
  protected readonly opset: number;
  private readonly nodes: onnx.INodeProto[] = [];
  protected readonly inits: onnx.ITensorProto[] = [];
  protected readonly outs: onnx.IValueInfoProto[] = [];
  private readonly views = new Map<string, { name: string; channels: number }>();
  private readonly used: Set<string>;
  private k = 0;

  /** `model` is changed in place (decode a copy to keep the original). */
  constructor(model: onnx.ModelProto | Uint8Array) {
    this.model = model instanceof Uint8Array ? decodeModel(model) : model;
    this.opset = opsetOf(this.model);
    const g = this.model.graph!;
    this.used = new Set<string>([...(g.node ?? []).flatMap((n) => [...(n.output ?? []), n.name ?? '']), ...(g.initializer ?? []).map((t) => t.name ?? ''), ...(g.input ?? []).map((v) => v.name ?? '')]);
  }

  protected fresh(what: string): string {
    let n: string;
    do n = `${PREFIX}${what}_${this.k++}`; while (this.used.has(n));
    this.used.add(n);
    return n;
  }

  protected node(op: string, inputs: string[], attrs: onnx.IAttributeProto[] = []): string {
    const out = this.fresh(op.toLowerCase());
    this.nodes.push({ name: out, opType: op, input: inputs, output: [out], attribute: attrs });
    return out;
  }

  protected i64(values: number[]): string {
    const name = this.fresh('const');
    this.inits.push({ name, dataType: DT.INT64, dims: [values.length], rawData: Buffer.from(new BigInt64Array(values.map((v) => BigInt(v))).buffer) });
    return name;
  }

  protected output(name: string, dims: number[]): string {
    this.outs.push({ name, type: { tensorType: { elemType: DT.FLOAT, shape: { dim: dims.map((d) => ({ dimValue: d })) } } } });
    return name;
  }

  /** The value as [pixels, channels] in float32. */
  view(v: ViewSpec): { name: string; channels: number } {
    const key = `${v.value}|${v.channels?.join(',') ?? '*'}`;
    const have = this.views.get(key);
    if (have) return have;
    const r = v.shape.length;
    if (r < 2) throw new Error(`${v.value} has rank ${r}; channels are its second axis`);
    const C = v.shape[1];
    let x = v.value;
    if (v.elemType !== DT.FLOAT) x = this.node('Cast', [x], [{ name: 'to', type: onnx.AttributeProto.AttributeType.INT, i: DT.FLOAT }]);
    if (r > 2) {
      const perm = [0, ...Array.from({ length: r - 2 }, (_, i) => i + 2), 1];
      x = this.node('Transpose', [x], [{ name: 'perm', type: onnx.AttributeProto.AttributeType.INTS, ints: perm }]);
      x = this.node('Reshape', [x, this.i64([-1, C])]);
    }
    let channels = C;
    if (v.channels) {
      x = this.node('Gather', [x, this.i64(v.channels)], [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 1 }]);
      channels = v.channels.length;
    }
    const out = { name: x, channels };
    this.views.set(key, out);
    return out;
  }

  /** Σ over pixels of each channel, and the Gram (full) or the sums of squares. */
  moments(v: ViewSpec, full: boolean): MomentOutputs {
    const { name, channels } = this.view(v);
    const sum = this.reduce('ReduceSum', 13, name);
    const second = full ? this.node('MatMul', [this.transposed(name), name]) : this.reduce('ReduceSumSquare', 18, name);
    return { sum: this.output(sum, [channels]), second: this.output(second, full ? [channels, channels] : [channels]) };
  }

  /** Σ xyᵀ over pixels (Cx × Cy). */
  cross(x: ViewSpec, y: ViewSpec): string {
    const a = this.view(x), b = this.view(y);
    return this.output(this.node('MatMul', [this.transposed(a.name), b.name]), [a.channels, b.channels]);
  }

  private readonly transposes = new Map<string, string>();
  protected transposed(name: string): string {
    let t = this.transposes.get(name);
    if (!t) { t = this.node('Transpose', [name], [{ name: 'perm', type: onnx.AttributeProto.AttributeType.INTS, ints: [1, 0] }]); this.transposes.set(name, t); }
    return t;
  }

  /** Reduction over axis 0 without keeping it; axes moved from attribute to input at `inputSince`. */
  protected reduce(op: string, inputSince: number, x: string): string {
    const keep = { name: 'keepdims', type: onnx.AttributeProto.AttributeType.INT, i: 0 };
    if (this.opset >= inputSince) return this.node(op, [x, this.i64([0])], [keep]);
    return this.node(op, [x], [keep, { name: 'axes', type: onnx.AttributeProto.AttributeType.INTS, ints: [0] }]);
  }

  /** The model with the statistics appended (original outputs kept). */
  finish(): Surgery {
    const g = this.model.graph!;
    g.node = [...(g.node ?? []), ...this.nodes] as onnx.NodeProto[];
    g.initializer = [...(g.initializer ?? []), ...this.inits] as onnx.TensorProto[];
    g.output = [...(g.output ?? []), ...this.outs] as onnx.ValueInfoProto[];
    return { bytes: onnx.ModelProto.encode(this.model).finish(), outputs: this.outs.map((o) => o.name!) };
  }
}
