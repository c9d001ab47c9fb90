// A tiny element builder. Text goes in through textContent (never innerHTML), so nothing from a
// model file (module paths, reasons, notes) can inject markup into the panel.
type Attr = string | number | boolean | null | undefined;
export type Child = Node | string | null | undefined | false;

export function h(tag: string, attrs: Record<string, Attr> = {}, ...children: Child[]): HTMLElement {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

export function append(el: Element, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.append(typeof c === 'string' ? document.createTextNode(c) : c);
  }
}

/** A codicon (the font and its CSS ship in dist/webview/). */
export const icon = (name: string, label?: string): HTMLElement =>
  h('span', { class: `codicon codicon-${name}`, 'aria-hidden': label ? null : 'true', 'aria-label': label ?? null, role: label ? 'img' : null });

export function clear(el: Element): void {
  while (el.firstChild) el.removeChild(el.firstChild);
}

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} missing`);
  return el as T;
}
