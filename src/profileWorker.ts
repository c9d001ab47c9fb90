// Entry of the profiling child process (dist/profileWorker.js, forked by core/profile/runner.ts):
// one job per process, then exit. onnxruntime-node stays external to the bundle.
import { runJob, JobError } from './core/profile/child';
import type { ChildMessage, JobRequest } from './core/profile/job';

const send = (m: ChildMessage): Promise<void> =>
  new Promise((resolve) => { if (!process.send || !process.connected) resolve(); else process.send(m, () => resolve()); });

process.env.ORT_DISABLE_TELEMETRY = '1';
// The parent going away (extension host closed, CLI killed) ends the job.
process.on('disconnect', () => process.exit(0));
process.once('message', (raw) => {
  const req = raw as JobRequest;
  void (async () => {
    let code = 0;
    try {
      if (!req || req.type !== 'job') throw new JobError('internal', 'the profiler child got no job');
      const result = await runJob(req, (m) => void send(m));
      await send({ type: 'result', result });
    } catch (e) {
      code = 1;
      if (e instanceof JobError) await send({ type: 'error', kind: e.kind, message: e.message, notes: e.notes });
      else await send({ type: 'error', kind: 'internal', message: e instanceof Error ? `${e.message}\n${e.stack ?? ''}` : String(e) });
    }
    process.exit(code);
  })();
});
