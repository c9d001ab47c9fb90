// The GhostLens panel inside its webview: renders what the host sends (src/protocol.ts), keeps it
// with setState, and turns clicks into messages (reveal, profile, rewrite, measure redundancy).
// Everything is built with DOM calls and textContent; the CSP allows no inline script or style.
import {
  provideVSCodeDesignSystem, vsCodeButton, vsCodeCheckbox, vsCodeDataGrid, vsCodeDataGridCell, vsCodeDataGridRow,
  vsCodeDivider, vsCodeDropdown, vsCodeOption, vsCodePanels, vsCodePanelTab, vsCodePanelView,
} from '@vscode/webview-ui-toolkit';
import { badge, progressRing } from './components';
import '@vscode/codicons/dist/codicon.css';
import './panel.css';
import { hostMessage, receive, isCompare, HostMessage, ProfileRequest } from '../src/protocol';
import type { ProviderChoice } from '../src/core/profile/types';
import type { ChartView, PanelView } from '../src/views/panelView';
import { fmtMs, fmtRatio, fmtUnit } from '../src/views/format';
import { h, icon, clear, byId, append } from './dom';
import { post, getState, setState, log } from './vscode';
import { restore, TABS, TabId, PanelState, Busy } from './state';
import { dataGrid, markSelected, rowOf, Actions } from './grid';
import { drawChart, pruneCharts } from './charts';
import { renderGhostify } from './ghostify';

provideVSCodeDesignSystem().register(
  badge(), vsCodeButton(), vsCodeCheckbox(), vsCodeDataGrid(), vsCodeDataGridCell(), vsCodeDataGridRow(), vsCodeDivider(),
  vsCodeDropdown(), vsCodeOption(), vsCodePanels(), vsCodePanelTab(), vsCodePanelView(), progressRing(),
);

const TAB_TITLES: Record<TabId, string> = { stages: 'Stages', convs: 'Convs', layers: 'Layers', charts: 'Charts', redundancy: 'Redundancy', ghostify: 'Ghostify' };
const PROVIDERS: [ProviderChoice, string][] = [
  ['auto', 'Auto (best present)'], ['cpu', 'CPU'], ['cuda', 'CUDA'], ['tensorrt', 'TensorRT'], ['dml', 'DirectML'], ['coreml', 'CoreML'], ['webgpu', 'WebGPU'],
];
const THREADS = [0, 1, 2, 4, 8, 16];
const RUNS = [10, 20, 50, 100, 200, 500];
const WARMUP = [0, 5, 10, 20, 50];

const restored = restore(getState());
const state: PanelState = restored.state;
const busy: Record<'profile' | 'redundancy' | 'rewrite', Busy> = {
  profile: { running: false, canCancel: false }, redundancy: { running: false, canCancel: false }, rewrite: { running: false, canCancel: false },
};
/** Tabs whose content must be rebuilt before they are shown. */
const dirty = new Set<TabId>(TABS);
/** What the host computed for the followed file (the webview draws it as it is). */
let view: PanelView | null = null;

function save(): void {
  try { setState(state); } catch (e) { log('error', `could not save the panel state: ${String(e)}`); }
}

// ── skeleton ─────────────────────────────────────────────────────────────────────────────────

function skeleton(): void {
  const app = byId('app');
  clear(app);
  const option = (value: string | number, label: string) => h('vscode-option', { value: String(value) }, label);
  const dropdown = (id: string, label: string, options: HTMLElement[]) =>
    h('div', { class: 'field' }, h('label', { for: id, id: `${id}-label` }, label), h('vscode-dropdown', { id, 'aria-labelledby': `${id}-label` }, ...options));
  append(app, [
    h('header', { class: 'head' },
      h('div', { class: 'title-line' },
        h('h1', { id: 'model-name' }, 'GhostLens'),
        h('span', { id: 'file-name', class: 'dim' }),
        // A quiet spinner: analyses run on every pause in typing, and the toolkit's ring
        // announces itself as an alert each time it appears.
        h('span', { id: 'analysing', class: 'codicon codicon-loading codicon-modifier-spin dim', title: 'Analysing\u2026', hidden: true })),
      h('div', { id: 'summary', class: 'summary' }),
      h('div', { id: 'notice', class: 'notice', role: 'status', 'aria-live': 'polite', hidden: true })),
    h('section', { class: 'toolbar', 'aria-label': 'Profiling and measuring' },
      dropdown('provider', 'Provider', PROVIDERS.map(([v, l]) => option(v, l))),
      dropdown('threads', 'Threads', THREADS.map((t) => option(t, t === 0 ? 'default' : String(t)))),
      dropdown('runs', 'Runs', RUNS.map((r) => option(r, String(r)))),
      dropdown('warmup', 'Warm-up', WARMUP.map((r) => option(r, String(r)))),
      h('vscode-checkbox', { id: 'compare', title: 'Also profile the model with every Ghost candidate rewritten, alternating runs' }, 'Before/after Ghost'),
      h('div', { class: 'actions' },
        h('vscode-button', { id: 'profile', appearance: 'primary' }, icon('play'), ' Profile'),
        h('vscode-progress-ring', { id: 'profile-ring', hidden: true, 'aria-label': 'profiling' }),
        h('vscode-button', { id: 'cancel', appearance: 'secondary', hidden: true }, icon('debug-stop'), ' Cancel'),
        h('vscode-divider', { role: 'separator', orientation: 'vertical' }),
        h('vscode-button', { id: 'redundancy', appearance: 'secondary', title: 'Measure feature redundancy on trained weights (an ONNX export of the model)' }, icon('beaker'), ' Measure redundancy'),
        h('vscode-progress-ring', { id: 'redundancy-ring', hidden: true, 'aria-label': 'measuring redundancy' }))),
    h('div', { id: 'profile-summary', class: 'profile-summary', 'aria-live': 'polite' }),
    h('vscode-checkbox', { id: 'all-columns', class: 'columns-toggle', title: 'Show the secondary columns too: channels, params, absolute MACs, latency share, redundancy' }, 'All columns'),
    h('vscode-panels', { id: 'tabs', 'aria-label': 'GhostLens results', activeid: `tab-${state.ui.tab}` },
      ...TABS.map((t) => h('vscode-panel-tab', { id: `tab-${t}`, title: t === 'convs' ? 'Convolutions where a C-Ghost module would pay' : null }, TAB_TITLES[t], h('vscode-badge', { id: `count-${t}`, appearance: 'secondary', hidden: true }))),
      ...TABS.map((t) => h('vscode-panel-view', { id: `view-${t}` }, h('div', { id: `content-${t}`, class: 'content' })))),
  ]);

  const select = (id: string, value: string | number) => { (byId(id) as HTMLElement & { value: string }).value = String(value); };
  const req = state.ui.request;
  select('provider', req.provider); select('threads', req.threads); select('runs', req.runs); select('warmup', req.warmup);
  (byId('compare') as HTMLElement & { checked: boolean }).checked = req.compareGhost;
  const onChange = (id: string, set: (v: string) => void) => byId(id).addEventListener('change', (e) => {
    set(String((e.target as HTMLElement & { value?: string; checked?: boolean }).value));
    save();
  });
  onChange('provider', (v) => { if (PROVIDERS.some(([p]) => p === v)) state.ui.request.provider = v as ProviderChoice; });
  onChange('threads', (v) => { state.ui.request.threads = Number(v); });
  onChange('runs', (v) => { state.ui.request.runs = Number(v); });
  onChange('warmup', (v) => { state.ui.request.warmup = Number(v); });
  byId('compare').addEventListener('change', (e) => { state.ui.request.compareGhost = !!(e.target as HTMLElement & { checked: boolean }).checked; save(); });
  (byId('all-columns') as HTMLElement & { checked: boolean }).checked = !!state.ui.allColumns;
  byId('all-columns').addEventListener('change', (e) => {
    const on = !!(e.target as HTMLElement & { checked: boolean }).checked;
    if (on === !!state.ui.allColumns) return;
    state.ui.allColumns = on;
    save();
    for (const t of ['stages', 'convs', 'layers', 'redundancy'] as TabId[]) dirty.add(t);
    renderTab(state.ui.tab);
  });
  byId('profile').addEventListener('click', startProfile);
  byId('cancel').addEventListener('click', () => { if (busy.profile.running) post({ type: 'cancelProfile' }); });
  byId('redundancy').addEventListener('click', () => {
    if (busy.redundancy.running || !state.model?.view) return;
    clearNotice();
    setBusy('redundancy', { running: true, canCancel: false });
    post({ type: 'measureRedundancy' });
  });
  byId('tabs').addEventListener('change', () => {
    const id = (byId('tabs') as HTMLElement & { activeid?: string }).activeid?.replace(/^tab-/, '') as TabId | undefined;
    if (!id || !TABS.includes(id) || id === state.ui.tab) return;
    state.ui.tab = id;
    save();
    renderTab(id);
  });
  // Row clicks and Enter reveal the row's source; buttons inside rows do their own thing.
  for (const t of ['stages', 'convs', 'layers'] as TabId[]) {
    const content = byId(`content-${t}`);
    content.addEventListener('click', (e) => {
      if ((e.target as Element).closest('vscode-button')) return;
      const row = (e.target as Element).closest<HTMLElement>('vscode-data-grid-row[data-path]');
      if (row) activateRow(row);
    });
    content.addEventListener('keydown', (e) => {
      if (e.key !== 'Enter' && e.key !== ' ') return;
      if ((e.target as Element).closest('vscode-button')) return;
      const row = (e.target as Element).closest<HTMLElement>('vscode-data-grid-row[data-path]');
      if (row) { e.preventDefault(); activateRow(row); }
    });
  }
}

function activateRow(row: HTMLElement): void {
  const path = row.dataset.path ?? '';
  state.ui.selected = path;
  save();
  for (const t of ['stages', 'convs', 'layers'] as TabId[]) markSelected(byId(`content-${t}`), path);
  if (row.classList.contains('revealable')) post({ type: 'reveal', kind: row.dataset.kind === 'stage' ? 'stage' : 'module', path });
}

/** A new action: the notice of the last one goes. */
function clearNotice(): void {
  if (!state.notice) return;
  state.notice = null;
  save();
  renderHeader();
}

function startProfile(): void {
  if (busy.profile.running || !state.model?.view) return;
  clearNotice();
  const request: ProfileRequest = { ...state.ui.request };
  setBusy('profile', { running: true, canCancel: false });
  post({ type: 'profile', request });
}

// ── rendering ────────────────────────────────────────────────────────────────────────────────

function renderAll(): void {
  view = state.model?.view ?? null;
  renderHeader();
  renderControls();
  renderProfileSummary();
  for (const t of TABS) dirty.add(t);
  renderCounts();
  renderTab(state.ui.tab);
}

function renderHeader(): void {
  const m = state.model;
  const v = m?.view;
  byId('model-name').textContent = v ? v.header.model : 'GhostLens';
  byId('file-name').textContent = m?.doc?.name ?? '';
  byId('analysing').hidden = !m?.analysing;
  const summary = byId('summary');
  clear(summary);
  if (!m || !m.doc) {
    summary.append(h('span', { class: 'dim' }, 'Open a Python file that defines a PyTorch model (an nn.Module) to see its stages here.'));
  } else if (!v) {
    summary.append(h('span', { class: m.error ? 'error' : 'dim' }, icon(m.error ? 'error' : 'loading'), ' ', m.error ?? 'Analysing\u2026'));
  } else {
    const hd = v.header;
    append(summary, [
      h('span', { title: 'input \u2192 output shapes' }, hd.io),
      h('span', { id: 'total-params', 'data-value': hd.params.value ?? null, title: hd.params.title ?? null }, hd.params.text),
      h('span', { id: 'total-macs', 'data-value': hd.macs.value ?? null, title: hd.macs.title ?? null }, hd.macs.text),
      hd.incomplete ? h('span', { class: 'warning', title: hd.incomplete.title ?? null }, icon('warning'), ` ${hd.incomplete.text}`) : null,
      m.error ? h('span', { class: 'error' }, m.error) : null,
    ]);
  }
  const n = state.notice;
  const notice = byId('notice');
  notice.hidden = !n;
  clear(notice);
  if (n) {
    notice.className = `notice ${n.level}`;
    append(notice, [icon(n.level === 'error' ? 'error' : n.level === 'warning' ? 'warning' : 'info'), ' ', n.text]);
    const close = h('vscode-button', { appearance: 'icon', 'aria-label': 'Dismiss', title: 'Dismiss' }, icon('close'));
    close.addEventListener('click', () => { state.notice = null; save(); renderHeader(); });
    notice.append(close);
  }
}

function renderControls(): void {
  const caps = state.caps;
  const hasModel = !!state.model?.view;
  const p = byId('profile') as HTMLElement & { disabled: boolean };
  p.disabled = busy.profile.running || !hasModel || (caps !== null && (!caps.trusted || !caps.profile));
  p.title = caps && !caps.trusted ? 'Profiling runs your model: trust this workspace to use it.'
    : caps && !caps.profile ? 'Profiling is not available in this version of GhostLens.'
      : !hasModel ? 'No model to profile.' : 'Profile latency with onnxruntime (per stage and layer)';
  byId('profile-ring').hidden = !busy.profile.running;
  byId('cancel').hidden = !(busy.profile.running && busy.profile.canCancel);
  const r = byId('redundancy') as HTMLElement & { disabled: boolean };
  r.disabled = busy.redundancy.running || !hasModel || (caps !== null && (!caps.trusted || !caps.redundancy));
  r.title = caps && !caps.trusted ? 'Measuring redundancy runs the model: trust this workspace to use it.'
    : caps && !caps.redundancy ? 'Measuring redundancy is not available in this version of GhostLens.'
      : 'Measure feature redundancy on trained weights (an ONNX export of the model)';
  byId('redundancy-ring').hidden = !busy.redundancy.running;
}

function renderProfileSummary(): void {
  const el = byId('profile-summary');
  clear(el);
  const pm = state.profile;
  if (!pm?.result) return;
  const r = pm.result;
  const base = isCompare(r) ? r.before : r;
  const s = base.stats;
  const used = base.providers.find((p) => p.used);
  const head = h('div', { class: 'profile-line', id: 'profile-stats' },
    icon('pulse'), ' ',
    h('strong', {}, `${base.provider.toUpperCase()}`),
    ` \u00b7 ${base.threads ? `${base.threads} thread${base.threads === 1 ? '' : 's'}` : 'default threads'} \u00b7 ${s.runs} runs: `,
    h('span', { id: 'p50', 'data-value': s.p50 }, `p50 ${fmtMs(s.p50)}`),
    ` \u00b7 p90 ${fmtMs(s.p90)} \u00b7 p99 ${fmtMs(s.p99)} \u00b7 mean ${fmtMs(s.mean)} \u00b1 ${fmtMs(s.stdev)}`,
    isCompare(r) ? h('span', { class: 'compare' }, ` \u00b7 after Ghost p50 ${fmtMs(r.after.stats.p50)} (${fmtRatio(r.ratio)})`) : null,
    pm.stale ? h('span', { class: 'warning' }, ' ', icon('warning'), ' profiled before the last change to the file; profile again') : null);
  const notes = h('details', { class: 'providers' },
    h('summary', {}, `Execution providers${used ? ` (${used.name}: ${used.why})` : ''} \u00b7 onnxruntime ${base.onnxruntimeVersion}`),
    h('ul', {}, ...base.providers.map((p) => h('li', {}, h('strong', {}, p.name), `: ${p.used ? 'used' : p.listed ? 'not used' : 'not present'} \u2014 ${p.why}`))));
  append(el, [head, notes]);
}

function renderCounts(): void {
  const counts: Partial<Record<TabId, number>> = view ? { stages: view.stages.rows.length, convs: view.convs.rows.length, layers: view.layers.rows.length } : {};
  if (state.redundancy?.result) counts.redundancy = state.redundancy.result.stages.length + state.redundancy.result.layers.length;
  if (state.ghostify?.result) counts.ghostify = state.ghostify.result.sites.length;
  for (const t of TABS) {
    const b = byId(`count-${t}`);
    const n = counts[t];
    b.hidden = n === undefined;
    b.textContent = n === undefined ? '' : String(n);
  }
}

function actions(): Actions {
  const caps = state.caps;
  const can = !busy.rewrite.running && (caps === null || caps.rewrite);
  return {
    canRewrite: can,
    rewriteTitle: busy.rewrite.running ? 'A rewrite is being applied\u2026' : caps && !caps.rewrite ? 'Rewrites are not available in this version of GhostLens.' : null,
    rewrite: (kind, path) => {
      clearNotice();
      setBusy('rewrite', { running: true, canCancel: false });
      post({ type: 'rewrite', kind, path });
    },
  };
}

function renderTab(t: TabId): void {
  byId('all-columns').hidden = !view || t === 'charts';
  if (!dirty.has(t)) return;
  dirty.delete(t);
  const el = byId(`content-${t}`);
  clear(el);
  if (!view) {
    el.append(h('p', { class: 'dim empty' }, state.model?.analysing ? 'Analysing\u2026' : 'No model analysed.'));
    pruneCharts();
    return;
  }
  const all = !!state.ui.allColumns;
  if (t === 'stages' || t === 'convs' || t === 'layers') {
    const table = view[t];
    if (!table.rows.length) el.append(h('p', { class: 'dim empty' }, table.empty));
    else el.append(dataGrid(table, all, actions(), state.ui.selected));
  } else if (t === 'charts') {
    renderCharts(el, view);
  } else if (t === 'redundancy') {
    renderRedundancy(el, view);
  } else {
    renderGhostify(el, state.ghostify, view.ghostify && dataGrid(view.ghostify, true, actions(), state.ui.selected));
  }
  pruneCharts();
}

function chartBox(id: string, title: string, note?: string): { box: HTMLElement; canvas: HTMLCanvasElement } {
  const canvas = h('canvas', { id }) as HTMLCanvasElement;
  const box = h('figure', { class: 'chart' }, h('figcaption', {}, title, note ? h('span', { class: 'dim' }, ` \u2014 ${note}`) : null), h('div', { class: 'canvas-box' }, canvas));
  return { box, canvas };
}

function chart(el: HTMLElement, c: ChartView): void {
  const b = chartBox(c.id, c.title, c.note ?? undefined);
  el.append(b.box);
  drawChart(b.canvas, { kind: c.kind, series: c.series, yTitle: c.yTitle, format: (v) => fmtUnit(c.unit, v) }, c.description);
}

function renderCharts(el: HTMLElement, v: PanelView): void {
  chart(el, v.charts.macs);
  if (!state.profile?.result || !v.charts.runs) {
    el.append(h('p', { class: 'dim empty' }, icon('info'), ' Profile the model to see the latency per stage and the distribution of the runs.'));
    return;
  }
  if (v.charts.latency) chart(el, v.charts.latency);
  else el.append(h('p', { class: 'dim empty' }, 'This profile has no per-node times, so no latency per stage.'));
  chart(el, v.charts.runs);
}

function renderRedundancy(el: HTMLElement, v: PanelView): void {
  const rm = state.redundancy;
  if (!rm?.result) {
    el.append(h('p', { class: 'dim empty' }, icon('beaker'), ' Measure redundancy to see, per stage, how well later blocks are reconstructed from the first block\u2019s output (G-Ghost), and near-duplicate channels per convolution (C-Ghost).'));
    return;
  }
  const r = rm.result;
  append(el, [
    h('p', { class: 'profile-line' },
      `${r.model} \u00b7 ${r.calibration.kind === 'random' ? 'random inputs' : 'images'} (${r.calibration.source}): ${r.calibration.samples} samples, fit ${r.calibration.fit} / test ${r.calibration.test} \u00b7 ${r.provider}`,
      r.peakRssBytes !== null ? ` \u00b7 peak ${(r.peakRssBytes / 2 ** 20).toFixed(0)} MiB` : '',
      rm.stale ? h('span', { class: 'warning' }, ' ', icon('warning'), ' measured before the last change to the file') : null),
    r.notes.length ? h('ul', { class: 'notes' }, ...r.notes.map((n) => h('li', {}, n))) : null,
  ]);
  const charts = h('div', { class: 'chart-grid' });
  el.append(charts);
  for (const c of v.charts.redundancy) chart(charts, c);
  if (v.redundancy) el.append(dataGrid(v.redundancy, true, actions(), state.ui.selected));
}

function setBusy(task: 'profile' | 'redundancy' | 'rewrite', b: Busy): void {
  busy[task] = b;
  renderControls();
  if (task === 'rewrite') { dirty.add('stages'); dirty.add('convs'); renderTab(state.ui.tab); }
}

/** Selects and shows the row of `path` (a stage, a conv site's instance, or a layer). */
function focusPath(path: string): void {
  if (!view) return;
  const tab: TabId = view.stages.rows.some((r) => r.paths.includes(path)) ? 'stages'
    : view.convs.rows.some((r) => r.paths.includes(path)) ? 'convs' : 'layers';
  const rowPath = view[tab].rows.find((r) => r.paths.includes(path))?.path ?? path;
  state.ui.selected = rowPath;
  state.ui.tab = tab;
  save();
  (byId('tabs') as HTMLElement & { activeid: string }).activeid = `tab-${tab}`;
  dirty.add(tab);
  renderTab(tab);
  const row = rowOf(byId(`content-${tab}`), rowPath);
  row?.scrollIntoView({ block: 'nearest' });
}

// ── messages ─────────────────────────────────────────────────────────────────────────────────

function onMessage(msg: HostMessage): void {
  switch (msg.type) {
    case 'model': {
      const switched = state.model?.doc?.uri !== msg.doc?.uri;
      state.model = msg;
      if (switched) { state.ui.selected = null; state.profile = null; state.redundancy = null; state.ghostify = null; }
      renderAll();
      break;
    }
    case 'profile': state.profile = msg.result ? msg : null; renderAll(); break;
    case 'redundancy': state.redundancy = msg.result ? msg : null; renderAll(); break;
    case 'ghostify': state.ghostify = msg.result ? msg : null; renderAll(); break;
    case 'busy': setBusy(msg.task, { running: msg.running, canCancel: msg.canCancel }); return;
    case 'caps': state.caps = msg.caps; renderControls(); dirty.add('stages'); dirty.add('convs'); renderTab(state.ui.tab); break;
    case 'notice': state.notice = msg; renderHeader(); break;
    case 'focus': focusPath(msg.path); break;
  }
  save();
}

window.addEventListener('message', (e: MessageEvent) => {
  const msg = receive(hostMessage, e.data, (problem) => log('warn', problem));
  if (!msg) return;
  try {
    onMessage(msg);
  } catch (err) {
    log('error', `rendering '${msg.type}' failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
  }
});
window.addEventListener('error', (e) => log('error', `script error: ${e.message} (${e.filename}:${e.lineno})`));
document.addEventListener('securitypolicyviolation', (e) =>
  log('error', `CSP blocked ${e.violatedDirective}: ${e.blockedURI || 'inline'}${e.sample ? ` "${e.sample}"` : ''} at ${e.sourceFile}:${e.lineNumber}:${e.columnNumber}`));
// The theme changes the body's class and the CSS variables: redraw the charts in its colours.
new MutationObserver(() => { dirty.add('charts'); dirty.add('redundancy'); renderTab(state.ui.tab); })
  .observe(document.body, { attributes: true, attributeFilter: ['class'] });

skeleton();
if (restored.problem) log('warn', `discarded the saved panel state (${restored.problem})`);
renderAll();
post({ type: 'ready' });
