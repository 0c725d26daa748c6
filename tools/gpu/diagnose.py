#!/usr/bin/env python3
"""Why do capplan's checked figures differ from torch's? A diagnostic run for one GPU node (about two minutes).

Usage: python3 tools/gpu/diagnose.py --capplan publish/capplan-linux-x64/capplan [--output diag.json]

It measures, with the SM clock and board power sampled every 5 ms through NVML *during* each measurement (not after):
- the BF16 8192^3 GEMM through torch.matmul (NN layout, the default cuBLAS path), the runner's TN layout through torch,
  torch with TunableOp (which times cuBLASLt's candidate algorithms, as capplan does among its heuristic's four), and
  capplan itself, twice each in alternation;
- which CUDA operation torch's device copy runs (profiler), and device-copy kernels that differ in one thing each
  (loads in flight per thread, grid size, streaming cache hints) against cudaMemcpyAsync, 1 GiB buffers.
Every figure is the median of individually timed, L2-flushed iterations (GEMM) or of back-to-back timed launches
(copy), as capplan and tools/gpu/torch_compare.py time them.
"""
import argparse
import json
import os
import statistics
import subprocess
import tempfile
import threading
import time

import torch

from torch_compare import _event_time


class ClockTrace:
    """NVML samples (t, SM MHz, W) every 5 ms on a thread; window(t0, t1) gives the mean over a measurement."""

    def __init__(self):
        import pynvml
        pynvml.nvmlInit()
        self.nvml, self.h = pynvml, pynvml.nvmlDeviceGetHandleByIndex(0)
        self.samples, self.stop = [], False
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while not self.stop:
            try:
                self.samples.append((time.monotonic(), self.nvml.nvmlDeviceGetClockInfo(self.h, self.nvml.NVML_CLOCK_SM),
                                     self.nvml.nvmlDeviceGetPowerUsage(self.h) / 1000.0))
            except Exception:  # noqa: BLE001
                pass
            time.sleep(0.005)

    def window(self, t0, t1):
        s = [x for x in self.samples if t0 <= x[0] <= t1]
        if not s:
            return {"samples": 0}
        return {"samples": len(s), "smClockMHz": round(statistics.mean(x[1] for x in s)), "minClockMHz": min(x[1] for x in s),
                "powerWatts": round(statistics.mean(x[2] for x in s), 1)}


# The same CUDA-event timing as torch_compare.py (this folder), so both tools time alike.
event_time = _event_time


def median_time(fn, iterations, flush=None, warmup=10):
    for _ in range(warmup):
        event_time(fn, flush)
    return statistics.median(event_time(fn, flush) for _ in range(iterations))


def torch_gemm_kernel():
    """One configuration of torch's BF16 8192^3 matmul (set by the environment this process was started with): the
    kernel cuBLAS runs (profiler) and the median of 50 L2-flushed single GEMMs, with the SM clock during them."""
    trace = ClockTrace()
    dev = torch.device("cuda:0")
    if os.environ.get("DIAG_BLAS"):
        torch.backends.cuda.preferred_blas_library(os.environ["DIAG_BLAS"])
    n = 8192
    a = torch.randn(n, n, device=dev, dtype=torch.bfloat16)
    b = torch.randn(n, n, device=dev, dtype=torch.bfloat16)
    out = torch.empty(n, n, device=dev, dtype=torch.bfloat16)
    flush_buf = torch.empty(256 << 20, dtype=torch.uint8, device=dev)
    with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CUDA]) as prof:
        torch.matmul(a, b, out=out)
        torch.cuda.synchronize()
    kernels = sorted({e.name for e in prof.events() if e.device_type == torch.autograd.DeviceType.CUDA})
    t0 = time.monotonic()
    t = median_time(lambda: torch.matmul(a, b, out=out), 50, lambda: flush_buf.fill_(1))
    w = trace.window(t0, time.monotonic())
    print(f"{os.environ.get('DIAG_NAME', '?'):52} {2.0 * n ** 3 / t / 1e12:7.1f} TFLOP/s {w.get('smClockMHz')} MHz (min {w.get('minClockMHz')}) {w.get('powerWatts')} W  {kernels}", flush=True)
    trace.stop = True


def gemm_configs():
    """torch's matmul under the cuBLAS / cuBLASLt workspace sizes and backends that could explain its gap to capplan
    (cuBLASLt with a 32 MiB workspace, as Transformer Engine gives it on Hopper), each in a fresh process."""
    import sys
    configs = [("torch default", {}),
               ("cuBLAS workspace 32 MiB", {"CUBLAS_WORKSPACE_CONFIG": ":32768:2"}),
               ("cuBLASLt backend, default workspace", {"DIAG_BLAS": "cublaslt"}),
               ("cuBLASLt backend, 32 MiB workspace", {"DIAG_BLAS": "cublaslt", "CUBLASLT_WORKSPACE_SIZE": "32768"}),
               ("torch default (again)", {})]
    for name, env in configs:
        subprocess.run([sys.executable, __file__, "--torch-gemm-kernel"], env={**os.environ, **env, "DIAG_NAME": name}, check=False)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--capplan")
    p.add_argument("--output")
    p.add_argument("--torch-gemm-kernel", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--gemm-configs", action="store_true", help="only torch's matmul under other cuBLAS workspaces and backends")
    args = p.parse_args()
    if args.torch_gemm_kernel:
        return torch_gemm_kernel()
    if args.gemm_configs:
        return gemm_configs()
    if not args.capplan:
        p.error("--capplan is required")
    trace = ClockTrace()
    dev = torch.device("cuda:0")
    props = torch.cuda.get_device_properties(dev)
    n = 8192
    flops = 2.0 * n ** 3
    flush_buf = torch.empty(max(256 << 20, 2 * getattr(props, "L2_cache_size", 50 << 20)), dtype=torch.uint8, device=dev)
    rows = []

    def record(name, value, unit, t0, extra=None):
        w = trace.window(t0, time.monotonic())
        rows.append({"name": name, "value": value, "unit": unit, **w, **(extra or {})})
        print(f"{name:58} {value:9.1f} {unit:8} {w.get('smClockMHz', '-')} MHz (min {w.get('minClockMHz', '-')}) {w.get('powerWatts', '-')} W", flush=True)

    a = torch.randn(n, n, device=dev, dtype=torch.bfloat16)
    b = torch.randn(n, n, device=dev, dtype=torch.bfloat16)
    bt = b.t().contiguous()
    out = torch.empty(n, n, device=dev, dtype=torch.bfloat16)

    def torch_gemm(name, fn):
        t0 = time.monotonic()
        t = median_time(fn, 50, lambda: flush_buf.fill_(1))
        record(name, flops / t / 1e12, "TFLOP/s", t0)

    def capplan_gemm(name):
        with tempfile.TemporaryDirectory() as d:
            t0 = time.monotonic()
            subprocess.run([args.capplan, "bench", "--suite", "gemm", "--dtypes", "bf16", "--gemm-sizes", str(n), "--output", f"{d}/r.json"],
                           capture_output=True, text=True, check=False)
            g = json.load(open(f"{d}/r.json", encoding="utf-8"))["gemm"][0]
            record(name, g["medianTflops"], "TFLOP/s", t0, {"kernel": g["kernel"], "sustained": g.get("sustainedTflops")})

    for r in range(2):
        torch_gemm(f"round {r + 1}: torch.matmul NN (default)", lambda: torch.matmul(a, b, out=out))
        torch_gemm(f"round {r + 1}: torch.matmul TN (capplan's layout)", lambda: torch.matmul(a, bt.t(), out=out))
        capplan_gemm(f"round {r + 1}: capplan bench gemm bf16")
    # Back to back for 2 s, no gaps (the power cap's steady state), both sides.
    t0 = time.monotonic()
    count = 1500
    t = event_time(lambda: [torch.matmul(a, b, out=out) for _ in range(count)])
    record("torch.matmul NN back to back (2 s)", flops * count / t / 1e12, "TFLOP/s", t0)
    # TunableOp: torch times cuBLASLt's candidates and keeps the fastest, as capplan does among four.
    try:
        torch.cuda.tunable.enable(True)
        torch.cuda.tunable.set_max_tuning_duration(20)
        torch.matmul(a, b, out=out)
        torch.cuda.synchronize()
        torch_gemm("torch.matmul NN, TunableOp tuned", lambda: torch.matmul(a, b, out=out))
        rows.append({"name": "tunableop results", "value": str(torch.cuda.tunable.get_results())[:2000]})
        torch.cuda.tunable.enable(False)
    except Exception as e:  # noqa: BLE001
        print(f"TunableOp failed: {e}")
    del a, b, bt, out
    torch.cuda.empty_cache()

    # What does torch's copy_ run?
    count = (1 << 30) // 4
    src = torch.randn(count, device=dev)
    dst = torch.empty_like(src)
    with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CUDA]) as prof:
        dst.copy_(src)
        torch.cuda.synchronize()
    names = sorted({e.name for e in prof.events() if e.device_type == torch.autograd.DeviceType.CUDA})
    rows.append({"name": "torch copy_ runs", "value": names})
    print("torch dst.copy_(src) runs on the GPU:", names, flush=True)

    gbytes = 2.0 * (1 << 30) / 1e9

    def copy_row(name, fn):
        t0 = time.monotonic()
        t = median_time(fn, 30)
        record(name, gbytes / t, "GB/s", t0)

    copy_row("torch copy_", lambda: dst.copy_(src))
    import cupy
    cs, cd = cupy.asarray(src), cupy.asarray(dst)
    n4 = count // 4
    sms = props.multi_processor_count
    src_code = r"""
    extern "C" __global__ void loop4(float4* __restrict__ d, const float4* __restrict__ s, unsigned long long n) {
        unsigned long long i = blockIdx.x * (unsigned long long)blockDim.x + threadIdx.x, g = gridDim.x * (unsigned long long)blockDim.x;
        for (; i + 3 * g < n; i += 4 * g) { float4 a = __ldg(s + i), b = __ldg(s + i + g), c = __ldg(s + i + 2 * g), e = __ldg(s + i + 3 * g);
            d[i] = a; d[i + g] = b; d[i + 2 * g] = c; d[i + 3 * g] = e; }
        for (; i < n; i += g) d[i] = __ldg(s + i);
    }
    extern "C" __global__ void loop1(float4* __restrict__ d, const float4* __restrict__ s, unsigned long long n) {
        unsigned long long g = gridDim.x * (unsigned long long)blockDim.x;
        for (unsigned long long i = blockIdx.x * (unsigned long long)blockDim.x + threadIdx.x; i < n; i += g) d[i] = __ldg(s + i);
    }
    extern "C" __global__ void flat1(float4* __restrict__ d, const float4* __restrict__ s, unsigned long long n) {
        unsigned long long i = blockIdx.x * (unsigned long long)blockDim.x + threadIdx.x;
        if (i < n) d[i] = __ldg(s + i);
    }
    extern "C" __global__ void flat1cs(float4* __restrict__ d, const float4* __restrict__ s, unsigned long long n) {
        unsigned long long i = blockIdx.x * (unsigned long long)blockDim.x + threadIdx.x;
        if (i < n) __stcs(d + i, __ldcs(s + i));
    }
    extern "C" __global__ void flat4(float4* __restrict__ d, const float4* __restrict__ s, unsigned long long n) {
        unsigned long long base = blockIdx.x * (unsigned long long)blockDim.x * 4 + threadIdx.x;
        float4 v[4];
        #pragma unroll
        for (int k = 0; k < 4; k++) { unsigned long long i = base + k * blockDim.x; if (i < n) v[k] = __ldg(s + i); }
        #pragma unroll
        for (int k = 0; k < 4; k++) { unsigned long long i = base + k * blockDim.x; if (i < n) d[i] = v[k]; }
    }
    extern "C" __global__ void loop4cs(float4* __restrict__ d, const float4* __restrict__ s, unsigned long long n) {
        unsigned long long i = blockIdx.x * (unsigned long long)blockDim.x + threadIdx.x, g = gridDim.x * (unsigned long long)blockDim.x;
        for (; i + 3 * g < n; i += 4 * g) { float4 a = __ldcs(s + i), b = __ldcs(s + i + g), c = __ldcs(s + i + 2 * g), e = __ldcs(s + i + 3 * g);
            __stcs(d + i, a); __stcs(d + i + g, b); __stcs(d + i + 2 * g, c); __stcs(d + i + 3 * g, e); }
        for (; i < n; i += g) __stcs(d + i, __ldcs(s + i));
    }
    """
    mod = cupy.RawModule(code=src_code, options=("-std=c++17",))
    nn = cupy.uint64(n4)

    def launch(kernel, grid, block):
        k = mod.get_function(kernel)
        return lambda: k((grid,), (block,), (cd, cs, nn))

    def check(name, fn):
        cd.fill(-1)
        fn()
        cupy.cuda.runtime.deviceSynchronize()
        if not bool((cd == cs).all()):
            print(f"{name}: WRONG RESULT")
            return False
        return True

    variants = [("loop4 (capplan's PTX today), SMx8 x 256", "loop4", sms * 8, 256)]
    variants += [(f"loop1, SMx{m} x {t}", "loop1", sms * m, t) for m, t in [(8, 256), (32, 256), (4, 1024), (16, 1024)]]
    variants += [(f"loop4, SMx{m} x {t}", "loop4", sms * m, t) for m, t in [(2, 1024), (4, 512), (32, 256)]]
    variants += [("loop4cs (streaming hints), SMx8 x 256", "loop4cs", sms * 8, 256)]
    variants += [("flat1 (one float4 per thread) x 256", "flat1", (n4 + 255) // 256, 256),
                 ("flat1 x 1024", "flat1", (n4 + 1023) // 1024, 1024),
                 ("flat1cs (streaming hints) x 256", "flat1cs", (n4 + 255) // 256, 256),
                 ("flat4 (four float4 per thread, block-contiguous) x 256", "flat4", (n4 + 1023) // 1024, 256),
                 ("flat4 x 128", "flat4", (n4 + 511) // 512, 128)]
    torch.cuda.synchronize()
    for name, kernel, grid, block in variants:
        fn = launch(kernel, grid, block)
        if check(name, fn):
            copy_row("copy kernel " + name, fn)
    copy_row("torch copy_ (again)", lambda: dst.copy_(src))
    # The PTX of the fastest shapes, for the runner's hand-written module.
    from cupy.cuda import compiler
    try:
        ptx = compiler.compile_using_nvrtc(src_code, options=("-std=c++17",), arch="80")
    except Exception as e:  # noqa: BLE001
        ptx = f"// nvrtc failed: {e}"
    if args.output:
        with open(args.output, "w", encoding="utf-8") as f:
            json.dump({"gpu": props.name, "torch": torch.__version__, "rows": rows}, f, indent=2, default=str)
        with open(os.path.join(os.path.dirname(args.output), "copy-variants.ptx"), "w", encoding="utf-8") as f:
            text = ptx[0] if isinstance(ptx, tuple) else ptx
            f.write(text.decode() if isinstance(text, bytes) else text)
    trace.stop = True


if __name__ == "__main__":
    main()
