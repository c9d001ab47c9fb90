// UI tests: a person's view of GhostLens in the browser workbench. `dev` loads the extension from
// the working tree (extensionDevelopmentPath), opens examples/ and goes through squiggle,
// Problems, CodeLens, hover, the entry point picker and the rewrite quick fix; `vsix` installs the packaged
// .vsix into code-server and checks that it activates and analyses. Screenshots go to test-results/.
import { join } from 'node:path';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as assert from 'node:assert/strict';
import type { Browser, Locator, Page } from 'playwright-core';
import { ROOT, makeSandbox, removeSandbox, startCodeServer, stopCodeServer, installVsix, Sandbox } from './codeServer';
import { check, log, SuiteResult } from './report';
import { rewriteQuickFixUi } from './rewriteUi';
import { entryPointsUi, copyTorchvision, TV_RESNET } from './entryPointsUi';

const FILE = 'resnet_cifar.py';
/** 1-based line and column of the layer1 stage in the example (squiggles render only when in view). */
function stageLine(): { line: number; col: number } {
  const lines = readFileSync(join(ROOT, 'examples', FILE), 'utf8').split('\n');
  const i = lines.findIndex((l) => l.includes('self.layer1 ='));
  return { line: i + 1, col: lines[i].indexOf('layer1') + 2 };
}

export async function runUi(browser: Browser, mode: 'dev' | 'vsix', screenshots: string, vsix?: string): Promise<SuiteResult> {
  const start = Date.now();
  const result: SuiteResult = { suite: `ui-${mode}`, tests: [], ms: 0, notes: [] };
  const t = result.tests;
  const sandbox: Sandbox = makeSandbox(`ui-${mode}`, { workspaceFrom: [join(ROOT, 'examples')] });
  const tvFile = mode === 'dev' && existsSync(TV_RESNET) ? copyTorchvision(sandbox.workspace) : null;
  const context = await browser.newContext({ viewport: { width: 1500, height: 950 } });
  const page = await context.newPage();
  const shot = async (name: string) => {
    const p = join(screenshots, `${mode}-${name}.png`);
    await page.screenshot({ path: p });
    log(`  screenshot ${p.replace(ROOT + '/', '')}`);
  };
  let cs: Awaited<ReturnType<typeof startCodeServer>> | undefined;
  let ok = false;
  try {
    if (mode === 'vsix') {
      await check(t, 'vsix: installs into code-server', async () => {
        log(`  ${installVsix(sandbox, vsix!).split('\n').pop()}`);
        const dir = readdirSync(sandbox.extensions).find((d) => d.startsWith('ghostlens.ghostlens-'));
        assert.ok(dir, 'extension folder missing');
        for (const f of ['package.json', 'dist/extension.js', 'dist/worker.js', 'dist/webview/panel.js', 'dist/webview/panel.css', 'dist/webview/codicon.ttf', 'media/ghostlens-dark.svg']) assert.ok(existsSync(join(sandbox.extensions, dir, f)), `${f} not in the .vsix`);
      });
    }
    cs = await startCodeServer(sandbox);
    const remote = `vscode-remote://127.0.0.1:${cs.port}${ROOT}`;
    const url = mode === 'dev' ? cs.url(`&payload=${encodeURIComponent(JSON.stringify([['extensionDevelopmentPath', remote]]))}`) : cs.url();

    await check(t, `${mode}: workbench opens examples/`, async () => {
      await page.goto(url);
      await page.locator('.monaco-workbench').waitFor({ timeout: 90_000 });
      await page.locator('.explorer-folders-view .monaco-list-row', { hasText: FILE }).first().waitFor({ timeout: 60_000 });
    });
    await check(t, `${mode}: opening the model shows the G-Ghost squiggle`, async () => {
      await openFile(page, FILE);
      const { line, col } = stageLine();
      await goTo(page, line, col);
      await page.locator('.editor-instance .monaco-editor .squiggly-warning').first().waitFor({ timeout: 60_000 });
    });
    await check(t, `${mode}: status bar names the model, its MACs and params`, async () => {
      await page.locator('.statusbar-item', { hasText: 'resnet56() \u00b7 125.75 M MACs \u00b7 855.8 K params' }).first().waitFor({ timeout: 30_000 });
    });
    await check(t, `${mode}: CodeLens above the model class and stages`, async () => {
      const lens = page.locator('.editor-instance .contentWidgets .codelens-decoration, .editor-instance .codelens-decoration');
      await lens.first().waitFor({ state: 'attached', timeout: 30_000 });
      // Lens titles render with non-breaking spaces.
      const texts = await waitForTexts(lens, (all) => all.includes('stage layer1: 9 blocks'));
      assert.match(texts, /resnet56\(\): 1\u00d73\u00d732\u00d732 \u2192 1\u00d710 \u00b7 855,770 params/);
      assert.match(texts, /stage layer1: 9 blocks, 16\u219216 ch at 32\u00d732/);
      assert.match(texts, /Profile latency/);
      assert.match(texts, /Open GhostLens panel/);
    });
    await shot('01-editor');

    await check(t, `${mode}: the Problems panel lists the stage diagnostics`, async () => {
      await page.keyboard.press('Control+Shift+M');
      const row = page.locator('.markers-panel .monaco-list-row', { hasText: /layer1: 9 blocks at 32\u00d732, \d+% of MACs/ });
      await row.first().waitFor({ timeout: 30_000 });
      const text = await page.locator('.markers-panel').innerText();
      assert.match(text, /layer3: 9 blocks at 8\u00d78/);
      assert.match(text, /conv1 \u00d727 \(layer1\.0\.conv1/);
    });
    await shot('02-problems');
    if (mode === 'vsix') {
      await check(t, 'vsix: the GhostLens panel opens and shows the stages (its page ships in the package)', async () => {
        await runCommand(page, 'GhostLens: Open panel');
        const frame = page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');
        await frame.locator('#content-stages vscode-data-grid-row[data-path="layer3"]').waitFor({ timeout: 60_000 });
      });
      await shot('03-panel');
      ok = t.every((x) => x.ok);
      return result;
    }

    await check(t, 'dev: hover on a stage line shows its shape, params and MACs', async () => {
      const { line, col } = stageLine();
      await goTo(page, line, col);
      await page.keyboard.press('Control+K');
      await page.keyboard.press('Control+I');
      // The diagnostic's part of the hover may come first: wait for the figures.
      const hover = page.locator('.monaco-hover', { hasText: '42,048' });
      await hover.first().waitFor({ timeout: 15_000 });
      assert.match(await hover.first().innerText(), /layer1: Sequential[\s\S]*1\u00d716\u00d732\u00d732[\s\S]*42\.47 M/);
      await page.waitForTimeout(500); // let the hover finish fading in for the screenshot
    });
    await shot('03-hover');
    await page.keyboard.press('Escape');

    await check(t, 'dev: the status bar item lists the entry points; picking one re-analyses', async () => {
      await page.locator('.statusbar-item', { hasText: 'resnet56()' }).first().click();
      const rows = page.locator('.quick-input-list .monaco-list-row');
      await rows.filter({ hasText: 'resnet110()' }).first().waitFor({ timeout: 30_000 });
      const labels = await rows.allInnerTexts();
      for (const f of ['Automatic', 'resnet56()', 'resnet20()', 'resnet32()']) assert.ok(labels.some((l) => l.includes(f)), `${f} missing in ${labels.join(' | ')}`);
      await shot('04-entry-points');
      await page.locator('.quick-input-widget .quick-input-box input').fill('resnet20');
      await rows.filter({ hasText: 'resnet20()' }).first().waitFor();
      await page.keyboard.press('Enter');
      await page.locator('.statusbar-item', { hasText: 'resnet20()' }).first().waitFor({ timeout: 30_000 });
    });

    await rewriteQuickFixUi(page, t, shot, (line, col) => goTo(page, line, col));
    await entryPointsUi(page, tvFile, t, shot, result.notes);
    ok = t.every((x) => x.ok);
  } catch (e) {
    if (!t.some((x) => !x.ok)) t.push({ title: `ui-${mode}: harness`, ok: false, ms: Date.now() - start, err: e instanceof Error ? e.message : String(e) });
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

/** The joined texts of `loc` (non-breaking spaces as spaces) once `ok` holds, or after 15 s. */
async function waitForTexts(loc: Locator, ok: (all: string) => boolean): Promise<string> {
  let all = '';
  for (const end = Date.now() + 15_000; Date.now() < end; await new Promise((r) => setTimeout(r, 250))) {
    all = (await loc.allTextContents()).join('\n').replace(/\u00a0/g, ' ');
    if (ok(all)) break;
  }
  return all;
}

export async function quickInput(page: Page, key: string, text: string): Promise<void> {
  await page.keyboard.press(key);
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await input.waitFor({ state: 'visible', timeout: 10_000 });
  await input.fill(text);
}

export async function openFile(page: Page, name: string): Promise<void> {
  await page.locator('.monaco-workbench').click({ position: { x: 700, y: 450 } }).catch(() => undefined);
  await quickInput(page, 'Control+P', name);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first().waitFor({ timeout: 15_000 });
  await page.keyboard.press('Enter');
  await page.locator('.editor-instance .monaco-editor .view-lines', { hasText: 'class BasicBlock' }).waitFor({ timeout: 15_000 });
}

async function goTo(page: Page, line: number, col: number): Promise<void> {
  await page.keyboard.press('Control+1'); // focus the editor (a click could hit a CodeLens)
  await quickInput(page, 'Control+G', `:${line}:${col}`);
  await page.keyboard.press('Enter');
}

export async function runCommand(page: Page, title: string): Promise<void> {
  await quickInput(page, 'F1', `>${title}`);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor({ timeout: 10_000 });
  await page.keyboard.press('Enter');
}
