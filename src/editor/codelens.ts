// CodeLens above each model class and stage: shapes, params, MACs and share, with the actions
// "Profile latency" and "Open GhostLens panel".
import * as vscode from 'vscode';
import type { Analyses } from './analyses';
import type { Config } from './config';
import { classLenses, stageLenses, fmtInt, fmtMacs, fmtShape, ClassLens, StageLens } from '../core/analysis/summary';
import { LineIndex } from './positions';
import { onDidChangeProfile, stageTimeTitle, modelTimeTitle } from './profile';

export class CodeLensView implements vscode.CodeLensProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;
  private readonly subs: vscode.Disposable[];

  constructor(private readonly analyses: Analyses, private readonly config: Config) {
    this.subs = [
      analyses.onDidChange(() => this.changed.fire()),
      vscode.workspace.onDidGrantWorkspaceTrust(() => this.changed.fire()),
      onDidChangeProfile(() => this.changed.fire()),
    ];
  }

  provideCodeLenses(doc: vscode.TextDocument): vscode.CodeLens[] {
    const a = this.analyses.get(doc.uri);
    const g = a?.result?.graph;
    if (!a || !g || !this.config.codeLens(doc.uri)) return [];
    const lines = new LineIndex(a.text);
    const out: vscode.CodeLens[] = [];
    const at = (offset: number) => { const p = lines.position(offset); return new vscode.Range(p, p); };
    const actions = (range: vscode.Range, path: string) => [
      new vscode.CodeLens(range, {
        title: vscode.workspace.isTrusted ? 'Profile latency' : 'Profile latency (needs a trusted workspace)',
        command: 'ghostlens.profileLatency', arguments: [doc.uri, path],
      }),
      new vscode.CodeLens(range, { title: 'Open GhostLens panel', command: 'ghostlens.openPanel', arguments: [doc.uri, path] }),
    ];
    for (const c of classLenses(g, a.text)) {
      const range = at(c.from);
      out.push(new vscode.CodeLens(range, { title: classTitle(g.model, c), command: 'ghostlens.analyzeFile', arguments: [doc.uri] }),
        ...actions(range, c.root ? '' : c.paths[0]));
      // Measured: the latest profile's latency on the model's class.
      const measured = c.root ? modelTimeTitle(doc) : undefined;
      if (measured) out.push(new vscode.CodeLens(range, { title: measured, command: 'ghostlens.openPanel', arguments: [doc.uri, ''] }));
    }
    for (const s of stageLenses(g)) {
      const range = at(s.from);
      out.push(new vscode.CodeLens(range, { title: stageTitle(s), command: 'ghostlens.analyzeFile', arguments: [doc.uri] }), ...actions(range, s.path));
      const measured = stageTimeTitle(doc, s.path);
      if (measured) out.push(new vscode.CodeLens(range, { title: measured, command: 'ghostlens.openPanel', arguments: [doc.uri, s.path] }));
    }
    return out;
  }

  dispose(): void { this.subs.forEach((s) => s.dispose()); this.changed.dispose(); }
}

const share = (x: number | null) => (x === null ? '' : ` (${(100 * x).toFixed(1)}%)`);

export function classTitle(model: string, c: ClassLens): string {
  const io = `${c.inputs.map(fmtShape).join(', ') || '?'} \u2192 ${fmtShape(c.output)}`;
  if (c.root) return `${model}: ${io} \u00b7 ${fmtInt(c.params)} params \u00b7 ${fmtMacs(c.macs)} MACs`;
  const n = c.paths.length > 1 ? ` \u00d7${c.paths.length}` : '';
  return `${c.name}${n}: ${io}${c.paths.length > 1 ? ' (first)' : ''} \u00b7 ${fmtInt(c.params)} params \u00b7 ${fmtMacs(c.macs)} MACs${share(c.share)}`;
}

export function stageTitle(s: StageLens): string {
  return `stage ${s.path}: ${s.blocks} blocks, ${s.inChannels ?? '?'}\u2192${s.outChannels} ch at ${s.resolution[0]}\u00d7${s.resolution[1]} \u00b7 ` +
    `${fmtInt(s.params)} params \u00b7 ${fmtMacs(s.macs)} MACs${share(s.share)}`;
}
