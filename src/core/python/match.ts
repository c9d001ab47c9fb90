// Structural pattern matching (PEP 634) over interpreter values: literal, capture, wildcard,
// value (dotted name), group, sequence (with a star), mapping (with **rest), class (positional
// through __match_args__, a dataclass's fields or a namedtuple's, keywords through attributes),
// as- and or-patterns. A pattern that cannot be decided (an unknown subject or part, an unknown
// class, a complex literal) gives an Unknown: the caller then treats the rest of the match
// statement as undecided. Bindings are collected and made only when a pattern matches.
import type { SyntaxNode } from '@lezer/common';
import {
  Value, PyList, PyTuple, PyDict, PyRange, PyClass, PyInstance, Unknown, Scope, isNum,
} from './values';
import type { Interpreter } from './interp';
import { PyException, kids } from './interp';

/** Names a pattern binds (VariableName node → value), in binding order. */
export type Bindings = [SyntaxNode, Value][];

/** Types whose one positional sub-pattern matches the subject itself (`case int(x)`). */
const SELF_MATCHING = new Set(['bool', 'bytearray', 'bytes', 'dict', 'float', 'frozenset', 'int', 'list', 'set', 'str', 'tuple']);

const punct = (n: SyntaxNode) => n.name === ',' || n.name === '(' || n.name === ')' || n.name === '[' || n.name === ']' ||
  n.name === '{' || n.name === '}' || n.name === ':' || n.name === 'LogicOp' || n.type.isError;

export class Matcher {
  constructor(private readonly it: Interpreter, private readonly scope: Scope) {}

  /** Whether `subject` matches `p`, adding the names it binds to `out`. */
  match(p: SyntaxNode, subject: Value, out: Bindings): boolean | Unknown {
    const it = this.it;
    const at = it.span(p);
    switch (p.name) {
      case 'CapturePattern': {
        const nm = kids(p)[0];
        if (nm && it.text(nm) !== '_') out.push([nm, subject]);
        return true;
      }
      case 'AsPattern': {
        const ch = kids(p);
        const r = this.match(ch[0], subject, out);
        const nm = ch[ch.length - 1];
        if (r === true && nm?.name === 'VariableName') out.push([nm, subject]);
        return r;
      }
      case 'OrPattern': {
        let undecided: Unknown | null = null;
        for (const alt of kids(p).filter((c) => !punct(c))) {
          const local: Bindings = [];
          const r = this.match(alt, subject, local);
          if (r === true && !undecided) { out.push(...local); return true; }
          if (r instanceof Unknown) undecided ??= r;
        }
        return undecided ?? false;
      }
      case 'LiteralPattern': return this.literal(p, subject);
      case 'AttributePattern': {
        if (subject instanceof Unknown) return subject;
        const v = this.dotted(p);
        return v instanceof Unknown ? v : it.equals(subject, v);
      }
      case 'SequencePattern': {
        const items = kids(p).filter((c) => !punct(c));
        // `(p)` is a group, `(p,)` and `[p]` are sequences.
        if (kids(p)[0]?.name === '(' && items.length === 1 && !kids(p).some((c) => c.name === ',')) return this.match(items[0], subject, out);
        return this.sequence(items, subject, out);
      }
      case 'MappingPattern': return this.mapping(p, subject, out);
      case 'ClassPattern': return this.classPattern(p, subject, out);
      case 'StarPattern': return new Unknown('a star pattern outside a sequence pattern', at);
      default: return new Unknown(`the pattern '${it.text(p).slice(0, 30)}' is not supported`, at);
    }
  }

  /** Several top-level patterns (`case a, *b:`) form a sequence pattern. */
  sequence(items: SyntaxNode[], subject: Value, out: Bindings): boolean | Unknown {
    if (subject instanceof Unknown) return subject;
    const seq = this.asSequence(subject);
    if (seq === null) return false;
    if (seq instanceof Unknown) return seq;
    const star = items.findIndex((c) => c.name === 'StarPattern');
    if (star < 0 ? seq.length !== items.length : seq.length < items.length - 1) return false;
    let undecided: Unknown | null = null;
    const each = (pat: SyntaxNode, v: Value): boolean => {
      const r = this.match(pat, v, out);
      if (r instanceof Unknown) { undecided ??= r; return true; }
      return r;
    };
    if (star < 0) {
      for (let i = 0; i < items.length; i++) if (!each(items[i], seq[i])) return false;
      return undecided ?? true;
    }
    const after = items.length - star - 1;
    for (let i = 0; i < star; i++) if (!each(items[i], seq[i])) return false;
    const rest = seq.slice(star, seq.length - after);
    const cap = kids(items[star]).find((c) => c.name === 'CapturePattern');
    const nm = cap ? kids(cap)[0] : undefined;
    if (nm && this.it.text(nm) !== '_') out.push([nm, new PyList(rest)]);
    for (let i = 0; i < after; i++) if (!each(items[star + 1 + i], seq[seq.length - after + i])) return false;
    return undecided ?? true;
  }

  /** The items of a sequence subject (list, tuple, range, deque); null for anything else (str is not one). */
  private asSequence(v: Value): Value[] | Unknown | null {
    if (v instanceof PyList || v instanceof PyTuple) return v.items;
    if (v instanceof PyRange) return this.it.iterate(v, null);
    if (v instanceof PyInstance && v.cls.hasUnknownBase) return new Unknown(`whether a ${v.cls.name} is a sequence (unresolved base class)`, null);
    return null;
  }

  private literal(p: SyntaxNode, subject: Value): boolean | Unknown {
    const it = this.it;
    if (subject instanceof Unknown) return subject;
    const ch = kids(p);
    const text = it.text(p).replace(/\s+/g, '');
    if (/j$/i.test(text)) return new Unknown('complex literal patterns are not supported', it.span(p));
    const first = ch[0];
    if (!first) return new Unknown('an empty literal pattern', it.span(p));
    if (first.name === 'None' || first.name === 'Boolean') return it.compare('is', subject, it.eval(first, this.scope), it.span(p)) === true;
    let v: Value;
    if (first.name === 'ArithOp') {
      const n = it.eval(ch[1], this.scope);
      v = isNum(n) ? it.unop('-', n, it.span(p)) : n;
    } else v = it.eval(first, this.scope);
    return it.equals(subject, v);
  }

  private dotted(p: SyntaxNode): Value {
    const it = this.it;
    const ch = kids(p).filter((c) => c.name === 'VariableName' || c.name === 'PropertyName');
    let v = it.eval(ch[0], this.scope);
    for (const c of ch.slice(1)) v = it.getattr(v, it.text(c), it.span(c));
    return v;
  }

  private mapping(p: SyntaxNode, subject: Value, out: Bindings): boolean | Unknown {
    const it = this.it;
    if (subject instanceof Unknown) return subject;
    if (!(subject instanceof PyDict)) {
      if (subject instanceof PyInstance && subject.cls.hasUnknownBase) return new Unknown(`whether a ${subject.cls.name} is a mapping (unresolved base class)`, it.span(p));
      return false;
    }
    const ch = kids(p).filter((c) => !punct(c));
    let undecided: Unknown | null = null;
    const seen: Value[] = [];
    for (let i = 0; i < ch.length; i++) {
      const c = ch[i];
      if (c.name === '**') {
        const cap = ch[++i];
        const nm = cap?.name === 'CapturePattern' ? kids(cap)[0] : undefined;
        if (nm) {
          const rest = new PyDict();
          for (const [k, v] of subject.entries()) if (!seen.some((s) => it.equals(s, k))) rest.set(k, v);
          out.push([nm, rest]);
        }
        continue;
      }
      const key = c.name === 'LiteralPattern' ? this.literalValue(c) : c.name === 'AttributePattern' ? this.dotted(c) : it.eval(c, this.scope);
      if (key instanceof Unknown) return key;
      const pat = ch[++i];
      // A missing key fails without calling a defaultdict's factory (CPython uses .get()).
      const v = subject.get(key);
      if (v === undefined) return false;
      seen.push(key);
      const r = this.match(pat, v, out);
      if (r === false) return false;
      if (r instanceof Unknown) undecided ??= r;
    }
    return undecided ?? true;
  }

  private literalValue(p: SyntaxNode): Value {
    const ch = kids(p);
    if (ch[0]?.name === 'ArithOp') { const n = this.it.eval(ch[1], this.scope); return isNum(n) ? this.it.unop('-', n, this.it.span(p)) : n; }
    return ch[0] ? this.it.eval(ch[0], this.scope) : new Unknown('an empty literal pattern', this.it.span(p));
  }

  private classPattern(p: SyntaxNode, subject: Value, out: Bindings): boolean | Unknown {
    const it = this.it;
    const at = it.span(p);
    const ch = kids(p);
    const clsNode = ch[0];
    const cls = clsNode.name === 'AttributePattern' ? this.dotted(clsNode) : it.eval(clsNode, this.scope);
    if (cls instanceof Unknown) return cls;
    if (!(cls instanceof PyClass)) throw new PyException(it.exception('TypeError'), 'called match pattern must be a class', at);
    if (subject instanceof Unknown) return subject;
    const inst = it.isinstance(subject, cls);
    if (inst instanceof Unknown) return inst;
    if (!inst) return false;
    const args = ch.find((c) => c.name === 'PatternArgList');
    const subs = args ? kids(args).filter((c) => !punct(c) && !(c.name === 'LiteralPattern' && c.from === c.to)) : [];
    const pos = subs.filter((c) => c.name !== 'KeywordPattern');
    const kw = subs.filter((c) => c.name === 'KeywordPattern');
    let undecided: Unknown | null = null;
    const sub = (pat: SyntaxNode, v: Value): boolean => {
      const r = this.match(pat, v, out);
      if (r instanceof Unknown) { undecided ??= r; return true; }
      return r;
    };
    const attr = (name: string): Value | undefined => {
      try { return it.getattr(subject, name, at); } catch (e) {
        if (e instanceof PyException && e.cls.isSubclassOf(it.exception('AttributeError'))) return undefined;
        throw e;
      }
    };
    if (pos.length) {
      const builtin = cls.file === null && SELF_MATCHING.has(cls.name) && cls.mro.includes(builtinClass(it, cls.name));
      if (builtin && !(cls.lookup('__match_args__'))) {
        if (pos.length > 1) throw new PyException(it.exception('TypeError'), `${cls.name}() accepts 1 positional sub-pattern (${pos.length} given)`, at);
        if (!sub(pos[0], subject)) return false;
      } else {
        const names = this.matchArgs(cls);
        if (names instanceof Unknown) return names;
        if (pos.length > names.length) throw new PyException(it.exception('TypeError'), `${cls.name}() accepts ${names.length} positional sub-pattern${names.length === 1 ? '' : 's'} (${pos.length} given)`, at);
        for (let i = 0; i < pos.length; i++) {
          const v = attr(names[i]);
          if (v === undefined || !sub(pos[i], v)) return false;
        }
      }
    }
    for (const k of kw) {
      const kc = kids(k);
      const v = attr(it.text(kc[0]));
      if (v === undefined || !sub(kc[kc.length - 1], v)) return false;
    }
    return undecided ?? true;
  }

  /** __match_args__, or what CPython generates: a dataclass's init fields, a namedtuple's fields. */
  private matchArgs(cls: PyClass): string[] | Unknown {
    const m = cls.lookup('__match_args__');
    if (m !== undefined) {
      if (!(m instanceof PyTuple)) return m instanceof Unknown ? m : new Unknown('__match_args__ that is not a tuple', null);
      return m.items.map(String);
    }
    if (cls.dataclassFields) return cls.dataclassFields.filter((f) => (f as { init?: boolean }).init !== false).map((f) => f.name);
    const fields = cls.lookup('_fields');
    if (fields instanceof PyTuple) return fields.items.map(String);
    if (cls.hasUnknownBase) return new Unknown(`__match_args__ of ${cls.name} comes from an unresolved base class`, null);
    return [];
  }
}

function builtinClass(it: Interpreter, name: string): PyClass {
  const c = it.builtins.get(name);
  return c instanceof PyClass ? c : it.classes.object;
}
