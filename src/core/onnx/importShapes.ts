// Shape inference over an ONNX graph, for the importer: static shapes of every value from the
// graph inputs, following the ONNX operator definitions of the ops torch's exporter and ours
// write (convolutions, pooling, matmuls, elementwise, shape plumbing). Small integer tensors
// (shape arithmetic: Shape → Gather → Concat → Reshape) are evaluated too. An op not covered
// here gives explicit unknown shapes with the reason, never a guess; a value_info or graph
// output that states a static shape fills such a gap.
import { onnx, Attrs, tensorDims, tensorValues, numel, valueInfoShape } from './proto';

const DT = onnx.TensorProto.DataType;

export interface ValueFacts {
  /** Static shape; null when unknown (see `why`). */
  shape: number[] | null;
  /** TensorProto.DataType; 0 when unknown. */
  elemType: number;
  /** The values, for small tensors whose values are known (flattened, row-major). */
  value?: number[];
  /** Why the shape is unknown. */
  why?: string;
  /** Produced by a Constant node or stored as an initializer (not computed from the inputs). */
  constant?: boolean;
}

export interface ShapeResult {
  facts: Map<string, ValueFacts>;
  /** Nodes whose outputs came out unknown because of the node itself (not an unknown input). */
  failures: { node: string; opType: string; reason: string }[];
}

/** Most elements of a tensor whose values are tracked. */
const VALUE_LIMIT = 4096;

type Rule = (ins: (ValueFacts | undefined)[], a: Attrs, node: onnx.INodeProto, opset: number) => ValueFacts[] | string;

class Unknown extends Error {}
const need = (cond: unknown, why: string): void => { if (!cond) throw new Unknown(why); };
const shapeOf = (f: ValueFacts | undefined, what = 'an input'): number[] => {
  if (!f || !f.shape) throw new Unknown(`${what} has no known shape`);
  return f.shape;
};
const valueOf = (f: ValueFacts | undefined, what: string): number[] => {
  if (!f || !f.value) throw new Unknown(`${what} is computed at run time (its values are not known statically)`);
  return f.value;
};
const T = (shape: number[], elemType: number, value?: number[]): ValueFacts => {
  const v: ValueFacts = { shape, elemType };
  if (value && value.length <= VALUE_LIMIT) v.value = value;
  return v;
};
const axisOf = (axis: number, rank: number): number => {
  const a = axis < 0 ? axis + rank : axis;
  need(a >= 0 && a < Math.max(rank, 1), `axis ${axis} is out of range for rank ${rank}`);
  return a;
};
const isInt = (t: number) => t === DT.INT64 || t === DT.INT32 || t === DT.INT16 || t === DT.INT8 || t === DT.UINT8 || t === DT.UINT16 || t === DT.UINT32 || t === DT.UINT64;

/** numpy broadcasting of static shapes. */
export function broadcast(shapes: number[][]): number[] {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    let d = 1;
    for (const s of shapes) {
      const x = s[s.length - rank + i] ?? 1;
      if (x === 1) continue;
      need(d === 1 || d === x, `shapes ${shapes.map((s) => `[${s.join(',')}]`).join(' and ')} do not broadcast`);
      d = x;
    }
    out.push(d);
  }
  return out;
}

/** Elementwise op over small known tensors, with broadcasting. */
function elementwise(ins: ValueFacts[], out: number[], f: (...xs: number[]) => number): number[] | undefined {
  if (numel(out) > VALUE_LIMIT || ins.some((x) => !x.value || !x.shape)) return undefined;
  const n = numel(out);
  const res: number[] = new Array(n);
  const idx = new Array(out.length).fill(0);
  for (let k = 0; k < n; k++) {
    const args = ins.map((x) => {
      const s = x.shape!;
      let off = 0;
      for (let i = 0; i < s.length; i++) off = off * s[i] + (s[i] === 1 ? 0 : idx[out.length - s.length + i]);
      return x.value![off];
    });
    res[k] = f(...args);
    for (let i = out.length - 1; i >= 0; i--) { if (++idx[i] < out[i]) break; idx[i] = 0; }
  }
  return res;
}

const same: Rule = (ins) => {
  const x = ins[0];
  const s = shapeOf(x);
  return [T(s, x!.elemType)];
};

function binary(kind: 'arith' | 'compare' | 'logic', f?: (a: number, b: number) => number, intF?: (a: number, b: number) => number): Rule {
  return (ins) => {
    const xs = ins.filter((x): x is ValueFacts => !!x);
    const out = broadcast(xs.map((x) => shapeOf(x)));
    const type = kind === 'arith' ? xs[0].elemType : DT.BOOL;
    const g = intF && isInt(type) ? intF : f;
    const value = g ? elementwise(xs, out, (...v) => v.reduce((p, q) => g(p, q))) : undefined;
    return [T(out, type, value)];
  };
}

function convOut(x: number[], w: number[], a: Attrs, transposed: boolean): number[] {
  const k = a.ints('kernel_shape') ?? w.slice(2);
  const sp = x.length - 2;
  need(sp >= 1 && k.length === sp, `kernel rank ${k.length} does not fit input rank ${x.length}`);
  const strides = a.ints('strides') ?? new Array(sp).fill(1);
  const dil = a.ints('dilations') ?? new Array(sp).fill(1);
  const pads = a.ints('pads') ?? new Array(2 * sp).fill(0);
  const auto = a.str('auto_pad', 'NOTSET');
  const group = a.int('group', 1);
  const out: number[] = [x[0], transposed ? w[1] * group : w[0]];
  if (transposed) {
    const given = a.ints('output_shape');
    const opad = a.ints('output_padding') ?? new Array(sp).fill(0);
    for (let i = 0; i < sp; i++) {
      if (given) { out.push(given[given.length - sp + i]); continue; }
      if (auto === 'SAME_UPPER' || auto === 'SAME_LOWER') { out.push(x[2 + i] * strides[i]); continue; }
      const p = auto === 'VALID' ? 0 : pads[i] + pads[i + sp];
      out.push(strides[i] * (x[2 + i] - 1) + opad[i] + ((k[i] - 1) * dil[i] + 1) - p);
    }
  } else {
    need(x[1] === w[1] * group, `input has ${x[1]} channels, the weight expects ${w[1] * group}`);
    for (let i = 0; i < sp; i++) out.push(windowOut(x[2 + i], k[i], strides[i], dil[i], pads[i], pads[i + sp], auto, false));
  }
  return out;
}

function windowOut(d: number, k: number, s: number, dil: number, pb: number, pe: number, auto: string, ceil: boolean): number {
  if (auto === 'SAME_UPPER' || auto === 'SAME_LOWER') return Math.ceil(d / s);
  if (auto === 'VALID') { pb = 0; pe = 0; }
  const span = dil * (k - 1) + 1;
  const q = (d + pb + pe - span) / s;
  let out = (ceil ? Math.ceil(q) : Math.floor(q)) + 1;
  // Ceil mode: the last window must start inside the input or its left padding (torch's rule).
  if (ceil && (out - 1) * s >= d + pb) out--;
  need(out >= 1, `a window of ${span} does not fit an input of ${d} (padding ${pb}+${pe})`);
  return out;
}

const pool: Rule = (ins, a) => {
  const x = shapeOf(ins[0]);
  const k = a.ints('kernel_shape');
  need(k, 'the pool has no kernel_shape');
  const sp = x.length - 2;
  const strides = a.ints('strides') ?? new Array(sp).fill(1);
  const dil = a.ints('dilations') ?? new Array(sp).fill(1);
  const pads = a.ints('pads') ?? new Array(2 * sp).fill(0);
  const auto = a.str('auto_pad', 'NOTSET');
  const ceil = a.int('ceil_mode', 0) === 1;
  const out = [x[0], x[1], ...x.slice(2).map((d, i) => windowOut(d, k![i], strides[i], dil[i], pads[i], pads[i + sp], auto, ceil))];
  return [T(out, ins[0]!.elemType), T(out, DT.INT64)];
};

const globalPool: Rule = (ins) => {
  const x = shapeOf(ins[0]);
  return [T([x[0], x[1], ...x.slice(2).map(() => 1)], ins[0]!.elemType)];
};

const matmul: Rule = (ins) => {
  let a = shapeOf(ins[0]), b = shapeOf(ins[1]);
  const aVec = a.length === 1, bVec = b.length === 1;
  if (aVec) a = [1, a[0]];
  if (bVec) b = [b[0], 1];
  need(a[a.length - 1] === b[b.length - 2], `matmul of [${a}] and [${b}]: inner dimensions differ`);
  const batch = broadcast([a.slice(0, -2), b.slice(0, -2)]);
  const out = [...batch, ...(aVec ? [] : [a[a.length - 2]]), ...(bVec ? [] : [b[b.length - 1]])];
  return [T(out, ins[0]!.elemType)];
};

const gemm: Rule = (ins, a) => {
  const A = shapeOf(ins[0]), B = shapeOf(ins[1]);
  need(A.length === 2 && B.length === 2, 'Gemm needs 2-D inputs');
  const [M, K] = a.int('transA', 0) ? [A[1], A[0]] : A;
  const [K2, N] = a.int('transB', 0) ? [B[1], B[0]] : B;
  need(K === K2, `Gemm of [${A}] and [${B}]: inner dimensions differ`);
  return [T([M, N], ins[0]!.elemType)];
};

const reshape: Rule = (ins, a) => {
  const x = ins[0]!;
  const xs = shapeOf(x);
  const spec = valueOf(ins[1], 'the target shape');
  const allowZero = a.int('allowzero', 0) === 1;
  const out = spec.map((d, i) => (d === 0 && !allowZero ? xs[i] : d));
  const known = out.filter((d) => d !== -1).reduce((p, d) => p * d, 1);
  const free = out.indexOf(-1);
  if (free >= 0) {
    need(known > 0 && numel(xs) % known === 0, `cannot reshape [${xs}] into [${spec}]`);
    out[free] = numel(xs) / known;
  }
  need(numel(out) === numel(xs), `cannot reshape [${xs}] into [${spec}]`);
  return [T(out, x.elemType, x.value)];
};

const flatten: Rule = (ins, a) => {
  const x = shapeOf(ins[0]);
  const axis = a.int('axis', 1);
  const ax = axis < 0 ? axis + x.length : axis;
  return [T([numel(x.slice(0, ax)), numel(x.slice(ax))], ins[0]!.elemType, ins[0]!.value)];
};

const concat: Rule = (ins, a) => {
  const xs = ins.filter((x): x is ValueFacts => !!x);
  const shapes = xs.map((x) => shapeOf(x));
  const rank = shapes[0].length;
  const ax = axisOf(a.int('axis', 0), rank);
  const out = shapes[0].slice();
  out[ax] = shapes.reduce((t, s) => t + s[ax], 0);
  const value = rank === 1 && xs.every((x) => x.value) ? xs.flatMap((x) => x.value!) : undefined;
  return [T(out, xs[0].elemType, value)];
};

const split: Rule = (ins, a, node, opset) => {
  const x = shapeOf(ins[0]);
  const ax = axisOf(a.int('axis', 0), x.length);
  const n = (node.output ?? []).length;
  let parts = opset >= 13 ? (ins[1] ? valueOf(ins[1], 'the split sizes') : null) : a.ints('split');
  if (!parts) {
    const per = a.has('num_outputs') ? Math.ceil(x[ax] / a.int('num_outputs', n)) : x[ax] / n;
    need(Number.isInteger(per), `${x[ax]} does not split into ${n} equal parts`);
    parts = Array.from({ length: n }, (_, i) => Math.min(per, x[ax] - i * per));
  }
  return parts.map((p) => { const s = x.slice(); s[ax] = p; return T(s, ins[0]!.elemType); });
};

const slice: Rule = (ins, a, _node, opset) => {
  const x = ins[0]!;
  const xs = shapeOf(x);
  const starts = opset >= 10 ? valueOf(ins[1], 'the slice starts') : a.ints('starts');
  const ends = opset >= 10 ? valueOf(ins[2], 'the slice ends') : a.ints('ends');
  need(starts && ends, 'the slice has no starts/ends');
  const axes = (opset >= 10 ? (ins[3] ? valueOf(ins[3], 'the slice axes') : null) : a.ints('axes')) ?? starts!.map((_, i) => i);
  const steps = (opset >= 10 && ins[4] ? valueOf(ins[4], 'the slice steps') : null) ?? starts!.map(() => 1);
  const out = xs.slice();
  const ranges = xs.map((d) => [0, d, 1]);
  axes.forEach((axis, i) => {
    const ax = axisOf(axis, xs.length);
    const d = xs[ax], step = steps[i];
    need(step !== 0, 'slice step 0');
    let s = starts![i], e = ends![i];
    if (s < 0) s += d;
    if (e < 0) e += d;
    if (step > 0) { s = Math.min(Math.max(s, 0), d); e = Math.min(Math.max(e, 0), d); out[ax] = Math.max(0, Math.ceil((e - s) / step)); }
    else { s = Math.min(Math.max(s, 0), d - 1); e = Math.min(Math.max(e, -1), d - 1); out[ax] = Math.max(0, Math.ceil((s - e) / -step)); }
    ranges[ax] = [s, e, step];
  });
  let value: number[] | undefined;
  if (x.value && xs.length === 1) {
    value = [];
    const [s, , step] = ranges[0];
    for (let k = 0; k < out[0]; k++) value.push(x.value[s + k * step]);
  }
  return [T(out, x.elemType, value)];
};

const transpose: Rule = (ins, a) => {
  const x = shapeOf(ins[0]);
  const perm = a.ints('perm') ?? x.map((_, i) => x.length - 1 - i);
  need(perm.length === x.length, `perm of ${perm.length} axes for rank ${x.length}`);
  return [T(perm.map((p) => x[p]), ins[0]!.elemType)];
};

const gather: Rule = (ins, a) => {
  const data = ins[0]!, idx = ins[1]!;
  const ds = shapeOf(data), is = shapeOf(idx);
  const ax = axisOf(a.int('axis', 0), ds.length);
  const out = [...ds.slice(0, ax), ...is, ...ds.slice(ax + 1)];
  let value: number[] | undefined;
  if (data.value && idx.value && ds.length === 1) value = idx.value.map((i) => data.value![i < 0 ? i + ds[0] : i]);
  return [T(out, data.elemType, value)];
};

const squeeze: Rule = (ins, a, _n, opset) => {
  const x = ins[0]!;
  const xs = shapeOf(x);
  const axes = (opset >= 13 ? (ins[1] ? valueOf(ins[1], 'the squeeze axes') : null) : a.ints('axes'));
  const drop = new Set(axes ? axes.map((d) => axisOf(d, xs.length)) : xs.map((d, i) => (d === 1 ? i : -1)).filter((i) => i >= 0));
  return [T(xs.filter((_, i) => !drop.has(i)), x.elemType, x.value)];
};

const unsqueeze: Rule = (ins, a, _n, opset) => {
  const x = ins[0]!;
  const xs = shapeOf(x);
  const axes = opset >= 13 ? valueOf(ins[1], 'the unsqueeze axes') : a.ints('axes');
  need(axes, 'unsqueeze without axes');
  const rank = xs.length + axes!.length;
  const at = new Set(axes!.map((d) => axisOf(d, rank)));
  const out: number[] = [];
  let j = 0;
  for (let i = 0; i < rank; i++) out.push(at.has(i) ? 1 : xs[j++]);
  return [T(out, x.elemType, x.value)];
};

function reduce(inputSince: number): Rule {
  return (ins, a, _n, opset) => {
    const x = shapeOf(ins[0]);
    const axes = opset >= inputSince ? (ins[1] ? valueOf(ins[1], 'the reduction axes') : null) : a.ints('axes');
    const keep = a.int('keepdims', 1) === 1;
    if ((!axes || !axes.length) && a.int('noop_with_empty_axes', 0) === 1) return [T(x, ins[0]!.elemType)];
    const set = new Set(axes && axes.length ? axes.map((d) => axisOf(d, x.length)) : x.map((_, i) => i));
    const out: number[] = [];
    x.forEach((d, i) => { if (!set.has(i)) out.push(d); else if (keep) out.push(1); });
    return [T(out, ins[0]!.elemType)];
  };
}

const argReduce: Rule = (ins, a) => {
  const x = shapeOf(ins[0]);
  const ax = axisOf(a.int('axis', 0), x.length);
  const keep = a.int('keepdims', 1) === 1;
  return [T(x.flatMap((d, i) => (i !== ax ? [d] : keep ? [1] : [])), DT.INT64)];
};

const pad: Rule = (ins, a, _n, opset) => {
  const x = shapeOf(ins[0]);
  const pads = opset >= 11 ? valueOf(ins[1], 'the pads') : a.ints('pads');
  need(pads, 'pad without pads');
  const axes = opset >= 18 && ins[3] ? valueOf(ins[3], 'the pad axes').map((d) => axisOf(d, x.length)) : x.map((_, i) => i);
  const out = x.slice();
  axes.forEach((ax, i) => { out[ax] = x[ax] + pads![i] + pads![i + axes.length]; });
  return [T(out, ins[0]!.elemType)];
};

const resize: Rule = (ins, a, node, opset) => {
  const x = shapeOf(ins[0]);
  let sizes: number[] | null = null, scales: number[] | null = null;
  if (node.opType === 'Upsample' && opset < 9) scales = a.floats('scales');
  else if (opset <= 10) scales = valueOf(ins[1], 'the resize scales');
  else {
    if (ins[3] && ins[3].shape && numel(ins[3].shape) > 0) sizes = valueOf(ins[3], 'the resize sizes');
    else if (ins[2] && ins[2].shape && numel(ins[2].shape) > 0) scales = valueOf(ins[2], 'the resize scales');
  }
  need(sizes || scales, 'resize without sizes or scales');
  const axes = a.ints('axes')?.map((d) => axisOf(d, x.length)) ?? x.map((_, i) => i);
  const out = x.slice();
  axes.forEach((ax, i) => { out[ax] = sizes ? sizes[i] : Math.floor(x[ax] * scales![i] + 1e-9); });
  return [T(out, ins[0]!.elemType)];
};

const shape: Rule = (ins, a) => {
  const x = shapeOf(ins[0]);
  const r = x.length;
  const clampAx = (v: number) => Math.min(Math.max(v < 0 ? v + r : v, 0), r);
  const start = clampAx(a.int('start', 0)), end = clampAx(a.int('end', r));
  const dims = x.slice(start, Math.max(start, end));
  return [T([dims.length], DT.INT64, dims)];
};

const constant: Rule = (_ins, a) => {
  const t = a.tensor('value');
  if (t) {
    const f = T(tensorDims(t), t.dataType ?? 0, tensorValues(t, VALUE_LIMIT) ?? undefined);
    f.constant = true;
    return [f];
  }
  const scalar = (v: number[], type: number, rank0: boolean) => ({ ...T(rank0 ? [] : [v.length], type, v), constant: true });
  if (a.has('value_float')) return [scalar([a.float('value_float', 0)], DT.FLOAT, true)];
  if (a.has('value_floats')) return [scalar(a.floats('value_floats') ?? [], DT.FLOAT, false)];
  if (a.has('value_int')) return [scalar([a.int('value_int', 0)], DT.INT64, true)];
  if (a.has('value_ints')) return [scalar(a.ints('value_ints') ?? [], DT.INT64, false)];
  throw new Unknown('a Constant of a kind not read here (sparse or string)');
};

const constantOfShape: Rule = (ins, a) => {
  const dims = valueOf(ins[0], 'the shape');
  const t = a.tensor('value');
  const fill = t ? (tensorValues(t, 1) ?? [0])[0] : 0;
  const type = t?.dataType ?? DT.FLOAT;
  const n = numel(dims);
  return [T(dims, type, n <= VALUE_LIMIT ? new Array(n).fill(fill) : undefined)];
};

const expand: Rule = (ins) => {
  const x = ins[0]!;
  const out = broadcast([shapeOf(x), valueOf(ins[1], 'the target shape')]);
  return [T(out, x.elemType, elementwise([x], out, (v) => v))];
};

const tile: Rule = (ins) => {
  const x = shapeOf(ins[0]);
  const reps = valueOf(ins[1], 'the repeats');
  return [T(x.map((d, i) => d * reps[i]), ins[0]!.elemType)];
};

const range: Rule = (ins) => {
  const [s] = valueOf(ins[0], 'the range start'), [l] = valueOf(ins[1], 'the range limit'), [d] = valueOf(ins[2], 'the range delta');
  const n = Math.max(Math.ceil((l - s) / d), 0);
  return [T([n], ins[0]!.elemType, n <= VALUE_LIMIT ? Array.from({ length: n }, (_, i) => s + i * d) : undefined)];
};

const depthToSpace: Rule = (ins, a) => {
  const [n, c, h, w] = shapeOf(ins[0]);
  const b = a.int('blocksize', 1);
  return [T([n, c / (b * b), h * b, w * b], ins[0]!.elemType)];
};

const spaceToDepth: Rule = (ins, a) => {
  const [n, c, h, w] = shapeOf(ins[0]);
  const b = a.int('blocksize', 1);
  return [T([n, c * b * b, h / b, w / b], ins[0]!.elemType)];
};

const topk: Rule = (ins, a, _n, opset) => {
  const x = shapeOf(ins[0]);
  const k = opset >= 10 ? valueOf(ins[1], 'k')[0] : a.int('k', 0);
  const ax = axisOf(a.int('axis', -1), x.length);
  const out = x.slice();
  out[ax] = k;
  return [T(out, ins[0]!.elemType), T(out, DT.INT64)];
};

const cast: Rule = (ins, a) => {
  const x = ins[0]!;
  const to = a.int('to', 0);
  const v = x.value && (isInt(to) ? x.value.map(Math.trunc) : x.value);
  return [T(shapeOf(x), to, v)];
};

const batchNorm: Rule = (ins) => {
  const x = ins[0]!;
  const s = shapeOf(x);
  // Training mode (opset 14+) also outputs the running statistics.
  return [T(s, x.elemType), T([s[1]], x.elemType), T([s[1]], x.elemType)];
};

const layerNorm: Rule = (ins, a) => {
  const x = ins[0]!;
  const s = shapeOf(x);
  const ax = axisOf(a.int('axis', -1), s.length);
  const stat = s.map((d, i) => (i < ax ? d : 1));
  return [T(s, x.elemType), T(stat, DT.FLOAT), T(stat, DT.FLOAT)];
};

const dropout: Rule = (ins) => {
  const x = ins[0]!;
  return [T(shapeOf(x), x.elemType), T(shapeOf(x), DT.BOOL)];
};

const where: Rule = (ins) => {
  const xs = ins.filter((x): x is ValueFacts => !!x);
  const out = broadcast(xs.map((x) => shapeOf(x)));
  return [T(out, ins[1]!.elemType, elementwise(xs, out, (c, p, q) => (c ? p : q)))];
};

/** Einsum without ellipsis: the letters' sizes from the operands, the output from the equation. */
export function einsumLetters(eq: string, shapes: number[][]): { terms: string[]; out: string; sizes: Map<string, number> } {
  const e = eq.replace(/\s+/g, '');
  need(!e.includes('...'), 'Einsum with an ellipsis');
  const [lhs, rhs] = e.split('->');
  const terms = lhs.split(',');
  need(terms.length === shapes.length, `Einsum ${eq}: ${terms.length} terms for ${shapes.length} operands`);
  const sizes = new Map<string, number>();
  terms.forEach((t, i) => {
    need(t.length === shapes[i].length, `Einsum ${eq}: term ${t} for an operand of rank ${shapes[i].length}`);
    [...t].forEach((l, k) => sizes.set(l, Math.max(sizes.get(l) ?? 1, shapes[i][k])));
  });
  const out = rhs ?? [...sizes.keys()].filter((l) => lhs.split('').filter((x) => x === l).length === 1).sort().join('');
  return { terms, out, sizes };
}

const einsum: Rule = (ins, a) => {
  const { out, sizes } = einsumLetters(a.str('equation', ''), ins.map((x) => shapeOf(x)));
  return [T([...out].map((l) => sizes.get(l)!), ins[0]!.elemType)];
};

const sizeOp: Rule = (ins) => [T([], DT.INT64, [numel(shapeOf(ins[0]))])];

const identity: Rule = (ins) => {
  const x = ins[0]!;
  return [{ ...T(shapeOf(x), x.elemType, x.value), ...(x.constant ? { constant: true } : {}) }];
};

const unary = (f: (x: number) => number): Rule => (ins) => {
  const x = ins[0]!;
  return [T(shapeOf(x), x.elemType, x.value?.map(f))];
};

const truncDiv = (a: number, b: number) => Math.trunc(a / b);
const RULES: Record<string, Rule> = {
  Identity: identity, Cast: cast, Neg: unary((x) => -x), Abs: unary(Math.abs), Floor: unary(Math.floor), Ceil: unary(Math.ceil),
  Sqrt: unary(Math.sqrt), Relu: same, LeakyRelu: same, Elu: same, Selu: same, Celu: same, Sigmoid: same, HardSigmoid: same,
  HardSwish: same, Tanh: same, Softplus: same, Softsign: same, Mish: same, Gelu: same, Erf: same, Exp: same, Log: same,
  Reciprocal: same, Round: same, Sign: same, Sin: same, Cos: same, Not: same, Clip: same, Softmax: same, LogSoftmax: same,
  Hardmax: same, LRN: same, InstanceNormalization: same, GroupNormalization: same, MeanVarianceNormalization: same,
  Shrink: same, ThresholdedRelu: same, CumSum: same, Trilu: same, PRelu: binary('arith'), CastLike: (ins) => [T(shapeOf(ins[0]), ins[1]?.elemType ?? 0)],
  IsNaN: (ins) => [T(shapeOf(ins[0]), DT.BOOL)], IsInf: (ins) => [T(shapeOf(ins[0]), DT.BOOL)],
  BatchNormalization: batchNorm, LayerNormalization: layerNorm, Dropout: dropout,
  Add: binary('arith', (a, b) => a + b), Sub: binary('arith', (a, b) => a - b), Mul: binary('arith', (a, b) => a * b),
  Div: binary('arith', (a, b) => a / b, truncDiv), Pow: binary('arith', (a, b) => a ** b), Mod: binary('arith', (a, b) => a % b),
  Max: binary('arith', Math.max), Min: binary('arith', Math.min), Sum: binary('arith', (a, b) => a + b), Mean: binary('arith'),
  Equal: binary('compare', (a, b) => Number(a === b)), Less: binary('compare', (a, b) => Number(a < b)),
  LessOrEqual: binary('compare', (a, b) => Number(a <= b)), Greater: binary('compare', (a, b) => Number(a > b)),
  GreaterOrEqual: binary('compare', (a, b) => Number(a >= b)), And: binary('logic', (a, b) => Number(a && b)),
  Or: binary('logic', (a, b) => Number(a || b)), Xor: binary('logic', (a, b) => Number(!!a !== !!b)), Where: where,
  Conv: (ins, a) => [T(convOut(shapeOf(ins[0]), shapeOf(ins[1], 'the weight'), a, false), ins[0]!.elemType)],
  ConvTranspose: (ins, a) => [T(convOut(shapeOf(ins[0]), shapeOf(ins[1], 'the weight'), a, true), ins[0]!.elemType)],
  MaxPool: pool, AveragePool: pool, LpPool: pool,
  GlobalAveragePool: globalPool, GlobalMaxPool: globalPool, GlobalLpPool: globalPool,
  MatMul: matmul, Gemm: gemm, Flatten: flatten, Reshape: reshape, Concat: concat, Split: split, Slice: slice,
  Transpose: transpose, Gather: gather, Squeeze: squeeze, Unsqueeze: unsqueeze,
  ReduceSum: reduce(13), ReduceMean: reduce(18), ReduceMax: reduce(18), ReduceMin: reduce(18), ReduceProd: reduce(18),
  ReduceL1: reduce(18), ReduceL2: reduce(18), ReduceSumSquare: reduce(18), ReduceLogSum: reduce(18), ReduceLogSumExp: reduce(18),
  ArgMax: argReduce, ArgMin: argReduce, Pad: pad, Resize: resize, Upsample: resize, Shape: shape, Size: sizeOp,
  Constant: constant, ConstantOfShape: constantOfShape, Expand: expand, Tile: tile, Range: range,
  Einsum: einsum, DepthToSpace: depthToSpace, SpaceToDepth: spaceToDepth, TopK: topk,
  GatherElements: (ins) => [T(shapeOf(ins[1]), ins[0]?.elemType ?? 0)],
  ScatterElements: same, ScatterND: same,
};

export const SUPPORTED_OPS: ReadonlySet<string> = new Set(Object.keys(RULES));

/**
 * Infers the facts of every value of `g`. `inputs` gives the static shape of each graph input
 * that is not an initializer (symbolic dimensions already resolved by the caller).
 */
export function inferShapes(g: onnx.IGraphProto, opset: number, inputs: Map<string, number[] | null>, inputWhy = new Map<string, string>()): ShapeResult {
  const facts = new Map<string, ValueFacts>();
  const failures: ShapeResult['failures'] = [];
  for (const t of g.initializer ?? []) {
    if (!t.name) continue;
    const dims = tensorDims(t);
    facts.set(t.name, { ...T(dims, t.dataType ?? 0, numel(dims) <= VALUE_LIMIT ? tensorValues(t, VALUE_LIMIT) ?? undefined : undefined), constant: true });
  }
  for (const v of g.input ?? []) {
    if (!v.name || facts.has(v.name)) continue;
    const { elemType } = valueInfoShape(v);
    const s = inputs.get(v.name) ?? null;
    facts.set(v.name, s ? T(s, elemType) : { shape: null, elemType, why: inputWhy.get(v.name) ?? `the input ${v.name} has no static shape` });
  }
  // Shapes the file states (value_info, graph outputs): used where inference has none.
  const stated = new Map<string, number[]>();
  for (const v of [...(g.valueInfo ?? []), ...(g.output ?? [])]) {
    const { dims } = valueInfoShape(v);
    if (v.name && dims && dims.every((d) => typeof d === 'number')) stated.set(v.name, dims as number[]);
  }
  for (const node of g.node ?? []) {
    const ins = (node.input ?? []).map((n) => (n ? facts.get(n) : undefined));
    const outs = node.output ?? [];
    const rule = (node.domain ?? '') === '' || node.domain === 'ai.onnx' ? RULES[node.opType ?? ''] : undefined;
    let result: ValueFacts[] | string;
    const missing = ins.find((f, i) => node.input![i] && (!f || !f.shape));
    if (!rule) result = `the importer's shape inference does not cover ${node.domain ? `${node.domain}::` : ''}${node.opType}`;
    else if (missing) result = missing.why ?? 'an input has no known shape';
    else {
      try {
        result = rule(ins, new Attrs(node), node, opset);
      } catch (e) {
        if (!(e instanceof Unknown)) throw e;
        result = `${node.opType}: ${e.message}`;
      }
    }
    if (typeof result === 'string' && !missing) failures.push({ node: node.name ?? '', opType: node.opType ?? '', reason: result });
    outs.forEach((o, i) => {
      if (!o) return;
      let f: ValueFacts = typeof result === 'string' || !result[i] ? { shape: null, elemType: 0, why: typeof result === 'string' ? result : `${node.opType} output ${i} is not inferred` } : result[i];
      if (!f.shape && stated.has(o)) f = { shape: stated.get(o)!, elemType: f.elemType };
      facts.set(o, f);
    });
  }
  return { facts, failures };
}
