// The commands, each a factory (ctx) => handler. Handlers return what they told the user, so
// tests can check it. Commands whose feature is not built yet are registered all the same and
// say so plainly.
import * as vscode from 'vscode';
import type { Command, Ctx } from './ctx';
import { renderTable } from '../views/report';
import { GhostLensPanel } from './panel';
import * as profiling from './profile';
import { runRewrite, targetArg } from './codeActions';
import type { RewriteSummary } from '../core/rewrite/actions';
import { fmtInt, fmtMacs } from '../views/format';
import { fmtChange } from '../core/analysis/diagnostics';

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
export const rewriteAll: Command = (ctx) => async (uri?: unknown, expect?: { version?: number }) => {
  const r = await runRewrite(ctx, uri, { kind: 'all' }, expect);
  if (typeof r !== 'string') void vscode.window.showInformationMessage(rewriteAllSummary(r));
  return r;
};

/** What Rewrite all did, in a line: how many stages and convs, the model before → after, what was left. */
export function rewriteAllSummary(r: RewriteSummary): string {
  const n = (kind: string) => r.applied.filter((a) => a.kind === kind).length;
  const change = (b: number | null, a: number | null) => (b === null || a === null || b === 0 ? 'unknown' : `${fmtMacs(b)} \u2192 ${fmtMacs(a)} (${fmtChange(100 * (a - b) / b)} of the model)`);
  const skipped = r.skipped.length ? `; left as they were: ${r.skipped.map((s) => `${s.path} (${s.reason})`).join(', ')}` : '';
  const files = r.files.length ? `; Ghost classes in ${r.files.map((f) => f.replace(/^.*\//, '')).join(', ')}` : '';
  return `GhostLens: rewrote ${n('stage')} stage(s) into G-Ghost and ${n('conv')} conv site(s) into GhostModules. MACs ${change(r.before.macs, r.after.macs)}, ` +
    `params ${fmtInt(r.before.params)} \u2192 ${fmtInt(r.after.params)}${skipped}${files}. Undo restores the file.`;
}

/**
 * ghostlens.rewrite(uri, {kind, path}, {version}?) — one stage or conv site (the code actions and
 * the panel call it): returns what changed, or the refusal it showed.
 */
export const rewrite: Command = (ctx) => (uri?: unknown, target?: unknown, expect?: { version?: number }) => {
  const t = targetArg(target);
  if (!t) return warn('GhostLens: ghostlens.rewrite needs a target {kind: "stage" | "conv", path}.');
  return runRewrite(ctx, uri, { kind: 'site', target: t }, expect);
};

/**
 * GhostLens: Set input shape — `(uri?, shape?)`: writes `input=SHAPE` into the file's
 * `# ghostlens:` comment (added above the first line when there is none), so the file itself says
 * what its figures are for. Without `shape` it asks, proposing the shape analysed now.
 */
export const setInput: Command = (ctx) => async (uri?: unknown, shape?: unknown) => {
  const doc = await modelDocument(uri);
  if (!doc) return info('GhostLens: open a Python model file first.');
  const now = ctx.results.shown(doc.uri)?.analysis.result?.graph?.input.map((s) => s.join('x')).join(',');
  const value = typeof shape === 'string' ? shape : await vscode.window.showInputBox({
    title: 'GhostLens: input shape of this model file', value: now ?? '1x3x224x224',
    prompt: 'Batch x channels x height x width, e.g. 1x3x32x32 for CIFAR (several inputs: 1x3x64x64,1x10). Written into a `# ghostlens: input=` comment.',
    validateInput: (v) => (INPUT_SPEC.test(v) ? undefined : 'expected e.g. 1x3x32x32'),
  });
  if (value === undefined) return undefined;
  if (!INPUT_SPEC.test(value)) return warn(`GhostLens: '${value}' is no input shape (expected e.g. 1x3x32x32).`);
  const spec = value.replace(/\s+/g, '');
  const edit = new vscode.WorkspaceEdit();
  const lines = doc.getText().split('\n');
  const i = lines.findIndex((l) => /^\s*#\s*ghostlens:/.test(l));
  if (i >= 0) {
    const line = lines[i].replace(/\r$/, '');
    const next = /\binput=\S+/.test(line) ? line.replace(/\binput=\S+/, `input=${spec}`) : `${line.trimEnd()} input=${spec}`;
    edit.replace(doc.uri, new vscode.Range(i, 0, i, line.length), next);
  } else {
    // Below a shebang / encoding line, else at the top.
    const at = lines.findIndex((l) => !/^#!|^#.*coding[:=]/.test(l));
    edit.insert(doc.uri, new vscode.Position(Math.max(0, at), 0), `# ghostlens: input=${spec}\n`);
  }
  if (!(await vscode.workspace.applyEdit(edit))) return warn('GhostLens: VS Code did not apply the edit.');
  const a = await ctx.analyses.analyzeNow(doc);
  return a?.result?.graph ? `input=${spec}` : a?.result?.error?.message;
};

const INPUT_SPEC = /^\s*\d+([x×]\d+)*(\s*,\s*\d+([x×]\d+)*)*\s*$/;
