// Text from the user's code (a model expression, a module's config, an error message) inside the
// Markdown of hovers and tooltips: escaped, so it shows as typed and never turns into links,
// images, HTML or formatting. No vscode import: unit tests read it.

/**
 * `s` as plain text inside a line of Markdown (a table cell): the characters that start inline
 * syntax there (emphasis, code, links and images, HTML and entities, table cells, math) are escaped.
 */
export function mdText(s: string): string {
  return s
    .replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '')
    .replace(/[\\`*_[\]|<>~&$]/g, '\\$&')
    .replace(/\r?\n/g, ' ');
}

/** `s` as inline code: a fence longer than any run of backticks inside, padded where it touches one. */
export function mdCode(s: string): string {
  const flat = s.replace(/[\u0000-\u001f\u007f]/g, ' ');
  const longest = Math.max(0, ...(flat.match(/`+/g) ?? []).map((r) => r.length));
  const fence = '`'.repeat(longest + 1);
  const pad = flat.startsWith('`') || flat.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${flat}${pad}${fence}`;
}
