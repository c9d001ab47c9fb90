// The standard library as model builders use it (re, types, functools, itertools, collections,
// dataclasses, enum, math, operator, copy) and the builtins around it, as CPython 3.11 runs it.
import { Case, F, py } from './harness';

export const STDLIB: Record<string, Case[]> = {};
void F; void py;
