// Entry of the redundancy child process (dist/redundancyWorker.js, forked by
// core/redundancy/runner.ts): one job, then exit. onnxruntime-node stays external to the bundle.
import * as ort from 'onnxruntime-node';
import { runRedundancyJob, isInputError } from './core/redundancy/child';
import type { ChildMessage, RedundancyJob } from './core/redundancy/job';
import { serveOneJob } from './core/childJob';

serveOneJob<ChildMessage>(async (raw, send) => {
  const job = raw as RedundancyJob;
  if (!job || job.type !== 'job') throw new Error('the redundancy child got no job');
  return runRedundancyJob(job, send, ort);
}, (e) => {
  // The stack goes to stderr (the runner keeps its tail for crash reports), the message to the user.
  if (!isInputError(e)) process.stderr.write(`${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
  return { type: 'error', kind: isInputError(e) ? 'input' : 'failed', message: e instanceof Error ? e.message : String(e) };
});
