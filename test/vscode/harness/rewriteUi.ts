// The rewrite quick fix as a person uses it, in the browser workbench (part of the ui-dev run,
// with the example open): the cursor on a C-Ghost conv line, Ctrl+. opens the quick fix menu
// with the predicted change in the title, Enter rewrites the conv, Ctrl+Z undoes it.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { ROOT } from './codeServer';
import { check, TestResult } from './report';

const CONV = 'self.conv1 = nn.Conv2d(in_planes';

export async function rewriteQuickFixUi(page: Page, t: TestResult[], shot: (name: string) => Promise<void>, goTo: (line: number, col: number) => Promise<void>): Promise<void> {
  const lines = readFileSync(join(ROOT, 'examples', 'resnet_cifar.py'), 'utf8').split('\n');
  const i = lines.findIndex((l) => l.includes(CONV));
  const editorText = page.locator('.editor-instance .monaco-editor .view-lines');
  const menu = page.locator('.action-widget');
  const fix = menu.locator('.monaco-list-row', { hasText: /Rewrite conv1 \u00d7\d+ as GhostModules \(s=2\): model \u2212\d+% MACs, \u2212\d+% params/ });

  await check(t, 'dev: Ctrl+. on a C-Ghost conv line offers the rewrite with its predicted change', async () => {
    await goTo(i + 1, lines[i].indexOf('nn.Conv2d') + 2);
    await page.locator('.editor-instance .monaco-editor .squiggly-info').first().waitFor({ timeout: 30_000 });
    // The lightbulb may need a moment (the rewrite is planned in the worker); Ctrl+. asks directly.
    for (let attempt = 0; ; attempt++) {
      await page.keyboard.press('Control+.');
      try {
        await fix.first().waitFor({ timeout: 10_000 });
        break;
      } catch (e) {
        if (attempt >= 2) throw e;
        await page.keyboard.press('Escape');
      }
    }
    const title = (await fix.first().innerText()).trim();
    assert.match(title, /^Rewrite conv1 \u00d7\d+ as GhostModules/);
  });
  await shot('06-quick-fix');

  await check(t, 'dev: choosing it rewrites the conv into a GhostModule; Ctrl+Z restores the line', async () => {
    // The menu opens with its first enabled action focused: ours (the only quick fix there).
    assert.match((await menu.locator('.monaco-list-row.focused').innerText()).trim(), /^Rewrite conv1 /);
    await page.keyboard.press('Enter');
    // The class goes in after the imports (above the view's top line here, so the view does not move) …
    await editorText.filter({ hasText: 'class GhostModule(nn.Module):' }).waitFor({ timeout: 30_000 });
    // … and the conv's line moved down with it: show the cursor's line, which is the rewritten call.
    const where = page.locator('.statusbar-item', { hasText: /^Ln \d+, Col \d+/ }).first();
    const [, ln] = /^Ln (\d+)/.exec((await where.innerText()).trim())!;
    await goTo(Number(ln), 1);
    await editorText.filter({ hasText: 'self.conv1 = GhostModule(in_planes, planes' }).waitFor({ timeout: 15_000 });
    // Re-analysed: the conv's C-Ghost entry is gone from the Problems panel.
    const problem = page.locator('.markers-panel .monaco-list-row', { hasText: /^conv1 \u00d7\d+ \(layer1\.0\.conv1/ });
    await problem.first().waitFor({ state: 'detached', timeout: 30_000 });
    await shot('07-rewritten');
    await page.keyboard.press('Control+Z');
    await editorText.filter({ hasText: CONV }).waitFor({ timeout: 15_000 });
    assert.equal(await editorText.filter({ hasText: 'GhostModule(in_planes' }).count(), 0);
    await problem.first().waitFor({ timeout: 30_000 });
  });
}
