// GhostLens in Restricted Mode (an untrusted workspace): static analysis works; what would run
// the user's model is disabled with a clear message.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { api, open, waitFor, ghostDiagnostics } from './helpers';

describe('GhostLens in an untrusted workspace', function () {
  this.timeout(60_000);

  it('runs in Restricted Mode', async () => {
    assert.equal(vscode.workspace.isTrusted, false);
    const gl = await api();
    assert.ok(gl.activation.cpuMs <= 50);
  });

  it('still analyses statically: diagnostics and status bar', async () => {
    const doc = (await open('resnet_cifar.py')).document;
    const gl = await api();
    await gl.analyzed(doc);
    await waitFor(() => ghostDiagnostics(doc.uri).filter((d) => d.code === 'g-ghost-stage').length === 3, 'stage diagnostics');
    await waitFor(() => gl.statusText().includes('resnet56()'), 'status bar');
  });

  it('disables Profile latency with a clear message, in the command and the CodeLens', async () => {
    const doc = (await open('resnet_cifar.py')).document;
    const msg = await vscode.commands.executeCommand<string>('ghostlens.profileLatency', doc.uri, '');
    assert.match(msg, /^GhostLens: Profile latency runs your model, so it is disabled in Restricted Mode\. Trust this workspace/);
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', doc.uri, 100);
    assert.ok(lenses.some((l) => l.command?.title === 'Profile latency (needs a trusted workspace)'));
    assert.ok(!lenses.some((l) => l.command?.title === 'Profile latency'));
  });

  it('disables Measure redundancy with a clear message', async () => {
    const doc = (await open('resnet_cifar.py')).document;
    const msg = await vscode.commands.executeCommand<string>('ghostlens.measureRedundancy', doc.uri);
    assert.match(msg, /^GhostLens: Measure redundancy runs your model, so it is disabled in Restricted Mode\. Trust this workspace/);
  });
});
