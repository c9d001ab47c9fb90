// The mocha suite INSIDE code-server's extension host: the workbench page is opened with
// `?payload=[["extensionDevelopmentPath", …], ["extensionTestsPath", …]]` (the @vscode/test-web
// way); when the runner's run() settles the workbench calls window.codeAutomationExit(code).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { format } from 'node:util';
import type { Browser } from 'playwright-core';
import { ROOT, makeSandbox, removeSandbox, startCodeServer, stopCodeServer } from './codeServer';
import { log, SuiteResult, TestResult } from './report';

export interface ExtHostOptions {
  /** Which in-host suite (test/vscode/suite/index.ts picks the files). */
  suite: 'trusted' | 'untrusted' | 'latency';
  screenshots: string;
  timeoutMs?: number;
}

export async function runInHost(browser: Browser, opts: ExtHostOptions): Promise<SuiteResult> {
  const start = Date.now();
  const name = `exthost-${opts.suite}`;
  const trusted = opts.suite !== 'untrusted';
  const resultsFile = join(opts.screenshots, `${name}.json`);
  const sandbox = makeSandbox(name, {
    workspaceFrom: [join(ROOT, 'examples'), join(ROOT, 'test', 'vscode', 'fixtures', 'ws')],
    // Restricted Mode needs workspace trust switched on (and code-server's --disable-workspace-trust off).
    settings: trusted ? {} : { 'security.workspace.trust.enabled': true, 'security.workspace.trust.startupPrompt': 'never' },
    // A small V8 heap for the engine process: the crash test's fatal error comes in seconds.
    env: { GHOSTLENS_E2E_RESULTS: resultsFile, GHOSTLENS_E2E_SUITE: opts.suite, GHOSTLENS_ENGINE_HEAP_MB: '384' },
  });
  const result: SuiteResult = { suite: name, tests: [], ms: 0, notes: [] };
  let cs: Awaited<ReturnType<typeof startCodeServer>> | undefined;
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  let ok = false;
  try {
    cs = await startCodeServer(sandbox, { trust: trusted });
    let exit!: (code: number) => void;
    const exited = new Promise<number>((r) => { exit = r; });
    await page.exposeFunction('codeAutomationExit', (code: number) => exit(code));
    // The extension host's console (mocha's spec reporter) arrives here through the workbench.
    await page.exposeFunction('codeAutomationLog', (type: string, args: unknown[]) => {
      const line = format(...(args ?? [])).split('\n')[0];
      if (/^\s*(✔|✓|\d+\) |\d+ passing|\d+ failing|activation:|benchmark:|[A-Za-z].*:$)/.test(line) || type === 'error') log(`  [ext host] ${line}`);
    });
    const remote = (p: string) => `vscode-remote://127.0.0.1:${cs!.port}${p}`;
    const payload = [
      ['extensionDevelopmentPath', remote(ROOT)],
      ['extensionTestsPath', remote(join(ROOT, 'out', 'test', 'vscode', 'suite', 'index.js'))],
    ];
    await page.goto(cs.url(`&payload=${encodeURIComponent(JSON.stringify(payload))}`));
    const timeout = opts.timeoutMs ?? 240_000;
    let timer: NodeJS.Timeout | undefined;
    const code = await Promise.race([exited, new Promise<string>((r) => { timer = setTimeout(() => r('timeout'), timeout); })]);
    clearTimeout(timer);
    if (existsSync(resultsFile)) {
      const r = JSON.parse(readFileSync(resultsFile, 'utf8')) as { tests: TestResult[] };
      result.tests.push(...r.tests);
      for (const t of r.tests) log(`  ${t.ok ? 'ok  ' : 'FAIL'} ${t.title} (${t.ms} ms)${t.err ? `\n         ${t.err.split('\n').join('\n         ')}` : ''}`);
    }
    if (code !== 0) {
      result.notes.push(code === 'timeout' ? `no result after ${timeout / 1000} s` : `exit code ${code}`);
      if (!result.tests.some((t) => !t.ok)) result.tests.push({ title: `${name}: the suite finished`, ok: false, ms: Date.now() - start, err: result.notes[0] });
    }
    ok = code === 0 && result.tests.length > 0 && result.tests.every((t) => t.ok);
  } catch (e) {
    result.tests.push({ title: `${name}: harness`, ok: false, ms: Date.now() - start, err: e instanceof Error ? e.message : String(e) });
  } finally {
    if (!ok) await page.screenshot({ path: join(opts.screenshots, `${name}-failure.png`) }).catch(() => undefined);
    await page.close().catch(() => undefined);
    if (cs) await stopCodeServer(cs);
    if (ok) removeSandbox(sandbox);
    else log(`  sandbox kept for a look: ${sandbox.root} (code-server log: ${sandbox.log})`);
  }
  result.ms = Date.now() - start;
  return result;
}
