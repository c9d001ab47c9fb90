// str(), repr() and format-spec rendering of interpreter values.
import {
  Value, PyFloat, PyTuple, PyList, PyDict, PySet, PyClass, PyInstance, PyFunction, NativeFunction, Tensor, Unknown,
  PyNamespace, PySlice, PyRange, PyEllipsis, PyPartial, BoundMethod,
} from './values';

export interface Printer { repr(v: Value): string; str(v: Value): string }

function floatRepr(x: number): string {
  if (Number.isInteger(x) && Math.abs(x) < 1e16) return x.toFixed(1);
  if (!Number.isFinite(x)) return Number.isNaN(x) ? 'nan' : x > 0 ? 'inf' : '-inf';
  const s = String(x);
  return s.includes('e') ? s.replace(/e\+?(-?)(\d)$/, 'e$1' + '0$2') : s;
}

export function reprValue(v: Value, p: Printer): string {
  if (v === null) return 'None';
  switch (typeof v) {
    case 'boolean': return v ? 'True' : 'False';
    case 'number': return String(v);
    case 'string': return "'" + v.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n') + "'";
  }
  if (v instanceof PyFloat) return floatRepr(v.v);
  if (v instanceof PyTuple) {
    if (v.cls) {
      const f = v.cls.dict.get('_fields');
      const names = f instanceof PyTuple ? f.items : [];
      return `${v.cls.name}(${v.items.map((x, i) => `${String(names[i])}=${p.repr(x)}`).join(', ')})`;
    }
    return '(' + v.items.map((x) => p.repr(x)).join(', ') + (v.items.length === 1 ? ',)' : ')');
  }
  if (v instanceof PyList) return '[' + v.items.map((x) => p.repr(x)).join(', ') + ']';
  if (v instanceof PyDict) return '{' + v.entries().map(([k, x]) => `${p.repr(k)}: ${p.repr(x)}`).join(', ') + '}';
  if (v instanceof PySet) return v.map.size ? '{' + v.items().map((x) => p.repr(x)).join(', ') + '}' : 'set()';
  if (v instanceof PyClass) return `<class '${v.name}'>`;
  if (v instanceof PyInstance) return `<${v.cls.name} object>`;
  if (v instanceof PyFunction) return `<function ${v.name}>`;
  if (v instanceof NativeFunction) return `<built-in function ${v.name}>`;
  if (v instanceof BoundMethod) return `<bound method>`;
  if (v instanceof PyPartial) return `functools.partial(${p.repr(v.fn)})`;
  if (v instanceof Tensor) return v.data && v.data.length <= 8 ? `tensor(${JSON.stringify(v.data)})` : `tensor(shape=[${v.shape.join(', ')}])`;
  if (v instanceof Unknown) return '<unknown>';
  if (v instanceof PyNamespace) return `<module '${v.name}'>`;
  if (v instanceof PySlice) return `slice(${p.repr(v.start)}, ${p.repr(v.stop)}, ${p.repr(v.step)})`;
  if (v instanceof PyRange) return `range(${v.start}, ${v.stop}${v.step !== 1 ? ', ' + v.step : ''})`;
  if (v instanceof PyEllipsis) return 'Ellipsis';
  return '<object>';
}

/** format(v, spec) for the common specs: [[fill]align][sign][0][width][,][.prec][type]. */
export function formatValue(v: Value, spec: string, p: Printer): string {
  if (!spec) {
    if (typeof v === 'string') return v;
    if (v instanceof PyInstance) {
      return p.str(v);
    }
    return reprValue(v, p);
  }
  const m = /^(?:(.)?([<>^=]))?([-+ ])?(0)?(\d+)?([,_])?(?:\.(\d+))?([bcdeEfFgGnosxX%])?$/.exec(spec);
  if (!m) return formatValue(v, '', p);
  const [, fillC, align, sign, zero, width, group, prec, type] = m;
  let s: string;
  const x = typeof v === 'number' ? v : typeof v === 'boolean' ? Number(v) : v instanceof PyFloat ? v.v : NaN;
  switch (type) {
    case 'd': case 'n': s = String(Math.trunc(x)); break;
    case 'f': case 'F': s = x.toFixed(prec ? +prec : 6); break;
    case 'e': case 'E': s = x.toExponential(prec ? +prec : 6).replace(/e([+-])(\d)$/, 'e$10$2'); break;
    case 'g': case 'G': s = prec ? String(Number(x.toPrecision(+prec))) : String(x); break;
    case '%': s = (x * 100).toFixed(prec ? +prec : 6) + '%'; break;
    case 'x': s = Math.trunc(x).toString(16); break;
    case 'X': s = Math.trunc(x).toString(16).toUpperCase(); break;
    case 'o': s = Math.trunc(x).toString(8); break;
    case 'b': s = Math.trunc(x).toString(2); break;
    default:
      if (Number.isNaN(x) || typeof v === 'string') s = typeof v === 'string' ? v : formatValue(v, '', p);
      else s = prec && v instanceof PyFloat ? x.toFixed(+prec) : formatValue(v, '', p);
      if (typeof v === 'string' && prec) s = s.slice(0, +prec);
  }
  if (group && /^-?\d/.test(s)) {
    const [i, f] = s.split('.');
    s = i.replace(/\B(?=(\d{3})+(?!\d))/g, group) + (f !== undefined ? '.' + f : '');
  }
  if (sign === '+' && x >= 0) s = '+' + s;
  const w = width ? +width : 0;
  if (s.length < w) {
    const fill = zero && !align ? '0' : fillC ?? ' ';
    const isNum = !Number.isNaN(x) && typeof v !== 'string';
    const al = align ?? (zero ? '=' : isNum ? '>' : '<');
    const pad = fill.repeat(w - s.length);
    if (al === '<') s = s + pad;
    else if (al === '^') { const h = Math.floor(pad.length / 2); s = pad.slice(0, h) + s + pad.slice(h); }
    else if (al === '=' && /^[-+]/.test(s)) s = s[0] + pad + s.slice(1);
    else s = pad + s;
  }
  return s;
}
