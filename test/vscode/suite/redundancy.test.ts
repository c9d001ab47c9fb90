// Measure redundancy inside VS Code (trusted workspace): the command measures an ONNX file of the
// tiny profiling model (made here by GhostLens's exporter) on a folder of PNG calibration images
// (made here), returns the figures the panel shows, and puts the measured note on the stages'
// diagnostics of the matching .py file. CPU, a few images, a second or two.
import * as assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { PNG } from 'pngjs';
import { sourceToOnnx } from '../../../src/core/onnx/export';
import { nodeHost } from '../../../src/cli/nodeHost';
import type { RedundancyResult } from '../../../src/core/redundancy/types';
import { api, workspaceFile, waitFor, ghostDiagnostics } from './helpers';

const TINY = readFileSync(join(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'profile', 'tiny_cnn.py'), 'utf8');

describe('Measure redundancy in VS Code', function () {
  this.timeout(120_000);
  let py: vscode.Uri, onnxFile: vscode.Uri, images: string;

  before(async () => {
    py = workspaceFile('redundancy_tiny.py');
    writeFileSync(py.fsPath, TINY);
    onnxFile = workspaceFile('redundancy_tiny.onnx');
    writeFileSync(onnxFile.fsPath, sourceToOnnx(nodeHost, py.fsPath, TINY).bytes);
    images = workspaceFile('calib').fsPath;
    mkdirSync(images, { recursive: true });
    for (let k = 0; k < 6; k++) {
      const png = new PNG({ width: 40, height: 40 });
      for (let i = 0; i < png.data.length; i++) png.data[i] = (i * (k + 3) * 2654435761) >>> 24;
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

  it('measures the .py file\'s model from its ONNX file on the images folder', async () => {
    const doc = await vscode.workspace.openTextDocument(py);
    await vscode.window.showTextDocument(doc);
    await (await api()).analyzed(doc);
    const r = await vscode.commands.executeCommand<RedundancyResult>('ghostlens.measureRedundancy', py);
    assert.ok(r && typeof r === 'object', `a result, got ${String(r)}`);
    assert.equal(r.calibration.kind, 'images');
    assert.equal(r.calibration.samples, 6);
    assert.deepEqual(r.stages.map((s) => s.stage), ['layer1', 'layer2']);
    for (const s of r.stages) for (const b of s.blocks) assert.ok(b.relError >= 0 && Number.isFinite(b.relError), `${b.path}: ${b.relError}`);
    assert.ok(r.layers.some((l) => l.path === 'layer1.0.conv1'), r.layers.map((l) => l.path).join(', '));
    // The stage diagnostics now carry the measurement beside their one-line message (related information).
    await waitFor(() => ghostDiagnostics(py).some((d) => d.relatedInformation?.some((r) => /^measured: layer\d\.\d+ rebuilt from /.test(r.message))), 'a measured note on a diagnostic');
    assert.ok(ghostDiagnostics(py).every((d) => !d.message.includes('\n') && !/[Mm]easured/.test(d.message)), 'Problems messages stay one line');
  });
});
