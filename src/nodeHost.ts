// FileHost over node:fs for the CLI and tests. Reads are cached by (mtime, size), so a warm
// re-analysis pays one stat per imported file instead of a read and a parse-cache compare.
import { readFileSync, statSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import type { FileHost } from './core/python/imports';
import { setFlagsFromString, getHeapStatistics } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { useGarbageCollector, useClock, useHeapMeter } from './core/python/budget';

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

/**
 * Where installed Python libraries keep their sources: GHOSTLENS_PYTHONPATH, PYTHONPATH, an active
 * virtualenv, the user's and the system's site-/dist-packages. Read, never run.
 */
export function defaultLibraryPaths(env: NodeJS.ProcessEnv = process.env): string[] {
  const out: string[] = [];
  const add = (p: string | undefined) => { if (p && !out.includes(p) && nodeHost.isDir(p)) out.push(p); };
  for (const v of [env.GHOSTLENS_PYTHONPATH, env.PYTHONPATH]) for (const p of (v ?? '').split(':')) add(p);
  const versions = (lib: string): string[] => {
    try { return readdirSync(lib).filter((d) => /^python3(\.\d+)?$/.test(d)).map((d) => `${lib}/${d}`); } catch { return []; }
  };
  if (env.VIRTUAL_ENV) for (const v of versions(`${env.VIRTUAL_ENV}/lib`)) add(`${v}/site-packages`);
  if (env.CONDA_PREFIX) for (const v of versions(`${env.CONDA_PREFIX}/lib`)) add(`${v}/site-packages`);
  for (const v of versions(`${homedir()}/.local/lib`)) add(`${v}/site-packages`);
  for (const v of versions('/usr/local/lib')) { add(`${v}/dist-packages`); add(`${v}/site-packages`); }
  add('/usr/lib/python3/dist-packages');
  return out;
}

/**
 * For a process of our own (the CLI, the analysis engine): the budget's time limit reads CPU time,
 * and it gets a full garbage collection (budget.ts: the heap it measures holds
 * garbage until V8 collects it). V8 exposes `gc` to contexts made after the flag is set.
 * Only for processes of our own (the CLI, the analysis child): the flag is process-wide.
 */
export function prepareAnalysisProcess(): void {
  // The time limit counts this process's CPU time (budget.ts): one analysis runs at a time here.
  useClock(() => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; }, ' of CPU time');
  // The heap and the array buffers outside it, as process.memoryUsage() counts them, without its /proc read.
  useHeapMeter(() => { const h = getHeapStatistics(); return h.used_heap_size + h.external_memory; });
  try {
    let gc = (globalThis as { gc?: () => void }).gc;
    if (!gc) { setFlagsFromString('--expose-gc'); gc = runInNewContext('gc') as () => void; }
    useGarbageCollector(typeof gc === 'function' ? gc : null);
  } catch {
    useGarbageCollector(null);
  }
}
