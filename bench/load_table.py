#!/usr/bin/env python3
"""Summary of bench/grpc_load.sh runs: billing-pdp next to the no-op ceiling.

Reads grpcload JSON lines labelled "<server> <workload>" (server: billing-pdp,
noop or cerbos) and prints, per workload and concurrency, the median over
rounds of qps, p50 and p99 (µs) for each server, the qps ratios billing-pdp /
no-op and billing-pdp / Cerbos (each the median of the rounds' own ratios, with
their range: a round measures the servers back to back, so a machine that
drifts between rounds moves both sides of a round alike), billing-pdp server CPU per RPC, and for batch
workloads decisions/s (qps x the decisions per call, which a workload's label
ends with: "BatchAuthorize x20", "ListAccessiblePages x84"). Cerbos columns show "-" when the run
left Cerbos out.
"""
import argparse
import json
import re
import statistics


def med(runs, key):
    return statistics.median(r[key] for r in runs) if runs else None


def paired_ratio(pdp, other):
    """Median [min, max] of pdp qps / other qps over the rounds both ran."""
    by_round = {r["round"]: r["qps"] for r in other if r.get("qps")}
    ratios = sorted(r["qps"] / by_round[r["round"]] for r in pdp if r["round"] in by_round)
    return (statistics.median(ratios), ratios[0], ratios[-1]) if ratios else None


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("runs", help="runs.jsonl written by grpc_load.sh")
    args = parser.parse_args()

    groups, workloads = {}, []
    with open(args.runs) as f:
        for line in filter(str.strip, f):
            run = json.loads(line)
            server, workload = run["label"].split(" ", 1)
            if workload not in workloads:
                workloads.append(workload)
            groups.setdefault((workload, run["concurrency"], server), []).append(run)

    print("| workload | conc | billing-pdp qps | p50 µs | p99 µs | no-op qps | p50 µs | p99 µs "
          "| qps ratio pdp/no-op | Cerbos qps | p50 µs | p99 µs | qps ratio pdp/Cerbos "
          "| pdp server CPU µs/RPC | decisions/s | rounds |")
    print("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
    for workload in workloads:
        suffix = re.search(r" x(\d+)$", workload)
        per_request = int(suffix.group(1)) if suffix else 1
        concs = sorted({c for (w, c, _) in groups if w == workload})
        for c in concs:
            pdp = groups.get((workload, c, "billing-pdp"), [])
            noop = groups.get((workload, c, "noop"), [])
            cerbos = groups.get((workload, c, "cerbos"), [])
            pdp_qps, noop_qps, cerbos_qps = med(pdp, "qps"), med(noop, "qps"), med(cerbos, "qps")
            cpu = [r["server_cpu"] * 1e6 / r["qps"] for r in pdp if r.get("qps")]
            fmt = lambda v, f="{:,.0f}": "-" if v is None else f.format(v)
            ratio, peer_ratio = paired_ratio(pdp, noop), paired_ratio(pdp, cerbos)
            spread = lambda r, f: "-" if r is None else (
                f.format(r[0]) if r[1] == r[2] else
                f"{f.format(r[0])} [{f.format(r[1])}–{f.format(r[2])}]")
            print(f"| {workload} | {c} | {fmt(pdp_qps)} | {fmt(med(pdp, 'p50_us'))} "
                  f"| {fmt(med(pdp, 'p99_us'))} | {fmt(noop_qps)} | {fmt(med(noop, 'p50_us'))} "
                  f"| {fmt(med(noop, 'p99_us'))} | {spread(ratio, '{:.2f}')} "
                  f"| {fmt(cerbos_qps)} | {fmt(med(cerbos, 'p50_us'))} "
                  f"| {fmt(med(cerbos, 'p99_us'))} | {spread(peer_ratio, '{:.1f}')} "
                  f"| {fmt(statistics.median(cpu) if cpu else None, '{:,.1f}')} "
                  f"| {fmt(pdp_qps * per_request if pdp_qps else None)} "
                  f"| {min(len(pdp), len(noop)) if noop else len(pdp)} |")


if __name__ == "__main__":
    main()
