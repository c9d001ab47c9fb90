// The GhostLens panel's host inside a real VS Code: how the webview is set up (CSP, resource
// roots, no retainContextWhenHidden), that its script loads and asks for the data, reveals,
// follows the active model file, comes back after being hidden, and turns actions into commands
// (or a clear notice when a command is missing). What the webview shows is checked in the browser
// by harness/panelUi.ts.
import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { GhostLensApi } from '../../../src/extension';
import type { PanelProbe } from '../../../src/editor/panel';
import { EXTENSION_ID, api, open, waitFor, lineOf, workspaceFile } from './helpers';

const MODEL = 'resnet_cifar.py';

function panelTab(): vscode.Tab | undefined {
  return vscode.window.tabGroups.all.flatMap((g) => g.tabs)
    .find((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.endsWith('ghostlens.panel'));
}

describe('GhostLens panel (extension host)', function () {
  this.timeout(90_000);
  let gl: GhostLensApi;
  let doc: vscode.TextDocument;
  const probe = (): PanelProbe => { const p = gl.panel(); assert.ok(p, 'the panel is open'); return p; };
  /** Waits for a posted message whose summary matches, after the first `from` ones. */
  const posted = (re: RegExp, from = 0, what = String(re)) => waitFor(() => probe().posted.slice(from).find((m) => re.test(m)), `posted ${what}`, 30_000);

  before(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    doc = (await open(MODEL)).document;
    gl = await api();
    await gl.analyzed(doc);
  });

  after(async () => {
    const tab = panelTab();
    if (tab) await vscode.window.tabGroups.close(tab);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('opens beside the editor: scripts from its own folder only, a strict CSP with a nonce, no retainContextWhenHidden', async () => {
    const msg = await vscode.commands.executeCommand<string>('ghostlens.openPanel');
    assert.equal(msg, `GhostLens panel: ${doc.uri.toString()}`);
    const tab = await waitFor(panelTab, 'the panel tab');
    assert.equal(tab.label, `GhostLens: ${MODEL}`);
    const p = probe();
    assert.equal(p.viewColumn, vscode.ViewColumn.Two);
    assert.equal(p.options.enableScripts, true);
    assert.ok(!p.options.retainContextWhenHidden, 'retainContextWhenHidden must stay off');
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    assert.deepEqual(p.options.localResourceRoots?.map((u) => u.fsPath), [join(ext.extensionPath, 'dist', 'webview')]);

    const csp = (/<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(p.html)?.[1] ?? '').replace(/&amp;/g, '&');
    const directives = Object.fromEntries(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k, v]));
    const nonce = /^'nonce-([A-Za-z0-9+/=]{20,})'$/.exec(directives['script-src']?.[0] ?? '')?.[1];
    assert.ok(nonce, `script-src allows the nonce only: ${csp}`);
    // Nothing but the extension's own files (cspSource) and this load's nonce; no remote content.
    const own = p.cspSource.split(/\s+/);
    assert.deepEqual(directives, {
      'default-src': ["'none'"], 'script-src': [`'nonce-${nonce}'`], 'style-src': [...own, `'nonce-${nonce}'`],
      'font-src': own, 'img-src': [...own, 'data:'],
    }, csp);
    // The one script of the page carries that nonce and comes from the extension; no inline handlers or styles.
    const scripts = [...p.html.matchAll(/<script\b([^>]*)>/g)].map((m) => m[1]);
    assert.equal(scripts.length, 1);
    assert.ok(scripts[0].includes(`nonce="${nonce}"`), scripts[0]);
    assert.match(scripts[0], /src="[^"]*\/dist\/webview\/panel\.js"/);
    assert.doesNotMatch(p.html, /\son[a-z]+=|style="/i);
  });

  it('its script loads under that CSP and asks for the data: caps, the model, profile and redundancy come', async () => {
    await posted(/^model:resnet56\(\)$/);
    await posted(/^caps:trusted/);
    const p = probe();
    assert.ok(p.posted.includes('profile:none'));
    assert.ok(p.posted.includes('redundancy:none'));
    assert.equal(p.uri, doc.uri.toString());
    // The webview reports its own problems (script errors, CSP refusals) to the host's log.
    assert.deepEqual(p.logs.filter((l) => /webview (error|warn)/.test(l)), []);
  });

  it('reveals a stage row\'s source line in the editor beside it', async () => {
    const start = await vscode.window.showTextDocument(doc, vscode.ViewColumn.One);
    start.selection = new vscode.Selection(0, 0, 0, 0);
    await probe().receive({ type: 'reveal', kind: 'stage', path: 'layer2' });
    const ed = await waitFor(() => vscode.window.activeTextEditor?.document === doc && vscode.window.activeTextEditor.selection.start.line > 0 && vscode.window.activeTextEditor, 'the editor moved');
    assert.equal(ed.selection.start.line, lineOf(doc, 'self.layer2 ='));
    assert.equal(ed.viewColumn, vscode.ViewColumn.One);
    assert.equal(doc.lineAt(ed.selection.start.line).text.slice(ed.selection.start.character, ed.selection.end.character), 'self.layer2 = self._make_layer(block, 32, num_blocks[1], stride=2)');
    await probe().receive({ type: 'reveal', kind: 'module', path: 'layer3.4.conv2' });
    await waitFor(() => vscode.window.activeTextEditor?.selection.start.line === lineOf(doc, 'self.conv2 = nn.Conv2d('), 'the conv2 site');
  });

  it('ignores and logs malformed messages from the webview, and keeps working', async () => {
    const before = probe().logs.length;
    for (const bad of [{ type: 'reveal', kind: 'stage', path: 7 }, { type: 'rm -rf' }, 'ready', null, { type: 'profile', request: { runs: -1 } }]) {
      await probe().receive(bad);
    }
    const logs = probe().logs.slice(before);
    assert.equal(logs.length, 5, logs.join('\n'));
    assert.match(logs[0], /ignored a bad message \(reveal\.path: expected a string, got number\)/);
    assert.match(logs[1], /unknown type "rm -rf"/);
    const n = probe().posted.length;
    await probe().receive({ type: 'ready' });
    await posted(/^model:resnet56\(\)$/, n);
  });

  it('follows another model file when it becomes active; a file without a model leaves it', async () => {
    const ep = await vscode.workspace.openTextDocument(workspaceFile('entry_points.py'));
    await vscode.window.showTextDocument(ep, vscode.ViewColumn.One);
    await waitFor(() => probe().uri === ep.uri.toString(), 'the panel follows entry_points.py');
    await posted(/^model:tiny_narrow\(\)$/);
    await waitFor(() => panelTab()?.label === 'GhostLens: entry_points.py', 'the panel\'s title names the file');
    const plain = await vscode.workspace.openTextDocument(workspaceFile('plain.py'));
    await vscode.window.showTextDocument(plain, vscode.ViewColumn.One);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(probe().uri, ep.uri.toString());
    await vscode.window.showTextDocument(doc, vscode.ViewColumn.One);
    await waitFor(() => probe().uri === doc.uri.toString(), 'back on resnet_cifar.py');
  });

  it('updates when the model file changes', async () => {
    const ed = await vscode.window.showTextDocument(doc, vscode.ViewColumn.One);
    const n = probe().posted.length;
    const first = doc.lineAt(0);
    try {
      await ed.edit((e) => e.replace(first.range, first.text.replace('resnet56()', 'resnet20()')));
      await posted(/^model:resnet20\(\)$/, n, 'the model of the edited file');
    } finally {
      await vscode.commands.executeCommand('workbench.action.files.revert');
    }
    await posted(/^model:resnet56\(\)$/, n, 'the model after the revert');
  });

  it('hidden, its webview is gone; shown again it loads, asks again and gets everything', async () => {
    const other = await vscode.workspace.openTextDocument(workspaceFile('plain.py'));
    await vscode.window.showTextDocument(other, { viewColumn: vscode.ViewColumn.Two, preserveFocus: false });
    await waitFor(() => !probe().visible, 'the panel hidden behind plain.py');
    const n = probe().posted.length;
    await vscode.window.showTextDocument(doc, vscode.ViewColumn.One);
    await vscode.commands.executeCommand('ghostlens.openPanel');
    await waitFor(() => probe().visible, 'the panel visible again');
    await posted(/^model:resnet56\(\)$/, n, 'the model, after the reloaded webview said it is ready');
    await posted(/^caps:trusted/, n, 'the capabilities again');
    assert.ok(probe().posted.slice(n).includes('profile:none'));
    await vscode.window.tabGroups.close(vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => t.label === 'plain.py'));
  });

  it('Open panel from a stage CodeLens selects that stage', async () => {
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', doc.uri, 100);
    const open = lenses.find((l) => l.command?.command === 'ghostlens.openPanel' && l.command.arguments?.[1] === 'layer3')!;
    const n = probe().posted.length;
    await vscode.commands.executeCommand(open.command!.command, ...open.command!.arguments!);
    await posted(/^focus:layer3$/, n);
  });

  it('Profile from the panel: the profiler\'s result arrives, fresh (trusted workspace, CPU)', async function () {
    const n = probe().posted.length;
    await probe().receive({ type: 'profile', request: { provider: 'cpu', threads: 1, runs: 5, warmup: 1, compareGhost: false } });
    await posted(/^busy:profile:false$/, n, 'the end of the profile run');
    const out = probe().posted.slice(n);
    assert.ok(out.indexOf('busy:profile:true') < out.indexOf('busy:profile:false'), out.join('\n'));
    assert.ok(out.includes('busy:profile:true'), out.join('\n'));
    const result = out.find((m) => m.startsWith('profile:'));
    // This build has the profiler and the workspace is trusted: a result must come, with no error notice
    // (the refusal in Restricted Mode is panelUntrusted.test.ts's).
    assert.equal(result, 'profile:fresh', out.join('\n'));
    assert.ok(!out.some((m) => m.startsWith('notice:error')), out.join('\n'));
  });

  it('Rewrite from the panel: applied through the rewrite command, or a clear notice', async () => {
    const n = probe().posted.length;
    try {
      await probe().receive({ type: 'rewrite', kind: 'stage', path: 'layer1' });
      await posted(/^busy:rewrite:false$/, n, 'the end of the rewrite');
      const notice = probe().posted.slice(n).find((m) => m.startsWith('notice:'));
      const all = await vscode.commands.getCommands(true);
      if (all.includes('ghostlens.rewrite')) {
        assert.match(notice ?? '', /^notice:info:Rewrote layer1 into a G-Ghost stage/);
        await waitFor(() => doc.getText().includes('GGhostStage'), 'the rewritten file');
        await posted(/^model:resnet56\(\)$/, n, 'the analysis of the rewritten file');
      } else {
        assert.equal(notice, 'notice:warning:Rewriting is not available in this version of GhostLens.');
        console.log(`    rewrite from the panel: ${notice}`);
      }
    } finally {
      if (doc.isDirty) {
        await vscode.window.showTextDocument(doc, vscode.ViewColumn.One);
        await vscode.commands.executeCommand('workbench.action.files.revert');
      }
    }
  });
});
