// VS Code entry point: wiring only. The engine loads in a worker thread on the first analysis
// (editor/engine.ts), so activation stays light.
import * as vscode from 'vscode';
import { Ctx } from './editor/ctx';
import { DiagnosticsView } from './editor/diagnostics';
import { CodeLensView } from './editor/codelens';
import { HoverView } from './editor/hover';
import { RewriteActions } from './editor/codeActions';
import { StatusBar } from './editor/statusbar';
import * as commands from './editor/commands';
import { stamp, activationTime, ActivationTime } from './editor/activation';
import type { DocAnalysis } from './editor/analyses';
import type { EngineStats } from './editor/engine';
import { GhostLensPanel, PanelProbe, registerPanelSerializer } from './editor/panel';
import { measureRedundancyCommand } from './editor/redundancy';
import { ghostifyCommand } from './editor/ghostify';

/** What activate() returns: the figures and hooks the tests in a real VS Code read. */
export interface GhostLensApi {
  activation: ActivationTime;
  /** Resolves when the document's current version is analysed. */
  analyzed(doc: vscode.TextDocument): Promise<DocAnalysis | undefined>;
  engineStats(): EngineStats | null;
  statusText(): string;
  /** The open GhostLens panel, if any. */
  panel(): PanelProbe | undefined;
  /** The rewrite code actions as provided (vscode.executeCodeActionProvider drops `disabled` and `diagnostics`). */
  codeActions(doc: vscode.TextDocument, range: vscode.Range, only?: string): Promise<vscode.CodeAction[]>;
}

const PYTHON: vscode.DocumentSelector = [{ language: 'python', scheme: 'file' }, { language: 'python', scheme: 'untitled' }];

export function activate(context: vscode.ExtensionContext): GhostLensApi {
  const entered = stamp();
  const ctx = new Ctx(context);

  // Commands (palette category "GhostLens").
  ctx.registerCommand('analyzeFile', commands.analyzeFile);
  ctx.registerCommand('selectEntryPoint', commands.selectEntryPoint);
  ctx.registerCommand('setInput', commands.setInput);
  ctx.registerCommand('openPanel', commands.openPanel);
  ctx.registerCommand('profileLatency', commands.profileLatency);
  ctx.registerCommand('cancelProfile', commands.cancelProfile);
  ctx.registerCommand('setupGpuProfiling', commands.setupGpuProfiling);
  ctx.registerCommand('rewriteAll', commands.rewriteAll);
  ctx.registerCommand('rewrite', commands.rewrite);
  ctx.registerCommand('measureRedundancy', measureRedundancyCommand);
  ctx.registerCommand('ghostify', ghostifyCommand);

  // Views of the results (editor/results.ts: analysis, profile, redundancy per document version).
  const status = ctx.own(new StatusBar(ctx.results, ctx.analyses));
  const rewriteActions = ctx.own(new RewriteActions(ctx));
  ctx.push(
    new DiagnosticsView(ctx.results),
    vscode.languages.registerCodeLensProvider(PYTHON, ctx.own(new CodeLensView(ctx.results, ctx.config))),
    vscode.languages.registerHoverProvider(PYTHON, new HoverView(ctx.results)),
    vscode.languages.registerCodeActionsProvider(PYTHON, rewriteActions, RewriteActions.metadata),
  );

  // The panel comes back after a window reload.
  ctx.push(registerPanelSerializer(ctx), { dispose: () => GhostLensPanel.current?.dispose() });

  // Analyses follow the open documents, their edits and the settings.
  ctx.push(...ctx.analyses.watch());

  return {
    activation: activationTime(entered),
    analyzed: (doc) => ctx.analyses.settled(doc),
    engineStats: () => (ctx.engineStarted ? { ...ctx.engine().stats } : null),
    statusText: () => status.text,
    panel: () => GhostLensPanel.current?.probe(),
    codeActions: (doc, range, only) => rewriteActions.probe(doc, range, only),
  };
}

export function deactivate(): void {}
