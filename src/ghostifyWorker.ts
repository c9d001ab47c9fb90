// Entry of the ghostify child process (dist/ghostifyWorker.js, forked by core/ghostify/runner.ts):
// one job, then exit. onnxruntime-node stays external to the bundle.
import * as ort from 'onnxruntime-node';
import { runGhostifyJob, isInputError } from './core/ghostify/child';
import type { GhostifyJob, GhostifyMessage } from './core/ghostify/types';
import { serveOneJob } from './core/childJob';

serveOneJob<GhostifyMessage>(async (raw, send) => {
  const job = raw as GhostifyJob;
  if (!job || job.type !== 'job') throw new Error('the ghostify child got no job');
  return runGhostifyJob(job, send, ort);
}, (e) => {
  if (!isInputError(e)) process.stderr.write(`${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
  return { type: 'error', kind: isInputError(e) ? 'input' : 'failed', message: e instanceof Error ? e.message : String(e) };
});
