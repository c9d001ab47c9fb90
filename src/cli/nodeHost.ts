// FileHost over node:fs for the CLI and tests. Reads are cached by (mtime, size), so a warm
// re-analysis pays one stat per imported file instead of a read and a parse-cache compare.
import { readFileSync, statSync } from 'node:fs';
import type { FileHost } from '../core/python/imports';

const texts = new Map<string, { mtimeMs: number; size: number; text: string }>();

export const nodeHost: FileHost = {
  readFile: (p) => {
    try {
      const st = statSync(p);
      const hit = texts.get(p);
      if (hit && hit.mtimeMs === st.mtimeMs && hit.size === st.size) return hit.text;
      const text = readFileSync(p, 'utf8');
      texts.set(p, { mtimeMs: st.mtimeMs, size: st.size, text });
      return text;
    } catch { return null; }
  },
  // Imports probe many missing paths: no exception per miss.
  isFile: (p) => statSync(p, { throwIfNoEntry: false })?.isFile() ?? false,
  isDir: (p) => statSync(p, { throwIfNoEntry: false })?.isDirectory() ?? false,
};
