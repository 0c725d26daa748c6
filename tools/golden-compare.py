#!/usr/bin/env python3
"""Golden comparison of two capplan builds (issue 15: behaviour unchanged by a restructure).

Runs `estimate --json`, `search --json` and `sweep --json` on every shipped validation scenario and every CLI example
with both binaries and reports any difference other than timing fields.

Usage: tools/golden-compare.py OLD_CAPPLAN NEW_CAPPLAN [--sweep-gpus 8,64,512,4096]
"""
import json, os, subprocess, sys, tempfile

TIMING = {"elapsedMilliseconds", "elapsedMs", "searchMilliseconds", "wallMilliseconds"}


def strip(value):
    if isinstance(value, dict):
        return {k: strip(v) for k, v in value.items() if k not in TIMING}
    if isinstance(value, list):
        return [strip(v) for v in value]
    return value


def run(binary, args):
    p = subprocess.run([binary, *args], capture_output=True, text=True, timeout=600)
    try:
        return p.returncode, strip(json.loads(p.stdout))
    except json.JSONDecodeError:
        return p.returncode, p.stdout


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        return 2
    old, new = sys.argv[1], sys.argv[2]
    gpus = sys.argv[sys.argv.index("--sweep-gpus") + 1] if "--sweep-gpus" in sys.argv else "8,64,512,4096"
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    scenarios = []
    vdir = os.path.join(root, "src/CapacityPlanner.Contracts/Data/validation")
    tmp = tempfile.mkdtemp(prefix="golden-")
    for name in sorted(os.listdir(vdir)):
        if name.endswith(".json"):
            path = os.path.join(tmp, name)
            with open(os.path.join(vdir, name)) as f, open(path, "w") as out:
                json.dump(json.load(f)["scenario"], out)
            scenarios.append(path)
    edir = os.path.join(root, "src/CapacityPlanner.Cli/Examples")
    scenarios += [os.path.join(edir, n) for n in sorted(os.listdir(edir)) if n.endswith(".json") and not n.startswith("budget")]
    compared = differ = 0
    for s in scenarios:
        for args in (["estimate", s, "--json"], ["search", s, "--json", "--top", "3"], ["sweep", s, "--json", "--gpus", gpus]):
            a, b = run(old, args), run(new, args)
            compared += 1
            if a != b:
                differ += 1
                print(f"DIFFERS: {' '.join(args[:1])} {os.path.basename(s)}")
    print(f"{compared} outputs compared, {differ} differ")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
