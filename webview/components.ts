// Two toolkit components with templates of our own. Their stock templates carry an inline
// `style="…"` attribute (the ring's determinate mode, the badge's custom colours), which the
// panel's strict CSP (no inline styles) refuses, reporting a violation as soon as the template is
// parsed. The panel uses neither feature: these templates are the same parts (the toolkit's
// styles target their classes) without the attribute.
import { html } from '@microsoft/fast-element';
import { vsCodeBadge, vsCodeProgressRing } from '@vscode/webview-ui-toolkit';

/** A ring that only spins: the panel never shows progress as a number. */
export const progressRing = () => vsCodeProgressRing({
  template: html`<template role="progressbar"><svg class="progress" part="progress" viewBox="0 0 16 16"><circle class="background" part="background" cx="8px" cy="8px" r="7px"></circle><circle class="indeterminate-indicator-1" part="indeterminate-indicator-1" cx="8px" cy="8px" r="7px"></circle></svg></template>`,
});

/** A badge in the theme's badge colours (no per-badge fill or colour). */
export const badge = () => vsCodeBadge({
  template: html<{ circular: boolean }>`<template class="${(x) => (x.circular ? 'circular' : '')}"><div class="control" part="control"><slot></slot></div></template>`,
});
