// Status bar item: the analysed model of the active file, its MACs and params; a click picks
// another entry point.
import * as vscode from 'vscode';
import type { Analyses } from './analyses';
import { fmtCount, fmtMacs, fmtShape } from '../core/analysis/summary';
import { mdCode } from './markdown';

const SOURCE: Record<string, string> = {
  pick: 'picked for this file', comment: 'from the `# ghostlens:` comment', setting: 'from the `ghostlens.model` setting', auto: 'found automatically',
};

export class StatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('ghostlens.model', vscode.StatusBarAlignment.Right, 100);
  private readonly subs: vscode.Disposable[];

  constructor(private readonly analyses: Analyses) {
    this.item.name = 'GhostLens model';
    this.item.command = 'ghostlens.selectEntryPoint';
    this.subs = [
      analyses.onDidChange((uri) => { if (uri.toString() === vscode.window.activeTextEditor?.document.uri.toString()) this.update(); }),
      vscode.window.onDidChangeActiveTextEditor(() => this.update()),
    ];
    this.update();
  }

  /** What the item shows now (tests read it). */
  get text(): string { return this.item.text; }

  private update(): void {
    const doc = vscode.window.activeTextEditor?.document;
    const a = doc && this.analyses.get(doc.uri);
    if (!doc || (!a && !this.analyses.isRunning(doc.uri))) { this.item.hide(); return; }
    const r = a?.result;
    if (this.analyses.isRunning(doc.uri) && !r?.graph) {
      this.item.text = '$(sync~spin) GhostLens';
      this.item.tooltip = 'GhostLens: analysing…';
    } else if (r?.graph) {
      const g = r.graph;
      this.item.text = `$(layers) ${g.model} \u00b7 ${fmtMacs(g.macs)} MACs \u00b7 ${fmtCount(g.params)} params${g.complete ? '' : ' $(info)'}`;
      const md = new vscode.MarkdownString(
        `**GhostLens** \u00b7 ${mdCode(g.model)} (${SOURCE[r.entrySource]})\n\n` +
        `input ${g.input.map(fmtShape).join(', ')} \u2192 output ${g.outputs ? g.outputs.map(fmtShape).join(', ') : 'unknown'}\n\n` +
        (g.complete ? '' : `Analysis incomplete: ${g.unknowns.length} unknown(s), see the Problems panel.\n\n`) +
        `Analysed in ${Math.round(r.ms)} ms. Click to pick another entry point.`);
      this.item.tooltip = md;
    } else if (a?.failure) {
      // The engine itself was stopped (a crash, memory, a hang): say so, not "no model".
      this.item.text = '$(warning) GhostLens: analysis stopped';
      this.item.tooltip = `GhostLens: ${a.failure}`;
    } else {
      this.item.text = '$(warning) GhostLens: no model';
      this.item.tooltip = `GhostLens: ${r?.error?.message ?? a?.failure ?? 'no result'}\n\nClick to pick an entry point.`;
    }
    this.item.show();
  }

  dispose(): void { this.subs.forEach((s) => s.dispose()); this.item.dispose(); }
}
