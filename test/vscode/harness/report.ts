// Results of the suites in a real VS Code, and the log lines the harness prints.
export interface TestResult { title: string; ok: boolean; ms: number; err?: string }
export interface SuiteResult { suite: string; tests: TestResult[]; ms: number; notes: string[] }

const t0 = Date.now();
export function log(...parts: unknown[]): void {
  console.log(`[e2e ${((Date.now() - t0) / 1000).toFixed(1).padStart(5)} s]`, ...parts);
}

/** Runs one named check, recording it in `into`; a failure is recorded and rethrown. */
export async function check<T>(into: TestResult[], title: string, fn: () => Promise<T>): Promise<T> {
  const start = Date.now();
  try {
    const v = await fn();
    into.push({ title, ok: true, ms: Date.now() - start });
    log(`  ok   ${title} (${Date.now() - start} ms)`);
    return v;
  } catch (e) {
    const err = e instanceof Error ? e.message.split('\n').slice(0, 6).join('\n') : String(e);
    into.push({ title, ok: false, ms: Date.now() - start, err });
    log(`  FAIL ${title}: ${err}`);
    throw e;
  }
}
