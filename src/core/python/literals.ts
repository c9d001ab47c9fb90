// Literals of the symbolic interpreter: numbers and strings (escapes, exact integers), f-strings and
// %-formatting, list/tuple/set/dict displays and comprehensions, and numeric arithmetic.
// Free functions of the Interpreter (interp.ts).
import type { SyntaxNode } from '@lezer/common';
import { Value, Span, PyFloat, PyTuple, PyDict, Unknown, Scope, num, isInt } from './values';
import { formatValue } from './format';
import type { Interpreter } from './interp';
import { PyException, kids, isExprNode } from './interp';

/** Items of a list/tuple/set display, expanding `*x`. */
export function evalItems(it: Interpreter, nodes: SyntaxNode[], scope: Scope): Value[] | Unknown {
  const out: Value[] = [];
  for (let i = 0; i < nodes.length; i++) {
    const c = nodes[i];
    if (!isExprNode(c)) continue;
    if (c.name === '*') {
      const v = it.eval(nodes[++i], scope);
      const items = it.iterate(v, it.span(c));
      if (items instanceof Unknown) return items;
      out.push(...items);
    } else out.push(it.eval(c, scope));
  }
  return out;
}

export function evalFString(it: Interpreter, n: SyntaxNode, scope: Scope): Value {
  const src = it.text(n);
  let p = 0;
  while (p < src.length && /[a-zA-Z]/.test(src[p])) p++;
  const q = src.startsWith('"""', p) || src.startsWith("'''", p) ? 3 : 1;
  const start = n.from + p + q;
  const end = n.to - q;
  let out = '';
  let cursor = start;
  const lit = (a: number, b: number) => it.curFile!.text.slice(a, b).replace(/\{\{/g, '{').replace(/\}\}/g, '}');
  for (const r of kids(n)) {
    if (r.name !== 'FormatReplacement') continue;
    out += lit(cursor, r.from);
    cursor = r.to;
    const rc = kids(r);
    const expr = rc.find((c) => isExprNode(c) && c.name !== 'FormatConversion' && c.name !== 'FormatSpec' && c.name !== 'FormatSelfDoc');
    const conv = rc.find((c) => c.name === 'FormatConversion');
    const specNode = rc.find((c) => c.name === 'FormatSpec');
    // `{x=}` / `{x = :.1f}`: the expression's text up to and with `=` (spaces kept), then the
    // value, as repr unless a conversion or a format spec says otherwise.
    const selfDoc = rc.find((c) => c.name === 'FormatSelfDoc');
    if (selfDoc) out += it.curFile!.text.slice(r.from + 1, (conv ?? specNode ?? rc[rc.length - 1]).from);
    const v = expr ? it.eval(expr, scope) : null;
    let spec = '';
    if (specNode) {
      // Nested replacements inside the spec.
      let s = '';
      let cur = specNode.from + 1;
      for (const sc of kids(specNode)) {
        if (sc.name !== 'FormatReplacement') continue;
        s += it.curFile!.text.slice(cur, sc.from);
        const e = kids(sc).find(isExprNode);
        if (e) s += it.str(it.eval(e, scope));
        cur = sc.to;
      }
      s += it.curFile!.text.slice(cur, specNode.to);
      spec = s;
    }
    const cv = conv ? it.text(conv) : selfDoc && !specNode ? '!r' : '';
    out += cv === '!r' ? formatValue(it.repr(v), spec, it) : cv === '!a' ? formatValue(asciiRepr(it.repr(v)), spec, it) : cv === '!s' ? formatValue(it.str(v), spec, it) : formatValue(v, spec, it);
  }
  out += lit(cursor, Math.max(cursor, end));
  return out;
}

export function evalDict(it: Interpreter, n: SyntaxNode, scope: Scope): Value {
  const d = new PyDict();
  const ch = kids(n).filter((c) => c.name !== '{' && c.name !== '}' && c.name !== ',');
  for (let i = 0; i < ch.length; i++) {
    if (ch[i].name === '**') {
      const v = it.eval(ch[++i], scope);
      if (v instanceof PyDict) for (const [k, x] of v.entries()) d.set(k, x);
      continue;
    }
    const k = it.eval(ch[i], scope);
    if (ch[i + 1]?.name !== ':') continue;
    const v = ch[i + 2] ? it.eval(ch[i + 2], scope) : null;
    d.set(k, v);
    i += 2;
  }
  return d;
}

export function evalComprehension(it: Interpreter, ch: SyntaxNode[], scope: Scope, kind: 'list' | 'dict'): Value[] | PyDict | Unknown {
  const inner = ch.filter((c) => c.name !== '(' && c.name !== ')' && c.name !== '[' && c.name !== ']' && c.name !== '{' && c.name !== '}');
  const forAt = inner.findIndex((c) => c.name === 'for');
  const head = inner.slice(0, forAt);
  if (forAt < 0 || !head[0] || (kind === 'dict' && !head[2])) {
    return new Unknown('incomplete comprehension', it.span(ch[0]));
  }
  // Clauses: for targets in iter [if cond]* [for ...]*
  type Clause = { kind: 'for'; targets: SyntaxNode[]; iter: SyntaxNode } | { kind: 'if'; cond: SyntaxNode };
  const clauses: Clause[] = [];
  let i = forAt;
  while (i >= 0 && i < inner.length) {
    if (inner[i].name === 'for') {
      const inAt = inner.findIndex((c, j) => j > i && c.name === 'in');
      // Half-typed `[a for b]`: no `in`, nothing to iterate.
      if (inAt < 0 || !inner[inAt + 1]) return new Unknown('incomplete comprehension', it.span(inner[i]));
      clauses.push({ kind: 'for', targets: inner.slice(i + 1, inAt), iter: inner[inAt + 1] });
      i = inAt + 2;
    } else if (inner[i].name === 'if') { clauses.push({ kind: 'if', cond: inner[i + 1] }); i += 2; }
    else i++;
  }
  const cscope = new Scope(scope, 'function', it.curFile);
  const outList: Value[] = [];
  const outDict = new PyDict();
  const emit = () => {
    if (kind === 'dict') {
      const k = it.eval(head[0], cscope);
      const v = it.eval(head[2], cscope);
      outDict.set(k, v);
    } else outList.push(it.eval(head[0], cscope));
  };
  // An undecidable filter or an unknown iterable makes the whole result unknown (its length and
  // items both depend on it), never a shorter list.
  let unknown: Unknown | null = null;
  const run = (ci: number): void => {
    if (unknown) return;
    if (ci === clauses.length) { emit(); return; }
    const c = clauses[ci];
    if (c.kind === 'if') {
      const t = it.truthy(it.eval(c.cond, cscope), it.span(c.cond));
      if (t instanceof Unknown) { unknown = new Unknown(`comprehension filter unknown: ${t.reason}`, t.at ?? it.span(c.cond)); return; }
      if (t) run(ci + 1);
      return;
    }
    if (!c.iter) return;
    const items = it.iterate(it.eval(c.iter, ci === 0 ? scope : cscope), it.span(c.iter));
    if (items instanceof Unknown) { unknown = new Unknown(`cannot iterate: ${items.reason}`, items.at ?? it.span(c.iter)); return; }
    for (const item of items) { it.tick(); it.assignTargets(c.targets, item, cscope); run(ci + 1); if (unknown) return; }
  };
  run(0);
  if (unknown) return unknown;
  return kind === 'dict' ? outDict : outList;
}

/** ascii(): repr with every non-ASCII character escaped. */
export function asciiRepr(r: string): string {
  return [...r].map((ch) => {
    const c = ch.codePointAt(0)!;
    if (c < 0x80) return ch;
    const h = c.toString(16);
    return c < 0x100 ? '\\x' + h.padStart(2, '0') : c < 0x10000 ? '\\u' + h.padStart(4, '0') : '\\U' + h.padStart(8, '0');
  }).join('');
}

export function parseNumber(t: string): Value {
  const s = t.replace(/_/g, '');
  if (/[jJ]$/.test(s)) return new Unknown('complex numbers are not supported', null);
  if (/[.eE]/.test(s) && !/^0[xX]/.test(s)) return new PyFloat(parseFloat(s));
  // Ints are JS numbers: one beyond 2^53 would be rounded, so it is unknown instead.
  const big = BigInt(/^0[oO]/.test(s) ? '0o' + s.slice(2) : /^0[bB]/.test(s) ? '0b' + s.slice(2) : /^0[xX]/.test(s) ? '0x' + s.slice(2) : s.replace(/^0+(?=\d)/, ''));
  return intOrUnknown(big, `the integer literal ${t.length > 30 ? t.slice(0, 27) + '...' : t}`, null);
}

/** A Python int as a JS number when it is exactly representable, else an explicit unknown. */
export function intOrUnknown(v: bigint, what: string, at: Span | null): Value {
  if (v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(v);
  return new Unknown(`${what} is beyond 2^53 and cannot be represented exactly`, at);
}

export function parseString(t: string): Value {
  let p = 0;
  while (p < t.length && /[a-zA-Z]/.test(t[p])) p++;
  const prefix = t.slice(0, p).toLowerCase();
  const q = t.startsWith('"""', p) || t.startsWith("'''", p) ? 3 : 1;
  const body = t.slice(p + q, t.length - q >= p + q ? t.length - q : t.length);
  if (prefix.includes('r')) return body;
  // Unicode character names need CPython's name table: an explicit unknown, not the raw escape.
  if (!prefix.includes('b') && /(^|[^\\])(\\\\)*\\N\{/.test(body)) return new Unknown('\\N{...} escapes are not supported', null);
  return body.replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|N\{[^}]*\}|[0-7]{1,3}|.|\n)/g, (_m, e: string) => {
    switch (e[0]) {
      case 'n': return '\n'; case 't': return '\t'; case 'r': return '\r'; case '0': return e.length > 1 ? String.fromCharCode(parseInt(e, 8)) : '\0';
      case '\\': return '\\'; case "'": return "'"; case '"': return '"'; case '\n': return '';
      case 'x': case 'u': return String.fromCharCode(parseInt(e.slice(1), 16));
      case 'U': return String.fromCodePoint(Math.min(parseInt(e.slice(1), 16), 0x10ffff));
      case 'a': return '\x07'; case 'b': return '\b'; case 'f': return '\f'; case 'v': return '\v';
      default: return /[0-7]/.test(e[0]) ? String.fromCharCode(parseInt(e, 8)) : '\\' + e;
    }
  });
}

export function numBinop(op: string, a: number | boolean | PyFloat, b: number | boolean | PyFloat, it: Interpreter, at: Span | null): Value {
  const x = num(a), y = num(b);
  const ints = isInt(a) && isInt(b);
  const f = (v: number): Value => ints ? v + 0 : new PyFloat(v);
  const zero = () => { throw new PyException(it.exception('ZeroDivisionError'), 'division by zero', at); };
  // Integer arithmetic is exact (BigInt), and a result beyond 2^53 is unknown rather than rounded.
  if (ints && op !== '/') {
    const X = BigInt(x), Y = BigInt(y);
    const floorDiv = (p: bigint, q: bigint): bigint => { const d = p / q; return (p % q !== 0n) && ((p < 0n) !== (q < 0n)) ? d - 1n : d; };
    let r: bigint | null = null;
    switch (op) {
      case '+': r = X + Y; break;
      case '-': r = X - Y; break;
      case '*': r = X * Y; break;
      case '//': if (Y === 0n) zero(); r = floorDiv(X, Y); break;
      case '%': if (Y === 0n) zero(); r = X - floorDiv(X, Y) * Y; break;
      case '**':
        if (Y < 0n) return new PyFloat(Math.pow(x, y));
        // Bound the work: |x| ≥ 2 with an exponent past 64 is far beyond 2^53.
        if (Y > 64n && (X > 1n || X < -1n)) return intOrUnknown(X ** 64n * 2n ** 64n, `${x} ** ${y}`, at);
        r = X ** Y; break;
      case '&': r = X & Y; break;
      case '|': r = X | Y; break;
      case '^': r = X ^ Y; break;
      case '<<': if (Y < 0n) throw new PyException(it.exception('ValueError'), 'negative shift count', at); r = Y > 64n ? (X === 0n ? 0n : X * 2n ** 64n) : X << Y; break;
      case '>>': if (Y < 0n) throw new PyException(it.exception('ValueError'), 'negative shift count', at); r = Y > 64n ? (X < 0n ? -1n : 0n) : X >> Y; break;
    }
    if (r !== null) return intOrUnknown(r, `the integer result of ${op}`, at);
  }
  switch (op) {
    case '+': return f(x + y);
    case '-': return f(x - y);
    case '*': return f(x * y);
    case '/': if (y === 0) zero(); return new PyFloat(x / y);
    case '//': if (y === 0) zero(); return f(Math.floor(x / y));
    case '%': { if (y === 0) zero(); const m = x - Math.floor(x / y) * y; return f(m); }
    case '**': {
      const r = Math.pow(x, y);
      return ints && y >= 0 ? r : new PyFloat(r);
    }
    case '&': return ints ? (x & y) : new Unknown('bad operand', at);
    case '|': return ints ? (x | y) : new Unknown('bad operand', at);
    case '^': return ints ? (x ^ y) : new Unknown('bad operand', at);
    case '<<': return x * Math.pow(2, y);
    case '>>': return Math.floor(x / Math.pow(2, y));
  }
  return new Unknown(`unsupported operator ${op}`, at);
}

export function percentFormat(fmt: string, args: Value, it: Interpreter): string {
  const mapping = args instanceof PyDict ? args : null;
  const items = args instanceof PyTuple ? args.items : [args];
  let i = 0;
  return fmt.replace(/%(?:\(([^)]*)\))?([-+ 0#]*)(\d*)(?:\.(\d+))?([sdiufrxXoeEgGc%])/g,
    (_m, key: string | undefined, flags: string, width: string, prec: string | undefined, conv: string) => {
      if (conv === '%') return '%';
      const v = key !== undefined && mapping ? mapping.get(key) ?? null : items[i++];
      const left = flags.includes('-');
      if (conv === 's' || conv === 'r') {
        const s = conv === 'r' ? it.repr(v) : it.str(v);
        return formatValue(prec !== undefined ? s.slice(0, +prec) : s, (left ? '<' : '>') + width, it);
      }
      const type = conv === 'i' || conv === 'u' ? 'd' : conv;
      const spec = (left ? '<' : '') + (flags.includes('+') ? '+' : flags.includes(' ') ? ' ' : '') + (flags.includes('#') ? '#' : '') +
        (flags.includes('0') && !left ? '0' : '') + width + (prec !== undefined && type !== 'd' ? '.' + prec : '') + type;
      return formatValue(type === 'd' && v instanceof PyFloat ? Math.trunc(v.v) : v, spec, it);
    });
}
