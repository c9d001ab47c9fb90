// The panel's page on its own in Chromium: dist/webview/panel.js under the same HTML and CSP the
// extension serves (src/editor/panelHtml.ts), with VS Code's webview API stubbed. The host's side
// is played by the test: it posts a real analysis of examples/resnet_cifar.py, a before/after
// Ghost profile and a redundancy measurement with known figures, and checks what the page shows
// and what it posts back. Runs without code-server, and covers what the panel shows for results
// whose commands a build may not have yet.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { ROOT } from './codeServer';
import { check, log, SuiteResult } from './report';
import { panelHtml } from '../../../src/editor/panelHtml';
import { analyzeSource } from '../../../src/core/python';
import { nodeHost } from '../../../src/cli/nodeHost';
import { DEFAULT_GHOST } from '../../../src/core/analysis/ghost';
import { fmtMs } from '../../../src/views/format';
import { panelView } from '../../../src/views/panelView';
import type { HostMessage } from '../../../src/protocol';
import type { CompareResult, ProfileResult } from '../../../src/core/profile/types';
import type { RedundancyResult } from '../../../src/core/redundancy/types';

const ORIGIN = 'http://ghostlens.test';
const DIST = join(ROOT, 'dist', 'webview');
const TYPES: Record<string, string> = { js: 'text/javascript', css: 'text/css', ttf: 'font/ttf' };
/** A few of the variables VS Code's dark theme gives a webview, so the screenshots look like the panel. */
const DARK = `:root { --vscode-font-family: system-ui, sans-serif; --vscode-font-size: 13px; --vscode-foreground: #cccccc;
  --vscode-editor-background: #1f1f1f; --vscode-descriptionForeground: #9d9d9d; --vscode-focusBorder: #0078d4;
  --vscode-charts-blue: #3794ff; --vscode-charts-green: #89d185; --vscode-panel-border: #2b2b2b; --vscode-editorWidget-border: #454545;
  --vscode-list-inactiveSelectionBackground: #37373d; --vscode-editorWarning-foreground: #cca700; --vscode-errorForeground: #f85149; }
`;

/** VS Code's webview API, stubbed: posts are recorded, the state survives a reload. */
const STUB = `
window.__posted = [];
window.acquireVsCodeApi = () => ({
  postMessage: (m) => window.__posted.push(JSON.parse(JSON.stringify(m))),
  getState: () => { const s = sessionStorage.getItem('state'); return s ? JSON.parse(s) : undefined; },
  setState: (s) => sessionStorage.setItem('state', JSON.stringify(s)),
});
document.addEventListener('DOMContentLoaded', () => document.body.classList.add('vscode-dark'));
`;

export async function runWebviewPage(browser: Browser, screenshots: string): Promise<SuiteResult> {
  const start = Date.now();
  const result: SuiteResult = { suite: 'ui-webview', tests: [], ms: 0, notes: [] };
  const t = result.tests;
  const context = await browser.newContext({ viewport: { width: 1300, height: 1000 } });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') problems.push(m.text()); });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  await context.addInitScript(STUB);
  await context.route(`${ORIGIN}/**`, async (route) => {
    const name = new URL(route.request().url()).pathname.slice(1);
    if (name === 'index.html') {
      const body = panelHtml({ cspSource: ORIGIN, nonce: 'dGVzdG5vbmNldGVzdG5vbmNl', title: 'GhostLens', scriptUri: `${ORIGIN}/panel.js`, styleUri: `${ORIGIN}/panel.css` });
      return route.fulfill({ contentType: 'text/html', body });
    }
    if (!/^(panel\.js|panel\.css|codicon\.ttf)$/.test(name)) return route.fulfill({ status: 404, body: '' });
    const body = readFileSync(join(DIST, name));
    return route.fulfill({ contentType: TYPES[name.split('.').pop()!], body: name === 'panel.css' ? Buffer.concat([Buffer.from(DARK), body]) : body });
  });

  const file = join(ROOT, 'examples', 'resnet_cifar.py');
  const graph = analyzeSource(nodeHost, file, readFileSync(file, 'utf8'));
  const stageMs = graph.stages.map((_, i) => 0.4 - 0.05 * i);
  const profile = (k: number): ProfileResult => ({
    model: graph.model, input: graph.input, provider: 'cpu', threads: 2, onnxruntimeVersion: '1.30.0',
    providers: [{ name: 'cpu', listed: true, used: true, why: 'forced by the panel' }, { name: 'cuda', listed: true, used: false, why: 'libcudart.so.12 not found' }],
    times: Array.from({ length: 40 }, (_, i) => k * (1.2 + (i % 8) * 0.02)),
    stats: { runs: 40, mean: 1.27 * k, stdev: 0.05 * k, min: 1.2 * k, p50: 1.26 * k, p90: 1.33 * k, p99: 1.34 * k, max: 1.34 * k },
    layers: graph.modules.filter((m) => m.leaf).map((m) => ({ path: m.path, ms: 0.003 * k, share: 0.003, nodes: 1 })),
    stages: graph.stages.map((s, i) => ({ path: s.path, ms: stageMs[i] * k, share: stageMs[i] / 1.2, nodes: 60 })), nodeTotalMs: 1.2 * k,
  });
  const compare: CompareResult = {
    before: profile(1), after: profile(0.7), ratio: 0.7,
    stages: graph.stages.map((s, i) => ({ path: s.path, beforeMs: stageMs[i], afterMs: stageMs[i] * 0.7, ratio: 0.7 })),
  };
  const redundancy: RedundancyResult = {
    model: 'resnet56.onnx', provider: 'cpu', peakRssBytes: 300 * 2 ** 20, notes: ['random inputs, explicitly: structure, not trained behaviour'],
    calibration: { kind: 'random', source: 'random (32 samples)', samples: 32, fit: 24, test: 8 },
    stages: graph.stages.map((s, i) => ({ stage: s.path, firstBlock: s.blocks[0], blocks: s.blocks.slice(1).map((b, j) => ({ path: b, relError: 0.02 * (j + 1) + 0.1 * i, channels: s.outChannels })) })),
    layers: [{ path: 'layer1.0.conv1', channels: 16, cosineHistogram: [5, 3, 1, 1], meanAbsCosine: 0.31, nearDuplicateShare: 0.5, threshold: 0.9, ghostReconError: 0.12, ratio: 2 }],
  };
  // Page functions as strings: the harness compiles without the DOM library.
  const send = (p: Page, m: HostMessage | unknown) => p.evaluate(`window.postMessage(${JSON.stringify(m)}, '*')`);
  const posted = (p: Page) => p.evaluate('window.__posted') as Promise<{ type: string }[]>;
  /** Polls from here (waitForFunction would eval in the page, which its CSP rightly refuses). */
  const until = async (p: Page, ok: (msgs: { type: string }[]) => boolean, what: string) => {
    for (const end = Date.now() + 10_000; Date.now() < end; await p.waitForTimeout(50)) if (ok(await posted(p))) return;
    throw new Error(`timed out waiting for ${what}`);
  };
  const cells = (p: Page, tab: string, path: string) => p.locator(`#content-${tab} vscode-data-grid-row[data-path="${path}"]`).evaluate((r) =>
    Object.fromEntries([...(r as unknown as { querySelectorAll(s: string): Iterable<{ dataset: Record<string, string>; textContent: string }> }).querySelectorAll('vscode-data-grid-cell[data-col]')]
      .map((c) => [c.dataset.col, { text: c.textContent.replace(/\s+/g, ' ').trim(), value: c.dataset.value }])));
  const shot = async (name: string) => {
    const p = join(screenshots, `webview-${name}.png`);
    await page.screenshot({ path: p, fullPage: true });
    log(`  screenshot ${p.replace(ROOT + '/', '')}`);
  };

  try {
    await check(t, 'webview: loads under the panel\'s CSP and says it is ready', async () => {
      await page.goto(`${ORIGIN}/index.html`);
      await until(page, (ms) => ms.some((m) => m.type === 'ready'), 'ready');
      await page.locator('#profile').waitFor();
    });

    await check(t, 'webview: renders the host\'s analysis, a before/after profile and measured redundancy', async () => {
      await send(page, { type: 'caps', caps: { trusted: true, profile: true, cancelProfile: true, rewrite: true, redundancy: true } });
      // The host computes the view (views/panelView.ts) with the profile and measurement it sends next.
      await send(page, { type: 'model', doc: { uri: `file://${file}`, name: 'resnet_cifar.py', version: 1 }, view: panelView(graph, DEFAULT_GHOST, compare, redundancy), error: null, analysing: false });
      await send(page, { type: 'profile', result: compare, stale: false });
      await send(page, { type: 'redundancy', result: redundancy, stale: false });
      await page.locator('#content-stages vscode-data-grid-row[data-path="layer3"]').waitFor();
      // The primary columns carry the decision; the rest come with "All columns".
      assert.equal(await page.locator('#content-stages vscode-data-grid-row[data-path="layer3"] vscode-data-grid-cell[data-col="latencyShare"]').count(), 0);
      await page.locator('#all-columns').click();
      await page.locator('#content-stages vscode-data-grid-row[data-path="layer3"] vscode-data-grid-cell[data-col="latencyShare"]').waitFor();
      for (const [i, s] of graph.stages.entries()) {
        const c = await cells(page, 'stages', s.path);
        assert.equal(Number(c.latency.value), stageMs[i]);
        assert.equal(c.latency.text, fmtMs(stageMs[i]));
        assert.equal(c.latencyShare.text, `${((100 * stageMs[i]) / 1.2).toFixed(1)}%`);
        assert.equal(c.ghostMs.text, '\u00d70.70');
        assert.equal(Number(c.ghostMs.value), stageMs[i] * 0.7);
        const last = redundancy.stages[i].blocks.at(-1)!.relError;
        assert.equal(c.redundancy.text, `${(100 * last).toFixed(1)}% err`);
      }
      assert.equal(await page.locator('#p50').getAttribute('data-value'), String(1.26));
      assert.match(await page.locator('#profile-stats').innerText(), /CPU \u00b7 2 threads \u00b7 40 runs: p50 1\.26 ms .* after Ghost p50 0\.88 ms \(\u00d70\.70\)/);
    });
    await shot('01-stages-profiled');

    await check(t, 'webview: latency charts and the run histogram draw', async () => {
      await page.locator('#tab-charts').click();
      for (const id of ['chart-macs', 'chart-latency', 'chart-runs']) await page.locator(`#${id}`).waitFor();
      const lat = (await page.locator('#chart-latency').getAttribute('aria-label')) ?? '';
      for (const [i, s] of graph.stages.entries()) assert.ok(lat.includes(`${s.path} ${fmtMs(stageMs[i])}`), lat);
      assert.match((await page.locator('#chart-runs').getAttribute('aria-label')) ?? '', /^Histogram of run times: /);
    });
    await shot('02-charts');

    await check(t, 'webview: redundancy tab: a chart per stage and the conv table', async () => {
      await page.locator('#tab-redundancy').click();
      for (const s of graph.stages) await page.locator(`#chart-red-${s.path}`).waitFor();
      const c = await cells(page, 'redundancy', 'layer1.0.conv1');
      assert.equal(c.nearDup.text, '50.0%');
      assert.equal(c.recon.text, '12.0%');
    });
    await shot('03-redundancy');

    await check(t, 'webview: Profile posts the chosen options; Cancel shows while it runs and posts a cancel', async () => {
      await page.locator('#tab-stages').click();
      await page.locator('#runs').click();
      await page.locator('#runs vscode-option[value="200"]').click();
      await page.locator('#threads').click();
      await page.locator('#threads vscode-option[value="4"]').click();
      await page.locator('#compare').click();
      await page.locator('#profile').click();
      const sent = (await posted(page)).filter((m) => m.type === 'profile');
      assert.deepEqual(sent.at(-1), { type: 'profile', request: { provider: 'auto', threads: 4, runs: 200, warmup: 10, compareGhost: true } });
      await send(page, { type: 'busy', task: 'profile', running: true, canCancel: true });
      await page.locator('#cancel').waitFor();
      assert.equal(await page.locator('#profile').getAttribute('disabled'), '');
      await page.locator('#cancel').click();
      assert.equal((await posted(page)).at(-1)!.type, 'cancelProfile');
      await send(page, { type: 'busy', task: 'profile', running: false, canCancel: false });
      await page.locator('#cancel').waitFor({ state: 'hidden' });
    });

    await check(t, 'webview: Rewrite posts the stage; a row click posts a reveal', async () => {
      await page.locator('#content-stages vscode-data-grid-row[data-path="layer2"] vscode-button.rewrite').click();
      assert.deepEqual((await posted(page)).at(-1), { type: 'rewrite', kind: 'stage', path: 'layer2' });
      await send(page, { type: 'busy', task: 'rewrite', running: false, canCancel: false });
      await page.locator('#content-stages vscode-data-grid-row[data-path="layer3"] vscode-data-grid-cell[data-col="blocks"]').click();
      assert.deepEqual((await posted(page)).at(-1), { type: 'reveal', kind: 'stage', path: 'layer3' });
    });

    await check(t, 'webview: a malformed host message is ignored and reported, the view stays', async () => {
      const n = (await posted(page)).length;
      await send(page, { type: 'model', doc: null, view: { header: 'lots' }, error: null, analysing: false });
      await send(page, { type: 'explode' });
      await until(page, (ms) => ms.length >= n + 2, 'two log messages');
      const logs = (await posted(page)).slice(n) as unknown as { type: string; level: string; text: string }[];
      assert.deepEqual(logs.map((l) => [l.type, l.level]), [['log', 'warn'], ['log', 'warn']]);
      assert.match(logs[0].text, /^ignored a bad message \(model\.view\.header: expected an object/);
      assert.match(logs[1].text, /unknown type "explode"/);
      await page.locator('#content-stages vscode-data-grid-row[data-path="layer3"]').waitFor();
      problems.length = 0; // these two warnings were the point
    });

    await check(t, 'webview: reloaded (as when VS Code shows a hidden panel), it restores its view from setState', async () => {
      await page.locator('#tab-charts').click();
      await page.reload();
      // No host message yet: what shows comes from the saved state.
      await page.locator('#tab-charts[aria-selected="true"]').waitFor();
      await page.locator('#chart-latency').waitFor();
      await page.locator('#tab-stages').click();
      const c = await cells(page, 'stages', 'layer1');
      assert.equal(Number(c.latency.value), stageMs[0]);
      assert.equal(await page.locator('#runs').evaluate((d) => (d as unknown as { value: string }).value), '200');
    });

    await check(t, 'webview: no CSP refusal, no script error', async () => {
      assert.deepEqual(problems, []);
    });
  } catch (e) {
    if (!t.some((x) => !x.ok)) t.push({ title: 'ui-webview: harness', ok: false, ms: Date.now() - start, err: e instanceof Error ? e.message : String(e) });
  } finally {
    await context.close().catch(() => undefined);
    result.ms = Date.now() - start;
  }
  return result;
}
