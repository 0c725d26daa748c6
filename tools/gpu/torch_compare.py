#!/usr/bin/env python3
"""Measure on the same GPU with PyTorch what `capplan bench` measured, and print both side by side.

Usage: python3 tools/gpu/torch_compare.py RESULT.json [--output compare.json]

RESULT.json is a `capplan bench --output` document from this GPU. The acceptance checks of the runner (issue 7) are:
BF16 GEMM 8192^3 within 5% of torch.matmul's TFLOP/s, and device copy within 5% of a torch device-to-device copy.
FP8 (torch._scaled_mm, E4M3 in, BF16 out, unit scales; the runner's setting) and pinned host<->device copies are
reported next to the runner's figures without a pass/fail line. Both sides use CUDA events, a warm-up, the median
of the timed iterations, and count bytes the same way (copy: read + write = 2 x buffer).
Exit status: 0 when both checks pass, 1 when one fails, 2 on bad input.
"""
import argparse
import json
import statistics
import sys


def timed(fn, iterations, warmup, flush=None):
    import torch
    for _ in range(warmup):
        fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(iterations):
        if flush is not None:
            flush()
        start, stop = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        fn()
        stop.record()
        stop.synchronize()
        times.append(start.elapsed_time(stop) / 1000.0)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("result")
    parser.add_argument("--output")
    parser.add_argument("--size", type=int, default=8192)
    parser.add_argument("--iterations", type=int, default=50)
    args = parser.parse_args()
    try:
        with open(args.result, encoding="utf-8") as f:
            runner = json.load(f)
    except (OSError, json.JSONDecodeError) as e:
        print(f"torch_compare: cannot read {args.result}: {e}", file=sys.stderr)
        return 2
    if runner.get("backend") != "cuda":
        print(f"torch_compare: {args.result} was measured by the {runner.get('backend')} backend, not cuda "
              f"({runner.get('backendReason')}); run capplan bench on this GPU first.", file=sys.stderr)
        return 2

    import torch
    if not torch.cuda.is_available():
        print("torch_compare: torch sees no CUDA device", file=sys.stderr)
        return 2
    dev = torch.device("cuda:0")
    props = torch.cuda.get_device_properties(dev)
    n = args.size
    flush_buf = torch.empty(max(256 << 20, 2 * getattr(props, "L2_cache_size", 50 << 20)), dtype=torch.uint8, device=dev)

    def flush():
        flush_buf.fill_(1)

    rows = []

    def runner_gemm(dtype):
        for g in runner.get("gemm", []):
            if g["dtype"] == dtype and g["m"] == n and g["n"] == n and g["k"] == n:
                return g["medianTflops"]
        return None

    # BF16 GEMM: torch.matmul (cuBLAS), normal(0,1) data, L2 flushed between iterations as the runner does.
    a = torch.randn(n, n, device=dev, dtype=torch.bfloat16)
    b = torch.randn(n, n, device=dev, dtype=torch.bfloat16)
    t = timed(lambda: torch.matmul(a, b), args.iterations, 10, flush)
    rows.append(("gemm bf16 %d^3 [TFLOP/s]" % n, runner_gemm("bf16"), 2.0 * n ** 3 / t / 1e12, 0.05))

    # FP8 E4M3 -> BF16 with unit scales (torch._scaled_mm needs A row-major, B column-major: the TN layout).
    if hasattr(torch, "_scaled_mm") and hasattr(torch, "float8_e4m3fn") and props.major * 10 + props.minor >= 89:
        a8 = torch.randn(n, n, device=dev).to(torch.float8_e4m3fn)
        b8 = torch.randn(n, n, device=dev).to(torch.float8_e4m3fn).t()
        one = torch.ones((), device=dev)
        try:
            t = timed(lambda: torch._scaled_mm(a8, b8, scale_a=one, scale_b=one, out_dtype=torch.bfloat16), args.iterations, 10, flush)
            rows.append(("gemm fp8 %d^3 [TFLOP/s]" % n, runner_gemm("fp8"), 2.0 * n ** 3 / t / 1e12, None))
        except RuntimeError as e:
            print(f"torch_compare: torch._scaled_mm failed: {e}", file=sys.stderr)
    del a, b

    # Device copy: the runner's copy kernel and copy engine against torch's device-to-device copy, 2 x N bytes.
    mem = {m["kind"]: m for m in runner.get("memory", [])}
    copy = mem.get("copy") or mem.get("copy-engine")
    if copy:
        count = copy["bufferBytes"] // 4
        src = torch.randn(count, device=dev)
        dst = torch.empty_like(src)
        t = timed(lambda: dst.copy_(src), args.iterations, 10)
        torch_gbps = 2.0 * copy["bufferBytes"] / t / 1e9
        rows.append(("device copy kernel %d MiB [GB/s]" % (copy["bufferBytes"] >> 20), mem.get("copy", {}).get("medianGBps"), torch_gbps, 0.05))
        if "copy-engine" in mem:
            rows.append(("device copy engine %d MiB [GB/s]" % (copy["bufferBytes"] >> 20), mem["copy-engine"]["medianGBps"], torch_gbps, None))
        del src, dst

    # Pinned host <-> device.
    for h in runner.get("hostTransfers", []):
        count = h["bytes"] // 4
        host = torch.empty(count, dtype=torch.float32, pin_memory=True)
        devbuf = torch.empty(count, dtype=torch.float32, device=dev)
        fn = (lambda: devbuf.copy_(host, non_blocking=True)) if h["direction"] == "h2d" else (lambda: host.copy_(devbuf, non_blocking=True))
        t = timed(fn, 20, 3)
        rows.append(("host %s pinned %d MiB [GB/s]" % (h["direction"], h["bytes"] >> 20), h["medianGBps"], h["bytes"] / t / 1e9, None))

    failed = False
    print(f"{props.name}, torch {torch.__version__}, CUDA {torch.version.cuda}; runner {runner.get('sourceVersion')}")
    print(f"{'figure':40} {'capplan':>10} {'torch':>10} {'ratio':>7}  check")
    out = []
    for name, ours, theirs, tolerance in rows:
        ratio = ours / theirs if ours and theirs else None
        check = ""
        if tolerance is not None:
            ok = ratio is not None and abs(ratio - 1) <= tolerance
            failed |= not ok
            check = ("pass" if ok else "FAIL") + f" (within {tolerance:.0%})"
        fmt = lambda v: f"{v:10.1f}" if v is not None else f"{'-':>10}"
        print(f"{name:40} {fmt(ours)} {fmt(theirs)} {ratio if ratio is not None else float('nan'):7.3f}  {check}")
        out.append({"figure": name, "capplan": ours, "torch": theirs, "ratio": ratio, "tolerance": tolerance})
    if args.output:
        with open(args.output, "w", encoding="utf-8") as f:
            json.dump({"gpu": props.name, "torch": torch.__version__, "cuda": torch.version.cuda, "rows": out}, f, indent=2)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
