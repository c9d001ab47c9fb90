// Rewrite with fitted weights inside VS Code (trusted workspace): the quick fix on a conv has an
// "… and fit weights from MODEL.onnx" variant; ghostlens.ghostify rewrites the document (one edit),
// writes MODEL.ghost.onnx and MODEL.ghost.safetensors beside the ONNX file and returns the result
// the panel shows. The tiny profiling model, its ONNX file made by GhostLens's exporter, a few PNG
// calibration images made here. CPU, a few seconds.
import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { PNG } from 'pngjs';
import { sourceToOnnx } from '../../../src/core/onnx/export';
import { nodeHost } from '../../../src/cli/nodeHost';
import type { GhostifyResult } from '../../../src/core/ghostify/types';
import { api, workspaceFile, waitFor, ghostDiagnostics } from './helpers';

const TINY = readFileSync(join(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'profile', 'tiny_cnn.py'), 'utf8');

describe('Rewrite with fitted weights in VS Code', function () {
  this.timeout(180_000);
  let py: vscode.Uri, onnxFile: vscode.Uri, images: string;

  before(async () => {
    py = workspaceFile('ghostify_tiny.py');
    writeFileSync(py.fsPath, TINY);
    onnxFile = workspaceFile('ghostify_tiny.onnx');
    writeFileSync(onnxFile.fsPath, sourceToOnnx(nodeHost, py.fsPath, TINY).bytes);
    images = workspaceFile('ghostify_calib').fsPath;
    mkdirSync(images, { recursive: true });
    for (let k = 0; k < 8; k++) {
      const png = new PNG({ width: 40, height: 40 });
      for (let i = 0; i < png.data.length; i++) png.data[i] = (i * (k + 5) * 2654435761) >>> 24;
      writeFileSync(join(images, `img${k}.png`), PNG.sync.write(png));
    }
    const cfg = vscode.workspace.getConfiguration('ghostlens.redundancy');
    await cfg.update('onnx', onnxFile.fsPath, vscode.ConfigurationTarget.Workspace);
    await cfg.update('images', images, vscode.ConfigurationTarget.Workspace);
  });

  after(async () => {
    const cfg = vscode.workspace.getConfiguration('ghostlens.redundancy');
    await cfg.update('onnx', undefined, vscode.ConfigurationTarget.Workspace);
    await cfg.update('images', undefined, vscode.ConfigurationTarget.Workspace);
  });

  it('offers the variant on a conv, rewrites the document and writes the weights', async () => {
    const doc = await vscode.workspace.openTextDocument(py);
    await vscode.window.showTextDocument(doc);
    await (await api()).analyzed(doc);
    const line = doc.getText().split('\n').findIndex((l) => l.includes('self.conv1 = nn.Conv2d(3, 16'));
    const diag = await waitFor(() => ghostDiagnostics(py).find((d) => d.range.start.line === line), 'the stem conv diagnostic');
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', py, diag.range, vscode.CodeActionKind.QuickFix.value);
    const variant = actions.find((a) => a.title === 'Rewrite conv1 as a GhostModule (s=2) and fit weights from ghostify_tiny.onnx');
    assert.ok(variant, actions.map((a) => a.title).join('\n'));
    assert.equal(variant.command?.command, 'ghostlens.ghostify');
    const r = await vscode.commands.executeCommand<GhostifyResult>('ghostlens.ghostify', ...(variant.command!.arguments ?? []));
    assert.ok(r && typeof r === 'object', `a result, got ${String(r)}`);
    assert.deepEqual(r.sites.map((s) => [s.kind, s.path]), [['conv', 'conv1']]);
    assert.equal(r.calibration.kind, 'images');
    assert.ok(r.sites[0].fitError !== null && Number.isFinite(r.output.relError));
    await waitFor(() => doc.getText().includes('self.conv1 = GhostModule(3, 16'), 'the rewritten conv');
    assert.ok(existsSync(onnxFile.fsPath.replace(/\.onnx$/, '.ghost.onnx')) && existsSync(onnxFile.fsPath.replace(/\.onnx$/, '.ghost.safetensors')));
    await vscode.commands.executeCommand('undo');
  });
});
