// The panel's Ghostify tab: the last rewrite with weights fitted from the trained model — the
// output's agreement with the original on held-out samples (and the same Ghost model at random
// init, when measured), and per site how it was initialised and how well it was rebuilt.
import type { GhostifyView } from '../src/protocol';
import type { OutputAgreement, SiteResult } from '../src/core/ghostify/types';
import { fmtPct } from '../src/views/format';
import { h, icon, append } from './dom';
import { dataGrid, Column } from './grid';

const NA = { text: '\u2014', value: null };

function siteColumns(): Column<SiteResult>[] {
  return [
    { id: 'site', title: 'Site', width: 'minmax(140px, 2fr)', cell: (r) => ({ text: `${r.kind === 'stage' ? 'stage' : 'conv'} ${r.path}`, title: r.init }) },
    { id: 'fitted', title: 'Fitted', width: '90px', numeric: true, help: 'channels fitted of the site\u2019s output channels', cell: (r) => ({ text: `${r.fitted}/${r.channels}`, value: r.fitted }) },
    {
      id: 'fitError', title: 'Fit error', width: '96px', numeric: true,
      help: 'held-out \u2016t \u2212 t\u0302\u2016\u00b2 / \u2016t \u2212 mean t\u2016\u00b2 of the fitted channels, from the original model\u2019s own inputs',
      cell: (r) => (r.fitError === null ? NA : { text: fmtPct(r.fitError), value: r.fitError }),
    },
    {
      id: 'modelError', title: 'In the model', width: '110px', numeric: true,
      help: 'held-out \u2016a \u2212 b\u2016 / \u2016b\u2016 of the site\u2019s output in the ghostified model (a) against the original (b): earlier sites\u2019 errors included',
      cell: (r) => (r.modelError === null ? NA : { text: fmtPct(r.modelError), value: r.modelError }),
    },
    { id: 'init', title: 'Initialised from', width: 'minmax(200px, 4fr)', cell: (r) => ({ text: r.init }) },
  ];
}

const agreement = (a: OutputAgreement) => `output error ${fmtPct(a.relError)}${a.top1 !== null ? ` \u00b7 top-1 agreement ${fmtPct(a.top1)}` : ''}`;

export function renderGhostify(el: HTMLElement, g: { result: GhostifyView | null; stale: boolean } | null, selected: string | null, lineOf: (path: string) => number): void {
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
  el.append(dataGrid('Ghost sites', siteColumns(), r.sites, (s) => ({
    path: s.path, kind: s.kind === 'stage' ? 'stage' : 'module', revealable: lineOf(s.path) > 0, label: `${s.kind} ${s.path}`,
  }), selected));
  if (r.notes.length) el.append(h('ul', { class: 'notes' }, ...r.notes.map((n) => h('li', {}, n))));
}
