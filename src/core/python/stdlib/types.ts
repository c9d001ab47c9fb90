// types.SimpleNamespace as CPython 3.11 has it: attributes from keywords, equality by attributes,
// repr `namespace(a=1, b=2)`; an ordinary class, so isinstance and attribute writes work.
import { Value, PyClass, PyInstance } from '../values';
import type { Interpreter } from '../interp';
import { linearize } from '../interp';
import { nf } from '../builtins';

export function simpleNamespaceClass(it: Interpreter): PyClass {
  const c = new PyClass('SimpleNamespace', [it.classes.object]);
  c.mro = linearize(c, it.classes.object);
  c.dict.set('__name__', 'SimpleNamespace');
  c.dict.set('__init__', nf('__init__', (a, ctx) => {
    const self = a.pos[0] as PyInstance;
    // 3.11 takes keywords only (a positional mapping arrived in 3.13).
    if (a.pos.length > 1) return ctx.raise('TypeError', 'no positional arguments expected');
    for (const [k, v] of a.kw) self.attrs.set(k, v);
    return null;
  }));
  c.dict.set('__eq__', nf('__eq__', (a) => {
    const [x, y] = a.pos as [PyInstance, Value];
    if (!(y instanceof PyInstance) || !y.cls.isSubclassOf(c) || x.attrs.size !== y.attrs.size) return false;
    for (const [k, v] of x.attrs) { const w = y.attrs.get(k); if (w === undefined || !it.equals(v, w)) return false; }
    return true;
  }));
  c.dict.set('__repr__', nf('__repr__', (a, ctx) => {
    const self = a.pos[0] as PyInstance;
    const name = self.cls === c ? 'namespace' : self.cls.name;
    return `${name}(${[...self.attrs].map(([k, v]) => `${k}=${ctx.repr(v)}`).join(', ')})`;
  }));
  return c;
}
