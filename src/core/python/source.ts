// A parsed Python source file: text, lezer tree, line index and syntax errors.
import { parser } from '@lezer/python';
import { TreeFragment } from '@lezer/common';
import type { Tree, SyntaxNode } from '@lezer/common';
import { maskForParser } from './lexmask';

export interface SyntaxProblem { from: number; to: number; message: string }

export class SourceFile {
  readonly tree: Tree;
  /** Children per node, filled by the interpreter (see interp.ts `kids`): node start and type → [end, children]... */
  readonly kidCache = new Map<number, (number | SyntaxNode[])[]>();
  private lineStarts: number[] | null = null;
  private problems: SyntaxProblem[] | null = null;
  /** What lezer parsed (kept so that the next version of the file can reuse this tree). */
  private readonly masked: string;
  constructor(readonly path: string, readonly text: string, previous?: SourceFile) {
    // lezer reads a masked copy of the same length (see lexmask.ts); spans index `text`.
    this.masked = maskForParser(text);
    const tree = previous ? parser.parse(this.masked, reusable(previous, this.masked)) : parser.parse(this.masked);
    // lezer's error recovery may place error nodes differently when it starts from a previous
    // tree: a text with syntax errors is parsed again from scratch, so that its tree (and what the
    // interpreter makes of it) never depends on the edits that led to it.
    this.tree = previous && hasError(tree) ? parser.parse(this.masked) : tree;
  }
  get top(): SyntaxNode { return this.tree.topNode; }

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
      const s = [0];
      for (let i = 0; i < this.text.length; i++) if (this.text.charCodeAt(i) === 10) s.push(i + 1);
      this.lineStarts = s;
    }
    return this.lineStarts;
  }
  slice(n: { from: number; to: number }): string { return this.text.slice(n.from, n.to); }

  /** Error nodes of the parse (lezer recovers; we only report where). */
  syntaxProblems(): SyntaxProblem[] {
    if (!this.problems) {
      const out: SyntaxProblem[] = [];
      this.tree.iterate({
        enter: (n) => {
          if (n.type.isError) {
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

function hasError(tree: Tree): boolean {
  let found = false;
  tree.iterate({ enter: (n) => { if (found) return false; if (n.type.isError) { found = true; return false; } return undefined; } });
  return found;
}

/**
 * The parts of `previous`'s tree that a parse of `next` can reuse: everything outside the one
 * span where the two texts differ (a keystroke changes one span). For text that parses, lezer's
 * incremental parse gives the tree a full parse would (test/unit/incremental.test.ts checks it)
 * at a fraction of the cost.
 */
function reusable(previous: SourceFile, next: string): readonly TreeFragment[] {
  const a = previous['masked'];
  const max = Math.min(a.length, next.length);
  let start = 0;
  while (start < max && a.charCodeAt(start) === next.charCodeAt(start)) start++;
  let end = 0;
  while (end < max - start && a.charCodeAt(a.length - 1 - end) === next.charCodeAt(next.length - 1 - end)) end++;
  return TreeFragment.applyChanges(TreeFragment.addTree(previous.tree), [{ fromA: start, toA: a.length - end, fromB: start, toB: next.length - end }]);
}

/** Parses files once per (path, text); a new text of a path reuses the previous one's tree. */
export class SourceCache {
  private files = new Map<string, SourceFile>();
  get(path: string, text: string): SourceFile {
    const hit = this.files.get(path);
    if (hit && hit.text === text) return hit;
    const f = new SourceFile(path, text, hit);
    this.files.set(path, f);
    return f;
  }
}
