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
  isFile: (p) => kindOf(p) === 'file',
  isDir: (p) => kindOf(p) === 'dir',
  newAnalysis: () => { checked.clear(); checkedAt = Date.now(); },
};

// Imports probe hundreds of candidate paths in a few folders (timm's efficientnet_b0: 279), and a
// stat each was 4% of a warm analysis. So paths are looked up in their folder's listing, read once
// and kept while the folder's mtime is unchanged (making, removing or renaming an entry changes
// it); each folder is checked once per analysis (newAnalysis), and a folder its parent does not
// list is not there, without a stat. A listing read within RACY_MS of its folder's last change is
// not kept (a coarse mtime clock could hide a change made right after the read). Links are
// followed with a stat, each time. Hosts that never call newAnalysis still see changes: what was
// checked is checked again after CHECK_AGAIN_MS.
type Kind = 'file' | 'dir' | 'link' | 'other';
/** A folder's entries; null entries: a folder that cannot be listed (its paths are asked one by one). */
interface Listing { mtimeMs: number; entries: Map<string, Kind> | null }
const RACY_MS = 2000;
const CHECK_AGAIN_MS = 1000;
const listings = new Map<string, Listing>();
const checked = new Map<string, Listing | null>();
let checkedAt = 0;

const parentOf = (p: string): string => { const i = p.lastIndexOf('/'); return i <= 0 ? '/' : p.slice(0, i); };

function kindOf(p: string): Kind | null {
  if (!p.startsWith('/') || p.includes('/./') || p.includes('/../') || p.endsWith('/.') || p.endsWith('/..') || p.includes('//') || (p.length > 1 && p.endsWith('/'))) {
    // Not a plain absolute path: ask the file system itself.
    return statKind(p);
  }
  if (p === '/') return 'dir';
  const l = listing(parentOf(p));
  if (!l) return null;
  if (!l.entries) return statKind(p);
  const k = l.entries.get(p.slice(p.lastIndexOf('/') + 1));
  return k === 'link' || k === 'other' ? statKind(p) : k ?? null;
}

function statKind(p: string): Kind | null {
  // throwIfNoEntry covers ENOENT only: `a.py/x.py` is ENOTDIR, a loop ELOOP.
  let st;
  try { st = statSync(p, { throwIfNoEntry: false }); } catch { return null; }
  return !st ? null : st.isFile() ? 'file' : st.isDirectory() ? 'dir' : 'other';
}

/** The entries of folder `dir` as they are now, or null when it is not a folder. */
function listing(dir: string): Listing | null {
  if (Date.now() - checkedAt > CHECK_AGAIN_MS) { checked.clear(); checkedAt = Date.now(); }
  const hit = checked.get(dir);
  if (hit !== undefined) return hit;
  let out: Listing | null = null;
  const parent = parentOf(dir);
  const up = dir === '/' ? null : listing(parent);
  const listed = dir === '/' || (up && !up.entries) ? 'dir' : up?.entries?.get(dir.slice(dir.lastIndexOf('/') + 1));
  if (listed === 'dir' || listed === 'link' || listed === 'other') {
    let st;
    try { st = statSync(dir, { throwIfNoEntry: false }); } catch { st = undefined; }
    if (st?.isDirectory()) {
      const kept = listings.get(dir);
      if (kept && kept.mtimeMs === st.mtimeMs) out = kept;
      else {
        try {
          const entries = new Map<string, Kind>();
          for (const d of readdirSync(dir, { withFileTypes: true })) {
            entries.set(d.name, d.isFile() ? 'file' : d.isDirectory() ? 'dir' : d.isSymbolicLink() ? 'link' : 'other');
          }
          out = { mtimeMs: st.mtimeMs, entries };
          if (Date.now() - st.mtimeMs > RACY_MS) listings.set(dir, out); else listings.delete(dir);
        } catch {
          out = { mtimeMs: st.mtimeMs, entries: null };
        }
      }
    }
  }
  checked.set(dir, out);
  return out;
}

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
    let gc = (globalThis as { gc?: V8Gc }).gc;
    if (!gc) { setFlagsFromString('--expose-gc'); gc = runInNewContext('gc') as V8Gc; }
    v8gc = typeof gc === 'function' ? gc : null;
    useGarbageCollector(v8gc);
  } catch {
    useGarbageCollector(null);
  }
}

type V8Gc = (options?: { type: 'minor' | 'major' }) => void;
let v8gc: V8Gc | null = null;

/**
 * For the engine process between two requests, in idle time: collects V8's young generation, so the
 * next analysis starts with it empty. A warm analysis of timm efficientnet_b0 allocates ~20 MB,
 * mostly dead by its end; in a 32 MB young generation (ENGINE_V8_FLAGS) about every other analysis
 * paid a 5–15 ms scavenge of its own live objects midway (warm median 31.5 -> 24-26.5 ms side by
 * side; the scavenge itself ~6 ms, off the request's path: bench/analyze.mjs does the same between
 * its warm runs, untimed, and prints what it costs). Not the whole heap: forced full collections
 * here made the next analyses slower (median 33 -> 41 ms, up to 230 ms: V8 recompiles what they
 * drop). Nothing without prepareAnalysisProcess's gc.
 */
export function collectInIdleTime(): void {
  try { v8gc?.({ type: 'minor' }); } catch { /* tuning only */ }
}
