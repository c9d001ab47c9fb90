// The analysis engine's process: runs the engine off the extension host's process. One request at a
// time; the extension host cancels a stale run by killing this process (see editor/engine.ts). It
// also runs as a worker thread (the isolation benchmark compares the two).
import { parentPort } from 'node:worker_threads';
import { setAnalysisLimits } from './core/python/budget';
import { analyzeSource, AnalysisError, readDirective, syntaxProblems } from './core/python';
import { listEntryPoints, chooseEntry } from './core/python/entrypoints';
import { computeDiagnostics, failureFinding } from './core/analysis/diagnostics';
import { nodeHost, defaultLibraryPaths, prepareAnalysisProcess, collectInIdleTime } from './nodeHost';
import type { FileHost } from './core/python';
import { planRewrite } from './core/rewrite/plan';
import type { WorkerReply, AnalyzeRequest, AnalyzeResult, RewriteRequest, WorkerMessage, InputSource } from './workerProtocol';
import { useDiskTreeStore } from './treeStore';

/** Installed libraries' sources (site-/dist-packages, PYTHONPATH): read for imports, never run. */
const libraryPaths = defaultLibraryPaths();

/** Open documents first (unsaved edits count), then the disk. */
function hostFor(open: Record<string, string>): FileHost {
  return {
    readFile: (p) => (p in open ? open[p] : nodeHost.readFile(p)),
    isFile: (p) => p in open || nodeHost.isFile(p),
    isDir: (p) => nodeHost.isDir(p),
    newAnalysis: () => nodeHost.newAnalysis?.(),
  };
}

/** Where the input shape comes from (the comment wins over the setting, as in chooseEntry). */
function inputSource(text: string, setting: string | undefined): InputSource {
  let comment: boolean;
  try { comment = !!readDirective(text)?.input; } catch { comment = true; /* a bad input= in the comment: the analysis says so */ }
  return comment ? 'comment' : setting?.trim() ? 'setting' : 'default';
}

function analyze(req: AnalyzeRequest): AnalyzeResult {
  const t0 = performance.now();
  const facts = { syntax: syntaxProblems(req.path, req.text)[0] ?? null, inputSource: inputSource(req.text, req.entry.input) };
  const host = hostFor({ ...req.open, [req.path]: req.text });
  let choice;
  try {
    choice = chooseEntry(req.text, req.entry.pick, req.entry);
  } catch (e) {
    if (!(e instanceof AnalysisError)) throw e;
    return { graph: null, findings: [], entrySource: 'setting', error: { message: e.message, line: null }, ...facts, ms: performance.now() - t0 };
  }
  try {
    let graph;
    try {
      graph = analyzeSource(host, req.path, req.text, { ...choice.options, libraryPaths });
    } catch (e) {
      // A `model` setting is workspace-wide: in a file where it does not apply, fall back to automatic.
      if (!(e instanceof AnalysisError) || choice.source !== 'setting') throw e;
      graph = analyzeSource(host, req.path, req.text, { input: choice.options.input, libraryPaths });
      choice = { ...choice, source: 'auto' as const };
    }
    return { graph, findings: computeDiagnostics(graph, req.diagnostics), entrySource: choice.source, error: null, ...facts, ms: performance.now() - t0 };
  } catch (e) {
    if (!(e instanceof AnalysisError)) throw e;
    // The error's line may be in an imported file: place it here only when it names this file.
    const here = e.line !== null && e.message.includes(`(${req.path.replace(/^.*\//, '')}:${e.line})`);
    const f = here ? failureFinding(req.text, e.line!, e.message, req.diagnostics) : null;
    return { graph: null, findings: f ? [f] : [], entrySource: choice.source, error: { message: e.message, line: e.line }, ...facts, ms: performance.now() - t0 };
  }
}

function rewrite(req: RewriteRequest) {
  const host = hostFor({ ...req.open, [req.path]: req.text });
  return req.jobs.map((job) => planRewrite(host, req.path, req.text, job, { model: req.model, input: req.input, settings: req.settings, classes: req.classes, libraryPaths }));
}

function serve(msg: WorkerMessage): WorkerReply {
  let reply: WorkerReply;
  try {
    const { req } = msg;
    setAnalysisLimits({ maxBytes: (msg.limits?.maxMemoryMB ?? 0) * 2 ** 20, maxMs: (msg.limits?.timeLimitSeconds ?? 0) * 1000 });
    const result = req.type === 'analyze' ? analyze(req)
      : req.type === 'rewrite' ? rewrite(req)
      : listEntryPoints(hostFor({ ...req.open, [req.path]: req.text }), req.path, req.text, libraryPaths);
    reply = { id: msg.id, ok: true, result };
  } catch (e) {
    reply = { id: msg.id, ok: false, error: e instanceof Error ? `${e.message}\n${e.stack ?? ''}` : String(e) };
  }
  return reply;
}

if (parentPort) {
  const port = parentPort;
  port.on('message', (msg: WorkerMessage) => port.postMessage(serve(msg)));
} else if (process.send) {
  // Our own process: a real GC for the budget's memory check (the flag is process-wide).
  prepareAnalysisProcess();
  useDiskTreeStore();
  process.on('message', (msg: WorkerMessage) => {
    process.send!(serve(msg));
    // After the reply, off the request's path (see collectInIdleTime).
    setImmediate(collectInIdleTime);
  });
  // The extension host went away: so does the engine.
  process.on('disconnect', () => process.exit(0));
}
