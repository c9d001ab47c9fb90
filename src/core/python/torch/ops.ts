// torch.* functions and Tensor methods, one table: `torch.f(x, ...)` and `x.f(...)` share an entry.
import {
  Value, Tensor, DType, PyFloat, PyTuple, PyList, PyClass, Unknown, CallArgs, CallContext, isNum, num, isInt,
} from '../values';
import {
  Op, mkTensor, shapeArgs, normDim, broadcast, binary, matmul, viewShape, reduceShape, roundTo, isFloat,
  permuteData, concatData, reduceData, ReduceKind,
} from './tensor';
import { pyRound, arg } from '../builtins';

export const DTYPES: Record<string, DType> = {
  float32: 'float32', float: 'float32', float64: 'float64', double: 'float64', float16: 'float16', half: 'float16',
  bfloat16: 'float16', int64: 'int64', long: 'int64', int32: 'int32', int: 'int32', bool: 'bool', uint8: 'int32', int8: 'int32',
};

/** Represents a torch.dtype value. */
export class DTypeValue { constructor(readonly name: DType) {} }

/**
 * The part [start, start+n) of t along dim d, with its values when t's are known (drop-path rates
 * split per stage: `torch.linspace(0, r, sum(depths)).split(depths)` → `.tolist()`).
 */
function narrowed(t: Tensor, d: number, start: number, n: number): Tensor {
  const sh = t.shape.slice();
  sh[d] = n;
  if (!t.data) return mkTensor(sh, t.dtype);
  const inner = t.shape.slice(d + 1).reduce((p, q) => p * q, 1);
  const outer = t.shape.slice(0, d).reduce((p, q) => p * q, 1);
  const data: number[] = [];
  for (let o = 0; o < outer; o++) {
    const base = (o * t.shape[d] + start) * inner;
    for (let i = 0; i < n * inner; i++) data.push(t.data[base + i]);
  }
  return mkTensor(sh, t.dtype, data);
}

export function makeOps(SizeCls: PyClass, dtypeOf: (v: Value) => DType | null): Record<string, Op> {
  const T = (a: CallArgs, ctx: CallContext, i = 0, name = 'input'): Tensor | Unknown => {
    const v = arg(a, i, name);
    if (v instanceof Tensor || v instanceof Unknown) return v;
    if (isNum(v)) return mkTensor([], v instanceof PyFloat ? 'float32' : 'int64', [num(v)]);
    return ctx.unknown(`expected a tensor, got ${ctx.repr(v)}`);
  };
  const intArg = (a: CallArgs, i: number, name: string, dflt: number | null, ctx: CallContext): number | null | Unknown => {
    const v = arg(a, i, name, dflt);
    if (v === null || v instanceof Unknown) return v;
    if (!isInt(v)) return ctx.unknown(`'${name}' must be an integer`);
    return num(v);
  };
  const dimsArg = (v: Value, rank: number, ctx: CallContext): number[] | null | Unknown => {
    if (v === null) return null;
    if (v instanceof Unknown) return v;
    const items = v instanceof PyTuple || v instanceof PyList ? v.items : [v];
    const out: number[] = [];
    for (const x of items) { if (!isInt(x)) return ctx.unknown('dim must be an integer'); out.push(normDim(num(x), rank, ctx)); }
    return out;
  };
  const same = (f?: (x: number) => number, dtype?: DType): Op => (a, ctx) => {
    const t = T(a, ctx);
    if (t instanceof Unknown) return t;
    const dt = dtype ?? t.dtype;
    return mkTensor(t.shape, dt, t.data && f ? t.data.map((x) => roundTo(dt, f(x))) : null);
  };
  const floatSame = (f: (x: number) => number): Op => (a, ctx) => {
    const t = T(a, ctx);
    if (t instanceof Unknown) return t;
    const dt = isFloat(t.dtype) ? t.dtype : 'float32';
    return mkTensor(t.shape, dt, t.data ? t.data.map((x) => roundTo(dt, f(x))) : null);
  };
  const self: Op = (a, ctx) => T(a, ctx);
  const cast = (dt: DType): Op => (a, ctx) => {
    const t = T(a, ctx);
    if (t instanceof Unknown) return t;
    return mkTensor(t.shape, dt, t.data ? t.data.map((x) => roundTo(dt, x)) : null);
  };
  const bin = (op: string): Op => (a, ctx) => {
    const x = arg(a, 0, 'input');
    let y = arg(a, 1, 'other');
    const alpha = a.kw.get('alpha');
    if (alpha !== undefined && op === '+' || alpha !== undefined && op === '-') y = binary('*', y, alpha!, ctx);
    return binary(op, x, y, ctx);
  };
  const reduce = (kind: ReduceKind | null, keepShapeFn?: (t: Tensor) => DType): Op => (a, ctx) => {
    const t = T(a, ctx);
    if (t instanceof Unknown) return t;
    const dims = dimsArg(arg(a, 1, 'dim', null), t.shape.length, ctx);
    if (dims instanceof Unknown) return dims;
    const keep = arg(a, 2, 'keepdim', false) === true;
    const dt = keepShapeFn ? keepShapeFn(t) : t.dtype;
    const data = kind && t.data ? reduceData(t.shape, t.data, dims, kind).map((x) => roundTo(dt, x)) : null;
    return mkTensor(reduceShape(t.shape, dims, keep), dt, data);
  };
  const floatReduce = (kind: ReduceKind | null) => reduce(kind, (t) => isFloat(t.dtype) ? t.dtype : 'float32');
  const maxmin: Op = (a, ctx) => {
    const t = T(a, ctx);
    if (t instanceof Unknown) return t;
    const other = arg(a, 1, 'dim', null);
    if (other instanceof Tensor) return binary('max', t, other, ctx);
    if (other === null) return mkTensor([], t.dtype, t.data ? [Math.max(...t.data)] : null);
    const dims = dimsArg(other, t.shape.length, ctx);
    if (dims instanceof Unknown) return dims;
    const keep = arg(a, 2, 'keepdim', false) === true;
    const shape = reduceShape(t.shape, dims, keep);
    return new PyTuple([mkTensor(shape, t.dtype), mkTensor(shape, 'int64')]);
  };
  const view: Op = (a, ctx) => {
    const t = T(a, ctx);
    if (t instanceof Unknown) return t;
    const rest = a.pos.slice(1);
    if (rest.length === 1 && (rest[0] instanceof PyClass || dtypeOf(rest[0]))) return t; // view(dtype)
    const s = shapeArgs(rest.length ? rest : [a.kw.get('shape') ?? a.kw.get('size') ?? new PyTuple([])], ctx);
    if (s instanceof Unknown) return s;
    return mkTensor(viewShape(t, s, ctx), t.dtype, t.data);
  };
  const flatten: Op = (a, ctx) => {
    const t = T(a, ctx);
    if (t instanceof Unknown) return t;
    const r = t.shape.length;
    if (r === 0) return mkTensor([1], t.dtype, t.data);
    const s0 = intArg(a, 1, 'start_dim', 0, ctx), e0 = intArg(a, 2, 'end_dim', -1, ctx);
    if (s0 instanceof Unknown) return s0;
    if (e0 instanceof Unknown) return e0;
    const s = normDim(s0!, r, ctx), e = normDim(e0!, r, ctx);
    const mid = t.shape.slice(s, e + 1).reduce((p, q) => p * q, 1);
    return mkTensor([...t.shape.slice(0, s), mid, ...t.shape.slice(e + 1)], t.dtype, t.data);
  };
  const permute: Op = (a, ctx) => {
    const t = T(a, ctx);
    if (t instanceof Unknown) return t;
    const d = shapeArgs(a.pos.length > 1 ? a.pos.slice(1) : [a.kw.get('dims') ?? new PyTuple([])], ctx);
    if (d instanceof Unknown) return d;
    if (d.length !== t.shape.length) ctx.raise('RuntimeError', `permute: number of dims don't match (${d.length} vs ${t.shape.length})`);
    const perm = d.map((i) => normDim(i, t.shape.length, ctx));
    return mkTensor(perm.map((i) => t.shape[i]), t.dtype, t.data ? permuteData(t.shape, t.data, perm) : null);
  };
  const transpose: Op = (a, ctx) => {
    const t = T(a, ctx);
    if (t instanceof Unknown) return t;
    const d0 = intArg(a, 1, 'dim0', null, ctx), d1 = intArg(a, 2, 'dim1', null, ctx);
    if (d0 instanceof Unknown || d0 === null) return d0 ?? ctx.unknown('transpose dims');
    if (d1 instanceof Unknown || d1 === null) return d1 ?? ctx.unknown('transpose dims');
    const perm = t.shape.map((_, k) => k);
    const i = normDim(d0, perm.length, ctx), j = normDim(d1, perm.length, ctx);
    [perm[i], perm[j]] = [perm[j], perm[i]];
    return mkTensor(perm.map((k) => t.shape[k]), t.dtype, t.data ? permuteData(t.shape, t.data, perm) : null);
  };
  const expand: Op = (a, ctx) => {
    const t = T(a, ctx);
    if (t instanceof Unknown) return t;
    const s = shapeArgs(a.pos.slice(1), ctx);
    if (s instanceof Unknown) return s;
    const off = s.length - t.shape.length;
    return mkTensor(s.map((x, i) => (x === -1 ? t.shape[i - off] : x)), t.dtype);
  };
  const unsqueeze: Op = (a, ctx) => {
    const t = T(a, ctx);
    if (t instanceof Unknown) return t;
    const d = intArg(a, 1, 'dim', null, ctx);
    if (d instanceof Unknown || d === null) return d ?? ctx.unknown('unsqueeze dim');
    const i = normDim(d, t.shape.length + 1, ctx);
    const s = t.shape.slice(); s.splice(i, 0, 1);
    return mkTensor(s, t.dtype, t.data);
  };
  const squeeze: Op = (a, ctx) => {
    const t = T(a, ctx);
    if (t instanceof Unknown) return t;
    const d = arg(a, 1, 'dim', null);
    if (d === null) return mkTensor(t.shape.filter((x) => x !== 1), t.dtype, t.data);
    const dims = dimsArg(d, t.shape.length, ctx);
    if (dims instanceof Unknown) return dims;
    return mkTensor(t.shape.filter((x, i) => !(x === 1 && dims!.includes(i))), t.dtype, t.data);
  };
  const cat: Op = (a, ctx) => {
    const items = ctx.iterate(arg(a, 0, 'tensors'));
    if (items instanceof Unknown) return items;
    const ts: Tensor[] = [];
    for (const x of items) { if (x instanceof Unknown) return x; if (!(x instanceof Tensor)) return ctx.unknown('cat of a non-tensor'); ts.push(x); }
    if (!ts.length) ctx.raise('RuntimeError', 'torch.cat(): expected a non-empty list of Tensors');
    const dv = intArg(a, 1, 'dim', 0, ctx);
    if (dv instanceof Unknown) return dv;
    const nonEmpty = ts.filter((t) => !(t.shape.length === 1 && t.shape[0] === 0));
    const ref = nonEmpty[0] ?? ts[0];
    const d = normDim(dv!, ref.shape.length, ctx);
    const out = ref.shape.slice();
    out[d] = 0;
    for (const t of nonEmpty) {
      if (t.shape.length !== ref.shape.length || t.shape.some((s, i) => i !== d && s !== ref.shape[i])) {
        ctx.raise('RuntimeError', `Sizes of tensors must match except in dimension ${d}: [${ref.shape.join(', ')}] vs [${t.shape.join(', ')}]`);
      }
      out[d] += t.shape[d];
    }
    return mkTensor(out, ref.dtype, concatData(nonEmpty, d));
  };
  const stack: Op = (a, ctx) => {
    const items = ctx.iterate(arg(a, 0, 'tensors'));
    if (items instanceof Unknown) return items;
    const t0 = items[0];
    if (!(t0 instanceof Tensor)) return t0 instanceof Unknown ? t0 : ctx.unknown('stack of non-tensors');
    for (const x of items) if (!(x instanceof Tensor) || x.shape.join() !== t0.shape.join()) return x instanceof Unknown ? x : ctx.raise('RuntimeError', 'stack expects each tensor to be equal size');
    const dv = intArg(a, 1, 'dim', 0, ctx);
    if (dv instanceof Unknown) return dv;
    const d = normDim(dv!, t0.shape.length + 1, ctx);
    const s = t0.shape.slice(); s.splice(d, 0, items.length);
    const parts = (items as Tensor[]).map((t) => { const u = t.shape.slice(); u.splice(d, 0, 1); return mkTensor(u, t.dtype, t.data); });
    return mkTensor(s, t0.dtype, concatData(parts, d));
  };
  const chunk: Op = (a, ctx) => {
    const t = T(a, ctx);
    if (t instanceof Unknown) return t;
    const n = intArg(a, 1, 'chunks', null, ctx);
    const dv = intArg(a, 2, 'dim', 0, ctx);
    if (n instanceof Unknown || n === null) return n ?? ctx.unknown('chunks');
    if (dv instanceof Unknown) return dv;
    const d = normDim(dv!, t.shape.length, ctx);
    const size = Math.ceil(t.shape[d] / n);
    const out: Value[] = [];
    for (let s = 0; s < t.shape[d]; s += size) out.push(narrowed(t, d, s, Math.min(size, t.shape[d] - s)));
    return new PyTuple(out);
  };
  const split: Op = (a, ctx) => {
    const t = T(a, ctx);
    if (t instanceof Unknown) return t;
    const sz = arg(a, 1, 'split_size_or_sections');
    const dv = intArg(a, 2, 'dim', 0, ctx);
    if (dv instanceof Unknown) return dv;
    const d = normDim(dv!, t.shape.length, ctx);
    const sizes: number[] = [];
    if (isInt(sz)) {
      if (num(sz) <= 0) ctx.raise('RuntimeError', 'split_size can only be 0 if dimension size is 0');
      for (let s = 0; s < t.shape[d]; s += num(sz)) sizes.push(Math.min(num(sz), t.shape[d] - s));
    } else {
      const l = shapeArgs([sz], ctx);
      if (l instanceof Unknown) return l;
      if (l.reduce((p, q) => p + q, 0) !== t.shape[d]) ctx.raise('RuntimeError', `split_with_sizes expects split_sizes to sum exactly to ${t.shape[d]} (input tensor's size at dimension ${d}), but got split_sizes=[${l.join(', ')}]`);
      sizes.push(...l);
    }
    let start = 0;
    return new PyTuple(sizes.map((n) => { const part = narrowed(t, d, start, n); start += n; return part; }));
  };
  const size: Op = (a, ctx) => {
    const t = T(a, ctx);
    if (t instanceof Unknown) return t;
    const d = arg(a, 1, 'dim', null);
    if (d === null) return new PyTuple(t.shape.slice(), SizeCls);
    if (!isInt(d)) return ctx.unknown('size(dim) with a non-integer dim');
    return t.shape[normDim(num(d), t.shape.length, ctx)];
  };
  const tolist: Op = (a, ctx) => {
    const t = T(a, ctx);
    if (t instanceof Unknown) return t;
    if (!t.data) return ctx.unknown('tolist() of a tensor whose values are not known statically');
    const wrap = (x: number): Value => isFloat(t.dtype) ? new PyFloat(x) : t.dtype === 'bool' ? x !== 0 : x;
    if (t.shape.length === 0) return wrap(t.data[0]);
    const build = (dim: number, off: number): Value => {
      const stride = t.shape.slice(dim + 1).reduce((p, q) => p * q, 1);
      const out: Value[] = [];
      for (let i = 0; i < t.shape[dim]; i++) out.push(dim === t.shape.length - 1 ? wrap(t.data![off + i]) : build(dim + 1, off + i * stride));
      return new PyList(out);
    };
    return build(0, 0);
  };
  const item: Op = (a, ctx) => {
    const t = T(a, ctx);
    if (t instanceof Unknown) return t;
    if (t.numel !== 1) ctx.raise('RuntimeError', 'a Tensor with more than one element cannot be converted to Scalar');
    if (!t.data) return ctx.unknown('item() of a tensor whose value is not known statically');
    return isFloat(t.dtype) ? new PyFloat(t.data[0]) : t.dtype === 'bool' ? t.data[0] !== 0 : t.data[0];
  };
  const to: Op = (a, ctx) => {
    const t = T(a, ctx);
    if (t instanceof Unknown) return t;
    for (const v of [...a.pos.slice(1), a.kw.get('dtype') ?? null]) {
      const dt = dtypeOf(v);
      if (dt) return cast(dt)({ pos: [t], kw: new Map() }, ctx);
      if (v instanceof Tensor) return cast(v.dtype)({ pos: [t], kw: new Map() }, ctx);
    }
    return t;
  };
  const repeat: Op = (a, ctx) => {
    const t = T(a, ctx);
    if (t instanceof Unknown) return t;
    const r = shapeArgs(a.pos.slice(1), ctx);
    if (r instanceof Unknown) return r;
    const s = [...new Array(Math.max(0, r.length - t.shape.length)).fill(1), ...t.shape];
    return mkTensor(r.map((x, i) => x * s[i]), t.dtype);
  };
  const mm: Op = (a, ctx) => matmul(arg(a, 0, 'input'), arg(a, 1, 'mat2', arg(a, 1, 'other')), ctx);
  const narrow: Op = (a, ctx) => {
    const t = T(a, ctx);
    if (t instanceof Unknown) return t;
    const d = intArg(a, 1, 'dim', null, ctx), l = intArg(a, 3, 'length', null, ctx);
    if (d instanceof Unknown || d === null || l instanceof Unknown || l === null) return ctx.unknown('narrow arguments');
    const s = t.shape.slice(); s[normDim(d, s.length, ctx)] = l;
    return mkTensor(s, t.dtype);
  };
  const round: Op = (a, ctx) => {
    const t = T(a, ctx);
    if (t instanceof Unknown) return t;
    return mkTensor(t.shape, t.dtype, t.data ? t.data.map((x) => roundTo(t.dtype, pyRound(x))) : null);
  };
  const pow: Op = (a, ctx) => binary('**', arg(a, 0, 'input'), arg(a, 1, 'exponent'), ctx);
  const softmax: Op = (a, ctx) => { const t = T(a, ctx); return t instanceof Unknown ? t : mkTensor(t.shape, isFloat(t.dtype) ? t.dtype : 'float32'); };
  const diff: Op = (a, ctx) => {
    const t = T(a, ctx);
    if (t instanceof Unknown) return t;
    if (t.shape.length !== 1) return ctx.unknown('diff of a tensor with more than one dimension');
    return mkTensor([Math.max(0, t.shape[0] - 1)], t.dtype, t.data ? t.data.slice(1).map((x, i) => x - t.data![i]) : null);
  };
  const einsum: Op = (a, ctx) => {
    const eq = String(arg(a, 0, 'equation')).replace(/\s/g, '');
    const ops = a.pos.length === 2 && (a.pos[1] instanceof PyList || a.pos[1] instanceof PyTuple) ? (a.pos[1] as PyList).items : a.pos.slice(1);
    const [lhs, rhs] = eq.split('->');
    if (rhs === undefined || lhs.includes('.')) return ctx.unknown('einsum without an explicit output or with ellipsis');
    const terms = lhs.split(',');
    const sizes = new Map<string, number>();
    for (let i = 0; i < terms.length; i++) {
      const t = ops[i];
      if (!(t instanceof Tensor)) return t instanceof Unknown ? t : ctx.unknown('einsum operand');
      [...terms[i]].forEach((c, j) => sizes.set(c, t.shape[j]));
    }
    let macs = 1;
    for (const v of sizes.values()) macs *= v;
    if (terms.length > 1) ctx.addMacs(macs);
    return mkTensor([...rhs].map((c) => sizes.get(c) ?? 1), (ops[0] as Tensor).dtype);
  };
  const where: Op = (a, ctx) => {
    const c = T(a, ctx, 0, 'condition');
    if (c instanceof Unknown) return c;
    const x = arg(a, 1, 'input'), y = arg(a, 2, 'other');
    const s = broadcast(broadcast(c.shape, x instanceof Tensor ? x.shape : [], ctx), y instanceof Tensor ? y.shape : [], ctx);
    return mkTensor(s, x instanceof Tensor ? x.dtype : 'float32');
  };
  const newLike = (fill: number | null): Op => (a, ctx) => {
    const t = T(a, ctx);
    if (t instanceof Unknown) return t;
    const dt = dtypeOf(a.kw.get('dtype') ?? null) ?? t.dtype;
    return mkTensor(t.shape, dt, fill === null ? null : new Array(t.numel).fill(fill));
  };
  const newSized = (fill: number | null): Op => (a, ctx) => {
    const t = T(a, ctx);
    if (t instanceof Unknown) return t;
    const s = shapeArgs(a.pos.slice(1), ctx);
    if (s instanceof Unknown) return s;
    const n = s.reduce((p, q) => p * q, 1);
    return mkTensor(s, dtypeOf(a.kw.get('dtype') ?? null) ?? t.dtype, fill === null || n > 4096 ? null : new Array(n).fill(fill));
  };
  const topk: Op = (a, ctx) => {
    const t = T(a, ctx);
    if (t instanceof Unknown) return t;
    const k = intArg(a, 1, 'k', null, ctx), dv = intArg(a, 2, 'dim', -1, ctx);
    if (k instanceof Unknown || k === null || dv instanceof Unknown) return ctx.unknown('topk arguments');
    const s = t.shape.slice(); s[normDim(dv!, s.length, ctx)] = k;
    return new PyTuple([mkTensor(s, t.dtype), mkTensor(s, 'int64')]);
  };
  const argmax: Op = (a, ctx) => {
    const t = T(a, ctx);
    if (t instanceof Unknown) return t;
    const dims = dimsArg(arg(a, 1, 'dim', null), t.shape.length, ctx);
    if (dims instanceof Unknown) return dims;
    return mkTensor(reduceShape(t.shape, dims, arg(a, 2, 'keepdim', false) === true), 'int64');
  };

  const unbind: Op = (a, ctx) => {
    const t = T(a, ctx);
    if (t instanceof Unknown) return t;
    const dv = intArg(a, 1, 'dim', 0, ctx);
    if (dv instanceof Unknown) return dv;
    const d = normDim(dv!, t.shape.length, ctx);
    const s = t.shape.filter((_, i) => i !== d);
    return new PyTuple(Array.from({ length: t.shape[d] }, (_, i) => mkTensor(s, t.dtype, narrowed(t, d, i, 1).data)));
  };
  const meshgrid: Op = (a, ctx) => {
    let items: Value[] = a.pos;
    if (items.length === 1 && (items[0] instanceof PyList || items[0] instanceof PyTuple)) items = (items[0] as PyList).items;
    const ts: Tensor[] = [];
    for (const x of items) { if (!(x instanceof Tensor)) return x instanceof Unknown ? x : ctx.unknown('meshgrid of a non-tensor'); ts.push(x); }
    const xy = a.kw.get('indexing') === 'xy';
    const sizes = ts.map((t) => t.numel);
    if (xy && sizes.length >= 2) [sizes[0], sizes[1]] = [sizes[1], sizes[0]];
    const n = sizes.reduce((p, q) => p * q, 1);
    return new PyTuple(ts.map((t, i) => {
      // Axis of input i in the output grid (xy swaps the first two).
      const axis = xy && i < 2 ? 1 - i : i;
      let data: number[] | null = null;
      if (t.data && n <= 1 << 16) {
        data = new Array(n);
        const stride = sizes.slice(axis + 1).reduce((p, q) => p * q, 1);
        for (let j = 0; j < n; j++) data[j] = t.data[Math.floor(j / stride) % sizes[axis]];
      }
      return mkTensor(sizes, t.dtype, data);
    }));
  };

  // The output's length depends on the values: known values only (timm's RegNet counts its stages so).
  const unique: Op = (a, ctx) => {
    const t = T(a, ctx);
    if (t instanceof Unknown) return t;
    if (arg(a, 4, 'dim', null) !== null) return ctx.unknown('torch.unique(dim=...) is not modelled');
    if (!t.data) return ctx.unknown('torch.unique() of a tensor whose values are not known statically (its length depends on them)');
    const inverse = arg(a, 2, 'return_inverse', false) === true, counts = arg(a, 3, 'return_counts', false) === true;
    const vals = [...new Set(t.data)].sort((x, y) => x - y);
    const out: Value[] = [mkTensor([vals.length], t.dtype, vals)];
    if (inverse) out.push(mkTensor(t.shape, 'int64', t.data.map((x) => vals.indexOf(x))));
    if (counts) out.push(mkTensor([vals.length], 'int64', vals.map((v) => t.data!.filter((x) => x === v).length)));
    return out.length === 1 ? out[0] : new PyTuple(out);
  };
  const cumsum: Op = (a, ctx) => {
    const t = T(a, ctx);
    if (t instanceof Unknown) return t;
    const dv = intArg(a, 1, 'dim', null, ctx);
    if (dv instanceof Unknown || dv === null) return dv ?? ctx.unknown('cumsum needs dim');
    const dt = dtypeOf(a.kw.get('dtype') ?? null) ?? (isFloat(t.dtype) ? t.dtype : 'int64');
    if (!t.data) return mkTensor(t.shape, dt);
    const d = normDim(dv, t.shape.length, ctx);
    const inner = t.shape.slice(d + 1).reduce((p, q) => p * q, 1);
    const data = t.data.slice();
    for (let i = 0; i < data.length; i++) if (Math.floor(i / inner) % t.shape[d] !== 0) data[i] = roundTo(dt, data[i] + data[i - inner]);
    return mkTensor(t.shape, dt, data);
  };

  const ops: Record<string, Op> = {
    unbind, meshgrid, unique, cumsum,
    size, dim: (a, ctx) => { const t = T(a, ctx); return t instanceof Unknown ? t : t.shape.length; },
    numel: (a, ctx) => { const t = T(a, ctx); return t instanceof Unknown ? t : t.numel; },
    nelement: (a, ctx) => { const t = T(a, ctx); return t instanceof Unknown ? t : t.numel; },
    view, reshape: view, flatten, permute, transpose, swapaxes: transpose,
    t: (a, ctx) => {
      const t = T(a, ctx);
      if (t instanceof Unknown) return t;
      const perm = t.shape.map((_, i) => t.shape.length - 1 - i);
      return mkTensor(perm.map((i) => t.shape[i]), t.dtype, t.data ? permuteData(t.shape, t.data, perm) : null);
    },
    view_as: (a, ctx) => { const o = arg(a, 1, 'other'); return o instanceof Tensor ? view({ pos: [a.pos[0], new PyTuple(o.shape)], kw: new Map() }, ctx) : o; },
    reshape_as: (a, ctx) => { const o = arg(a, 1, 'other'); return o instanceof Tensor ? view({ pos: [a.pos[0], new PyTuple(o.shape)], kw: new Map() }, ctx) : o; },
    expand, expand_as: (a, ctx) => { const o = arg(a, 1, 'other'); return o instanceof Tensor ? expand({ pos: [a.pos[0], ...o.shape], kw: new Map() }, ctx) : o; },
    repeat, unsqueeze, squeeze, chunk, split, narrow, cat, concat: cat, concatenate: cat, stack,
    contiguous: self, detach: self, clone: self, cpu: self, cuda: self, requires_grad_: self, to,
    float: cast('float32'), double: cast('float64'), half: cast('float16'), int: cast('int32'), long: cast('int64'), bool: cast('bool'),
    type_as: (a, ctx) => { const o = arg(a, 1, 'other'); return o instanceof Tensor ? cast(o.dtype)(a, ctx) : T(a, ctx); },
    type: (a, ctx) => { const dt = dtypeOf(arg(a, 1, 'dtype', null)); return dt ? cast(dt)(a, ctx) : T(a, ctx); },
    tolist, item,
    add: bin('+'), sub: bin('-'), subtract: bin('-'), mul: bin('*'), multiply: bin('*'), div: bin('/'), divide: bin('/'),
    true_divide: bin('/'), floor_divide: bin('//'), remainder: bin('%'), fmod: bin('%'), pow, eq: bin('=='), ne: bin('!='),
    lt: bin('<'), le: bin('<='), gt: bin('>'), ge: bin('>='), maximum: bin('max'), minimum: bin('min'),
    matmul: (a, ctx) => matmul(arg(a, 0, 'input'), arg(a, 1, 'other'), ctx), mm, bmm: mm, einsum,
    mean: floatReduce('mean'), sum: reduce('sum', (t) => t.dtype === 'bool' ? 'int64' : t.dtype), prod: reduce('prod'), std: floatReduce(null), var: floatReduce(null),
    norm: floatReduce(null), amax: reduce('max'), amin: reduce('min'), logsumexp: floatReduce(null), all: reduce('all', () => 'bool'), any: reduce('any', () => 'bool'),
    max: maxmin, min: maxmin, argmax, argmin: argmax, topk,
    softmax, log_softmax: softmax,
    relu: same((x) => Math.max(0, x)), relu_: same((x) => Math.max(0, x)), sigmoid: floatSame((x) => 1 / (1 + Math.exp(-x))),
    tanh: floatSame(Math.tanh), exp: floatSame(Math.exp), log: floatSame(Math.log), log2: floatSame(Math.log2), sqrt: floatSame(Math.sqrt),
    rsqrt: floatSame((x) => 1 / Math.sqrt(x)), abs: same(Math.abs), neg: same((x) => -x), sign: same(Math.sign), round,
    floor: same(Math.floor), ceil: same(Math.ceil), trunc: same(Math.trunc), sin: floatSame(Math.sin), cos: floatSame(Math.cos),
    clamp: same(), clip: same(), clamp_: same(), clamp_min: same(), sigmoid_: same(), mul_: bin('*'), add_: bin('+'), div_: bin('/'),
    sub_: bin('-'), masked_fill: same(), masked_fill_: same(), roll: same(), flip: same(), gelu: same(), silu: same(),
    zero_: self, fill_: self, normal_: self, uniform_: self, copy_: self, data: self, bernoulli_: self, div__: self,
    exponential_: self, trunc_normal_: self, kaiming_normal_: self, erfinv_: self,
    new_zeros: newSized(0), new_ones: newSized(1), new_empty: newSized(null), new_full: newSized(null),
    zeros_like: newLike(0), ones_like: newLike(1), rand_like: newLike(null), randn_like: newLike(null), empty_like: newLike(null),
    full_like: newLike(null), diff, where,
    is_contiguous: () => true, is_floating_point: (a, ctx) => { const t = T(a, ctx); return t instanceof Unknown ? t : isFloat(t.dtype); },
    get_device: () => -1,
  };
  return ops;
}

/** Factories: torch.zeros(2, 3), torch.arange(5), torch.tensor([...]), ... */
export function makeFactories(dtypeOf: (v: Value) => DType | null): Record<string, Op> {
  const sized = (fill: number | null): Op => (a, ctx) => {
    const s = shapeArgs(a.pos.length ? a.pos : [a.kw.get('size') ?? new PyTuple([])], ctx);
    if (s instanceof Unknown) return s;
    const n = s.reduce((p, q) => p * q, 1);
    const dt = dtypeOf(a.kw.get('dtype') ?? null) ?? 'float32';
    return mkTensor(s, dt, fill !== null && n <= 4096 ? new Array(n).fill(fill) : null);
  };
  const full: Op = (a, ctx) => {
    const s = shapeArgs([arg(a, 0, 'size')], ctx);
    if (s instanceof Unknown) return s;
    const v = arg(a, 1, 'fill_value');
    const dt = dtypeOf(a.kw.get('dtype') ?? null) ?? (v instanceof PyFloat ? 'float32' : typeof v === 'boolean' ? 'bool' : 'int64');
    const n = s.reduce((p, q) => p * q, 1);
    return mkTensor(s, dt, isNum(v) && n <= 4096 ? new Array(n).fill(num(v)) : null);
  };
  const arange: Op = (a, ctx) => {
    const nums = a.pos.filter((v) => !(dtypeOf(v)));
    for (const v of nums) if (!isNum(v)) return v instanceof Unknown ? v : ctx.unknown('arange bounds are not numbers');
    const [start, end, step] = nums.length === 1 ? [0, num(nums[0] as number), 1] : [num(nums[0] as number), num(nums[1] as number), nums[2] !== undefined ? num(nums[2] as number) : 1];
    const anyFloat = nums.some((v) => v instanceof PyFloat);
    const dt = dtypeOf(a.kw.get('dtype') ?? null) ?? (anyFloat ? 'float32' : 'int64');
    const n = Math.max(0, Math.ceil((end - start) / step));
    const data: number[] = [];
    if (n <= 1 << 16) for (let i = 0; i < n; i++) data.push(roundTo(dt, start + i * step));
    return mkTensor([n], dt, n <= 1 << 16 ? data : null);
  };
  const linspace: Op = (a, ctx) => {
    const s = arg(a, 0, 'start'), e = arg(a, 1, 'end'), n = arg(a, 2, 'steps');
    if (!isNum(s) || !isNum(e) || !isInt(n)) return ctx.unknown('linspace arguments are not numbers');
    const k = num(n), x0 = num(s), x1 = num(e);
    // As torch computes it in float32: the lower half counts up from start, the upper half down from end.
    const f = Math.fround, s0 = f(x0), e0 = f(x1), step = k > 1 ? f(f(e0 - s0) / (k - 1)) : 0, half = Math.floor(k / 2);
    const data = Array.from({ length: k }, (_, i) => (k === 1 ? s0 : i < half ? f(s0 + f(step * i)) : f(e0 - f(step * (k - 1 - i)))));
    return mkTensor([k], 'float32', data);
  };
  const tensor: Op = (a, ctx) => {
    const src = arg(a, 0, 'data');
    const shape: number[] = [];
    const flat: number[] = [];
    let anyFloat = false, allBool = true;
    const walk = (v: Value, depth: number): boolean => {
      if (v instanceof PyList || v instanceof PyTuple) {
        if (shape.length <= depth) shape.push(v.items.length);
        else if (shape[depth] !== v.items.length) return false;
        return v.items.every((x) => walk(x, depth + 1));
      }
      if (v instanceof Tensor && v.data && v.shape.length === 0) { flat.push(v.data[0]); anyFloat ||= isFloat(v.dtype); allBool = false; return true; }
      if (!isNum(v)) return false;
      if (v instanceof PyFloat) anyFloat = true;
      if (typeof v !== 'boolean') allBool = false;
      flat.push(num(v));
      return true;
    };
    if (src instanceof Tensor) return src;
    if (!walk(src, 0)) return src instanceof Unknown ? src : ctx.unknown('torch.tensor() of values not known statically');
    const dt = dtypeOf(a.kw.get('dtype') ?? null) ?? (anyFloat ? 'float32' : allBool && flat.length ? 'bool' : 'int64');
    return mkTensor(shape, dt, flat.map((x) => roundTo(dt, x)));
  };
  return {
    zeros: sized(0), ones: sized(1), empty: sized(null), randn: sized(null), rand: sized(null), full,
    randint: (a, ctx) => { const s = shapeArgs([a.kw.get('size') ?? a.pos[a.pos.length - 1]], ctx); return s instanceof Unknown ? s : mkTensor(s, 'int64'); },
    arange, linspace, tensor, as_tensor: tensor, Tensor: sized(null), FloatTensor: sized(null),
  };
}
