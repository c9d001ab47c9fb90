// An equal-length rewrite of Python source for lezer/python, which misreads a few valid forms.
// Every offset stays the same, so the tree's spans index the original text, and the interpreter
// reads literals from the original text (so `1.` still evaluates as the float 1.0).
//
// Masked forms:
//  - a float with a trailing dot (`1.`, `0. else`, `1.e5`, `2.j`): lezer reads `1` then an
//    attribute access; the dot becomes `0` (`10`, `10e5`), one Number token of the same span;
//  - a UTF-8 byte-order mark at the start (CPython skips it): it becomes a newline.
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

/**
 * Scans code from `i`; inside an f-string field (`inField`) it stops at the `}` / `:` / `!`
 * (at bracket depth 0) that ends the expression and returns that offset.
 */
function scanCode(s: string, i: number, end: number, inField: boolean, put: (i: number, ch: string) => void): number {
  let depth = 0;
  while (i < end) {
    const c = s.charCodeAt(i);
    if (c === 35 /* # */) {
      if (inField) return i; // not allowed in a field; let the string scan end it
      while (i < end && s.charCodeAt(i) !== 10) i++;
      continue;
    }
    if (c === 34 || c === 39 /* " ' */) { i = scanString(s, i, i, end, put); continue; }
    if (isIdStart(c)) {
      const start = i;
      while (i < end && isIdChar(s.charCodeAt(i))) i++;
      const q = s.charCodeAt(i);
      // A string prefix (r, b, u, f and their pairs) directly before a quote.
      if ((q === 34 || q === 39) && i - start <= 2 && /^(?:[rRbBuUfF]|[rR][bBfF]|[bBfF][rR])$/.test(s.slice(start, i))) {
        i = scanString(s, start, i, end, put);
      }
      continue;
    }
    if (isDigit(c) || (c === 46 && isDigit(s.charCodeAt(i + 1)))) { i = scanNumber(s, i, end, put); continue; }
    if (inField) {
      if (c === 40 || c === 91 || c === 123) depth++;
      else if (c === 41 || c === 93) depth--;
      else if (c === 125 /* } */) { if (depth === 0) return i; depth--; }
      else if (depth === 0 && c === 58 /* : */) return i;
      else if (depth === 0 && c === 33 /* ! */ && s.charCodeAt(i + 1) !== 61) return i;
    }
    i++;
  }
  return i;
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
