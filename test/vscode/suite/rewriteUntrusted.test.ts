// Rewrites in Restricted Mode: they read and edit text and run nothing, so they are offered and
// applied in an untrusted workspace too.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { api, open, waitFor, ghostDiagnostics, lineOf } from './helpers';

describe('Rewrite code actions in an untrusted workspace', function () {
  this.timeout(60_000);

  it('offers and applies the G-Ghost refactor on a stage', async () => {
    assert.equal(vscode.workspace.isTrusted, false);
    const doc = (await open('resnet_cifar.py')).document;
    const gl = await api();
    await gl.analyzed(doc);
    await waitFor(() => ghostDiagnostics(doc.uri).some((d) => d.code === 'g-ghost-stage'), 'stage diagnostics');
    const pos = new vscode.Position(lineOf(doc, 'self.layer1 = '), 12);
    try {
      const all = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', doc.uri, new vscode.Range(pos, pos), 'refactor.rewrite');
      assert.equal(all.length, 1);
      assert.match(all[0].title, /^Rewrite layer1 as a G-Ghost stage \(\u03bb=0\.4\): model \u2212\d+% MACs/);
      assert.equal(all[0].disabled, undefined);
      await vscode.commands.executeCommand(all[0].command!.command, ...(all[0].command!.arguments ?? []));
      await waitFor(() => doc.getText().includes('self.layer1 = GGhostStage.from_stage('), 'the rewritten stage');
    } finally {
      if (doc.isDirty) {
        await vscode.window.showTextDocument(doc);
        await vscode.commands.executeCommand('workbench.action.files.revert');
      }
    }
  });
});
