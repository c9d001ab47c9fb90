// Robustness of the analysis on half-typed code: whatever the editor hands us, analyzeSource
// returns a (partial) ModelGraph whose gaps are explicit Unknowns, or throws AnalysisError with a
// message. Any other exception, a hang or a blown heap is a bug.
//
// Every analysis here runs in a worker thread watched by a timer (`sandbox`): a synchronous
// endless loop cannot be caught in-process, so the watchdog terminates the worker, records a
// 'hang' for that input and carries on in a fresh worker with the next one. The worker runs
// this very file (bundled to out/test/unit/robustness.test.js); `isMainThread` tells the roles apart.
//
// Part (a): hand-written edits of a small ResNet-style model written to a temp dir.
// Part (b): a seeded fuzz over real model files (torchvision's, timm's and the one of part (a)).
//   GHOSTLENS_FUZZ_SEED=<n>      another seed (the one used is printed with the statistics)
//   GHOSTLENS_FUZZ_PER_FILE=<n>  mutations per torchvision file (default 220; the small model gets 300)
//   GHOSTLENS_FUZZ_PER_TIMM_FILE=<n>  mutations per timm model file (default 220, 5 files; skipped
//                                  with a message when ../shared/corpora/timm is absent)
//   GHOSTLENS_HANG_MS=<ms>       the per-analysis bound (default 2000) on a machine that is much slower
//   GHOSTLENS_STRICT_KNOWN_BUGS=1  inputs that hit a known engine bug (KNOWN_BUGS) fail instead of
//                                  being counted; the todo tests at the end pin each of those bugs.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { mkdtempSync, writeFileSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir, availableParallelism } from 'node:os';
import { join } from 'node:path';
import { analyzeModel, AnalysisError } from '../../src/core/python';
import { traceToOnnx, ExportError } from '../../src/core/onnx/export';
import type { FileHost } from '../../src/core/python';
import { nodeHost } from '../../src/cli/nodeHost';

// ---------------------------------------------------------------------------------------------
// Limits

/**
 * Wall-clock bound of one analysis (GHOSTLENS_HANG_MS overrides). A hang detector, not a
 * benchmark: an analysis takes 5-30 ms on an idle machine; the slowest of thousands, cold
 * imports and GC pauses included, stays under ~0.5 s idle and ~1.6 s with the load at 4x the cores.
 */
const HANG_MS = Number(process.env.GHOSTLENS_HANG_MS ?? 2000);
/**
 * Step budget of the interpreter for every analysis here. The largest model analysed
 * (efficientnet_b0) needs about 25k steps; the engine's default budget (20M steps) lets a runaway
 * Python loop spin for 1-2 s, which is too close to HANG_MS. With 1M steps a runaway loop ends
 * in well under 100 ms as an AnalysisError or an Unknown, so whatever still trips the watchdog is
 * a loop in the engine itself that never ticks the step counter.
 */
const MAX_STEPS = 1_000_000;
/** A worker that grows past this heap is reported as 'oom' for the input it was analysing. */
const WORKER_HEAP_MB = 768;
/** "At or near the broken line": this many lines either side. */
const NEAR = 2;
const STRICT = process.env.GHOSTLENS_STRICT_KNOWN_BUGS === '1';
/** Workers for the fuzz: CI has 2 cores and node --test runs one test file at a time there. */
const FUZZ_WORKERS = Math.max(1, Math.min(2, availableParallelism()));

// ---------------------------------------------------------------------------------------------
// The small model of part (a). Line numbers are looked up by content (`lineOf`), never hard-coded.

const TINY_RESNET = `# A small CIFAR-style ResNet, the kind of file a user has open while typing.
import torch
import torch.nn as nn
import torch.nn.functional as F


class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, in_planes, planes, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(in_planes, planes, kernel_size=3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, kernel_size=3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.shortcut = nn.Sequential()
        if stride != 1 or in_planes != planes * self.expansion:
            self.shortcut = nn.Sequential(
                nn.Conv2d(in_planes, planes * self.expansion, kernel_size=1, stride=stride, bias=False),
                nn.BatchNorm2d(planes * self.expansion),
            )

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        out = out + self.shortcut(x)
        return F.relu(out)


class TinyResNet(nn.Module):
    def __init__(self, block=BasicBlock, num_blocks=(2, 2, 2, 2), num_classes=10):
        super().__init__()
        self.in_planes = 64
        self.conv1 = nn.Conv2d(3, 64, kernel_size=3, stride=1, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.layer1 = self._make_layer(block, 64, num_blocks[0], stride=1)
        self.layer2 = self._make_layer(block, 128, num_blocks[1], stride=2)
        self.layer3 = self._make_layer(block, 256, num_blocks[2], stride=2)
        self.layer4 = self._make_layer(block, 512, num_blocks[3], stride=2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(512 * block.expansion, num_classes)

    def _make_layer(self, block, planes, num_blocks, stride):
        strides = [stride] + [1] * (num_blocks - 1)
        layers = []
        for s in strides:
            layers.append(block(self.in_planes, planes, s))
            self.in_planes = planes * block.expansion
        return nn.Sequential(*layers)

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.layer1(out)
        out = self.layer2(out)
        out = self.layer3(out)
        out = self.layer4(out)
        out = self.avgpool(out)
        out = torch.flatten(out, 1)
        return self.fc(out)


def tiny_resnet18(num_classes=10):
    return TinyResNet(BasicBlock, [2, 2, 2, 2], num_classes=num_classes)
`;
const TINY_MODEL = 'tiny_resnet18()';
const TINY_INPUT = [[1, 3, 32, 32]];
/** What torch reports for tiny_resnet18() on 1x3x32x32 (the intact file must give exactly this). */
const TINY_PARAMS = 11_173_962;
const TINY_MACS = 555_422_720;

/** Lines whose deletion leaves a valid model (so a complete graph is right): blank lines, comments, these. */
const HARMLESS_DELETIONS = new Set([
  'nn.BatchNorm2d(planes * self.expansion),', // shortcut without its BN
  'out = self.bn2(self.conv2(out))', // forward skips conv2 (shapes still agree)
  'out = out + self.shortcut(x)', // no residual
  'out = self.layer1(out)', // layer1 keeps 64 channels at stride 1
]);

const TV = '/usr/lib/python3/dist-packages/torchvision/models';
const TORCHVISION: [string, string][] = [
  ['resnet.py', 'resnet50()'], ['mobilenetv2.py', 'mobilenet_v2()'], ['efficientnet.py', 'efficientnet_b0()'],
  ['regnet.py', 'regnet_y_400mf()'], ['densenet.py', 'densenet121()'], ['googlenet.py', 'googlenet()'],
  ['convnext.py', 'convnext_tiny()'], ['shufflenetv2.py', 'shufflenet_v2_x1_0()'], ['vgg.py', 'vgg16_bn()'],
];
const haveTorchvision = TORCHVISION.every(([f]) => existsSync(join(TV, f)));
/** The timm snapshot beside the repository (../shared/corpora/timm from the repo root). */
const TIMM = join(__dirname, '../../../../shared/corpora/timm/timm/models');
const TIMM_MODELS: [string, string][] = [
  ['resnet.py', 'resnet18()'], ['efficientnet.py', 'efficientnet_b0()'], ['mobilenetv3.py', 'mobilenetv3_large_100()'],
  ['ghostnet.py', 'ghostnet_100()'], ['convnext.py', 'convnext_tiny()'],
];
const haveTimm = TIMM_MODELS.every(([f]) => existsSync(join(TIMM, f)));
const PER_TIMM_FILE = Number(process.env.GHOSTLENS_FUZZ_PER_TIMM_FILE ?? 220);
/**
 * The bound of one timm analysis: it runs ~40 modules of the package (about 0.1-0.5 s idle,
 * over 1 s with this machine's load at 5x the cores), so 4x HANG_MS still only catches hangs.
 */
const TIMM_HANG_MS = 4 * HANG_MS;

// ---------------------------------------------------------------------------------------------
// Seeded mutations (pure: the same seed, target and index always give the same text)

const SEED = Number(process.env.GHOSTLENS_FUZZ_SEED ?? 20250611) >>> 0;
const PER_TORCHVISION_FILE = Number(process.env.GHOSTLENS_FUZZ_PER_FILE ?? 220);
const PER_OWN_FILE = 300;

/** mulberry32: a tiny 32-bit PRNG, uniform floats in [0, 1). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One 32-bit seed from several numbers (FNV-1a style over the words, then an avalanche step). */
function mixSeed(...xs: number[]): number {
  let h = 0x811c9dc5;
  for (const x of xs) {
    h = Math.imul(h ^ (x >>> 0), 0x01000193);
    h ^= h >>> 13;
  }
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  return (h ^ (h >>> 13)) >>> 0;
}

const MUTATIONS = ['delete-line', 'duplicate-line', 'delete-span', 'insert-char', 'swap-lines', 'truncate', 'rename-identifier'] as const;
type MutationKind = (typeof MUTATIONS)[number];
const INSERTABLE = '()[]{}:,.=';
const NAME_CHARS = 'abcdefghijklmnopqrstuvwxyz_';

interface Mutant { kind: MutationKind; text: string; desc: string }

const identCache = new Map<string, { at: number; name: string }[]>();
function identifiers(text: string): { at: number; name: string }[] {
  let ids = identCache.get(text);
  if (!ids) {
    ids = [...text.matchAll(/[A-Za-z_][A-Za-z0-9_]*/g)].map((m) => ({ at: m.index!, name: m[0] }));
    identCache.set(text, ids);
  }
  return ids;
}

const lineAt = (text: string, offset: number): number => {
  let n = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) n++;
  return n;
};
const quote = (s: string): string => JSON.stringify(s.length > 60 ? `${s.slice(0, 57)}...` : s);

function mutate(text: string, seed: number, target: number, index: number): Mutant {
  const rnd = mulberry32(mixSeed(seed, target, index));
  const int = (n: number): number => Math.floor(rnd() * n);
  const kind = MUTATIONS[int(MUTATIONS.length)];
  const lines = text.split('\n');
  const done = (t: string, desc: string): Mutant => ({ kind, text: t, desc: `${kind} ${desc}` });
  switch (kind) {
    case 'delete-line': {
      const i = int(lines.length);
      const [gone] = lines.splice(i, 1);
      return done(lines.join('\n'), `line ${i + 1} ${quote(gone)}`);
    }
    case 'duplicate-line': {
      const i = int(lines.length);
      lines.splice(i, 0, lines[i]);
      return done(lines.join('\n'), `line ${i + 1} ${quote(lines[i])}`);
    }
    case 'delete-span': {
      const at = int(text.length);
      const len = 1 + int(40);
      return done(text.slice(0, at) + text.slice(at + len), `at offset ${at} (line ${lineAt(text, at)}) ${quote(text.slice(at, at + len))}`);
    }
    case 'insert-char': {
      const at = int(text.length + 1);
      const c = INSERTABLE[int(INSERTABLE.length)];
      return done(text.slice(0, at) + c + text.slice(at), `'${c}' at offset ${at} (line ${lineAt(text, at)})`);
    }
    case 'swap-lines': {
      const i = int(Math.max(1, lines.length - 1));
      if (i + 1 < lines.length) [lines[i], lines[i + 1]] = [lines[i + 1], lines[i]];
      return done(lines.join('\n'), `lines ${i + 1} and ${i + 2}`);
    }
    case 'truncate': {
      const at = int(text.length);
      return done(text.slice(0, at), `at offset ${at} (line ${lineAt(text, at)})`);
    }
    case 'rename-identifier': {
      const ids = identifiers(text);
      const victim = ids[int(ids.length)];
      let name: string;
      if (rnd() < 0.5) name = ids[int(ids.length)].name; // another name of the same file: plausible, type-confusing
      else {
        name = '';
        const n = 1 + int(8);
        for (let k = 0; k < n; k++) name += NAME_CHARS[int(NAME_CHARS.length)];
      }
      return done(text.slice(0, victim.at) + name + text.slice(victim.at + victim.name.length),
        `'${victim.name}' -> '${name}' at offset ${victim.at} (line ${lineAt(text, victim.at)})`);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Outcomes and the worker sandbox

/** `hangMs`: this target's bound when it is not HANG_MS (timm: each analysis runs dozens of package modules). */
interface Target { path: string; model: string; input: number[][]; hangMs?: number }
type Job = { label: string; target: number; text: string } | { label: string; target: number; mutation: number };
interface Note { line: number; reason: string; file?: string }

type Outcome =
  | { kind: 'built'; ms: number; complete: boolean; params: number; macs: number | null; outputs: number[][] | null; unknowns: Note[]; lineCount: number }
  | { kind: 'refused'; ms: number; message: string; line: number | null }
  | { kind: 'crash'; ms: number; name: string; message: string; stack: string }
  | { kind: 'hang'; ms: number }
  | { kind: 'oom'; ms: number };

interface WorkerInput { targets: Target[]; jobs: Job[]; start: number; seed: number }
type WorkerMessage = { type: 'start'; index: number } | { type: 'done'; index: number; outcome: Outcome };

/** Serves `text` for `path` and the disk for everything else (imports keep reading real files). */
function overlay(host: FileHost, path: string, text: string): FileHost {
  return {
    readFile: (p) => (p === path ? text : host.readFile(p)),
    isFile: (p) => p === path || host.isFile(p),
    isDir: (p) => host.isDir(p),
  };
}

function analyzeOnce(t: Target, text: string): Outcome {
  const t0 = performance.now();
  try {
    const live = analyzeModel(overlay(nodeHost, t.path, text), t.path, text, { model: t.model, input: t.input, maxSteps: MAX_STEPS, trace: true });
    const g = live.graph;
    // The exporter reads the same trace: it may refuse (ExportError), never crash. Small models
    // only, so the fuzz stays fast.
    if (g.complete && g.params < 5e6) {
      try { traceToOnnx(live.trace!); } catch (e) { if (!(e instanceof ExportError)) throw e; }
    }
    return {
      kind: 'built', ms: performance.now() - t0, complete: g.complete, params: g.params, macs: g.macs, outputs: g.outputs,
      unknowns: g.unknowns.map((u) => ({ line: u.line, reason: u.reason, ...(u.file ? { file: u.file } : {}) })),
      lineCount: text.split('\n').length,
    };
  } catch (e) {
    const ms = performance.now() - t0;
    if (e instanceof AnalysisError) return { kind: 'refused', ms, message: e.message, line: e.line };
    const err = e instanceof Error ? e : new Error(String(e));
    return { kind: 'crash', ms, name: err.constructor?.name ?? 'Error', message: err.message, stack: err.stack ?? '' };
  }
}

function workerMain(data: WorkerInput): void {
  const port = parentPort!;
  const texts = new Map<number, string>();
  const original = (target: number): string => {
    let s = texts.get(target);
    if (s === undefined) { s = readFileSync(data.targets[target].path, 'utf8'); texts.set(target, s); }
    return s;
  };
  for (let i = data.start; i < data.jobs.length; i++) {
    const job = data.jobs[i];
    const text = 'text' in job ? job.text : mutate(original(job.target), data.seed, job.target, job.mutation).text;
    port.postMessage({ type: 'start', index: i } satisfies WorkerMessage);
    port.postMessage({ type: 'done', index: i, outcome: analyzeOnce(data.targets[job.target], text) } satisfies WorkerMessage);
  }
}

/**
 * Runs the jobs in order in a worker thread. A job that outlives HANG_MS, or grows the worker's
 * heap past WORKER_HEAP_MB, gets a 'hang' / 'oom' outcome; the worker is replaced and the next
 * job goes on.
 */
function sandboxOne(targets: Target[], jobs: Job[], seed: number): Promise<Outcome[]> {
  const out: Outcome[] = new Array(jobs.length);
  return new Promise((resolve, reject) => {
    let generation = 0;
    const launch = (start: number): void => {
      if (start >= jobs.length) { resolve(out); return; }
      const gen = ++generation;
      let current = -1;
      let startedAt = 0;
      let timer: NodeJS.Timeout | undefined;
      const worker = new Worker(__filename, {
        workerData: { targets, jobs, start, seed } satisfies WorkerInput,
        resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB },
      });
      const abandon = (outcome: Outcome): void => {
        clearTimeout(timer);
        out[current] = outcome;
        const next = current + 1;
        generation++; // whatever this worker still says is stale
        void worker.terminate();
        launch(next);
      };
      worker.on('message', (m: WorkerMessage) => {
        if (gen !== generation) return;
        if (m.type === 'start') {
          current = m.index;
          startedAt = performance.now();
          timer = setTimeout(() => abandon({ kind: 'hang', ms: performance.now() - startedAt }), targets[jobs[m.index].target].hangMs ?? HANG_MS);
        } else {
          clearTimeout(timer);
          out[m.index] = m.outcome;
          current = -1;
          if (m.index === jobs.length - 1) { generation++; void worker.terminate(); resolve(out); }
        }
      });
      worker.on('error', (err: Error & { code?: string }) => {
        if (gen !== generation) return;
        if (err.code === 'ERR_WORKER_OUT_OF_MEMORY' && current >= 0) abandon({ kind: 'oom', ms: performance.now() - startedAt });
        else { clearTimeout(timer); generation++; reject(err); }
      });
      worker.on('exit', (code) => {
        if (gen !== generation) return;
        clearTimeout(timer);
        generation++;
        reject(new Error(`analysis worker exited (code ${code}) before finishing job ${current >= 0 ? current : start}`));
      });
    };
    launch(0);
  });
}

/** `sandboxOne` over `shards` workers side by side (contiguous slices keep each file's imports warm). */
async function sandbox(targets: Target[], jobs: Job[], shards = 1, seed = SEED): Promise<Outcome[]> {
  const n = Math.max(1, Math.min(shards, jobs.length));
  const size = Math.ceil(jobs.length / n);
  const parts = await Promise.all(Array.from({ length: n }, (_, k) => sandboxOne(targets, jobs.slice(k * size, (k + 1) * size), seed)));
  return parts.flat();
}

// ---------------------------------------------------------------------------------------------
// Known engine bugs: inputs that hit them are counted, not failed (unless STRICT); each has a
// minimal reproducer in a todo test at the end of this file. Remove an entry once it is fixed.


interface KnownBug { id: string; what: string; matches: (o: Outcome, text: string) => boolean }
// All bugs found by this file so far are fixed; their reproducers are the regression tests at the end.
const KNOWN_BUGS: KnownBug[] = [
];
const knownBug = (o: Outcome, text: string): KnownBug | undefined => KNOWN_BUGS.find((b) => b.matches(o, text));

// ---------------------------------------------------------------------------------------------
// Checks shared by all parts

const fmtNotes = (ns: Note[]): string => (ns.length ? ns.slice(0, 8).map((u) => `${u.file ? `${u.file}:` : ''}${u.line}: ${u.reason}`).join(' | ') : '(none)');

function describeOutcome(o: Outcome): string {
  switch (o.kind) {
    case 'built': return `built (complete=${o.complete}, params=${o.params}, macs=${o.macs}, unknowns: ${fmtNotes(o.unknowns)})`;
    case 'refused': return `AnalysisError${o.line ? ` at line ${o.line}` : ''}: ${o.message}`;
    case 'crash': return `${o.name}: ${o.message}\n${o.stack.split('\n').slice(1, 6).join('\n')}`;
    case 'hang': return `no result after ${Math.round(o.ms)} ms (watchdog)`;
    case 'oom': return `worker heap over ${WORKER_HEAP_MB} MB after ${Math.round(o.ms)} ms`;
  }
}

/** What must hold for any input. Returns the problems (empty = fine). */
function problems(o: Outcome, bound = HANG_MS): string[] {
  const p: string[] = [];
  switch (o.kind) {
    case 'crash': p.push(`threw ${o.name} (only AnalysisError is allowed)`); break;
    case 'hang': case 'oom': p.push(describeOutcome(o)); break;
    case 'refused':
      if (!o.message.trim()) p.push('AnalysisError without a message');
      break;
    case 'built':
      if (!Number.isSafeInteger(o.params) || o.params < 0) p.push(`params is ${o.params}`);
      if (o.macs !== null && (!Number.isSafeInteger(o.macs) || o.macs < 0)) p.push(`macs is ${o.macs}`);
      if (o.complete && o.unknowns.length) p.push(`complete but with unknowns: ${fmtNotes(o.unknowns)}`);
      if (o.complete && (o.macs === null || o.outputs === null)) p.push('complete but macs or outputs missing');
      for (const u of o.unknowns) {
        if (!u.reason) p.push(`unknown without a reason at line ${u.line}`);
        if (!u.file && (!Number.isInteger(u.line) || u.line < 0 || u.line > o.lineCount)) p.push(`unknown at line ${u.line} outside the file (${o.lineCount} lines)`);
      }
      break;
  }
  if (o.kind !== 'hang' && o.kind !== 'oom' && o.ms > bound) p.push(`took ${Math.round(o.ms)} ms (bound ${bound} ms)`);
  return p;
}

// ---------------------------------------------------------------------------------------------
// The test process (main thread) only

if (!isMainThread) {
  workerMain(workerData as WorkerInput);
} else {
  const dir = mkdtempSync(join(tmpdir(), 'ghostlens-robustness-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  const tinyPath = join(dir, 'tiny_resnet.py');
  writeFileSync(tinyPath, TINY_RESNET);
  const TINY: Target = { path: tinyPath, model: TINY_MODEL, input: TINY_INPUT };
  const LINES = TINY_RESNET.split('\n');

  /** 1-based line of the first line containing `needle` (after `after`, if given). */
  const lineOf = (needle: string, after = 0): number => {
    const i = LINES.findIndex((l, k) => k + 1 > after && l.includes(needle));
    if (i < 0) throw new Error(`test model has no line with ${JSON.stringify(needle)}`);
    return i + 1;
  };
  const replaceLine = (line: number, f: (l: string) => string): string => LINES.map((l, i) => (i === line - 1 ? f(l) : l)).join('\n');
  const insertAfter = (line: number, text: string): string => [...LINES.slice(0, line), text, ...LINES.slice(line)].join('\n');
  const sub = (line: number, from: string, to: string): string => replaceLine(line, (l) => {
    if (!l.includes(from)) throw new Error(`line ${line} has no ${JSON.stringify(from)}`);
    return l.replace(from, to);
  });

  const blockInit = lineOf('def __init__(self, in_planes');
  const netInit = lineOf('def __init__(self, block=');
  const blockFwd = lineOf('def forward(self, x):');
  const netFwd = lineOf('def forward(self, x):', blockFwd);
  const L = {
    blockBn1: lineOf('self.bn1 = nn.BatchNorm2d(planes)'),
    blockConv2: lineOf('self.conv2 = nn.Conv2d(planes, planes'),
    blockIf: lineOf('if stride != 1'),
    blockConv2Call: lineOf('out = self.bn2(self.conv2(out))'),
    blockFirst: lineOf('out = F.relu(self.bn1(self.conv1(x)))'),
    blockReturn: lineOf('return F.relu(out)'),
    netConv1: lineOf('self.conv1 = nn.Conv2d(3, 64', netInit),
    netBn1: lineOf('self.bn1 = nn.BatchNorm2d(64)', netInit),
    netLayer1: lineOf('self.layer1 = self._make_layer('),
    netFc: lineOf('self.fc = nn.Linear('),
    strides: lineOf('strides = [stride]'),
    forS: lineOf('for s in strides:'),
    setInPlanes: lineOf('self.in_planes = planes * block.expansion'),
    fwdConv1: lineOf('out = F.relu(self.bn1(self.conv1(x)))', netFwd),
    fwdLayer1: lineOf('out = self.layer1(out)'),
    fwdLayer2: lineOf('out = self.layer2(out)'),
    fwdFc: lineOf('return self.fc(out)'),
  };

  /**
   * A hand-written break. `near`: the lines a good diagnostic may point at (the broken line, or
   * where the broken thing is used). `partial`: a partial graph is expected (the edit leaves the
   * model constructible); otherwise refusing with an AnalysisError is also fine.
   */
  interface Case { name: string; text: string; near: number[]; partial: boolean }
  const CASES: Case[] = [
    // unclosed brackets in __init__
    { name: 'unclosed call in a block __init__', text: sub(L.blockBn1, 'BatchNorm2d(planes)', 'BatchNorm2d(planes'), near: [L.blockBn1], partial: true },
    { name: 'unclosed call in the model __init__', text: sub(L.netLayer1, 'stride=1)', 'stride=1'), near: [L.netLayer1], partial: false },
    { name: 'unclosed list in a helper', text: sub(L.strides, '[stride]', '[stride'), near: [L.strides], partial: false },
    // missing colons
    { name: "missing ':' on a block def", text: sub(blockFwd, 'x):', 'x)'), near: [blockFwd], partial: true },
    { name: "missing ':' on the model's def forward", text: sub(netFwd, 'x):', 'x)'), near: [netFwd], partial: true },
    { name: "missing ':' on __init__", text: sub(blockInit, 'stride=1):', 'stride=1)'), near: [blockInit], partial: true },
    { name: "missing ':' on a for", text: sub(L.forS, 'strides:', 'strides'), near: [L.forS], partial: true },
    { name: "missing ':' on an if", text: sub(L.blockIf, 'self.expansion:', 'self.expansion'), near: [L.blockIf], partial: true },
    // half-typed attributes
    { name: 'half-typed attribute replacing a line', text: replaceLine(L.blockConv2, () => '        self.conv2 = nn.Conv2d(64,'), near: [L.blockConv2], partial: true },
    { name: 'half-typed attribute being added', text: insertAfter(L.netBn1, '        self.conv2 = nn.Conv2d(64,'), near: [L.netBn1 + 1], partial: true },
    { name: 'half-typed keyword argument', text: sub(L.netConv1, 'padding=1, bias=False)', 'padding='), near: [L.netConv1], partial: false },
    // stray indentation
    { name: 'stray indent in __init__', text: replaceLine(L.blockBn1, (l) => `    ${l}`), near: [L.blockBn1], partial: true },
    { name: 'stray indent in forward', text: replaceLine(L.fwdLayer1, (l) => `  ${l}`), near: [L.fwdLayer1], partial: true },
    { name: 'stray indent in a loop body', text: replaceLine(L.setInPlanes, (l) => `    ${l}`), near: [L.setInPlanes], partial: true },
    // name typos in forward
    { name: 'attribute typo in forward', text: sub(L.fwdLayer2, 'self.layer2', 'self.layr2'), near: [L.fwdLayer2], partial: true },
    { name: 'variable typo in forward', text: sub(L.blockFirst, 'conv1(x)', 'conv1(xx)'), near: [L.blockFirst], partial: true },
    { name: 'module typo in __init__', text: sub(L.netFc, 'nn.Linear', 'nn.Linaer'), near: [L.netFc], partial: true },
    // shape mismatches: the diagnostic may sit on the definition or where the module is called
    { name: 'Conv2d in_channels wrong in a block', text: sub(L.blockConv2, 'Conv2d(planes, planes', 'Conv2d(planes * 2, planes'), near: [L.blockConv2, L.blockConv2Call], partial: true },
    { name: 'Conv2d in_channels wrong in the stem', text: sub(L.netConv1, 'Conv2d(3, 64', 'Conv2d(4, 64'), near: [L.netConv1, L.fwdConv1], partial: true },
    { name: 'Linear in_features wrong', text: sub(L.netFc, '512 * block.expansion', '256 * block.expansion'), near: [L.netFc, L.fwdFc], partial: true },
  ];

  // One worker run for all of part (a): the intact file, the cases, then every line deleted in turn.
  const deletions = LINES.map((_, i) => LINES.filter((__, k) => k !== i).join('\n'));
  const jobs: Job[] = [
    { label: 'intact', target: 0, text: TINY_RESNET },
    ...CASES.map((c) => ({ label: c.name, target: 0, text: c.text })),
    ...deletions.map((text, i) => ({ label: `delete line ${i + 1}`, target: 0, text })),
  ];
  let partA: Promise<Outcome[]> | null = null;
  const outcomesA = (): Promise<Outcome[]> => (partA ??= sandbox([TINY], jobs));

  describe('half-typed code: hand-written breaks of a small ResNet', () => {
    test('the intact file is analysed completely and exactly', async () => {
      const o = (await outcomesA())[0];
      assert.equal(o.kind, 'built', describeOutcome(o));
      if (o.kind !== 'built') return;
      assert.deepEqual(o.unknowns, []);
      assert.equal(o.complete, true);
      assert.equal(o.params, TINY_PARAMS);
      assert.equal(o.macs, TINY_MACS);
      assert.deepEqual(o.outputs, [[1, 10]]);
    });

    CASES.forEach((c, k) => {
      test(c.name, async () => {
        const o = (await outcomesA())[1 + k];
        const what = `${c.name} (near line ${c.near.join('/')}): ${describeOutcome(o)}`;
        assert.deepEqual(problems(o), [], what);
        const isNear = (line: number): boolean => c.near.some((l) => Math.abs(line - l) <= NEAR);
        if (o.kind === 'refused') {
          assert.ok(!c.partial, `expected a partial graph, got ${what}`);
          if (o.line !== null) assert.ok(isNear(o.line), `AnalysisError points at line ${o.line}: ${what}`);
          return;
        }
        assert.equal(o.kind, 'built', what);
        if (o.kind !== 'built') return;
        assert.equal(o.complete, false, `a broken file gave a complete graph: ${what}`);
        assert.ok(o.unknowns.some((u) => !u.file && isNear(u.line)), `no unknown at or near the broken line: ${what}`);
      });
    });

    test('every line deleted in turn', async () => {
      const all = await outcomesA();
      const failures: string[] = [];
      const known = new Map<string, number[]>();
      const counts = { built: 0, complete: 0, refused: 0 };
      deletions.forEach((text, i) => {
        const o = all[1 + CASES.length + i];
        const gone = LINES[i].trim();
        const line = `line ${i + 1} ${JSON.stringify(gone)}`;
        const hit = knownBug(o, text);
        if (hit && !STRICT) { known.set(hit.id, [...(known.get(hit.id) ?? []), i + 1]); return; }
        const ps = problems(o);
        if (ps.length) { failures.push(`${line}: ${ps.join('; ')} — ${describeOutcome(o)}`); return; }
        if (o.kind === 'refused') { counts.refused++; return; }
        if (o.kind !== 'built') return;
        counts.built++;
        if (o.complete) {
          counts.complete++;
          const harmless = gone === '' || gone.startsWith('#') || HARMLESS_DELETIONS.has(gone);
          if (!harmless) failures.push(`${line}: deleting it still gives a complete graph`);
        } else if (!o.unknowns.length) failures.push(`${line}: incomplete graph without any unknown`);
      });
      console.log(`[robustness] every line of a ${LINES.length}-line model deleted: ${counts.built} built (${counts.complete} complete), ${counts.refused} AnalysisError` +
        (known.size ? `; known engine bugs: ${[...known].map(([id, ls]) => `${id} (lines ${ls.join(', ')})`).join('; ')}` : ''));
      assert.deepEqual(failures, []);
    });
  });

  // -------------------------------------------------------------------------------------------
  // Part (b): seeded fuzz

  interface FileStats { name: string; n: number; built: number; complete: number; refused: number; known: number; times: number[] }

  async function fuzz(targets: Target[], perTarget: number[]): Promise<void> {
    const jobsB: Job[] = [];
    targets.forEach((t, ti) => {
      for (let i = 0; i < perTarget[ti]; i++) jobsB.push({ label: `${t.path} #${i}`, target: ti, mutation: i });
    });
    const originals = targets.map((t) => readFileSync(t.path, 'utf8'));
    const t0 = performance.now();
    const outs = await sandbox(targets, jobsB, FUZZ_WORKERS);
    const wall = performance.now() - t0;

    const stats: FileStats[] = targets.map((t) => ({ name: `${t.path.replace(/^.*\//, '')} ${t.model}`, n: 0, built: 0, complete: 0, refused: 0, known: 0, times: [] }));
    const knownHits = new Map<string, string[]>();
    const failures: string[] = [];
    jobsB.forEach((job, k) => {
      if (!('mutation' in job)) return;
      const o = outs[k];
      const s = stats[job.target];
      s.n++;
      if (o.kind !== 'hang' && o.kind !== 'oom') s.times.push(o.ms); // a watchdog stop is no timing
      if (o.kind === 'built') { s.built++; if (o.complete) s.complete++; }
      else if (o.kind === 'refused') s.refused++;
      const ps = problems(o, targets[job.target].hangMs);
      // Mutants are rebuilt only when something needs a closer look (known-bug matching, reports).
      const needsText = ps.length > 0 || (o.kind === 'built' && !o.complete && o.unknowns.length === 0);
      if (!needsText) return;
      const m = mutate(originals[job.target], SEED, job.target, job.mutation);
      const hit = knownBug(o, m.text);
      const where = `${s.name} mutation #${job.mutation}: ${m.desc}`;
      if (hit && !STRICT) { s.known++; knownHits.set(hit.id, [...(knownHits.get(hit.id) ?? []), where]); return; }
      if (ps.length) failures.push(`${where}\n    ${ps.join('; ')}\n    ${describeOutcome(o).replace(/\n/g, '\n    ')}`);
      else if (hit) failures.push(`${where}\n    ${hit.id}: ${hit.what}`);
    });

    const slowest = jobsB.map((job, k) => ({ job, ms: outs[k].kind === 'hang' || outs[k].kind === 'oom' ? 0 : outs[k].ms }))
      .sort((a, b) => b.ms - a.ms).slice(0, 3).map(({ job, ms }) => {
        if (!('mutation' in job)) return '';
        return `${Math.round(ms)} ms ${stats[job.target].name} #${job.mutation} ${mutate(originals[job.target], SEED, job.target, job.mutation).desc}`;
      });
    const pct = (xs: number[], q: number): number => { const s = [...xs].sort((a, b) => a - b); return s.length ? s[Math.min(s.length - 1, Math.floor(q * s.length))] : 0; };
    const total = stats.reduce((a, s) => a + s.n, 0);
    const rows = stats.map((s) => `  ${s.name.padEnd(42)} ${String(s.n).padStart(5)} ${String(s.built).padStart(6)} ${String(s.complete).padStart(9)} ${String(s.refused).padStart(8)} ${String(s.known).padStart(6)} ${pct(s.times, 0.5).toFixed(1).padStart(8)} ${Math.max(0, ...s.times).toFixed(1).padStart(8)}`);
    const all = stats.flatMap((s) => s.times);
    console.log([
      `[robustness] fuzz seed=${SEED} (GHOSTLENS_FUZZ_SEED), ${total} mutations, ${(wall / 1000).toFixed(1)} s wall on ${FUZZ_WORKERS} worker(s), step budget ${MAX_STEPS}, bound ${HANG_MS} ms`,
      `  ${'file / model'.padEnd(42)} ${'muts'.padStart(5)} ${'built'.padStart(6)} ${'complete'.padStart(9)} ${'AnalErr'.padStart(8)} ${'known'.padStart(6)} ${'med ms'.padStart(8)} ${'max ms'.padStart(8)}`,
      ...rows,
      `  all: built ${stats.reduce((a, s) => a + s.built, 0)}, AnalysisError ${stats.reduce((a, s) => a + s.refused, 0)}, median ${pct(all, 0.5).toFixed(1)} ms, p99 ${pct(all, 0.99).toFixed(1)} ms, max ${Math.max(0, ...all).toFixed(1)} ms`,
      `  slowest: ${slowest.join('; ')}`,
      ...[...knownHits].map(([id, ws]) => `  known engine bug '${id}' hit ${ws.length}×, e.g. ${ws[0]}`),
    ].join('\n'));
    assert.ok(total >= Math.min(...perTarget), 'fuzz ran');
    assert.deepEqual(failures, [], `fuzz failures (seed ${SEED}; rerun with GHOSTLENS_FUZZ_SEED=${SEED})`);
  }

  describe('seeded fuzz of real model files', () => {
    test('the small ResNet of this file', () => fuzz([TINY], [PER_OWN_FILE]));
    test('torchvision models', { skip: haveTorchvision ? false : `${TV} is missing (apt install python3-torchvision)` }, () =>
      fuzz(TORCHVISION.map(([f, model]) => ({ path: join(TV, f), model, input: [[1, 3, 224, 224]] })), TORCHVISION.map(() => PER_TORCHVISION_FILE)));
    // timm's model files import a large package (layers, registry, builders): the mutated file
    // is the model's own; its imports are read from disk unchanged.
    test('timm models', { skip: haveTimm ? false : `${TIMM} is missing (the timm snapshot at ../shared/corpora/timm from the repository root)` }, () =>
      fuzz(TIMM_MODELS.map(([f, model]) => ({ path: join(TIMM, f), model, input: [[1, 3, 224, 224]], hangMs: TIMM_HANG_MS })), TIMM_MODELS.map(() => PER_TIMM_FILE)));
  });

  // -------------------------------------------------------------------------------------------
  // Engine bugs this file found, minimal reproducers; fixed, kept as regression tests.

  const HEAD = 'import torch\nimport torch.nn as nn\n\n\n';
  const reproducer = (name: string, body: string): Target => {
    const path = join(dir, `${name}.py`);
    writeFileSync(path, HEAD + body);
    return { path, model: 'M()', input: [[1, 8]] };
  };
  const runOne = async (t: Target): Promise<Outcome> => (await sandbox([t], [{ label: t.path, target: 0, text: readFileSync(t.path, 'utf8') }]))[0];
  const headLines = HEAD.split('\n').length - 1;

  describe('regressions: engine bugs found by this file, fixed', () => {
    test("[a for b] (comprehension without 'in') must not hang", async () => {
      const o = await runOne(reproducer('comp_without_in',
        'x = [a for b]\n\n\nclass M(nn.Module):\n    def forward(self, x):\n        return x\n'));
      assert.deepEqual(problems(o), [], describeOutcome(o));
    });

    test('a model class without forward() must give an AnalysisError or an Unknown', async () => {
      const o = await runOne(reproducer('no_forward',
        'class M(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.fc = nn.Linear(8, 4)\n'));
      assert.deepEqual(problems(o), [], describeOutcome(o));
    });

    test('a dict cut after `key:` at the end of the file must not throw TypeError', async () => {
      const o = await runOne(reproducer('dict_cut',
        'class M(nn.Module):\n    def forward(self, x):\n        return x\n\n\nx = {"b": '));
      assert.deepEqual(problems(o), [], describeOutcome(o));
    });

    test('a conditional expression without else must not throw TypeError', async () => {
      const o = await runOne(reproducer('cond_without_else',
        'class M(nn.Module):\n    def forward(self, x):\n        return x\n\n\nstride = (2 if False'));
      assert.deepEqual(problems(o), [], describeOutcome(o));
    });

    test('add_module() with a non-str name must not throw TypeError', async () => {
      const o = await runOne(reproducer('add_module_name',
        'class M(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.add_module(2, undefined_block)\n\n' +
        '    def forward(self, x):\n        return x\n'));
      assert.deepEqual(problems(o), [], describeOutcome(o));
    });

    test('torch.flaten (a typo of an unmodelled torch function) must leave an Unknown on its line', async () => {
      const o = await runOne(reproducer('torch_typo',
        'class M(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.fc = nn.Linear(8, 4)\n\n' +
        '    def forward(self, x):\n        y = torch.flaten(x, 1)\n        return self.fc(y)\n'));
      assert.equal(o.kind, 'built', describeOutcome(o));
      if (o.kind !== 'built') return;
      assert.equal(o.complete, false);
      assert.ok(o.unknowns.some((u) => u.line === headLines + 7), `unknowns: ${fmtNotes(o.unknowns)}`);
    });

    test('a forward() that returns nothing must leave an Unknown', async () => {
      const o = await runOne(reproducer('no_return',
        'class M(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.fc = nn.Linear(8, 4)\n\n' +
        '    def forward(self, x):\n        y = self.fc(x)\n'));
      assert.equal(o.kind, 'built', describeOutcome(o));
      if (o.kind !== 'built') return;
      assert.equal(o.complete, false);
      assert.ok(o.unknowns.length > 0, 'incomplete graph without any unknown');
    });

    test('assigning a submodule before super().__init__() must not give a complete graph (torch raises AttributeError)',
      async () => {
        const o = await runOne(reproducer('no_super',
          'class M(nn.Module):\n    def __init__(self):\n        self.fc = nn.Linear(8, 4)\n\n    def forward(self, x):\n        return self.fc(x)\n'));
        assert.deepEqual(problems(o), [], describeOutcome(o));
        assert.ok(o.kind === 'refused' || (o.kind === 'built' && !o.complete), describeOutcome(o));
      });
  });
}
