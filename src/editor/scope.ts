// Which documents GhostLens analyses: Python files (saved or untitled) that define nn.Module
// subclasses, or name their model with a `# ghostlens:` comment. A cheap text test, run on every
// edit before anything is sent to the worker.
import type * as vscode from 'vscode';

const DIRECTIVE = /^[ \t]*#[ \t]*ghostlens:/m;
/** `class X(nn.Module)`, `class X(torch.nn.Sequential)`, `class X(Module)`, … */
const MODULE_CLASS = /^[ \t]*class[ \t]+\w+[ \t]*\([^)]*\b(?:Module|Sequential|ModuleList|ModuleDict)\b/m;
/** A subclass of a class of the file (`class ResNet(Base)`) in a file that uses torch. */
const ANY_SUBCLASS = /^[ \t]*class[ \t]+\w+[ \t]*\([ \t]*[A-Za-z_]/m;
const USES_TORCH = /^[ \t]*(?:import|from)[ \t]+(?:torch|torchvision)\b/m;

export function definesModel(text: string): boolean {
  return DIRECTIVE.test(text) || MODULE_CLASS.test(text) || (USES_TORCH.test(text) && ANY_SUBCLASS.test(text));
}

export function isAnalyzable(doc: vscode.TextDocument): boolean {
  return doc.languageId === 'python' && (doc.uri.scheme === 'file' || doc.uri.scheme === 'untitled') && definesModel(doc.getText());
}

/** The path the engine sees: the file's, or a stand-in for an untitled document. */
export function enginePath(doc: vscode.TextDocument): string {
  return doc.uri.scheme === 'file' ? doc.uri.fsPath : `/untitled/${doc.uri.path.replace(/[^\w.-]/g, '_')}.py`;
}
