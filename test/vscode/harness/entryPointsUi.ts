// One source of truth on screen (issue 12): torchvision's resnet.py, each entry point picked in
// turn from the status bar; the status bar, the class CodeLens AS RENDERED in the editor (not as
// the provider returns it) and the panel's title and totals must all equal `ghostlens analyze
// --model EXPR --json` for it.
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as assert from 'node:assert/strict';
import type { FrameLocator, Page } from 'playwright-core';
import { ROOT } from './codeServer';
import { check, SuiteResult } from './report';
import { quickInput, runCommand } from './ui';
import { fmtCount, fmtInt, fmtMacs } from '../../../src/views/format';

/** torchvision's ResNet definitions, as installed with Debian's python3-torchvision. */
export const TV_RESNET = '/usr/lib/python3/dist-packages/torchvision/models/resnet.py';
export const TV_FILE = 'tv_resnet.py';

/**
 * Copies torchvision's Python sources into the workspace (its package layout, so that resnet.py's
 * relative imports resolve as they do installed) and resnet.py once more as TV_FILE beside it, a
 * name Quick Open finds alone. Returns TV_FILE's path. A copy of resnet.py alone would be honestly
 * refused: its factories take `**kwargs` through helpers it imports from its package.
 */
export function copyTorchvision(workspace: string): string {
  const pkg = dirname(dirname(TV_RESNET));
  const to = join(workspace, 'torchvision');
  cpSync(pkg, to, { recursive: true, filter: (src) => src.endsWith('.py') || statSync(src).isDirectory() });
  const file = join(to, 'models', TV_FILE);
  copyFileSync(TV_RESNET, file);
  return file;
}

interface Json { model: string; params: number; macs: number; input: number[][]; outputs: number[][] }

function analyze(file: string, model: string): Json {
  const r = spawnSync(process.execPath, [join(ROOT, 'dist', 'cli.js'), 'analyze', file, '--model', model, '--json'], { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`ghostlens analyze --model ${model}: ${r.stderr}`);
  return JSON.parse(r.stdout) as Json;
}

const shape = (s: number[]) => s.join('\u00d7');

/** The editor's rendered CodeLens texts (non-breaking spaces as spaces). */
async function lensTexts(page: Page): Promise<string[]> {
  const lens = page.locator('.editor-instance .codelens-decoration');
  return (await lens.allTextContents()).map((t) => t.replace(/\u00a0/g, ' '));
}

async function until<T>(what: string, ms: number, f: () => Promise<T | undefined>): Promise<T> {
  let last: unknown;
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 200))) {
    try { const v = await f(); if (v !== undefined) return v; } catch (e) { last = e; }
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

async function goToLine(page: Page, line: number): Promise<void> {
  await page.keyboard.press('Control+1');
  await quickInput(page, 'Control+G', `:${line}:1`);
  await page.keyboard.press('Enter');
}

export async function entryPointsUi(page: Page, workspaceFile: string | null, t: SuiteResult['tests'], shot: (name: string) => Promise<void>, notes: string[]): Promise<void> {
  if (!workspaceFile || !existsSync(TV_RESNET)) { notes.push(`entry points of torchvision resnet.py not checked: ${TV_RESNET} missing`); return; }
  const source = spawnSync('cat', [TV_RESNET], { encoding: 'utf8' }).stdout.split('\n');
  const classLine = source.findIndex((l) => l.startsWith('class ResNet(')) + 1;
  const frame: FrameLocator = page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');

  await check(t, 'entry points: torchvision resnet.py opens with its automatic model', async () => {
    await page.locator('.monaco-workbench').click({ position: { x: 700, y: 450 } }).catch(() => undefined);
    await quickInput(page, 'Control+P', TV_FILE);
    await page.locator('.quick-input-list .monaco-list-row', { hasText: TV_FILE }).first().waitFor({ timeout: 15_000 });
    await page.keyboard.press('Enter');
    await page.locator('.statusbar-item', { hasText: 'resnet18()' }).first().waitFor({ timeout: 90_000 });
    await runCommand(page, 'GhostLens: Open panel');
    await frame.locator('#model-name').waitFor({ timeout: 60_000 });
    await goToLine(page, classLine);
  });

  // The factories the picker offers (constructible with defaults), in its order.
  let entries: string[] = [];
  await check(t, 'entry points: the picker lists torchvision\'s factories', async () => {
    await page.locator('.statusbar-item', { hasText: 'resnet18()' }).first().click();
    const rows = page.locator('.quick-input-list .monaco-list-row');
    await rows.filter({ hasText: 'wide_resnet50_2()' }).first().waitFor({ timeout: 30_000 });
    const labels = await rows.allInnerTexts();
    entries = labels.map((l) => /^(\w+\(\))/.exec(l.trim())?.[1]).filter((e): e is string => !!e && /^(resnet|resnext|wide_resnet)/.test(e));
    await page.keyboard.press('Escape');
    for (const e of ['resnet18()', 'resnet50()', 'resnet152()', 'wide_resnet101_2()']) assert.ok(entries.includes(e), `${e} missing in ${labels.join(' | ')}`);
  });

  for (const expr of entries) {
    await check(t, `entry points: ${expr}: status bar, rendered class lens and panel equal ghostlens analyze --model`, async () => {
      const want = analyze(workspaceFile, expr);
      await page.locator('.statusbar-item', { hasText: '() \u00b7 ' }).first().click();
      const input = page.locator('.quick-input-widget .quick-input-box input');
      await input.waitFor({ state: 'visible', timeout: 10_000 });
      await input.fill(expr);
      const rows = page.locator('.quick-input-list .monaco-list-row');
      await rows.filter({ hasText: expr }).first().waitFor({ timeout: 15_000 });
      await page.keyboard.press('Enter');
      const status = `${expr} \u00b7 ${fmtMacs(want.macs)} MACs \u00b7 ${fmtCount(want.params)} params`;
      await page.locator('.statusbar-item', { hasText: status }).first().waitFor({ timeout: 60_000 });
      // The class lens as the editor renders it: same model, same figures.
      const lens = `${expr}: ${want.input.map(shape).join(', ')} \u2192 ${shape(want.outputs[0])} \u00b7 ${fmtInt(want.params)} params \u00b7 ${fmtMacs(want.macs)} MACs`;
      const texts = await until(`the rendered class lens '${lens}'`, 20_000, async () => {
        const all = await lensTexts(page);
        return all.some((x) => x.includes(lens)) ? all : undefined;
      }).catch(async (e) => { throw new Error(`${(e as Error).message}; rendered: ${(await lensTexts(page)).join(' || ')}`); });
      assert.ok(!texts.some((x) => /^\w+\(\): /.test(x) && !x.startsWith(`${expr}:`)), `a lens names another model: ${texts.join(' || ')}`);
      // The panel beside it: title, totals.
      await until('the panel on the picked model', 20_000, async () => ((await frame.locator('#model-name').innerText()) === expr ? true : undefined));
      assert.equal(await frame.locator('#total-params').getAttribute('data-value'), String(want.params));
      assert.equal(await frame.locator('#total-macs').getAttribute('data-value'), String(want.macs));
      await page.locator('.tab', { hasText: `GhostLens: ${TV_FILE}` }).first().waitFor({ timeout: 5_000 });
    });
  }
  await shot('05-entry-points-torchvision');

}

