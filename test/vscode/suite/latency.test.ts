// Benchmark inside the real VS Code (issue 12): an edit to torchvision's resnet.py → its Problems
// entries updated, minus the debounce. Printed as figures (`benchmark:` lines); the test fails
// only when the entries never update. Goal: ≤ 100 ms beyond the debounce. Run it alone with
// `node out/test/vscode/run.js --only exthost-latency` (a busy machine inflates it: compare runs
// made back to back).
import * as assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import * as vscode from 'vscode';
import { api, ghostDiagnostics, lineOf } from './helpers';

const TV_RESNET = '/usr/lib/python3/dist-packages/torchvision/models/resnet.py';

describe('Keystroke → diagnostics latency', function () {
  this.timeout(180_000);

  it('an edit to torchvision resnet.py updates its Problems entries; prints the time beyond the debounce', async function () {
    if (!existsSync(TV_RESNET)) this.skip();
    const gl = await api();
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(TV_RESNET));
    const editor = await vscode.window.showTextDocument(doc);
    await gl.analyzed(doc);
    const debounce = vscode.workspace.getConfiguration('ghostlens', doc.uri).get<number>('analysis.debounceMs', 400);
    // `self.inplanes = 64` → 65 → 64 …: every stage's figures change, so do the messages.
    const line = lineOf(doc, 'self.inplanes = 64');
    const col = doc.lineAt(line).text.indexOf('64') + 1;
    const messages = () => ghostDiagnostics(doc.uri).map((d) => d.message).join('\n');
    // Two clocks: "published" polls the extension host's diagnostics (what the Problems panel is
    // sent), "event" waits for onDidChangeDiagnostics, which VS Code itself fires 50 ms late
    // (its DebounceEmitter in extHostDiagnostics); the worker's own analysis time is in the result.
    const published: number[] = [], evented: number[] = [], worker: number[] = [];
    try {
      for (let i = 0; i < 9; i++) {
        const before = messages();
        const event = new Promise<number>((resolve) => {
          const sub = vscode.languages.onDidChangeDiagnostics((e) => {
            if (e.uris.some((u) => u.toString() === doc.uri.toString()) && messages() !== before) { sub.dispose(); resolve(performance.now()); }
          });
        });
        const poll = new Promise<number>((resolve) => {
          const tick = () => (messages() !== before ? resolve(performance.now()) : setTimeout(tick, 1));
          tick();
        });
        const t0 = performance.now();
        await editor.edit((e) => e.replace(new vscode.Range(line, col, line, col + 1), i % 2 ? '4' : '5'));
        const timeout = new Promise<number>((r) => setTimeout(() => r(NaN), 60_000));
        const [tp, te] = await Promise.all([Promise.race([poll, timeout]), Promise.race([event, timeout])]);
        assert.ok(!Number.isNaN(tp) && !Number.isNaN(te), `the Problems entries did not change after edit ${i + 1}`);
        published.push(tp - t0 - debounce);
        evented.push(te - t0 - debounce);
        worker.push((await gl.analyzed(doc))?.result?.ms ?? NaN);
      }
    } finally {
      await vscode.commands.executeCommand('workbench.action.files.revert');
    }
    // The first edit pays for warming up; the median of the other eight is the figure.
    const med = (xs: number[]) => { const w = xs.slice(1).sort((a, b) => a - b); return w[Math.floor(w.length / 2)]; };
    const list = (xs: number[]) => xs.slice(1).map((x) => x.toFixed(0)).join(', ');
    console.log(`benchmark: edit → Problems on torchvision resnet.py: median ${med(published).toFixed(0)} ms beyond the ${debounce} ms debounce ` +
      `(published; warm runs ${list(published)} ms; first ${published[0].toFixed(0)} ms; goal ≤ 100 ms)`);
    console.log(`benchmark:   onDidChangeDiagnostics (VS Code fires it 50 ms late): median ${med(evented).toFixed(0)} ms; ` +
      `worker analysis: median ${med(worker).toFixed(0)} ms (${list(worker)} ms)`);
  });
});
