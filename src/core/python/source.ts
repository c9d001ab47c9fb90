// A parsed Python source file: text, lezer tree, line index and syntax errors.
import { parser } from '@lezer/python';
import type { Tree, SyntaxNode } from '@lezer/common';
import { maskForParser } from './lexmask';
import type { PyFloat } from './values';
import { flattenTree, readFlat } from './treeCodec';

/**
 * Where parse trees are kept between processes (src/treeStore.ts on disk; none by default):
 * `load` gives what `save` stored for the same source text, or null. Keyed by the text as written:
 * the parser's masked copy is a function of it (treeCodec's PARSE_VERSION changes with the mask),
 * so a kept tree spares the mask too.
 */
export interface TreeStore {
  load(text: string): Int32Array | null;
  save(text: string, flat: Int32Array): void;
}

let store: TreeStore | null = null;
/** Parses from now on read and keep their trees in `s` (null: none). */
export function useTreeStore(s: TreeStore | null): void { store = s; }

export interface SyntaxProblem { from: number; to: number; message: string }

export class SourceFile {
  readonly tree: Tree;
  /** Children per node, filled by the interpreter (see interp.ts `kids`): node start and type → [end, children]... */
  readonly kidCache = new Map<number, (number | SyntaxNode[])[]>();
  /** Values of the number and string literals read so far, by node start (immutable values only; eval.ts). */
  readonly literals = new Map<number, string | number | PyFloat>();
  private lineStarts: number[] | null = null;
  private problems: SyntaxProblem[] | null = null;
  constructor(readonly path: string, readonly text: string) {
    // lezer reads a masked copy of the same length (see lexmask.ts); spans index `text`.
    // Always a parse from scratch: lezer-python's incremental parse (reusing the previous tree
    // outside an edit) gave trees that differ from a fresh parse for valid code (about 1 in 1,000
    // one-character edits of timm's files; a rewritten file analysed under its path lost every
    // definition after its first change), and a wrong tree is a wrong figure.
    const kept = store?.load(text);
    // The mask keeps the text's length (lexmask.ts).
    const read = kept ? readFlat(kept, text.length) : null;
    if (read) {
      // Only uncut trees are kept (below), so a kept one has no depth cut.
      this.tree = read.tree;
      this.tooDeepAt = -1;
      // No error node: no syntax problem, without walking the tree for one.
      if (read.errorFree) this.problems = [];
    } else {
      const parsed = parseDeep(maskForParser(text));
      this.tree = parsed.tree;
      this.tooDeepAt = parsed.cutAt;
      if (store && parsed.cutAt < 0) store.save(text, flattenTree(parsed.tree));
    }
  }
  /** Where an expression went past MAX_DEPTH levels (the parser cut it there), or -1. */
  readonly tooDeepAt: number;
  get top(): SyntaxNode { return this.tree.topNode; }

  private subs: Map<string, SyntaxNode | null> | null = null;
  /**
   * The expression (or comma list, as a tuple) written at [from, to), read on its own: for the
   * forms lezer cannot read in place (`match a, b:`, `@d['k']` decorators, see lexmask.ts). The
   * text is parsed alone, blanked around and wrapped in the parentheses put at from - 1 and at
   * `to`, so its nodes keep this file's offsets. Null when it is not an expression.
   */
  subExpression(from: number, to: number): SyntaxNode | null {
    const key = `${from}:${to}`;
    this.subs ??= new Map();
    if (this.subs.has(key)) return this.subs.get(key)!;
    let node: SyntaxNode | null = null;
    if (from > 0) {
      const padded = ' '.repeat(from - 1) + '(' + maskForParser(this.text.slice(from, to)) + ')';
      const tree = parser.parse(padded);
      const stmt = tree.topNode.firstChild;
      let bad = false;
      tree.iterate({ enter: (n) => { if (n.type.isError) bad = true; return !bad; } });
      const wrap = stmt?.name === 'ExpressionStatement' && !stmt.nextSibling ? stmt.firstChild : null;
      if (!bad && wrap && wrap.from === from - 1 && wrap.to === to + 1) {
        node = wrap.name === 'ParenthesizedExpression' ? wrap.getChild('(')?.nextSibling ?? null : wrap.name === 'TupleExpression' ? wrap : null;
      }
    }
    this.subs.set(key, node);
    return node;
  }

  /** Whether the parse has an error node within [from, to). */
  hasErrorIn(from: number, to: number): boolean {
    let bad = false;
    this.tree.iterate({ from, to, enter: (n) => { if (n.type.isError && n.from >= from && n.from < to) bad = true; return !bad; } });
    return bad;
  }

  /** 1-based line of a 0-based offset. */
  line(offset: number): number {
    const starts = this.starts();
    let lo = 0, hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= offset) lo = mid; else hi = mid - 1;
    }
    return lo + 1;
  }
  lineCount(): number { return this.starts().length; }
  lineStart(line: number): number { return this.starts()[Math.max(0, Math.min(line - 1, this.starts().length - 1))]; }
  private starts(): number[] {
    if (!this.lineStarts) {
      // indexOf, not a loop per character: a cold process runs this before the JIT has warmed up.
      const s = [0];
      for (let i = this.text.indexOf('\n'); i >= 0; i = this.text.indexOf('\n', i + 1)) s.push(i + 1);
      this.lineStarts = s;
    }
    return this.lineStarts;
  }
  slice(n: { from: number; to: number }): string { return this.text.slice(n.from, n.to); }

  /**
   * Error nodes lezer leaves in valid code: after a bare `yield` used as a value (`x = yield`),
   * and in an empty class-pattern argument list (`case str():`).
   */
  private readsValid(e: SyntaxNode): boolean {
    const prev = e.prevSibling;
    if (e.from === e.to && prev?.name === 'yield' && (e.parent?.name === 'YieldExpression' || e.parent?.name === 'YieldStatement')) return true;
    // `match a, b:`: lezer reads one expression as the subject; the interpreter reads the list.
    for (let m: SyntaxNode | null = e.parent; m; m = m.parent) {
      if (m.name === 'MatchStatement') {
        const ch = m.firstChild?.nextSibling, body = m.getChild('MatchBody');
        return !!ch && !!body && e.to <= body.from && this.subExpression(ch.from, body.from) !== null;
      }
      if (m.name === 'MatchBody' || m.name.endsWith('Statement')) break;
    }
    for (let p: SyntaxNode | null = e.parent; p; p = p.parent) {
      if (p.name === 'PatternArgList') return /^\(\s*\)$/.test(this.text.slice(p.from, p.to));
      if (p.name.endsWith('Statement')) break;
    }
    return false;
  }

  /** Error nodes of the parse (lezer recovers; we only report where). */
  syntaxProblems(): SyntaxProblem[] {
    if (!this.problems) {
      const out: SyntaxProblem[] = [];
      this.tree.iterate({
        enter: (n) => {
          if (n.type.isError && this.readsValid(n.node)) return false;
          if (n.type.isError) {
            if (this.tooDeepAt >= 0 && n.from >= this.tooDeepAt) {
              out.push({ from: n.from, to: n.to, message: `expression nested too deeply: more than ${MAX_DEPTH} levels (about as many operators in one chain), the parser's limit; split it` });
              return false;
            }
            const near = this.text.slice(n.from, Math.min(n.to, n.from + 20)).split('\n')[0];
            out.push({ from: n.from, to: n.to, message: near ? `syntax error near '${near}'` : 'syntax error (incomplete code)' });
            return false;
          }
          return undefined;
        },
      });
      this.problems = out;
    }
    return this.problems;
  }
}

/** Deeper trees are flattened by lezer's tree builder (CutOff.Depth 2500, less a margin for statements). */
export const MAX_DEPTH = 2400;

/**
 * lezer's LR driver forces a reduction after 300 left-associative reductions from one start (to
 * bound tree depth), which cuts `1 + 1 + ...` near 1,150 terms into a syntax error. We drive the
 * parse ourselves and hold that counter below its trigger. Past lezer's tree-depth cut-off the
 * tree would silently lose its nesting (a wrong value, worse than an error), so when the
 * counter would have fired, the finished tree's depth is measured, and a tree at MAX_DEPTH is
 * parsed again the plain way, its cut reported as such. Relies on the parse's
 * `bigReductionCount` field (lezer/lr 1.4); without it, this is a plain parse. A stack overflow while
 * building the deep tree also falls back to the cut.
 */
function parseDeep(text: string): { tree: Tree; cutAt: number } {
  const p = parser.startParse(text) as ReturnType<typeof parser.startParse> & { bigReductionCount?: number; lastBigReductionStart?: number };
  if (typeof p.bigReductionCount !== 'number') return { tree: parser.parse(text), cutAt: -1 };
  let held = -1;
  for (;;) {
    if (p.bigReductionCount > 300) {
      if (held < 0) held = p.lastBigReductionStart ?? 0;
      p.bigReductionCount = 300;
    }
    let tree: Tree | null;
    try { tree = p.advance(); } catch (e) {
      // Building a tree that deep can overflow the JS stack (lezer's tree builder recurses).
      if (e instanceof RangeError && held >= 0) return { tree: parser.parse(text), cutAt: held };
      throw e;
    }
    if (!tree) continue;
    if (held < 0 || treeDepth(tree) < MAX_DEPTH) return { tree, cutAt: -1 };
    return { tree: parser.parse(text), cutAt: held };
  }
}

function treeDepth(tree: Tree): number {
  let d = 0, max = 0;
  tree.iterate({ enter: () => { if (++d > max) max = d; }, leave: () => { d--; } });
  return max;
}

/** Parses files once per (path, text). */
export class SourceCache {
  private files = new Map<string, SourceFile>();
  get(path: string, text: string): SourceFile {
    const hit = this.files.get(path);
    if (hit && hit.text === text) return hit;
    const f = new SourceFile(path, text);
    this.files.set(path, f);
    return f;
  }
}
