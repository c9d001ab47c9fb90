// The panel's page (src/editor/panelHtml.ts): a strict CSP with a fresh nonce, the one script
// carrying it, nothing inline, and attribute values escaped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { panelHtml, contentSecurityPolicy, makeNonce } from '../../src/editor/panelHtml';

const page = (over: Partial<Parameters<typeof panelHtml>[0]> = {}) => panelHtml({
  cspSource: 'https://abc.vscode-cdn.net', scriptUri: 'https://abc.vscode-cdn.net/ext/dist/webview/panel.js',
  styleUri: 'https://abc.vscode-cdn.net/ext/dist/webview/panel.css', nonce: 'bm9uY2Vub25jZW5vbmNl', title: 'GhostLens', ...over,
});

test('the CSP allows nothing but the nonce\'d script and the extension\'s own style and font', () => {
  const csp = contentSecurityPolicy('https://abc.vscode-cdn.net', 'N0NCE');
  const d = Object.fromEntries(csp.split('; ').map((x) => x.split(' ')).map(([k, ...v]) => [k, v]));
  assert.deepEqual(d, {
    'default-src': ["'none'"],
    'script-src': ["'nonce-N0NCE'"],
    'style-src': ['https://abc.vscode-cdn.net', "'nonce-N0NCE'"],
    'font-src': ['https://abc.vscode-cdn.net'],
    'img-src': ['https://abc.vscode-cdn.net', 'data:'],
  });
  assert.doesNotMatch(csp, /unsafe|\*(?!\.)|http:/);
});

test('the page: the CSP meta first, one script with the nonce, no inline script, style or handler', () => {
  const html = page();
  const head = html.slice(0, html.indexOf('</head>'));
  assert.ok(head.indexOf('Content-Security-Policy') < head.indexOf('<link'), 'the policy comes before anything it governs');
  assert.equal(html.match(/<script\b/g)?.length, 1);
  assert.match(html, /<script nonce="bm9uY2Vub25jZW5vbmNl" src="https:\/\/abc\.vscode-cdn\.net\/ext\/dist\/webview\/panel\.js"><\/script>/);
  assert.match(html, /<meta property="csp-nonce" content="bm9uY2Vub25jZW5vbmNl">/);
  assert.doesNotMatch(html, /<style|style="|\son\w+=/i);
  assert.match(html, /<link rel="stylesheet" href="https:\/\/abc\.vscode-cdn\.net\/ext\/dist\/webview\/panel\.css">/);
});

test('attribute values are escaped', () => {
  const html = page({ title: 'a"><script>x</script>', styleUri: 'https://x/"onload="y' });
  assert.equal(html.match(/<script\b/g)?.length, 1);
  assert.ok(html.includes('&quot;&gt;&lt;script&gt;'));
  assert.ok(!html.includes('"onload="'));
});

test('nonces are fresh, 128 bits, base64', () => {
  const seen = new Set(Array.from({ length: 200 }, makeNonce));
  assert.equal(seen.size, 200);
  for (const n of seen) assert.match(n, /^[A-Za-z0-9+/]{22}==$/);
});
