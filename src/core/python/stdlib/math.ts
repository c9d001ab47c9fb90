// `math` as CPython 3.11 has it, over the engine's numbers: ints stay exact JS integers (a result
// past 2**53 is an explicit unknown, never a rounded int), floats are IEEE doubles as in CPython,
// domain errors raise ValueError and overflows OverflowError with CPython's messages.
import { Value, PyFloat, PyTuple, Tensor, Unknown, CallArgs, CallContext, isNum, num, isInt } from '../values';
import type { Interpreter } from '../interp';
import { nf } from '../builtins';

const big = (ctx: CallContext, what: string) => ctx.unknown(`math.${what}: an integer beyond 2**53 is not modelled exactly`);

export function mathModule(it: Interpreter): [string, Value][] {
  /** A real argument as a JS number, or why not (an unknown, or a TypeError like CPython's). */
  const real = (v: Value | undefined, ctx: CallContext): number | Unknown => {
    if (v instanceof Unknown) return v;
    if (v !== undefined && isNum(v)) return num(v);
    if (v instanceof Tensor) return v.numel === 1 && v.data ? v.data[0] : ctx.unknown('a math function of a tensor whose single value is not known');
    return ctx.raise('TypeError', `must be real number, not ${v === undefined ? 'nothing' : it.typeName(v)}`);
  };
  const int = (v: Value | undefined, ctx: CallContext): number | Unknown => {
    if (v instanceof Unknown) return v;
    if (v !== undefined && isInt(v)) return num(v);
    return ctx.raise('TypeError', `'${v === undefined ? 'nothing' : it.typeName(v)}' object cannot be interpreted as an integer`);
  };
  const domain = (ctx: CallContext): never => ctx.raise('ValueError', 'math domain error');
  const range = (ctx: CallContext): never => ctx.raise('OverflowError', 'math range error');
  /** A float function of one real: domain errors where CPython raises them, overflow checked. */
  const f1 = (name: string, g: (x: number) => number, ok: (x: number) => boolean = () => true): [string, Value] =>
    [name, nf(name, (a, ctx) => {
      const x = real(a.pos[0], ctx);
      if (x instanceof Unknown) return x;
      if (!Number.isNaN(x) && !ok(x)) domain(ctx);
      const r = g(x);
      if (!Number.isFinite(r) && Number.isFinite(x)) {
        if (Number.isNaN(r)) domain(ctx);
        range(ctx);
      }
      return new PyFloat(r);
    })];
  /** ceil/floor/trunc: an int; an int argument stays itself. */
  const toInt = (name: string, g: (x: number) => number): [string, Value] => [name, nf(name, (a, ctx) => {
    const v = a.pos[0];
    if (isInt(v)) return num(v);
    const x = real(v, ctx);
    if (x instanceof Unknown) return x;
    if (Number.isNaN(x)) return ctx.raise('ValueError', 'cannot convert float NaN to integer');
    if (!Number.isFinite(x)) return ctx.raise('OverflowError', 'cannot convert float infinity to integer');
    const r = g(x) + 0;
    return Number.isSafeInteger(r) ? r : big(ctx, name);
  })];
  const ints = (a: CallArgs, ctx: CallContext): number[] | Unknown => {
    const out: number[] = [];
    for (const v of a.pos) { const x = int(v, ctx); if (x instanceof Unknown) return x; out.push(Math.abs(x)); }
    return out;
  };
  const gcd2 = (x: number, y: number): number => { while (y) [x, y] = [y, x % y]; return x; };
  const exactInt = (r: number, ctx: CallContext, name: string): Value => (Number.isSafeInteger(r) ? r : big(ctx, name));

  return [
    ['pi', new PyFloat(Math.PI)], ['e', new PyFloat(Math.E)], ['tau', new PyFloat(2 * Math.PI)],
    ['inf', new PyFloat(Infinity)], ['nan', new PyFloat(NaN)],
    toInt('ceil', Math.ceil), toInt('floor', Math.floor), toInt('trunc', Math.trunc),
    f1('sqrt', Math.sqrt, (x) => x >= 0), f1('exp', Math.exp), f1('expm1', Math.expm1),
    f1('log2', Math.log2, (x) => x > 0), f1('log10', Math.log10, (x) => x > 0), f1('log1p', Math.log1p, (x) => x > -1),
    f1('fabs', Math.abs), f1('sin', Math.sin, Number.isFinite), f1('cos', Math.cos, Number.isFinite), f1('tan', Math.tan, Number.isFinite),
    f1('asin', Math.asin, (x) => x >= -1 && x <= 1), f1('acos', Math.acos, (x) => x >= -1 && x <= 1), f1('atan', Math.atan),
    f1('sinh', Math.sinh), f1('cosh', Math.cosh), f1('tanh', Math.tanh),
    f1('asinh', Math.asinh), f1('acosh', Math.acosh, (x) => x >= 1), f1('atanh', Math.atanh, (x) => x > -1 && x < 1),
    f1('erf', erf),
    f1('degrees', (x) => x * (180 / Math.PI)), f1('radians', (x) => x * (Math.PI / 180)),
    ['log', nf('log', (a, ctx) => {
      const x = real(a.pos[0], ctx);
      if (x instanceof Unknown) return x;
      if (!(x > 0) && !Number.isNaN(x)) domain(ctx);
      if (a.pos.length < 2) return new PyFloat(Math.log(x));
      const b = real(a.pos[1], ctx);
      if (b instanceof Unknown) return b;
      if (!(b > 0) && !Number.isNaN(b)) domain(ctx);
      if (b === 1) return ctx.raise('ZeroDivisionError', 'float division by zero');
      return new PyFloat(Math.log(x) / Math.log(b));
    })],
    ['pow', nf('pow', (a, ctx) => {
      const x = real(a.pos[0], ctx), y = real(a.pos[1], ctx);
      if (x instanceof Unknown) return x;
      if (y instanceof Unknown) return y;
      if (x === 0 && y < 0) domain(ctx);
      if (x < 0 && Number.isFinite(y) && !Number.isInteger(y)) domain(ctx);
      const r = Math.pow(x, y);
      if (x === 1 || y === 0) return new PyFloat(1); // CPython: pow(1, nan) == pow(nan, 0) == 1.0
      if (!Number.isFinite(r) && Number.isFinite(x) && Number.isFinite(y)) range(ctx);
      return new PyFloat(r);
    })],
    ['atan2', nf('atan2', (a, ctx) => {
      const y = real(a.pos[0], ctx), x = real(a.pos[1], ctx);
      if (y instanceof Unknown) return y;
      if (x instanceof Unknown) return x;
      return new PyFloat(Math.atan2(y, x));
    })],
    ['hypot', nf('hypot', (a, ctx) => {
      const xs: number[] = [];
      for (const v of a.pos) { const x = real(v, ctx); if (x instanceof Unknown) return x; xs.push(x); }
      return new PyFloat(Math.hypot(...xs));
    })],
    ['copysign', nf('copysign', (a, ctx) => {
      const x = real(a.pos[0], ctx), y = real(a.pos[1], ctx);
      if (x instanceof Unknown) return x;
      if (y instanceof Unknown) return y;
      const neg = y < 0 || Object.is(y, -0);
      return new PyFloat(neg ? -Math.abs(x) : Math.abs(x));
    })],
    ['fmod', nf('fmod', (a, ctx) => {
      const x = real(a.pos[0], ctx), y = real(a.pos[1], ctx);
      if (x instanceof Unknown) return x;
      if (y instanceof Unknown) return y;
      if (y === 0 || !Number.isFinite(x)) domain(ctx);
      return new PyFloat(x % y);
    })],
    ['modf', nf('modf', (a, ctx) => {
      const x = real(a.pos[0], ctx);
      if (x instanceof Unknown) return x;
      const i = Math.trunc(x);
      return new PyTuple([new PyFloat(Number.isFinite(x) ? x - i : Math.sign(x) * 0), new PyFloat(i)]);
    })],
    ['isfinite', nf('isfinite', (a, ctx) => { const x = real(a.pos[0], ctx); return x instanceof Unknown ? x : Number.isFinite(x); })],
    ['isinf', nf('isinf', (a, ctx) => { const x = real(a.pos[0], ctx); return x instanceof Unknown ? x : Math.abs(x) === Infinity; })],
    ['isnan', nf('isnan', (a, ctx) => { const x = real(a.pos[0], ctx); return x instanceof Unknown ? x : Number.isNaN(x); })],
    ['isclose', nf('isclose', (a, ctx) => {
      const x = real(a.pos[0], ctx), y = real(a.pos[1], ctx);
      if (x instanceof Unknown) return x;
      if (y instanceof Unknown) return y;
      const rt = real(a.kw.get('rel_tol') ?? new PyFloat(1e-9), ctx), at = real(a.kw.get('abs_tol') ?? new PyFloat(0), ctx);
      if (rt instanceof Unknown) return rt;
      if (at instanceof Unknown) return at;
      if (rt < 0 || at < 0) return ctx.raise('ValueError', 'tolerances must be non-negative');
      if (x === y) return true;
      if (!Number.isFinite(x) || !Number.isFinite(y)) return false;
      const d = Math.abs(x - y);
      return d <= Math.abs(rt * y) || d <= Math.abs(rt * x) || d <= at;
    })],
    ['gcd', nf('gcd', (a, ctx) => { const xs = ints(a, ctx); return xs instanceof Unknown ? xs : xs.reduce(gcd2, 0); })],
    ['lcm', nf('lcm', (a, ctx) => {
      const xs = ints(a, ctx);
      if (xs instanceof Unknown) return xs;
      let l = 1;
      for (const x of xs) { if (x === 0) return 0; l = (l / gcd2(l, x)) * x; }
      return exactInt(l, ctx, 'lcm');
    })],
    ['isqrt', nf('isqrt', (a, ctx) => {
      const n = int(a.pos[0], ctx);
      if (n instanceof Unknown) return n;
      if (n < 0) return ctx.raise('ValueError', 'isqrt() argument must be nonnegative');
      let r = Math.floor(Math.sqrt(n));
      while (r * r > n) r--;
      while ((r + 1) * (r + 1) <= n) r++;
      return r;
    })],
    ['factorial', nf('factorial', (a, ctx) => {
      const n = int(a.pos[0], ctx);
      if (n instanceof Unknown) return n;
      if (n < 0) return ctx.raise('ValueError', 'factorial() not defined for negative values');
      let r = 1;
      for (let i = 2; i <= n; i++) { r *= i; if (!Number.isSafeInteger(r)) return big(ctx, 'factorial'); }
      return r;
    })],
    ['comb', nf('comb', (a, ctx) => {
      const n = int(a.pos[0], ctx), k = int(a.pos[1], ctx);
      if (n instanceof Unknown) return n;
      if (k instanceof Unknown) return k;
      if (n < 0 || k < 0) return ctx.raise('ValueError', `${n < 0 ? 'n' : 'k'} must be a non-negative integer`);
      if (k > n) return 0;
      let r = 1;
      // r * (n - i) is divisible by (i + 1) at every step; exact while it stays below 2**53.
      for (let i = 0; i < Math.min(k, n - k); i++) { r = (r * (n - i)) / (i + 1); if (!Number.isSafeInteger(r * (n - i))) return big(ctx, 'comb'); }
      return r;
    })],
    ['perm', nf('perm', (a, ctx) => {
      const n = int(a.pos[0], ctx);
      if (n instanceof Unknown) return n;
      const k = a.pos[1] === undefined || a.pos[1] === null ? n : int(a.pos[1], ctx);
      if (k instanceof Unknown) return k;
      if (n < 0 || k < 0) return ctx.raise('ValueError', `${n < 0 ? 'n' : 'k'} must be a non-negative integer`);
      if (k > n) return 0;
      let r = 1;
      for (let i = 0; i < k; i++) { r *= n - i; if (!Number.isSafeInteger(r)) return big(ctx, 'perm'); }
      return r;
    })],
    ['prod', nf('prod', (a, ctx) => {
      const items = ctx.iterate(a.pos[0]);
      if (items instanceof Unknown) return items;
      let acc: Value = a.kw.get('start') ?? 1;
      for (const x of items) acc = it.binop('*', acc, x, ctx.at);
      return acc;
    })],
    ['fsum', nf('fsum', (a, ctx) => {
      const items = ctx.iterate(a.pos[0]);
      if (items instanceof Unknown) return items;
      const xs: number[] = [];
      for (const v of items) { const x = real(v, ctx); if (x instanceof Unknown) return x; xs.push(x); }
      return new PyFloat(exactSum(xs));
    })],
    ['dist', nf('dist', (a, ctx) => {
      const p = ctx.iterate(a.pos[0]), q = ctx.iterate(a.pos[1]);
      if (p instanceof Unknown) return p;
      if (q instanceof Unknown) return q;
      if (p.length !== q.length) return ctx.raise('ValueError', 'both points must have the same number of dimensions');
      const d: number[] = [];
      for (let i = 0; i < p.length; i++) {
        const x = real(p[i], ctx), y = real(q[i], ctx);
        if (x instanceof Unknown) return x;
        if (y instanceof Unknown) return y;
        d.push(x - y);
      }
      return new PyFloat(Math.hypot(...d));
    })],
  ];
}

/** Shewchuk's exactly rounded sum (what math.fsum computes). */
function exactSum(xs: number[]): number {
  const partials: number[] = [];
  for (let x of xs) {
    let i = 0;
    for (let y of partials) {
      if (Math.abs(x) < Math.abs(y)) [x, y] = [y, x];
      const hi = x + y;
      const lo = y - (hi - x);
      if (lo) partials[i++] = lo;
      x = hi;
    }
    partials.length = i;
    partials.push(x);
  }
  // Add the partials from the top, then correct a half-way case as CPython does.
  let n = partials.length;
  if (!n) return 0;
  let hi = partials[--n], lo = 0;
  while (n > 0) {
    const x = hi, y = partials[--n];
    hi = x + y;
    lo = y - (hi - x);
    if (lo) break;
  }
  if (n > 0 && ((lo < 0 && partials[n - 1] < 0) || (lo > 0 && partials[n - 1] > 0))) {
    const y = lo * 2, x = hi + y;
    if (y === x - hi) hi = x;
  }
  return hi;
}

/**
 * erf to about 1e-16: the all-positive series erf(x) = 2/sqrt(pi) e^(-x^2) sum x^(2n+1) 2^n / (2n+1)!!
 * below 3 (no cancellation), 1 - erfc by its continued fraction above. (Used for weight-init bounds.)
 */
export function erf(x: number): number {
  if (Number.isNaN(x)) return x;
  const ax = Math.abs(x);
  let r: number;
  if (ax < 3) {
    let term = ax, sum = ax;
    for (let n = 1; n < 200 && term > sum * 1e-17; n++) { term *= (2 * ax * ax) / (2 * n + 1); sum += term; }
    r = (2 / Math.sqrt(Math.PI)) * Math.exp(-ax * ax) * sum;
  } else if (ax < 30) {
    // erfc(x) = e^(-x^2)/sqrt(pi) * 1/(x + 1/2/(x + 1/(x + 3/2/(x + ...)))), evaluated bottom-up.
    let f = ax;
    for (let k = 120; k >= 1; k--) f = ax + (k / 2) / f;
    r = 1 - Math.exp(-ax * ax) / (Math.sqrt(Math.PI) * f);
  } else r = 1;
  return x < 0 ? -r : r;
}
