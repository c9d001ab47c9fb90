// The commands, each a factory (ctx) => handler. Handlers return what they told the user, so
// tests can check it. Commands whose feature is not built yet are registered all the same and
// say so plainly.
import * as vscode from 'vscode';
import type { Command, Ctx } from './ctx';
import { renderTable } from '../cli/report';
import { GhostLensPanel } from './panel';
import * as profiling from './profile';
import { runRewrite, targetArg } from './codeActions';

const info = (msg: string): string => { void vscode.window.showInformationMessage(msg); return msg; };
const warn = (msg: string): string => { void vscode.window.showWarningMessage(msg); return msg; };

async function modelDocument(uri?: unknown): Promise<vscode.TextDocument | undefined> {
  if (uri instanceof vscode.Uri) return vscode.workspace.openTextDocument(uri);
  const doc = vscode.window.activeTextEditor?.document;
  return doc?.languageId === 'python' ? doc : undefined;
}

/** GhostLens: Analyze current file — the layer/stage table in the GhostLens output channel. */
export const analyzeFile: Command = (ctx) => async (uri?: vscode.Uri) => {
  const doc = await modelDocument(uri);
  if (!doc) return info('GhostLens: open a Python model file first.');
  const a = await ctx.analyses.analyzeNow(doc, true);
  if (!a) return info('GhostLens: open a Python model file first.');
  const g = a.result?.graph;
  if (!g) return warn(`GhostLens: ${a.result?.error?.message ?? a.failure ?? 'analysis failed'}`);
  const out = ctx.output();
  out.clear();
  out.append(renderTable(g, 0, false));
  out.show(true);
  return `${g.model}: ${g.macs ?? 'unknown'} MACs, ${g.params} params`;
};

interface EntryItem extends vscode.QuickPickItem { expr: string | undefined }

/**
 * GhostLens: Select model entry point — a quick pick of the file's entry points (the comment's,
 * factories, classes constructible with defaults) and "Automatic". With `expr` it picks that one
 * without asking (`undefined` when given explicitly: back to automatic).
 */
export const selectEntryPoint: Command = (ctx) => async (uri?: vscode.Uri, ...rest: [string?]) => {
  const doc = await modelDocument(uri);
  if (!doc) return info('GhostLens: open a Python model file first.');
  let expr: string | undefined;
  if (rest.length) {
    expr = rest[0];
  } else {
    const picked = ctx.picks.get(doc.uri);
    const analysed = ctx.analyses.get(doc.uri)?.result?.graph?.model;
    const kind = { comment: '# ghostlens: comment', registered: 'registered factory', factory: 'factory function', class: 'class' };
    const entries = ctx.analyses.entryPoints(doc).then((eps): EntryItem[] => [
      {
        label: '$(sparkle) Automatic', expr: undefined,
        description: `the # ghostlens: comment, the setting, else the first model found${picked ? '' : ' (current choice)'}`,
      },
      ...eps.map((ep) => ({
        label: ep.expr, expr: ep.expr,
        description: `${kind[ep.kind]}${ep.line ? `, line ${ep.line}` : ''}${ep.expr === analysed ? ' \u2014 analysed now' : ''}`,
      })),
    ]);
    const chosen = await vscode.window.showQuickPick(entries, { title: 'GhostLens: model entry point', placeHolder: 'Which model should GhostLens analyse in this file?' });
    if (!chosen) return undefined;
    expr = chosen.expr;
  }
  await ctx.picks.set(doc.uri, expr);
  const a = await ctx.analyses.analyzeNow(doc);
  return a?.result?.graph?.model ?? a?.result?.error?.message;
};

/**
 * GhostLens: Open panel — the stages, charts and profile of the model file (`uri`, else the active
 * one); `path` (from a stage's CodeLens) selects that row.
 */
export const openPanel: Command = (ctx) => (uri?: unknown, path?: unknown) => {
  const p = GhostLensPanel.show(ctx, uri instanceof vscode.Uri ? uri : undefined, typeof path === 'string' ? path : undefined);
  return `GhostLens panel: ${p.probe().uri ?? 'no model file'}`;
};

/**
 * GhostLens: Profile latency — runs the model, so never in an untrusted workspace; the work and
 * the result (returned to the caller) are editor/profile.ts's.
 */
export const profileLatency: Command = (ctx: Ctx) => {
  const run = profiling.profileLatency(ctx);
  return (...args: unknown[]) => {
    if (!ctx.trusted) {
      return warn('GhostLens: Profile latency runs your model, so it is disabled in Restricted Mode. Trust this workspace to use it (static analysis works without trust).');
    }
    return run(...args);
  };
};
export const cancelProfile: Command = profiling.cancelProfile;
export const setupGpuProfiling: Command = profiling.setupGpuProfiling;

/**
 * GhostLens: Rewrite all candidates — every G-Ghost stage and C-Ghost conv of the model (`uri`,
 * else the active file) in one undoable edit; `{version}` refuses if the document changed since.
 */
export const rewriteAll: Command = (ctx) => (uri?: unknown, expect?: { version?: number }) => runRewrite(ctx, uri, { kind: 'all' }, expect);

/**
 * ghostlens.rewrite(uri, {kind, path}, {version}?) — one stage or conv site (the code actions and
 * the panel call it): returns what changed, or the refusal it showed.
 */
export const rewrite: Command = (ctx) => (uri?: unknown, target?: unknown, expect?: { version?: number }) => {
  const t = targetArg(target);
  if (!t) return warn('GhostLens: ghostlens.rewrite needs a target {kind: "stage" | "conv", path}.');
  return runRewrite(ctx, uri, { kind: 'site', target: t }, expect);
};
