// The `ghostlens.*` settings, typed: every read goes through here (the table and its checks are
// in settings.ts). VS Code caches the configuration, so reading on demand is cheap.
import * as vscode from 'vscode';
import type { DiagnosticSettings } from '../core/analysis/diagnostics';
import type { EntrySettings, AnalysisLimits } from '../workerProtocol';
import { readSettings, Settings, SettingKey } from './settings';

export class Config {
  /** All settings for a resource (file-level overrides apply), each in range. */
  settings(scope?: vscode.Uri): Settings {
    const c = vscode.workspace.getConfiguration('ghostlens', scope);
    return readSettings((key: SettingKey) => c.get(key));
  }

  diagnostics(scope?: vscode.Uri): DiagnosticSettings {
    const s = this.settings(scope);
    return {
      ghost: {
        ratio: s['ghost.ratio'], dwSize: s['ghost.dwSize'], lambda: s['ghost.lambda'],
        minStageBlocks: s['diagnostics.stage.minBlocks'], minConvOut: s['diagnostics.conv.minOutChannels'], minKernel: s['diagnostics.conv.minKernel'],
      },
      stage: { enabled: s['diagnostics.stage.enabled'], severity: s['diagnostics.stage.severity'], minShare: s['diagnostics.stage.minShare'] },
      conv: { enabled: s['diagnostics.conv.enabled'], severity: s['diagnostics.conv.severity'], minShare: s['diagnostics.conv.minShare'] },
      unknown: { enabled: s['diagnostics.unknown.enabled'], severity: s['diagnostics.unknown.severity'] },
    };
  }

  /** The `model` / `input` settings (the per-file pick is added by the caller). */
  entry(scope?: vscode.Uri): EntrySettings {
    const s = this.settings(scope);
    return { model: s.model || undefined, input: s.input || undefined };
  }

  /** The budget of each analysis (core/python/budget.ts): memory it may hold and its time. */
  analysisLimits(): AnalysisLimits {
    const s = this.settings();
    return { maxMemoryMB: s['analysis.maxMemoryMB'], timeLimitSeconds: s['analysis.timeLimitSeconds'] };
  }

  debounceMs(scope?: vscode.Uri): number { return this.settings(scope)['analysis.debounceMs']; }
  codeLens(scope?: vscode.Uri): boolean { return this.settings(scope)['codeLens.enabled']; }
  /** Where rewrites put the Ghost classes: into the file, or a ghost_modules.py beside it. */
  rewriteClasses(scope?: vscode.Uri): 'inline' | 'module' { return this.settings(scope)['rewrite.classes']; }
}
