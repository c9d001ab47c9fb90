// Problems-panel entries (source "GhostLens") from the core's findings, with what a redundancy
// measurement found; while half-typed code keeps the last good analysis on screen, its syntax error.
import * as vscode from 'vscode';
import type { Results } from './results';
import { withMeasured, Finding, Severity } from '../core/analysis/diagnostics';
import { LineIndex } from './positions';

const SEVERITY: Record<Severity, vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  information: vscode.DiagnosticSeverity.Information,
  hint: vscode.DiagnosticSeverity.Hint,
};

/** Diagnostic codes: what a user filters on or a code action matches. */
export const CODES: Record<Finding['kind'] | 'stale', string> = { stage: 'g-ghost-stage', conv: 'c-ghost-conv', unknown: 'unknown', stale: 'stale-analysis' };

export class DiagnosticsView implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection('ghostlens');
  private readonly subs: vscode.Disposable[];

  constructor(private readonly results: Results) {
    this.subs = [results.onDidChange((uri) => this.update(uri))];
  }

  /** The results revision each document's entries were made from. */
  private readonly made = new Map<string, number>();

  private update(uri: vscode.Uri): void {
    const rev = this.results.revision(uri);
    if (this.made.get(uri.toString()) === rev) return; // an analysis started: nothing new to show
    this.made.set(uri.toString(), rev);
    const shown = this.results.shown(uri);
    if (!shown) { this.collection.delete(uri); return; }
    const a = shown.analysis;
    if (!a.result) return; // an internal failure keeps the last diagnostics
    const lines = new LineIndex(a.text);
    const m = this.results.redundancy(uri);
    const out = (m ? withMeasured(a.result.findings, m.result) : a.result.findings).map((f) => {
      const range = lines.firstLineRange(f.from, f.to);
      const d = new vscode.Diagnostic(range, f.message, SEVERITY[f.severity]);
      d.source = 'GhostLens';
      d.code = CODES[f.kind];
      // The Problems entry stays one line; the measurement shows beneath it and in the hover.
      if (f.measured) d.relatedInformation = [new vscode.DiagnosticRelatedInformation(new vscode.Location(uri, range), f.measured)];
      return d;
    });
    const syntax = shown.stale ? this.results.latest(uri)?.result?.syntax : undefined;
    if (syntax) {
      // Half-typed code: the figures above are of the text before this edit; say why, at the error.
      const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
      const line = Math.min(syntax.line, doc?.lineCount ?? syntax.line) - 1;
      const range = doc ? doc.lineAt(Math.max(0, line)).range : new vscode.Range(line, 0, line, 0);
      const d = new vscode.Diagnostic(range, `${syntax.message}: GhostLens shows the analysis from before this edit until the file parses again`, vscode.DiagnosticSeverity.Information);
      d.source = 'GhostLens';
      d.code = CODES.stale;
      out.push(d);
    }
    this.collection.set(uri, out);
  }

  dispose(): void { this.subs.forEach((d) => d.dispose()); this.collection.dispose(); }
}
