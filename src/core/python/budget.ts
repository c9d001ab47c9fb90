// One budget per analysis: the work the interpreter does (statements, and what builtins do inside:
// copying, sorting, scanning strings), the memory its values hold, call depth and wall time.
// A single value that would not fit is refused before it is made (the caller turns that into an
// Unknown with the reason, so the rest of the model is still analysed); running out of work, time
// or memory as a whole stops the analysis with BudgetExceeded.
import type { Span } from './values';

/** Thrown when the analysis as a whole runs out of steps, time or memory: stops it. */
export class BudgetExceeded extends Error {
  constructor(message: string, readonly at: Span | null = null) { super(message); }
}

export interface BudgetLimits {
  /** Work units: one per statement, loop iteration or call, plus what natives charge. */
  maxSteps: number;
  /** Python call depth. */
  maxDepth: number;
  /** Memory the analysis may hold, in bytes (values, tensor data, the model). */
  maxBytes: number;
  /** Wall time of one analysis, in ms. */
  maxMs: number;
}

export const DEFAULT_LIMITS: BudgetLimits = { maxSteps: 20_000_000, maxDepth: 150, maxBytes: 256 * 2 ** 20, maxMs: 5_000 };

/** The limits analyses of this process get unless told otherwise (settings, CLI flags). */
let processLimits: BudgetLimits = { ...DEFAULT_LIMITS };
export function setAnalysisLimits(l: Partial<Pick<BudgetLimits, 'maxBytes' | 'maxMs'>>): void {
  processLimits = { ...DEFAULT_LIMITS, ...Object.fromEntries(Object.entries(l).filter(([, v]) => v !== undefined && v > 0)) };
}

/** Elements a native may copy or scan per step (a step is a whole statement: ~100x the work). */
const ELEMENTS_PER_STEP = 32;
/** Steps between clock and memory checks (a check costs a few µs; a step well under one). */
const CHECK_EVERY = 4096;
/** Values up to this many items are never checked: the step budget bounds how many are made. */
const SMALL = 4096;

/** Bytes the isolate's heap holds now (per thread in a worker), or 0 where it cannot be read. */
let heapUsed = (): number => {
  const p = (globalThis as { process?: { memoryUsage?: () => { heapUsed: number; arrayBuffers?: number } } }).process;
  const m = p?.memoryUsage?.();
  return m ? m.heapUsed + (m.arrayBuffers ?? 0) : 0;
};
/**
 * A cheaper reading of the same (nodeHost.ts: V8's heap statistics; process.memoryUsage() also
 * reads the process's resident size from /proc on every check).
 */
export function useHeapMeter(meter: () => number): void { heapUsed = meter; }

/** 2^40, 10,000,000, 1.0e+21: counts as a reader takes them in. */
export function formatCount(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const log = Math.log2(n);
  if (n >= 2 ** 20 && Number.isInteger(log)) return `2^${log}`;
  if (n >= 1e15) return n.toExponential(1);
  return Math.round(n).toLocaleString('en-US');
}

/**
 * A full garbage collection, where the host can run one (nodeHost.ts exposes V8's): the heap
 * holds garbage until V8 collects it, so it is only over the budget if it still is after one.
 */
let collectGarbage: (() => void) | null = null;
export function useGarbageCollector(gc: (() => void) | null): void { collectGarbage = gc; }

/**
 * The clock the time limit reads: wall time by default; a process of our own (the CLI, the engine
 * process) sets its CPU time (nodeHost.ts), so that a loaded machine does not stop an analysis
 * that would finish in time on its own. Wall time still stops it at WALL_FACTOR times the limit.
 */
let clock: { now: () => number; what: string } = { now: () => Date.now(), what: '' };
export function useClock(now: () => number, what: string): void { clock = { now, what }; }
const WALL_FACTOR = 4;
/**
 * Wall ms between readings of the limit's clock: CPU time is a system call (getrusage), which took
 * 0.1–0.2 ms a reading inside an analysis here, about 5% of a warm one at a check every 4096 steps.
 */
const CLOCK_EVERY_MS = 25;

const mb = (bytes: number) => `${Math.round(bytes / 2 ** 20)} MB`;

export class Budget {
  readonly limits: BudgetLimits;
  steps = 0;
  depth = 0;
  private nextCheck = CHECK_EVERY;
  private readonly t0: number;
  private readonly wall0: number;
  private nextClock: number;
  private readonly heap0: number;
  /** A single value may use at most this share of the memory budget. */
  private readonly maxValueBytes: number;

  constructor(limits: Partial<BudgetLimits> = {}, private readonly heap: () => number = () => heapUsed()) {
    const set = Object.fromEntries(Object.entries(limits).filter(([, v]) => v !== undefined));
    this.limits = { ...processLimits, ...set };
    this.t0 = clock.now();
    this.wall0 = Date.now();
    this.nextClock = this.wall0 + CLOCK_EVERY_MS;
    this.heap0 = this.heap();
    this.maxValueBytes = this.limits.maxBytes / 8;
  }

  /** One unit of interpreter work. */
  tick(): void {
    if (++this.steps >= this.nextCheck) this.check();
  }

  /** Work a native did: `elements` copied, compared or scanned. */
  work(elements: number): void {
    if (!(elements > 0)) return;
    this.steps += Math.ceil(elements / ELEMENTS_PER_STEP);
    if (this.steps >= this.nextCheck) this.check();
  }

  /** Set once the analysis ran out of steps, time or memory (everything after fails alike). */
  exhausted = false;

  private stop(message: string): never {
    this.exhausted = true;
    throw new BudgetExceeded(message);
  }

  private check(): void {
    if (this.steps > this.limits.maxSteps) {
      this.stop(`analysis step budget exceeded (${formatCount(this.limits.maxSteps)} steps: an endless loop, or far more work than a model definition needs)`);
    }
    this.nextCheck = this.steps + CHECK_EVERY;
    const wall = Date.now();
    if (wall >= this.nextClock) {
      this.nextClock = wall + CLOCK_EVERY_MS;
      if (clock.now() - this.t0 > this.limits.maxMs) this.stop(`analysis stopped after ${this.limits.maxMs / 1000} s${clock.what} (time limit)`);
    }
    if (wall - this.wall0 > WALL_FACTOR * this.limits.maxMs) this.stop(`analysis stopped after ${(WALL_FACTOR * this.limits.maxMs) / 1000} s (time limit; the machine is busy)`);
    if (this.heap() - this.heap0 > this.limits.maxBytes && collectGarbage) collectGarbage();
    if (this.heap() - this.heap0 > this.limits.maxBytes) this.stop(`analysis stopped: it holds over ${mb(this.limits.maxBytes)} (memory limit)`);
  }

  /**
   * Why a `kind` value of `count` items (`itemBytes` each) may not be made, or null when it may.
   * A large one that may be made is charged as work now (the caller is about to build it).
   */
  tooLarge(kind: string, count: number, itemBytes = 8): string | null {
    if (count <= SMALL) return null;
    const what = `${kind} of ${formatCount(count)} ${kind === 'str' ? 'characters' : 'items'}`;
    const bytes = count * itemBytes;
    if (!(bytes <= this.maxValueBytes)) return `value too large: ${what} (over ${mb(this.maxValueBytes)}, an eighth of the analysis memory limit)`;
    this.work(count);
    const over = () => this.heap() - this.heap0 + bytes > this.limits.maxBytes;
    if (over() && collectGarbage) collectGarbage();
    if (over()) return `value too large: ${what} would exceed the analysis memory limit of ${mb(this.limits.maxBytes)}`;
    return null;
  }

  /** Enters a Python call; false when the depth limit is reached. */
  enter(): boolean {
    if (this.depth >= this.limits.maxDepth) return false;
    this.depth++;
    return true;
  }

  leave(): void { this.depth--; }
}

/** Bytes per item of a value kind, as V8 stores it (pointers, Map entries; a str may be two-byte). */
export const ITEM_BYTES = { list: 8, dict: 48, set: 40, str: 2 } as const;
