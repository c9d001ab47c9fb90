// Client of the analysis engine (dist/worker.js), which runs in a child process: the engine never
// runs on the extension host's thread, and nothing it does can take the host down. A worker thread
// shares the host's process, and a fatal V8 error in it ("invalid array length", a heap limit hit
// inside one huge allocation) aborts the whole process, worker resourceLimits notwithstanding;
// a child process only ends itself (bench/isolation.mjs measures what the process costs per run).
// One request runs at a time; a newer request with the same key replaces a queued one, and a
// superseded run that does not finish within a grace period is cancelled by killing the child (a
// fresh one starts for the next request). The child starts on the first request, so activation
// does not pay for loading the engine.
import { fork, ChildProcess } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import type { WorkerRequest, WorkerReply, ResultOf, AnalysisLimits, WorkerMessage } from '../workerProtocol';
import { ENGINE_V8_FLAGS } from '../workerProtocol';

export class Cancelled extends Error {
  constructor() { super('analysis cancelled: a newer one replaced it'); }
}

/** The engine itself ended or was ended mid-run (a crash, memory, a hang): the run was stopped. */
export class EngineStopped extends Error {}

interface Job {
  id: number;
  key: string;
  req: WorkerRequest;
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  stale: boolean;
}

export interface EngineOptions {
  /** How long a superseded run may go on before the engine is ended. */
  staleGraceMs: number;
  /** Longest run before it is abandoned as hung. */
  timeoutMs: number;
  /** 'process' (the default, isolated) or 'thread' (a worker thread of this process; benchmarks). */
  isolation?: 'process' | 'thread';
  /** The analysis limits of each request (settings). */
  limits?: () => AnalysisLimits;
}

export interface EngineStats { started: number; completed: number; cancelled: number; restarts: number }

/** Either kind of engine host, behind the few calls the engine makes. */
interface Host {
  send(m: WorkerMessage): void;
  end(): void;
}

export class Engine {
  private host: Host | null = null;
  private running: Job | null = null;
  private queue: Job[] = [];
  private nextId = 1;
  private staleTimer: NodeJS.Timeout | undefined;
  private hangTimer: NodeJS.Timeout | undefined;
  readonly stats: EngineStats = { started: 0, completed: 0, cancelled: 0, restarts: 0 };

  constructor(private readonly script: string, private readonly opts: EngineOptions = { staleGraceMs: 750, timeoutMs: 60_000 }) {}

  /** Runs `req`; rejects with Cancelled when a newer request with the same key replaces it. */
  run<T extends WorkerRequest>(key: string, req: T): Promise<ResultOf[T['type']]> {
    this.cancel(key);
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, key, req, resolve: resolve as (v: unknown) => void, reject, stale: false });
      this.pump();
    });
  }

  /** Drops queued requests for `key`; a running one is cut short after the grace period. */
  cancel(key: string): void {
    for (const j of this.queue.filter((q) => q.key === key)) this.settleCancelled(j);
    this.queue = this.queue.filter((q) => q.key !== key);
    const r = this.running;
    if (r && r.key === key && !r.stale) {
      r.stale = true;
      this.staleTimer = setTimeout(() => { if (this.running === r) this.restart(new Cancelled()); }, this.opts.staleGraceMs);
    }
  }

  dispose(): void {
    for (const j of this.queue) this.settleCancelled(j);
    this.queue = [];
    if (this.running) this.settleCancelled(this.running);
    this.running = null;
    this.clearTimers();
    this.host?.end();
    this.host = null;
  }

  private settleCancelled(j: Job): void { this.stats.cancelled++; j.reject(new Cancelled()); }

  private pump(): void {
    if (this.running || !this.queue.length) return;
    const job = this.queue.shift()!;
    this.running = job;
    this.stats.started++;
    this.ensureHost().send({ id: job.id, req: job.req, limits: this.opts.limits?.() });
    this.hangTimer = setTimeout(() => {
      if (this.running === job) this.restart(new EngineStopped(`analysis stopped: it took longer than ${Math.round(this.opts.timeoutMs / 1000)} s`));
    }, this.opts.timeoutMs);
  }

  private ensureHost(): Host {
    if (this.host) return this.host;
    const h = this.opts.isolation === 'thread' ? this.startThread() : this.startProcess();
    this.host = h;
    return h;
  }

  private startProcess(): Host {
    const limits = this.opts.limits?.();
    // The V8 heap limit is a second line behind the analysis budget: a few times the budget.
    // GHOSTLENS_ENGINE_HEAP_MB sets it directly (the e2e test makes a real V8 fatal error cheap).
    const heapMb = Number(process.env.GHOSTLENS_ENGINE_HEAP_MB) || Math.min(8192, Math.max(1024, 4 * (limits?.maxMemoryMB ?? 256)));
    const child: ChildProcess = fork(this.script, [], {
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      // Inspector flags of a debugged extension host would clash in the child.
      execArgv: [`--max-old-space-size=${heapMb}`, ...ENGINE_V8_FLAGS],
      serialization: 'advanced',
    });
    let stderr = '';
    // V8's "FATAL ERROR: ..." comes before a long native stack trace: kept on its own.
    let fatal = '';
    child.stderr?.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString('utf8')).slice(-4000);
      fatal ||= /(?:FATAL ERROR|Fatal JavaScript|Fatal error)[^\n]*/.exec(stderr)?.[0] ?? '';
    });
    const host: Host = {
      send: (m) => { child.send(m, (e) => { if (e && host === this.host) this.restart(new EngineStopped(`analysis stopped: the engine could not be reached (${e.message})`)); }); },
      end: () => { child.kill('SIGKILL'); },
    };
    child.on('message', (reply: WorkerReply) => { if (host === this.host) this.onReply(reply); });
    child.on('error', (e) => { if (host === this.host) this.restart(new EngineStopped(`analysis stopped: the engine failed (${e.message})`)); });
    child.on('exit', (code, signal) => {
      if (host !== this.host) return;
      const last = oneLine(fatal || stderr.split('\n').map((l) => l.trim()).filter(Boolean).pop() || '');
      this.restart(new EngineStopped(`analysis stopped: the engine ended (${signal ?? `exit ${code}`})${last ? `: ${last}` : ''}; the next analysis starts a fresh one`));
    });
    return host;
  }

  private startThread(): Host {
    const w = new Worker(this.script, { resourceLimits: { maxOldGenerationSizeMb: 2048 } });
    const host: Host = { send: (m) => w.postMessage(m), end: () => { void w.terminate(); } };
    w.on('message', (reply: WorkerReply) => { if (host === this.host) this.onReply(reply); });
    w.on('error', (e) => { if (host === this.host) this.restart(new EngineStopped(`analysis stopped: the engine failed (${e.message})`)); });
    w.on('exit', (code) => { if (host === this.host) this.restart(new EngineStopped(`analysis stopped: the engine ended (exit ${code})`)); });
    return host;
  }

  private onReply(reply: WorkerReply): void {
    const job = this.running;
    if (!job || reply.id !== job.id) return;
    this.clearTimers();
    this.running = null;
    if (job.stale) this.settleCancelled(job);
    else if (reply.ok) { this.stats.completed++; job.resolve(reply.result); }
    else job.reject(new Error(`internal error in the analysis: ${reply.error}`));
    this.pump();
  }

  /** Ends the current engine (and its run), settles that run with `why`, and goes on with the queue. */
  private restart(why: Error): void {
    const job = this.running;
    this.running = null;
    this.clearTimers();
    const h = this.host;
    this.host = null;
    if (h) { this.stats.restarts++; h.end(); }
    if (job) { if (why instanceof Cancelled) this.settleCancelled(job); else job.reject(why); }
    this.pump();
  }

  private clearTimers(): void {
    clearTimeout(this.staleTimer);
    clearTimeout(this.hangTimer);
  }
}

/** A line of a crashed child's stderr for a message: no control characters, not too long. */
function oneLine(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f-\u009f]/g, '').slice(0, 200);
}
