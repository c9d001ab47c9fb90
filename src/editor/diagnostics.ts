// Problems-panel entries (source "GhostLens") from the core's findings.
import * as vscode from 'vscode';
import type { Analyses } from './analyses';
import type { Finding, Severity } from '../core/analysis/diagnostics';
import { LineIndex } from './positions';

const SEVERITY: Record<Severity, vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  information: vscode.DiagnosticSeverity.Information,
  hint: vscode.DiagnosticSeverity.Hint,
};

/** Diagnostic codes: what a user filters on or a code action matches. */
export const CODES: Record<Finding['kind'], string> = { stage: 'g-ghost-stage', conv: 'c-ghost-conv', unknown: 'unknown' };

export class DiagnosticsView implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection('ghostlens');
  private readonly sub: vscode.Disposable;

  constructor(private readonly analyses: Analyses) {
    this.sub = analyses.onDidChange((uri) => this.update(uri));
  }

  private update(uri: vscode.Uri): void {
    const a = this.analyses.get(uri);
    if (!a) { this.collection.delete(uri); return; }
    if (!a.result) return; // an internal failure keeps the last diagnostics
    const lines = new LineIndex(a.text);
    this.collection.set(uri, a.result.findings.map((f) => {
      const d = new vscode.Diagnostic(lines.firstLineRange(f.from, f.to), f.message, SEVERITY[f.severity]);
      d.source = 'GhostLens';
      d.code = CODES[f.kind];
      return d;
    }));
  }

  dispose(): void { this.sub.dispose(); this.collection.dispose(); }
}
