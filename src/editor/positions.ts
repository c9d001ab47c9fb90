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
