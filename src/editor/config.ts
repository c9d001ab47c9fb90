// Typed view over the `ghostlens.*` settings (read on demand: VS Code caches them).
import * as vscode from 'vscode';
import type { DiagnosticSettings, Severity } from '../core/analysis/diagnostics';
import type { EntrySettings, AnalysisLimits } from '../workerProtocol';

const SEVERITIES: Severity[] = ['error', 'warning', 'information', 'hint'];

export class Config {
  private section(scope?: vscode.Uri) { return vscode.workspace.getConfiguration('ghostlens', scope); }

  diagnostics(scope?: vscode.Uri): DiagnosticSettings {
    const c = this.section(scope);
    const sev = (key: string, dflt: Severity): Severity => {
      const v = c.get<string>(key);
      return SEVERITIES.includes(v as Severity) ? (v as Severity) : dflt;
    };
    return {
      ghost: {
        ratio: Math.max(2, Math.round(c.get<number>('ghost.ratio', 2))),
        dwSize: Math.max(1, Math.round(c.get<number>('ghost.dwSize', 3))),
        lambda: Math.min(0.95, Math.max(0.05, c.get<number>('ghost.lambda', 0.4))),
        minStageBlocks: Math.max(3, c.get<number>('diagnostics.stage.minBlocks', 3)),
        minConvOut: c.get<number>('diagnostics.conv.minOutChannels', 16),
        minKernel: c.get<number>('diagnostics.conv.minKernel', 1),
      },
      stage: { enabled: c.get('diagnostics.stage.enabled', true), severity: sev('diagnostics.stage.severity', 'warning'), minShare: c.get('diagnostics.stage.minShare', 0) },
      conv: { enabled: c.get('diagnostics.conv.enabled', true), severity: sev('diagnostics.conv.severity', 'information'), minShare: c.get('diagnostics.conv.minShare', 0) },
      unknown: { enabled: c.get('diagnostics.unknown.enabled', true), severity: sev('diagnostics.unknown.severity', 'information') },
    };
  }

  /** The `model` / `input` settings (the per-file pick is added by the caller). */
  entry(scope?: vscode.Uri): EntrySettings {
    const c = this.section(scope);
    return { model: c.get<string>('model', '') || undefined, input: c.get<string>('input', '') || undefined };
  }

  /** The budget of each analysis (core/python/budget.ts): memory it may hold and its wall time. */
  analysisLimits(): AnalysisLimits {
    const c = this.section();
    const pos = (v: number | undefined, d: number) => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : d);
    return { maxMemoryMB: pos(c.get<number>('analysis.maxMemoryMB'), 256), timeLimitSeconds: pos(c.get<number>('analysis.timeLimitSeconds'), 5) };
  }

  debounceMs(scope?: vscode.Uri): number { return Math.max(0, this.section(scope).get<number>('analysis.debounceMs', 400)); }
  codeLens(scope?: vscode.Uri): boolean { return this.section(scope).get<boolean>('codeLens.enabled', true); }
  /** Where rewrites put the Ghost classes: into the file, or a ghost_modules.py beside it. */
  rewriteClasses(scope?: vscode.Uri): 'inline' | 'module' { return this.section(scope).get<string>('rewrite.classes') === 'module' ? 'module' : 'inline'; }
}
