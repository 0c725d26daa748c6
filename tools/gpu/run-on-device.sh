#!/usr/bin/env bash
# Runs the published runner on a GPU node and compares it with PyTorch on the same GPU (issue 7's acceptance check).
# Build the runner first, on a machine with the .NET SDK (the node needs no .NET):
#   dotnet publish src/CapacityPlanner.Cli -c Release -r linux-x64 --self-contained -p:PublishSingleFile=true \
#     -p:PublishTrimmed=true -o publish/capplan-linux-x64
# then, on the node, from the repository root:  bash tools/gpu/run-on-device.sh [output folder]
set -uo pipefail
cd "$(dirname "$0")/../.."
out="${1:-${OUT:-artifacts/gpu-run}}"
mkdir -p "$out"
capplan="${CAPPLAN:-publish/capplan-linux-x64/capplan}"
[ -x "$capplan" ] || { echo "no runner at $capplan: publish it first (see the top of this script)" >&2; exit 2; }

nvidia-smi > "$out/nvidia-smi.txt" 2>&1 || true
"$capplan" bench probe | tee "$out/probe.txt"
"$capplan" bench probe --json > "$out/probe.json"
# The quick run (all suites, < 1 minute), then the two figures the comparison needs at full settings.
"$capplan" bench --quick --output "$out/quick.json" 2> "$out/quick.log"; echo "quick run: exit $?"; cat "$out/quick.log"
"$capplan" bench --suite gemm,memory,host --dtypes bf16,fp8 --gemm-sizes 4096,8192 --output "$out/result.json" 2> "$out/result.log"
echo "comparison run: exit $?"; cat "$out/result.log"
"$capplan" bench calibrate "$out/result.json" --chip "${CHIP:-h100-sxm}" --json > "$out/calibration.json" 2>&1 || true
# The checked figures again in alternating rounds (capplan, torch, capplan ...): the GPU's clock drifts under its power cap.
python3 tools/gpu/torch_compare.py "$out/result.json" --capplan "$capplan" --rounds "${ROUNDS:-3}" --output "$out/torch-compare.json" | tee "$out/torch-compare.txt"
exit "${PIPESTATUS[0]}"
