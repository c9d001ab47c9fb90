// One job in a child process (profiling, measuring redundancy): both sides of it. The caller
// forks the worker bundle, sends the job, streams its messages and ends on the child's close, a
// deadline or a cancellation, killing the child and never itself. The child serves one job and exits.
import { fork, ChildProcess } from 'node:child_process';

/** Why the caller stopped waiting: the child could not start, failed, refused the job, ran too long, or was cancelled. */
export type StopReason = 'start' | 'error' | 'send' | 'timeout' | 'cancelled';

export interface ChildJobOptions<E> {
  workerPath: string;
  job: unknown;
  serialization: 'json' | 'advanced';
  /** How much of the child's stderr to keep (its tail). */
  stderrChars: number;
  /** Milliseconds from now before the child is killed. */
  timeoutMs: number;
  signal?: AbortSignal;
  /** Each message; true once it was the child's final outcome (a kill after that is no stop). */
  onMessage(m: unknown): boolean;
  /** The caller's error for a stop, made when it happens (`detail`: the system's message). */
  stopped(reason: StopReason, detail: string): E;
}

export type ChildJobEnd<E> =
  | { stopped: E }
  | { closed: { code: number | null; signal: NodeJS.Signals | null; stderr: string } };

export function runChildJob<E>(o: ChildJobOptions<E>): Promise<ChildJobEnd<E>> {
  return new Promise((resolve) => {
    let child: ChildProcess;
    try {
      child = fork(o.workerPath, [], {
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
        // Inspector flags of the host (a debugged extension host) would clash in the child.
        execArgv: [],
        env: { ...process.env, ORT_DISABLE_TELEMETRY: '1' },
        serialization: o.serialization,
      });
    } catch (e) {
      resolve({ stopped: o.stopped('start', (e as Error).message) });
      return;
    }
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => { stderr = (stderr + d.toString('utf8')).slice(-o.stderrChars); });
    child.stdout?.on('data', () => undefined);
    let final = false;
    let stopped: E | null = null;
    const stop = (reason: StopReason, detail = '') => {
      if (stopped === null && !final) { stopped = o.stopped(reason, detail); child.kill('SIGKILL'); }
    };
    const timer = setTimeout(() => stop('timeout'), Math.max(0, o.timeoutMs));
    const onAbort = () => stop('cancelled');
    o.signal?.addEventListener('abort', onAbort, { once: true });
    child.on('message', (m) => { if (o.onMessage(m)) final = true; });
    child.on('error', (e) => stop('error', e.message));
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      o.signal?.removeEventListener('abort', onAbort);
      resolve(stopped !== null ? { stopped } : { closed: { code, signal, stderr } });
    });
    child.send(o.job as never, (e) => { if (e) stop('send', e.message); });
  });
}

/** The last lines of a child's stderr, for a crash report. */
export function stderrTail(s: string): string {
  const lines = s.split(/\r?\n/).map((l) => l.replace(/\x1b\[[0-9;]*m/g, '').trim()).filter(Boolean);
  return lines.slice(-3).join(' | ').slice(0, 600);
}

/**
 * The child's side: takes the first message as its job, runs it (`send` reports progress), sends
 * the result or `failure(e)`, and exits (1 after a failure). The parent going away (extension host
 * closed, CLI killed) ends the job.
 */
export function serveOneJob<M>(run: (job: unknown, send: (m: M) => void) => Promise<unknown>, failure: (e: unknown) => M): void {
  const send = (m: M | { type: 'result'; result: unknown }): Promise<void> =>
    new Promise((resolve) => { if (!process.send || !process.connected) resolve(); else process.send(m, () => resolve()); });
  process.env.ORT_DISABLE_TELEMETRY = '1';
  process.on('disconnect', () => process.exit(0));
  process.once('message', (raw) => {
    void (async () => {
      let code = 0;
      try {
        const result = await run(raw, (m) => void send(m));
        await send({ type: 'result', result });
      } catch (e) {
        code = 1;
        await send(failure(e));
      }
      process.exit(code);
    })();
  });
}
