// Every table of CPython-checked semantics cases under test/unit/py, by name (the CPython
// cross-check in test/torch/cpythonCases.test.ts runs them all).
import type { Case } from './harness';
import { SYNTAX } from './syntax.cases';
import { STDLIB } from './stdlib.cases';
import { CASES as INTERP } from './interp.cases';

/** The tables semantics.test.ts runs (interp.test.ts runs INTERP itself). */
export const ALL_TABLES: Record<string, Case[]> = { ...SYNTAX, ...STDLIB };

/** Every table, for the CPython cross-check. */
export const CPYTHON_TABLES: Record<string, Case[]> = { ...ALL_TABLES };
for (const [topic, cases] of Object.entries(INTERP)) CPYTHON_TABLES[`interp: ${topic}`] = cases;
