// `sys` as a model file sees it at build time: the modules imported so far, the Python version
// the engine follows (3.11). What depends on the machine (argv, platform, path, stdin...) is left
// out, so it reads as an explicit "not modelled" unknown.
import { Value, PyTuple, PyClass, PyInstance, PyNamespace, Unknown } from '../values';
import type { Interpreter } from '../interp';
import { linearize } from '../interp';
import { nf } from '../builtins';

export function sysModule(it: Interpreter): [string, Value][] {
  const Modules = new PyClass('modules', [it.classes.object]);
  Modules.mro = linearize(Modules, it.classes.object);
  const find = (k: Value): PyNamespace | undefined => (typeof k === 'string' ? it.resolver.moduleNamed(k) : undefined);
  Modules.dict.set('__getitem__', nf('__getitem__', (a, ctx) => {
    const k = a.pos[1];
    if (k instanceof Unknown) return k;
    return find(k) ?? ctx.raise('KeyError', ctx.repr(k));
  }));
  Modules.dict.set('get', nf('get', (a) => find(a.pos[1]) ?? a.pos[2] ?? null));
  Modules.dict.set('__contains__', nf('__contains__', (a) => find(a.pos[1]) !== undefined));
  const versionInfo = new PyTuple([3, 11, 2, 'final', 0]);
  return [
    ['modules', new PyInstance(Modules)],
    ['version_info', versionInfo],
    ['getrecursionlimit', nf('getrecursionlimit', () => 1000)],
  ];
}
