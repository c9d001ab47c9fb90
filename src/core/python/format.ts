// str(), repr() and format-spec rendering of interpreter values.
import {
  Value, PyFloat, PyTuple, PyList, PyDict, PySet, PyClass, PyInstance, PyFunction, NativeFunction, Tensor, Unknown,
  PyNamespace, PySlice, PyRange, PyEllipsis, PyPartial, BoundMethod,
} from './values';

/** What rendering needs of the interpreter; `call` runs user `__repr__`/`__str__`. */
export interface Printer {
  repr(v: Value): string;
  str(v: Value): string;
  call?(fn: Value, pos: Value[], kw: Map<string, Value>, at: null): Value;
}

// ---------- exact decimal rounding (CPython rounds the exact binary value, ties to even) ----------

/** a = m · 2^k exactly, with m odd (a finite, > 0). */
function dyadic(a: number): [bigint, number] {
  let k = 0;
  let y = a;
  while (!Number.isInteger(y)) { y *= 2; k--; }
  let m = BigInt(y);
  while ((m & 1n) === 0n) { m >>= 1n; k++; }
  return [m, k];
}

/** round(a · 10^s) to an integer, ties to even, computed exactly (a ≥ 0, finite). */
function scaledRound(a: number, s: number): bigint {
  if (a === 0) return 0n;
  const [m, k] = dyadic(a);
  let num = m, den = 1n;
  if (k >= 0) num <<= BigInt(k); else den <<= BigInt(-k);
  if (s >= 0) num *= 10n ** BigInt(s); else den *= 10n ** BigInt(-s);
  const q = num / den;
  const twice = 2n * (num % den);
  return twice > den || (twice === den && (q & 1n) === 1n) ? q + 1n : q;
}

/** Python's round(x, nd) for a float x: the double nearest to x rounded half-even at nd decimals. */
export function roundFloat(x: number, nd: number): number {
  if (!Number.isFinite(x) || nd > 323) return x;
  const neg = x < 0 || Object.is(x, -0);
  const r = nd < -308 ? 0 : parseFloat(`${scaledRound(Math.abs(x), nd)}e${-nd}`);
  return neg ? -r : r;
}

/** `a` (≥ 0, finite) with n decimals: format(a, '.nf'). */
function fixedDigits(a: number, n: number): string {
  const q = scaledRound(a, n).toString();
  if (n === 0) return q;
  const d = q.padStart(n + 1, '0');
  return d.slice(0, -n) + '.' + d.slice(-n);
}

/** `a` (≥ 0, finite) in scientific notation with n decimals: [mantissa, exponent]. */
function sciDigits(a: number, n: number): [string, number] {
  let e = a === 0 ? 0 : Math.floor(Math.log10(a));
  let q = 0n;
  for (let i = 0; i < 3; i++) {
    q = scaledRound(a, n - e);
    if (a !== 0 && q >= 10n ** BigInt(n + 1)) e++;
    else if (a !== 0 && q < 10n ** BigInt(n)) e--;
    else break;
  }
  const d = q.toString();
  return [n > 0 ? d[0] + '.' + d.slice(1) : d, e];
}
const expText = (e: number): string => (e < 0 ? '-' : '+') + String(Math.abs(e)).padStart(2, '0');
const stripZeros = (s: string): string => (s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s);

/** 'g' (and the no-type float format with a precision, `dotZero`), for a ≥ 0 finite. */
function generalDigits(a: number, prec: number, alt: boolean, dotZero: boolean): string {
  const p = prec === 0 ? 1 : prec;
  const [, e] = sciDigits(a, p - 1);
  if (e >= -4 && e < (dotZero ? p - 1 : p)) {
    let s = fixedDigits(a, p - 1 - e);
    if (!alt) s = stripZeros(s);
    if (dotZero && !s.includes('.')) s += '.0';
    return s;
  }
  let [m] = sciDigits(a, p - 1);
  if (!alt) m = stripZeros(m);
  return m + 'e' + expText(e);
}

/** repr() of a float: shortest round-trip digits, exponent outside 1e-4 <= |x| < 1e16. */
function floatRepr(x: number): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? 'nan' : x > 0 ? 'inf' : '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const [mant, expS] = x.toExponential().split('e');
  const e = +expS;
  const sign = x < 0 ? '-' : '';
  const digits = mant.replace('-', '').replace('.', '');
  if (e >= -4 && e < 16) {
    if (e < 0) return sign + '0.' + '0'.repeat(-e - 1) + digits;
    return sign + digits.slice(0, e + 1).padEnd(e + 1, '0') + '.' + (digits.slice(e + 1) || '0');
  }
  return sign + digits[0] + (digits.length > 1 ? '.' + digits.slice(1) : '') + 'e' + expText(e);
}

/** repr() of a str: quotes and escapes as CPython chooses them. */
function strRepr(s: string): string {
  const q = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = '';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '\\' || ch === q) out += '\\' + ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || c === 0x7f) out += '\\x' + c.toString(16).padStart(2, '0');
    else out += ch;
  }
  return q + out + q;
}

/** A user-defined `__repr__`/`__str__` of an instance, run through the printer. */
function userMethod(v: PyInstance, name: string, p: Printer): string | null {
  const f = v.cls.lookup(name);
  // Natives too: stdlib classes (SimpleNamespace, enum members) define their repr natively.
  if (!(f instanceof PyFunction || f instanceof NativeFunction) || !p.call) return null;
  const r = p.call(f, [v], new Map(), null);
  return typeof r === 'string' ? r : null;
}

function isException(v: PyInstance): boolean {
  return v.cls.mro.some((c) => c.name === 'BaseException' && c.file === null);
}

function instanceRepr(v: PyInstance, p: Printer): string {
  const user = userMethod(v, '__repr__', p);
  if (user !== null) return user;
  if (v.cls.dataclassFields) {
    return `${v.cls.name}(${v.cls.dataclassFields.map((f) => `${f.name}=${p.repr(v.attrs.get(f.name) ?? null)}`).join(', ')})`;
  }
  if (isException(v)) {
    const args = v.attrs.get('args');
    const items = args instanceof PyTuple ? args.items : [];
    return `${v.cls.name}(${items.map((x) => p.repr(x)).join(', ')})`;
  }
  return `<${v.cls.name} object>`;
}

/** str() of any value: user `__str__`, then `__repr__`, then what Python shows. */
export function strValue(v: Value, p: Printer): string {
  if (typeof v === 'string') return v;
  if (v instanceof PyInstance) {
    const user = userMethod(v, '__str__', p);
    if (user !== null) return user;
    if (isException(v)) {
      const args = v.attrs.get('args');
      const items = args instanceof PyTuple ? args.items : [];
      return items.length === 0 ? '' : items.length === 1 ? strValue(items[0], p) : p.repr(new PyTuple(items));
    }
    return instanceRepr(v, p);
  }
  return reprValue(v, p);
}

export function reprValue(v: Value, p: Printer): string {
  if (v === null) return 'None';
  switch (typeof v) {
    case 'boolean': return v ? 'True' : 'False';
    case 'number': return String(v);
    case 'string': return strRepr(v);
  }
  if (v instanceof PyFloat) return floatRepr(v.v);
  if (v instanceof PyTuple) {
    if (v.cls) {
      const f = v.cls.dict.get('_fields');
      const names = f instanceof PyTuple ? f.items : [];
      return `${v.cls.name}(${v.items.map((x, i) => `${String(names[i])}=${p.repr(x)}`).join(', ')})`;
    }
    return '(' + v.items.map((x) => p.repr(x)).join(', ') + (v.items.length === 1 ? ',)' : ')');
  }
  if (v instanceof PyList) return '[' + v.items.map((x) => p.repr(x)).join(', ') + ']';
  if (v instanceof PyDict) return '{' + v.entries().map(([k, x]) => `${p.repr(k)}: ${p.repr(x)}`).join(', ') + '}';
  if (v instanceof PySet) return v.map.size ? '{' + v.items().map((x) => p.repr(x)).join(', ') + '}' : 'set()';
  if (v instanceof PyClass) return `<class '${v.name}'>`;
  if (v instanceof PyInstance) return instanceRepr(v, p);
  if (v instanceof PyFunction) return `<function ${v.name}>`;
  if (v instanceof NativeFunction) return `<built-in function ${v.name}>`;
  if (v instanceof BoundMethod) return `<bound method>`;
  if (v instanceof PyPartial) return `functools.partial(${p.repr(v.fn)})`;
  if (v instanceof Tensor) return v.data && v.data.length <= 8 ? `tensor(${JSON.stringify(v.data)})` : `tensor(shape=[${v.shape.join(', ')}])`;
  if (v instanceof Unknown) return '<unknown>';
  if (v instanceof PyNamespace) return `<module '${v.name}'>`;
  if (v instanceof PySlice) return `slice(${p.repr(v.start)}, ${p.repr(v.stop)}, ${p.repr(v.step)})`;
  if (v instanceof PyRange) return `range(${v.start}, ${v.stop}${v.step !== 1 ? ', ' + v.step : ''})`;
  if (v instanceof PyEllipsis) return 'Ellipsis';
  return '<object>';
}

/** Widest padding a format spec may ask for (characters). */
export const MAX_WIDTH = 1 << 24;

/** format(v, spec): [[fill]align][sign][#][0][width][,|_][.prec][type], as CPython renders it. */
export function formatValue(v: Value, spec: string, p: Printer): string {
  if (!spec) return typeof v === 'string' ? v : strValue(v, p);
  const m = /^(?:([\s\S])?([<>^=]))?([-+ ])?(#)?(0)?(\d+)?([,_])?(?:\.(\d+))?([bcdeEfFgGnosxX%])?$/.exec(spec);
  if (!m) return strValue(v, p);
  const [, fillC, align, sign, alt, zero, width, group, precS, type] = m;
  const prec = precS === undefined ? undefined : +precS;
  if (prec !== undefined && prec > MAX_WIDTH) throw new RangeError(`format precision ${precS} is over ${MAX_WIDTH}`);
  const isNumber = typeof v === 'number' || typeof v === 'boolean' || v instanceof PyFloat;
  let prefix = '';
  let body: string;
  if (!isNumber || type === 's') {
    body = strValue(v, p);
    if (prec !== undefined) body = [...body].slice(0, prec).join('');
  } else {
    const isFloat = v instanceof PyFloat;
    const x = typeof v === 'number' ? v : typeof v === 'boolean' ? Number(v) : v.v;
    const neg = x < 0 || (isFloat && Object.is(x, -0));
    const a = Math.abs(x);
    const upper = type !== undefined && type === type.toUpperCase() && type !== '%';
    if (!Number.isFinite(a) && !(type && 'dnxXobc'.includes(type))) {
      body = Number.isNaN(a) ? 'nan' : 'inf';
      if (upper) body = body.toUpperCase();
      if (type === '%') body += '%';
    } else {
      switch (type) {
        case 'd': case 'n': body = BigInt(Math.trunc(a)).toString(); break;
        case 'x': case 'X': body = Math.trunc(a).toString(16); if (alt) prefix = '0x'; break;
        case 'o': body = Math.trunc(a).toString(8); if (alt) prefix = '0o'; break;
        case 'b': body = Math.trunc(a).toString(2); if (alt) prefix = '0b'; break;
        case 'c': body = String.fromCodePoint(a); break;
        case 'f': case 'F': body = fixedDigits(a, prec ?? 6); if (alt && !body.includes('.')) body += '.'; break;
        case '%': body = fixedDigits(a * 100, prec ?? 6) + '%'; break;
        case 'e': case 'E': { const [mm, e] = sciDigits(a, prec ?? 6); body = mm + (alt && !mm.includes('.') ? '.' : '') + 'e' + expText(e); break; }
        case 'g': case 'G': body = generalDigits(a, prec ?? 6, !!alt, false); break;
        default:
          body = !isFloat ? BigInt(Math.trunc(a)).toString() : prec !== undefined ? generalDigits(a, prec, !!alt, true) : floatRepr(a);
      }
      if (upper) { body = body.toUpperCase(); prefix = prefix.toUpperCase(); }
    }
    if (group && /^\d/.test(body)) {
      const i = body.search(/[^0-9]|$/);
      const size = type && 'xXob'.includes(type) ? 4 : 3;
      body = body.slice(0, i).replace(new RegExp(`\\B(?=(\\d{${size}})+(?!\\d))`, 'g'), group) + body.slice(i);
    }
    prefix = (neg ? '-' : sign === '+' ? '+' : sign === ' ' ? ' ' : '') + prefix;
  }
  const w = width ? +width : 0;
  // The interpreter turns a RangeError into "value too large" (an Unknown), as for V8's own limits.
  if (w > MAX_WIDTH) throw new RangeError(`format width ${width} is over ${MAX_WIDTH}`);
  const len = [...prefix].length + [...body].length;
  if (len >= w) return prefix + body;
  const numeric = isNumber && type !== 's';
  const zeroPad = zero !== undefined && !align;
  const fill = zeroPad ? '0' : fillC ?? ' ';
  const al = align ?? (!numeric ? '<' : zeroPad ? '=' : '>');
  const pad = fill.repeat(w - len);
  if (al === '<') return prefix + body + pad;
  if (al === '^') { const h = Math.floor(pad.length / 2); return pad.slice(0, h) + prefix + body + pad.slice(h); }
  if (al === '=') return prefix + pad + body;
  return pad + prefix + body;
}
