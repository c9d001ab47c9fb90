// The GhostLens panel in Restricted Mode: it shows the static analysis; profiling and measuring
// redundancy (which run the model) are refused with a clear notice, before any command runs.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { api, open, waitFor } from './helpers';

describe('GhostLens panel in an untrusted workspace', function () {
  this.timeout(60_000);

  it('shows the analysis, says profiling and measuring need trust', async () => {
    assert.equal(vscode.workspace.isTrusted, false);
    const doc = (await open('resnet_cifar.py')).document;
    const gl = await api();
    await gl.analyzed(doc);
    await vscode.commands.executeCommand('ghostlens.openPanel', doc.uri);
    const posted = (re: RegExp, from = 0) => waitFor(() => gl.panel()?.posted.slice(from).find((m) => re.test(m)), String(re), 30_000);
    await posted(/^model:resnet56\(\)$/);
    const caps = await posted(/^caps:/);
    assert.doesNotMatch(caps, /trusted/);
    const n = gl.panel()!.posted.length;
    await gl.panel()!.receive({ type: 'profile', request: { provider: 'cpu', threads: 1, runs: 5, warmup: 1, compareGhost: false } });
    await posted(/^notice:warning:Profiling runs your model, so it is disabled in Restricted Mode\. Trust this workspace/, n);
    await gl.panel()!.receive({ type: 'measureRedundancy' });
    await posted(/^notice:warning:Measuring redundancy runs the model, so it is disabled in Restricted Mode/, n);
    assert.ok(!gl.panel()!.posted.slice(n).some((m) => m.startsWith('busy:')), 'nothing was started');
  });
});
