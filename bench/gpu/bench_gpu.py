"""Latency on a GPU, PyTorch eager (models from bench/gpu/prepare.sh): SE-ResNet-50 as written, and its
GhostLens rewrites: all candidates, G-Ghost stages only, C-Ghost convs only. Median of CUDA-event
timed forwards after warm-up; alternating models per round so drift hits all alike."""
import importlib.util, json, os, statistics, sys, time

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "out")


def load(name):
    spec = importlib.util.spec_from_file_location("m_" + name, os.path.join(HERE, name + ".py"))
    m = importlib.util.module_from_spec(spec)
    sys.modules["m_" + name] = m
    spec.loader.exec_module(m)
    return m.se_resnet50()


def main():
    import torch
    print("torch", torch.__version__, "cuda", torch.cuda.is_available(), flush=True)
    if not torch.cuda.is_available():
        return
    print("device", torch.cuda.get_device_name(0), flush=True)
    torch.backends.cudnn.benchmark = True
    names = ["orig", "all", "gghost", "cghost"]
    models = {n: load(n).cuda().eval() for n in names}
    params = {n: sum(p.numel() for p in m.parameters()) for n, m in models.items()}
    out = {}
    batches = [int(b) for b in os.environ.get('BATCHES', '1,32').split(',')]
    half = os.environ.get('HALF') == '1'
    if half:
        models = {n: m.half() for n, m in models.items()}
    for batch in batches:
        x = torch.randn(batch, 3, 224, 224, device="cuda", dtype=torch.half if half else torch.float)
        times = {n: [] for n in names}
        with torch.no_grad():
            for n in names:
                for _ in range(20):
                    models[n](x)
            torch.cuda.synchronize()
            for _ in range(10):  # rounds, alternating models
                for n in names:
                    s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
                    s.record()
                    for _ in range(10):
                        models[n](x)
                    e.record()
                    torch.cuda.synchronize()
                    times[n].append(s.elapsed_time(e) / 10)
        base = statistics.median(times["orig"])
        for n in names:
            med = statistics.median(times[n])
            out[(n, batch)] = med
            print(f"{'fp16' if half else 'fp32'} batch {batch:3d}  {n:7s} params {params[n]:>11,d}  median {med:8.3f} ms  x{med / base:5.2f} vs original", flush=True)
    print(json.dumps({f"{k[0]}@{k[1]}": v for k, v in out.items()}))


if __name__ == "__main__":
    main()
