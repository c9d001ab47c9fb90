// The GhostLens panel's host: one webview panel that follows the active model file, sends it the
// file's analysis and the latest profile / redundancy measurement (src/protocol.ts), and turns
// the webview's requests into commands (reveal a source line, profile, rewrite, measure). The
// webview is destroyed while hidden (no retainContextWhenHidden): it keeps its view with
// setState, and the host sends everything again when it is shown and says it is ready.
import * as vscode from 'vscode';
import type { Ctx } from './ctx';
import { panelHtml, makeNonce } from './panelHtml';
import { isAnalyzable } from './scope';
import { LineIndex } from './positions';
import {
  receive, webviewMessage, profileOrCompare, redundancyResult, HostMessage, WebviewMessage, PanelCaps, ProfileRequest, Task, RewriteKind,
} from '../protocol';
import { documentVersion } from './results';
import { panelView } from '../views/panelView';

export const VIEW_TYPE = 'ghostlens.panel';

/** Commands of the other parts that the panel calls (each may be missing in a build). */
export const PANEL_COMMANDS = {
  profile: 'ghostlens.profileLatency',
  cancelProfile: 'ghostlens.cancelProfile',
  rewrite: 'ghostlens.rewrite',
  redundancy: 'ghostlens.measureRedundancy',
} as const;

const versionOf = (uri: vscode.Uri): number | null => documentVersion(uri);

/** What the in-host tests read of the open panel. */
export interface PanelProbe {
  uri: string | undefined;
  visible: boolean;
  viewColumn: vscode.ViewColumn | undefined;
  options: vscode.WebviewOptions & vscode.WebviewPanelOptions;
  html: string;
  /** webview.cspSource: where the page may load its stylesheet and font from. */
  cspSource: string;
  /** Messages from the webview that failed their check, and the webview's own log lines. */
  logs: string[];
  /** The messages posted to the webview, in order, each summed up in a line (see summary()). */
  posted: string[];
  /** Feeds a message as if the webview had sent it (tests of the checks). */
  receive(raw: unknown): Promise<void>;
}

// ── the panel ────────────────────────────────────────────────────────────────────────────────

export class GhostLensPanel implements vscode.Disposable {
  /** The open panel, if any (one per window). */
  static current: GhostLensPanel | undefined;

  private uri: vscode.Uri | undefined;
  private readonly running: Record<Task, boolean> = { profile: false, redundancy: false, rewrite: false };
  private canCancel = false;
  private focusPending: string | undefined;
  /** The webview said 'ready' since it last loaded: it has its message listener. */
  private ready = false;
  private caps: PanelCaps | undefined;
  private readonly subs: vscode.Disposable[] = [];
  private readonly logs: string[] = [];
  private readonly posted: string[] = [];

  /** Opens the panel (or brings it forward) on `uri`, else on the active model file. */
  static show(ctx: Ctx, uri?: vscode.Uri, focus?: string): GhostLensPanel {
    const target = uri ?? activeModel();
    let p = GhostLensPanel.current;
    if (p) {
      p.panel.reveal(undefined, true);
    } else {
      const panel = vscode.window.createWebviewPanel(VIEW_TYPE, 'GhostLens', { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, options(ctx));
      p = new GhostLensPanel(ctx, panel);
    }
    if (target) p.follow(target);
    if (focus !== undefined && focus !== '') p.focus(focus);
    return p;
  }

  /** A panel VS Code restored after a reload (registerWebviewPanelSerializer). */
  static revive(ctx: Ctx, panel: vscode.WebviewPanel, state: unknown): GhostLensPanel {
    GhostLensPanel.current?.dispose();
    panel.webview.options = options(ctx);
    const p = new GhostLensPanel(ctx, panel);
    const saved = savedUri(state);
    const target = activeModel() ?? saved;
    if (target) p.follow(target);
    return p;
  }

  private constructor(private readonly ctx: Ctx, private readonly panel: vscode.WebviewPanel) {
    GhostLensPanel.current = this;
    panel.iconPath = {
      light: vscode.Uri.joinPath(ctx.extension.extensionUri, 'media', 'ghostlens-light.svg'),
      dark: vscode.Uri.joinPath(ctx.extension.extensionUri, 'media', 'ghostlens-dark.svg'),
    };
    const dist = vscode.Uri.joinPath(ctx.extension.extensionUri, 'dist', 'webview');
    const web = panel.webview;
    web.html = panelHtml({
      cspSource: web.cspSource, nonce: makeNonce(), title: 'GhostLens',
      scriptUri: web.asWebviewUri(vscode.Uri.joinPath(dist, 'panel.js')).toString(),
      styleUri: web.asWebviewUri(vscode.Uri.joinPath(dist, 'panel.css')).toString(),
    });
    this.subs.push(
      web.onDidReceiveMessage((m) => this.onMessage(m)),
      // Hidden, the webview is destroyed; shown again, it loads, says 'ready' and gets everything.
      panel.onDidChangeViewState(() => { if (!panel.visible) this.ready = false; }),
      panel.onDidDispose(() => this.dispose()),
      // One event for every result: the analysis, the profile and redundancy (sent again only when they or their staleness change).
      ctx.results.onDidChange((u) => { if (this.follows(u)) { this.sendModel(); this.sendProfile(false); this.sendRedundancy(false); this.sendGhostify(false); } }),
      vscode.window.onDidChangeActiveTextEditor((e) => {
        // Another model file became active: follow it. Other editors (and the panel itself) leave it.
        if (e && e.document.uri.toString() !== this.uri?.toString() && isAnalyzable(e.document)) this.follow(e.document.uri);
      }),
      vscode.workspace.onDidGrantWorkspaceTrust(() => this.sendCaps()),
      vscode.workspace.onDidChangeConfiguration((e) => { if (e.affectsConfiguration('ghostlens.ghost') || e.affectsConfiguration('ghostlens.diagnostics')) this.sendModel(); }),
    );
    this.sendCaps(); // known before the webview asks
  }

  follows(uri: vscode.Uri): boolean { return this.uri?.toString() === uri.toString(); }

  /** Follows `uri`: its analysis (started now if there is none yet) and its results. */
  follow(uri: vscode.Uri): void {
    this.uri = uri;
    this.panel.title = `GhostLens: ${basename(uri)}`;
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    if (doc && !this.ctx.results.latest(uri) && !this.ctx.analyses.isRunning(uri)) void this.ctx.analyses.analyzeNow(doc);
    this.sendAll();
  }

  /** Selects the row of a stage or module path (the CodeLens "Open GhostLens panel" on a stage). */
  focus(path: string): void {
    if (this.ready) this.post({ type: 'focus', path });
    else this.focusPending = path;
  }

  sendAll(): void {
    this.sendCaps();
    this.sendModel();
    this.sendProfile();
    this.sendRedundancy();
    this.sendGhostify();
    for (const t of Object.keys(this.running) as Task[]) {
      if (this.running[t]) this.post({ type: 'busy', task: t, running: true, canCancel: t === 'profile' && this.canCancel });
    }
    if (this.focusPending !== undefined) this.post({ type: 'focus', path: this.focusPending });
    this.focusPending = undefined;
  }

  sendModel(): void {
    const uri = this.uri;
    if (!uri) { this.post({ type: 'model', doc: null, view: null, error: null, analysing: false }); return; }
    const shown = this.ctx.results.shown(uri);
    const a = shown?.analysis;
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    const analysing = this.ctx.analyses.isRunning(uri);
    const error = a ? (shown!.stale ? `Figures from before your edit: ${shown!.stale}` : a.result?.error?.message ?? a.failure ?? null)
      : analysing ? null
        : !doc ? `${basename(uri)} is not open: open it (or another model file) to see it here.`
          : 'No model in this file: GhostLens analyses Python files that define nn.Module subclasses or name their model in a `# ghostlens: model=...` comment.';
    // Everything the webview shows is computed here, from the results the rest of the editor shows.
    const g = a?.result?.graph;
    const view = g ? panelView(g, this.ctx.config.diagnostics(uri).ghost, this.ctx.results.profile(uri)?.result ?? null, this.ctx.results.redundancy(uri)?.result ?? null,
      this.ctx.results.ghostify(uri)?.result.sites ?? null) : null;
    this.post({ type: 'model', doc: { uri: uri.toString(), name: basename(uri), version: a?.version ?? doc?.version ?? 0 }, view, error, analysing });
  }

  /** Sends the followed file's profile; unless `always`, only when it or its staleness changed. */
  sendProfile(always = true): void {
    const k = this.uri && this.ctx.results.profile(this.uri);
    const msg: HostMessage = { type: 'profile', result: k ? k.result : null, stale: !!k && k.stale };
    if (always || this.changed('profile', msg.result, msg.stale)) this.post(msg);
  }

  sendRedundancy(always = true): void {
    const k = this.uri && this.ctx.results.redundancy(this.uri);
    const msg: HostMessage = { type: 'redundancy', result: k ? k.result : null, stale: !!k && k.stale };
    if (always || this.changed('redundancy', msg.result, msg.stale)) this.post(msg);
  }

  sendGhostify(always = true): void {
    const k = this.uri && this.ctx.results.ghostify(this.uri);
    const msg: HostMessage = { type: 'ghostify', result: k ? k.result : null, stale: !!k && k.stale };
    if (always || this.changed('ghostify', msg.result, msg.stale)) this.post(msg);
  }

  private readonly lastSent: Record<'profile' | 'redundancy' | 'ghostify', { result: unknown; stale: boolean } | undefined> = { profile: undefined, redundancy: undefined, ghostify: undefined };

  private changed(what: 'profile' | 'redundancy' | 'ghostify', result: unknown, stale: boolean): boolean {
    const last = this.lastSent[what];
    return !last || last.result !== result || last.stale !== stale;
  }

  /**
   * Sends what the panel can do: the last known capabilities at once (they come with the rest of
   * the data), then again if a fresh look at the registered commands and trust changes them.
   */
  private sendCaps(): void {
    if (this.caps) this.post({ type: 'caps', caps: this.caps });
    void vscode.commands.getCommands(true).then((list) => {
      const all = new Set(list);
      const caps: PanelCaps = {
        trusted: vscode.workspace.isTrusted,
        profile: all.has(PANEL_COMMANDS.profile), cancelProfile: all.has(PANEL_COMMANDS.cancelProfile),
        rewrite: all.has(PANEL_COMMANDS.rewrite), redundancy: all.has(PANEL_COMMANDS.redundancy),
      };
      const changed = JSON.stringify(caps) !== JSON.stringify(this.caps);
      this.caps = caps;
      if (changed) this.post({ type: 'caps', caps });
    });
  }

  private post(msg: HostMessage): void {
    // A hidden webview is gone, and one still loading has no listener: it asks for everything
    // when it is ready.
    if (!this.ready || !this.panel.visible) return;
    if (msg.type === 'profile' || msg.type === 'redundancy' || msg.type === 'ghostify') this.lastSent[msg.type] = { result: msg.result, stale: msg.stale };
    this.posted.push(summary(msg));
    if (this.posted.length > 500) this.posted.splice(0, 250);
    void this.panel.webview.postMessage(msg).then(undefined, (e) => this.log(`could not post '${msg.type}': ${String(e)}`));
  }

  private notice(level: 'info' | 'warning' | 'error', text: string): void {
    this.post({ type: 'notice', level, text });
  }

  private log(line: string): void {
    this.logs.push(line);
    if (this.logs.length > 200) this.logs.splice(0, 100);
    this.ctx.output().appendLine(`[panel] ${line}`);
  }

  private async onMessage(raw: unknown): Promise<void> {
    const msg = receive(webviewMessage, raw, (problem) => this.log(problem));
    if (!msg) return;
    try {
      await this.handle(msg);
    } catch (e) {
      this.log(`handling '${msg.type}' failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
      this.notice('error', `GhostLens: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  private async handle(msg: WebviewMessage): Promise<void> {
    switch (msg.type) {
      case 'ready': this.ready = true; this.sendAll(); return;
      case 'log': this.log(`webview ${msg.level}: ${msg.text}`); return;
      case 'reveal': await this.reveal(msg.kind, msg.path); return;
      case 'profile': await this.profile(msg.request); return;
      case 'cancelProfile': await this.cancelProfile(); return;
      case 'rewrite': await this.rewrite(msg.kind, msg.path); return;
      case 'measureRedundancy': await this.measureRedundancy(); return;
    }
  }

  /** Shows the source site of a stage or module in the editor beside the panel. */
  private async reveal(kind: 'stage' | 'module', path: string): Promise<void> {
    const uri = this.uri;
    const a = uri && this.ctx.results.shown(uri)?.analysis;
    const g = a?.result?.graph;
    if (!uri || !a || !g) return;
    const site = kind === 'stage' ? g.stages.find((s) => s.path === path) : g.modules.find((m) => m.path === path);
    if (!site || site.line <= 0) { this.notice('info', `${path} has no source line in ${basename(uri)}.`); return; }
    const doc = await vscode.workspace.openTextDocument(uri);
    // Offsets refer to the analysed text; an edit since then moves them little (the next analysis follows).
    const range = new LineIndex(a.text).firstLineRange(site.from, site.to);
    const shown = vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === uri.toString());
    const column = shown?.viewColumn ?? (this.panel.viewColumn === vscode.ViewColumn.One ? vscode.ViewColumn.Two : vscode.ViewColumn.One);
    const editor = await vscode.window.showTextDocument(doc, { viewColumn: column, selection: range, preserveFocus: false });
    editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  }

  private async profile(request: ProfileRequest): Promise<void> {
    const uri = this.uri;
    if (!uri || this.running.profile) return;
    if (!vscode.workspace.isTrusted) {
      this.notice('warning', 'Profiling runs your model, so it is disabled in Restricted Mode. Trust this workspace to use it.');
      this.sendCaps();
      return;
    }
    this.canCancel = (await vscode.commands.getCommands(true)).includes(PANEL_COMMANDS.cancelProfile);
    const out = await this.task('profile', 'Profiling', () => vscode.commands.executeCommand<unknown>(PANEL_COMMANDS.profile, uri, request));
    if (out === undefined || out === FAILED) return; // cancelled, refused (said so) or failed (said so)
    // The command put its result into the results service, which sent it here; check its shape all the same.
    if (!receive(profileOrCompare, out, (p) => this.log(`profile result: ${p}`))) this.notice('error', 'The profiler returned a result the panel cannot read (details in the GhostLens output).');
  }

  private async cancelProfile(): Promise<void> {
    if (!this.running.profile) return;
    try {
      await vscode.commands.executeCommand(PANEL_COMMANDS.cancelProfile, this.uri);
    } catch (e) {
      this.notice('error', commandMissing(e) ? 'This version of GhostLens cannot cancel a profile from the panel; use the progress notification.' : `Cancel failed: ${message(e)}`);
    }
  }

  private async rewrite(kind: RewriteKind, path: string): Promise<void> {
    const uri = this.uri;
    if (!uri || this.running.rewrite) return;
    const what = kind === 'stage' ? `${path} into a G-Ghost stage` : `${path} into a GhostModule`;
    const before = versionOf(uri);
    let said: string | undefined;
    const out = await this.task('rewrite', 'Rewriting', () => vscode.commands.executeCommand<unknown>(PANEL_COMMANDS.rewrite, uri, { kind, path }),
      (text) => { said = text; });
    if (out === FAILED) return;
    // Whatever the command returns, the file tells whether it changed.
    const applied = versionOf(uri) !== before;
    if (applied) this.notice('info', `Rewrote ${what}.${said ? ` ${said}` : ''}`);
    else this.notice('warning', said ?? `Rewriting ${what} was not applied.`);
  }

  private async measureRedundancy(): Promise<void> {
    const uri = this.uri;
    if (!uri || this.running.redundancy) return;
    if (!vscode.workspace.isTrusted) {
      this.notice('warning', 'Measuring redundancy runs the model, so it is disabled in Restricted Mode. Trust this workspace to use it.');
      return;
    }
    const out = await this.task('redundancy', 'Measuring redundancy', () => vscode.commands.executeCommand<unknown>(PANEL_COMMANDS.redundancy, uri));
    if (out === undefined || out === FAILED) return;
    if (!receive(redundancyResult, out, (p) => this.log(`redundancy result: ${p}`))) this.notice('error', 'The redundancy measurement returned a result the panel cannot read (details in the GhostLens output).');
  }

  /**
   * Runs a command of another part with the task shown as busy. A string result is that part's
   * message to the user (a refusal, "not available", a summary): given to `said`, else shown as a
   * warning, and nothing comes back. A missing command or a failure is shown and gives FAILED.
   */
  private async task(t: Task, doing: string, run: () => Thenable<unknown>, said?: (text: string) => void): Promise<unknown> {
    this.running[t] = true;
    this.post({ type: 'busy', task: t, running: true, canCancel: t === 'profile' && this.canCancel });
    try {
      const out = await run();
      if (typeof out === 'string') {
        if (said) said(out); else this.notice('warning', out);
        return undefined;
      }
      return out ?? undefined;
    } catch (e) {
      if (commandMissing(e)) this.notice('warning', `${doing} is not available in this version of GhostLens.`);
      else { this.notice('error', `${doing} failed: ${message(e)}`); this.log(`${doing} failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}`); }
      return FAILED;
    } finally {
      this.running[t] = false;
      this.post({ type: 'busy', task: t, running: false, canCancel: false });
    }
  }

  probe(): PanelProbe {
    const p = this.panel;
    return {
      uri: this.uri?.toString(), visible: p.visible, viewColumn: p.viewColumn, options: { ...p.options, ...p.webview.options },
      html: p.webview.html, cspSource: p.webview.cspSource, logs: [...this.logs], posted: [...this.posted], receive: (raw) => this.onMessage(raw),
    };
  }

  dispose(): void {
    if (GhostLensPanel.current === this) GhostLensPanel.current = undefined;
    this.subs.forEach((s) => s.dispose());
    this.subs.length = 0;
    this.panel.dispose();
  }
}

/** Restores the panel after a window reload. */
export function registerPanelSerializer(ctx: Ctx): vscode.Disposable {
  return vscode.window.registerWebviewPanelSerializer(VIEW_TYPE, {
    deserializeWebviewPanel: async (panel, state) => { GhostLensPanel.revive(ctx, panel, state); },
  });
}

/** Scripts on; the webview may load files from dist/webview only; no retainContextWhenHidden. */
function options(ctx: Ctx): vscode.WebviewPanelOptions & vscode.WebviewOptions {
  return {
    enableScripts: true,
    enableFindWidget: true,
    localResourceRoots: [vscode.Uri.joinPath(ctx.extension.extensionUri, 'dist', 'webview')],
  };
}

function activeModel(): vscode.Uri | undefined {
  const doc = vscode.window.activeTextEditor?.document;
  if (doc && isAnalyzable(doc)) return doc.uri;
  return vscode.window.visibleTextEditors.map((e) => e.document).find(isAnalyzable)?.uri;
}

function savedUri(state: unknown): vscode.Uri | undefined {
  const uri = (state as { model?: { doc?: { uri?: unknown } } } | undefined)?.model?.doc?.uri;
  if (typeof uri !== 'string') return undefined;
  try { return vscode.Uri.parse(uri, true); } catch { return undefined; }
}

/** One line per message for the tests: `model:resnet56()`, `notice:warning:…`, `busy:profile:true`. */
function summary(m: HostMessage): string {
  switch (m.type) {
    case 'model': return `model:${m.view ? m.view.header.model : `none (${m.error ?? 'no error'})`}${m.analysing ? ' analysing' : ''}`;
    case 'profile': case 'redundancy': case 'ghostify': return `${m.type}:${m.result ? (m.stale ? 'stale' : 'fresh') : 'none'}`;
    case 'busy': return `busy:${m.task}:${m.running}`;
    case 'caps': return `caps:${Object.entries(m.caps).filter(([, v]) => v).map(([k]) => k).join(',')}`;
    case 'notice': return `notice:${m.level}:${m.text}`;
    case 'focus': return `focus:${m.path}`;
  }
}

/** task()'s result when the command is missing or threw (the user was told). */
const FAILED = Symbol('failed');

const basename = (uri: vscode.Uri): string => uri.path.replace(/^.*\//, '') || uri.toString();
const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));
/** executeCommand's error for a command nobody registered. */
export const commandMissing = (e: unknown): boolean => /command '[^']*' not found/i.test(message(e));
