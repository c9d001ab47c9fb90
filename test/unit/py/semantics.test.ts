// The CPython-checked semantics cases of test/unit/py (syntax, the standard library), as tests.
import { runCases } from './harness';
import { ALL_TABLES } from './tables';

runCases(ALL_TABLES);
