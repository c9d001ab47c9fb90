// Entry of the redundancy child process (dist/redundancyWorker.js, forked by
// core/redundancy/runner.ts): one job, then exit. onnxruntime-node stays external to the bundle.
import * as ort from 'onnxruntime-node';
import { runRedundancyJob, isInputError } from './core/redundancy/child';
import type { ChildMessage, RedundancyJob } from './core/redundancy/job';

const send = (m: ChildMessage): Promise<void> =>
  new Promise((resolve) => { if (!process.send || !process.connected) resolve(); else process.send(m, () => resolve()); });

process.env.ORT_DISABLE_TELEMETRY = '1';
// The parent going away (extension host closed, CLI killed) ends the job.
process.on('disconnect', () => process.exit(0));
process.once('message', (raw) => {
  const job = raw as RedundancyJob;
  void (async () => {
    let code = 0;
    try {
      if (!job || job.type !== 'job') throw new Error('the redundancy child got no job');
      const result = await runRedundancyJob(job, (m) => void send(m), ort);
      await send({ type: 'result', result });
    } catch (e) {
      code = 1;
      // The stack goes to stderr (the runner keeps its tail for crash reports), the message to the user.
      if (!isInputError(e)) process.stderr.write(`${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
      await send({ type: 'error', kind: isInputError(e) ? 'input' : 'failed', message: e instanceof Error ? e.message : String(e) });
    }
    process.exit(code);
  })();
});
