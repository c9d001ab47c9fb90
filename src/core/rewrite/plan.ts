// The exact rewrite behind a code action: rewriteSource on the document's text, its refusals as
// reasons, and the model's figures before and after (the analysis of the rewritten file).
import { AnalysisError, syntaxProblems } from '../python/live';
import type { FileHost } from '../python/imports';
import type { GhostSettings } from '../analysis/ghost';
import { rewriteSource, RewriteError } from './rewrite';
import type { RewriteJob, RewritePlan, Totals } from './actions';

const GHOST = new Set(['GhostModule', 'GGhostStage']);

export interface PlanOptions {
  model?: string;
  input?: number[][];
  settings?: Partial<GhostSettings>;
  classes?: 'inline' | 'module';
  libraryPaths?: string[];
}

/**
 * The rewrite `job` would make of `text`, or why it is refused. Never throws for bad input: a
 * half-typed file, a model that does not build or a site the engine cannot rewrite is a refusal.
 */
export function planRewrite(host: FileHost, path: string, text: string, job: RewriteJob, opts: PlanOptions = {}): RewritePlan {
  const refuse = (why: string, before: Totals | null = null): RewritePlan => ({ job, refused: why, edits: [], files: [], applied: [], skipped: [], rewritten: [], before, after: null });
  // The result of a rewrite must parse: in a file that does not parse now, it could not.
  const bad = syntaxProblems(path, text)[0];
  if (bad) return refuse(`line ${bad.line} has a ${bad.message}; finish the code first`);
  let r;
  try {
    r = rewriteSource(host, path, text, {
      model: opts.model, input: opts.input, libraryPaths: opts.libraryPaths, settings: opts.settings, classes: opts.classes,
      ...(job.kind === 'all' ? { all: true } : { targets: [job.target] }),
    });
  } catch (e) {
    if (e instanceof RewriteError) return refuse(e.message);
    if (e instanceof AnalysisError) return refuse(`the model does not build: ${e.message}`);
    throw e;
  }
  const before = { params: r.before.params, macs: r.before.macs };
  const plan: RewritePlan = {
    job, refused: null, edits: r.edits, files: r.files, applied: r.applied, skipped: r.skipped, rewritten: [], before,
    after: r.after ? { params: r.after.params, macs: r.after.macs } : null,
  };
  if (r.after) {
    const was = new Map(r.before.modules.map((m) => [m.path, m.type]));
    plan.rewritten = r.after.modules.filter((m) => GHOST.has(m.type) && was.has(m.path) && !GHOST.has(was.get(m.path)!)).map((m) => m.path);
  }
  if (!r.edits.length || !r.after) {
    plan.refused = r.skipped.length ? r.skipped.map((s) => (job.kind === 'all' ? `${s.path}: ${s.reason}` : s.reason)).join('; ') : 'nothing to rewrite';
    plan.edits = [];
    plan.files = [];
  }
  return plan;
}

