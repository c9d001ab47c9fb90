// "GhostLens: Measure redundancy" — measured redundancy of the model's trained weights (an ONNX
// export of it) in a cancellable progress notification. Trusted workspaces only: it runs the
// model. The result goes to the panel, the diagnostics ("measured: …"), the output channel, and
// back to the caller (the panel calls this command). The work runs in core/redundancy's child.
import * as vscode from 'vscode';
import { isAbsolute } from 'node:path';
import type { Command, Ctx } from './ctx';
import { measureRedundancy, RedundancyError } from '../core/redundancy/measure';
import type { RedundancyOptions } from '../core/redundancy/options';
import type { Settings } from './settings';
import type { RedundancyResult } from '../core/redundancy/types';
import type { ModelGraph } from '../core/graph/model';
import { renderRedundancy } from '../core/redundancy/report';

const RESTRICTED = 'GhostLens: Measure redundancy runs your model, so it is disabled in Restricted Mode. Trust this workspace to use it (static analysis works without trust).';

let running: AbortController | undefined;

/** A setting's path: absolute, or relative to the workspace folder of `scope`. */
function settingPath(value: string, scope: vscode.Uri | undefined): string | undefined {
  if (!value.trim()) return undefined;
  const v = value.trim();
  if (isAbsolute(v)) return v;
  const folder = (scope && vscode.workspace.getWorkspaceFolder(scope)) ?? vscode.workspace.workspaceFolders?.[0];
  return folder ? vscode.Uri.joinPath(folder.uri, v).fsPath : undefined;
}

/** The options from the `ghostlens.redundancy.*` and `ghostlens.ghost.ratio` settings. */
export function redundancySettings(s: Settings, scope: vscode.Uri | undefined): { onnx?: string; images?: string; options: Partial<RedundancyOptions>; randomSamples: number; timeoutMs: number } {
  return {
    onnx: settingPath(s['redundancy.onnx'], scope),
    images: settingPath(s['redundancy.images'], scope),
    options: {
      threshold: s['redundancy.threshold'],
      ratio: s['ghost.ratio'],
      mean: s['redundancy.normalizeMean'],
      std: s['redundancy.normalizeStd'],
      limit: s['redundancy.maxImages'],
    },
    randomSamples: s['redundancy.randomSamples'],
    timeoutMs: 1000 * s['redundancy.timeoutSeconds'],
  };
}

const isOnnx = (u: vscode.Uri) => u.scheme === 'file' && /\.onnx$/i.test(u.fsPath);

/**
 * GhostLens: Measure redundancy — `(uri?)`: the model's .py document (default the active editor)
 * or a .onnx file. Returns the RedundancyResult, a message string when it was refused, or
 * undefined when the user cancelled (a picker or the run) or it failed (the user was told).
 */
export const measureRedundancyCommand: Command = (ctx: Ctx) => async (uri?: unknown): Promise<RedundancyResult | string | undefined> => {
  if (!ctx.trusted) { void vscode.window.showWarningMessage(RESTRICTED); return RESTRICTED; }
  if (running) return info('GhostLens: a redundancy measurement is already running (cancel it from its notification).');
  const target = uri instanceof vscode.Uri ? uri : vscode.window.activeTextEditor?.document.uri;
  if (!target) return info('GhostLens: open a Python model file (or pass a .onnx file) first.');
  const s = redundancySettings(ctx.config.settings(target), target);

  // The model with its trained weights, and the source analysis its results map to.
  let onnxPath: string | undefined;
  let source: ModelGraph | null = null;
  let doc: vscode.TextDocument | undefined;
  let version: number | null = null;
  if (isOnnx(target)) onnxPath = target.fsPath;
  else {
    doc = await vscode.workspace.openTextDocument(target);
    if (doc.languageId !== 'python') return info('GhostLens: Measure redundancy works on Python model files and .onnx files.');
    const a = await ctx.analyses.analyzeNow(doc, true);
    source = a?.result?.graph ?? null;
    version = a?.version ?? null;
    onnxPath = s.onnx ?? (await pickOnnx(target));
    if (!onnxPath) return undefined;
  }
  // Calibration: the images setting, else the user chooses (random inputs are labelled as such).
  const cal = await calibration(s, 'Measure');
  if (!cal) return undefined;
  const images = cal.images;
  const options: Partial<RedundancyOptions> = { ...s.options, ...(images ? { images } : { random: s.randomSamples }), source };
  const name = onnxPath.split(/[\\/]/).pop()!;
  const abort = new AbortController();
  running = abort;
  try {
    const result = await vscode.window.withProgress({
      location: vscode.ProgressLocation.Notification, cancellable: true, title: `GhostLens: measuring redundancy of ${name}`,
    }, (progress, token) => {
      token.onCancellationRequested(() => abort.abort());
      let done = 0;
      return measureRedundancy(onnxPath!, options, {
        signal: abort.signal, timeoutMs: s.timeoutMs,
        workerPath: vscode.Uri.joinPath(ctx.extension.extensionUri, 'dist', 'redundancyWorker.js').fsPath,
        onProgress: (p) => {
          const now = p.fraction !== undefined ? Math.round(100 * p.fraction) : done;
          progress.report({ message: p.message, increment: Math.max(0, now - done) });
          done = Math.max(done, now);
        },
      });
    });
    // The panel and the diagnostics show it from the results.
    if (doc) ctx.results.setRedundancy(doc.uri, result, { version, model: source?.model ?? null });
    const out = ctx.output();
    out.appendLine(renderRedundancy(result, source));
    const deepest = result.stages.map((st) => st.blocks[st.blocks.length - 1]).filter(Boolean);
    const summary = deepest.length ? `deepest blocks rebuilt from their stage's first block at ${deepest.map((b) => `${Math.round(100 * b.relError)}%`).join(', ')} error` : `${result.layers.length} convs measured`;
    void vscode.window.showInformationMessage(`GhostLens: ${name}${result.calibration.kind === 'random' ? ' (random inputs)' : ''}: ${summary}.`, 'Show details')
      .then((pick) => { if (pick) out.show(true); });
    return result;
  } catch (e) {
    if (e instanceof RedundancyError && e.kind === 'cancelled') { void vscode.window.showInformationMessage('GhostLens: redundancy measurement cancelled.'); return undefined; }
    const msg = e instanceof Error ? e.message : String(e);
    ctx.output().appendLine(`Measuring redundancy of ${name} failed: ${msg}`);
    if (e instanceof RedundancyError && e.kind === 'input') void vscode.window.showWarningMessage(`GhostLens: ${msg}`);
    else void vscode.window.showErrorMessage(`GhostLens: measuring redundancy of ${name} failed: ${msg}`);
    return undefined;
  } finally {
    running = undefined;
  }
};

function info(msg: string): string {
  void vscode.window.showInformationMessage(msg);
  return msg;
}

/** Asks for the .onnx export of the model; `openLabel` says what happens with it. */
export async function pickOnnx(scope: vscode.Uri, openLabel = 'Measure'): Promise<string | undefined> {
  const picked = await vscode.window.showOpenDialog({
    canSelectFiles: true, canSelectMany: false, filters: { 'ONNX model': ['onnx'] },
    defaultUri: vscode.workspace.getWorkspaceFolder(scope)?.uri, title: 'The model exported to ONNX with its trained weights', openLabel,
  });
  return picked?.[0]?.fsPath;
}

/**
 * The calibration data when no images folder is set: random inputs (labelled as such in the
 * results) or a folder the user chooses; null when the user cancels. `verb`: what it is used to do.
 */
export async function calibration(s: { images?: string; randomSamples: number }, verb: 'Measure' | 'Fit'): Promise<{ images?: string } | null> {
  if (s.images) return { images: s.images };
  const pick = await vscode.window.showInformationMessage(
    `GhostLens: no calibration images are set (ghostlens.redundancy.images). ${verb} on random inputs (labelled as such), or choose an images folder?`,
    `Random inputs (${s.randomSamples})`, 'Choose images folder\u2026',
  );
  if (!pick) return null;
  if (!pick.startsWith('Choose')) return {};
  const dir = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, title: 'Calibration images (PNG/JPEG)', openLabel: 'Use these images' });
  return dir?.[0] ? { images: dir[0].fsPath } : null;
}
