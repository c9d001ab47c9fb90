// The panel's Ghostify tab: the last rewrite with weights fitted from the trained model — the
// output's agreement with the original on held-out samples (and the same Ghost model at random
// init, when measured), and per site how it was initialised and how well it was rebuilt (that
// table comes made from the host, views/panelView.ts).
import type { GhostifyView } from '../src/protocol';
import type { OutputAgreement } from '../src/core/ghostify/types';
import { fmtPct } from '../src/views/format';
import { h, icon, append } from './dom';

const agreement = (a: OutputAgreement) => `output error ${fmtPct(a.relError)}${a.top1 !== null ? ` \u00b7 top-1 agreement ${fmtPct(a.top1)}` : ''}`;

export function renderGhostify(el: HTMLElement, g: { result: GhostifyView | null; stale: boolean } | null, sites: HTMLElement | null): void {
  const r = g?.result;
  if (!r) {
    el.append(h('p', { class: 'dim empty' }, icon('wand'), ' Use a rewrite\u2019s \u201cand fit weights from MODEL.onnx\u201d action (trusted workspaces) to start the Ghost model from the trained weights; the errors per site and the output\u2019s agreement with the original show here.'));
    return;
  }
  const c = r.calibration;
  append(el, [
    h('p', { class: 'profile-line', id: 'ghostify-output' }, icon('wand'), ' ',
      h('strong', {}, agreement(r.output)),
      ` on ${c.test} held-out ${c.kind === 'random' ? 'random inputs' : 'images'} (fitted on ${c.fit}), before any training \u00b7 ${r.model} \u00b7 ${r.seconds.toFixed(1)} s`,
      r.peakRssBytes !== null ? ` \u00b7 peak ${(r.peakRssBytes / 2 ** 20).toFixed(0)} MiB` : '',
      g!.stale ? h('span', { class: 'warning' }, ' ', icon('warning'), ' fitted before the last change to the file') : null),
    r.baselines ? h('p', { class: 'dim' }, `same Ghost model, Ghost parts at random init: ${agreement(r.baselines.ghostRandom)}; all at random init: ${agreement(r.baselines.allRandom)}`) : null,
    h('p', { class: 'dim' }, `weights: ${r.weightsPath ?? 'not written'} \u00b7 model: ${r.onnxPath}`),
  ]);
  if (sites) el.append(sites);
  if (r.notes.length) el.append(h('ul', { class: 'notes' }, ...r.notes.map((n) => h('li', {}, n))));
}
