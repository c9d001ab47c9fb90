// Hover on a layer assignment or a `forward` line: output shape, params, MACs.
import * as vscode from 'vscode';
import type { Results } from './results';
import { hoverAt } from '../views/summary';
import { LineIndex } from './positions';
import { modulesLatency } from '../views/profileText';

export class HoverView implements vscode.HoverProvider {
  constructor(private readonly results: Results) {}

  provideHover(doc: vscode.TextDocument, pos: vscode.Position): vscode.Hover | undefined {
    const a = this.results.shown(doc.uri)?.analysis;
    const g = a?.result?.graph;
    // Offsets are those of the analysed text: answer only while the document still has it.
    if (!a || !g || a.text !== doc.getText()) return undefined;
    const info = hoverAt(g, a.text, doc.offsetAt(pos));
    if (!info) return undefined;
    const md = new vscode.MarkdownString();
    md.appendMarkdown(`**GhostLens** \u00b7 \`${info.title.replace(/`/g, '')}\`\n\n`);
    md.appendMarkdown('| | |\n|---|---|\n');
    // Measured time of the module(s) the hover is about (its site, or the class of a forward).
    const paths = g.modules.filter((m) => m.from === info.from && m.to === info.to).map((m) => m.path);
    if (!paths.length && info.title.endsWith('.forward')) paths.push(...g.modules.filter((m) => m.type === info.title.slice(0, -'.forward'.length)).map((m) => m.path));
    const p = this.results.profile(doc.uri);
    const t = p && modulesLatency(p.result, paths);
    const measured = t ? t + (p!.stale ? ' (before your edits)' : '') : undefined;
    const rows = measured ? [...info.rows, ['latency', measured] as [string, string]] : info.rows;
    for (const [k, v] of rows) md.appendMarkdown(`| ${k} | ${v.replace(/\|/g, '\\|')} |\n`);
    const lines = new LineIndex(a.text);
    return new vscode.Hover(md, lines.firstLineRange(info.from, info.to));
  }
}
