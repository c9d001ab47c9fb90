// An equal-length rewrite of Python source for lezer/python, which misreads a few valid forms.
// Every offset stays the same, so the tree's spans index the original text, and the interpreter
// reads literals from the original text (so `1.` still evaluates as the float 1.0).
//
// Masked forms:
//  - a float with a trailing dot (`1.`, `0. else`, `1.e5`, `2.j`): lezer reads `1` then an
//    attribute access; the dot becomes `0` (`10`, `10e5`), one Number token of the same span;
//  - a UTF-8 byte-order mark at the start (CPython skips it): it becomes a newline;
//  - a form feed in code (whitespace to CPython, `^L` page breaks in old files): a space;
//  - PEP 614 decorators, parenthesized context managers and stars in subscripts (see scanCode).
// The scan follows CPython's tokenizer for what matters here: comments, string literals with
// any prefix (raw strings keep `\` + quote inside), triple quotes, and the code inside
// f-string replacement fields (numbers there are masked too).

/** The text lezer should parse; the original text when nothing needed masking. */
export function maskForParser(text: string): string {
  let out: string[] | null = null;
  const put = (i: number, ch: string) => {
    out ??= text.split('');
    out[i] = ch;
  };
  if (text.charCodeAt(0) === 0xfeff) put(0, '\n');
  scanCode(text, 0, text.length, false, put);
  return out ? (out as string[]).join('') : text;
}

const isDigit = (c: number) => c >= 48 && c <= 57;
const isIdStart = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c >= 128;
const isIdChar = (c: number) => isIdStart(c) || isDigit(c);

/** Keywords after which `[` opens a list display, not a subscript. */
const KEYWORDS = new Set(['and', 'or', 'not', 'in', 'is', 'if', 'else', 'elif', 'for', 'while', 'return', 'yield', 'lambda',
  'assert', 'del', 'await', 'from', 'import', 'with', 'as', 'raise', 'case', 'match', 'print', 'global', 'nonlocal', 'except', 'async']);

/**
 * Scans code from `i`; inside an f-string field (`inField`) it stops at the `}` / `:` / `!`
 * (at bracket depth 0) that ends the expression and returns that offset. In plain code it also
 * masks, keeping every offset, three forms lezer cannot read:
 *  - a decorator that is not a dotted name with an optional call (`@d['k']`, `@(lambda f: f)`,
 *    PEP 614): its expression becomes one long name (`@______`); the interpreter reads the
 *    original text of that span on its own (SourceFile.subExpression);
 *  - parenthesized context managers (`with (a as b, c as d):`): the parentheses, a trailing
 *    comma, line breaks and comments inside become spaces (the same statement without them);
 *  - a star in a subscript (`x[*idx]`, PEP 646): `*` becomes `~`, a unary operator lezer reads
 *    there; the interpreter sees the original `*` and unpacks.
 */
function scanCode(s: string, i: number, end: number, inField: boolean, put: (i: number, ch: string) => void): number {
  // Open brackets: '(' '[' '{', or 'S' for a subscript's '['.
  const stack: string[] = [];
  let lineStart = !inField;
  let prevSig = -1; // offset of the previous significant code character
  let identFrom = -1, identTo = -1; // the last name read
  while (i < end) {
    const c = s.charCodeAt(i);
    if (c === 10) {
      if (!inField && stack.length === 0) lineStart = true;
      i++;
      continue;
    }
    if (c === 12 /* form feed */) { put(i, ' '); i++; continue; } // whitespace to CPython, an error to lezer
    if (c === 32 || c === 9 || c === 13) { i++; continue; }
    if (c === 92 /* \ */ && s.charCodeAt(i + 1) === 10) { i += 2; continue; } // a continued line
    const atLineStart = lineStart;
    lineStart = false;
    if (c === 35 /* # */) {
      if (inField) return i; // not allowed in a field; let the string scan end it
      while (i < end && s.charCodeAt(i) !== 10) i++;
      continue;
    }
    const sig = i;
    if (c === 34 || c === 39 /* " ' */) i = scanString(s, i, i, end, put);
    else if (isIdStart(c)) {
      const start = i;
      while (i < end && isIdChar(s.charCodeAt(i))) i++;
      const q = s.charCodeAt(i);
      // A string prefix (r, b, u, f and their pairs) directly before a quote.
      if ((q === 34 || q === 39) && i - start <= 2 && /^(?:[rRbBuUfF]|[rR][bBfF]|[bBfF][rR])$/.test(s.slice(start, i))) {
        i = scanString(s, start, i, end, put);
      } else {
        identFrom = start; identTo = i;
        if (!inField && i - start === 4 && s.startsWith('with', start)) maskWithParens(s, i, end, put);
      }
    } else if (isDigit(c) || (c === 46 && isDigit(s.charCodeAt(i + 1)))) i = scanNumber(s, i, end, put);
    else if (c === 64 /* @ */ && atLineStart && stack.length === 0 && !inField) i = maskDecorator(s, i + 1, end, put);
    else {
      if (c === 40 || c === 123) stack.push(s[i]);
      else if (c === 91 /* [ */) {
        const p = prevSig >= 0 ? s.charCodeAt(prevSig) : -1;
        // After a name (not a keyword), a number, `)`, `]` or a string: a subscript.
        const subscript = isIdChar(p) ? !(identTo === prevSig + 1 && KEYWORDS.has(s.slice(identFrom, identTo))) : p === 41 || p === 93 || p === 34 || p === 39;
        stack.push(subscript ? 'S' : '[');
      } else if (c === 41 || c === 93) {
        if (inField && stack.length === 0) return i;
        stack.pop();
      } else if (c === 125 /* } */) {
        if (inField && stack.length === 0) return i;
        stack.pop();
      } else if (c === 42 /* * */ && stack[stack.length - 1] === 'S' && s.charCodeAt(i + 1) !== 42 && (s[prevSig] === '[' || s[prevSig] === ',')) {
        put(i, '~');
      } else if (inField && stack.length === 0 && c === 58 /* : */) return i;
      else if (inField && stack.length === 0 && c === 33 /* ! */ && s.charCodeAt(i + 1) !== 61) return i;
      i++;
    }
    prevSig = i - 1 >= sig ? i - 1 : sig;
  }
  return i;
}

/** The offset of the bracket closing the one at `open` (strings and comments skipped), or -1. */
function closing(s: string, open: number, end: number): number {
  let depth = 0;
  for (let i = open; i < end; i++) {
    const c = s[i];
    if (c === '#') { while (i < end && s[i] !== '\n') i++; continue; }
    if (c === '"' || c === "'") { i = scanString(s, i, i, end, () => {}) - 1; continue; }
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') { if (--depth === 0) return i; }
  }
  return -1;
}

/** After `with`: `(items):` loses its parentheses (see scanCode). */
function maskWithParens(s: string, i: number, end: number, put: (i: number, ch: string) => void): void {
  while (s[i] === ' ' || s[i] === '\t') i++;
  if (s[i] !== '(') return;
  const close = closing(s, i, end);
  if (close < 0) return;
  let k = close + 1;
  while (s[k] === ' ' || s[k] === '\t') k++;
  if (s[k] !== ':') return;
  put(i, ' ');
  put(close, ' ');
  let last = close - 1;
  while (last > i && /\s/.test(s[last])) last--;
  if (s[last] === ',') put(last, ' ');
  // Line breaks and comments inside would end the statement once the parentheses are gone.
  for (let j = i + 1; j < close; j++) {
    const c = s[j];
    if (c === '"' || c === "'") { j = scanString(s, j, j, close, () => {}) - 1; continue; }
    if (c === '#') { while (j < close && s[j] !== '\n') put(j++, ' '); }
    if (s[j] === '\n' || s[j] === '\r') put(j, ' ');
  }
}

/**
 * A decorator's expression from `i` (after `@`) to the end of its line: left as is when lezer
 * reads it (a dotted name, optionally called), else one long name. Returns where it ends.
 */
function maskDecorator(s: string, i: number, end: number, put: (i: number, ch: string) => void): number {
  while (s[i] === ' ' || s[i] === '\t') i++;
  const from = i;
  let to = from;
  for (let j = from; j < end; j++) {
    const c = s[j];
    if (c === '\n' || c === '#') break;
    if (c === '\\' && s[j + 1] === '\n') { j++; continue; }
    if (c === '(' || c === '[' || c === '{') { const k = closing(s, j, end); if (k < 0) return from; j = k; to = k + 1; continue; }
    if (c === '"' || c === "'") { j = scanString(s, j, j, end, () => {}) - 1; to = j + 1; continue; }
    if (!/\s/.test(c)) to = j + 1;
  }
  const text = s.slice(from, to);
  const name = /^[A-Za-z_\u0080-\uffff][\w\u0080-\uffff]*(?:\s*\.\s*[A-Za-z_\u0080-\uffff][\w\u0080-\uffff]*)*\s*/.exec(text);
  const rest = name ? from + name[0].length : from;
  // A dotted name, or one followed by a single call that ends the expression: lezer reads it.
  if (name && (rest === to || (s[rest] === '(' && closing(s, rest, end) === to - 1))) return from;
  for (let j = from; j < to; j++) put(j, '_');
  return to;
}

/** A number literal from `i`; masks the dot of `1.`-style floats. Returns the offset after it. */
function scanNumber(s: string, i: number, end: number, put: (i: number, ch: string) => void): number {
  const c1 = s.charCodeAt(i + 1) | 32;
  if (s.charCodeAt(i) === 48 && (c1 === 120 || c1 === 111 || c1 === 98) /* 0x 0o 0b */) {
    i += 2;
    while (i < end && (isIdChar(s.charCodeAt(i)))) i++;
    return i;
  }
  while (i < end && (isDigit(s.charCodeAt(i)) || s.charCodeAt(i) === 95)) i++;
  if (s.charCodeAt(i) === 46 /* . */) {
    const dot = i++;
    if (isDigit(s.charCodeAt(i))) {
      while (i < end && (isDigit(s.charCodeAt(i)) || s.charCodeAt(i) === 95)) i++;
    } else if (dot > 0 && isDigit(s.charCodeAt(dot - 1))) {
      put(dot, '0');
    }
  }
  const e = s.charCodeAt(i) | 32;
  if (e === 101 /* e */) {
    let j = i + 1;
    if (s[j] === '+' || s[j] === '-') j++;
    if (isDigit(s.charCodeAt(j))) {
      i = j;
      while (i < end && (isDigit(s.charCodeAt(i)) || s.charCodeAt(i) === 95)) i++;
    }
  }
  if ((s.charCodeAt(i) | 32) === 106 /* j */) i++;
  return i;
}

/** A string literal whose prefix starts at `start` and whose quote is at `q`. Returns the offset after it. */
function scanString(s: string, start: number, q: number, end: number, put: (i: number, ch: string) => void): number {
  const prefix = s.slice(start, q).toLowerCase();
  const raw = prefix.includes('r');
  const fmt = prefix.includes('f');
  const quote = s[q];
  const triple = s.startsWith(quote.repeat(3), q);
  let i = q + (triple ? 3 : 1);
  while (i < end) {
    const c = s[i];
    if (c === '\\') { i += 2; continue; }
    if (!triple && c === '\n') return i; // unterminated: CPython stops here too
    if (c === quote && (!triple || s.startsWith(quote.repeat(3), i))) return i + (triple ? 3 : 1);
    if (fmt && c === '{') {
      if (s[i + 1] === '{') { i += 2; continue; }
      i = scanField(s, i + 1, end, quote, triple, put);
      continue;
    }
    i++;
  }
  void raw;
  return i;
}

/** A replacement field of an f-string after its `{`; returns the offset after its `}`. */
function scanField(s: string, i: number, end: number, quote: string, triple: boolean, put: (i: number, ch: string) => void): number {
  // The expression ends at the first `}`, `:` or `!` outside brackets (or at the string's quote).
  const stop = stringEnd(s, i, end, quote, triple);
  i = scanCode(s, i, stop, true, put);
  if (s[i] === '=') i++;
  if (s[i] === '!') i += 2;
  if (s[i] === ':') {
    // The format spec may hold nested fields: `{x:{w}.{p}f}`.
    i++;
    while (i < stop && s[i] !== '}') {
      if (s[i] === '{') i = scanField(s, i + 1, end, quote, triple, put);
      else i++;
    }
  }
  return s[i] === '}' ? i + 1 : i;
}

/** Where the enclosing string's closing quote is (a bound for its fields); nested strings count. */
function stringEnd(s: string, i: number, end: number, quote: string, triple: boolean): number {
  for (; i < end; i++) {
    const c = s[i];
    if (c === '\\') { i++; continue; }
    if (!triple && c === '\n') return i;
    if (c === quote && (!triple || s.startsWith(quote.repeat(3), i))) return i;
  }
  return end;
}
