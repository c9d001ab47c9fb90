// Python's `re` over JS RegExp: patterns are translated (named groups, \A, \Z, `$`, verbose mode,
// Unicode classes, escapes JS rejects) and run with the `d` flag for group spans. Constructs
// JS cannot express the same way (scoped inline flags, conditionals, atomic groups, possessive
// quantifiers) are refused: the call gives an explicit Unknown, never a different match.
import {
  Value, PyTuple, PyList, PyDict, PyClass, PyInstance, PyIterator, Unknown, CallArgs, CallContext, NativeImpl,
  isInt, num,
} from '../values';
import type { Interpreter } from '../interp';
import { linearize, PyException } from '../interp';
import { nf, arg } from '../builtins';

const FLAGS = { I: 2, L: 4, M: 8, S: 16, U: 32, X: 64, A: 256 } as const;
const LONG: Record<string, keyof typeof FLAGS> = { IGNORECASE: 'I', LOCALE: 'L', MULTILINE: 'M', DOTALL: 'S', UNICODE: 'U', VERBOSE: 'X', ASCII: 'A' };

/** A compiled pattern: the Python source, its flags and the JS regexes that run it. */
interface Compiled {
  source: string;
  flags: number;
  groups: number;
  names: Map<string, number>;
  re: RegExp;
  /** `(?:p)(?![\s\S])`: what fullmatch runs. */
  full: RegExp;
}

class Unsupported extends Error {}
/** A pattern CPython itself refuses (raised as re.error). */
class PatternError extends Error {}

/** Python pattern syntax → JS (u flag) pattern; throws Unsupported for what JS cannot mirror. */
export function translate(src: string, flags: number): { js: string; flags: number; groups: number; names: Map<string, number> } {
  let i = 0;
  // Leading global inline flags: (?aiLmsux).
  for (let m; (m = /^\(\?([aiLmsux]+)\)/.exec(src.slice(i))); i += m[0].length) {
    for (const c of m[1]) flags |= FLAGS[c === 'a' ? 'A' : c === 'L' ? 'L' : (c.toUpperCase() as keyof typeof FLAGS)];
  }
  const verbose = (flags & FLAGS.X) !== 0, ascii = (flags & FLAGS.A) !== 0, multiline = (flags & FLAGS.M) !== 0;
  let out = '';
  let groups = 0;
  const names = new Map<string, number>();
  let inClass = false;
  let depth = 0;
  const classFor = (c: string, negatedCtx: boolean): string => {
    // Python str patterns: \d is any Unicode decimal digit, \w any alphanumeric or underscore.
    if (ascii) return '\\' + c;
    switch (c) {
      case 'd': return inClass ? '\\p{Nd}' : '\\p{Nd}';
      case 'D': if (inClass) throw new Unsupported('\\D inside a character class'); return '\\P{Nd}';
      case 'w': return inClass ? '\\p{L}\\p{N}_' : '[\\p{L}\\p{N}_]';
      case 'W': if (inClass) throw new Unsupported('\\W inside a character class'); return '[^\\p{L}\\p{N}_]';
      case 's': return '\\s';
      case 'S': return '\\S';
    }
    void negatedCtx;
    return '\\' + c;
  };
  const cp = (ch: string) => `\\u{${ch.codePointAt(0)!.toString(16)}}`;
  while (i < src.length) {
    const c = src[i];
    if (c === '\\') {
      const d = src[i + 1];
      if (d === undefined) throw new Unsupported('a pattern ending in a backslash');
      i += 2;
      if ('dDwWsS'.includes(d)) { out += classFor(d, false); continue; }
      if (d === 'A') { if (inClass) throw new Unsupported('\\A in a class'); out += '(?<![\\s\\S])'; continue; }
      if (d === 'Z') { if (inClass) throw new Unsupported('\\Z in a class'); out += '(?![\\s\\S])'; continue; }
      if (d === 'b' || d === 'B') {
        if (inClass) { out += d === 'b' ? '\\x08' : cp('B'); continue; }
        if (ascii) { out += '\\' + d; continue; }
        // Python's word boundary follows Unicode word characters; JS's \b only ASCII ones.
        const w = '[\\p{L}\\p{N}_]';
        out += d === 'b' ? `(?:(?<=${w})(?!${w})|(?<!${w})(?=${w}))` : `(?:(?<=${w})(?=${w})|(?<!${w})(?!${w}))`;
        continue;
      }
      if ('ntrfv'.includes(d)) { out += '\\' + d; continue; }
      if (d === 'a') { out += '\\x07'; continue; }
      if (d === 'x') { const h = /^[0-9a-fA-F]{2}/.exec(src.slice(i)); if (!h) throw new Unsupported('bad \\x escape'); out += `\\x${h[0]}`; i += 2; continue; }
      if (d === 'u') { const h = /^[0-9a-fA-F]{4}/.exec(src.slice(i)); if (!h) throw new Unsupported('bad \\u escape'); out += `\\u${h[0]}`; i += 4; continue; }
      if (d === 'U') { const h = /^[0-9a-fA-F]{8}/.exec(src.slice(i)); if (!h) throw new Unsupported('bad \\U escape'); out += `\\u{${parseInt(h[0], 16).toString(16)}}`; i += 8; continue; }
      if (d === '0') { const o = /^[0-7]{0,2}/.exec(src.slice(i))![0]; out += cp(String.fromCharCode(parseInt('0' + o, 8))); i += o.length; continue; }
      if (/[1-9]/.test(d)) {
        const n = /^[0-9]?/.exec(src.slice(i))![0];
        if (inClass) throw new Unsupported('an octal escape in a class');
        out += `(?:\\${d}${n})`; i += n.length; continue;
      }
      if (d === 'N') throw new Unsupported('\\N{...} escapes');
      if (/[A-Za-z]/.test(d)) throw new PatternError(`bad escape \\${d} at position ${i - 2}`);
      out += /[\^$\\.*+?()[\]{}|/]/.test(d) || (inClass && d === '-') ? '\\' + d : cp(d);
      continue;
    }
    if (inClass) {
      if (c === ']') { inClass = false; out += c; i++; continue; }
      if (c === '[') { out += '\\['; i++; continue; }
      out += c; i++; continue;
    }
    if (verbose && /\s/.test(c)) { i++; continue; }
    if (verbose && c === '#') { while (i < src.length && src[i] !== '\n') i++; continue; }
    if (c === '[') {
      inClass = true; out += '['; i++;
      if (src[i] === '^') { out += '^'; i++; }
      if (src[i] === ']') { out += '\\]'; i++; }
      continue;
    }
    if (c === ')') {
      if (--depth < 0) throw new PatternError(`unbalanced parenthesis at position ${i}`);
      out += c; i++; continue;
    }
    if (c === '(' && !src.startsWith('(?#', i)) depth++;
    if (c === '(') {
      if (src[i + 1] !== '?') { groups++; out += '('; i++; continue; }
      const rest = src.slice(i + 2);
      let m: RegExpExecArray | null;
      if ((m = /^P<([A-Za-z_]\w*)>/.exec(rest))) { groups++; names.set(m[1], groups); out += `(?<${m[1]}>`; i += 2 + m[0].length; continue; }
      if ((m = /^P=([A-Za-z_]\w*)\)/.exec(rest))) { depth--; out += `\\k<${m[1]}>`; i += 2 + m[0].length; continue; }
      if ((m = /^<([A-Za-z_]\w*)>/.exec(rest))) { groups++; names.set(m[1], groups); out += `(?<${m[1]}>`; i += 2 + m[0].length; continue; }
      if (rest.startsWith('#')) { const j = src.indexOf(')', i); if (j < 0) throw new Unsupported('unterminated comment'); i = j + 1; continue; }
      if (/^(?::|=|!|<=|<!)/.test(rest)) { const k = rest.startsWith('<') ? 4 : 3; out += src.slice(i, i + k); i += k; continue; }
      throw new Unsupported(`the group '(?${rest.slice(0, 3)}' (scoped flags, conditionals or atomic groups)`);
    }
    if (c === '{') {
      const m = /^\{(\d*)(,?)(\d*)\}/.exec(src.slice(i));
      if (m && (m[1] || m[3])) {
        if ((m[0].length > 2 && /[+]/.test(src[i + m[0].length] ?? ''))) throw new Unsupported('possessive quantifiers');
        out += `{${m[1] || '0'}${m[2]}${m[3]}}`; i += m[0].length; continue;
      }
      out += '\\{'; i++; continue;
    }
    if (c === '}') { out += '\\}'; i++; continue; }
    if ((c === '+' || c === '*' || c === '?' || c === '}') && src[i + 1] === '+' && c !== '+') throw new Unsupported('possessive quantifiers');
    if (c === '+' && src[i + 1] === '+') throw new Unsupported('possessive quantifiers');
    if (c === '$' && !multiline) { out += '(?=\\n?(?![\\s\\S]))'; i++; continue; }
    if (c === '.' && !(flags & FLAGS.S)) { out += '[^\\n]'; i++; continue; }
    out += c; i++;
  }
  if (inClass) throw new PatternError(`unterminated character set at position ${src.lastIndexOf('[')}`);
  if (depth > 0) throw new PatternError(`missing ), unterminated subpattern at position ${src.lastIndexOf('(')}`);
  return { js: out, flags, groups, names };
}

function compile(source: string, flags: number): Compiled {
  const t = translate(source, flags);
  let jf = 'du';
  if (t.flags & FLAGS.I) jf += 'i';
  if (t.flags & FLAGS.M) jf += 'm';
  if (t.flags & FLAGS.S) jf += 's';
  let re: RegExp, full: RegExp;
  try {
    re = new RegExp(t.js, jf + 'g');
    full = new RegExp(`(?:${t.js})(?![\\s\\S])`, jf + 'y');
  } catch (e) {
    throw new Unsupported(`a pattern JS RegExp cannot run (${(e as Error).message})`);
  }
  return { source, flags: t.flags, groups: t.groups, names: t.names, re, full };
}

export function reModule(it: Interpreter): [string, Value][] {
  const cls = (name: string): PyClass => {
    const c = new PyClass(name, [it.classes.object]);
    c.mro = linearize(c, it.classes.object);
    c.dict.set('__name__', name);
    return c;
  };
  const Pattern = cls('Pattern');
  const Match = cls('Match');
  const error = it.makeClass('error', [it.exception('Exception')]);
  const cache = new Map<string, Compiled>();

  const compiled = (v: Value): Compiled | null => v instanceof PyInstance && v.cls === Pattern ? v.native as Compiled : null;
  /** The compiled form of a pattern argument (str or Pattern), or an Unknown / raised re.error. */
  const getPattern = (p: Value, f: Value, ctx: CallContext): Compiled | Unknown => {
    const c = compiled(p);
    if (c) return c;
    if (p instanceof Unknown) return p;
    if (typeof p !== 'string') return ctx.unknown(`re: a pattern of type ${it.typeName(p)} (bytes patterns are not supported)`);
    if (f instanceof Unknown) return f;
    const flags = f === null || f === undefined ? 0 : isInt(f) ? num(f) : -1;
    if (flags < 0) return ctx.unknown('re: flags that are not an int');
    const key = `${flags}:${p}`;
    let hit = cache.get(key);
    if (!hit) {
      try { hit = compile(p, flags); } catch (e) {
        if (e instanceof Unsupported) return ctx.unknown(`re: ${e.message} is not supported`);
        if (e instanceof PatternError) throw new PyException(error, e.message, ctx.at);
        throw e;
      }
      cache.set(key, hit);
    }
    return hit;
  };
  const wrapPattern = (c: Compiled): PyInstance => {
    const o = new PyInstance(Pattern);
    o.native = c;
    o.attrs.set('pattern', c.source);
    o.attrs.set('flags', c.flags | 32);
    o.attrs.set('groups', c.groups);
    const gi = new PyDict();
    for (const [k, v] of c.names) gi.set(k, v);
    o.attrs.set('groupindex', gi);
    return o;
  };

  interface M { c: Compiled; m: RegExpExecArray; string: string; pos: number; endpos: number }
  const wrapMatch = (c: Compiled, m: RegExpExecArray, string: string, pos: number, endpos: number): PyInstance => {
    const o = new PyInstance(Match);
    o.native = { c, m, string, pos, endpos } as M;
    o.attrs.set('string', string);
    o.attrs.set('pos', pos);
    o.attrs.set('endpos', endpos);
    o.attrs.set('re', wrapPattern(c));
    let last: number | null = null;
    for (let g = 1; g <= c.groups; g++) if (m.indices![g]) { const e = m.indices![g][1]; if (last === null || e >= (m.indices![last]?.[1] ?? -1)) last = g; }
    o.attrs.set('lastindex', last);
    let lastName: string | null = null;
    for (const [k, v] of c.names) if (v === last) lastName = k;
    o.attrs.set('lastgroup', lastName);
    return o;
  };

  /** Runs `c` on `s` from `pos`; `mode` anchors it (match: at pos, full: the whole window). */
  const run = (c: Compiled, s: string, pos: number, endpos: number, mode: 'search' | 'match' | 'full'): RegExpExecArray | null => {
    const win = s.slice(0, endpos);
    if (pos > win.length) return null;
    if (mode === 'search') { c.re.lastIndex = pos; return c.re.exec(win); }
    if (mode === 'full') { c.full.lastIndex = pos; return c.full.exec(win); }
    c.re.lastIndex = pos;
    const sticky = new RegExp(c.re.source, c.re.flags.replace('g', 'y'));
    sticky.lastIndex = pos;
    return sticky.exec(win);
  };
  /** All matches left to right, as CPython 3.7+ finds them (an empty match may follow a non-empty one). */
  const all = (c: Compiled, s: string, pos: number, endpos: number, limit = Infinity): RegExpExecArray[] => {
    const out: RegExpExecArray[] = [];
    const win = s.slice(0, endpos);
    c.re.lastIndex = pos;
    while (out.length < limit && c.re.lastIndex <= win.length) {
      it.tick();
      const m = c.re.exec(win);
      if (!m) break;
      out.push(m);
      if (m[0] === '') c.re.lastIndex = m.index + (win.codePointAt(m.index)! > 0xffff ? 2 : 1);
    }
    return out;
  };

  const groupValue = (mm: M, g: Value, ctx: CallContext): Value => {
    const i = groupIndex(mm, g, ctx);
    const v = mm.m[i];
    return v === undefined ? null : v;
  };
  const groupIndex = (mm: M, g: Value, ctx: CallContext): number => {
    if (typeof g === 'string') { const i = mm.c.names.get(g); if (i === undefined) ctx.raise('IndexError', 'no such group'); return i!; }
    if (isInt(g) && num(g) >= 0 && num(g) <= mm.c.groups) return num(g);
    return ctx.raise('IndexError', 'no such group');
  };
  const span = (mm: M, g: number): [number, number] => { const s = mm.m.indices![g]; return s ? [s[0], s[1]] : [-1, -1]; };

  const M_ = (a: CallArgs) => (a.pos[0] as PyInstance).native as M;
  const def = (c: PyClass, name: string, impl: NativeImpl) => c.dict.set(name, nf(name, impl));
  def(Match, 'group', (a, ctx) => {
    const mm = M_(a);
    const gs = a.pos.slice(1);
    if (gs.length <= 1) return groupValue(mm, gs[0] ?? 0, ctx);
    return new PyTuple(gs.map((g) => groupValue(mm, g, ctx)));
  });
  def(Match, '__getitem__', (a, ctx) => groupValue(M_(a), a.pos[1], ctx));
  def(Match, 'groups', (a) => {
    const mm = M_(a);
    const d = arg(a, 1, 'default', null);
    const out: Value[] = [];
    for (let g = 1; g <= mm.c.groups; g++) out.push(mm.m[g] === undefined ? d : mm.m[g]);
    return new PyTuple(out);
  });
  def(Match, 'groupdict', (a) => {
    const mm = M_(a);
    const d = arg(a, 1, 'default', null);
    const out = new PyDict();
    for (const [k, g] of mm.c.names) out.set(k, mm.m[g] === undefined ? d : mm.m[g]);
    return out;
  });
  def(Match, 'span', (a, ctx) => new PyTuple(span(M_(a), groupIndex(M_(a), a.pos[1] ?? 0, ctx))));
  def(Match, 'start', (a, ctx) => span(M_(a), groupIndex(M_(a), a.pos[1] ?? 0, ctx))[0]);
  def(Match, 'end', (a, ctx) => span(M_(a), groupIndex(M_(a), a.pos[1] ?? 0, ctx))[1]);
  def(Match, 'expand', (a, ctx) => expand(M_(a), a.pos[1], ctx));
  def(Match, '__bool__', () => true);

  /** A replacement template (`\1`, `\g<name>`, `\n`...) filled from a match. */
  const expand = (mm: M, tpl: Value, ctx: CallContext): Value => {
    if (typeof tpl !== 'string') return ctx.unknown('re: a non-str replacement template');
    let out = '';
    for (let i = 0; i < tpl.length; i++) {
      const ch = tpl[i];
      if (ch !== '\\') { out += ch; continue; }
      const d = tpl[++i];
      let m: RegExpExecArray | null;
      if (d === 'g' && (m = /^<([^>]*)>/.exec(tpl.slice(i + 1)))) {
        const g = /^\d+$/.test(m[1]) ? +m[1] : m[1];
        out += groupValue(mm, g, ctx) ?? '';
        i += m[0].length;
      } else if (d !== undefined && /[0-9]/.test(d)) {
        const n = /^[0-9]{1,2}/.exec(tpl.slice(i))![0];
        out += groupValue(mm, +n, ctx) ?? '';
        i += n.length - 1;
      } else {
        const esc: Record<string, string> = { n: '\n', t: '\t', r: '\r', f: '\f', v: '\v', a: '\x07', b: '\b', '\\': '\\' };
        if (d !== undefined && esc[d] !== undefined) out += esc[d];
        else if (d !== undefined && /[A-Za-z]/.test(d)) throw new PyException(error, `bad escape \\${d}`, ctx.at);
        else out += '\\' + (d ?? '');
      }
    }
    return out;
  };

  const strArg = (v: Value, ctx: CallContext): string | Unknown => typeof v === 'string' ? v : v instanceof Unknown ? v : ctx.unknown(`re: searching a ${it.typeName(v)} (only str is supported)`);
  const winArgs = (a: CallArgs, i: number, s: string): [number, number] => {
    const clamp = (v: Value, d: number) => { if (!isInt(v)) return d; let x = num(v); if (x < 0) x = 0; return Math.min(x, s.length); };
    return [clamp(arg(a, i, 'pos', 0), 0), clamp(arg(a, i + 1, 'endpos', s.length), s.length)];
  };

  // The operations, each as (compiled, string, rest-args) so that module functions and Pattern
  // methods share them.
  type Op = (c: Compiled, a: CallArgs, ctx: CallContext, viaPattern: boolean) => Value;
  const matcher = (mode: 'search' | 'match' | 'full'): Op => (c, a, ctx, vp) => {
    const s = strArg(a.pos[0] ?? a.kw.get('string') ?? null, ctx);
    if (s instanceof Unknown) return s;
    const [pos, endpos] = vp ? winArgs(a, 1, s) : [0, s.length];
    const m = run(c, s, pos, endpos, mode);
    return m ? wrapMatch(c, m, s, pos, endpos) : null;
  };
  const findall: Op = (c, a, ctx, vp) => {
    const s = strArg(a.pos[0] ?? a.kw.get('string') ?? null, ctx);
    if (s instanceof Unknown) return s;
    const [pos, endpos] = vp ? winArgs(a, 1, s) : [0, s.length];
    return new PyList(all(c, s, pos, endpos).map((m) => {
      if (c.groups === 0) return m[0];
      if (c.groups === 1) return m[1] ?? '';
      return new PyTuple(m.slice(1).map((x) => x ?? ''));
    }));
  };
  const finditer: Op = (c, a, ctx, vp) => {
    const s = strArg(a.pos[0] ?? a.kw.get('string') ?? null, ctx);
    if (s instanceof Unknown) return s;
    const [pos, endpos] = vp ? winArgs(a, 1, s) : [0, s.length];
    return new PyIterator(all(c, s, pos, endpos).map((m) => wrapMatch(c, m, s, pos, endpos)));
  };
  const split: Op = (c, a, ctx) => {
    const s = strArg(a.pos[0] ?? a.kw.get('string') ?? null, ctx);
    if (s instanceof Unknown) return s;
    const max = arg(a, 1, 'maxsplit', 0);
    if (!isInt(max)) return max instanceof Unknown ? max : ctx.unknown('re.split with a non-int maxsplit');
    const out: Value[] = [];
    let last = 0;
    for (const m of all(c, s, 0, s.length, num(max) > 0 ? num(max) : Infinity)) {
      out.push(s.slice(last, m.index));
      for (let g = 1; g <= c.groups; g++) out.push(m[g] === undefined ? null : m[g]);
      last = m.index + m[0].length;
    }
    out.push(s.slice(last));
    return new PyList(out);
  };
  const subn = (c: Compiled, a: CallArgs, ctx: CallContext): [string, number] | Unknown => {
    const repl = a.pos[0] ?? a.kw.get('repl') ?? null;
    const s = strArg(a.pos[1] ?? a.kw.get('string') ?? null, ctx);
    if (s instanceof Unknown) return s;
    const count = arg(a, 2, 'count', 0);
    if (!isInt(count)) return count instanceof Unknown ? count : ctx.unknown('re.sub with a non-int count');
    let out = '', last = 0, n = 0;
    for (const m of all(c, s, 0, s.length, num(count) > 0 ? num(count) : Infinity)) {
      out += s.slice(last, m.index);
      const mm: M = { c, m, string: s, pos: 0, endpos: s.length };
      const r = typeof repl === 'string' ? expand(mm, repl, ctx) : ctx.call(repl, [wrapMatch(c, m, s, 0, s.length)]);
      if (typeof r !== 'string') return r instanceof Unknown ? r : ctx.raise('TypeError', `expected str instance, ${it.typeName(r)} found`);
      out += r;
      last = m.index + m[0].length;
      n++;
    }
    return [out + s.slice(last), n];
  };
  const sub: Op = (c, a, ctx) => { const r = subn(c, a, ctx); return r instanceof Unknown ? r : r[0]; };
  const subnOp: Op = (c, a, ctx) => { const r = subn(c, a, ctx); return r instanceof Unknown ? r : new PyTuple(r); };

  const ops: [string, Op, number][] = [
    // name, op, index of `flags` among the module function's arguments after the pattern
    ['match', matcher('match'), 1], ['fullmatch', matcher('full'), 1], ['search', matcher('search'), 1],
    ['findall', findall, 1], ['finditer', finditer, 1], ['split', split, 2], ['sub', sub, 3], ['subn', subnOp, 3],
  ];
  const entries: [string, Value][] = [];
  for (const [name, op, fi] of ops) {
    def(Pattern, name, (a, ctx) => op(compiled(a.pos[0])!, { pos: a.pos.slice(1), kw: a.kw }, ctx, true));
    entries.push([name, nf(name, (a, ctx) => {
      const c = getPattern(a.pos[0] ?? a.kw.get('pattern') ?? null, arg({ pos: a.pos.slice(1), kw: a.kw }, fi, 'flags', 0), ctx);
      if (c instanceof Unknown) return c;
      const rest = { pos: a.pos.slice(1, fi + 1), kw: new Map([...a.kw].filter(([k]) => k !== 'flags' && k !== 'pattern')) };
      return op(c, rest, ctx, false);
    })]);
  }
  entries.push(['compile', nf('compile', (a, ctx) => {
    const c = getPattern(a.pos[0] ?? a.kw.get('pattern') ?? null, arg(a, 1, 'flags', 0), ctx);
    return c instanceof Unknown ? c : wrapPattern(c);
  })]);
  entries.push(['escape', nf('escape', (a, ctx) => {
    const s = strArg(a.pos[0] ?? null, ctx);
    if (s instanceof Unknown) return s;
    // CPython 3.7+: every character that is special in a pattern, and only those, gets a backslash.
    return s.replace(/[()[\]{}?*+\-|^$\\.&~# \t\n\r\v\f]/g, (ch) => '\\' + ch);
  })]);
  entries.push(['purge', nf('purge', () => { cache.clear(); return null; })]);
  for (const [k, v] of Object.entries(FLAGS)) entries.push([k, v]);
  for (const [k, v] of Object.entries(LONG)) entries.push([k, FLAGS[v]]);
  entries.push(['NOFLAG', 0], ['Pattern', Pattern], ['Match', Match], ['error', error]);
  return entries;
}
