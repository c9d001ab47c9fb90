// Entry of the profiling child process (dist/profileWorker.js, forked by core/profile/runner.ts):
// one job per process, then exit. onnxruntime-node stays external to the bundle.
import { runJob, JobError } from './core/profile/child';
import type { ChildMessage, JobRequest } from './core/profile/job';
import { serveOneJob } from './core/childJob';

serveOneJob<ChildMessage>(async (raw, send) => {
  const req = raw as JobRequest;
  if (!req || req.type !== 'job') throw new JobError('internal', 'the profiler child got no job');
  return runJob(req, send);
}, (e) => (e instanceof JobError
  ? { type: 'error', kind: e.kind, message: e.message, notes: e.notes }
  : { type: 'error', kind: 'internal', message: e instanceof Error ? `${e.message}\n${e.stack ?? ''}` : String(e) }));
