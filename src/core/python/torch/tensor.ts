// Shape-only tensors: torch functions and tensor methods compute output shapes (and, for small
// tensors built from concrete numbers at build time, their values with float32 rounding).
import {
  Value, Tensor, DType, PyFloat, PyTuple, PyList, PySlice, PyEllipsis, PyClass, Unknown, CallArgs, CallContext,
  isNum, num, isInt,
} from '../values';

export type Op = (a: CallArgs, ctx: CallContext) => Value;

const MAX_DATA = 1 << 16;

export const isFloat = (d: DType): boolean => d === 'float32' || d === 'float64' || d === 'float16';

export function roundTo(d: DType, x: number): number {
  if (d === 'float32') return Math.fround(x);
  if (d === 'int64' || d === 'int32') return Math.trunc(x);
  if (d === 'bool') return x ? 1 : 0;
  return x;
}

export function mkTensor(shape: number[], dtype: DType = 'float32', data: number[] | null = null): Tensor {
  let n = 1;
  for (const d of shape) n *= d;
  return new Tensor(shape, dtype, data && n <= MAX_DATA ? data : null);
}

export function sizeTuple(shape: number[], SizeCls: PyClass | null): PyTuple { return new PyTuple(shape.slice(), SizeCls); }

/** Reads a shape from `f(2, 3)`, `f((2, 3))`, `f([2, 3])` or `f(torch.Size)` arguments. */
export function shapeArgs(vals: Value[], ctx: CallContext): number[] | Unknown {
  let items: Value[] = vals;
  if (vals.length === 1 && (vals[0] instanceof PyTuple || vals[0] instanceof PyList)) items = (vals[0] as PyTuple).items;
  const out: number[] = [];
  for (const v of items) {
    if (v instanceof Unknown) return v;
    if (v instanceof Tensor && v.data && v.data.length === 1) { out.push(v.data[0]); continue; }
    if (!isInt(v)) return ctx.unknown(`shape entry is not an integer (${ctx.repr(v)})`);
    out.push(num(v));
  }
  return out;
}

export function normDim(d: number, rank: number, ctx: CallContext): number {
  const r = Math.max(rank, 1);
  if (d < -r || d >= r) ctx.raise('IndexError', `Dimension out of range (expected to be in range of [${-r}, ${r - 1}], but got ${d})`);
  return d < 0 ? d + r : d;
}

export function broadcast(a: number[], b: number[], ctx: CallContext): number[] {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = a[a.length - n + i] ?? 1;
    const y = b[b.length - n + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) ctx.raise('RuntimeError', `The size of tensor a (${x}) must match the size of tensor b (${y}) at non-singleton dimension ${i}`);
    out.push(x === 1 ? y : x);
  }
  return out;
}

function promote(a: Value, b: Value): DType {
  const da = a instanceof Tensor ? a.dtype : null;
  const db = b instanceof Tensor ? b.dtype : null;
  const tensorsFloat = (da && isFloat(da)) || (db && isFloat(db));
  if (tensorsFloat) {
    // Zero-dim tensors and scalars do not widen a tensor's float type.
    const pick = (t: Value) => t instanceof Tensor && isFloat(t.dtype) ? t.dtype : null;
    return pick(a) ?? pick(b) ?? 'float32';
  }
  if (a instanceof PyFloat || b instanceof PyFloat) return 'float32';
  if (da === 'bool' && db === 'bool') return 'bool';
  if (da === 'bool' && b !== null && !(b instanceof Tensor) && typeof b === 'boolean') return 'bool';
  return da && da !== 'bool' ? da : db && db !== 'bool' ? db : 'int64';
}

const scalarOf = (v: Value): number | null => isNum(v) ? num(v) : null;

/** Elementwise values when both sides are concrete. */
function elementwise(shape: number[], a: Value, b: Value, f: (x: number, y: number) => number, dtype: DType): number[] | null {
  const av = a instanceof Tensor ? a.data : scalarOf(a) !== null ? [scalarOf(a)!] : null;
  const bv = b instanceof Tensor ? b.data : scalarOf(b) !== null ? [scalarOf(b)!] : null;
  if (!av || !bv) return null;
  const as = a instanceof Tensor ? a.shape : [];
  const bs = b instanceof Tensor ? b.shape : [];
  const n = shape.reduce((p, q) => p * q, 1);
  if (n > MAX_DATA) return null;
  const out = new Array<number>(n);
  const idx = (s: number[], flat: number): number => {
    // Map an index in the broadcast shape to an index in s.
    let rem = flat, off = 0, stride = 1;
    const coords: number[] = [];
    for (let i = shape.length - 1; i >= 0; i--) { coords[i] = rem % shape[i]; rem = Math.floor(rem / shape[i]); }
    for (let i = s.length - 1; i >= 0; i--) {
      const c = coords[shape.length - s.length + i];
      off += (s[i] === 1 ? 0 : c) * stride;
      stride *= s[i];
    }
    return off;
  };
  for (let i = 0; i < n; i++) out[i] = roundTo(dtype, f(av[av.length === 1 && as.length === 0 ? 0 : idx(as, i)], bv[bv.length === 1 && bs.length === 0 ? 0 : idx(bs, i)]));
  return out;
}

const BIN: Record<string, (x: number, y: number) => number> = {
  '+': (x, y) => x + y, '-': (x, y) => x - y, '*': (x, y) => x * y, '/': (x, y) => x / y,
  '//': (x, y) => Math.floor(x / y), '%': (x, y) => x - Math.floor(x / y) * y, '**': (x, y) => Math.pow(x, y),
  '<': (x, y) => +(x < y), '<=': (x, y) => +(x <= y), '>': (x, y) => +(x > y), '>=': (x, y) => +(x >= y),
  '==': (x, y) => +(x === y), '!=': (x, y) => +(x !== y), '&': (x, y) => x & y, '|': (x, y) => x | y, '^': (x, y) => x ^ y,
  max: Math.max, min: Math.min,
};

export function binary(op: string, a: Value, b: Value, ctx: CallContext): Value {
  if (a instanceof Unknown) return a;
  if (b instanceof Unknown) return b;
  if (op === '@') return matmul(a, b, ctx);
  const ta = a instanceof Tensor ? a : null;
  const tb = b instanceof Tensor ? b : null;
  if ((!ta && !isNum(a)) || (!tb && !isNum(b))) return ctx.unknown(`tensor ${op} ${ctx.repr(ta ? b : a)} is not supported`);
  const shape = broadcast(ta?.shape ?? [], tb?.shape ?? [], ctx);
  const cmp = ['<', '<=', '>', '>=', '==', '!='].includes(op);
  let dtype: DType = cmp ? 'bool' : promote(a, b);
  if (op === '/' && !isFloat(dtype)) dtype = 'float32';
  const f = BIN[op];
  if (!f) return ctx.unknown(`operator ${op} on tensors is not supported`);
  const calc: DType = cmp ? promote(a, b) : dtype;
  const data = elementwise(shape, a, b, (x, y) => cmp ? f(roundTo(calc, x), roundTo(calc, y)) : f(x, y), dtype);
  return mkTensor(shape, dtype, data);
}

export function unary(op: string, t: Tensor, ctx: CallContext): Value {
  if (op === '-') return mkTensor(t.shape, t.dtype, t.data ? t.data.map((x) => -x) : null);
  if (op === '+') return t;
  if (op === '~') return mkTensor(t.shape, t.dtype, t.data ? t.data.map((x) => t.dtype === 'bool' ? 1 - x : ~x) : null);
  return ctx.unknown(`unary ${op} on tensors`);
}

export function matmul(a: Value, b: Value, ctx: CallContext): Value {
  if (!(a instanceof Tensor) || !(b instanceof Tensor)) return a instanceof Unknown ? a : b instanceof Unknown ? b : ctx.unknown('matmul of non-tensors');
  const as = a.shape, bs = b.shape;
  if (!as.length || !bs.length) ctx.raise('RuntimeError', 'both arguments to matmul need to be at least 1D');
  const a2 = as.length === 1 ? [1, as[0]] : as;
  const b2 = bs.length === 1 ? [bs[0], 1] : bs;
  const k = a2[a2.length - 1];
  if (k !== b2[b2.length - 2]) ctx.raise('RuntimeError', `mat1 and mat2 shapes cannot be multiplied (${a2.slice(-2).join('x')} and ${b2.slice(-2).join('x')})`);
  const batch = broadcast(a2.slice(0, -2), b2.slice(0, -2), ctx);
  const m = a2[a2.length - 2], n = b2[b2.length - 1];
  const out = [...batch, ...(as.length === 1 ? [] : [m]), ...(bs.length === 1 ? [] : [n])];
  ctx.addMacs(batch.reduce((p, q) => p * q, 1) * m * n * k);
  return mkTensor(out, promote(a, b));
}

/** Basic and advanced indexing: ints, slices, None, Ellipsis, bool/int tensors, lists. */
export function index(t: Tensor, idx: Value, ctx: CallContext): Value {
  const items = idx instanceof PyTuple ? idx.items : [idx];
  const consumed = items.filter((i) => !(i === null || i instanceof PyEllipsis)).length;
  const out: number[] = [];
  let d = 0;
  let dataOk = t.data !== null;
  const picks: (number[] | null)[] = [];
  for (const it of items) {
    if (it instanceof Unknown) return it;
    if (it === null) { out.push(1); continue; }
    if (it instanceof PyEllipsis) {
      const n = t.shape.length - consumed;
      for (let i = 0; i < n; i++) { out.push(t.shape[d]); picks[d] = null; d++; }
      continue;
    }
    if (d >= t.shape.length) ctx.raise('IndexError', 'too many indices for tensor');
    const size = t.shape[d];
    if (isInt(it)) {
      let i = num(it);
      if (i < 0) i += size;
      if (i < 0 || i >= size) ctx.raise('IndexError', `index ${num(it)} is out of bounds for dimension ${d} with size ${size}`);
      picks[d] = [i];
      d++;
      continue;
    }
    if (it instanceof PySlice) {
      for (const v of [it.start, it.stop, it.step]) if (v instanceof Unknown) return v;
      const step = it.step === null ? 1 : num(it.step as number);
      const clamp = (v: Value, dflt: number) => { if (v === null) return dflt; let x = num(v as number); if (x < 0) x += size; return Math.min(Math.max(x, 0), size); };
      const s = clamp(it.start, 0), e = clamp(it.stop, size);
      const n = Math.max(0, Math.ceil((e - s) / step));
      out.push(n);
      const sel: number[] = [];
      for (let i = 0; i < n; i++) sel.push(s + i * step);
      picks[d] = sel;
      d++;
      continue;
    }
    if (it instanceof Tensor) {
      if (it.dtype === 'bool') {
        if (!it.data) return ctx.unknown('boolean mask indexing: result size depends on values');
        out.push(it.data.filter((x) => x).length);
        dataOk = false;
        d += it.shape.length;
        continue;
      }
      out.push(...it.shape);
      dataOk = false;
      d++;
      continue;
    }
    if (it instanceof PyList) { out.push(it.items.length); dataOk = false; d++; continue; }
    return ctx.unknown(`tensor index ${ctx.repr(it)} is not supported`);
  }
  for (; d < t.shape.length; d++) { out.push(t.shape[d]); picks[d] = null; }
  let data: number[] | null = null;
  if (dataOk && t.data) {
    // Gather selected values (small tensors only).
    const sel = t.shape.map((s, i) => picks[i] ?? Array.from({ length: s }, (_, j) => j));
    data = [];
    const strides = t.shape.map((_, i) => t.shape.slice(i + 1).reduce((p, q) => p * q, 1));
    const rec = (dim: number, off: number) => {
      if (dim === t.shape.length) { data!.push(t.data![off]); return; }
      for (const i of sel[dim]) rec(dim + 1, off + i * strides[dim]);
    };
    rec(0, 0);
  }
  return mkTensor(out, t.dtype, data);
}

export function viewShape(t: Tensor, shape: number[], ctx: CallContext): number[] {
  const n = t.numel;
  const neg = shape.indexOf(-1);
  if (neg >= 0) {
    const rest = shape.reduce((p, q, i) => (i === neg ? p : p * q), 1);
    if (rest === 0 || n % rest !== 0) ctx.raise('RuntimeError', `shape '[${shape.join(', ')}]' is invalid for input of size ${n}`);
    const out = shape.slice();
    out[neg] = n / rest;
    return out;
  }
  if (shape.reduce((p, q) => p * q, 1) !== n) ctx.raise('RuntimeError', `shape '[${shape.join(', ')}]' is invalid for input of size ${n}`);
  return shape;
}

export function reduceShape(shape: number[], dims: number[] | null, keepdim: boolean): number[] {
  if (dims === null) return keepdim ? shape.map(() => 1) : [];
  const set = new Set(dims);
  const out: number[] = [];
  shape.forEach((s, i) => { if (set.has(i)) { if (keepdim) out.push(1); } else out.push(s); });
  return out;
}

const stridesOf = (shape: number[]): number[] => shape.map((_, i) => shape.slice(i + 1).reduce((p, q) => p * q, 1));

/** Values of a permuted tensor (`perm[i]` = source axis of output axis i). */
export function permuteData(shape: number[], data: number[], perm: number[]): number[] {
  const src = stridesOf(shape);
  const out = perm.map((p) => shape[p]);
  const n = data.length;
  const res = new Array<number>(n);
  const coord = new Array<number>(out.length).fill(0);
  for (let k = 0; k < n; k++) {
    let off = 0;
    for (let i = 0; i < out.length; i++) off += coord[i] * src[perm[i]];
    res[k] = data[off];
    for (let i = out.length - 1; i >= 0; i--) { if (++coord[i] < out[i]) break; coord[i] = 0; }
  }
  return res;
}

/** Values of tensors concatenated along axis d (all known, same rank). */
export function concatData(parts: Tensor[], d: number): number[] | null {
  if (!parts.every((t) => t.data)) return null;
  const outer = parts[0].shape.slice(0, d).reduce((p, q) => p * q, 1);
  const res: number[] = [];
  for (let o = 0; o < outer; o++) {
    for (const t of parts) {
      const chunk = t.shape.slice(d).reduce((p, q) => p * q, 1);
      for (let j = 0; j < chunk; j++) res.push(t.data![o * chunk + j]);
    }
  }
  return res.length <= MAX_DATA ? res : null;
}

export type ReduceKind = 'sum' | 'mean' | 'prod' | 'max' | 'min' | 'all' | 'any';

/** Values of a reduction over `dims` (null = all), in the reduced shape (keepdim does not move values). */
export function reduceData(shape: number[], data: number[], dims: number[] | null, kind: ReduceKind): number[] {
  const red = dims ?? shape.map((_, i) => i);
  const outShape = shape.map((s, i) => (red.includes(i) ? 1 : s));
  const n = outShape.reduce((p, q) => p * q, 1);
  const init = kind === 'prod' || kind === 'all' ? 1 : kind === 'max' ? -Infinity : kind === 'min' ? Infinity : 0;
  const acc = new Array<number>(n).fill(init);
  const outStr = stridesOf(outShape);
  const coord = new Array<number>(shape.length).fill(0);
  for (let k = 0; k < data.length; k++) {
    let o = 0;
    for (let i = 0; i < shape.length; i++) if (!red.includes(i)) o += coord[i] * outStr[i];
    const x = data[k];
    switch (kind) {
      case 'sum': case 'mean': acc[o] += x; break;
      case 'prod': acc[o] *= x; break;
      case 'max': acc[o] = Math.max(acc[o], x); break;
      case 'min': acc[o] = Math.min(acc[o], x); break;
      case 'all': acc[o] = acc[o] && x ? 1 : 0; break;
      case 'any': acc[o] = acc[o] || x ? 1 : 0; break;
    }
    for (let i = shape.length - 1; i >= 0; i--) { if (++coord[i] < shape[i]) break; coord[i] = 0; }
  }
  if (kind === 'mean') { const c = data.length / n; for (let i = 0; i < n; i++) acc[i] /= c; }
  return acc;
}

/**
 * `t[idx] = v` on a tensor whose values are known: writes them (ints, slices, Ellipsis; v a number
 * or a tensor with known values broadcast to the region), else forgets them.
 */
export function writeIndex(t: Tensor, idx: Value, v: Value): void {
  if (!t.data) return;
  const data = t.data;
  t.data = null;
  const items = idx instanceof PyTuple ? idx.items : [idx];
  const real = items.filter((i) => !(i instanceof PyEllipsis)).length;
  const sel: number[][] = [];
  const intAxes: number[] = [];
  let d = 0;
  for (const it of items) {
    if (it instanceof PyEllipsis) { for (let k = 0; k < t.shape.length - real; k++, d++) sel.push(Array.from({ length: t.shape[d] }, (_, j) => j)); continue; }
    if (d >= t.shape.length) return;
    const size = t.shape[d];
    if (isInt(it)) { let i = num(it); if (i < 0) i += size; if (i < 0 || i >= size) return; intAxes.push(d); sel.push([i]); d++; continue; }
    if (it instanceof PySlice && [it.start, it.stop, it.step].every((x) => x === null || isInt(x))) {
      const step = it.step === null ? 1 : num(it.step as number);
      if (step <= 0) return;
      const clamp = (x: Value, dflt: number) => { if (x === null) return dflt; let y = num(x as number); if (y < 0) y += size; return Math.min(Math.max(y, 0), size); };
      const s0 = clamp(it.start, 0), e0 = clamp(it.stop, size);
      const picks: number[] = [];
      for (let i = s0; i < e0; i += step) picks.push(i);
      sel.push(picks); d++; continue;
    }
    return;
  }
  for (; d < t.shape.length; d++) sel.push(Array.from({ length: t.shape[d] }, (_, j) => j));
  const region = sel.map((x) => x.length);
  // v broadcasts against the indexing result's shape, which has no axis for int indices.
  const keptAxes = region.map((_, i) => i).filter((i) => !intAxes.includes(i));
  const kept = keptAxes.map((i) => region[i]);
  let vals: (coords: number[]) => number;
  if (isNum(v)) { const x = num(v); vals = () => x; }
  else if (v instanceof Tensor && v.data) {
    const vs = v.shape, vd = v.data, vstr = stridesOf(vs);
    if (vs.length > kept.length || vs.some((x, i) => x !== 1 && x !== kept[kept.length - vs.length + i])) return;
    vals = (coords) => {
      let off = 0;
      for (let i = 0; i < vs.length; i++) off += (vs[i] === 1 ? 0 : coords[keptAxes[kept.length - vs.length + i]]) * vstr[i];
      return vd[off];
    };
  } else return;
  const out = data.slice();
  const str = stridesOf(t.shape);
  const coords: number[] = [];
  const rec = (dim: number, off: number) => {
    if (dim === t.shape.length) { out[off] = roundTo(t.dtype, vals(coords)); return; }
    sel[dim].forEach((i, j) => { coords[dim] = j; rec(dim + 1, off + i * str[dim]); });
  };
  rec(0, 0);
  t.data = out;
}
