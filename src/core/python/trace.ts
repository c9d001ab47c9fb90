// Op-level trace of one symbolic forward: every tensor-producing call (leaf module, torch.*,
// F.*, Tensor method, operator, indexing) with its arguments, so the dataflow can be exported
// (ONNX). Only the outermost call is recorded: a leaf module's internals or an op implemented
// with other ops appear as one node. Shapes are the analysed ones, so the trace is static.
import { Value, Span, PyTuple, PyList, PySlice, PyEllipsis, PyFloat, PyInstance, PyDict, Tensor, Unknown, DType, isNum, num } from './values';

/** An argument or result, with tensors replaced by their trace ids. */
export type TArg =
  | { t: number }
  | { i: number }
  | { f: number }
  | { b: boolean }
  | { s: string }
  | { none: true }
  | { seq: TArg[]; list: boolean }
  | { slice: [TArg, TArg, TArg] }
  | { ellipsis: true }
  | { dtype: string }
  | { dict: [string, TArg][] }
  | { other: string };

export interface TraceTensor {
  id: number;
  shape: number[];
  dtype: DType;
  /** How the value arises: a model input, a node's result, or a value made outside the forward. */
  source: 'input' | 'node' | 'param' | 'buffer' | 'const';
  /** Parameter/buffer name (named_parameters()/named_buffers() path) for param/buffer. */
  name?: string;
  /** Concrete values, when the engine knows them (small tensors built from numbers). */
  data?: number[];
}

export interface TraceNode {
  /** `nn.Conv2d` (leaf module), `torch.cat`, `F.relu`, `Tensor.view`, `op:+`, `getitem`, ... */
  op: string;
  /** Path of the innermost running module ('' = the root). */
  scope: string;
  /** The leaf module's path, for module nodes. */
  module?: string;
  /** The catalogue layer this call ran (leaf modules, and F.* calls that reuse a layer's rule). */
  layer?: string;
  /** That layer's attributes (kernel_size, stride, weight, ...), as torch names them. */
  attrs?: [string, TArg][];
  args: TArg[];
  kw: [string, TArg][];
  out: TArg;
  at: Span | null;
}

export interface OpTrace {
  tensors: TraceTensor[];
  nodes: TraceNode[];
  inputs: number[];
  output: TArg | null;
  /** What the trace could not follow (an export refuses when non-empty). */
  problems: string[];
}

export class Tracer {
  private readonly ids = new Map<Tensor, number>();
  readonly tensors: TraceTensor[] = [];
  readonly nodes: TraceNode[] = [];
  readonly problems: string[] = [];
  private depth = 0;
  private inputs: number[] = [];
  private pending: { layer: string; m: PyInstance } | null = null;

  constructor(
    private readonly pathOf: Map<PyInstance, string>,
    private readonly named: Map<Tensor, { name: string; kind: 'param' | 'buffer' }>,
    private readonly scopeOf: () => string,
  ) {}

  /** True while an outer recorded call runs (its inner calls are part of it). */
  get busy(): boolean { return this.depth > 0; }

  private firstSerial = Infinity;

  addInputs(ts: Tensor[]): void {
    this.inputs = ts.map((t) => this.fresh(t, 'input'));
    this.firstSerial = Math.max(...ts.map((t) => t.serial));
  }

  private fresh(t: Tensor, source: TraceTensor['source'], name?: string): number {
    const id = this.tensors.length;
    const rec: TraceTensor = { id, shape: t.shape.slice(), dtype: t.dtype, source };
    if (name) rec.name = name;
    if (t.data && source !== 'node' && source !== 'input') rec.data = t.data.slice();
    this.tensors.push(rec);
    this.ids.set(t, id);
    return id;
  }

  private ref(t: Tensor): number {
    const id = this.ids.get(t);
    if (id !== undefined) return id;
    const n = this.named.get(t);
    // A value made during the forward that no recorded call produced came from code the trace
    // does not follow: exporting it as a constant would be wrong.
    if (!n && t.serial > this.firstSerial && !t.data) this.unsupported(`a tensor of shape [${t.shape.join(', ')}] computed by untraced code`);
    return this.fresh(t, n ? n.kind : 'const', n?.name);
  }

  /** Serialises an argument; tensors not seen before become constants. */
  arg(v: Value, seen = 0): TArg {
    if (seen > 6) return { other: 'nested too deep' };
    if (v instanceof Tensor) return { t: this.ref(v) };
    if (v === null) return { none: true };
    if (typeof v === 'boolean') return { b: v };
    if (typeof v === 'string') return { s: v };
    if (v instanceof PyFloat) return { f: v.v };
    if (isNum(v)) return { i: num(v) };
    if (v instanceof PyTuple || v instanceof PyList) return { seq: v.items.map((x) => this.arg(x, seen + 1)), list: v instanceof PyList };
    if (v instanceof PySlice) return { slice: [this.arg(v.start, seen + 1), this.arg(v.stop, seen + 1), this.arg(v.step, seen + 1)] };
    if (v === PyEllipsis.it) return { ellipsis: true };
    if (v instanceof PyDict) return { dict: v.entries().map(([k, x]) => [String(k), this.arg(x, seen + 1)]) };
    if (v instanceof PyInstance && typeof v.native === 'string' && v.cls.name === 'dtype') return { dtype: v.native };
    if (v instanceof Unknown) return { other: `unknown: ${v.reason}` };
    return { other: typeof v === 'object' && v && 'cls' in v ? String((v as PyInstance).cls?.name) : typeof v };
  }

  /** Results get fresh ids, even a tensor object seen before (an in-place op's new value). */
  private result(v: Value, seen = 0): TArg {
    if (v instanceof Tensor) return { t: this.fresh(v, 'node') };
    if ((v instanceof PyTuple || v instanceof PyList) && seen < 4) return { seq: v.items.map((x) => this.result(x, seen + 1)), list: v instanceof PyList };
    return this.arg(v);
  }

  /**
   * Runs `f` as one recorded call. Calls without a tensor result (x.size(), x.dim()) leave no node:
   * their values are static in the trace. Calls without tensor arguments (torch.zeros in forward)
   * make constants.
   */
  call(op: string, args: Value[], kw: Map<string, Value> | null, at: Span | null, f: () => Value, module?: PyInstance): Value {
    if (this.depth > 0) return f();
    const scope = this.scopeOf();
    // Arguments are read before the call: an in-place op changes what its input object means.
    const argsT = args.map((x) => this.arg(x));
    const kwT: [string, TArg][] = kw ? [...kw].map(([k, x]) => [k, this.arg(x)]) : [];
    this.pending = module ? { layer: op.replace(/^nn\./, ''), m: module } : null;
    this.depth++;
    let out: Value;
    try {
      out = f();
    } finally {
      this.depth--;
    }
    const layer = this.pending;
    this.pending = null;
    if (!hasTensor(out)) return out;
    if (!hasTensorArg(argsT) && !kwT.some(([, x]) => hasTensorArg([x]))) {
      this.constants(out);
      return out;
    }
    const self = args[0] instanceof Tensor ? args[0] : null;
    if (inPlace(op, args, kw, module)) {
      // torch writes into the input and returns it: every name bound to that object sees the new value.
      const node: TraceNode = { op, scope, args: argsT, kw: kwT, out: this.result(out), at };
      if (self && out instanceof Tensor && out !== self) this.ids.set(self, this.ids.get(out)!);
      return this.push(node, module, layer, out);
    }
    // The engine returns its input object from shape-preserving rules (an activation, a norm);
    // torch makes a new tensor, so the result gets an object of its own.
    if (out instanceof Tensor && args.includes(out)) out = new Tensor(out.shape, out.dtype, out.data);
    const node: TraceNode = { op, scope, args: argsT, kw: kwT, out: this.result(out), at };
    return this.push(node, module, layer, out);
  }

  private push(node: TraceNode, module: PyInstance | undefined, layer: { layer: string; m: PyInstance } | null, out: Value): Value {
    if (module) node.module = this.pathOf.get(module) ?? '?';
    if (layer) {
      node.layer = layer.layer;
      node.attrs = [];
      for (const [k, v] of layer.m.attrs) {
        if (k === 'training') continue;
        node.attrs.push([k, this.arg(v)]);
        // A child module used inside (MultiheadAttention's out_proj): its parameters by dotted name.
        if (v instanceof PyInstance && v.module) for (const [pk, t] of v.module.params) node.attrs.push([`${k}.${pk}`, this.arg(t)]);
      }
    }
    this.nodes.push(node);
    return out;
  }

  /** An F.* call ran the shape rule of catalogue layer `layer` configured as `m`. */
  layer(layer: string, m: PyInstance): void { if (this.depth === 1) this.pending = { layer, m }; }

  private constants(v: Value): void {
    if (v instanceof Tensor) this.fresh(v, 'const');
    else if (v instanceof PyTuple || v instanceof PyList) for (const x of v.items) this.constants(x);
  }

  /** `x[idx] = v`: a new value of x (every name bound to x sees it). */
  setitem(obj: Tensor, idx: Value, v: Value, at: Span | null): void {
    if (this.depth > 0) return;
    const args = [this.arg(obj), this.arg(idx), this.arg(v)];
    this.nodes.push({ op: 'setitem', scope: this.scopeOf(), args, kw: [], out: { t: this.fresh(obj, 'node') }, at });
  }

  /** An operation the trace cannot express: export refuses. */
  unsupported(what: string): void { if (this.depth === 0 && !this.problems.includes(what)) this.problems.push(what); }

  finish(output: Value): OpTrace {
    return { tensors: this.tensors, nodes: this.nodes, inputs: this.inputs, output: output instanceof Unknown ? null : this.arg(output), problems: this.problems };
  }
}

function hasTensor(v: Value, depth = 0): boolean {
  if (v instanceof Tensor) return true;
  if ((v instanceof PyTuple || v instanceof PyList) && depth < 4) return v.items.some((x) => hasTensor(x, depth + 1));
  return false;
}

export function hasTensorArg(xs: TArg[]): boolean {
  return xs.some((x) => 't' in x || ('seq' in x && hasTensorArg(x.seq)) || ('dict' in x && hasTensorArg(x.dict.map(([, y]) => y))));
}

/** F.* activations whose `inplace` flag is positional at this index. */
const INPLACE_AT: Record<string, number> = {
  'F.relu': 1, 'F.relu6': 1, 'F.hardswish': 1, 'F.hardsigmoid': 1, 'F.silu': 1, 'F.mish': 1, 'F.selu': 1,
  'F.elu': 2, 'F.celu': 2, 'F.leaky_relu': 2, 'F.hardtanh': 3, 'F.threshold': 3, 'F.dropout': 3, 'F.dropout2d': 3,
};

/** Does this call write into its input (x.relu_(), F.relu(x, inplace=True), nn.ReLU(inplace=True))? */
function inPlace(op: string, args: Value[], kw: Map<string, Value> | null, module?: PyInstance): boolean {
  const name = op.replace(/^.*\./, '');
  if (name.endsWith('_') && !name.endsWith('__')) return true;
  if (kw?.get('inplace') === true) return true;
  if (INPLACE_AT[op] !== undefined && args[INPLACE_AT[op]] === true) return true;
  return module?.attrs.get('inplace') === true;
}
