// Every table of CPython-checked semantics cases under test/unit/py, by name (the CPython
// cross-check in test/torch/cpythonCases.test.ts runs them all).
import type { Case } from './harness';
import { SYNTAX } from './syntax.cases';
import { STDLIB } from './stdlib.cases';

export const ALL_TABLES: Record<string, Case[]> = { ...SYNTAX, ...STDLIB };
