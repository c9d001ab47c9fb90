// What every command and provider shares: settings, the per-file entry picks, the results, the analyses and
// the (lazily started) engine, the output channel; and a command table like rust-analyzer's.
import * as vscode from 'vscode';
import { Config } from './config';
import { EntryPicks } from './picks';
import { Analyses } from './analyses';
import { Results } from './results';
import { Engine } from './engine';

export type Command = (ctx: Ctx) => (...args: any[]) => unknown; // eslint-disable-line @typescript-eslint/no-explicit-any

export class Ctx {
  readonly config = new Config();
  readonly picks: EntryPicks;
  /** Everything known per document version: analysis, profile, redundancy (editor/results.ts). */
  readonly results = new Results();
  readonly analyses: Analyses;
  private engineInstance: Engine | undefined;
  private outputChannel: vscode.OutputChannel | undefined;

  constructor(readonly extension: vscode.ExtensionContext) {
    this.picks = new EntryPicks(extension.workspaceState);
    this.analyses = new Analyses(() => this.engine(), this.config, this.picks, this.results);
    this.push(this.results, this.analyses, { dispose: () => this.engineInstance?.dispose() });
  }

  /** The analysis engine; its worker thread starts with the first request. */
  engine(): Engine {
    this.engineInstance ??= new Engine(vscode.Uri.joinPath(this.extension.extensionUri, 'dist', 'worker.js').fsPath);
    return this.engineInstance;
  }

  get engineStarted(): boolean { return this.engineInstance !== undefined; }

  output(): vscode.OutputChannel {
    if (!this.outputChannel) this.push(this.outputChannel = vscode.window.createOutputChannel('GhostLens'));
    return this.outputChannel;
  }

  /** Running user code or models is only allowed in a trusted workspace. */
  get trusted(): boolean { return vscode.workspace.isTrusted; }

  registerCommand(name: string, command: Command): void {
    this.push(vscode.commands.registerCommand(`ghostlens.${name}`, command(this)));
  }

  push(...disposables: vscode.Disposable[]): void { this.extension.subscriptions.push(...disposables); }

  /** Pushes one disposable and hands it back. */
  own<T extends vscode.Disposable>(d: T): T { this.push(d); return d; }
}
