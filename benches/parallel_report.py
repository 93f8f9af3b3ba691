#!/usr/bin/env python3
"""Prints the tables of BENCHMARKS.md "Multi-core (`rayon` feature)" from the results of
`benches/parallel.rs` (criterion's `target/criterion/par_*/<id>/<size>/<baseline>/estimates.json`) and JAX's
JSON files (`../shared/bench-jax/bench.py` without `--single-core`, and `benches/jax_parallel.py`).

    python3 benches/parallel_report.py --one par1 --two par2 \\
        --jax benches/data/jax-2core-<date>.json --jax-extra benches/data/jax-2core-w1w2-<date>.json

`--one` is the run pinned to one core, `--two` the run on both; each may list several baselines
(comma-separated), and each cell is then the fastest of them. Criterion cells are its median estimate, JAX
cells the median of its repetitions (bench.py's file first, where it has the cell).
"""

import argparse
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

ROWS = [
    ("W1 `x.powi(2).sum()` f64", "W1", "float64"),
    ("W1 f32", "W1", "float32"),
    ("W2 `(x - y).powi(2).sum()` f64", "W2", "float64"),
    ("W2 f32", "W2", "float32"),
]
SIZES = [(100_000, "1e5"), (1_000_000, "1e6")]


def criterion_s(root, baselines, group, bench, param):
    best = None
    for b in baselines:
        path = os.path.join(root, group, bench, str(param), b, "estimates.json")
        if os.path.exists(path):
            with open(path) as fh:
                s = json.load(fh)["median"]["point_estimate"] * 1e-9
            best = s if best is None else min(best, s)
    return best


def jax_cells(jax_files, extra_files):
    cells = {}
    for path in extra_files:
        with open(path) as fh:
            for r in json.load(fh)["results"]:
                key = (r["workload"], r["dtype"], r["size"])
                cells[key] = min(cells.get(key, r["value_and_grad_s"]), r["value_and_grad_s"])
    for path in jax_files:
        with open(path) as fh:
            for r in json.load(fh)["results"]:
                key = (r["workload"][:2], "float64", r["size"])
                cells[key] = r["value_and_grad_s"]
    return cells


def fmt(s):
    if s is None:
        return "—"
    if s >= 1e-3:
        return f"{s * 1e3:.3g} ms"
    if s >= 1e-6:
        return f"{s * 1e6:.3g} µs"
    return f"{s * 1e9:.3g} ns"


def ratio(a, b):
    return "—" if a is None or b is None else f"{a / b:.2f}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--criterion", default=os.path.join(ROOT, "target", "criterion"))
    ap.add_argument("--one", default="par1")
    ap.add_argument("--two", default="par2")
    ap.add_argument("--jax", default="")
    ap.add_argument("--jax-extra", default="")
    a = ap.parse_args()
    one, two = a.one.split(","), a.two.split(",")
    jax = jax_cells([p for p in a.jax.split(",") if p], [p for p in a.jax_extra.split(",") if p])

    print("| workload | size | generated, 1 core | generated, 2 cores | speedup | hand, 1 core "
          "| JAX, 2 cores | JAX / generated (2 cores) |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for label, wid, dtype in ROWS:
        group = f"par_{wid}_{'f64' if dtype == 'float64' else 'f32'}"
        for n, size in SIZES:
            g1 = criterion_s(a.criterion, one, group, "generated", n)
            g2 = criterion_s(a.criterion, two, group, "generated", n)
            h1 = criterion_s(a.criterion, one, group, "hand", n)
            j = jax.get((wid, dtype, n))
            print(f"| {label} | {size} | {fmt(g1)} | {fmt(g2)} | {ratio(g1, g2)} | {fmt(h1)} "
                  f"| {fmt(j)} | {ratio(j, g2)} |")

    print()
    print("| elements | hot, 1 core | hot, 2 cores | idle, 1 core | idle, 2 cores |")
    print("| --- | --- | --- | --- | --- |")
    for shift in range(12, 21):
        n = 1 << shift
        cells = [criterion_s(a.criterion, runs, "par_threshold", kind, n)
                 for kind in ("hot", "idle") for runs in (one, two)]
        print(f"| 2^{shift} | " + " | ".join(fmt(c) for c in cells) + " |")


if __name__ == "__main__":
    main()
