// "Rewrite … and fit weights from MODEL.onnx": the Ghost rewrite of a site (or of all candidates)
// whose weights come from the trained model (core/ghostify, in its child process), with a
// cancellable progress notification. Trusted workspaces only: it runs the model. The rewrite is
// applied to the document as one edit when the document did not change meanwhile; OUT.onnx and the
// state_dict (safetensors) are written beside MODEL.onnx; the per-site errors and the output's
// agreement go to the panel, the output channel and the caller.
import * as vscode from 'vscode';
import type { Command, Ctx } from './ctx';
import { ghostify, GhostifyError } from '../core/ghostify/runner';
import type { GhostifyResult } from '../core/ghostify/types';
import { renderGhostify } from '../core/ghostify/report';
import { siteTitle, SiteAction, RewritePlan } from '../core/rewrite/actions';
import type { RewriteTarget } from '../core/rewrite/rewrite';
import type { GhostSettings } from '../core/analysis/ghost';
import { defaultLibraryPaths } from '../nodeHost';
import { redundancySettings, pickOnnx, calibration } from './redundancy';
import { targetArg } from './codeActions';
import { ghostifyView } from '../protocol';

const RESTRICTED = 'GhostLens: fitting Ghost weights runs your model, so it is disabled in Restricted Mode. Trust this workspace to use it (the plain rewrite works without trust).';

let running: AbortController | undefined;

const fileName = (p: string) => p.replace(/^.*[\\/]/, '');

/** The ONNX file the settings name (ghostlens.redundancy.onnx), for titles; undefined: asked when run. */
export function configuredOnnx(ctx: Ctx, uri: vscode.Uri): string | undefined {
  return redundancySettings(ctx.config.settings(uri), uri).onnx;
}

/** The "… and fit weights from MODEL.onnx" variants of the site actions whose plans are not refused. */
export function ghostifyActions(ctx: Ctx, doc: vscode.TextDocument, sites: { site: SiteAction; plan: RewritePlan; settings: GhostSettings; version: number; kind: vscode.CodeActionKind }[]): vscode.CodeAction[] {
  const onnx = configuredOnnx(ctx, doc.uri);
  const from = onnx ? fileName(onnx) : 'an ONNX export\u2026';
  return sites.filter((s) => !s.plan.refused).map((s) => {
    const title = `${siteTitle(s.site, null, s.settings)} and fit weights from ${from}`;
    const action = new vscode.CodeAction(title, s.kind);
    action.command = { command: 'ghostlens.ghostify', title, arguments: [doc.uri, s.site.target, { version: s.version }] };
    return action;
  });
}

/**
 * ghostlens.ghostify(uri, target | 'all', {version}?) — returns the GhostifyResult, a message when
 * it was refused, or undefined when the user cancelled (a picker or the run) or it failed (told).
 */
export const ghostifyCommand: Command = (ctx: Ctx) => async (uri?: unknown, target?: unknown, expect?: { version?: number }): Promise<GhostifyResult | string | undefined> => {
  if (!ctx.trusted) { void vscode.window.showWarningMessage(RESTRICTED); return RESTRICTED; }
  if (running) return info('GhostLens: fitting Ghost weights is already running (cancel it from its notification).');
  const t: RewriteTarget | 'all' | undefined = target === 'all' ? 'all' : targetArg(target);
  if (!t) return warn('GhostLens: ghostlens.ghostify needs a target {kind: "stage" | "conv", path} or "all".');
  const doc = uri instanceof vscode.Uri ? await vscode.workspace.openTextDocument(uri) : vscode.window.activeTextEditor?.document;
  if (!doc || doc.languageId !== 'python') return info('GhostLens: open a Python model file first.');
  if (doc.uri.scheme !== 'file') return info('GhostLens: save the model file first (fitting weights reads it and its imports from disk).');
  if (typeof expect?.version === 'number' && doc.version !== expect.version) return warn(`GhostLens: ${fileName(doc.uri.fsPath)} changed since this action was offered; ask for it again.`);
  const a = await ctx.analyses.analyzeNow(doc, true);
  const g = a?.result?.graph;
  if (!g) return warn(`GhostLens: ${a?.result?.error?.message ?? a?.failure ?? 'the model was not analysed'}`);

  const s = redundancySettings(ctx.config.settings(doc.uri), doc.uri);
  const onnxPath = s.onnx ?? (await pickOnnx(doc.uri, 'Fit weights from it'));
  if (!onnxPath) return undefined;
  const cal = await calibration(s, 'Fit');
  if (!cal) return undefined;
  const images = cal.images;
  const base = onnxPath.replace(/\.onnx$/i, '');
  const outOnnx = `${base}.ghost.onnx`, outWeights = `${base}.ghost.safetensors`;
  const version = doc.version, text = doc.getText();
  const what = t === 'all' ? 'all Ghost candidates' : t.path;
  const abort = new AbortController();
  running = abort;
  try {
    const result = await vscode.window.withProgress({
      location: vscode.ProgressLocation.Notification, cancellable: true, title: `GhostLens: rewriting ${what} with weights from ${fileName(onnxPath)}`,
    }, (progress, token) => {
      token.onCancellationRequested(() => abort.abort());
      let done = 0;
      return ghostify({
        onnxPath, sourcePath: doc.uri.fsPath, sourceText: text, model: g.model, ...(t === 'all' ? { all: true } : { targets: [t] }),
        settings: ctx.config.diagnostics(doc.uri).ghost, libraryPaths: defaultLibraryPaths(),
        options: { mean: s.options.mean, std: s.options.std, limit: s.options.limit, ...(images ? { images } : { random: s.randomSamples }) },
        outOnnx, outWeights,
      }, {
        signal: abort.signal, timeoutMs: s.timeoutMs,
        workerPath: vscode.Uri.joinPath(ctx.extension.extensionUri, 'dist', 'ghostifyWorker.js').fsPath,
        onProgress: (p) => {
          const now = p.fraction !== undefined ? Math.round(100 * p.fraction) : done;
          progress.report({ message: p.message, increment: Math.max(0, now - done) });
          done = Math.max(done, now);
        },
      });
    });
    const out = ctx.output();
    out.appendLine(renderGhostify(result));
    // The weights belong to the rewrite of the text the child read: applied only onto that text.
    let applied = false;
    if (doc.version === version && doc.getText() === text) {
      const edit = new vscode.WorkspaceEdit();
      const label = { label: `GhostLens: rewrite ${what} (weights fitted)`, needsConfirmation: false };
      for (const e of result.rewrite.edits) edit.replace(doc.uri, new vscode.Range(doc.positionAt(e.from), doc.positionAt(e.to)), e.text, label);
      applied = await vscode.workspace.applyEdit(edit, { isRefactoring: true });
    }
    // The model the rewrite was planned on: the panel shows the fit only while that model is analysed.
    ctx.results.setGhostify(doc.uri, ghostifyView(result), { version: applied ? doc.version : version, model: ctx.results.shown(doc.uri)?.analysis.result?.graph?.model ?? null });
    const agree = `output error ${(100 * result.output.relError).toFixed(1)}%${result.output.top1 !== null ? `, top-1 agreement ${(100 * result.output.top1).toFixed(1)}%` : ''}`;
    const msg = applied
      ? `GhostLens: rewrote ${what}; weights in ${fileName(outWeights)} (${agree} on held-out ${result.calibration.kind === 'random' ? 'random inputs' : 'images'}, before any training).`
      : `GhostLens: ${fileName(doc.uri.fsPath)} changed while the weights were fitted, so the rewrite was not applied; ${fileName(outOnnx)} and ${fileName(outWeights)} hold the rewrite of the earlier text (${agree}).`;
    void (applied ? vscode.window.showInformationMessage(msg, 'Show details') : vscode.window.showWarningMessage(msg, 'Show details'))
      .then((pick) => { if (pick) out.show(true); });
    return result;
  } catch (e) {
    if (e instanceof GhostifyError && e.kind === 'cancelled') { void vscode.window.showInformationMessage('GhostLens: fitting Ghost weights cancelled.'); return undefined; }
    const m = e instanceof Error ? e.message : String(e);
    ctx.output().appendLine(`Fitting Ghost weights for ${what} from ${fileName(onnxPath)} failed: ${m}`);
    if (e instanceof GhostifyError && e.kind === 'input') void vscode.window.showWarningMessage(`GhostLens: ${m}`);
    else void vscode.window.showErrorMessage(`GhostLens: fitting Ghost weights from ${fileName(onnxPath)} failed: ${m}`);
    return undefined;
  } finally {
    running = undefined;
  }
};

function info(msg: string): string { void vscode.window.showInformationMessage(msg); return msg; }
function warn(msg: string): string { void vscode.window.showWarningMessage(msg); return msg; }
