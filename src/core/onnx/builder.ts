// Assembles an ONNX graph with onnx-proto: values named after trace tensors, initializers made
// on demand (known data, else fast seeded random weights), nodes named after module paths.
import { onnx } from 'onnx-proto';
import type { OpTrace, TraceTensor } from '../python/trace';
import type { DType } from '../python/values';
import { moduleNodeName, functionalNodeName, extraNodeName } from './naming';

export class ExportError extends Error {}

/** Weights an exported file may hold: a protobuf message is at most 2 GiB, and the graph needs some. */
export const MAX_WEIGHT_BYTES = 2 ** 31 - 2 ** 26;

export function fmtBytes(b: number): string {
  if (!Number.isFinite(b)) return `${b} bytes`;
  const units = ['bytes', 'KB', 'MB', 'GB', 'TB', 'PB', 'EB'];
  let i = 0;
  while (b >= 1024 && i < units.length - 1) { b /= 1024; i++; }
  return i === 0 ? `${b} bytes` : `${b.toFixed(1)} ${units[i]}`;
}

const ELEM: Record<DType, onnx.TensorProto.DataType | undefined> = {
  float32: onnx.TensorProto.DataType.FLOAT,
  float64: onnx.TensorProto.DataType.DOUBLE,
  int64: onnx.TensorProto.DataType.INT64,
  int32: onnx.TensorProto.DataType.INT32,
  bool: onnx.TensorProto.DataType.BOOL,
  float16: undefined,
};

export function elemType(d: DType): onnx.TensorProto.DataType {
  const t = ELEM[d];
  if (t === undefined) throw new ExportError(`tensors of dtype ${d} are not exported`);
  return t;
}

export type AttrValue = number | number[] | string | { float: number } | { floats: number[] };

/** xorshift32: weights only need to be finite and not all equal, and fast to make. */
class Rng {
  private s: number;
  constructor(seed: number) { this.s = (seed >>> 0) || 0x9e3779b9; }
  next(): number {
    let x = this.s;
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    this.s = x;
    return x / 4294967296;
  }
}

export class GraphBuilder {
  readonly nodes: onnx.INodeProto[] = [];
  readonly inits: onnx.ITensorProto[] = [];
  private readonly names = new Map<number, string>();
  private readonly used = new Set<string>();
  private readonly counters = new Map<string, number>();
  private readonly rng: Rng;
  private tmp = 0;
  /** Name of the node being emitted and how many ONNX nodes it has made so far. */
  private base = '';
  private emitted = 0;

  constructor(private readonly trace: OpTrace, seed: number) { this.rng = new Rng(seed); }

  tensor(id: number): TraceTensor { return this.trace.tensors[id]; }

  /** Starts the ONNX nodes of one traced call: its module path, or `<scope>/<op>_<n>`. */
  begin(module: string | undefined, scope: string, op: string): void {
    if (module !== undefined) {
      // A module called twice (shared weights) gets `path`, then `path#2`.
      const k = this.counters.get(module) ?? 0;
      this.counters.set(module, k + 1);
      this.base = moduleNodeName(module, k + 1);
    } else {
      const short = op.replace(/^(torch|Tensor|F|nn)\./, '').replace(/^op:/, '').replace(/[^A-Za-z0-9_]/g, (c) => OPNAMES[c] ?? '_');
      const key = `${scope}/${short}`;
      const k = this.counters.get(key) ?? 0;
      this.counters.set(key, k + 1);
      this.base = functionalNodeName(scope, short, k);
    }
    this.emitted = 0;
  }

  /** The ONNX value name of a trace tensor (initializers are made on first use). */
  value(id: number): string {
    const have = this.names.get(id);
    if (have) return have;
    const t = this.trace.tensors[id];
    if (t.source === 'node' || t.source === 'input') throw new ExportError(`tensor ${id} is used before it is computed`);
    const name = this.unique(t.name ?? `const_${id}`);
    this.inits.push(this.makeInit(name, t));
    this.names.set(id, name);
    return name;
  }

  bind(id: number, name: string): void { this.names.set(id, name); }

  /** Emits one node; returns its output names (`outs` of them). */
  node(op: string, inputs: string[], attrs: Record<string, AttrValue> = {}, outs = 1, domain?: string): string[] {
    const name = this.emitted === 0 ? this.base : extraNodeName(this.base, op, this.emitted);
    this.emitted++;
    const outputs = Array.from({ length: outs }, () => this.unique(`${this.base || 'v'}:${this.tmp++}`));
    const attribute: onnx.IAttributeProto[] = Object.entries(attrs).map(([k, v]) => attr(k, v));
    const n: onnx.INodeProto = { name: this.unique(name), opType: op, input: inputs, output: outputs, attribute };
    if (domain) n.domain = domain;
    this.nodes.push(n);
    return outputs;
  }

  constF(values: number[], shape: number[] = [values.length]): string {
    return this.addInit(`${this.base}/c`, onnx.TensorProto.DataType.FLOAT, shape, Buffer.from(new Float32Array(values).buffer));
  }

  constI64(values: number[], shape: number[] = [values.length]): string {
    return this.addInit(`${this.base}/c`, onnx.TensorProto.DataType.INT64, shape, Buffer.from(new BigInt64Array(values.map((v) => BigInt(v))).buffer));
  }

  /** A scalar (or filled tensor) of a dtype, for `x * 0.5`, `x + 1`, zeros_like(...). */
  constOf(dtype: DType, value: number, shape: number[] = []): string {
    this.reserve(shape, dtype, `a constant of ${this.base || 'the model'}`);
    return this.constData(dtype, new Array(shape.reduce((p, q) => p * q, 1)).fill(value), shape);
  }

  /** A constant of a dtype with these values (row-major). */
  constData(dtype: DType, values: number[], shape: number[]): string {
    return this.addInit(`${this.base}/c`, elemType(dtype), shape, rawOf(dtype, values));
  }

  /** A tensor of a dtype filled with seeded random values (rand_like and friends). */
  randomOf(dtype: DType, shape: number[]): string {
    this.reserve(shape, dtype, `a random tensor of ${this.base || 'the model'}`);
    const n = shape.reduce((p, q) => p * q, 1);
    const xs = new Array(n);
    for (let i = 0; i < n; i++) xs[i] = this.rng.next();
    return this.addInit(`${this.base}/r`, elemType(dtype), shape, rawOf(dtype, xs));
  }

  private addInit(base: string, dataType: onnx.TensorProto.DataType, dims: number[], rawData: Uint8Array): string {
    const name = this.unique(base);
    this.inits.push({ name, dataType, dims, rawData });
    return name;
  }

  private unique(name: string): string {
    let n = name, k = 1;
    while (this.used.has(n)) n = `${name}_${++k}`;
    this.used.add(n);
    return n;
  }

  /** Constants whose contents the static analysis does not know (export still runs; outputs differ). */
  readonly guessed: string[] = [];

  /** Bytes of the initializers made so far (checked before each is allocated). */
  private initBytes = 0;

  /** Counts a constant of `shape` before it is allocated: past the file's limit, an ExportError. */
  private reserve(shape: number[], dtype: DType, what: string): void {
    const n = shape.reduce((p, q) => p * q, 1);
    const size = { float64: 8, int64: 8, int32: 4, bool: 1 }[dtype as string] ?? 4;
    this.initBytes += n * size;
    if (!(this.initBytes <= MAX_WEIGHT_BYTES)) {
      throw new ExportError(`the weights are too large for an ONNX file: ${what} alone is ${fmtBytes(n * size)} (${shape.join('x')} ${dtype}), ` +
        `${fmtBytes(this.initBytes)} so far; an ONNX file holds at most ${fmtBytes(MAX_WEIGHT_BYTES)} of weights (protobuf's 2 GB limit)`);
    }
  }

  private makeInit(name: string, t: TraceTensor): onnx.ITensorProto {
    const n = t.shape.reduce((p, q) => p * q, 1);
    this.reserve(t.shape, t.dtype, t.name ?? name);
    const dataType = elemType(t.dtype);
    if (t.data && t.data.length === n) return { name, dataType, dims: t.shape, rawData: rawOf(t.dtype, t.data) };
    // Parameters are random by design, and BatchNorm statistics have neutral values; any other
    // buffer or constant computed at build time (an index table, an anchor grid) is not known.
    const leaf = (t.name ?? '').replace(/^.*\./, '');
    if (t.source !== 'param' && !['running_mean', 'running_var', 'num_batches_tracked'].includes(leaf)) this.guessed.push(t.name ?? name);
    if (t.dtype !== 'float32' && t.dtype !== 'float64') {
      // Unknown integer/bool contents: zeros are valid indices and masks.
      return { name, dataType, dims: t.shape, rawData: rawOf(t.dtype, new Array(n).fill(0)) };
    }
    const leafName = (t.name ?? '').replace(/^.*\./, '');
    const f = new Float32Array(n);
    if (leafName === 'running_var') f.fill(1);
    else if (leafName === 'running_mean') f.fill(0);
    else if (t.shape.length <= 1 && leafName === 'weight') f.fill(1);
    else {
      // Uniform(-b, b) with b = 1/sqrt(fan_in), as torch's default init: activations stay finite.
      const fanIn = t.shape.length > 1 ? t.shape.slice(1).reduce((p, q) => p * q, 1) : Math.max(1, t.shape[0] ?? 1);
      const b = 1 / Math.sqrt(fanIn);
      for (let i = 0; i < n; i++) f[i] = (2 * this.rng.next() - 1) * b;
    }
    const raw = t.dtype === 'float64' ? Buffer.from(Float64Array.from(f).buffer) : Buffer.from(f.buffer);
    return { name, dataType, dims: t.shape, rawData: raw };
  }
}

const OPNAMES: Record<string, string> = { '+': 'add', '-': 'sub', '*': 'mul', '/': 'div', '@': 'matmul', '%': 'mod', '<': 'lt', '>': 'gt', '=': 'eq', '!': 'ne', '~': 'invert', '&': 'and', '|': 'or', '^': 'xor' };

function rawOf(d: DType, xs: number[]): Uint8Array {
  switch (d) {
    case 'float32': return Buffer.from(new Float32Array(xs).buffer);
    case 'float64': return Buffer.from(new Float64Array(xs).buffer);
    case 'int64': return Buffer.from(new BigInt64Array(xs.map((x) => BigInt(Math.trunc(x)))).buffer);
    case 'int32': return Buffer.from(new Int32Array(xs).buffer);
    case 'bool': return Buffer.from(new Uint8Array(xs.map((x) => (x ? 1 : 0))).buffer);
    default: throw new ExportError(`tensors of dtype ${d} are not exported`);
  }
}

function attr(name: string, v: AttrValue): onnx.IAttributeProto {
  const A = onnx.AttributeProto.AttributeType;
  if (typeof v === 'number') return { name, type: A.INT, i: v };
  if (typeof v === 'string') return { name, type: A.STRING, s: Buffer.from(v) };
  if (Array.isArray(v)) return { name, type: A.INTS, ints: v };
  if ('float' in v) return { name, type: A.FLOAT, f: v.float };
  return { name, type: A.FLOATS, floats: v.floats };
}

export function valueInfo(name: string, dtype: DType, shape: number[]): onnx.IValueInfoProto {
  return {
    name,
    type: { tensorType: { elemType: elemType(dtype), shape: { dim: shape.map((d) => ({ dimValue: d })) } } },
  };
}
