// FileHost for the extension: open documents win over the disk (unsaved edits count).
import * as vscode from 'vscode';
import { readFileSync, statSync } from 'node:fs';
import type { FileHost } from '../core/python';

export function workspaceHost(active: vscode.TextDocument): FileHost {
  const open = new Map<string, string>();
  for (const d of vscode.workspace.textDocuments) if (d.uri.scheme === 'file') open.set(d.uri.fsPath, d.getText());
  open.set(active.uri.fsPath, active.getText());
  return {
    readFile: (p) => open.get(p) ?? (() => { try { return readFileSync(p, 'utf8'); } catch { return null; } })(),
    isFile: (p) => open.has(p) || (() => { try { return statSync(p).isFile(); } catch { return false; } })(),
    isDir: (p) => { try { return statSync(p).isDirectory(); } catch { return false; } },
  };
}
