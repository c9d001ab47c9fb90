// CodeLens above the model class and each stage: shapes, params, MACs and share of the model's
// MACs, the input they are for (and where it comes from: settable in one click), the latest
// profile's times; "Profile latency" and "Open GhostLens panel" once, on the model class. All from
// the results service: name and figures of one analysis.
import * as vscode from 'vscode';
import type { Results } from './results';
import type { Config } from './config';
import { classLenses, stageLenses } from '../views/summary';
import { fmtShape } from '../views/format';
import { stageLensTitle, modelLensTitle } from '../views/profileText';
import { classTitle, stageTitle, inputTitle } from '../views/lens';
import { Relocator } from './positions';

export class CodeLensView implements vscode.CodeLensProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;
  private readonly subs: vscode.Disposable[];
  private readonly seen = new Map<string, number>();

  constructor(private readonly results: Results, private readonly config: Config) {
    this.subs = [
      // VS Code asks again after every edit by itself; a new result (not a run that started) is news.
      results.onDidChange((uri) => {
        const rev = results.revision(uri);
        if (this.seen.get(uri.toString()) !== rev) { this.seen.set(uri.toString(), rev); this.changed.fire(); }
      }),
      vscode.workspace.onDidGrantWorkspaceTrust(() => this.changed.fire()),
    ];
  }

  provideCodeLenses(doc: vscode.TextDocument): vscode.CodeLens[] {
    const shown = this.results.shown(doc.uri);
    const a = shown?.analysis;
    const g = a?.result?.graph;
    if (!shown || !a || !g || !this.config.codeLens(doc.uri)) return [];
    const lines = new Relocator(a.text, doc.getText());
    const out: vscode.CodeLens[] = [];
    const at = (offset: number) => { const p = lines.position(offset); return new vscode.Range(p, p); };
    // Half-typed code: the figures are of the text before the edit, and say so.
    const stale = shown.stale ? ` (before your edit: ${shown.stale})` : '';
    const profile = this.results.profile(doc.uri);
    const before = profile?.stale ? ' (before your edits)' : '';
    for (const c of classLenses(g)) {
      const range = at(c.from);
      out.push(new vscode.CodeLens(range, { title: classTitle(g.model, c) + stale, command: 'ghostlens.analyzeFile', arguments: [doc.uri] }));
      if (!c.root) continue;
      const source = a.result!.inputSource;
      out.push(new vscode.CodeLens(range, {
        title: inputTitle(g.input.map(fmtShape).join(', '), source), command: 'ghostlens.setInput', arguments: [doc.uri],
        tooltip: source === 'default' ? 'No input shape is given for this file: the figures are for the default input. Click to set it (writes a `# ghostlens: input=` comment).' : 'Click to change the input shape',
      }));
      out.push(
        new vscode.CodeLens(range, {
          title: vscode.workspace.isTrusted ? 'Profile latency' : 'Profile latency (needs a trusted workspace)',
          command: 'ghostlens.profileLatency', arguments: [doc.uri, ''],
        }),
        new vscode.CodeLens(range, { title: 'Open GhostLens panel', command: 'ghostlens.openPanel', arguments: [doc.uri, ''] }),
      );
      if (profile) out.push(new vscode.CodeLens(range, { title: modelLensTitle(profile.result) + before, command: 'ghostlens.openPanel', arguments: [doc.uri, ''] }));
    }
    // Stages inside a rewritten G-Ghost stage (`layer1.middle`) have their site in the inserted
    // GGhostStage class, not in the user's model: no lens there.
    const ghostStages = g.modules.filter((m) => m.type === 'GGhostStage').map((m) => m.path + '.');
    for (const s of stageLenses(g)) {
      if (ghostStages.some((p) => s.path.startsWith(p))) continue;
      const range = at(s.from);
      // A click opens the panel on the stage's row (its G-Ghost estimate, latency, redundancy).
      out.push(new vscode.CodeLens(range, { title: stageTitle(s) + stale, command: 'ghostlens.openPanel', arguments: [doc.uri, s.path], tooltip: 'Open the GhostLens panel on this stage' }));
      const time = profile && stageLensTitle(s.path, profile.result);
      if (time) out.push(new vscode.CodeLens(range, { title: time + before, command: 'ghostlens.openPanel', arguments: [doc.uri, s.path] }));
    }
    return out;
  }

  dispose(): void { this.subs.forEach((s) => s.dispose()); this.changed.dispose(); }
}
