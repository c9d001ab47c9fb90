// Profile latency inside VS Code: the command returns the profile (what the panel shows), the
// CodeLens and hover show measured times, edits mark them as before the edits, the Ghost
// comparison, and Cancel profiling. Runs on the CPU with a tiny model and few runs.
import * as assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { CompareResult, ProfileResult } from '../../../src/core/profile/types';
import { api, waitFor, workspaceFile, lineOf, hoverText } from './helpers';

const TINY = readFileSync(join(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'profile', 'tiny_cnn.py'), 'utf8');
const FAST = { provider: 'cpu', threads: 1, runs: 3, warmup: 1 };

describe('Profile latency in VS Code', function () {
  this.timeout(120_000);
  let doc: vscode.TextDocument;
  const lensTitles = async () => (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', doc.uri, 100)).map((l) => l.command?.title ?? '');

  before(async () => {
    const uri = workspaceFile('profile_tiny.py');
    writeFileSync(uri.fsPath, TINY);
    doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc);
    await (await api()).analyzed(doc);
  });

  it('returns the profile: provider, stats, layers named by module path, stages', async () => {
    const r = await vscode.commands.executeCommand<ProfileResult>('ghostlens.profileLatency', doc.uri, FAST);
    assert.ok(r, 'a result');
    assert.equal(r.model, 'TinyNet()');
    assert.equal(r.provider, 'cpu');
    assert.equal(r.times.length, 3);
    assert.deepEqual(r.stages.map((s) => s.path), ['layer1', 'layer2']);
    assert.ok(r.layers.some((l) => l.path === 'layer2.0.shortcut.0' && l.ms > 0));
  });

  it('shows the measured times in CodeLens and hover', async () => {
    const titles = await waitFor(async () => { const t = await lensTitles(); return t.some((x) => x.startsWith('layer1 \u00b7')) && t; }, 'a timed stage lens');
    // The stage's share of the traced node time, as milliseconds of the untraced p50.
    assert.ok(titles.some((t) => /^layer1 \u00b7 \u2248[\d.]+ ms of p50 [\d.]+ ms \(\d+%\)$/.test(t)), titles.join('\n'));
    assert.ok(titles.some((t) => /^latency p50 [\d.]+ ms \(p90 [\d.]+ ms\) on cpu$/.test(t)), titles.join('\n'));
    const line = lineOf(doc, 'self.conv1 = nn.Conv2d(cin');
    const text = await hoverText(doc, new vscode.Position(line, doc.lineAt(line).text.indexOf('conv1')));
    assert.match(text, /\| latency \| [\d.]+ ms \([\d.]+% of node time\) on cpu, median of 3 traced runs \|/);
  });

  it('marks the times as before the edits once the file changes', async () => {
    const editor = await vscode.window.showTextDocument(doc);
    await editor.edit((e) => e.insert(new vscode.Position(doc.lineCount, 0), '\n# edited\n'));
    await (await api()).analyzed(doc);
    const titles = await waitFor(async () => { const t = await lensTitles(); return t.some((x) => x.endsWith('(before your edits)')) && t; }, 'stale lens');
    assert.ok(titles.some((t) => /^layer2 \u00b7 .* \(before your edits\)$/.test(t)), titles.join('\n'));
    await vscode.commands.executeCommand('workbench.action.files.revert');
  });

  it('compares with the Ghost rewrite: ratio per stage and total', async () => {
    const c = await vscode.commands.executeCommand<CompareResult>('ghostlens.profileLatency', doc.uri, { ...FAST, compareGhost: true });
    assert.ok(c && 'before' in c, 'a comparison');
    assert.equal(c.before.provider, c.after.provider);
    assert.deepEqual(c.stages.map((s) => s.path), ['layer1', 'layer2']);
    assert.ok(c.stages.every((s) => s.ratio !== null && s.ratio > 0));
    const titles = await waitFor(async () => { const t = await lensTitles(); return t.some((x) => x.includes('after Ghost')) && t; }, 'comparison lens');
    assert.ok(titles.some((t) => /^layer1 \u00b7 [\d.]+ ms \(\d+%\) \u2192 [\d.]+ ms after Ghost \(\u00d7[\d.]+ (faster|slower|same)\)$/.test(t)), titles.join('\n'));
  });

  it('Cancel profiling stops a running profile', async () => {
    const running = vscode.commands.executeCommand<ProfileResult | undefined>('ghostlens.profileLatency', doc.uri, { ...FAST, runs: 1_000_000 });
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(await vscode.commands.executeCommand<boolean>('ghostlens.cancelProfile'), true);
    const t0 = Date.now();
    assert.equal(await running, undefined);
    assert.ok(Date.now() - t0 < 10_000);
    assert.equal(await vscode.commands.executeCommand<boolean>('ghostlens.cancelProfile'), false);
  });
});
