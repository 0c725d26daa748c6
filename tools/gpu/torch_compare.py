#!/usr/bin/env python3
"""Measure on the same GPU with PyTorch what `capplan bench` measured, and print both side by side.

Usage: python3 tools/gpu/torch_compare.py RESULT.json [--output compare.json]

RESULT.json is a `capplan bench --output` document from this GPU. The acceptance checks of the runner (issue 7) are:
BF16 GEMM 8192^3 within 5% of torch.matmul's TFLOP/s, and device copy within 5% of a torch device-to-device copy.
FP8 (torch._scaled_mm, E4M3 in, BF16 out, unit scales; the runner's setting) and pinned host<->device copies are
reported next to the runner's figures without a pass/fail line. Both sides use CUDA events, a warm-up, the median
of the timed iterations, and count bytes the same way (copy: read + write = 2 x buffer).
Exit status: 0 when both checks pass, 1 when one fails, 2 on bad input.

With --capplan PATH the two checked figures are measured again in --rounds alternating rounds (capplan, then torch,
then capplan ...) and compared by the median over rounds: under the power cap an H200's GEMM clock drifts with its
temperature and recent load (1,380-1,530 MHz at 690 W in the first run here), so two figures taken minutes apart can
differ by more than the 5 % tolerance while both are right. The SM clock and power at each measurement are printed
beside it (NVML through pynvml where installed; the runner records the same in its telemetry). The GEMM is also
compared at its sustained rate (about 2 s back to back, one event pair around the batch), the power cap's steady state,
which depends far less on what the card did just before than a burst of single timed GEMMs does.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile


def _event_time(fn, flush=None):
    import torch
    if flush is not None:
        flush()
    start, stop = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    start.record()
    fn()
    stop.record()
    stop.synchronize()
    return start.elapsed_time(stop) / 1000.0


def timed(fn, iterations, warmup, flush=None):
    """Median seconds of `iterations` timed runs after the runner's warm-up rule: at least `warmup` runs, then until
    the last three lie within 3 % of their median (at most 60 runs or 8 s), as capplan's harness does."""
    import time
    import torch
    warm, t0 = [], time.monotonic()
    while len(warm) < 60:
        warm.append(_event_time(fn, flush))
        if len(warm) >= max(3, warmup):
            last = sorted(warm[-3:])
            if last[1] > 0 and (last[2] - last[0]) / last[1] <= 0.03:
                break
            if time.monotonic() - t0 >= 8.0:
                break
    torch.cuda.synchronize()
    return statistics.median(_event_time(fn, flush) for _ in range(iterations))


class Telemetry:
    """SM clock (MHz) and board power (W) of GPU 0 through pynvml, or nothing where it is not installed."""

    def __init__(self):
        self.handle = None
        try:
            import pynvml
            pynvml.nvmlInit()
            self.nvml = pynvml
            self.handle = pynvml.nvmlDeviceGetHandleByIndex(int(os.environ.get("CUDA_VISIBLE_DEVICES", "0").split(",")[0] or 0))
        except Exception:  # noqa: BLE001 - telemetry is optional
            self.handle = None

    def sample(self):
        if self.handle is None:
            return None
        try:
            clock = self.nvml.nvmlDeviceGetClockInfo(self.handle, self.nvml.NVML_CLOCK_SM)
            power = self.nvml.nvmlDeviceGetPowerUsage(self.handle) / 1000.0
            return {"smClockMHz": clock, "powerWatts": round(power, 1)}
        except Exception:  # noqa: BLE001
            return None


def describe(t):
    return f"{t['smClockMHz']} MHz {t['powerWatts']:.0f} W" if t else "-"


def capplan_figures(capplan, size):
    """One fresh capplan run of the two checked figures: (bf16 GEMM TFLOP/s, telemetry), (copy GB/s, telemetry)."""
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "r.json")
        cmd = [capplan, "bench", "--suite", "gemm,memory", "--dtypes", "bf16", "--gemm-sizes", str(size), "--output", out]
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            print(f"torch_compare: {' '.join(cmd)} failed ({done.returncode}): {done.stderr[-2000:]}", file=sys.stderr)
            return None
        with open(out, encoding="utf-8") as f:
            r = json.load(f)
    gemm = next((g for g in r.get("gemm", []) if g["dtype"] == "bf16" and g["m"] == size), None)
    copy = next((m for m in r.get("memory", []) if m["kind"] == "copy"), None)
    return {"gemm": gemm["medianTflops"] if gemm else None, "gemmTelemetry": (gemm or {}).get("telemetry"),
            "gemmSustained": (gemm or {}).get("sustainedTflops"),
            "copy": copy["medianGBps"] if copy else None, "copyBytes": copy["bufferBytes"] if copy else None,
            "copyTelemetry": (copy or {}).get("telemetry")}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("result")
    parser.add_argument("--output")
    parser.add_argument("--size", type=int, default=8192)
    parser.add_argument("--iterations", type=int, default=50)
    parser.add_argument("--capplan", help="the capplan executable: re-measure the checked figures in alternating rounds")
    parser.add_argument("--rounds", type=int, default=3)
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

    nvml = Telemetry()
    # BF16 GEMM: torch.matmul (cuBLAS), normal(0,1) data, L2 flushed between iterations as the runner does.
    a = torch.randn(n, n, device=dev, dtype=torch.bfloat16)
    b = torch.randn(n, n, device=dev, dtype=torch.bfloat16)

    def torch_gemm():
        t = timed(lambda: torch.matmul(a, b), args.iterations, 10, flush)
        return 2.0 * n ** 3 / t / 1e12, nvml.sample()

    def torch_gemm_sustained(seconds=2.0):
        """Back to back for about two seconds, one event pair around the batch: the power cap's steady state, as the
        runner's sustained figure (its window is 2 s at full settings)."""
        out = torch.empty(n, n, device=dev, dtype=torch.bfloat16)
        single = timed(lambda: torch.matmul(a, b, out=out), 5, 3)
        count = max(1, int(seconds / single))

        def batch():
            for _ in range(count):
                torch.matmul(a, b, out=out)

        t = _event_time(batch)
        return 2.0 * n ** 3 * count / t / 1e12, nvml.sample()

    gemm_tflops, gemm_tel = torch_gemm()
    runner_gemm_tel = next((g.get("telemetry") for g in runner.get("gemm", []) if g["dtype"] == "bf16" and g["m"] == n), None)
    rows.append(("gemm bf16 %d^3 [TFLOP/s]" % n, runner_gemm("bf16"), gemm_tflops, 0.05, runner_gemm_tel, gemm_tel))
    # The runner's layout (TN: A transposed) through torch, for information: a layout the heuristics treat differently.
    bt = b.t().contiguous()
    t = timed(lambda: torch.matmul(a, bt.t()), args.iterations, 10, flush)
    rows.append(("gemm bf16 %d^3 TN layout [TFLOP/s]" % n, runner_gemm("bf16"), 2.0 * n ** 3 / t / 1e12, None, None, nvml.sample()))
    del bt

    # FP8 E4M3 -> BF16 with unit scales (torch._scaled_mm needs A row-major, B column-major: the TN layout).
    if hasattr(torch, "_scaled_mm") and hasattr(torch, "float8_e4m3fn") and props.major * 10 + props.minor >= 89:
        a8 = torch.randn(n, n, device=dev).to(torch.float8_e4m3fn)
        b8 = torch.randn(n, n, device=dev).to(torch.float8_e4m3fn).t()
        one = torch.ones((), device=dev)
        try:
            t = timed(lambda: torch._scaled_mm(a8, b8, scale_a=one, scale_b=one, out_dtype=torch.bfloat16), args.iterations, 10, flush)
            rows.append(("gemm fp8 %d^3 [TFLOP/s]" % n, runner_gemm("fp8"), 2.0 * n ** 3 / t / 1e12, None, None, nvml.sample()))
        except RuntimeError as e:
            print(f"torch_compare: torch._scaled_mm failed: {e}", file=sys.stderr)
    # a and b stay allocated: the alternating rounds below measure the GEMM again.

    # Device copy: the runner's copy kernel and copy engine against torch's device-to-device copy, 2 x N bytes.
    mem = {m["kind"]: m for m in runner.get("memory", [])}
    copy = mem.get("copy") or mem.get("copy-engine")
    if copy:
        count = copy["bufferBytes"] // 4
        src = torch.randn(count, device=dev)
        dst = torch.empty_like(src)

        def torch_copy():
            t = timed(lambda: dst.copy_(src), args.iterations, 10)
            return 2.0 * copy["bufferBytes"] / t / 1e9, nvml.sample()

        torch_gbps, copy_tel = torch_copy()
        rows.append(("device copy kernel %d MiB [GB/s]" % (copy["bufferBytes"] >> 20), mem.get("copy", {}).get("medianGBps"), torch_gbps, 0.05,
                     mem.get("copy", {}).get("telemetry"), copy_tel))
        if "copy-engine" in mem:
            rows.append(("device copy engine %d MiB [GB/s]" % (copy["bufferBytes"] >> 20), mem["copy-engine"]["medianGBps"], torch_gbps, None,
                         mem["copy-engine"].get("telemetry"), copy_tel))

        # Alternating rounds: capplan, torch, capplan, torch ... each figure the median of its rounds.
        if args.capplan:
            ours_gemm, ours_copy, theirs_gemm, theirs_copy, ours_sus, theirs_sus = [], [], [], [], [], []
            for r in range(args.rounds):
                c = capplan_figures(args.capplan, n)
                if c is None:
                    break
                g, gt = torch_gemm()
                gs, _ = torch_gemm_sustained()
                cp, ct = torch_copy()
                print(f"round {r + 1}: gemm capplan {c['gemm']:.1f} ({describe(c['gemmTelemetry'])}) torch {g:.1f} ({describe(gt)}); "
                      f"copy capplan {c['copy']:.0f} ({describe(c['copyTelemetry'])}) torch {cp:.0f} ({describe(ct)})")
                print(f"         gemm sustained (2 s back to back) capplan {c['gemmSustained'] or float('nan'):.1f} torch {gs:.1f}")
                ours_gemm.append(c["gemm"]); theirs_gemm.append(g); ours_copy.append(c["copy"]); theirs_copy.append(cp)
                if c["gemmSustained"]:
                    ours_sus.append(c["gemmSustained"]); theirs_sus.append(gs)
            if ours_gemm:
                # The interleaved medians replace the single-shot checks.
                rows = [row[:3] + (None,) + row[4:] if row[3] is not None else row for row in rows]
                rows.append(("gemm bf16 %d^3, %d alternating rounds" % (n, len(ours_gemm)), statistics.median(ours_gemm), statistics.median(theirs_gemm), 0.05, None, None))
                if ours_sus:
                    rows.append(("gemm bf16 %d^3 sustained 2 s, %d rounds" % (n, len(ours_sus)), statistics.median(ours_sus), statistics.median(theirs_sus), 0.05, None, None))
                rows.append(("device copy kernel, %d alternating rounds" % len(ours_copy), statistics.median(ours_copy), statistics.median(theirs_copy), 0.05, None, None))
        del src, dst

    # Pinned host <-> device.
    for h in runner.get("hostTransfers", []):
        count = h["bytes"] // 4
        host = torch.empty(count, dtype=torch.float32, pin_memory=True)
        devbuf = torch.empty(count, dtype=torch.float32, device=dev)
        fn = (lambda: devbuf.copy_(host, non_blocking=True)) if h["direction"] == "h2d" else (lambda: host.copy_(devbuf, non_blocking=True))
        t = timed(fn, 20, 3)
        rows.append(("host %s pinned %d MiB [GB/s]" % (h["direction"], h["bytes"] >> 20), h["medianGBps"], h["bytes"] / t / 1e9, None, h.get("telemetry"), nvml.sample()))

    failed = False
    print(f"{props.name}, torch {torch.__version__}, CUDA {torch.version.cuda}; runner {runner.get('sourceVersion')}")
    print(f"{'figure':44} {'capplan':>10} {'torch':>10} {'ratio':>7}  {'check':20} clocks (capplan / torch)")
    out = []
    for name, ours, theirs, tolerance, ours_tel, theirs_tel in rows:
        ratio = ours / theirs if ours and theirs else None
        check = ""
        if tolerance is not None:
            ok = ratio is not None and abs(ratio - 1) <= tolerance
            failed |= not ok
            check = ("pass" if ok else "FAIL") + f" (within {tolerance:.0%})"
        fmt = lambda v: f"{v:10.1f}" if v is not None else f"{'-':>10}"
        clocks = f"{describe(ours_tel)} / {describe(theirs_tel)}" if ours_tel or theirs_tel else ""
        print(f"{name:44} {fmt(ours)} {fmt(theirs)} {ratio if ratio is not None else float('nan'):7.3f}  {check:20} {clocks}")
        out.append({"figure": name, "capplan": ours, "torch": theirs, "ratio": ratio, "tolerance": tolerance,
                    "capplanTelemetry": ours_tel, "torchTelemetry": theirs_tel})
    if args.output:
        with open(args.output, "w", encoding="utf-8") as f:
            json.dump({"gpu": props.name, "torch": torch.__version__, "cuda": torch.version.cuda, "rows": out}, f, indent=2)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
