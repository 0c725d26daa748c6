#!/usr/bin/env python3
"""Rewrites the generated tables of docs/accuracy.md from `capplan validate --json`: the family summary (firm runs)
and "Every run". One writer for those tables, so the page cannot drift from what the model prints.

Usage: capplan validate --json > v.json && tools/accuracy-tables.py v.json [docs/accuracy.md]
"""
import json
import sys


def pct(v, signed=False):
    return f"{v * 100:+.1f}%" if signed else f"{v * 100:.1f}%"


def num(v):
    return str(int(v)) if float(v).is_integer() else repr(v)


def family_table(d):
    rows = ["| family (firm runs) | runs | median | mean | max | within tolerance | infeasible | bias |", "|---|---|---|---|---|---|---|---|"]
    for name, f in sorted(d["families"].items()):
        rows.append(f"| {name} | {f['cases']} | {pct(f['medianAbsError'])} | {pct(f['meanAbsError'])} | {pct(f['maxAbsError'])} | "
                    f"{f['withinTolerance'] * 100:.0f}% | {f['infeasible']} | {pct(f['bias'], True)} |")
    for label, key in (("all firm runs", "firm"), ("all runs incl. soft", "all")):
        s = d["summary"][key]
        rows.append(f"| {label} | {s['cases']} | {pct(s['medianAbsError'])} | {pct(s['meanAbsError'])} | {pct(s['maxAbsError'])} | "
                    f"{s['withinTolerance'] * 100:.0f}% | {s['infeasible']} | {pct(s['bias'], True)} |")
    return rows


def every_run(d):
    rows = ["| run | family | chip | GPUs | stack | metric | published | predicted | error | feasible |", "|---|---|---|---|---|---|---|---|---|---|"]
    for c in d["cases"]:
        name = c["id"] + (" (soft)" if c["soft"] else "")
        rows.append(f"| {name} | {c['family']} | {c['chip']} | {c['gpus']} | {c['stack']} | {c['metric']} | {num(c['published'])} | "
                    f"{c['predicted']:.5g} | {pct(c['error'], True)} | {'yes' if c['feasible'] else 'no'} |")
    return rows


def replace_table(lines, header_prefix, new_rows):
    start = next(i for i, line in enumerate(lines) if line.startswith(header_prefix))
    end = start
    while end < len(lines) and lines[end].startswith("|"):
        end += 1
    return lines[:start] + new_rows + lines[end:]


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    with open(sys.argv[1], encoding="utf-8") as f:
        d = json.load(f)
    path = sys.argv[2] if len(sys.argv) > 2 else "docs/accuracy.md"
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    lines = replace_table(lines, "| family (firm runs) |", family_table(d))
    lines = replace_table(lines, "| run | family | chip |", every_run(d))
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
