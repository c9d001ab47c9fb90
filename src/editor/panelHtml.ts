// The panel's HTML page: a strict Content Security Policy (nothing but the bundled script with
// this load's nonce, and the bundled stylesheet and font from the extension's own folder), the
// stylesheet and the script. Plain strings in, a string out, so the policy is unit-tested.
// The toolkit (FAST) probes `:focus-visible` support with a <style> element that carries the
// nonce of a `csp-nonce` meta tag: style-src allows that nonce too, so the probe is not refused
// (keyboard focus rings then use :focus-visible). No 'unsafe-inline' anywhere.
import { randomBytes } from 'node:crypto';

export interface PanelPage {
  /** webview.cspSource: the origin the webview serves extension files from. */
  cspSource: string;
  /** webview.asWebviewUri of dist/webview/panel.js and panel.css. */
  scriptUri: string;
  styleUri: string;
  nonce: string;
  title: string;
}

/** A fresh nonce for every page load (128 random bits). */
export const makeNonce = (): string => randomBytes(16).toString('base64');

export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${cspSource} 'nonce-${nonce}'`,
    `font-src ${cspSource}`,
    `img-src ${cspSource} data:`,
  ].join('; ');
}

const escapeAttr = (s: string): string => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function panelHtml(p: PanelPage): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeAttr(contentSecurityPolicy(p.cspSource, p.nonce))}">
<meta property="csp-nonce" content="${escapeAttr(p.nonce)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${escapeAttr(p.styleUri)}">
<title>${escapeAttr(p.title)}</title>
</head>
<body>
<main id="app" aria-label="${escapeAttr(p.title)}"></main>
<script nonce="${escapeAttr(p.nonce)}" src="${escapeAttr(p.scriptUri)}"></script>
</body>
</html>`;
}
