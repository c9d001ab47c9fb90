// str's methods (split, strip, format, ...), as natives over JS strings; makeBuiltins (builtins.ts) runs it.
import { Value, PyTuple, PyList, Unknown, CallArgs, CallContext, NativeImpl, num, isInt } from '../values';
import { formatValue, strValue } from '../format';
import type { MethodKit } from '../builtins';
import { arg, esc, strLen } from '../builtins';

export function defineStrMethods({ it, def, self, str }: MethodKit): void {
  const S = (a: CallArgs) => self(a) as string;
  /** The str argument at i, or its default when absent or None. */
  const optStr = (a: CallArgs, i: number, name: string): string | null => { const v = arg(a, i, name, null); return typeof v === 'string' ? v : null; };
  const optInt = (a: CallArgs, i: number, name: string, dflt: number): number => { const v = arg(a, i, name, null); return isInt(v) ? num(v) : dflt; };
  /** s[start:end] for the optional start/end arguments of find, count, startswith, ... */
  const window = (a: CallArgs, i: number): [string, number] => {
    const s = S(a), n = s.length;
    const norm = (v: Value, d: number) => { if (!isInt(v)) return d; let x = num(v); if (x < 0) x += n; return Math.min(Math.max(x, 0), n); };
    const start = norm(a.pos[i] ?? null, 0), end = norm(a.pos[i + 1] ?? null, n);
    return [s.slice(start, Math.max(start, end)), start];
  };
  const charsRe = (chars: string) => `[${esc(chars)}]`;
  def(str, 'join', (a, ctx) => {
    const items = ctx.iterate(a.pos[1]);
    if (items instanceof Unknown) return items;
    const bad = items.find((x) => typeof x !== 'string');
    if (bad !== undefined) return bad instanceof Unknown ? bad : ctx.raise('TypeError', `sequence item: expected str instance, ${it.typeName(bad)} found`);
    const total = (items as string[]).reduce((n, x) => n + x.length, S(a).length * Math.max(0, items.length - 1));
    return it.refuse('str', total, ctx.at) ?? items.join(S(a));
  });
  def(str, 'format', (a, ctx) => strFormat(S(a), a.pos.slice(1), a.kw, ctx));
  const affix = (test: (s: string, x: string) => boolean): NativeImpl => (a) => {
    const [s] = window(a, 2);
    const p = a.pos[1];
    return p instanceof PyTuple ? p.items.some((x) => test(s, x as string)) : test(s, p as string);
  };
  def(str, 'startswith', affix((s, x) => s.startsWith(x)));
  def(str, 'endswith', affix((s, x) => s.endsWith(x)));
  def(str, 'split', (a) => {
    const sep = optStr(a, 1, 'sep');
    const max = optInt(a, 2, 'maxsplit', -1);
    let s = S(a);
    if (sep !== null) {
      const parts = s.split(sep);
      return new PyList(max >= 0 && parts.length > max + 1 ? [...parts.slice(0, max), parts.slice(max).join(sep)] : parts);
    }
    const out: Value[] = [];
    s = s.replace(/^\s+/, '');
    for (let k = 0; s && (max < 0 || k < max); k++) {
      const m = /\s+/.exec(s);
      if (!m) break;
      out.push(s.slice(0, m.index));
      s = s.slice(m.index + m[0].length);
    }
    if (s) out.push(s);
    return new PyList(out);
  });
  def(str, 'rsplit', (a) => {
    const sep = optStr(a, 1, 'sep');
    const max = optInt(a, 2, 'maxsplit', -1);
    let s = S(a);
    if (sep !== null) {
      const parts = s.split(sep);
      return new PyList(max >= 0 && parts.length > max + 1 ? [parts.slice(0, parts.length - max).join(sep), ...parts.slice(parts.length - max)] : parts);
    }
    const out: Value[] = [];
    s = s.replace(/\s+$/, '');
    for (let k = 0; s && (max < 0 || k < max); k++) {
      const m = /^([\s\S]*?)\s+(\S+)$/.exec(s);
      if (!m) break;
      out.unshift(m[2]);
      s = m[1];
    }
    if (s.trim()) out.unshift(max < 0 ? s.trim() : s);
    return new PyList(out);
  });
  def(str, 'splitlines', (a) => { const s = S(a); const parts = s.split(/\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/); if (parts.length && parts[parts.length - 1] === '' && s) parts.pop(); return new PyList(s ? parts : []); });
  def(str, 'strip', (a) => { const c = optStr(a, 1, 'chars'); return c === null ? S(a).replace(/^\s+|\s+$/g, '') : c ? S(a).replace(new RegExp(`^${charsRe(c)}+|${charsRe(c)}+$`, 'gu'), '') : S(a); });
  def(str, 'lstrip', (a) => { const c = optStr(a, 1, 'chars'); return c === null ? S(a).replace(/^\s+/, '') : c ? S(a).replace(new RegExp(`^${charsRe(c)}+`, 'u'), '') : S(a); });
  def(str, 'rstrip', (a) => { const c = optStr(a, 1, 'chars'); return c === null ? S(a).replace(/\s+$/, '') : c ? S(a).replace(new RegExp(`${charsRe(c)}+$`, 'u'), '') : S(a); });
  def(str, 'lower', (a) => S(a).toLowerCase());
  def(str, 'upper', (a) => S(a).toUpperCase());
  def(str, 'swapcase', (a) => [...S(a)].map((c) => (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase())).join(''));
  def(str, 'capitalize', (a) => { const s = S(a); return s ? s[0].toUpperCase() + s.slice(1).toLowerCase() : s; });
  def(str, 'title', (a) => S(a).toLowerCase().replace(/(^|[^a-zA-Z])([a-z])/g, (_m, p: string, c: string) => p + c.toUpperCase()));
  def(str, 'replace', (a, ctx) => {
    const parts = S(a).split(a.pos[1] as string);
    const grown = S(a).length + (parts.length - 1) * (String(a.pos[2]).length - String(a.pos[1]).length);
    const big = it.refuse('str', grown, ctx.at);
    if (big) return big;
    const count = optInt(a, 3, 'count', -1);
    if (count < 0 || parts.length <= count + 1) return parts.join(a.pos[2] as string);
    return parts.slice(0, count + 1).join(a.pos[2] as string) + (a.pos[1] as string) + parts.slice(count + 1).join(a.pos[1] as string);
  });
  const finder = (right: boolean, raise: boolean): NativeImpl => (a, ctx) => {
    const [s, start] = window(a, 2);
    const i = right ? s.lastIndexOf(a.pos[1] as string) : s.indexOf(a.pos[1] as string);
    if (i < 0) return raise ? ctx.raise('ValueError', 'substring not found') : -1;
    return i + start;
  };
  def(str, 'find', finder(false, false));
  def(str, 'rfind', finder(true, false));
  def(str, 'index', finder(false, true));
  def(str, 'rindex', finder(true, true));
  def(str, 'count', (a) => { const [s] = window(a, 2); const sub = a.pos[1] as string; return sub ? s.split(sub).length - 1 : [...s].length + 1; });
  const allChars = (re: RegExp): NativeImpl => (a) => S(a).length > 0 && [...S(a)].every((c) => re.test(c));
  def(str, 'isdigit', allChars(/\p{Nd}/u));
  def(str, 'isdecimal', allChars(/\p{Nd}/u));
  def(str, 'isnumeric', allChars(/\p{N}/u));
  def(str, 'isalpha', allChars(/\p{L}/u));
  def(str, 'isalnum', allChars(/[\p{L}\p{N}]/u));
  def(str, 'isspace', allChars(/\s/u));
  def(str, 'isupper', (a) => /\p{Lu}/u.test(S(a)) && !/\p{Ll}/u.test(S(a)));
  def(str, 'islower', (a) => /\p{Ll}/u.test(S(a)) && !/\p{Lu}/u.test(S(a)));
  def(str, 'isidentifier', (a) => /^[\p{L}_][\p{L}\p{N}_]*$/u.test(S(a)));
  const pad = (kind: 'l' | 'r' | 'c'): NativeImpl => (a, ctx) => {
    const s = S(a);
    const n = [...s].length;
    const w = optInt(a, 1, 'width', 0);
    const fill = optStr(a, 2, 'fillchar') ?? ' ';
    if (w <= n) return s;
    const big = it.refuse('str', w, ctx.at);
    if (big) return big;
    const total = w - n;
    // str.center puts an odd extra space on the left when the width is odd (CPython).
    const left = kind === 'l' ? 0 : kind === 'r' ? total : Math.floor(total / 2) + (total & w & 1);
    return fill.repeat(left) + s + fill.repeat(total - left);
  };
  def(str, 'ljust', pad('l'));
  def(str, 'rjust', pad('r'));
  def(str, 'center', pad('c'));
  def(str, 'zfill', (a, ctx) => {
    const s = S(a);
    const w = optInt(a, 1, 'width', 0);
    const big = it.refuse('str', w, ctx.at);
    if (big) return big;
    const signed = s[0] === '-' || s[0] === '+';
    return s.length >= w ? s : (signed ? s[0] : '') + '0'.repeat(w - s.length) + (signed ? s.slice(1) : s);
  });
  const partition = (right: boolean): NativeImpl => (a) => {
    const s = S(a), sep = a.pos[1] as string;
    const i = right ? s.lastIndexOf(sep) : s.indexOf(sep);
    if (i < 0) return new PyTuple(right ? ['', '', s] : [s, '', '']);
    return new PyTuple([s.slice(0, i), sep, s.slice(i + sep.length)]);
  };
  def(str, 'partition', partition(false));
  def(str, 'rpartition', partition(true));
  def(str, '__len__', (a) => strLen(S(a)));

  /** str.format: auto and explicit fields, `.attr` and `[key]` chains, conversions, nested specs. */
  function strFormat(fmt: string, pos: Value[], kw: Map<string, Value>, ctx: CallContext): string {
    let auto = 0;
    const field = (name: string): Value => {
      const head = /^[^.[]*/.exec(name)![0];
      let v: Value | undefined;
      if (head === '' || /^\d+$/.test(head)) {
        const i = head === '' ? auto++ : +head;
        v = pos[i];
        if (v === undefined) ctx.raise('IndexError', `Replacement index ${i} out of range for positional args tuple`);
      } else {
        v = kw.get(head);
        if (v === undefined) ctx.raise('KeyError', ctx.repr(head));
      }
      let rest = name.slice(head.length);
      while (rest) {
        const attr = /^\.(\w+)/.exec(rest);
        const item = attr ? null : /^\[([^\]]*)\]/.exec(rest);
        if (attr) v = ctx.getattr(v as Value, attr[1]);
        else if (item) v = it.getitem(v as Value, /^\d+$/.test(item[1]) ? +item[1] : item[1], ctx.at);
        else ctx.raise('ValueError', `bad format field '${name}'`);
        rest = rest.slice((attr ?? item)![0].length);
      }
      return v as Value;
    };
    const render = (text: string): string => {
      let out = '';
      for (let i = 0; i < text.length;) {
        const c = text[i];
        if ((c === '{' || c === '}') && text[i + 1] === c) { out += c; i += 2; continue; }
        if (c === '}') ctx.raise('ValueError', "Single '}' encountered in format string");
        if (c !== '{') { out += c; i++; continue; }
        // The replacement field runs to the matching '}' ('[...]' may hold braces).
        let j = i + 1, level = 1, bracket = false;
        for (; j < text.length; j++) {
          const d = text[j];
          if (bracket) { if (d === ']') bracket = false; }
          else if (d === '[') bracket = true;
          else if (d === '{') level++;
          else if (d === '}' && --level === 0) break;
        }
        if (j >= text.length) ctx.raise('ValueError', "expected '}' before end of string");
        const body = text.slice(i + 1, j);
        i = j + 1;
        let k = 0;
        for (bracket = false; k < body.length; k++) {
          const d = body[k];
          if (bracket) { if (d === ']') bracket = false; } else if (d === '[') bracket = true; else if (d === '!' || d === ':') break;
        }
        const v = field(body.slice(0, k));
        let conv = '';
        if (body[k] === '!') { conv = body[k + 1] ?? ''; k += 2; }
        const spec = body[k] === ':' ? body.slice(k + 1) : '';
        const shown = conv === 'r' || conv === 'a' ? ctx.repr(v) : conv === 's' ? strValue(v, it) : v;
        out += formatValue(shown, spec.includes('{') ? render(spec) : spec, it);
      }
      return out;
    };
    return render(fmt);
  }
}
