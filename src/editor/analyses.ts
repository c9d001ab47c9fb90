// When each open model file is analysed: on open, after edits (debounced), on settings change. A
// newer run replaces a stale one (editor/engine.ts cancels it); results go to editor/results.ts,
// which the providers read.
import * as vscode from 'vscode';
import { Engine, Cancelled } from './engine';
import { isAnalyzable, enginePath } from './scope';
import type { Config } from './config';
import type { EntryPicks } from './picks';
import type { EntryPoint } from '../core/python/analyze';
import type { DocAnalysis, Results } from './results';

export type { DocAnalysis } from './results';

export class Analyses implements vscode.Disposable {
  private readonly running = new Map<string, number>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /** Files the user asked for explicitly (Analyze current file) although they look like no model file. */
  private readonly forced = new Set<string>();
  /** Fires when a document's analysis starts, finishes, or is dropped (the results' one event). */
  readonly onDidChange: vscode.Event<vscode.Uri>;

  constructor(private readonly engine: () => Engine, private readonly config: Config, private readonly picks: EntryPicks, private readonly results: Results) {
    this.onDidChange = results.onDidChange;
  }

  /** When to analyse: on open and edit (debounced), dependents on save, all on settings change. */
  watch(): vscode.Disposable[] {
    for (const doc of vscode.workspace.textDocuments) this.schedule(doc, 0);
    return [
      vscode.workspace.onDidOpenTextDocument((doc) => this.schedule(doc, 0)),
      vscode.workspace.onDidChangeTextDocument((e) => { if (e.contentChanges.length) this.schedule(e.document); }),
      vscode.workspace.onDidSaveTextDocument((doc) => { if (doc.languageId === 'python') this.refreshAll(doc.uri); }),
      vscode.workspace.onDidCloseTextDocument((doc) => this.forget(doc.uri)),
      vscode.workspace.onDidChangeConfiguration((e) => { if (e.affectsConfiguration('ghostlens')) this.refreshAll(undefined, 0); }),
    ];
  }

  get(uri: vscode.Uri): DocAnalysis | undefined { return this.results.latest(uri); }
  isRunning(uri: vscode.Uri): boolean { return this.running.has(uri.toString()) || this.timers.has(uri.toString()); }

  /** Re-analyses `doc` after the debounce (or `delayMs`); forgets it when it is no model file. */
  schedule(doc: vscode.TextDocument, delayMs = this.config.debounceMs(doc.uri)): void {
    const key = doc.uri.toString();
    clearTimeout(this.timers.get(key));
    if (!this.wants(doc)) { this.forget(doc.uri); return; }
    this.timers.set(key, setTimeout(() => { this.timers.delete(key); void this.run(doc); }, delayMs));
  }

  /** Analyses `doc` now and returns the result (also the one a newer run produced instead). */
  async analyzeNow(doc: vscode.TextDocument, force = false): Promise<DocAnalysis | undefined> {
    if (force && doc.languageId === 'python') this.forced.add(doc.uri.toString());
    if (!this.wants(doc)) return undefined;
    clearTimeout(this.timers.get(doc.uri.toString()));
    this.timers.delete(doc.uri.toString());
    await this.run(doc);
    return this.settled(doc);
  }

  /** Every open model file again (settings changed, a file they import was saved). */
  refreshAll(except?: vscode.Uri, delayMs?: number): void {
    for (const doc of vscode.workspace.textDocuments) {
      if (except && doc.uri.toString() === except.toString()) continue;
      if (this.results.latest(doc.uri) || this.wants(doc)) this.schedule(doc, delayMs);
    }
  }

  forget(uri: vscode.Uri): void {
    const key = uri.toString();
    this.forced.delete(key);
    clearTimeout(this.timers.get(key));
    this.timers.delete(key);
    this.running.delete(key);
    this.engine().cancel(key);
    this.results.forget(uri);
  }

  /** Resolves once the document's current version is analysed (or it is no model file). */
  settled(doc: vscode.TextDocument): Promise<DocAnalysis | undefined> {
    const done = () => !this.isRunning(doc.uri) && (this.get(doc.uri)?.version === doc.version || !this.wants(doc));
    if (done()) return Promise.resolve(this.get(doc.uri));
    if (!this.isRunning(doc.uri)) this.schedule(doc, 0);
    return new Promise((resolve) => {
      const sub = this.onDidChange((u) => {
        if (u.toString() === doc.uri.toString() && done()) { sub.dispose(); resolve(this.get(doc.uri)); }
      });
    });
  }

  private wants(doc: vscode.TextDocument): boolean {
    return !doc.isClosed && (isAnalyzable(doc) || this.forced.has(doc.uri.toString()));
  }

  entryPoints(doc: vscode.TextDocument): Promise<EntryPoint[]> {
    return this.engine().run(`entries:${doc.uri.toString()}`, {
      type: 'entryPoints', path: enginePath(doc), text: doc.getText(), open: unsavedDocuments(doc),
    });
  }

  private async run(doc: vscode.TextDocument): Promise<void> {
    const key = doc.uri.toString();
    const version = doc.version, text = doc.getText();
    this.running.set(key, version);
    this.results.touch(doc.uri);
    let next: DocAnalysis;
    try {
      const result = await this.engine().run(key, {
        type: 'analyze', path: enginePath(doc), text, open: unsavedDocuments(doc),
        entry: { ...this.config.entry(doc.uri), pick: this.picks.get(doc.uri) },
        diagnostics: this.config.diagnostics(doc.uri),
      });
      next = { uri: doc.uri, version, text, result };
    } catch (e) {
      if (e instanceof Cancelled) return; // the newer run reports
      next = { uri: doc.uri, version, text, result: null, failure: e instanceof Error ? e.message : String(e) };
    }
    if (this.running.get(key) !== version) return; // forgotten, or a newer run is on its way
    this.running.delete(key);
    if (doc.isClosed) return;
    this.results.setAnalysis(next);
  }

  dispose(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }
}

/** Unsaved Python documents other than `doc`: imports read them before the disk. */
export function unsavedDocuments(doc: vscode.TextDocument): Record<string, string> {
  const out: Record<string, string> = {};
  for (const d of vscode.workspace.textDocuments) {
    if (d !== doc && d.isDirty && d.uri.scheme === 'file' && d.languageId === 'python') out[d.uri.fsPath] = d.getText();
  }
  return out;
}
