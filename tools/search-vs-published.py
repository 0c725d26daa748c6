#!/usr/bin/env python3
"""For every MLPerf and NeMo/Megatron-Bridge run of the shipped validation set: give the search the same cluster,
model and batch (no parallelism fixed) and report how far the published plan is from the search's best.
usage: tools/search-vs-published.py CAPPLAN [--markdown]"""
import glob, json, os, subprocess, sys
cli = sys.argv[1]
here = os.path.dirname(os.path.abspath(__file__))
rows = []
for f in sorted(glob.glob(os.path.join(here, '..', 'src', 'CapacityPlanner.Contracts', 'Data', 'validation', '*.json'))):
    case = json.load(open(f))
    if case['family'] not in ('mlperf', 'nemo-perf'):
        continue
    s = case['scenario']
    est = json.loads(subprocess.run([cli, 'estimate', '-', '--json'], input=json.dumps(s), capture_output=True, text=True).stdout)
    free = dict(s); free.pop('parallelism', None)
    res = json.loads(subprocess.run([cli, 'search', '-', '--top', '1', '--json'], input=json.dumps(free), capture_output=True, text=True).stdout)
    if not res.get('best'):
        rows.append((os.path.basename(f)[:-5], est.get('stepTimeSeconds'), None, None, res.get('emptyReason')))
        continue
    b = res['best'][0]
    p = b['parallelism']
    plan = f"TP{p['tensor']} PP{p['pipeline']}" + (f"x{p['virtualStages']}" if p['virtualStages'] > 1 else '') + f" DP{p['data']}" + (f" CP{p['context']}" if p['context'] > 1 else '') + (f" EP{p['expert']}" if p['expert'] > 1 else '') + f" mb{p['microBatchSize']} Z{p['zeroStage']} {p['recompute']}"
    rows.append((os.path.basename(f)[:-5], est.get('stepTimeSeconds'), b['estimate']['stepTimeSeconds'], plan, res.get('elapsedMilliseconds')))
print('| run | published plan, predicted step (s) | search best step (s) | published plan slower by | search best plan | search ms |')
print('|---|---|---|---|---|---|')
gaps = []
for name, pub, best, plan, ms in rows:
    if best is None or pub is None:
        print(f'| {name} | {pub} | — | — | {ms} | |'); continue
    gap = pub / best - 1
    gaps.append(gap)
    print(f'| {name} | {pub:.4g} | {best:.4g} | {gap*100:+.1f}% | {plan} | {ms:.0f} |')
gaps.sort()
if gaps:
    print(f'\n{len(gaps)} runs: median gap {gaps[len(gaps)//2]*100:+.1f}%, max {gaps[-1]*100:+.1f}%, within 10%: {sum(1 for g in gaps if g <= 0.10)}/{len(gaps)}')
