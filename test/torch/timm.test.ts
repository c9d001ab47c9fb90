// timm (PyTorch Image Models), the code most CNN authors build on: each family analysed from its
// own file in ../shared/corpora/timm with its registered factory must equal real PyTorch exactly
// (same oracle and MACs convention as torchvision), and `ghostlens rewrite --all` on it must build
// and run in PyTorch with the figures `analyze` gives for the rewritten file. Each case also
// writes its outcome to test-results/works-on/, which scripts/works-on.mjs turns into the
// README's "Works on" table.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, mkdtempSync, cpSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { analyzeSource } from '../../src/core/python';
import { nodeHost } from '../../src/cli/nodeHost';
import { toJson } from '../../src/views/report';
import { listEntryPoints } from '../../src/core/python/entrypoints';
import { torchAvailable, ROOT } from './python';
import { oracle, compare, checkAndRecord, record, firstLine } from './compare';

const run = promisify(execFile);
const CLI = join(ROOT, 'dist/cli.js');
export const TIMM = join(ROOT, '../shared/corpora/timm');
const MODELS = join(TIMM, 'timm/models');
const INPUT = [[1, 3, 224, 224]];

/** The bar, then further CNN families chosen here (one factory each). */
export const TIMM_FAMILIES: [string, string][] = [
  ['resnet.py', 'resnet18()'], ['resnet.py', 'resnet50()'], ['efficientnet.py', 'efficientnet_b0()'],
  ['efficientnet.py', 'mobilenetv2_100()'], ['mobilenetv3.py', 'mobilenetv3_large_100()'], ['convnext.py', 'convnext_tiny()'],
  ['ghostnet.py', 'ghostnet_100()'], ['ghostnet.py', 'ghostnetv2_100()'],
  ['regnet.py', 'regnetx_002()'], ['dla.py', 'dla34()'], ['densenet.py', 'densenet121()'], ['vgg.py', 'vgg11_bn()'],
  ['dpn.py', 'dpn68()'], ['cspnet.py', 'cspresnet50()'], ['rexnet.py', 'rexnet_100()'], ['res2net.py', 'res2net50_26w_4s()'],
  ['resnest.py', 'resnest14d()'], ['sknet.py', 'skresnet18()'], ['selecsls.py', 'selecsls42b()'], ['repghost.py', 'repghostnet_100()'],
  ['hardcorenas.py', 'hardcorenas_a()'], ['byobnet.py', 'repvgg_a0()'], ['vovnet.py', 'ese_vovnet19b_dw()'], ['inception_v3.py', 'inception_v3()'],
  ['resnetv2.py', 'resnetv2_50()'], ['senet.py', 'legacy_seresnet18()'], ['hrnet.py', 'hrnet_w18_small()'], ['tresnet.py', 'tresnet_m()'],
  ['fasternet.py', 'fasternet_t0()'], ['starnet.py', 'starnet_s1()'], ['repvit.py', 'repvit_m1()'], ['xception.py', 'legacy_xception()'],
  ['xception_aligned.py', 'xception41()'], ['hgnet.py', 'hgnetv2_b0()'], ['rdnet.py', 'rdnet_tiny()'], ['inception_v4.py', 'inception_v4()'], ['nfnet.py', 'nf_resnet50()'],
  ['ghostnet.py', 'ghostnetv3_100()'], ['efficientnet.py', 'mixnet_s()'], ['mobilenetv3.py', 'mobilenetv4_conv_small()'], ['cspnet.py', 'cspdarknet53()'],
  ['inception_resnet_v2.py', 'inception_resnet_v2()'], ['nasnet.py', 'nasnetalarge()'], ['pnasnet.py', 'pnasnet5large()'],
  ['efficientvit_mit.py', 'efficientvit_b0()'], ['efficientvit_msra.py', 'efficientvit_m0()'], ['levit.py', 'levit_128s()'], ['fastvit.py', 'fastvit_t8()'],
  ['edgenext.py', 'edgenext_xx_small()'], ['efficientformer.py', 'efficientformer_l1()'], ['inception_next.py', 'inception_next_tiny()'],
  ['convmixer.py', 'convmixer_768_32()'], ['mambaout.py', 'mambaout_femto()'], ['shvit.py', 'shvit_s1()'],
];

/**
 * The families whose `rewrite --all` applies and runs today: a refusal of one of these is a
 * regression, not an answer (the others' refusals are listed with their reasons in the README).
 */
const MUST_RUN = new Set([
  'resnet18()', 'resnet50()', 'efficientnet_b0()', 'mobilenetv2_100()', 'mobilenetv3_large_100()', 'ghostnet_100()', 'ghostnetv2_100()',
  'regnetx_002()', 'dla34()', 'densenet121()', 'vgg11_bn()', 'res2net50_26w_4s()', 'resnest14d()', 'selecsls42b()', 'repghostnet_100()', 'repvgg_a0()',
  'convnext_tiny()', 'resnetv2_50()', 'legacy_seresnet18()', 'hrnet_w18_small()', 'fasternet_t0()', 'hgnetv2_b0()', 'rdnet_tiny()',
  'xception41()', 'legacy_xception()', 'ghostnetv3_100()', 'mixnet_s()', 'mobilenetv4_conv_small()', 'inception_resnet_v2()', 'nasnetalarge()',
  'pnasnet5large()', 'efficientvit_b0()', 'efficientvit_m0()', 'levit_128s()', 'fastvit_t8()', 'efficientformer_l1()', 'inception_next_tiny()',
  'convmixer_768_32()', 'mambaout_femto()', 'shvit_s1()',
]);

const corpus = existsSync(MODELS);
const skip = !corpus
  ? `the timm corpus is not at ${TIMM} (the shared/ folder beside the repository): timm cases skipped`
  : torchAvailable() ? false : 'PyTorch is not importable by /usr/bin/python3';


describe('timm families equal torch exactly', { skip, concurrency: 2 }, () => {
  for (const [file, expr] of TIMM_FAMILIES) {
    test(`${expr} (timm/models/${file})`, async () => {
      await checkAndRecord('timm', file, join(MODELS, file), expr, INPUT);
    });
  }
});

describe('timm rewrites (--all) run in PyTorch and match the analysis', { skip, concurrency: 2 }, () => {
  for (const [file, expr] of TIMM_FAMILIES) {
    test(`${expr} --all (timm/models/${file})`, async () => {
      const src = join(MODELS, file);
      const before = analyzeSource(nodeHost, src, readFileSync(src, 'utf8'), { model: expr, input: INPUT });
      // The rewritten file goes into a private copy of the package, where its relative imports resolve.
      const tmp = mkdtempSync(join(tmpdir(), 'ghostlens-timm-'));
      try {
        cpSync(join(TIMM, 'timm'), join(tmp, 'timm'), { recursive: true });
        const target = join(tmp, 'timm/models', file);
        let out: { stdout: string; stderr: string };
        try {
          out = await run(process.execPath, [CLI, 'rewrite', src, '--model', expr, '--all'], { maxBuffer: 64 << 20 });
        } catch (e) {
          const msg = (e as { stderr?: string }).stderr ?? String(e);
          if (MUST_RUN.has(expr)) throw new Error(`rewrite --all of ${expr} used to apply and run: ${firstLine(msg.replace(/^ghostlens: /, ''))}`);
          // Nothing to rewrite is an answer (a model without candidates), said on stderr with exit 2.
          if (/no Ghost candidates|nothing to rewrite/i.test(msg)) { record('timm-rewrite', file, expr, 'no candidates'); return; }
          // Every candidate refused with its reason (the model is built by classes of other files:
          // there is nothing in this file to rewrite); the table says why.
          if (/nothing was rewritten/.test(msg) && /^skipped /m.test(msg)) {
            record('timm-rewrite', file, expr, 'nothing rewritable in this file', { reason: /^skipped (.*)$/m.exec(msg)![1] });
            return;
          }
          // A refusal that changes nothing (the rewritten model would not build or keep its shapes)
          // is an answer too; only an applied rewrite must run in PyTorch. The table lists them.
          const refusal = /^ghostlens: (.*nothing was changed.*)$/m.exec(msg);
          if (refusal) { record('timm-rewrite', file, expr, 'refused', { reason: refusal[1] }); return; }
          throw new Error(`rewrite failed: ${firstLine(msg.replace(/^ghostlens: /, ''))}`);
        }
        writeFileSync(target, out.stdout);
        const want = await oracle(target, expr, INPUT, ['--pickle']) as Awaited<ReturnType<typeof oracle>> & { pickled?: boolean };
        assert.equal(want.pickled, true, 'pickles with torch.save');
        assert.deepEqual(want.outputs, before.outputs, 'same output shapes as the original');
        const after = compare(target, expr, INPUT, want);
        assert.ok(after.macs !== null && before.macs !== null && after.macs < before.macs, 'the rewrite lowers MACs');
        record('timm-rewrite', file, expr, 'runs', { params: after.params, macs: after.macs, before: { params: before.params, macs: before.macs } });
      } catch (e) {
        record('timm-rewrite', file, expr, 'differs', { reason: firstLine(e) });
        throw e;
      } finally {
        rmSync(tmp, { recursive: true, force: true });
      }
    });
  }
});

describe('timm registry: create_model and registered factories', { skip }, () => {
  test("create_model('resnet50') from a scratch file gives resnet50()'s figures", () => {
    const dir = mkdtempSync(join(tmpdir(), 'ghostlens-create-'));
    try {
      const scratch = join(dir, 'scratch.py');
      writeFileSync(scratch, 'import torch\nfrom timm import create_model\n');
      const viaRegistry = toJson(analyzeSource(nodeHost, scratch, readFileSync(scratch, 'utf8'), { model: "create_model('resnet50')", input: INPUT, libraryPaths: [TIMM] }));
      const src = join(MODELS, 'resnet.py');
      const direct = toJson(analyzeSource(nodeHost, src, readFileSync(src, 'utf8'), { model: 'resnet50()', input: INPUT }));
      assert.equal(viaRegistry.complete, true, JSON.stringify(viaRegistry.unknowns.slice(0, 3)));
      assert.equal(viaRegistry.params, direct.params);
      assert.equal(viaRegistry.macs, direct.macs);
      assert.deepEqual(viaRegistry.layers.map((l) => [l.path, l.type, l.params, l.macs]), direct.layers.map((l) => [l.path, l.type, l.params, l.macs]));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the entry points of a timm file are its registered factories first', () => {
    const src = join(MODELS, 'ghostnet.py');
    const eps = listEntryPoints(nodeHost, src, readFileSync(src, 'utf8'));
    const registered = eps.filter((e) => e.kind === 'registered').map((e) => e.expr);
    for (const name of ['ghostnet_050()', 'ghostnet_100()', 'ghostnet_130()', 'ghostnetv2_100()']) assert.ok(registered.includes(name), `${name} listed as registered`);
    assert.equal(eps[0].kind, 'registered');
    // Private helpers (`_create_ghostnet`) are not offered.
    assert.ok(!eps.some((e) => e.expr.startsWith('_')));
  });
});
