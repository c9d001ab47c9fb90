// Profiling in the editor: "Profile latency" (a cancellable progress notification; the result
// goes to the panel, the CodeLens/hover times and the output channel, and is returned to the
// caller), "Cancel profiling", and "Set up GPU profiling" (onnxruntime-node with its CUDA
// libraries into the extension's global storage). The work runs in core/profile's child process.
import * as vscode from 'vscode';
import { unsavedDocuments } from './analyses';
import { readFileSync } from 'node:fs';
import type { Command, Ctx } from './ctx';
import { enginePath } from './scope';
import { profileSource, profileOnnx, ProfileError, Progress } from '../core/profile/runner';
import { chooseOrt, setUpGpu, setupApplies, SetupError, OrtInstall } from '../core/profile/setup';
import { DEFAULT_PROFILE_OPTIONS, CompareResult, ProfileOptions, ProfileResult, ProviderChoice } from '../core/profile/types';
import { isProviderChoice } from '../core/profile/providers';
import { modelLensTitle } from '../views/profileText';
import { renderProfile } from '../views/profileReport';
import { defaultLibraryPaths } from '../nodeHost';
import type { Settings } from './settings';

// ── settings ─────────────────────────────────────────────────────────────────────────────────

/** Arguments the panel (and tests) pass: any subset of these. */
export interface ProfileArgs { provider?: ProviderChoice; threads?: number; runs?: number; warmup?: number; compareGhost?: boolean }

export function profileSettings(s: Settings, args: ProfileArgs = {}): { options: ProfileOptions; compareGhost: boolean } {
  const intOf = (v: unknown, dflt: number, min: number) => (typeof v === 'number' && Number.isInteger(v) && v >= min ? v : dflt);
  return {
    options: {
      ...DEFAULT_PROFILE_OPTIONS,
      provider: args.provider && isProviderChoice(args.provider) ? args.provider : s['profile.provider'],
      threads: intOf(args.threads, s['profile.threads'], 0),
      runs: intOf(args.runs, s['profile.runs'], 1),
      warmup: intOf(args.warmup, s['profile.warmup'], 0),
      timeoutMs: 1000 * s['profile.timeoutSeconds'],
    },
    compareGhost: args.compareGhost === true,
  };
}

/** The onnxruntime-node to load; a setting that points nowhere is said once per value. */
let warnedOrt = '';
function ortFor(ctx: Ctx): string | null {
  const setting = ctx.config.settings()['profile.onnxruntimePath'];
  const choice = chooseOrt(setting, ctx.extension.globalStorageUri.fsPath);
  if (choice.problem && warnedOrt !== setting) {
    warnedOrt = setting;
    void vscode.window.showWarningMessage(`GhostLens: ${choice.problem}. Profiling uses the bundled onnxruntime-node.`);
  }
  return choice.path;
}

// ── Profile latency / Cancel profiling ───────────────────────────────────────────────────────

let running: { uri: string; abort: AbortController } | undefined;

const isOnnxUri = (u: vscode.Uri) => u.scheme === 'file' && /\.onnx$/i.test(u.fsPath);

/**
 * GhostLens: Profile latency — `(uri?, args?)`: the model file (a .py document or a .onnx file;
 * default the active editor) and ProfileArgs (the panel's request). Returns the ProfileResult /
 * CompareResult, or undefined when it did not run (cancelled, refused, failed: the user was told).
 */
export const profileLatency: Command = (ctx) => async (uri?: unknown, args?: unknown): Promise<ProfileResult | CompareResult | undefined> => {
  if (!ctx.trusted) {
    void vscode.window.showWarningMessage('GhostLens: Profile latency runs your model, so it is disabled in Restricted Mode. Trust this workspace to use it (static analysis works without trust).');
    return undefined;
  }
  if (running) {
    void vscode.window.showInformationMessage('GhostLens: a profile is already running (cancel it from its notification or with "GhostLens: Cancel profiling").');
    return undefined;
  }
  const target = uri instanceof vscode.Uri ? uri : vscode.window.activeTextEditor?.document.uri;
  if (!target) { void vscode.window.showInformationMessage('GhostLens: open a Python model file (or pass a .onnx file) first.'); return undefined; }
  // The CodeLens passes a module/stage path as the second argument; the panel passes its request.
  const req = args && typeof args === 'object' ? (args as ProfileArgs) : {};
  const { options, compareGhost } = profileSettings(ctx.config.settings(target), req);
  const ortPath = ortFor(ctx);
  const workerPath = vscode.Uri.joinPath(ctx.extension.extensionUri, 'dist', 'profileWorker.js').fsPath;

  let doc: vscode.TextDocument | undefined;
  let start: (r: { onProgress: (p: Progress) => void; signal: AbortSignal }) => Promise<ProfileResult | CompareResult>;
  let name: string;
  /** The document version profiled: that of the analysis whose text runs. */
  let version: number | null = null;
  if (isOnnxUri(target)) {
    if (compareGhost) { void vscode.window.showWarningMessage('GhostLens: comparing with Ghost needs the .py model: the rewrite edits the source.'); return undefined; }
    name = target.path.split('/').pop()!;
    start = (r) => profileOnnx(target.fsPath, 'import', { ...options, label: name }, { ...r, ortPath, workerPath });
  } else {
    doc = await vscode.workspace.openTextDocument(target);
    if (doc.languageId !== 'python') { void vscode.window.showInformationMessage('GhostLens: Profile latency works on Python model files and .onnx files.'); return undefined; }
    // Profile what the editor shows: the analysed entry point and input.
    const a = await ctx.analyses.analyzeNow(doc, true);
    const g = a?.result?.graph;
    if (!g) {
      void vscode.window.showWarningMessage(`GhostLens: cannot profile ${doc.uri.path.split('/').pop()}: ${a?.result?.error?.message ?? a?.failure ?? 'no model found'}`);
      return undefined;
    }
    name = g.model;
    const text = a!.text;
    version = a!.version;
    const d = doc;
    const ghost = ctx.config.diagnostics(d.uri).ghost;
    start = (r) => profileSource({
      path: enginePath(d), text, open: unsavedDocuments(d), model: g.model, input: g.input, ghost, libraryPaths: defaultLibraryPaths(),
    }, compareGhost, options, { ...r, ortPath, workerPath });
  }
  const abort = new AbortController();
  running = { uri: target.toString(), abort };
  try {
    const result = await vscode.window.withProgress({
      location: vscode.ProgressLocation.Notification, cancellable: true,
      title: `GhostLens: profiling ${name}${compareGhost ? ' and its Ghost rewrite' : ''}`,
    }, (progress, token) => {
      token.onCancellationRequested(() => abort.abort());
      let done = 0;
      return start({
        signal: abort.signal,
        onProgress: (p) => {
          const now = p.fraction !== undefined ? Math.round(100 * p.fraction) : done;
          progress.report({ message: p.message, increment: Math.max(0, now - done) });
          done = Math.max(done, now);
        },
      });
    });
    // The panel, CodeLens and hover show it from the results (a .onnx file has no version).
    ctx.results.setProfile(target, result, { version, model: doc ? name : null });
    const out = ctx.output();
    out.appendLine(renderProfile(result, 15, false));
    const base = 'before' in result ? result.before : result;
    const gpuNote = base.provider === 'cpu' && options.provider === 'auto' && setupApplies().applies && base.providers.some((n) => n.name === 'cuda' && n.listed && !n.used)
      ? ' No GPU provider could run (details in the GhostLens output; "GhostLens: Set up GPU profiling" installs the CUDA one).' : '';
    void vscode.window.showInformationMessage(`GhostLens: ${name}: ${modelLensTitle(result)}.${gpuNote}`, 'Show details').then((pick) => { if (pick) out.show(true); });
    return result;
  } catch (e) {
    if (e instanceof ProfileError && e.kind === 'cancelled') { void vscode.window.showInformationMessage('GhostLens: profiling cancelled.'); return undefined; }
    const msg = e instanceof Error ? e.message : String(e);
    ctx.output().appendLine(`Profile of ${name} failed: ${msg}`);
    void vscode.window.showErrorMessage(`GhostLens: profiling ${name} failed: ${msg}`);
    return undefined;
  } finally {
    running = undefined;
  }
};

/** GhostLens: Cancel profiling — stops the running profile (its child process is killed). */
export const cancelProfile: Command = () => (): boolean => {
  if (!running) return false;
  running.abort.abort();
  return true;
};


// ── Set up GPU profiling ─────────────────────────────────────────────────────────────────────

/** The onnxruntime-node version shipped with the extension (the set-up installs the same). */
function bundledOrtVersion(ctx: Ctx): string {
  try {
    const p = vscode.Uri.joinPath(ctx.extension.extensionUri, 'node_modules', 'onnxruntime-node', 'package.json').fsPath;
    return (JSON.parse(readFileSync(p, 'utf8')) as { version: string }).version;
  } catch {
    return '1.30.0';
  }
}

/**
 * GhostLens: Set up GPU profiling — `(opts?: { yes?: boolean })`; yes skips the confirmation.
 * Returns what happened: { ok, message, install? }.
 */
export const setupGpuProfiling: Command = (ctx) => async (opts?: unknown): Promise<{ ok: boolean; message: string; install?: OrtInstall }> => {
  const applies = setupApplies();
  if (!applies.applies) {
    const message = `GhostLens: nothing to set up: ${applies.why}.`;
    void vscode.window.showInformationMessage(message);
    return { ok: false, message };
  }
  const version = bundledOrtVersion(ctx);
  const storage = ctx.extension.globalStorageUri.fsPath;
  const yes = typeof opts === 'object' && opts !== null && (opts as { yes?: unknown }).yes === true;
  if (!yes) {
    const go = await vscode.window.showInformationMessage(
      `Install onnxruntime-node ${version} with its CUDA 12 execution provider (a download of several hundred MB from npm and NuGet) into GhostLens's storage? ` +
      'GPU profiling also needs the CUDA 12 and cuDNN 9 runtime libraries on this machine.',
      { modal: true }, 'Install');
    if (go !== 'Install') return { ok: false, message: 'not confirmed' };
  }
  const out = ctx.output();
  out.appendLine(`Set up GPU profiling: npm install onnxruntime-node@${version} into ${storage}`);
  const abort = new AbortController();
  try {
    const install = await vscode.window.withProgress({
      location: vscode.ProgressLocation.Notification, cancellable: true, title: `GhostLens: installing onnxruntime-node ${version} with CUDA`,
    }, (progress, token) => {
      token.onCancellationRequested(() => abort.abort());
      return setUpGpu(storage, version, { signal: abort.signal, onLine: (l) => { out.appendLine(l); progress.report({ message: l.slice(0, 120) }); } });
    });
    const message = `GhostLens: GPU profiling is set up (onnxruntime-node ${install.version} with its CUDA libraries); profiles use it from now on.`;
    out.appendLine(message);
    void vscode.window.showInformationMessage(message);
    return { ok: true, message, install };
  } catch (e) {
    const message = `GhostLens: ${e instanceof SetupError ? e.message : `GPU set-up failed: ${(e as Error).message}`}`;
    out.appendLine(message);
    void vscode.window.showErrorMessage(message, 'Show output').then((p) => { if (p) out.show(true); });
    return { ok: false, message };
  }
};
