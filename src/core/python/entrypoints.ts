// Entry points of a file, for the editor's "Select model entry point": the `# ghostlens:` comment,
// then what analyze.ts would try on its own (zero-argument factories, classes constructible with
// defaults), and which entry a given choice resolves to. Wraps analyze.ts; adds no semantics.
import { SourceCache } from './source';
import { Interpreter, BudgetExceeded } from './interp';
import { ModuleResolver, FileHost } from './imports';
import { entryPoints as probeEntryPoints, readDirective, parseInputSpec, AnalysisError, AnalyzeOptions, EntryPoint } from './analyze';

const cache = new SourceCache();

/** The file's entry points in the order analysis tries them (the comment's first, if any). */
export function listEntryPoints(host: FileHost, path: string, text: string, libraryPaths: string[] = []): EntryPoint[] {
  const out: EntryPoint[] = [];
  let directive: ReturnType<typeof readDirective> = null;
  try { directive = readDirective(text); } catch { /* a bad input= in the comment: analysis reports it */ }
  if (directive?.model) out.push({ expr: directive.model, kind: 'comment', line: directive.line });
  const file = cache.get(path, text);
  const resolver = new ModuleResolver(host, (p, t) => cache.get(p, t), libraryPaths);
  const it = new Interpreter(resolver);
  let scope;
  try {
    scope = resolver.runMain(it, file).scope;
  } catch (e) {
    if (e instanceof BudgetExceeded) return out;
    throw e;
  }
  for (const ep of probeEntryPoints(file, scope, it)) {
    if (out.some((o) => o.expr === ep.expr)) continue;
    out.push(ep.line > 0 ? ep : { ...ep, line: classLine(text, ep.expr) });
  }
  return out;
}

/** 1-based line of `class Name` for an entry `Name()`, 0 when not found. */
function classLine(text: string, expr: string): number {
  const name = /^([A-Za-z_]\w*)\(\)$/.exec(expr)?.[1];
  if (!name) return 0;
  const m = new RegExp(`^[ \\t]*class[ \\t]+${name}\\b`, 'm').exec(text);
  return m ? text.slice(0, m.index).split('\n').length : 0;
}

export type EntrySource = 'pick' | 'comment' | 'setting' | 'auto';

export interface EntryChoice {
  /** Who decided the model expression. */
  source: EntrySource;
  /** Options for analyzeSource: only what overrides the file's own comment. */
  options: AnalyzeOptions;
}

/**
 * Precedence (DESIGN.md, plus the editor's explicit pick): a model the user picked for this file,
 * else the `# ghostlens: model=` comment, else the `model` setting, else automatic. The input
 * shape: the comment's, else the setting's, else analysis' default.
 */
export function chooseEntry(text: string, pick?: string, setting: { model?: string; input?: string } = {}): EntryChoice {
  let directive: ReturnType<typeof readDirective> = null;
  try { directive = readDirective(text); } catch (e) { if (!(e instanceof AnalysisError)) throw e; }
  const options: AnalyzeOptions = {};
  let source: EntrySource = 'auto';
  if (pick) { options.model = pick; source = 'pick'; }
  else if (directive?.model) source = 'comment';
  else if (setting.model?.trim()) { options.model = setting.model.trim(); source = 'setting'; }
  if (!directive?.input && setting.input?.trim()) options.input = parseInputSpec(setting.input.trim());
  return { source, options };
}
