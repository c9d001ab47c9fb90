// The rewrite code actions in a real VS Code: offered through the code action API like the
// lightbulb asks for them, applied through their command, checked against the engine's analysis
// of the rewritten file; the diagnostic goes, one undo restores the text, and stale or half-typed
// documents are refused with a reason.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { GhostLensApi } from '../../../src/extension';
import type { RewriteSummary } from '../../../src/core/rewrite/actions';
import { fmtChange } from '../../../src/core/analysis/diagnostics';
import { pct } from '../../../src/core/analysis/ghost';
import { api, open, waitFor, ghostDiagnostics, lineOf } from './helpers';

const MODEL = 'resnet_cifar.py';

describe('Rewrite code actions', function () {
  this.timeout(60_000);
  let gl: GhostLensApi;
  let doc: vscode.TextDocument;
  let original: string;

  const actions = (range: vscode.Range, kind: string) =>
    vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', doc.uri, range, kind);
  /** The provider's own actions: `disabled` and `diagnostics` included (the API command drops them). */
  const provided = (range: vscode.Range, kind: string) => gl.codeActions(doc, range, kind);
  const lineRange = (needle: string) => doc.lineAt(lineOf(doc, needle)).range;
  const diagnosticsAt = (code: string, needle: string) => ghostDiagnostics(doc.uri).filter((d) => d.code === code && d.range.start.line === lineOf(doc, needle));
  /** The figures of the analysis of the document's current version. */
  const totals = async () => {
    const a = await gl.analyzed(doc);
    assert.equal(a?.version, doc.version);
    const g = a!.result!.graph!;
    return { params: g.params, macs: g.macs! };
  };
  const change = (b: { params: number; macs: number }, a: { params: number; macs: number }) => `: model ${fmtChange(pct(b.macs, a.macs))} MACs, ${fmtChange(pct(b.params, a.params))} params`;
  const apply = (a: vscode.CodeAction) => vscode.commands.executeCommand<RewriteSummary | string>(a.command!.command, ...(a.command!.arguments ?? []));
  const undo = async () => {
    await vscode.window.showTextDocument(doc);
    await vscode.commands.executeCommand('undo');
    await waitFor(() => doc.getText() === original, 'the original text after one undo', 5_000);
  };

  before(async () => {
    doc = (await open(MODEL)).document;
    gl = await api();
    await gl.analyzed(doc);
    original = doc.getText();
  });

  afterEach(async () => {
    if (doc.isDirty) {
      await vscode.window.showTextDocument(doc);
      await vscode.commands.executeCommand('workbench.action.files.revert');
    }
  });

  it('quick fix on a C-Ghost diagnostic: its title is the engine on the rewritten file; the diagnostic goes; one undo restores', async () => {
    const at = 'self.conv1 = nn.Conv2d(in_planes';
    const [diag] = await waitFor(() => diagnosticsAt('c-ghost-conv', at).length === 1 && diagnosticsAt('c-ghost-conv', at), 'the conv diagnostic');
    const before = await totals();
    const all = await actions(diag.range, vscode.CodeActionKind.QuickFix.value);
    const fix = all.find((a) => a.title.startsWith('Rewrite conv1 \u00d727 as GhostModules (s=2): model '));
    assert.ok(fix, all.map((a) => a.title).join('\n'));
    assert.equal(fix.kind?.value, 'quickfix');
    const own = (await provided(diag.range, 'quickfix')).find((a) => a.title === fix.title);
    assert.equal(own?.disabled, undefined);
    assert.deepEqual(own?.diagnostics?.map((d) => d.message), [diag.message], 'attached to its diagnostic');
    const summary = await apply(fix);
    assert.equal(typeof summary, 'object', String(summary));
    await waitFor(() => doc.getText().includes('self.conv1 = GhostModule(in_planes, planes, kernel_size=3, ratio=2, dw_size=3, stride=stride, relu=False)'), 'the GhostModule call');
    const after = await totals();
    assert.ok(fix.title.endsWith(change(before, after)), `${fix.title} vs the analysis after: ${change(before, after)}`);
    assert.deepEqual(summary, { ...(summary as RewriteSummary), title: fix.title, before, after });
    // The classes once, after the imports; everything before the inserted class kept as it was.
    assert.equal(doc.getText().match(/^class GhostModule\b/gm)?.length, 1);
    assert.ok(doc.getText().startsWith(original.slice(0, original.indexOf('\n\n\nclass BasicBlock'))));
    await waitFor(() => diagnosticsAt('c-ghost-conv', 'self.conv1 = GhostModule(').length === 0 && ghostDiagnostics(doc.uri).length > 0, 'the diagnostic gone after re-analysis');
    // The class CodeLens shows the rewritten model's figures.
    const lens = async () => (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', doc.uri, 100)).map((l) => l.command?.title ?? '').find((t) => t.startsWith('BasicBlock'));
    await waitFor(async () => { const t = await lens(); return t && !t.includes('125.30 M MACs') && t; }, 'a BasicBlock lens with the new figures');
    await undo();
  });

  it('refactor.rewrite on a stage line: G-Ghost stage, the stage diagnostic goes, the others stay; one undo restores', async () => {
    const at = 'self.layer2 = ';
    await waitFor(() => diagnosticsAt('g-ghost-stage', at).length === 1, 'the stage diagnostic');
    const before = await totals();
    const pos = lineRange(at).start.translate(0, 12);
    const all = await actions(new vscode.Range(pos, pos), vscode.CodeActionKind.RefactorRewrite.value);
    // The plain rewrite, and (trusted workspace) its variant that fits the weights from an ONNX export.
    assert.deepEqual(all.map((a) => a.kind?.value), ['refactor.rewrite', 'refactor.rewrite']);
    const [action, fit] = all;
    assert.match(action.title, /^Rewrite layer2 as a G-Ghost stage \(\u03bb=0\.4\): model \u2212\d+% MACs, [\u2212+]\d+(\.\d)?% params$/);
    assert.match(fit.title, /^Rewrite layer2 as a G-Ghost stage \(\u03bb=0\.4\) and fit weights from /);
    await apply(action);
    await waitFor(() => doc.getText().includes('self.layer2 = GGhostStage.from_stage(\n            self._make_layer(block, 32, num_blocks[1], stride=2),\n'), 'the G-Ghost stage');
    assert.ok(action.title.endsWith(change(before, await totals())));
    await waitFor(() => diagnosticsAt('g-ghost-stage', 'self.layer2 = ').length === 0 && diagnosticsAt('g-ghost-stage', 'self.layer3 = ').length === 1, 'layer2 diagnostic gone, layer3 kept');
    await undo();
  });

  it('source action for all candidates; its command refuses a document changed since; ghostlens.rewriteAll applies the same', async () => {
    const before = await totals();
    const full = new vscode.Range(0, 0, doc.lineCount, 0);
    const [all] = await actions(full, 'source.ghostlens.rewriteAll');
    assert.ok(all, 'the source action');
    assert.match(all.title, /^Rewrite all Ghost candidates \(3 stages, 1 conv site\): model \u2212\d+% MACs, \u2212\d+% params$/);
    // Not offered where nobody asked for source actions (the lightbulb).
    assert.ok(!(await actions(lineRange('self.layer2 = '), vscode.CodeActionKind.QuickFix.value)).some((a) => a.title.startsWith('Rewrite all')));
    // The document changes between the plan and the click: refused, nothing rewritten.
    const edit = new vscode.WorkspaceEdit();
    edit.insert(doc.uri, new vscode.Position(doc.lineCount, 0), '# edited\n');
    assert.ok(await vscode.workspace.applyEdit(edit));
    const refused = await apply(all);
    assert.match(String(refused), /^GhostLens: resnet_cifar\.py changed since the rewrite of all Ghost candidates was computed; nothing was changed/);
    assert.doesNotMatch(doc.getText(), /GGhostStage/);
    await vscode.commands.executeCommand('workbench.action.files.revert');
    await waitFor(() => doc.getText() === original, 'reverted');
    const summary = await vscode.commands.executeCommand<RewriteSummary>('ghostlens.rewriteAll', doc.uri);
    assert.equal(summary.title, all.title);
    assert.deepEqual(summary.applied.map((a) => `${a.kind} ${a.path}`), ['stage layer1', 'stage layer2', 'stage layer3', 'conv conv1']);
    assert.ok(all.title.endsWith(change(before, await totals())));
    await waitFor(() => ghostDiagnostics(doc.uri).filter((d) => d.code !== 'unknown').length === 0, 'no Ghost candidates left');
    // Nothing left: the source action says so instead of rewriting twice.
    const [again] = await provided(full, 'source.ghostlens.rewriteAll');
    assert.equal(again?.title, 'Rewrite all Ghost candidates');
    assert.match(again?.disabled?.reason ?? '', /no Ghost candidates/);
    assert.equal(again?.command, undefined);
    await undo();
  });

  it('half-typed file: the rewrite is shown disabled with the line to finish; nothing is applied', async () => {
    const edit = new vscode.WorkspaceEdit();
    edit.insert(doc.uri, new vscode.Position(doc.lineCount, 0), '\ndef unfinished(x:\n');
    assert.ok(await vscode.workspace.applyEdit(edit));
    await gl.analyzed(doc);
    const at = 'self.conv1 = nn.Conv2d(in_planes';
    const all = await provided(lineRange(at), vscode.CodeActionKind.QuickFix.value);
    const fix = all.find((a) => a.title.startsWith('Rewrite conv1'));
    assert.equal(fix?.title, 'Rewrite conv1 \u00d727 as GhostModules (s=2)', 'no figures: there is no rewrite to predict');
    assert.ok(fix, all.map((a) => a.title).join('\n'));
    assert.match(fix.disabled?.reason ?? '', /^line \d+ has a syntax error.*; finish the code first$/);
    assert.equal(fix.command, undefined);
    const said = await vscode.commands.executeCommand<string>('ghostlens.rewrite', doc.uri, { kind: 'conv', path: 'layer1.0.conv1' });
    assert.match(said, /^GhostLens: cannot rewrite layer1\.0\.conv1 into a GhostModule: line \d+ has a syntax error/);
    assert.doesNotMatch(doc.getText(), /GhostModule/);
  });

  it('ghostlens.rewrite: a refusal names the reason; with rewrite.classes = module it creates ghost_modules.py in the same edit', async () => {
    assert.match(await vscode.commands.executeCommand<string>('ghostlens.rewrite', doc.uri, { kind: 'stage', path: 'nope' }), /^GhostLens: cannot rewrite nope into a G-Ghost stage: no stage 'nope'/);
    assert.match(await vscode.commands.executeCommand<string>('ghostlens.rewrite', doc.uri, 'layer1'), /needs a target/);
    const config = vscode.workspace.getConfiguration('ghostlens', doc.uri);
    const ghostModules = vscode.Uri.joinPath(doc.uri, '..', 'ghost_modules.py');
    await config.update('rewrite.classes', 'module', vscode.ConfigurationTarget.Workspace);
    try {
      await gl.analyzed(doc);
      const summary = await vscode.commands.executeCommand<RewriteSummary>('ghostlens.rewrite', doc.uri, { kind: 'stage', path: 'layer3' });
      assert.deepEqual(summary.files, [ghostModules.fsPath]);
      assert.match(doc.getText(), /^from ghost_modules import GGhostStage$/m);
      assert.doesNotMatch(doc.getText(), /^class GGhostStage/m);
      const created = await vscode.workspace.openTextDocument(ghostModules);
      assert.match(created.getText(), /^class GGhostStage\(nn\.Module\):/m);
      await waitFor(() => diagnosticsAt('g-ghost-stage', 'self.layer3 = ').length === 0 && ghostDiagnostics(doc.uri).length > 0, 'layer3 diagnostic gone');
    } finally {
      await config.update('rewrite.classes', undefined, vscode.ConfigurationTarget.Workspace);
      await vscode.workspace.fs.delete(ghostModules).then(undefined, () => undefined);
    }
  });
});
