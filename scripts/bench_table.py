#!/usr/bin/env python3
"""Markdown tables for docs/benchmarks.md from criterion's results of `cargo bench --bench bulk`
(target/criterion/*/new/{benchmark,estimates}.json; median, in G elements/s). Standard library
only.

    cargo bench --bench bulk && python3 scripts/bench_table.py
"""

import json
import os
from collections import defaultdict

ROOT = os.path.join(os.path.dirname(__file__), "..", "target", "criterion")
BACKENDS = ["Scalar", "Portable", "Avx2", "Avx512", "Neon"]


def load():
    groups = defaultdict(dict)
    for dirpath, _, files in os.walk(ROOT):
        if os.path.basename(dirpath) != "new" or "benchmark.json" not in files:
            continue
        b = json.load(open(os.path.join(dirpath, "benchmark.json")))
        e = json.load(open(os.path.join(dirpath, "estimates.json")))
        n = b.get("throughput", {}).get("Elements")
        if not n:
            continue
        name = b["function_id"] + (" " + b["value_str"] if b.get("value_str") else "")
        groups[b["group_id"]][name] = n / e["median"]["point_estimate"]
    return groups


def fmt(v):
    return f"{v:.2f}" if v is not None else "–"


def main():
    groups = load()
    rows = []
    for gid in sorted(groups):
        g = groups[gid]
        lowbit = {k.split(" ", 1)[1]: v for k, v in g.items() if k.startswith("lowbit ")}
        copy = next((v for k, v in g.items() if k.startswith("copy")), None)
        if lowbit:
            best = max(lowbit.values())
            cells = [fmt(lowbit.get(b)) for b in BACKENDS[:4]]
            peers = ", ".join(f"{k} {v:.2f}" for k, v in sorted(g.items())
                              if not k.startswith(("lowbit", "copy")))
            pct = f"{100 * best / copy:.0f}%" if copy else "–"
            rows.append(f"| {gid} | " + " | ".join(cells) + f" | {fmt(copy)} | {pct} | {peers} |")
        else:
            for k, v in sorted(g.items()):
                if k.startswith("copy"):
                    continue
                c = g.get(f"copy-same-bytes/{k}", copy)
                pct = f"{100 * v / c:.0f}%" if c else "–"
                rows.append(f"| {gid} {k} | – | – | – | {fmt(v)} | {fmt(c)} | {pct} | |")
    print("| group | Scalar | Portable | AVX2 | AVX-512 | copy | best % copy | peers |")
    print("|---|---|---|---|---|---|---|---|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
