// The harness of the CPython-checked semantics cases (interp.test.ts and test/unit/py/*.test.ts):
// a snippet runs as a module in an in-memory project, then an expression is evaluated in its
// namespace and compared, as plain JS data (see toJs), with what CPython 3.11 gives. `want`s are
// checked against CPython by test/torch/cpythonCases.test.ts (it runs each case in python3 and
// converts the value the same way), except `engineOnly` cases, which pin down what the engine
// does where Python would fail (unknown names, missing modules, I/O).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SyntaxNode } from '@lezer/common';
import { SourceFile, SourceCache } from '../../../src/core/python/source';
import { Interpreter, PyException, InterpOptions } from '../../../src/core/python/interp';
import { ModuleResolver, FileHost } from '../../../src/core/python/imports';
import {
  Value, Scope, PyFloat, PyTuple, PyList, PyDict, PySet, PyRange, PyIterator, PyClass, PyInstance, PyFunction,
  NativeFunction, BoundMethod, PyPartial, Tensor, Unknown,
} from '../../../src/core/python/values';

// ---------------------------------------------------------------------------------------------
// Harness

export interface Case {
  /** Test name; defaults to the expression. */
  name?: string;
  /** The module that runs first (default: nothing), as `main.py` unless `main` says otherwise. */
  src?: string;
  /** Evaluated in the module's namespace after it ran. */
  expr: string;
  /** toJs() of the expression's value. */
  want?: unknown;
  /** Instead of a value, evaluating `expr` raises this Python exception class. */
  raises?: string;
  /** More files of the project: path (relative to the project root) → text. */
  files?: Record<string, string>;
  /** Where the snippet lives, relative to the project root (default `main.py`). */
  main?: string;
  /** `want` comes from torch (checked with /usr/bin/python3). */
  torch?: true;
  /** Not CPython's behaviour: why the engine answers this way. */
  engineOnly?: string;
  /** A known engine bug: what goes wrong and where. */
  todo?: string;
}

export const ROOT = '/proj';

/** A project held in memory: `files` maps paths under ROOT to their text. */
export function memoryHost(files: Record<string, string>): FileHost {
  const all = new Map(Object.entries(files).map(([p, t]) => [`${ROOT}/${p}`, t]));
  return {
    readFile: (p) => all.get(p) ?? null,
    isFile: (p) => all.has(p),
    isDir: (p) => [...all.keys()].some((k) => k.startsWith(p.endsWith('/') ? p : p + '/')),
  };
}

export interface Loaded { it: Interpreter; scope: Scope }

/** Runs `src` as `main` (like scripts/dev-eval.ts) with `files` beside it. */
export function load(src: string, files: Record<string, string> = {}, main = 'main.py', opts: InterpOptions = {}): Loaded {
  const cache = new SourceCache();
  const host = memoryHost({ ...files, [main]: src });
  const resolver = new ModuleResolver(host, (p, t) => cache.get(p, t));
  const it = new Interpreter(resolver, opts);
  it.recording = true;
  const { scope } = resolver.runMain(it, cache.get(`${ROOT}/${main}`, src));
  return { it, scope };
}

/** Evaluates one expression (a comma list makes a tuple) in a loaded module's namespace. */
export function evaluate({ it, scope }: Loaded, expr: string): Value {
  const file = new SourceFile('<expr>', expr);
  const stmt = file.top.firstChild;
  assert.ok(stmt && stmt.name === 'ExpressionStatement' && !file.syntaxProblems().length, `not an expression: ${expr}`);
  const parts: SyntaxNode[] = [];
  for (let c = stmt.firstChild; c; c = c.nextSibling) if (c.name !== 'Comment') parts.push(c);
  const prev = it.setFile(file);
  try {
    return it.evalCommaList(parts, scope, stmt);
  } finally {
    it.setFile(prev);
  }
}

/** A Python float as toJs shows it (ints are plain numbers). */
export const F = (x: number) => ({ float: x });

/** Plain JS data for comparison: ints are numbers, floats {float}, tuples and lists arrays. */
export function toJs(v: Value): unknown {
  if (v === null || typeof v === 'boolean' || typeof v === 'number' || typeof v === 'string') return v;
  if (v instanceof PyFloat) return F(v.v);
  if (v instanceof PyList || v instanceof PyTuple) return v.items.map(toJs);
  if (v instanceof PyIterator) return v.items.slice(v.pos).map(toJs);
  if (v instanceof PyDict) {
    const o: Record<string, unknown> = {};
    for (const [k, x] of v.entries()) o[typeof k === 'string' ? k : JSON.stringify(toJs(k))] = toJs(x);
    return o;
  }
  if (v instanceof PySet) return { set: v.items().map(toJs).sort((a, b) => cmpJson(a, b)) };
  if (v instanceof PyRange) return { range: [v.start, v.stop, v.step] };
  if (v instanceof Tensor) return { shape: v.shape, dtype: v.dtype, data: v.data };
  if (v instanceof PyInstance) return { instance: v.cls.name };
  if (v instanceof PyClass) return { class: v.name };
  if (v instanceof PyFunction || v instanceof NativeFunction) return { callable: v.name };
  if (v instanceof BoundMethod || v instanceof PyPartial) return { callable: v.constructor.name };
  if (v instanceof Unknown) return { unknown: v.reason };
  return { other: (v as object).constructor.name };
}
const cmpJson = (a: unknown, b: unknown): number => {
  const x = JSON.stringify(a), y = JSON.stringify(b);
  return x < y ? -1 : x > y ? 1 : 0;
};

export function check(c: Case): void {
  const loaded = load(c.src ?? '', c.files, c.main);
  const notes = () => loaded.it.notes.map((n) => n.reason);
  if (c.raises !== undefined) {
    assert.throws(() => evaluate(loaded, c.expr), (e: unknown) => {
      assert.ok(e instanceof PyException, `expected a PyException, got ${String(e)}`);
      assert.equal(e.cls.name, c.raises);
      return true;
    });
  } else {
    let got: Value;
    try { got = evaluate(loaded, c.expr); } catch (e) {
      assert.fail(`${c.expr} threw ${String(e)}${notes().length ? `; notes: ${notes().join(' | ')}` : ''}`);
    }
    assert.deepEqual(toJs(got), c.want, notes().length ? `notes: ${notes().join(' | ')}` : undefined);
  }
  if (!c.engineOnly) assert.deepEqual(notes(), [], 'the snippet left notes');
}

/** Strips the common indentation (and the first newline) of a snippet. */
export function py(strings: TemplateStringsArray, ...subs: unknown[]): string {
  const text = String.raw(strings, ...subs).replace(/^\n/, '').replace(/\n[ \t]*$/, '\n');
  const lines = text.split('\n');
  const indents = lines.filter((l) => l.trim()).map((l) => /^ */.exec(l)![0].length);
  const cut = indents.length ? Math.min(...indents) : 0;
  return lines.map((l) => l.slice(cut)).join('\n');
}

/** Registers a table of cases as tests, one per case, named `topic: expr where src`. */
export function runCases(table: Record<string, Case[]>): void {
  for (const [topic, cases] of Object.entries(table)) {
    for (const c of cases) {
      const where = c.src ? ` where ${c.src.trim().split('\n').map((l) => l.trim()).join('; ')}` : '';
      const name = `${topic}: ${c.name ?? c.expr + (where.length > 70 ? where.slice(0, 67) + '...' : where)}`;
      if (c.todo) test(name, { todo: c.todo }, () => check(c));
      else test(name, () => check(c));
    }
  }
}
