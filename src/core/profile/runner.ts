// Profiling from the caller's side (CLI, editor, bench): forks the child (dist/profileWorker.js),
// hands it one job and waits, so a crash or a hang in an execution provider never takes the
// caller down. Timeout and cancellation kill the child; a child that crashed while creating a
// session with a GPU provider is run again without that provider.
import { runChildJob, stderrTail } from '../childJob';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import type { ModelGraph } from '../graph/model';
import type { ChildMessage, ErrorKind, JobRequest, OnnxSpec, ProfileJob, SourceSpec } from './job';
import { DEFAULT_PROFILE_OPTIONS, CompareResult, ProfileOptions, ProfileResult, ProviderName, ProviderNote } from './types';
import { explainProviderError } from './providers';

export type ProfileErrorKind = ErrorKind | 'timeout' | 'cancelled' | 'crash';

export class ProfileError extends Error {
  constructor(readonly kind: ProfileErrorKind, message: string, readonly notes?: ProviderNote[]) { super(message); }
}

export interface Progress { message: string; /** Share of the runs done, 0..1. */ fraction?: number }

export interface RunnerOptions {
  /** The child's bundle; default: profileWorker.js beside this bundle. */
  workerPath?: string;
  /** An onnxruntime-node package folder to use instead of the bundled one. */
  ortPath?: string | null;
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
  /** Where the job's temp folder goes (default: the OS temp folder). */
  tmpRoot?: string;
}

export function defaultWorkerPath(): string {
  return join(__dirname, 'profileWorker.js');
}

/** Profiles a .py model (exported by GhostLens in the child), and its Ghost rewrite with compareGhost. */
export function profileSource(source: SourceSpec, compareGhost: boolean, options: Partial<ProfileOptions> = {}, r: RunnerOptions = {}): Promise<ProfileResult | CompareResult> {
  return runJob({ kind: 'source', source, compareGhost }, options, r);
}

export type OnnxModel = Uint8Array | string;

/** Profiles one ONNX model (bytes or a file path); graph 'import': the child reads its stages from the file. */
export async function profileOnnx(model: OnnxModel, graph: ModelGraph | null | 'import', options: Partial<ProfileOptions> & { label?: string; input?: number[][] } = {}, r: RunnerOptions = {}): Promise<ProfileResult> {
  const res = await runJob({ kind: 'onnx', models: [spec(model, graph, options.label ?? label(model), options.input)] }, options, r);
  return res as ProfileResult;
}

/** Before/after: both models in one child, same provider and settings, runs alternating. */
export async function compare(before: OnnxModel, after: OnnxModel, graphs: { before: ModelGraph | null | 'import'; after: ModelGraph | null | 'import' }, options: Partial<ProfileOptions> & { input?: number[][] } = {}, r: RunnerOptions = {}): Promise<CompareResult> {
  const job: ProfileJob = { kind: 'onnx', models: [spec(before, graphs.before, 'before', options.input), spec(after, graphs.after, 'after', options.input)] };
  return (await runJob(job, options, r)) as CompareResult;
}

const label = (m: OnnxModel) => (typeof m === 'string' ? m.split(/[/\\]/).pop()! : 'model.onnx');
/** Bytes are written to the job's folder by runJob (path '' until then). */
const pending = new WeakMap<OnnxSpec, Uint8Array>();
function spec(m: OnnxModel, graph: ModelGraph | null | 'import', name: string, input?: number[][]): OnnxSpec {
  const s: OnnxSpec = { label: name, path: typeof m === 'string' ? m : '', graph, ...(input ? { input } : {}) };
  if (typeof m !== 'string') pending.set(s, m);
  return s;
}

/** Runs one job in a child process; retries without a provider that crashed the child. */
export async function runJob(job: ProfileJob, partial: Partial<ProfileOptions>, r: RunnerOptions = {}): Promise<ProfileResult | CompareResult> {
  const options: ProfileOptions = { ...DEFAULT_PROFILE_OPTIONS, ...partial };
  checkOptions(options);
  const workerPath = r.workerPath ?? defaultWorkerPath();
  if (!existsSync(workerPath)) throw new ProfileError('internal', `the profiler's child bundle is missing: ${workerPath} (run the build)`);
  if (r.signal?.aborted) throw new ProfileError('cancelled', 'profiling was cancelled');
  const tmpDir = mkdtempSync(join(r.tmpRoot ?? tmpdir(), 'ghostlens-profile-'));
  try {
    if (job.kind === 'onnx') {
      job.models.forEach((m, i) => {
        const bytes = pending.get(m);
        if (bytes) { m.path = join(tmpDir, `model${i}.onnx`); writeFileSync(m.path, bytes); }
      });
    }
    const deadline = Date.now() + options.timeoutMs;
    const exclude = new Map<ProviderName, string>();
    for (;;) {
      const out = await runChild(workerPath, { type: 'job', job, options, ortPath: r.ortPath ?? null, exclude: [...exclude], tmpDir }, deadline, options.timeoutMs, r);
      if ('result' in out) return out.result;
      // The child died while creating a session with a provider: try again without it.
      if (out.crashedOn && out.crashedOn !== 'cpu' && !exclude.has(out.crashedOn)) {
        exclude.set(out.crashedOn, `crashed the profiling process while creating a session (${out.how})`);
        r.onProgress?.({ message: `${out.crashedOn} crashed the profiler; trying the next provider` });
        continue;
      }
      throw out.error;
    }
  } finally {
    rmSync(tmpDir, { recursive: true, force: true });
  }
}

function checkOptions(o: ProfileOptions): void {
  const bad = (what: string) => { throw new ProfileError('internal', `invalid profile option: ${what}`); };
  if (!Number.isInteger(o.runs) || o.runs < 1) bad(`runs must be an integer ≥ 1 (got ${o.runs})`);
  if (!Number.isInteger(o.warmup) || o.warmup < 0) bad(`warmup must be an integer ≥ 0 (got ${o.warmup})`);
  if (!Number.isInteger(o.threads) || o.threads < 0) bad(`threads must be an integer ≥ 0 (got ${o.threads})`);
  if (!(o.timeoutMs > 0)) bad(`timeoutMs must be positive (got ${o.timeoutMs})`);
  if (o.profileRuns !== undefined && (!Number.isInteger(o.profileRuns) || o.profileRuns < 1)) bad(`profileRuns must be an integer ≥ 1 (got ${o.profileRuns})`);
}

type ChildOutcome =
  | { result: ProfileResult | CompareResult }
  | { error: ProfileError; crashedOn?: ProviderName; how?: string };

function runChild(workerPath: string, req: JobRequest, deadline: number, timeoutMs: number, r: RunnerOptions): Promise<ChildOutcome> {
  let outcome: ChildOutcome | null = null;
  let trying: ProviderName | null = null;
  let phase = 'starting';
  return runChildJob<ProfileError>({
    workerPath, job: req, serialization: 'json', stderrChars: 65536, timeoutMs: deadline - Date.now(), signal: r.signal,
    onMessage: (raw) => {
      const m = raw as ChildMessage;
      switch (m.type) {
        case 'progress': phase = m.message; r.onProgress?.({ message: m.message, fraction: m.fraction }); break;
        case 'trying': trying = m.provider; phase = `creating a session with ${m.provider}`; break;
        case 'session': trying = null; break;
        case 'result': outcome = { result: m.result }; break;
        case 'error': outcome = { error: new ProfileError(m.kind, m.message, m.notes) }; break;
      }
      return outcome !== null;
    },
    stopped: (reason, detail) => {
      switch (reason) {
        case 'start': return new ProfileError('crash', `the profiling process could not be started: ${detail}`);
        case 'error': return new ProfileError('crash', `the profiling process failed: ${detail}`);
        case 'send': return new ProfileError('crash', `the profiling process did not take the job: ${detail}`);
        case 'timeout': return new ProfileError('timeout', `profiling did not finish within ${Math.round(timeoutMs / 1000)} s and was stopped (last step: ${phase})`);
        case 'cancelled': return new ProfileError('cancelled', 'profiling was cancelled');
      }
    },
  }).then((end): ChildOutcome => {
    if ('stopped' in end) return { error: end.stopped };
    const { code, signal, stderr } = end.closed;
    const out = outcome as ChildOutcome | null;
    if (out) {
      // onnxruntime says why a provider failed on stderr, not in the exception.
      if ('result' in out) refine(out.result, stderr);
      else if (out.error.notes) out.error.notes.forEach((n) => refineNote(n, stderr));
      if ('error' in out && out.error.kind === 'provider' && out.error.notes) {
        const failed = out.error.notes.filter((n) => n.why.startsWith(FAILED));
        out.error.message = `no execution provider could run the model: ${failed.map((n) => `${n.name}: ${n.why.slice(FAILED.length)}`).join('; ') || 'none is listed'}`;
      }
      return out;
    }
    const how = signal ? `killed by ${signal}` : `exit code ${code}`;
    const tail = stderrTail(stderr);
    const crashedOn = trying as ProviderName | null;
    return {
      error: new ProfileError('crash', `the profiling process crashed (${how}) while ${phase}${tail ? `: ${tail}` : ''}`),
      ...(crashedOn ? { crashedOn, how } : {}),
    };
  });
}

function refine(res: ProfileResult | CompareResult, stderr: string): void {
  const rs = 'before' in res ? [res.before, res.after] : [res];
  for (const p of rs) p?.providers?.forEach((n) => refineNote(n, stderr));
}

const FAILED = 'failed to create a session: ';
function refineNote(n: ProviderNote, stderr: string): void {
  if (n.why.startsWith(FAILED)) n.why = FAILED + explainProviderError(n.name, n.why.slice(FAILED.length), stderr);
}
