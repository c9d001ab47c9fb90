// An in-memory FileHost for tests: files given as {path: text}.
import type { FileHost } from '../../src/core/python';

export function memHost(files: Record<string, string>): FileHost {
  const dirs = new Set<string>();
  for (const p of Object.keys(files)) { let d = p; while ((d = d.slice(0, d.lastIndexOf('/'))) && d) dirs.add(d); }
  return {
    readFile: (p) => files[p] ?? null,
    isFile: (p) => p in files,
    isDir: (p) => dirs.has(p),
  };
}
