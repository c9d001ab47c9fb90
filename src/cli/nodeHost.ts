// FileHost over node:fs for the CLI and tests.
import { readFileSync, statSync } from 'node:fs';
import type { FileHost } from '../core/python/imports';

export const nodeHost: FileHost = {
  readFile: (p) => { try { return readFileSync(p, 'utf8'); } catch { return null; } },
  isFile: (p) => { try { return statSync(p).isFile(); } catch { return false; } },
  isDir: (p) => { try { return statSync(p).isDirectory(); } catch { return false; } },
};
