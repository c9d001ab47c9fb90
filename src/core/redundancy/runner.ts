// The caller's side of a measurement: forks the child (dist/redundancyWorker.js), hands it the
// job and waits. A crash, a hang (timeout) or a cancellation (AbortSignal) kills the child and
// never the caller; progress lines come through as they happen.
import { fork, ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildMessage, RedundancyJob } from './job';
import type { RedundancyResult } from './types';

export type RedundancyErrorKind = 'input' | 'failed' | 'timeout' | 'cancelled' | 'crash';

export class RedundancyError extends Error {
  constructor(readonly kind: RedundancyErrorKind, message: string) { super(message); }
}

export interface Progress { message: string; /** Share of the batches done, 0..1. */ fraction?: number }

export interface RunnerOptions {
  /** The child's bundle; default: redundancyWorker.js beside this bundle. */
  workerPath?: string;
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
  /** Default 10 minutes. */
  timeoutMs?: number;
}

export const defaultWorkerPath = (): string => join(__dirname, 'redundancyWorker.js');

export function runChild(job: RedundancyJob, r: RunnerOptions = {}): Promise<RedundancyResult> {
  const workerPath = r.workerPath ?? defaultWorkerPath();
  if (!existsSync(workerPath)) return Promise.reject(new RedundancyError('crash', `the measuring child's bundle is missing: ${workerPath} (run the build)`));
  if (r.signal?.aborted) return Promise.reject(new RedundancyError('cancelled', 'the measurement was cancelled'));
  const timeoutMs = r.timeoutMs ?? 600_000;
  return new Promise((resolve, reject) => {
    let child: ChildProcess;
    try {
      child = fork(workerPath, [], {
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'], execArgv: [], serialization: 'advanced',
        env: { ...process.env, ORT_DISABLE_TELEMETRY: '1' },
      });
    } catch (e) {
      reject(new RedundancyError('crash', `the measuring process could not be started: ${(e as Error).message}`));
      return;
    }
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => { stderr = (stderr + d.toString('utf8')).slice(-16384); });
    child.stdout?.on('data', () => undefined);
    let outcome: { result: RedundancyResult } | { error: RedundancyError } | null = null;
    let stopped: RedundancyError | null = null;
    let phase = 'starting';
    const stop = (e: RedundancyError) => { if (!stopped && !outcome) { stopped = e; child.kill('SIGKILL'); } };
    const timer = setTimeout(() => stop(new RedundancyError('timeout', `the measurement did not finish within ${timeoutMs < 1000 ? `${timeoutMs} ms` : `${Math.round(timeoutMs / 1000)} s`} and was stopped (last step: ${phase})`)), timeoutMs);
    const onAbort = () => stop(new RedundancyError('cancelled', 'the measurement was cancelled'));
    r.signal?.addEventListener('abort', onAbort, { once: true });
    child.on('message', (raw) => {
      const m = raw as ChildMessage;
      if (m.type === 'progress') { phase = m.message; r.onProgress?.({ message: m.message, fraction: m.fraction }); }
      else if (m.type === 'result') outcome = { result: m.result };
      else if (m.type === 'error') outcome = { error: new RedundancyError(m.kind, m.message) };
    });
    child.on('error', (e) => stop(new RedundancyError('crash', `the measuring process failed: ${e.message}`)));
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      r.signal?.removeEventListener('abort', onAbort);
      if (stopped) reject(stopped);
      else if (outcome && 'result' in outcome) resolve(outcome.result);
      else if (outcome) reject(outcome.error);
      else {
        const tail = stderr.split(/\r?\n/).map((l) => l.trim()).filter(Boolean).slice(-3).join(' | ').slice(0, 600);
        reject(new RedundancyError('crash', `the measuring process crashed (${signal ? `killed by ${signal}` : `exit code ${code}`}) while ${phase}${tail ? `: ${tail}` : ''}`));
      }
    });
    child.send(job, (e) => { if (e) stop(new RedundancyError('crash', `the measuring process did not take the job: ${e.message}`)); });
  });
}
