#!/usr/bin/env python3
"""Summary of bench/grpc_load.sh runs: billing-pdp next to the no-op ceiling.

Reads grpcload JSON lines labelled "<server> <workload>" (server: billing-pdp
or noop) and prints, per workload and concurrency, the median over rounds of
qps, p50 and p99 (µs) for both servers, the qps ratio billing-pdp / no-op,
billing-pdp server CPU per RPC, and for batch workloads decisions/s
(qps x batch size).
"""
import argparse
import json
import statistics


def med(runs, key):
    return statistics.median(r[key] for r in runs) if runs else None


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("runs", help="runs.jsonl written by grpc_load.sh")
    parser.add_argument("--batch-size", type=int, default=20)
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
          "| qps ratio pdp/no-op | pdp server CPU µs/RPC | decisions/s | rounds |")
    print("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
    for workload in workloads:
        per_request = args.batch_size if workload.startswith("BatchAuthorize") else 1
        concs = sorted({c for (w, c, _) in groups if w == workload})
        for c in concs:
            pdp = groups.get((workload, c, "billing-pdp"), [])
            noop = groups.get((workload, c, "noop"), [])
            pdp_qps, noop_qps = med(pdp, "qps"), med(noop, "qps")
            cpu = [r["server_cpu"] * 1e6 / r["qps"] for r in pdp if r.get("qps")]
            fmt = lambda v, f="{:,.0f}": "-" if v is None else f.format(v)
            ratio = pdp_qps / noop_qps if pdp_qps and noop_qps else None
            print(f"| {workload} | {c} | {fmt(pdp_qps)} | {fmt(med(pdp, 'p50_us'))} "
                  f"| {fmt(med(pdp, 'p99_us'))} | {fmt(noop_qps)} | {fmt(med(noop, 'p50_us'))} "
                  f"| {fmt(med(noop, 'p99_us'))} | {fmt(ratio, '{:.2f}')} "
                  f"| {fmt(statistics.median(cpu) if cpu else None, '{:,.1f}')} "
                  f"| {fmt(pdp_qps * per_request if pdp_qps else None)} "
                  f"| {min(len(pdp), len(noop))} |")


if __name__ == "__main__":
    main()
