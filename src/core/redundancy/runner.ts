// The caller's side of a measurement: forks the child (dist/redundancyWorker.js), hands it the
// job and waits. A crash, a hang (timeout) or a cancellation (AbortSignal) kills the child and
// never the caller; progress lines come through as they happen.
import { runChildJob, stderrTail } from '../childJob';
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
  let outcome: { result: RedundancyResult } | { error: RedundancyError } | null = null;
  let phase = 'starting';
  return runChildJob<RedundancyError>({
    workerPath, job, serialization: 'advanced', stderrChars: 16384, timeoutMs, signal: r.signal,
    onMessage: (raw) => {
      const m = raw as ChildMessage;
      if (m.type === 'progress') { phase = m.message; r.onProgress?.({ message: m.message, fraction: m.fraction }); }
      else if (m.type === 'result') outcome = { result: m.result };
      else if (m.type === 'error') outcome = { error: new RedundancyError(m.kind, m.message) };
      return outcome !== null;
    },
    stopped: (reason, detail) => {
      switch (reason) {
        case 'start': return new RedundancyError('crash', `the measuring process could not be started: ${detail}`);
        case 'error': return new RedundancyError('crash', `the measuring process failed: ${detail}`);
        case 'send': return new RedundancyError('crash', `the measuring process did not take the job: ${detail}`);
        case 'timeout': return new RedundancyError('timeout', `the measurement did not finish within ${timeoutMs < 1000 ? `${timeoutMs} ms` : `${Math.round(timeoutMs / 1000)} s`} and was stopped (last step: ${phase})`);
        case 'cancelled': return new RedundancyError('cancelled', 'the measurement was cancelled');
      }
    },
  }).then((end) => {
    if ('stopped' in end) throw end.stopped;
    const out = outcome as { result: RedundancyResult } | { error: RedundancyError } | null;
    if (out && 'result' in out) return out.result;
    if (out) throw out.error;
    const { code, signal, stderr } = end.closed;
    const tail = stderrTail(stderr);
    throw new RedundancyError('crash', `the measuring process crashed (${signal ? `killed by ${signal}` : `exit code ${code}`}) while ${phase}${tail ? `: ${tail}` : ''}`);
  });
}
