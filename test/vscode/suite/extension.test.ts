// GhostLens inside a real VS Code (code-server's extension host), in a trusted workspace holding
// examples/ and test/vscode/fixtures/ws/.
import * as assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { Engine, Cancelled } from '../../../src/editor/engine';
import type { AnalyzeRequest, AnalyzeResult } from '../../../src/workerProtocol';
import type { GhostLensApi } from '../../../src/extension';
import { DEFAULT_DIAGNOSTICS } from '../../../src/core/analysis/diagnostics';
import { EXTENSION_ID, api, open, waitFor, ghostDiagnostics, lineOf, hoverText } from './helpers';

const MODEL = 'resnet_cifar.py';

describe('GhostLens in VS Code', function () {
  this.timeout(60_000);
  let gl: GhostLensApi;
  let doc: vscode.TextDocument;

  const stageDiagnostics = () => ghostDiagnostics(doc.uri).filter((d) => d.code === 'g-ghost-stage');
  const convDiagnostics = () => ghostDiagnostics(doc.uri).filter((d) => d.code === 'c-ghost-conv');

  before(async () => {
    doc = (await open(MODEL)).document;
    gl = await api();
    await gl.analyzed(doc);
  });

  afterEach(async () => {
    // Leave the shared model file as the tests found it.
    if (doc.isDirty) {
      await vscode.window.showTextDocument(doc);
      await vscode.commands.executeCommand('workbench.action.files.revert');
    }
  });

  it('activates on a Python file within 50 ms, with the engine outside the extension host bundle', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    assert.ok(ext.isActive);
    const a = gl.activation;
    console.log(`    activation: ${a.wallMs.toFixed(1)} ms wall-clock (bundle ${a.loadMs.toFixed(1)} + activate() ${a.activateMs.toFixed(1)}), ` +
      `${a.cpuMs.toFixed(1)} ms CPU; VS Code between them: ${a.hostMs.toFixed(1)} ms`);
    // CPU time is what GhostLens costs; wall-clock on a 2-core machine also counts the browser and
    // code-server competing for the CPU while the workbench starts.
    assert.ok(a.cpuMs <= 50, `activation used ${a.cpuMs.toFixed(1)} ms of CPU`);
    const bundle = readFileSync(join(ext.extensionPath, 'dist', 'extension.js'), 'utf8');
    assert.doesNotMatch(bundle, /\bclass Interpreter\b|\bInterpreter = class\b/, 'the engine must load in the worker only');
    assert.match(readFileSync(join(ext.extensionPath, 'dist', 'worker.js'), 'utf8'), /\bInterpreter\b/);
    // What the bundle is made of (its source map): none of the parser, interpreter or ONNX code.
    const sources = (JSON.parse(readFileSync(join(ext.extensionPath, 'dist', 'extension.js.map'), 'utf8')) as { sources: string[] }).sources;
    const engine = sources.filter((s) => /src\/core\/(python\/(?!budget\.ts)|onnx\/)|@lezer|onnx-proto/.test(s));
    assert.deepEqual(engine, [], 'engine code in the extension host bundle');
    // A loose bound on the rest (editor, views, protocol): activation's CPU time above is the measure.
    assert.ok(statSync(join(ext.extensionPath, 'dist', 'extension.js')).size < 300_000);
  });

  it('publishes a G-Ghost warning per stage with its share of MACs and the estimate', async () => {
    const stages = await waitFor(() => (stageDiagnostics().length === 3 ? stageDiagnostics() : undefined), 'stage diagnostics');
    const layers = ['layer1', 'layer2', 'layer3'];
    const res = ['32\u00d732', '16\u00d716', '8\u00d78'];
    for (const [i, d] of stages.entries()) {
      assert.equal(d.severity, vscode.DiagnosticSeverity.Warning);
      assert.equal(d.range.start.line, lineOf(doc, `self.${layers[i]} =`));
      assert.match(d.message, new RegExp(`^${layers[i]}: 9 blocks at ${res[i]}, \\d+% of MACs \u2014 G-Ghost \\(\u03bb=0\\.4\\) est\\.: model \u2212\\d+(\\.\\d)?% MACs, [\u2212+]\\d+(\\.\\d)?% params$`), d.message);
    }
    // The squiggle covers the statement's head on its line, not the whole document.
    assert.equal(stages[0].range.start.line, stages[0].range.end.line);
    assert.ok(stages[0].range.end.character > stages[0].range.start.character);
  });

  it('gives ONE C-Ghost diagnostic per source line, aggregating the instances built there', async () => {
    const convs = await waitFor(() => (convDiagnostics().length ? convDiagnostics() : undefined), 'conv diagnostics');
    const blockConv1 = lineOf(doc, 'self.conv1 = nn.Conv2d(in_planes');
    const here = convs.filter((d) => d.range.start.line === blockConv1);
    assert.equal(here.length, 1);
    assert.equal(here[0].severity, vscode.DiagnosticSeverity.Information);
    assert.match(here[0].message, /^conv1 \u00d727 \(layer1\.0\.conv1 \u2026 layer3\.8\.conv1\): 3\u00d73 conv .*, \d+% of MACs \u2014 C-Ghost \(s=2\) est\.: model \u2212\d+(\.\d)?% MACs, \u2212\d+(\.\d)?% params$/);
    assert.equal(new Set(convs.map((d) => d.range.start.line)).size, convs.length, 'one diagnostic per line');
    assert.deepEqual(ghostDiagnostics(doc.uri).filter((d) => d.code === 'unknown'), []);
  });

  it('shows CodeLens above the model class and each stage; the input and its source, Profile latency and Open panel once, on the model class', async () => {
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', doc.uri, 100);
    const on = (line: number) => lenses.filter((l) => l.range.start.line === line).map((l) => l.command!);
    const model = on(lineOf(doc, 'class ResNet('));
    assert.deepEqual(model.map((c) => c.title).slice(1), ['input 1\u00d73\u00d732\u00d732 (from the # ghostlens: comment)', 'Profile latency', 'Open GhostLens panel']);
    assert.equal(model[0].title, 'resnet56(): 1\u00d73\u00d732\u00d732 \u2192 1\u00d710 \u00b7 855,770 params \u00b7 125.75 M MACs');
    assert.deepEqual(model.map((c) => c.command), ['ghostlens.analyzeFile', 'ghostlens.setInput', 'ghostlens.profileLatency', 'ghostlens.openPanel']);
    const block = on(lineOf(doc, 'class BasicBlock('));
    assert.match(block[0].title, /^BasicBlock \u00d727: 1\u00d716\u00d732\u00d732 \u2192 1\u00d716\u00d732\u00d732 \(first\) \u00b7 [\d,]+ params \u00b7 [\d.]+ M MACs \(\d+\.\d% of MACs\)$/);
    const stage = on(lineOf(doc, 'self.layer1 ='));
    assert.equal(stage[0].title, 'stage layer1: 9 blocks, 16\u219216 ch at 32\u00d732 \u00b7 42,048 params \u00b7 42.47 M MACs (33.8% of MACs)');
    // One lens per stage: it opens the panel on the stage (no Profile / Open panel pair on every stage).
    assert.deepEqual(stage.map((c) => [c.command, c.arguments?.[1]]), [['ghostlens.openPanel', 'layer1']]);
  });

  it('hovers on a layer assignment with output shape, params and MACs over all its instances', async () => {
    const line = lineOf(doc, 'self.conv1 = nn.Conv2d(in_planes');
    const text = await hoverText(doc, new vscode.Position(line, doc.lineAt(line).text.indexOf('conv1')));
    assert.match(text, /27 instances: Conv2d/);
    assert.match(text, /\| output \| 1\u00d716\u00d732\u00d732, 1\u00d732\u00d716\u00d716, 1\u00d764\u00d78\u00d78 \|/);
    assert.match(text, /\| params \| [\d,]+ \|/);
    assert.match(text, /\| MACs \| [\d.]+ M — \d+\.\d% of the model \|/);
  });

  it('hovers on forward lines: the called module, and the class on `def forward`', async () => {
    const call = lineOf(doc, 'out = self.layer1(out)');
    const text = await hoverText(doc, new vscode.Position(call, doc.lineAt(call).text.indexOf('layer1') + 2));
    assert.match(text, /layer1: Sequential/);
    assert.match(text, /\| output \| 1\u00d716\u00d732\u00d732 \|/);
    assert.match(text, /\| params \| 42,048 \|/);
    assert.match(text, /\| MACs \| 42\.47 M — 33\.8% of the model \|/);
    const def = lineOf(doc, '    def forward(self, x):'); // BasicBlock's comes first
    const defText = await hoverText(doc, new vscode.Position(def, 8));
    assert.match(defText, /BasicBlock\.forward/);
    assert.match(defText, /\| input \| 1\u00d716\u00d732\u00d732 \|/);
  });

  it('shows model, MACs and params in the status bar', async () => {
    await vscode.window.showTextDocument(doc);
    await waitFor(() => gl.statusText().includes('resnet56()'), 'status bar');
    assert.equal(gl.statusText(), '$(layers) resnet56() \u00b7 125.75 M MACs \u00b7 855.8 K params');
  });

  it('registers every command', async () => {
    const all = await vscode.commands.getCommands(true);
    for (const c of ['analyzeFile', 'selectEntryPoint', 'openPanel', 'profileLatency', 'cancelProfile', 'setupGpuProfiling', 'rewriteAll', 'rewrite']) assert.ok(all.includes(`ghostlens.${c}`), c);
    assert.ok(vscode.workspace.isTrusted);
  });

  it('Analyze current file analyses the active file', async () => {
    await vscode.window.showTextDocument(doc);
    assert.equal(await vscode.commands.executeCommand('ghostlens.analyzeFile'), 'resnet56(): 125747840 MACs, 855770 params');
  });

  it('re-analyses after edits (debounced) and the last edit wins', async () => {
    const editor = await vscode.window.showTextDocument(doc);
    const before = gl.engineStats()!.completed;
    const first = doc.lineAt(0);
    assert.match(first.text, /model=resnet56\(\)/);
    for (const m of ['resnet32()', 'resnet44()', 'resnet110()', 'resnet20()']) {
      await editor.edit((e) => e.replace(first.range, first.text.replace('resnet56()', m)));
    }
    const a = await gl.analyzed(doc);
    assert.equal(a?.result?.graph?.model, 'resnet20()');
    await waitFor(() => stageDiagnostics()[0]?.message.startsWith('layer1: 3 blocks at 32\u00d732'), 'diagnostics of resnet20');
    assert.ok(gl.engineStats()!.completed - before <= 2, `${gl.engineStats()!.completed - before} analyses for 4 quick edits`);
    await vscode.commands.executeCommand('workbench.action.files.revert');
    await gl.analyzed(doc);
    await waitFor(() => stageDiagnostics()[0]?.message.startsWith('layer1: 9 blocks'), 'diagnostics after revert');
  });

  it('cancels stale runs in the worker: a replaced queued run never starts, a superseded slow run is stopped', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    const engine = new Engine(join(ext.extensionPath, 'dist', 'worker.js'), { staleGraceMs: 1, timeoutMs: 30_000 });
    const req = (model: string): AnalyzeRequest => ({
      type: 'analyze', path: doc.uri.fsPath, text: doc.getText(), open: {}, entry: { pick: model }, diagnostics: DEFAULT_DIAGNOSTICS,
    });
    try {
      const slow = engine.run('a', req('resnet110()'));
      const queued = engine.run('b', req('resnet32()'));
      const replacing = engine.run('b', req('resnet20()'));
      await assert.rejects(queued, Cancelled);
      const superseding = engine.run('a', req('resnet44()'));
      await assert.rejects(slow, Cancelled);
      const [b, a] = await Promise.all([replacing, superseding]) as AnalyzeResult[];
      assert.equal(b.graph?.model, 'resnet20()');
      assert.equal(a.graph?.model, 'resnet44()');
      assert.equal(engine.stats.restarts, 1, 'the slow run was stopped by terminating its worker');
      assert.equal(engine.stats.completed, 2);
    } finally {
      engine.dispose();
    }
  });

  it('half-typed code keeps the last good analysis on screen, marked stale, with the syntax error named', async () => {
    const editor = await vscode.window.showTextDocument(doc);
    const line = lineOf(doc, 'self.layer1 =');
    await editor.edit((e) => e.insert(new vscode.Position(line, 0), '        x = 3 if stride 3,\n'));
    await gl.analyzed(doc);
    await waitFor(() => gl.statusText().includes('(stale)'), 'stale status bar');
    assert.match(gl.statusText(), /resnet56\(\) \u00b7 125\.75 M MACs/);
    const stale = ghostDiagnostics(doc.uri).find((d) => d.code === 'stale-analysis');
    assert.ok(stale, 'a diagnostic names the syntax error');
    assert.equal(stale.range.start.line, line);
    assert.match(stale.message, /syntax error.*before this edit/);
    assert.ok(stageDiagnostics().length > 0, 'the stage diagnostics stay');
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', doc.uri, 100);
    const model = lenses.find((l) => l.command?.title.startsWith('resnet56():'));
    assert.ok(model, 'the model lens stays');
    assert.match(model.command!.title, new RegExp(`\\(before your edit: line ${line + 1}: syntax error`));
    // Ctrl+. offers the rewrites disabled, naming the syntax error (never "No code actions available").
    const actions = await gl.codeActions(doc, stageDiagnostics()[0].range);
    assert.ok(actions.length >= 1, 'a disabled action with the reason');
    for (const x of actions) assert.match(x.disabled?.reason ?? '', /syntax error/, x.title);
  });

  it('Select model entry point: another entry, then back to automatic', async () => {
    await vscode.window.showTextDocument(doc);
    assert.equal(await vscode.commands.executeCommand('ghostlens.selectEntryPoint', doc.uri, 'resnet20()'), 'resnet20()');
    await waitFor(() => gl.statusText().includes('resnet20()'), 'status bar with resnet20()');
    await waitFor(() => stageDiagnostics()[0]?.message.startsWith('layer1: 3 blocks'), 'diagnostics of resnet20');
    // The class CodeLens follows the pick (BasicBlock ×9 in resnet20, ×27 in resnet56).
    const lensTitles = async () => (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', doc.uri, 100)).map((l) => l.command?.title ?? '');
    await waitFor(async () => (await lensTitles()).some((t) => t.startsWith('BasicBlock \u00d79:')), 'BasicBlock lens of resnet20');
    assert.equal(await vscode.commands.executeCommand('ghostlens.selectEntryPoint', doc.uri, undefined), 'resnet56()');
    await waitFor(async () => (await lensTitles()).some((t) => t.startsWith('BasicBlock \u00d727:')), 'BasicBlock lens of resnet56');
    await waitFor(() => gl.statusText().includes('resnet56()'), 'status bar back to the comment\'s model');
  });

  it('without a comment, analyses the first factory; a pick switches to another', async () => {
    const ep = (await open('entry_points.py')).document;
    const a = await gl.analyzed(ep);
    assert.equal(a?.result?.graph?.model, 'tiny_narrow()');
    assert.equal(a?.result?.entrySource, 'auto');
    await waitFor(() => gl.statusText().includes('tiny_narrow()'), 'status bar');
    await vscode.commands.executeCommand('ghostlens.selectEntryPoint', ep.uri, 'tiny_wide()');
    await waitFor(() => gl.statusText().includes('tiny_wide()'), 'status bar after the pick');
    await vscode.commands.executeCommand('ghostlens.selectEntryPoint', ep.uri, undefined);
  });

  it('applies settings at once: severity, on/off per kind, λ', async () => {
    const cfg = () => vscode.workspace.getConfiguration('ghostlens');
    try {
      await cfg().update('diagnostics.stage.severity', 'error', vscode.ConfigurationTarget.Global);
      await cfg().update('ghost.lambda', 0.5, vscode.ConfigurationTarget.Global);
      await cfg().update('diagnostics.conv.enabled', false, vscode.ConfigurationTarget.Global);
      await waitFor(() => {
        const s = stageDiagnostics();
        return s.length === 3 && s.every((d) => d.severity === vscode.DiagnosticSeverity.Error && d.message.includes('G-Ghost (\u03bb=0.5)')) &&
          convDiagnostics().length === 0;
      }, 'stage diagnostics as errors at λ=0.5, no conv diagnostics');
    } finally {
      for (const k of ['diagnostics.stage.severity', 'ghost.lambda', 'diagnostics.conv.enabled']) await cfg().update(k, undefined, vscode.ConfigurationTarget.Global);
    }
    await waitFor(() => convDiagnostics().length > 0 && stageDiagnostics().every((d) => d.severity === vscode.DiagnosticSeverity.Warning), 'defaults again');
  });

  it('reports where the analysis met something unknown, with the reason', async () => {
    const u = (await open('unknown_op.py')).document;
    const d = await waitFor(() => ghostDiagnostics(u.uri).find((x) => x.code === 'unknown'), 'unknown diagnostic');
    assert.equal(d.severity, vscode.DiagnosticSeverity.Information);
    assert.equal(d.range.start.line, lineOf(u, 'if magic_gate(x)'));
    assert.match(d.message, /^analysis incomplete: cannot decide condition 'magic_gate\(x\)': cannot resolve import 'my_private_lib'$/);
    await waitFor(() => gl.statusText().includes('$(info)'), 'incomplete mark in the status bar');
  });

  it('survives a fatal V8 error in the engine: the status bar says the analysis stopped, other files still get diagnostics', async () => {
    // The analysis budget would refuse the growing list first: set it out of the way, so that V8
    // itself dies in the engine (the harness gives the engine a small heap: GHOSTLENS_ENGINE_HEAP_MB).
    const cfg = () => vscode.workspace.getConfiguration('ghostlens');
    await cfg().update('analysis.maxMemoryMB', 100_000, vscode.ConfigurationTarget.Global);
    await cfg().update('analysis.timeLimitSeconds', 60, vscode.ConfigurationTarget.Global);
    try {
      const restarts = gl.engineStats()!.restarts;
      const bomb = (await open('bomb.py')).document;
      const stopped = await gl.analyzed(bomb);
      console.error(`    bomb.py: ${stopped?.failure ?? `no failure: ${JSON.stringify(stopped?.result?.error ?? stopped?.result?.graph?.unknowns ?? null).slice(0, 300)}`}`);
      assert.match(stopped?.failure ?? '', /^analysis stopped: the engine ended \(SIGABRT\)/);
      await waitFor(() => gl.statusText().includes('analysis stopped'), 'status bar: analysis stopped', 10_000);
      assert.equal(gl.statusText(), '$(warning) GhostLens: analysis stopped');
      assert.ok(gl.engineStats()!.restarts > restarts, 'the engine process was replaced');
      assert.deepEqual(ghostDiagnostics(bomb.uri).filter((d) => d.code !== 'unknown'), []);
      // The extension host is alive (this test runs in it) and a normal file is analysed again.
      const editor = await vscode.window.showTextDocument(doc);
      await editor.edit((e) => e.insert(new vscode.Position(doc.lineCount, 0), '\n# after the crash\n'));
      const a = await gl.analyzed(doc);
      assert.equal(a?.result?.graph?.model, 'resnet56()');
      await waitFor(() => stageDiagnostics().length === 3 && gl.statusText().includes('resnet56()'), 'diagnostics after the crash');
    } finally {
      await cfg().update('analysis.maxMemoryMB', undefined, vscode.ConfigurationTarget.Global);
      await cfg().update('analysis.timeLimitSeconds', undefined, vscode.ConfigurationTarget.Global);
    }
  });

  it('leaves Python files that define no model alone', async () => {
    const p = (await open('plain.py')).document;
    assert.equal(await gl.analyzed(p), undefined);
    assert.deepEqual(ghostDiagnostics(p.uri), []);
  });
});
