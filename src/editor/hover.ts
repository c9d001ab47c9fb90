// Hover on a layer assignment or a `forward` line: output shape, params, MACs.
import * as vscode from 'vscode';
import type { Analyses } from './analyses';
import { hoverAt } from '../core/analysis/summary';
import { LineIndex } from './positions';

export class HoverView implements vscode.HoverProvider {
  constructor(private readonly analyses: Analyses) {}

  provideHover(doc: vscode.TextDocument, pos: vscode.Position): vscode.Hover | undefined {
    const a = this.analyses.get(doc.uri);
    const g = a?.result?.graph;
    // Offsets are those of the analysed text: answer only while the document still has it.
    if (!a || !g || a.text !== doc.getText()) return undefined;
    const info = hoverAt(g, a.text, doc.offsetAt(pos));
    if (!info) return undefined;
    const md = new vscode.MarkdownString();
    md.appendMarkdown(`**GhostLens** \u00b7 \`${info.title.replace(/`/g, '')}\`\n\n`);
    md.appendMarkdown('| | |\n|---|---|\n');
    for (const [k, v] of info.rows) md.appendMarkdown(`| ${k} | ${v.replace(/\|/g, '\\|')} |\n`);
    const lines = new LineIndex(a.text);
    return new vscode.Hover(md, lines.firstLineRange(info.from, info.to));
  }
}
