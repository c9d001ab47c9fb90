// Status bar item: the analysed model of the active file, its MACs and params, the input they are
// for; marked stale (with the syntax error) while half-typed code keeps the last good analysis. A
// click picks another entry point.
import * as vscode from 'vscode';
import type { Results } from './results';
import type { Analyses } from './analyses';
import { fmtCount, fmtMacs, fmtShape } from '../views/format';

const SOURCE: Record<string, string> = {
  pick: 'picked for this file', comment: 'from the `# ghostlens:` comment', setting: 'from the `ghostlens.model` setting', auto: 'found automatically',
};
const INPUT: Record<string, string> = {
  comment: 'from the `# ghostlens:` comment', setting: 'from the `ghostlens.input` setting',
  default: '**the default**: no `# ghostlens: input=` comment or `ghostlens.input` setting gives it (the model lens above the class sets it)',
};

export class StatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('ghostlens.model', vscode.StatusBarAlignment.Right, 100);
  private readonly subs: vscode.Disposable[];

  constructor(private readonly results: Results, private readonly analyses: Analyses) {
    this.item.name = 'GhostLens model';
    this.item.command = 'ghostlens.selectEntryPoint';
    this.subs = [
      results.onDidChange((uri) => { if (uri.toString() === vscode.window.activeTextEditor?.document.uri.toString()) this.update(); }),
      vscode.window.onDidChangeActiveTextEditor(() => this.update()),
    ];
    this.update();
  }

  /** What the item shows now (tests read it). */
  get text(): string { return this.item.text; }

  private update(): void {
    const doc = vscode.window.activeTextEditor?.document;
    const shown = doc && this.results.shown(doc.uri);
    const running = !!doc && this.analyses.isRunning(doc.uri);
    if (!doc || (!shown && !running)) { this.item.hide(); return; }
    const a = shown?.analysis;
    const r = a?.result;
    if (running && !r?.graph) {
      this.item.text = '$(sync~spin) GhostLens';
      this.item.tooltip = 'GhostLens: analysing…';
    } else if (r?.graph) {
      const g = r.graph;
      const stale = shown!.stale;
      this.item.text = `${stale ? '$(history)' : '$(layers)'} ${g.model} \u00b7 ${fmtMacs(g.macs)} MACs \u00b7 ${fmtCount(g.params)} params${g.complete ? '' : ' $(info)'}${stale ? ' (stale)' : ''}`;
      const md = new vscode.MarkdownString(
        (stale ? `$(warning) **Figures from before your edit**: ${stale.replace(/[`*_]/g, '\\$&')}. They come back up to date when the file parses again.\n\n` : '') +
        `**GhostLens** \u00b7 \`${g.model}\` (${SOURCE[r.entrySource]})\n\n` +
        `input ${g.input.map(fmtShape).join(', ')} (${INPUT[r.inputSource] ?? r.inputSource}) \u2192 output ${g.outputs ? g.outputs.map(fmtShape).join(', ') : 'unknown'}\n\n` +
        (g.complete ? '' : `Analysis incomplete: ${g.unknowns.length} unknown(s), see the Problems panel.\n\n`) +
        `Analysed in ${Math.round(r.ms)} ms. Click to pick another entry point.`, true);
      this.item.tooltip = md;
    } else {
      this.item.text = '$(warning) GhostLens: no model';
      this.item.tooltip = `GhostLens: ${r?.error?.message ?? a?.failure ?? 'no result'}\n\nClick to pick an entry point.`;
    }
    this.item.show();
  }

  dispose(): void { this.subs.forEach((s) => s.dispose()); this.item.dispose(); }
}
