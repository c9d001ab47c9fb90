// VS Code entry point: wiring only. The engine loads in a worker thread on the first analysis
// (editor/engine.ts), so activation stays light.
import * as vscode from 'vscode';
import { Ctx } from './editor/ctx';
import { DiagnosticsView } from './editor/diagnostics';
import { CodeLensView } from './editor/codelens';
import { HoverView } from './editor/hover';
import { StatusBar } from './editor/statusbar';
import * as commands from './editor/commands';
import type { DocAnalysis } from './editor/analyses';
import type { EngineStats } from './editor/engine';

/** Set by the bundle's first and last lines (scripts/build.mjs): loading the bundle itself. */
type Stamp = [number, NodeJS.CpuUsage];
declare const __ghostlensLoadStart: Stamp | undefined;
declare const __ghostlensLoadEnd: Stamp | undefined;

/** Wall-clock and CPU milliseconds between two stamps. */
const between = (a: Stamp, b: Stamp) => ({ wall: b[0] - a[0], cpu: (b[1].user - a[1].user + b[1].system - a[1].system) / 1000 });

/** What activate() returns: the figures and hooks the tests in a real VS Code read. */
export interface GhostLensApi {
  /**
   * Milliseconds spent by GhostLens to activate: evaluating dist/extension.js plus activate(), as
   * wall-clock time and as CPU time of the extension host process (wall-clock includes waiting
   * for a busy CPU). hostMs: what VS Code itself did between the two (not GhostLens' time).
   */
  activation: { wallMs: number; cpuMs: number; loadMs: number; activateMs: number; hostMs: number };
  /** Resolves when the document's current version is analysed. */
  analyzed(doc: vscode.TextDocument): Promise<DocAnalysis | undefined>;
  engineStats(): EngineStats | null;
  statusText(): string;
}

const PYTHON: vscode.DocumentSelector = [{ language: 'python', scheme: 'file' }, { language: 'python', scheme: 'untitled' }];

export function activate(context: vscode.ExtensionContext): GhostLensApi {
  const start: Stamp = [performance.now(), process.cpuUsage()];
  const ctx = new Ctx(context);

  // Commands (palette category "GhostLens").
  ctx.registerCommand('analyzeFile', commands.analyzeFile);
  ctx.registerCommand('selectEntryPoint', commands.selectEntryPoint);
  ctx.registerCommand('openPanel', commands.openPanel);
  ctx.registerCommand('profileLatency', commands.profileLatency);
  ctx.registerCommand('rewriteAll', commands.rewriteAll);

  // Views of the analyses.
  const status = new StatusBar(ctx.analyses);
  ctx.push(
    new DiagnosticsView(ctx.analyses),
    status,
    vscode.languages.registerCodeLensProvider(PYTHON, ctx.own(new CodeLensView(ctx.analyses, ctx.config))),
    vscode.languages.registerHoverProvider(PYTHON, new HoverView(ctx.analyses)),
  );

  // When to analyse: on open and edit (debounced), dependents on save, everything on settings change.
  const analyses = ctx.analyses;
  ctx.push(
    vscode.workspace.onDidOpenTextDocument((doc) => analyses.schedule(doc, 0)),
    vscode.workspace.onDidChangeTextDocument((e) => { if (e.contentChanges.length) analyses.schedule(e.document); }),
    vscode.workspace.onDidSaveTextDocument((doc) => { if (doc.languageId === 'python') analyses.refreshAll(doc.uri); }),
    vscode.workspace.onDidCloseTextDocument((doc) => analyses.forget(doc.uri)),
    vscode.workspace.onDidChangeConfiguration((e) => { if (e.affectsConfiguration('ghostlens')) analyses.refreshAll(undefined, 0); }),
  );
  for (const doc of vscode.workspace.textDocuments) analyses.schedule(doc, 0);

  const activated = between(start, [performance.now(), process.cpuUsage()]);
  const load = __ghostlensLoadStart && __ghostlensLoadEnd ? between(__ghostlensLoadStart, __ghostlensLoadEnd) : { wall: 0, cpu: 0 };
  const hostMs = __ghostlensLoadEnd ? start[0] - __ghostlensLoadEnd[0] : 0;
  return {
    activation: { wallMs: load.wall + activated.wall, cpuMs: load.cpu + activated.cpu, loadMs: load.wall, activateMs: activated.wall, hostMs },
    analyzed: (doc) => analyses.settled(doc),
    engineStats: () => (ctx.engineStarted ? { ...ctx.engine().stats } : null),
    statusText: () => status.text,
  };
}

export function deactivate(): void {}
