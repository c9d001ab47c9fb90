// Rewrites as code actions: a quick fix on a C-Ghost conv diagnostic, `refactor.rewrite` on a
// stage, and a source action for all candidates. Each title states what the model becomes, from
// the exact rewrite planned in the worker (core/rewrite/plan.ts) for the document's current
// version — only for the sites under the cursor, cached per version. Applying runs the command
// `ghostlens.rewrite` / `ghostlens.rewriteAll`: one WorkspaceEdit (one undo), refused when the
// document changed since the plan. Static analysis and text edits only, so Restricted Mode is fine.
import * as vscode from 'vscode';
import type { Ctx } from './ctx';
import { unsavedDocuments, type DocAnalysis } from './analyses';
import { Cancelled } from './engine';
import { enginePath, isAnalyzable } from './scope';
import { CODES } from './diagnostics';
import { actionsAt, siteAction, bareSite, siteTitle, allTitle, jobKey, RewriteJob, RewritePlan, RewriteSummary, SiteAction } from '../core/rewrite/actions';
import type { GhostSettings } from '../core/analysis/ghost';
import type { RewriteTarget } from '../core/rewrite/rewrite';
import { ghostifyActions } from './ghostify';

export const SOURCE_REWRITE_ALL = vscode.CodeActionKind.Source.append('ghostlens').append('rewriteAll');
const KINDS = { conv: vscode.CodeActionKind.QuickFix, stage: vscode.CodeActionKind.RefactorRewrite };

/** A plan for one document version: offsets refer to `text`. */
export interface Planned {
  uri: vscode.Uri;
  version: number;
  text: string;
  settings: GhostSettings;
  plan: RewritePlan;
}

interface Cached { version: number; settings: string; plans: Map<string, Promise<Planned>> }

/** Plans rewrites in the worker, once per document version, job and settings. */
export class RewritePlanner {
  private readonly cache = new Map<string, Cached>();

  constructor(private readonly ctx: Ctx) {}

  /**
   * The plans of `jobs` for the analysed version `a` of `doc`; one worker request for those not
   * planned yet. `lane` names the request: a newer one in the same lane replaces an older one.
   */
  plans(doc: vscode.TextDocument, a: DocAnalysis, jobs: RewriteJob[], lane: string): Promise<Planned[]> {
    const g = a.result?.graph;
    if (!g) return Promise.reject(new Error('the document has no analysed model'));
    const settings = this.ctx.config.diagnostics(doc.uri).ghost;
    // ghost_modules.py goes beside a file on disk; an untitled document gets the classes inline.
    const classes = doc.uri.scheme === 'file' ? this.ctx.config.rewriteClasses(doc.uri) : 'inline';
    const skey = JSON.stringify([settings, classes, g.model, g.input]);
    const key = doc.uri.toString();
    let c = this.cache.get(key);
    if (!c || c.version !== a.version || c.settings !== skey) this.cache.set(key, c = { version: a.version, settings: skey, plans: new Map() });
    const todo = jobs.filter((j) => !c!.plans.has(jobKey(j)));
    if (todo.length) {
      const request = this.ctx.engine().run(`rewrite:${lane}:${key}`, {
        type: 'rewrite', path: enginePath(doc), text: a.text, open: unsavedDocuments(doc), model: g.model, input: g.input, settings, classes, jobs: todo,
      });
      const cached = c;
      todo.forEach((j, i) => {
        const p = request.then((plans): Planned => ({ uri: doc.uri, version: a.version, text: a.text, settings, plan: plans[i] }));
        // A failed or replaced request is planned again next time.
        p.catch(() => { if (cached.plans.get(jobKey(j)) === p) cached.plans.delete(jobKey(j)); });
        cached.plans.set(jobKey(j), p);
      });
    }
    return Promise.all(jobs.map((j) => c!.plans.get(jobKey(j))!));
  }

  forget(uri: vscode.Uri): void { this.cache.delete(uri.toString()); }
}

const planners = new WeakMap<Ctx, RewritePlanner>();
export function planner(ctx: Ctx): RewritePlanner {
  let p = planners.get(ctx);
  if (!p) planners.set(ctx, p = new RewritePlanner(ctx));
  return p;
}


const overlaps = (only: vscode.CodeActionKind, kind: vscode.CodeActionKind) => only.contains(kind) || kind.contains(only);

export class RewriteActions implements vscode.CodeActionProvider, vscode.Disposable {
  static readonly metadata: vscode.CodeActionProviderMetadata = {
    providedCodeActionKinds: [KINDS.conv, KINDS.stage, SOURCE_REWRITE_ALL],
  };
  private readonly sub: vscode.Disposable;

  constructor(private readonly ctx: Ctx) {
    this.sub = vscode.workspace.onDidCloseTextDocument((d) => planner(ctx).forget(d.uri));
  }

  dispose(): void { this.sub.dispose(); }

  async provideCodeActions(doc: vscode.TextDocument, range: vscode.Range, context: vscode.CodeActionContext, token: vscode.CancellationToken): Promise<vscode.CodeAction[]> {
    const only = context.only;
    const wantSites = !only || overlaps(only, KINDS.conv) || overlaps(only, KINDS.stage);
    // Source actions only when asked for (the Source Action menu, codeActionsOnSave): planning
    // all candidates is the costliest rewrite.
    const wantAll = only !== undefined && overlaps(only, SOURCE_REWRITE_ALL);
    if (!wantSites && !wantAll) return [];
    const a = await currentAnalysis(this.ctx, doc, token);
    if (token.isCancellationRequested) return [];
    // No model from the half-typed text: the one shown is older; say why nothing can be rewritten.
    // (A model built around the error gets the engine's own refusals per site, below.)
    const stale = a && this.ctx.results.shown(doc.uri)?.stale;
    if (stale && !a.result?.graph) return wantSites ? [this.staleAction(stale)] : [];
    if (!a?.result?.graph) return [];
    const sites = wantSites
      // A stage is a refactor, and a quick fix of its G-Ghost warning too.
      ? actionsAt(a.result.findings, doc.offsetAt(range.start), doc.offsetAt(range.end)).filter((s) => !only || overlaps(only, KINDS[s.kind]) || (s.kind === 'stage' && overlaps(only, vscode.CodeActionKind.QuickFix)))
      : [];
    const jobs: RewriteJob[] = [...sites.map((s): RewriteJob => ({ kind: 'site', target: s.target })), ...(wantAll ? [{ kind: 'all' as const }] : [])];
    if (!jobs.length) return stale && wantSites ? [this.staleAction(stale)] : [];
    let planned: Planned[];
    try {
      planned = await planner(this.ctx).plans(doc, a, jobs, 'actions');
    } catch (e) {
      if (e instanceof Cancelled) return []; // a newer request (the cursor moved) replaced this one
      throw e;
    }
    if (token.isCancellationRequested || doc.version !== a.version) return [];
    const out = sites.flatMap((s, i) => {
      const action = this.siteAction(doc, s, planned[i], context);
      const asFix = s.kind === 'stage' && action.diagnostics?.length ? [this.asQuickFix(action)] : [];
      return [...(!only || overlaps(only, KINDS[s.kind]) ? [action] : []), ...(!only || overlaps(only, vscode.CodeActionKind.QuickFix) ? asFix : [])];
    });
    // Trusted workspaces also get each rewrite with weights fitted from the trained model (ghostify.ts).
    if (this.ctx.trusted) out.push(...ghostifyActions(this.ctx, doc, sites.map((s, i) => ({ site: s, plan: planned[i].plan, settings: planned[i].settings, version: planned[i].version, kind: KINDS[s.kind] }))));
    if (wantAll) out.push(this.allAction(doc, planned[planned.length - 1]));
    return out;
  }

  /** What VS Code would get when asked explicitly (Ctrl+.) for `only` at `range`: for tests. */
  probe(doc: vscode.TextDocument, range: vscode.Range, only?: string): Promise<vscode.CodeAction[]> {
    const diagnostics = vscode.languages.getDiagnostics(doc.uri).filter((d) => d.range.intersection(range));
    const context: vscode.CodeActionContext = { diagnostics, only: only ? vscode.CodeActionKind.Empty.append(only) : undefined, triggerKind: vscode.CodeActionTriggerKind.Invoke };
    return this.provideCodeActions(doc, range, context, new vscode.CancellationTokenSource().token);
  }

  /** The stage rewrite offered on its G-Ghost warning ("Quick Fix…" in its hover). */
  private asQuickFix(a: vscode.CodeAction): vscode.CodeAction {
    const fix = new vscode.CodeAction(a.title, vscode.CodeActionKind.QuickFix);
    fix.diagnostics = a.diagnostics;
    fix.disabled = a.disabled;
    fix.command = a.command;
    fix.isPreferred = !a.disabled;
    return fix;
  }

  /** Half-typed code: the rewrites come back once the file parses; say so rather than offer nothing. */
  private staleAction(why: string): vscode.CodeAction {
    const action = new vscode.CodeAction('Rewrite into Ghost form (GhostLens)', KINDS.stage);
    action.disabled = { reason: `The file does not parse (${why}): GhostLens plans rewrites again once it does.` };
    return action;
  }

  private siteAction(doc: vscode.TextDocument, s: SiteAction, p: Planned, context: vscode.CodeActionContext): vscode.CodeAction {
    const action = new vscode.CodeAction(siteTitle(s, p.plan, p.settings), KINDS[s.kind]);
    const line = doc.positionAt(s.from).line;
    action.diagnostics = context.diagnostics.filter((d) => d.source === 'GhostLens' && d.code === CODES[s.kind] && d.range.start.line === line);
    if (p.plan.refused) action.disabled = { reason: p.plan.refused };
    else action.command = { command: 'ghostlens.rewrite', title: action.title, arguments: [doc.uri, s.target, { version: p.version }] };
    return action;
  }

  private allAction(doc: vscode.TextDocument, p: Planned): vscode.CodeAction {
    const action = new vscode.CodeAction(allTitle(p.plan), SOURCE_REWRITE_ALL);
    if (p.plan.refused) action.disabled = { reason: p.plan.refused };
    else action.command = { command: 'ghostlens.rewriteAll', title: action.title, arguments: [doc.uri, { version: p.version }] };
    return action;
  }
}

/** The analysis of the document's current version (waits for a pending one), or undefined. */
async function currentAnalysis(ctx: Ctx, doc: vscode.TextDocument, token?: vscode.CancellationToken): Promise<DocAnalysis | undefined> {
  const version = doc.version;
  const cancelled = new Promise<undefined>((r) => token?.onCancellationRequested(() => r(undefined)));
  const a = await Promise.race([ctx.analyses.settled(doc), cancelled]);
  return a && a.version === version && doc.version === version ? a : undefined;
}

// ── applying ────────────────────────────────────────────────────────────────────────────────

const warn = (msg: string): string => { void vscode.window.showWarningMessage(msg); return msg; };

const fileName = (uri: vscode.Uri) => uri.path.replace(/^.*\//, '');

function describe(job: RewriteJob): string {
  if (job.kind === 'all') return 'all Ghost candidates';
  return job.target.kind === 'stage' ? `${job.target.path} into a G-Ghost stage` : `${job.target.path} into a GhostModule`;
}

/**
 * Rewrites `job` in the document at `uri` as one WorkspaceEdit and returns what changed; a
 * refusal (the engine's reason, or the document changed since `expect.version`) is shown and
 * returned as a string.
 */
export async function runRewrite(ctx: Ctx, uri: unknown, job: RewriteJob, expect?: { version?: number }): Promise<RewriteSummary | string> {
  const doc = uri instanceof vscode.Uri ? await vscode.workspace.openTextDocument(uri)
    : vscode.window.activeTextEditor?.document.languageId === 'python' ? vscode.window.activeTextEditor.document : undefined;
  if (!doc) return warn('GhostLens: open a Python model file first.');
  const changed = () => warn(`GhostLens: ${fileName(doc.uri)} changed since the rewrite of ${describe(job)} was computed; nothing was changed. Ask for the rewrite again.`);
  if (typeof expect?.version === 'number' && doc.version !== expect.version) return changed();
  if (!isAnalyzable(doc) && !ctx.analyses.get(doc.uri)) return warn(`GhostLens: ${fileName(doc.uri)} is not a model file GhostLens analyses.`);
  const a = await currentAnalysis(ctx, doc);
  if (!a) return changed();
  if (!a.result?.graph) return warn(`GhostLens: cannot rewrite ${describe(job)}: ${a.result?.error?.message ?? a.failure ?? 'the model was not analysed'}.`);
  let p: Planned | undefined;
  // A plan shared with a code action request that a newer one replaced is planned again, once.
  for (let attempt = 0; !p; attempt++) {
    try {
      [p] = await planner(ctx).plans(doc, a, [job], 'command');
    } catch (e) {
      if (!(e instanceof Cancelled)) throw e;
      if (attempt > 0) return warn(`GhostLens: the rewrite of ${describe(job)} was replaced by a newer one; nothing was changed.`);
    }
  }
  if (p.plan.refused) return warn(`GhostLens: cannot rewrite ${describe(job)}: ${p.plan.refused}`);
  if (doc.version !== p.version || doc.getText() !== p.text) return changed();

  const edit = new vscode.WorkspaceEdit();
  const label = { label: `GhostLens: rewrite ${describe(job)}`, needsConfirmation: false };
  for (const e of p.plan.edits) edit.replace(doc.uri, new vscode.Range(doc.positionAt(e.from), doc.positionAt(e.to)), e.text, label);
  for (const f of p.plan.files) {
    const target = vscode.Uri.file(f.path);
    const old = await existing(target);
    if (old === undefined) {
      edit.createFile(target, { contents: new TextEncoder().encode(f.text) }, label);
    } else {
      // The plan extends the file as the worker read it: refuse if it is something else now.
      if (!f.text.startsWith(old.getText().trimEnd())) return changed();
      edit.replace(target, new vscode.Range(old.positionAt(0), old.positionAt(old.getText().length)), f.text, label);
    }
  }
  if (!(await vscode.workspace.applyEdit(edit, { isRefactoring: true }))) {
    return warn(`GhostLens: VS Code did not apply the rewrite of ${describe(job)} (was the file changed meanwhile?); nothing was changed.`);
  }
  return { applied: p.plan.applied, skipped: p.plan.skipped, before: p.plan.before!, after: p.plan.after!, files: p.plan.files.map((f) => f.path), title: titleOf(a, job, p) };
}

/** The title the code action for `job` has (a target without a finding is named by its path). */
function titleOf(a: DocAnalysis, job: RewriteJob, p: Planned): string {
  if (job.kind === 'all') return allTitle(p.plan);
  const t = job.target;
  const f = a.result?.findings.find((x) => x.kind === t.kind && x.data.paths.includes(t.path));
  return siteTitle(f && f.kind !== 'unknown' ? siteAction(f) : bareSite(t), p.plan, p.settings);
}

/** The open document or the file on disk at `uri`, if there is one. */
async function existing(uri: vscode.Uri): Promise<vscode.TextDocument | undefined> {
  const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
  if (open) return open;
  try { await vscode.workspace.fs.stat(uri); } catch { return undefined; }
  return vscode.workspace.openTextDocument(uri);
}

/** Reads `{kind, path}` from a command argument (the panel and tests pass plain objects). */
export function targetArg(v: unknown): RewriteTarget | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const { kind, path } = v as { kind?: unknown; path?: unknown };
  return (kind === 'stage' || kind === 'conv') && typeof path === 'string' && path ? { kind, path } : undefined;
}
