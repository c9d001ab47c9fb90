// Client of the analysis worker (dist/worker.js): the engine never runs on the extension host's
// thread. One request runs at a time; a newer request with the same key replaces a queued one, and
// a superseded run that does not finish within a grace period is cancelled by terminating the
// worker (a fresh one starts for the next request). The worker starts on the first request, so
// activation does not pay for loading the engine.
import { Worker } from 'node:worker_threads';
import type { WorkerRequest, WorkerReply, ResultOf } from '../workerProtocol';

export class Cancelled extends Error {
  constructor() { super('analysis cancelled: a newer one replaced it'); }
}

interface Job {
  id: number;
  key: string;
  req: WorkerRequest;
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  stale: boolean;
}

export interface EngineOptions {
  /** How long a superseded run may go on before the worker is terminated. */
  staleGraceMs: number;
  /** Longest run before it is abandoned as hung. */
  timeoutMs: number;
}

export interface EngineStats { started: number; completed: number; cancelled: number; restarts: number }

export class Engine {
  private worker: Worker | null = null;
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
    void this.worker?.terminate();
    this.worker = null;
  }

  private settleCancelled(j: Job): void { this.stats.cancelled++; j.reject(new Cancelled()); }

  private pump(): void {
    if (this.running || !this.queue.length) return;
    const job = this.queue.shift()!;
    this.running = job;
    this.stats.started++;
    this.ensureWorker().postMessage({ id: job.id, req: job.req });
    this.hangTimer = setTimeout(() => {
      if (this.running === job) this.restart(new Error(`analysis took longer than ${Math.round(this.opts.timeoutMs / 1000)} s and was stopped`));
    }, this.opts.timeoutMs);
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(this.script, { resourceLimits: { maxOldGenerationSizeMb: 2048 } });
    w.on('message', (reply: WorkerReply) => { if (w === this.worker) this.onReply(reply); });
    w.on('error', (e) => { if (w === this.worker) this.restart(new Error(`analysis worker failed: ${e.message}`)); });
    w.on('exit', (code) => { if (w === this.worker) this.restart(new Error(`analysis worker exited (${code})`)); });
    this.worker = w;
    return w;
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

  /** Ends the current worker (and its run), settles that run with `why`, and goes on with the queue. */
  private restart(why: Error): void {
    const job = this.running;
    this.running = null;
    this.clearTimers();
    const w = this.worker;
    this.worker = null;
    if (w) { this.stats.restarts++; void w.terminate(); }
    if (job) { if (why instanceof Cancelled) this.settleCancelled(job); else job.reject(why); }
    this.pump();
  }

  private clearTimers(): void {
    clearTimeout(this.staleTimer);
    clearTimeout(this.hangTimer);
  }
}
