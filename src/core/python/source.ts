// A parsed Python source file: text, lezer tree, line index and syntax errors.
import { parser } from '@lezer/python';
import type { Tree, SyntaxNode } from '@lezer/common';
import { maskForParser } from './lexmask';

export interface SyntaxProblem { from: number; to: number; message: string }

export class SourceFile {
  readonly tree: Tree;
  /** Children per node, filled by the interpreter (see interp.ts `kids`): node start and type → [end, children]... */
  readonly kidCache = new Map<number, (number | SyntaxNode[])[]>();
  private lineStarts: number[] | null = null;
  private problems: SyntaxProblem[] | null = null;
  constructor(readonly path: string, readonly text: string) {
    // lezer reads a masked copy of the same length (see lexmask.ts); spans index `text`.
    this.tree = parser.parse(maskForParser(text));
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
