// `ghostlens` command line: the same core as the editor, for terminals and CI.
import { readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { resolve, dirname, join } from 'node:path';
import { analyzeSource, AnalysisError, parseInputSpec, syntaxProblems } from '../core/python';
import { nodeHost, defaultLibraryPaths, prepareAnalysisProcess } from './nodeHost';
import { toJson, renderTable, fmtMacs, fmtInt } from '../views/report';
import { rewriteSource, RewriteError, RewriteTarget } from '../core/rewrite/rewrite';
import { createTwoFilesPatch } from 'diff';
import { writeFilesAtomically, FileToWrite, WriteError, describeFsError, checkWritable } from './safeWrite';
import { EXPORT_USAGE, PROFILE_USAGE, REDUNDANCY_USAGE, GHOSTIFY_USAGE } from './usage';
import { UsageError, parseCommand, intOption, numberOption, sanitize, terminalSafe, readSource } from './common';
import { setAnalysisLimits } from '../core/python/budget';
import { useDiskTreeStore } from '../treeStore';
import { CLI_V8_FLAGS } from './v8flags';

const USAGE = `usage: ghostlens <command> [options]

commands:
  analyze FILE [--model EXPR] [--input 1x3x224x224] [--json] [--depth N]
      Shapes, parameters and MACs per layer and stage of a PyTorch model file,
      computed statically (no Python, no torch). FILE may be an exported MODEL.onnx:
      modules from its node names, parameters as the file holds them.

  rewrite FILE [--model EXPR] (--conv PATH | --stage PATH | --all) [--ratio S] [--lambda L]
          [--diff | --in-place | -o OUT] [--classes inline|module]
      Rewrite convs into C-Ghost modules (--conv, repeatable) and stages into G-Ghost stages
      (--stage, repeatable), or every candidate (--all). Prints the new file, a unified diff
      (--diff), writes it back (--in-place) or to OUT (-o). A summary goes to stderr.
      --classes module puts GhostModule/GGhostStage in ghost_modules.py beside FILE, imported.

${EXPORT_USAGE}
${PROFILE_USAGE}
${REDUNDANCY_USAGE}
${GHOSTIFY_USAGE}
options:
  --model EXPR   Python expression evaluated in the file's namespace (e.g. 'resnet50()')
  --input SHAPE  input shape(s), e.g. 1x3x224x224 (several: 1x3x64x64,1x10)
  --json         machine-readable output (schema in the README)
  --depth N      table depth (default 3; 0 = all)
  --max-memory MB  memory one analysis may hold (default 256); a single value over an eighth of
                 it becomes an unknown with its line, going over it stops the analysis
  --time-limit S   longest one analysis may run (default 5 s of CPU time; 4x that in wall time)
`;

export { UsageError };

/**
 * Subcommands: each takes its arguments and returns the exit code (profiling is async). The
 * ONNX-based ones are imported on first use: onnx-proto and the ONNX code took ~25 ms of every
 * `ghostlens analyze` process (bench/analyze.mjs's whole-process figure) that never used them.
 */
const COMMANDS: Record<string, (args: string[]) => number | Promise<number>> = {
  analyze: (a) => analyze(a),
  rewrite: (a) => rewrite(a),
  export: async (a) => (await import('./export')).exportCommand(a),
  profile: async (a) => (await import('./profile')).profileCommand(a),
  redundancy: async (a) => (await import('./redundancy')).redundancyCommand(a),
  ghostify: async (a) => (await import('./ghostify')).ghostifyCommand(a),
};

export async function main(argv: string[]): Promise<number> {
  try {
    const [cmd, ...rest] = takeLimits(argv);
    if (cmd === undefined || cmd === '-h' || cmd === '--help' || cmd === 'help') {
      process.stdout.write(USAGE);
      return cmd === undefined ? 2 : 0;
    }
    const run = Object.hasOwn(COMMANDS, cmd) ? COMMANDS[cmd] : undefined;
    if (!run) throw new UsageError(`unknown command '${cmd}' (try: ghostlens analyze FILE)`);
    return await run(rest);
  } catch (e) {
    // Every failure: one line, its real cause, exit 2 (never a stack trace).
    process.stderr.write(`ghostlens: ${sanitize(failureMessage(e))}\n`);
    return 2;
  }
}

/**
 * `--max-memory MB` and `--time-limit S`, taken out of the arguments of any command: the budget
 * of each analysis the command runs (core/python/budget.ts; defaults 256 MB and 5 s).
 */
function takeLimits(argv: string[]): string[] {
  const out: string[] = [];
  let maxMB: number | undefined, seconds: number | undefined;
  for (let i = 0; i < argv.length; i++) {
    const m = /^--(max-memory|time-limit)(?:=(.*))?$/.exec(argv[i]);
    if (!m) { out.push(argv[i]); continue; }
    const value = m[2] ?? argv[++i];
    if (m[1] === 'max-memory') maxMB = intOption('max-memory', value ?? '', 16, 1_000_000);
    else seconds = numberOption('time-limit', value ?? '', 86_400);
  }
  setAnalysisLimits({ maxBytes: maxMB !== undefined ? maxMB * 2 ** 20 : undefined, maxMs: seconds !== undefined ? seconds * 1000 : undefined });
  return out;
}

/** What went wrong, in the user's terms: our own errors as they are, the system's in words. */
export function failureMessage(e: unknown): string {
  if (e instanceof UsageError || e instanceof AnalysisError || e instanceof RewriteError || e instanceof WriteError) return e.message;
  const errno = e as NodeJS.ErrnoException;
  if (errno && typeof errno.code === 'string' && typeof errno.syscall === 'string') {
    return describeFsError(e, errno.syscall === 'open' || errno.syscall === 'read' ? 'read' : errno.syscall, errno.path ?? '');
  }
  if (e instanceof RangeError) return `too large to handle: ${e.message}`;
  return `internal error: ${e instanceof Error ? e.message : String(e)}`;
}

async function analyze(args: string[]): Promise<number> {
  const { values, file, path } = parseCommand(args,
    { model: { type: 'string' }, input: { type: 'string' }, json: { type: 'boolean' }, depth: { type: 'string' } },
    'analyze needs a FILE (a .py model definition or an exported .onnx model)');
  const input = values.input ? parseInputSpec(values.input) : undefined;
  let graph;
  if (/\.onnx$/i.test(path)) {
    // An exported model: modules, shapes, params and MACs read from the file (core/onnx/import).
    if (values.model) throw new UsageError('--model applies to .py files, not to an ONNX model');
    const { onnxToGraph, OnnxImportError } = await import('../core/onnx/import');
    try {
      graph = onnxToGraph(readFileSync(path), file, { input });
    } catch (e) {
      if (e instanceof OnnxImportError) throw new UsageError(`${file}: ${e.message}`);
      throw e;
    }
  } else {
    const text = readSource(path, file);
    // The editor works on half-typed code; the CLI insists on a file that parses.
    const bad = syntaxProblems(path, text)[0];
    if (bad) throw new UsageError(`${file}:${bad.line}: ${bad.message}`);
    graph = analyzeSource(nodeHost, path, text, { model: values.model, input, libraryPaths: defaultLibraryPaths() });
  }
  if (values.json) process.stdout.write(JSON.stringify(toJson(graph), null, 1) + '\n');
  else {
    const depth = intOption('depth', values.depth, 0, 1000) ?? 3;
    process.stdout.write(terminalSafe(renderTable(graph, depth, process.stdout.isTTY === true), process.stdout.isTTY === true));
  }
  return 0;
}

function rewrite(args: string[]): number {
  const { values: v, file, path } = parseCommand(args, {
    model: { type: 'string' }, input: { type: 'string' }, conv: { type: 'string', multiple: true }, stage: { type: 'string', multiple: true },
    all: { type: 'boolean' }, ratio: { type: 'string' }, lambda: { type: 'string' }, diff: { type: 'boolean' },
    'in-place': { type: 'boolean' }, output: { type: 'string', short: 'o' }, classes: { type: 'string' },
  }, 'rewrite needs a FILE');
  const targets: RewriteTarget[] = [...(v.stage ?? []).map((p) => ({ kind: 'stage' as const, path: p })), ...(v.conv ?? []).map((p) => ({ kind: 'conv' as const, path: p }))];
  if (!targets.length && !v.all) throw new UsageError('name what to rewrite: --conv PATH, --stage PATH or --all');
  if ([v.diff, v['in-place'], v.output !== undefined].filter(Boolean).length > 1) throw new UsageError('choose one of --diff, --in-place, -o');
  const ratio = intOption('ratio', v.ratio, 2, 64);
  const lambda = v.lambda !== undefined ? (/^\d*\.?\d+$/.test(v.lambda) ? Number(v.lambda) : NaN) : undefined;
  if (lambda !== undefined && !(lambda > 0 && lambda < 1)) throw new UsageError('--lambda must be between 0 and 1');
  if (v.classes !== undefined && v.classes !== 'module' && v.classes !== 'inline') throw new UsageError('--classes is inline or module');
  if (v.output !== undefined) checkWritable(resolve(v.output));
  if (v['in-place']) checkWritable(path);
  if (v.classes === 'module' && !v.diff) checkWritable(join(dirname(path), 'ghost_modules.py'));
  const text = readSource(path, file);
  const bad = syntaxProblems(path, text)[0];
  if (bad) throw new UsageError(`${file}:${bad.line}: ${bad.message}`);
  const r = rewriteSource(nodeHost, path, text, {
    model: v.model, input: v.input ? parseInputSpec(v.input) : undefined, targets, all: v.all, libraryPaths: defaultLibraryPaths(),
    settings: { ...(ratio !== undefined ? { ratio } : {}), ...(lambda !== undefined ? { lambda } : {}) },
    classes: v.classes === 'module' ? 'module' : 'inline',
  });
  for (const a of r.applied) process.stderr.write(`rewrote ${a.kind} ${a.path}: ${a.detail}\n`);
  for (const s of r.skipped) process.stderr.write(`skipped ${s.kind} ${s.path}: ${s.reason}\n`);
  for (const n of r.notes) process.stderr.write(`note: ${n}\n`);
  if (!r.edits.length) throw new RewriteError('nothing was rewritten');
  if (r.after) {
    const pct = (a: number | null, b: number | null) => (a && b !== null ? `${(((b - a) / a) * 100).toFixed(1)}%` : '?');
    process.stderr.write(`params ${fmtInt(r.before.params)} → ${fmtInt(r.after.params)} (${pct(r.before.params, r.after.params)}), ` +
      `MACs ${fmtMacs(r.before.macs)} → ${fmtMacs(r.after.macs)} (${pct(r.before.macs, r.after.macs)}), ` +
      `outputs ${JSON.stringify(r.after.outputs) === JSON.stringify(r.before.outputs) ? 'unchanged' : 'CHANGED'}\n`);
  }
  // The classes' module is written unless only a diff is asked for (then it is part of the diff).
  // It and the rewritten file are written together or not at all (safeWrite.ts).
  if (v.diff) {
    for (const f of r.files) process.stdout.write(createTwoFilesPatch(f.path, f.path, nodeHost.readFile(f.path) ?? '', f.text));
    process.stdout.write(createTwoFilesPatch(file, file, text, r.text));
    return 0;
  }
  const writes: FileToWrite[] = r.files.map((f) => ({ path: f.path, data: f.text, within: dirname(path) }));
  const target = v['in-place'] ? path : v.output !== undefined ? resolve(v.output) : null;
  if (target) writes.push({ path: target, data: r.text });
  writeFilesAtomically(writes);
  for (const f of r.files) process.stderr.write(`wrote ${f.path}\n`);
  if (!target) process.stdout.write(r.text);
  return 0;
}

/** Runs the command of process.argv and exits (the launcher, dist/cli.js, calls it; see launch.ts). */
export function runCli(): void {
  // Already set by the launcher; here for the bundle run directly (`node dist/cliMain.js`).
  for (const f of CLI_V8_FLAGS) { try { setFlagsFromString(f); } catch { /* tuning only */ } }
  prepareAnalysisProcess();
  useDiskTreeStore();
  void main(process.argv.slice(2)).then(exitWhenFlushed);
}

if (require.main === module) runCli();

/**
 * Ends the process once stdout and stderr have written everything: a command returns only after
 * its own work (children, files) is done, and letting the runtime wind down by itself took another
 * 20–60 ms of a 0.5 s `ghostlens analyze` (bench/analyze.mjs's whole-process figure).
 */
function exitWhenFlushed(code: number): void {
  process.exitCode = code;
  const pending = [process.stdout, process.stderr].filter((s) => s.writableLength > 0);
  if (!pending.length) process.exit(code);
  let left = pending.length;
  for (const s of pending) s.once('drain', () => { if (--left === 0) process.exit(code); });
}
