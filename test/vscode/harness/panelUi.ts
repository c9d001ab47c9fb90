// The GhostLens panel as a person sees it, in the browser: the webview's tables against
// `ghostlens analyze --json` (and the G-Ghost estimates against `ghostlens rewrite`), a row click
// and the keyboard moving the editor, the panel following the active file and keeping its view
// when hidden, profiling and rewriting from the panel (when this build has those commands), no CSP
// refusal, and screenshots in the dark, light and high-contrast themes.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as assert from 'node:assert/strict';
import type { Browser, FrameLocator } from 'playwright-core';
import { ROOT, makeSandbox, removeSandbox, startCodeServer, stopCodeServer, Sandbox } from './codeServer';
import { check, log, SuiteResult } from './report';
import { openFile, quickInput, runCommand } from './ui';
import { fmtChange, fmtInt, fmtMacs } from '../../../src/views/format';

const FILE = 'resnet_cifar.py';
const CLI = join(ROOT, 'dist', 'cli.js');

interface Json {
  macs: number; params: number; model: string;
  layers: { path: string; type: string; line: number; params: number; macs: number | null }[];
  stages: { path: string; line: number; resolution: [number, number]; blocks: number; inChannels: number | null; outChannels: number; params: number; macs: number | null }[];
}

function cli(...args: string[]): string {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ghostlens ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

interface Row { path: string; cells: Record<string, { text: string; value: string | null }> }
/** The little of the DOM the page functions below use (the harness compiles without the DOM library). */
interface El { dataset: Record<string, string | undefined>; textContent: string | null; querySelectorAll(sel: string): Iterable<El> }

/** The rows of the grid in a tab, as text and exact values per column. */
function rows(frame: FrameLocator, tab: string): Promise<Row[]> {
  return frame.locator(`#content-${tab} vscode-data-grid`).first().evaluate((grid) =>
    [...(grid as unknown as El).querySelectorAll('vscode-data-grid-row[data-path]')].map((r) => ({
      path: r.dataset.path!,
      cells: Object.fromEntries([...r.querySelectorAll('vscode-data-grid-cell[data-col]')].map((c) =>
        [c.dataset.col!, { text: (c.textContent ?? '').replace(/\s+/g, ' ').trim(), value: c.dataset.value ?? null }])),
    })));
}

export async function runPanelUi(browser: Browser, screenshots: string): Promise<SuiteResult> {
  const start = Date.now();
  const result: SuiteResult = { suite: 'ui-panel', tests: [], ms: 0, notes: [] };
  const t = result.tests;
  const sandbox: Sandbox = makeSandbox('ui-panel', { workspaceFrom: [join(ROOT, 'examples'), join(ROOT, 'test', 'vscode', 'fixtures', 'ws')] });
  const context = await browser.newContext({ viewport: { width: 1920, height: 1080 } });
  const page = await context.newPage();
  const shot = async (name: string) => {
    const p = join(screenshots, `panel-${name}.png`);
    await page.screenshot({ path: p });
    log(`  screenshot ${p.replace(ROOT + '/', '')}`);
  };
  // What the webview itself reports: script errors and CSP refusals go to its console with this prefix.
  const webviewProblems: string[] = [];
  page.on('console', (m) => {
    if ((m.type() === 'error' || m.type() === 'warning') && m.text().includes('[GhostLens panel]')) webviewProblems.push(m.text());
  });
  const frame = page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');
  const json: Json = JSON.parse(cli('analyze', join(ROOT, 'examples', FILE), '--json'));
  const cursorLine = async () => {
    const item = page.locator('.statusbar-item', { hasText: /^Ln \d+, Col \d+/ }).first();
    return Number(/Ln (\d+)/.exec(await item.innerText())?.[1]);
  };
  const waitLine = async (line: number, what: string) => {
    for (const end = Date.now() + 15_000; Date.now() < end; await page.waitForTimeout(200)) if (await cursorLine().catch(() => 0) === line) return;
    throw new Error(`${what}: the cursor is on line ${await cursorLine()}, not ${line}`);
  };
  /** Opens a workspace file in the first editor group (the panel stays in the second). */
  const openEditor = async (name: string) => {
    await page.keyboard.press('Control+1');
    await quickInput(page, 'Control+P', name);
    // The list filters asynchronously: wait until the focused (first) row is the file.
    await page.locator('.quick-input-list .monaco-list-row.focused', { hasText: name }).first().waitFor({ timeout: 15_000 });
    await page.keyboard.press('Enter');
    await page.locator('.tab.active', { hasText: name }).first().waitFor({ timeout: 15_000 });
  };
  const tab = async (id: string) => {
    await frame.locator(`#tab-${id}`).click();
    await frame.locator(`#tab-${id}[aria-selected="true"]`).waitFor({ timeout: 10_000 });
  };
  /** Picks a colour theme the way a person does: Preferences: Color Theme, then its name. */
  const theme = async (label: string, bodyClass: string) => {
    await quickInput(page, 'F1', '>Preferences: Color Theme');
    // Click the command itself: fuzzy matching may put "Browse Color Themes in Marketplace" first.
    await page.locator('.quick-input-list .monaco-list-row', { hasText: /^Preferences: Color Theme/ }).first().click({ timeout: 10_000 });
    await page.locator('.quick-input-widget .quick-input-box input[placeholder*="Theme" i], .quick-input-widget .quick-input-box input').first().fill(label);
    const row = page.locator('.quick-input-list .monaco-list-row', { hasText: new RegExp(`^${label}`) }).first();
    await row.click({ timeout: 10_000 });
    await frame.locator(`body.${bodyClass}`).waitFor({ timeout: 15_000 });
    await page.waitForTimeout(400); // the charts redraw in the new colours
  };
  let cs: Awaited<ReturnType<typeof startCodeServer>> | undefined;
  let ok = false;
  try {
    cs = await startCodeServer(sandbox);
    const remote = `vscode-remote://127.0.0.1:${cs.port}${ROOT}`;
    await check(t, 'panel: opens beside the model file and shows its stages', async () => {
      await page.goto(cs!.url(`&payload=${encodeURIComponent(JSON.stringify([['extensionDevelopmentPath', remote]]))}`));
      await page.locator('.monaco-workbench').waitFor({ timeout: 90_000 });
      await page.locator('.explorer-folders-view .monaco-list-row', { hasText: FILE }).first().waitFor({ timeout: 60_000 });
      await openFile(page, FILE);
      await page.locator('.statusbar-item', { hasText: 'resnet56()' }).first().waitFor({ timeout: 60_000 });
      await runCommand(page, 'GhostLens: Open panel');
      await frame.locator('#content-stages vscode-data-grid-row[data-path="layer3"]').waitFor({ timeout: 60_000 });
      assert.equal(await frame.locator('#model-name').innerText(), 'resnet56()');
      await page.locator('.tab', { hasText: `GhostLens: ${FILE}` }).first().waitFor({ timeout: 10_000 });
    });

    await check(t, 'panel: stage rows and totals equal ghostlens analyze --json', async () => {
      await frame.locator('#all-columns').click();
      await frame.locator('#content-stages vscode-data-grid-row[data-path="layer1"] vscode-data-grid-cell[data-col="params"]').waitFor({ timeout: 10_000 });
      assert.equal(await frame.locator('#total-params').getAttribute('data-value'), String(json.params));
      assert.equal(await frame.locator('#total-macs').getAttribute('data-value'), String(json.macs));
      const got = await rows(frame, 'stages');
      assert.deepEqual(got.map((r) => r.path), json.stages.map((s) => s.path));
      for (const [i, s] of json.stages.entries()) {
        const c = got[i].cells;
        assert.equal(c.blocks.text, String(s.blocks), `${s.path} blocks`);
        assert.equal(c.resolution.text, `${s.resolution[0]}\u00d7${s.resolution[1]}`);
        assert.equal(c.channels.text, `${s.inChannels}\u2192${s.outChannels}`);
        assert.equal(c.params.value, String(s.params));
        assert.equal(c.params.text, fmtInt(s.params));
        assert.equal(c.macs.value, String(s.macs));
        assert.equal(c.macs.text, fmtMacs(s.macs));
        assert.equal(c.share.text, `${((100 * s.macs!) / json.macs).toFixed(1)}%`);
      }
    });

    await check(t, 'panel: G-Ghost estimates equal the analysis of the file ghostlens rewrite writes', async () => {
      const got = await rows(frame, 'stages');
      const dir = mkdtempSync(join(tmpdir(), 'ghostlens-panel-ui-'));
      try {
        for (const s of json.stages) {
          cli('rewrite', join(ROOT, 'examples', FILE), '--stage', s.path, '-o', join(dir, `${s.path}.py`));
          const after: Json = JSON.parse(cli('analyze', join(dir, `${s.path}.py`), '--json'));
          const cell = got.find((r) => r.path === s.path)!.cells.ghost;
          assert.equal(Number(cell.value), s.macs! + after.macs - json.macs, `${s.path}: ${cell.text}`);
          // One base for percentages: the change of the whole model's MACs, as the quick fix says.
          assert.equal(cell.text, fmtChange((100 * (after.macs - json.macs)) / json.macs), s.path);
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
    await check(t, 'panel: "All columns" off again: the primary columns only', async () => {
      await frame.locator('#all-columns').click();
      await frame.locator('#content-stages vscode-data-grid-row[data-path="layer1"] vscode-data-grid-cell[data-col="params"]').waitFor({ state: 'detached', timeout: 10_000 });
    });
    await shot('01-stages-dark');

    await check(t, 'panel: a click on a stage row shows its line in the editor', async () => {
      await frame.locator('#content-stages vscode-data-grid-row[data-path="layer2"] vscode-data-grid-cell[data-col="stage"]').click();
      await waitLine(json.stages.find((s) => s.path === 'layer2')!.line, 'after the click on layer2');
      await frame.locator('#content-stages vscode-data-grid-row.selected[data-path="layer2"]').waitFor();
    });

    await check(t, 'panel: keyboard: arrow keys move through the rows, Enter shows the line', async () => {
      await frame.locator('#content-stages vscode-data-grid-row[data-path="layer1"] vscode-data-grid-cell[data-col="stage"]').focus();
      await page.keyboard.press('ArrowDown');
      await page.keyboard.press('ArrowDown');
      await page.keyboard.press('Enter');
      await waitLine(json.stages.find((s) => s.path === 'layer3')!.line, 'after ArrowDown ×2 and Enter from layer1');
    });

    await check(t, 'panel: layer rows equal the leaf layers of analyze --json', async () => {
      await tab('layers');
      await frame.locator('#all-columns').click(); // line, params and MACs are secondary columns
      await frame.locator('#content-layers vscode-data-grid-row[data-path="linear"] vscode-data-grid-cell[data-col="params"]').waitFor({ timeout: 15_000 });
      const got = await rows(frame, 'layers');
      assert.equal(got.length, json.layers.length);
      for (const [i, l] of json.layers.entries()) {
        const c = got[i].cells;
        assert.equal(got[i].path, l.path);
        assert.equal(c.type.text, l.type, l.path);
        assert.equal(c.line.text, l.line > 0 ? String(l.line) : '\u2014', l.path);
        assert.equal(c.params.value, String(l.params), l.path);
        assert.equal(c.macs.value, l.macs === null ? null : String(l.macs), l.path);
      }
      await frame.locator('#content-layers vscode-data-grid-row[data-path="layer3.4.conv2"] vscode-data-grid-cell[data-col="layer"]').click();
      await waitLine(json.layers.find((l) => l.path === 'layer3.4.conv2')!.line, 'after the click on layer3.4.conv2');
    });

    await check(t, 'panel: C-Ghost rows sum the convs built by one call', async () => {
      await tab('convs');
      const got = await rows(frame, 'convs');
      const conv1 = got.find((r) => r.cells.site.text === 'conv1 \u00d727');
      assert.ok(conv1, got.map((r) => r.cells.site.text).join(', '));
      const line = Number(conv1.cells.line.text);
      const same = json.layers.filter((l) => l.line === line && l.type === 'Conv2d');
      assert.equal(same.length, 27);
      assert.equal(Number(conv1.cells.macs.value), same.reduce((s, l) => s + l.macs!, 0));
      await frame.locator('#all-columns').click();
      await frame.locator('#content-convs vscode-data-grid-cell[data-col="macs"]').first().waitFor({ state: 'detached', timeout: 10_000 });
    });

    await check(t, 'panel: charts of MACs per stage draw (and say what they show)', async () => {
      await tab('charts');
      const canvas = frame.locator('#chart-macs');
      await canvas.waitFor({ timeout: 10_000 });
      const label = (await canvas.getAttribute('aria-label')) ?? '';
      for (const s of json.stages) assert.ok(label.includes(`${s.path} ${fmtMacs(s.macs)}`), label);
      const box = await canvas.boundingBox();
      assert.ok(box && box.width > 200 && box.height > 100, JSON.stringify(box));
    });
    await shot('02-charts-dark');

    await check(t, 'panel: hidden behind another editor and shown again, it keeps its tab and data', async () => {
      // Open a file in the panel's group: the panel's webview is destroyed (no retainContextWhenHidden).
      // Activate the panel's group, then open a file from the Explorer: it opens in that group.
      await page.locator('.tab', { hasText: `GhostLens: ${FILE}` }).first().click();
      await page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'plain.py' }).first().click();
      await page.locator('.tab.active', { hasText: 'plain.py' }).first().waitFor({ timeout: 10_000 });
      await page.waitForFunction("[...document.querySelectorAll('iframe.webview.ready')].every((f) => f.offsetParent === null)", undefined, { timeout: 10_000 });
      await page.locator('.tab', { hasText: `GhostLens: ${FILE}` }).first().click();
      await frame.locator('#tab-charts[aria-selected="true"]').waitFor({ timeout: 15_000 });
      await frame.locator('#chart-macs').waitFor({ timeout: 10_000 });
      await page.locator('.tab', { hasText: 'plain.py' }).first().locator('.codicon-close, .action-label.codicon-close').first().click({ force: true }).catch(() => undefined);
    });

    await check(t, 'panel: follows another model file when it becomes active', async () => {
      await openEditor('entry_points.py');
      await frame.locator('#model-name', { hasText: 'tiny_narrow()' }).waitFor({ timeout: 30_000 });
      await page.locator('.tab', { hasText: 'GhostLens: entry_points.py' }).first().waitFor({ timeout: 10_000 });
      await openEditor(FILE);
      await frame.locator('#model-name', { hasText: 'resnet56()' }).waitFor({ timeout: 30_000 });
      await tab('stages');
    });

    /**
     * At a window width: the stage table fits beside the editor (no sideways scrolling), every
     * figure fits its cell (nothing cut mid-digit), no button covers another cell.
     */
    const fits = async (width: number, what: string) => {
      await page.setViewportSize({ width, height: 900 });
      await page.waitForTimeout(600); // the workbench lays out again
      const m = await frame.locator('#content-stages').evaluate((el) => {
        type E = { scrollWidth: number; clientWidth: number; textContent: string | null; dataset: Record<string, string | undefined>; getBoundingClientRect(): { left: number; right: number }; querySelectorAll(s: string): Iterable<E> };
        const root = el as unknown as E;
        const cut = [...root.querySelectorAll('vscode-data-grid-cell.num')].filter((c) => c.scrollWidth > c.clientWidth + 1).map((c) => `${c.dataset.col}: ${c.textContent}`);
        const over: string[] = [];
        for (const b of root.querySelectorAll('vscode-button.rewrite')) {
          const r = b.getBoundingClientRect();
          const cell = (b as unknown as { closest(s: string): E }).closest('vscode-data-grid-cell').getBoundingClientRect();
          if (r.left < cell.left - 1 || r.right > cell.right + 1) over.push(b.dataset.rewrite ?? '?');
        }
        return { scroll: root.scrollWidth, client: root.clientWidth, cut, over };
      });
      assert.ok(m.scroll <= m.client + 1, `${what}: the stage table scrolls sideways (${m.scroll} > ${m.client} px)`);
      assert.deepEqual(m.cut, [], `${what}: figures cut`);
      assert.deepEqual(m.over, [], `${what}: Rewrite buttons outside their cell`);
    };
    const themes: [string, string, string][] = [['Dark Modern', 'vscode-dark', 'dark'], ['Light Modern', 'vscode-light', 'light'], ['Dark High Contrast', 'vscode-high-contrast', 'high-contrast']];
    for (const [label, cls, name] of themes) {
      await check(t, `panel: at 1280 and 1600 px in ${name}, the stage decision fits beside the editor`, async () => {
        await theme(label, cls);
        await tab('stages');
        // A selected row (high contrast: the sticky name cell must stay opaque over it).
        await frame.locator('#content-stages vscode-data-grid-row[data-path="layer2"] vscode-data-grid-cell[data-col="stage"]').click();
        for (const width of [1280, 1600]) {
          await fits(width, `${width} px, ${name}`);
          await shot(`10-stages-${width}-${name}`);
        }
        await page.setViewportSize({ width: 1920, height: 1080 });
        if (name === 'light') { await tab('charts'); await shot('04-charts-light'); await tab('stages'); }
      });
    }
    await theme('Dark Modern', 'vscode-dark');

    await check(t, 'panel: Profile runs a CPU profile and the latency appears (or says why it cannot)', async () => {
      await tab('stages');
      await frame.locator('#runs').click();
      await frame.locator('#runs vscode-option[value="10"]').click();
      await frame.locator('#provider').click();
      await frame.locator('#provider vscode-option[value="cpu"]').click();
      await frame.locator('#profile').click();
      const stats = frame.locator('#p50');
      const refusal = frame.locator('#notice', { hasText: /not available|failed|cannot/ });
      await stats.or(refusal).first().waitFor({ timeout: 300_000 });
      if (await refusal.isVisible()) {
        const why = await refusal.innerText();
        result.notes.push(`profile from the panel not run: ${why.trim()}`);
        log(`  NOTE profile from the panel: ${why.trim()}`);
        return;
      }
      assert.ok(Number(await stats.getAttribute('data-value')) > 0);
      const got = await rows(frame, 'stages');
      for (const r of got) assert.ok(Number(r.cells.latency?.value) > 0, `${r.path} latency: ${r.cells.latency?.text}`);
      await shot('06-profiled');
      for (const width of [1280, 1600]) {
        await fits(width, `profiled, ${width} px`);
        await shot(`11-profiled-${width}-dark`);
      }
      await page.setViewportSize({ width: 1920, height: 1080 });
    });

    await check(t, 'panel: Rewrite applies a G-Ghost stage to the file (or says why it cannot)', async () => {
      await tab('stages');
      const button = frame.locator('#content-stages vscode-data-grid-row[data-path="layer1"] vscode-button.rewrite');
      if (await button.getAttribute('disabled') !== null) {
        // No rewrite command in this build: the button is off and says why.
        const why = (await button.getAttribute('title')) ?? '';
        assert.match(why, /not available/);
        result.notes.push(`rewrite from the panel not run: ${why}`);
        log(`  NOTE rewrite from the panel: ${why}`);
        return;
      }
      await button.click();
      const done = frame.locator('#notice', { hasText: /Rewrote|not available|failed|not applied/ });
      await done.waitFor({ timeout: 60_000 });
      const text = (await done.innerText()).trim();
      if (!/Rewrote/.test(text)) {
        result.notes.push(`rewrite from the panel not applied: ${text}`);
        log(`  NOTE rewrite from the panel: ${text}`);
        return;
      }
      // The inserted class is above the stage's line: in the lines shown or in the sticky scroll header.
      await page.locator('.editor-instance .monaco-editor', { hasText: 'GGhostStage' }).first().waitFor({ timeout: 30_000 });
      // The G-Ghost stage keeps its middle blocks as a stage of their own, marked as Ghost already.
      await frame.locator('#content-stages vscode-data-grid-row[data-path="layer1.middle"] vscode-data-grid-cell[data-col="ghost"]', { hasText: 'already Ghost' }).waitFor({ timeout: 30_000 });
      assert.equal(await frame.locator('#content-stages vscode-data-grid-row[data-path="layer1"]').count(), 0);
      await shot('07-rewritten');
      await runCommand(page, 'File: Revert File');
    });

    await check(t, 'panel: the webview reported no script error and no CSP refusal', async () => {
      assert.deepEqual(webviewProblems, []);
    });
    ok = t.every((x) => x.ok);
  } catch (e) {
    if (!t.some((x) => !x.ok)) t.push({ title: 'ui-panel: harness', ok: false, ms: Date.now() - start, err: e instanceof Error ? e.message : String(e) });
    await shot('zz-failure').catch(() => undefined);
  } finally {
    await context.close().catch(() => undefined);
    if (cs) await stopCodeServer(cs);
    if (ok) removeSandbox(sandbox);
    else log(`  sandbox kept for a look: ${sandbox.root}`);
    result.ms = Date.now() - start;
  }
  return result;
}
