// Test runner loaded by the extension host through extensionTestsPath: VS Code calls run();
// resolving means exit code 0. Results also go to $GHOSTLENS_E2E_RESULTS for the harness.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Mocha from 'mocha';

const SUITES: Record<string, string[]> = {
  trusted: ['extension.test.js', 'panel.test.js', 'profile.test.js', 'rewrite.test.js', 'redundancy.test.js', 'ghostify.test.js', 'latency.test.js'],
  /** The keystroke benchmark alone (exthost-latency). */
  latency: ['latency.test.js'],
  untrusted: ['untrusted.test.js', 'panelUntrusted.test.js', 'rewriteUntrusted.test.js'],
};

export function run(): Promise<void> {
  const suite = process.env.GHOSTLENS_E2E_SUITE ?? 'trusted';
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 60_000, reporter: 'spec' });
  for (const f of SUITES[suite] ?? []) mocha.addFile(join(__dirname, f));
  const tests: { title: string; ok: boolean; ms: number; err?: string }[] = [];
  return new Promise((resolve, reject) => {
    const runner = mocha.run((failures) => {
      if (process.env.GHOSTLENS_E2E_RESULTS) writeFileSync(process.env.GHOSTLENS_E2E_RESULTS, JSON.stringify({ failures, tests }, null, 1));
      if (failures > 0 || tests.length === 0) reject(new Error(`${failures} of ${tests.length} tests failed`));
      else resolve();
    });
    runner.on('pass', (t) => tests.push({ title: t.fullTitle(), ok: true, ms: t.duration ?? 0 }));
    runner.on('fail', (t, err: Error) => tests.push({ title: t.fullTitle(), ok: false, ms: t.duration ?? 0, err: String(err?.stack ?? err).split('\n').slice(0, 8).join('\n') }));
  });
}
