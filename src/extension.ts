// VS Code entry point: wiring only. The editor features (diagnostics, CodeLens, hover, panel)
// arrive with their own issues; for now one command shows the analysis of the active file.
import * as vscode from 'vscode';
import { analyzeSource, AnalysisError } from './core/python';
import { workspaceHost } from './editor/host';
import { renderTable } from './cli/report';

export function activate(context: vscode.ExtensionContext): void {
  const output = vscode.window.createOutputChannel('GhostLens');
  context.subscriptions.push(output, vscode.commands.registerCommand('ghostlens.analyzeFile', () => {
    const doc = vscode.window.activeTextEditor?.document;
    if (!doc || doc.languageId !== 'python') {
      void vscode.window.showInformationMessage('GhostLens: open a Python model file first.');
      return;
    }
    try {
      const g = analyzeSource(workspaceHost(doc), doc.uri.fsPath, doc.getText());
      output.clear();
      output.append(renderTable(g, 0, false));
      output.show(true);
    } catch (e) {
      const msg = e instanceof AnalysisError ? e.message : String(e);
      void vscode.window.showWarningMessage(`GhostLens: ${msg}`);
    }
  }));
}

export function deactivate(): void {}
