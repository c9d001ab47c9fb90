// Offsets of the analysed text (0-based UTF-16, what the core reports) to VS Code positions.
import * as vscode from 'vscode';

export class LineIndex {
  private readonly starts: number[] = [0];
  constructor(private readonly text: string) {
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) this.starts.push(i + 1);
  }

  position(offset: number): vscode.Position {
    let lo = 0, hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= offset) lo = mid; else hi = mid - 1;
    }
    return new vscode.Position(lo, offset - this.starts[lo]);
  }

  /** The span's range, cut at the end of its first line (a squiggle under a statement's head). */
  firstLineRange(from: number, to: number): vscode.Range {
    const start = this.position(from);
    const lineEnd = start.line + 1 < this.starts.length ? this.starts[start.line + 1] - 1 : this.text.length;
    const end = this.position(Math.max(from, Math.min(to, lineEnd)));
    const trimmed = this.text.slice(this.starts[start.line] + start.character, this.starts[start.line] + end.character).trimEnd();
    return new vscode.Range(start, start.translate(0, trimmed.length));
  }
}

/**
 * Positions of the analysed text in the document as it is now: a line that moved (lines were
 * inserted or removed above it, e.g. a rewrite inserting a class) is found again by its text,
 * nearest to where it was. Used while the document is newer than its analysis, so that a lens
 * stays on its statement instead of landing at the same line number inside other code.
 */
export class Relocator {
  private readonly index: LineIndex;
  private readonly oldLines: string[];
  private readonly newLines: string[] | null;

  constructor(analysed: string, now: string) {
    this.index = new LineIndex(analysed);
    this.oldLines = analysed.split('\n');
    this.newLines = analysed === now ? null : now.split('\n');
  }

  position(offset: number): vscode.Position {
    const p = this.index.position(offset);
    if (!this.newLines) return p;
    const want = this.oldLines[p.line];
    if (this.newLines[p.line] === want || !want.trim()) return p;
    for (let d = 1; d < this.newLines.length; d++) {
      for (const l of [p.line - d, p.line + d]) if (l >= 0 && l < this.newLines.length && this.newLines[l] === want) return new vscode.Position(l, p.character);
      if (p.line - d < 0 && p.line + d >= this.newLines.length) break;
    }
    return p;
  }
}
