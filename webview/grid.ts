// Tables as toolkit data grids, drawn from the host's view tables (src/views/panelView.ts) as they
// are: the webview formats and computes nothing. Rows carry the module path they are about
// (data-path); a click or Enter on a row asks the host to reveal its source line, and exact
// figures sit in data-value / title beside the rounded text.
import type { ViewCell, ViewTable } from '../src/views/panelView';
import { h, icon } from './dom';

export interface Actions {
  canRewrite: boolean;
  /** Why rewriting is not possible now (busy, command missing). */
  rewriteTitle: string | null;
  rewrite(kind: 'stage' | 'conv', path: string): void;
}

function rewriteButton(a: Actions, r: NonNullable<ViewCell['rewrite']>): HTMLElement {
  // An icon button: the column stays narrow and the button never covers a figure.
  const b = h('vscode-button', {
    appearance: 'icon', class: 'rewrite', 'data-rewrite': r.path, 'aria-label': `Rewrite ${r.label} into ${r.what}`,
    title: a.rewriteTitle ?? `Rewrite ${r.label} into ${r.what} (one undoable edit)`, disabled: !a.canRewrite,
  }, icon('wand'));
  b.addEventListener('click', (e) => { e.stopPropagation(); if (a.canRewrite) a.rewrite(r.kind, r.path); });
  return b;
}

/** The grid of `t`: its primary columns, or all of them when `all`. */
export function dataGrid(t: ViewTable, all: boolean, a: Actions, selected: string | null): HTMLElement {
  const shown = t.columns.map((c, i) => ({ c, i })).filter(({ c }) => all || !c.secondary);
  const grid = h('vscode-data-grid', { 'aria-label': t.label, 'generate-header': 'none', 'grid-template-columns': shown.map(({ c }) => c.width).join(' ') });
  grid.classList.add(all ? 'all-columns' : 'primary-columns');
  const header = h('vscode-data-grid-row', { 'row-type': 'sticky-header' },
    ...shown.map(({ c }, k) => h('vscode-data-grid-cell', {
      'cell-type': 'columnheader', 'grid-column': k + 1, 'data-col': c.id, title: c.help ?? null, class: c.numeric ? 'num' : null,
    }, c.title)));
  grid.append(header);
  for (const r of t.rows) {
    const row = h('vscode-data-grid-row', {
      'data-path': r.path, 'data-kind': r.kind, class: [r.revealable ? 'revealable' : '', r.path === selected ? 'selected' : ''].join(' ').trim() || null,
      'aria-selected': r.path === selected ? 'true' : null,
      title: r.revealable ? `${r.label}: click or press Enter to show it in the editor` : `${r.label} (no source line in this file)`,
    });
    shown.forEach(({ c, i }, k) => {
      const v = r.cells[i];
      row.append(h('vscode-data-grid-cell', {
        'grid-column': k + 1, 'data-col': c.id, 'data-value': v.value === undefined || v.value === null ? null : String(v.value),
        title: v.title ?? null, class: [c.numeric ? 'num' : '', v.dim ? 'dim' : '', v.rewrite ? 'with-action' : ''].join(' ').trim() || null,
      }, ...(v.rewrite ? [h('span', { class: 'name' }, v.text), rewriteButton(a, v.rewrite)] : [v.text])));
    });
    grid.append(row);
  }
  return grid;
}

/** The row element of `path` inside `root`, if shown. */
export function rowOf(root: ParentNode, path: string): HTMLElement | null {
  for (const r of root.querySelectorAll<HTMLElement>('vscode-data-grid-row[data-path]')) if (r.dataset.path === path) return r;
  return null;
}

/** Marks the selected row (and only it). */
export function markSelected(root: ParentNode, path: string | null): void {
  for (const r of root.querySelectorAll<HTMLElement>('vscode-data-grid-row[data-path]')) {
    const on = r.dataset.path === path;
    r.classList.toggle('selected', on);
    if (on) r.setAttribute('aria-selected', 'true'); else r.removeAttribute('aria-selected');
  }
}
