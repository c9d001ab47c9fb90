// The entry point a user picked per file ("Select model entry point"), kept in workspace state.
import type * as vscode from 'vscode';

export class EntryPicks {
  constructor(private readonly state: vscode.Memento) {}
  private key(uri: vscode.Uri) { return `ghostlens.entry:${uri.toString()}`; }
  get(uri: vscode.Uri): string | undefined { return this.state.get<string>(this.key(uri)); }
  set(uri: vscode.Uri, expr: string | undefined): Thenable<void> { return this.state.update(this.key(uri), expr); }
}
