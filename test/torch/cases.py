# Runs the semantics cases of test/unit/py (given as JSON on stdin) in CPython and prints, per
# case, the value of its expression converted exactly as the harness's toJs converts the
# engine's value (or the name of the exception it raised). Used by cpythonCases.test.ts.
import importlib, json, math, os, sys, tempfile, types, functools

def js_num(x):
    # JSON.stringify of a JS number.
    if isinstance(x, bool):
        return 'true' if x else 'false'
    if isinstance(x, int):
        return str(x)
    if math.isnan(x) or math.isinf(x):
        return 'null'
    if x == int(x) and abs(x) < 1e21:
        return str(int(x))
    return repr(x)

def js_stringify(v):
    if v is None:
        return 'null'
    if isinstance(v, bool) or isinstance(v, (int, float)):
        return js_num(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, list):
        return '[' + ','.join(js_stringify(x) for x in v) + ']'
    if isinstance(v, dict):
        return '{' + ','.join(json.dumps(k, ensure_ascii=False) + ':' + js_stringify(x) for k, x in v.items()) + '}'
    raise TypeError(type(v))

def float_js(x):
    if math.isnan(x):
        return {'float': 'NaN'}
    if math.isinf(x):
        return {'float': 'Infinity' if x > 0 else '-Infinity'}
    return {'float': x}

def to_js(v):
    torch = sys.modules.get('torch')  # only cases that import torch can produce tensors
    if v is None or isinstance(v, (bool, str)):
        return v
    if isinstance(v, int):
        return int(v)
    if isinstance(v, float):
        return float_js(v)
    if isinstance(v, (list, tuple)):
        return [to_js(x) for x in v]
    if isinstance(v, dict):
        out = {}
        for k, x in v.items():
            out[k if isinstance(k, str) else js_stringify(to_js(k))] = to_js(x)
        return out
    if isinstance(v, (set, frozenset)):
        items = [to_js(x) for x in v]
        return {'set': sorted(items, key=js_stringify)}
    if isinstance(v, range):
        return {'range': [v.start, v.stop, v.step]}
    if torch is not None and isinstance(v, torch.Tensor):
        return {'shape': list(v.shape), 'dtype': str(v.dtype).replace('torch.', ''), 'data': v.flatten().tolist()}
    if isinstance(v, type):
        return {'class': v.__name__}
    if isinstance(v, (types.FunctionType, types.BuiltinFunctionType)):
        return {'callable': v.__name__}
    if isinstance(v, types.MethodType):
        return {'callable': 'BoundMethod'}
    if isinstance(v, functools.partial):
        return {'callable': 'PyPartial'}
    if hasattr(v, '__next__'):
        return [to_js(x) for x in v]
    if type(v).__name__ in ('dict_keys', 'dict_values', 'dict_items'):
        return [to_js(x) for x in v]
    return {'instance': type(v).__name__}

def run(case):
    files = dict(case.get('files') or {})
    main = case.get('main') or 'main.py'
    files[main] = case.get('src') or ''
    root = tempfile.mkdtemp(prefix='glcase')
    for p, t in files.items():
        full = os.path.join(root, p)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, 'w', encoding='utf-8') as f:
            f.write(t)
    before = set(sys.modules)
    real_main = sys.modules['__main__']
    sys.path.insert(0, root)
    try:
        try:
            if '/' in main:
                ns = vars(importlib.import_module(main[:-3].replace('/', '.')))
            else:
                mod = types.ModuleType('__main__')
                mod.__file__ = os.path.join(root, main)
                sys.modules['__main__'] = mod
                ns = vars(mod)
                # Bytes, as CPython reads a file (a UTF-8 byte-order mark is skipped).
                with open(os.path.join(root, main), 'rb') as f:
                    exec(compile(f.read(), os.path.join(root, main), 'exec'), ns)
        except BaseException as e:
            return {'setup_error': f'{type(e).__name__}: {e}'}
        try:
            v = eval(compile(case['expr'], '<expr>', 'eval'), ns)
        except BaseException as e:
            return {'raised': type(e).__name__, 'message': str(e)}
        return {'value': to_js(v)}
    finally:
        sys.path.remove(root)
        sys.modules['__main__'] = real_main
        # Forget the case's own modules (not libraries such as torch, which cannot be re-imported).
        for m in set(sys.modules) - before:
            if (getattr(sys.modules[m], '__file__', None) or '').startswith(root):
                del sys.modules[m]

def main():
    cases = json.load(sys.stdin)
    # What the snippets print must not mix with the JSON answer on stdout.
    out = sys.stdout
    sys.stdout = sys.stderr
    try:
        results = [run(c) for c in cases]
    finally:
        sys.stdout = out
    print(json.dumps(results))

main()
