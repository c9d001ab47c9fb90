// Problems-panel entries (source "GhostLens") from the core's findings.
import * as vscode from 'vscode';
import type { Analyses } from './analyses';
import { withMeasured, Finding, Severity } from '../core/analysis/diagnostics';
import type { RedundancyResult } from '../core/redundancy/types';
import { LineIndex } from './positions';

const SEVERITY: Record<Severity, vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  information: vscode.DiagnosticSeverity.Information,
  hint: vscode.DiagnosticSeverity.Hint,
};

/** Diagnostic codes: what a user filters on or a code action matches. */
export const CODES: Record<Finding['kind'], string> = { stage: 'g-ghost-stage', conv: 'c-ghost-conv', unknown: 'unknown' };

// Redundancy measured on a file's trained weights (the Measure redundancy command sets it): its
// stage and conv diagnostics say what was measured.
const measured = new Map<string, RedundancyResult>();
const measuredChanged = new vscode.EventEmitter<vscode.Uri>();
export function setMeasured(uri: vscode.Uri, r: RedundancyResult | undefined): void {
  if (r) measured.set(uri.toString(), r); else measured.delete(uri.toString());
  measuredChanged.fire(uri);
}

export class DiagnosticsView implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection('ghostlens');
  private readonly subs: vscode.Disposable[];

  constructor(private readonly analyses: Analyses) {
    this.subs = [analyses.onDidChange((uri) => this.update(uri)), measuredChanged.event((uri) => this.update(uri))];
  }

  private update(uri: vscode.Uri): void {
    const a = this.analyses.get(uri);
    if (!a) { this.collection.delete(uri); return; }
    if (!a.result) return; // an internal failure keeps the last diagnostics
    const lines = new LineIndex(a.text);
    const m = measured.get(uri.toString());
    this.collection.set(uri, (m ? withMeasured(a.result.findings, m) : a.result.findings).map((f) => {
      const d = new vscode.Diagnostic(lines.firstLineRange(f.from, f.to), f.message, SEVERITY[f.severity]);
      d.source = 'GhostLens';
      d.code = CODES[f.kind];
      return d;
    }));
  }

  dispose(): void { this.subs.forEach((d) => d.dispose()); this.collection.dispose(); }
}
