#!/usr/bin/python3
"""Ground-truth counter for GhostLens: runs a PyTorch model for real and reports
output shapes, parameter counts and MACs per leaf module.

Usage:
    /usr/bin/python3 test/torch/oracle.py FILE --model EXPR [--input 1x3x224x224] [--input ...]

Prints one JSON object on stdout:
    {"outputs": [[int]], "params": int, "macs": int,
     "layers": [{"path", "type", "outputShape", "params", "macs", "calls"}],
     "functional": [{"path", "op", "calls", "macs"}]}

Conventions (see /work/shared/DESIGN.md):
  * module paths are ``named_modules()`` names; one ``layers`` row per leaf module
    (a module without child modules), in ``named_modules()`` order, shared modules once;
  * MACs count Conv / ConvTranspose / Linear / matmul only:
      conv            output.numel() * (in_channels // groups) * prod(kernel_size)
      transposed conv input.numel()  * (out_channels // groups) * prod(kernel_size)
      linear          input.numel() // in_features * in_features * out_features
      matmul family   output.numel() * contracted dimension
  * a leaf's ``macs`` is summed over all its calls; ``outputShape`` is the shape of
    the output of its last call (null when never called or not a Tensor);
  * ``params`` (total) is ``sum(p.numel() for p in model.parameters())``;
  * ``macs`` (total) is the sum of the leaf rows plus the ``functional`` rows.

Functional ops (torch.matmul / mm / bmm / ``@`` / F.linear / F.conv* ...) are observed
with a ``torch.overrides.TorchFunctionMode``. Where they run:
  * inside a Conv/ConvTranspose/Linear module: already counted by that module's
    formula, ignored;
  * inside another leaf module (a custom leaf with its own ``nn.Parameter`` weight that
    calls ``F.conv2d``, say): added to that leaf's ``macs``;
  * elsewhere (a non-leaf ``forward``, or the top level): one ``functional`` row per
    (innermost enclosing module path, op).
A Python-level torch function such as ``F.multi_head_attention_forward`` reaches the
mode as one call and the mode is switched off while it runs; while it runs, the
``torch.*`` and ``torch.nn.functional.*`` entry points of the counted ops are replaced by
counting wrappers, so its inner linear / bmm calls are still counted. Work done inside
C++ kernels (``einsum``'s internal bmm, fused kernels) is visible only as the outer call:
``einsum`` is counted (pairwise, left to right), fused kernels are not.

On any failure: a message on stderr and exit status 2.
"""

import argparse
import contextlib
import importlib
import importlib.util
import json
import math
import os
import sys
import traceback
import types


def fail(message):
    sys.stderr.write("oracle: " + message + "\n")
    sys.exit(2)


def parse_shape(text):
    try:
        dims = [int(part) for part in text.lower().replace("×", "x").split("x")]
    except ValueError:
        raise argparse.ArgumentTypeError("bad shape %r (want e.g. 1x3x224x224)" % text)
    if not dims or any(d < 0 for d in dims):
        raise argparse.ArgumentTypeError("bad shape %r" % text)
    return dims


# ---------------------------------------------------------------------------
# loading the model file


def load_module(path):
    """Import FILE; as a dotted package module when its folder is a package."""
    path = os.path.abspath(path)
    if not os.path.isfile(path):
        fail("no such file: %s" % path)
    folder, base = os.path.split(path)
    stem = os.path.splitext(base)[0]
    parts = [] if stem == "__init__" else [stem]
    top = folder
    while os.path.isfile(os.path.join(top, "__init__.py")):
        parts.insert(0, os.path.basename(top))
        top = os.path.dirname(top)
    if top != folder:
        # FILE lives in a package: import it by its dotted name so relative imports work.
        name = ".".join(parts)
        if top in sys.path:
            sys.path.remove(top)
        sys.path.insert(0, top)
        module = importlib.import_module(name)
        got = getattr(module, "__file__", None)
        if got is None or os.path.realpath(got) != os.path.realpath(path):
            sys.stderr.write(
                "oracle: warning: %s imported from %s, not from %s\n" % (name, got, path)
            )
        return module
    # A plain file: its folder first on sys.path so that sibling imports work.
    if folder in sys.path:
        sys.path.remove(folder)
    sys.path.insert(0, folder)
    name = "ghostlens_oracle_target_" + "".join(c if c.isalnum() else "_" for c in stem)
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        fail("cannot load %s as a Python module" % path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses and pickling look the module up here
    spec.loader.exec_module(module)
    return module


# ---------------------------------------------------------------------------
# MAC formulas


def prod(values):
    result = 1
    for v in values:
        result *= int(v)
    return result


def arg(args, kwargs, index, name):
    if len(args) > index:
        return args[index]
    return kwargs.get(name)


def first_tensor(value, torch):
    if isinstance(value, torch.Tensor):
        return value
    if isinstance(value, (tuple, list)):
        for item in value:
            found = first_tensor(item, torch)
            if found is not None:
                return found
    return None


def einsum_macs(args, torch):
    """Pairwise left-to-right contraction; each step costs prod(sizes of its letters)."""
    if not args or not isinstance(args[0], str):
        return 0  # the sublist form einsum(op, [0, 1], ...) is not counted
    equation = args[0].replace(" ", "")
    operands = list(args[1:])
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = list(operands[0])
    if "..." in equation or len(operands) < 2:
        return 0
    lhs, arrow, rhs = equation.partition("->")
    terms = lhs.split(",")
    if len(terms) != len(operands):
        return 0
    sizes = {}
    for term, operand in zip(terms, operands):
        for letter, size in zip(term, operand.shape):
            sizes[letter] = max(sizes.get(letter, 1), int(size))
    if not arrow:
        rhs = "".join(sorted(l for l in sizes if lhs.count(l) == 1))
    macs = 0
    current = terms[0]
    for i in range(1, len(terms)):
        letters = set(current) | set(terms[i])
        macs += prod(sizes[l] for l in letters)
        later = set(rhs).union(*[set(t) for t in terms[i + 1:]])
        current = "".join(l for l in sorted(letters) if l in later)
    return macs


def functional_macs(kind, args, kwargs, out, torch):
    """MACs of one call of a counted torch function (0 when the shapes are unusual)."""
    result = first_tensor(out, torch)
    if kind == "matmul":  # matmul, mm, bmm, mv, @
        a = arg(args, kwargs, 0, "input")
        if result is None or not isinstance(a, torch.Tensor) or a.dim() == 0:
            return 0
        return result.numel() * int(a.shape[-1])
    if kind == "addmm":  # addmm, baddbmm, addmv: (input, mat1, mat2)
        a = arg(args, kwargs, 1, "mat1")
        if a is None:
            a = kwargs.get("batch1", kwargs.get("mat"))
        if result is None or not isinstance(a, torch.Tensor) or a.dim() == 0:
            return 0
        return result.numel() * int(a.shape[-1])
    if kind == "addbmm":  # addbmm(input, batch1, batch2): sums over the batch
        b1 = arg(args, kwargs, 1, "batch1")
        b2 = arg(args, kwargs, 2, "batch2")
        if not isinstance(b1, torch.Tensor) or not isinstance(b2, torch.Tensor):
            return 0
        return b1.numel() * int(b2.shape[-1])
    if kind == "linear":
        w = arg(args, kwargs, 1, "weight")
        if result is None or not isinstance(w, torch.Tensor):
            return 0
        return result.numel() * int(w.shape[-1])
    if kind == "conv":  # weight: (out, in / groups, *k)
        w = arg(args, kwargs, 1, "weight")
        if result is None or not isinstance(w, torch.Tensor):
            return 0
        return result.numel() * prod(w.shape[1:])
    if kind == "conv_transpose":  # weight: (in, out / groups, *k)
        x = arg(args, kwargs, 0, "input")
        w = arg(args, kwargs, 1, "weight")
        if not isinstance(x, torch.Tensor) or not isinstance(w, torch.Tensor):
            return 0
        return x.numel() * prod(w.shape[1:])
    if kind == "einsum":
        return einsum_macs(args, torch)
    return 0


def counted_functions(torch):
    """(owner, attribute name, kind) of every functional entry point that is counted."""
    F = torch.nn.functional
    entries = []
    for name, kind in [
        ("matmul", "matmul"), ("mm", "matmul"), ("bmm", "matmul"), ("mv", "matmul"),
        ("addmm", "addmm"), ("baddbmm", "addmm"), ("addmv", "addmm"),
        ("addbmm", "addbmm"), ("einsum", "einsum"),
        ("conv1d", "conv"), ("conv2d", "conv"), ("conv3d", "conv"),
        ("conv_transpose1d", "conv_transpose"), ("conv_transpose2d", "conv_transpose"),
        ("conv_transpose3d", "conv_transpose"),
    ]:
        if hasattr(torch, name):
            entries.append((torch, name, kind))
    for name, kind in [
        ("linear", "linear"),
        ("conv1d", "conv"), ("conv2d", "conv"), ("conv3d", "conv"),
        ("conv_transpose1d", "conv_transpose"), ("conv_transpose2d", "conv_transpose"),
        ("conv_transpose3d", "conv_transpose"),
    ]:
        if hasattr(F, name):
            entries.append((F, name, kind))
    for name, kind in [
        ("matmul", "matmul"), ("mm", "matmul"), ("bmm", "matmul"), ("mv", "matmul"),
        ("__matmul__", "matmul"), ("addmm", "addmm"), ("baddbmm", "addmm"),
        ("addmv", "addmm"), ("addbmm", "addbmm"),
    ]:
        if hasattr(torch.Tensor, name):
            entries.append((torch.Tensor, name, kind))
    return entries


def rmatmul_macs(args, out, torch):
    # Tensor.__rmatmul__(self, other) computes other @ self.
    other = args[1] if len(args) > 1 else None
    if not isinstance(other, torch.Tensor) or not isinstance(out, torch.Tensor) or other.dim() == 0:
        return 0
    return out.numel() * int(other.shape[-1])


# ---------------------------------------------------------------------------
# the counter


def analyse(model, inputs, torch):
    nn = torch.nn
    conv_types = (nn.Conv1d, nn.Conv2d, nn.Conv3d)
    transposed_types = (nn.ConvTranspose1d, nn.ConvTranspose2d, nn.ConvTranspose3d)
    linear_types = (nn.Linear,)
    formula_types = conv_types + transposed_types + linear_types

    named = list(model.named_modules())  # dedups shared modules
    path_of = {id(m): p for p, m in named}
    leaves = [(p, m) for p, m in named if next(iter(m.children()), None) is None]
    leaf_ids = {id(m) for _, m in leaves}
    rows = {}
    for path, module in leaves:
        rows[id(module)] = {
            "path": path,
            "type": type(module).__name__,
            "outputShape": None,
            "params": sum(p.numel() for p in module.parameters(recurse=False)),
            "macs": 0,
            "calls": 0,
        }

    stack = []  # modules whose forward is running, innermost last
    functional = {}  # (path, op) -> [calls, macs]

    def pre_hook(module, inputs_):
        stack.append(module)

    def post_hook(module, inputs_, output):
        if stack and stack[-1] is module:
            stack.pop()
        else:  # unbalanced (should not happen): drop up to this module
            while stack and stack.pop() is not module:
                pass
        row = rows.get(id(module))
        if row is None:
            return
        row["calls"] += 1
        out = output if isinstance(output, torch.Tensor) else None
        row["outputShape"] = list(out.shape) if out is not None else None
        x = inputs_[0] if inputs_ and isinstance(inputs_[0], torch.Tensor) else None
        if isinstance(module, conv_types) and out is not None:
            row["macs"] += out.numel() * (module.in_channels // module.groups) * prod(module.kernel_size)
        elif isinstance(module, transposed_types) and x is not None:
            row["macs"] += x.numel() * (module.out_channels // module.groups) * prod(module.kernel_size)
        elif isinstance(module, linear_types) and x is not None:
            row["macs"] += x.numel() // module.in_features * module.in_features * module.out_features

    def record(op, macs):
        if macs == 0:
            return
        if any(isinstance(m, formula_types) for m in stack):
            return  # counted by the module's own formula
        owner = stack[-1] if stack else None
        if owner is not None and id(owner) in leaf_ids:
            rows[id(owner)]["macs"] += macs
            return
        path = path_of.get(id(owner), "") if owner is not None else ""
        entry = functional.setdefault((path, op), [0, 0])
        entry[0] += 1
        entry[1] += macs

    entries = counted_functions(torch)
    kinds = {}
    for owner, name, kind in entries:
        kinds.setdefault(getattr(owner, name), (name, kind))
    rmatmul = getattr(torch.Tensor, "__rmatmul__", None)

    state = {"wrapped": False}

    def make_wrapper(original, name, kind):
        def wrapper(*args, **kwargs):
            out = original(*args, **kwargs)
            record(name, functional_macs(kind, args, kwargs, out, torch))
            return out
        wrapper.__name__ = getattr(original, "__name__", name)
        wrapper.__doc__ = getattr(original, "__doc__", None)
        return wrapper

    @contextlib.contextmanager
    def wrapped_entry_points():
        """Counting wrappers on the torch.* / F.* entry points, for Python composites."""
        if state["wrapped"]:
            yield
            return
        saved = []
        for owner, name, kind in entries:
            if owner is torch.Tensor:
                continue  # Tensor methods are left alone
            original = getattr(owner, name)
            saved.append((owner, name, original))
            setattr(owner, name, make_wrapper(original, name, kind))
        state["wrapped"] = True
        try:
            yield
        finally:
            state["wrapped"] = False
            for owner, name, original in reversed(saved):
                setattr(owner, name, original)

    from torch.overrides import TorchFunctionMode

    class CountingMode(TorchFunctionMode):
        def __torch_function__(self, func, types_, args=(), kwargs=None):
            kwargs = kwargs or {}
            known = kinds.get(func)
            if known is not None:
                out = func(*args, **kwargs)
                record(known[0], functional_macs(known[1], args, kwargs, out, torch))
                return out
            if rmatmul is not None and func is rmatmul:
                out = func(*args, **kwargs)
                record("__rmatmul__", rmatmul_macs(args, out, torch))
                return out
            if isinstance(func, types.FunctionType):
                # A Python-level torch function: this mode is off while it runs.
                with wrapped_entry_points():
                    return func(*args, **kwargs)
            return func(*args, **kwargs)

    handles = []
    for _, module in named:
        handles.append(module.register_forward_pre_hook(pre_hook))
        handles.append(module.register_forward_hook(post_hook))
    try:
        with torch.no_grad(), CountingMode():
            output = model(*inputs)
    finally:
        for handle in handles:
            handle.remove()

    layers = [rows[id(m)] for _, m in leaves]
    functional_rows = [
        {"path": path, "op": op, "calls": calls, "macs": macs}
        for (path, op), (calls, macs) in functional.items()
    ]
    total_params = sum(p.numel() for p in model.parameters())
    total_macs = sum(r["macs"] for r in layers) + sum(r["macs"] for r in functional_rows)
    return {
        "outputs": output_shapes(output, torch),
        "params": total_params,
        "macs": total_macs,
        "layers": layers,
        "functional": functional_rows,
    }


def output_shapes(output, torch):
    if isinstance(output, torch.Tensor):
        return [list(output.shape)]
    if isinstance(output, dict):
        output = list(output.values())
    if isinstance(output, (tuple, list)):  # namedtuples included
        shapes = []
        for item in output:
            shapes.extend(output_shapes(item, torch))
        return shapes
    return []


# ---------------------------------------------------------------------------


def check_onnx(model, inputs, path, torch):
    """Loads an exported file's weights into the model; returns the files of inputs and outputs."""
    import onnx
    from onnx import numpy_helper

    proto = onnx.load(path)
    onnx.checker.check_model(proto, full_check=True)
    weights = {init.name: numpy_helper.to_array(init) for init in proto.graph.initializer}
    state = model.state_dict()
    # Weights of modules the forward never uses (aux heads in eval) are not in the file; any other
    # missing weight shows up as different outputs.
    # Parameters and floating-point buffers (BatchNorm statistics) come from the file; integer
    # buffers (index tables) stay torch's, so wrong contents in the file show as wrong outputs.
    for k in state:
        if k in weights and state[k].is_floating_point():
            if tuple(weights[k].shape) != tuple(state[k].shape):
                fail("initializer %s has shape %s, the model %s" % (k, weights[k].shape, tuple(state[k].shape)))
            state[k] = torch.from_numpy(weights[k].copy()).to(state[k].dtype)
    model.load_state_dict(state)
    with torch.no_grad():
        out = model(*inputs)
    flat = []
    def collect(v):
        if isinstance(v, torch.Tensor):
            flat.append(v)
        elif isinstance(v, (tuple, list)):
            for x in v:
                collect(x)
        elif isinstance(v, dict):
            for x in v.values():
                collect(x)
    collect(out)
    files = {"inputs": [], "outputs": []}
    for kind, values in (("in", inputs), ("out", flat)):
        for i, t in enumerate(values):
            name = "%s.%s%d.bin" % (path, kind, i)
            t.detach().to(torch.float32).contiguous().numpy().tofile(name)
            files["inputs" if kind == "in" else "outputs"].append({"path": name, "shape": list(t.shape)})
    return files


def main(argv):
    parser = argparse.ArgumentParser(
        description="Run a PyTorch model and print shapes, params and MACs per leaf module as JSON."
    )
    parser.add_argument("file", help="the Python file that defines the model")
    parser.add_argument("--model", required=True, help="expression evaluated in the file's namespace, e.g. 'resnet50()'")
    parser.add_argument("--input", action="append", type=parse_shape, default=None,
                        help="input shape such as 1x3x224x224; repeat for several positional inputs")
    parser.add_argument("--seed", type=int, default=0, help="torch.manual_seed for weights and inputs")
    parser.add_argument("--export-onnx", metavar="PATH", default=None,
                        help="also export the model with torch.onnx.export to PATH (rewrites must export)")
    parser.add_argument("--pickle", action="store_true",
                        help="also check that the model pickles with torch.save (no lambdas in generated code)")
    parser.add_argument("--check-onnx", metavar="PATH", default=None,
                        help="an ONNX file of this model (GhostLens's export): run onnx's full checker, load its "
                             "initializers into the model by state_dict name, and write the inputs and torch's "
                             "outputs as raw float32 files PATH.in<i>.bin / PATH.out<i>.bin")
    options = parser.parse_args(argv)
    shapes = options.input or [[1, 3, 224, 224]]

    real_stdout = sys.stdout
    try:
        with contextlib.redirect_stdout(sys.stderr):  # keep stdout for the JSON alone
            import torch

            torch.manual_seed(options.seed)
            sys.argv = [os.path.abspath(options.file)]  # the file may parse sys.argv at import
            module = load_module(options.file)
            model = eval(options.model, module.__dict__)
            if not isinstance(model, torch.nn.Module):
                fail("--model %r gave a %s, not an nn.Module" % (options.model, type(model).__name__))
            model.eval()
            inputs = [torch.randn(*shape) for shape in shapes]
            if options.check_onnx:
                report = {"onnx": check_onnx(model, inputs, options.check_onnx, torch)}
                real_stdout.write(json.dumps(report) + "\n")
                real_stdout.flush()
                return 0
            report = analyse(model, inputs, torch)
            if options.pickle:
                import io
                torch.save(model, io.BytesIO())
                report["pickled"] = True
            if options.export_onnx:
                with torch.no_grad():
                    torch.onnx.export(model, tuple(inputs), options.export_onnx, opset_version=13)
                import onnx
                onnx.checker.check_model(onnx.load(options.export_onnx))
                report["onnx"] = options.export_onnx
    except SystemExit:
        raise
    except BaseException:
        traceback.print_exc(file=sys.stderr)
        fail("failed: %s --model %s" % (options.file, options.model))
    real_stdout.write(json.dumps(report) + "\n")
    real_stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
