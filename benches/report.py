#!/usr/bin/env python3
"""Prints the workload table of BENCHMARKS.md (markdown) from the results of `benches/workloads.rs`
(criterion's `target/criterion/**/<baseline>/estimates.json`), the candle peer's JSON and JAX's JSON.

    python3 benches/report.py                                   # target/criterion, baseline "new"
    python3 benches/report.py --baselines run1,run2 \\
        --candle candle-run1.json,candle-run2.json --jax benches/data/jax-1core-<date>.json

Every time is a median (criterion: its median estimate; candle, JAX: the median of their repetitions).
Where several baselines or candle files are given, each cell is the fastest of them (on a noisy
machine the fastest run is the least disturbed one). Ratios are taken of the cells shown.
"""

import argparse
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

# (label, size shown, criterion group, primal id, generated id, hand id, criterion parameter,
#  peer workload id, peer size) -- peers (JAX, candle) are f64 only.
ROWS = [
    ("W1 `x.powi(2).sum()`", "1e3", "W1_f64", "primal", "generated", "hand", "1000", "W1", 1000),
    ("W1", "1e5", "W1_f64", "primal", "generated", "hand", "100000", "W1", 100000),
    ("W1", "1e6", "W1_f64", "primal", "generated", "hand", "1000000", "W1", 1000000),
    ("W1 spelled `(x * x).sum()`", "1e3", "W1_f64", "primal_mul", "generated_mul", "hand", "1000", "W1", 1000),
    ("W1 spelled `(x * x).sum()`", "1e5", "W1_f64", "primal_mul", "generated_mul", "hand", "100000", "W1", 100000),
    ("W1 spelled `(x * x).sum()`", "1e6", "W1_f64", "primal_mul", "generated_mul", "hand", "1000000", "W1", 1000000),
    ("W2 `(x - y).powi(2).sum()`", "1e3", "W2_f64", "primal", "generated", "hand", "1000", "W2", 1000),
    ("W2", "1e6", "W2_f64", "primal", "generated", "hand", "1000000", "W2", 1000000),
    ("W2 spelled `d = x - y; (&d * &d).sum()`", "1e3", "W2_f64", "primal_mul", "generated_mul", "hand", "1000", "W2", 1000),
    ("W2 spelled `d = x - y; (&d * &d).sum()`", "1e6", "W2_f64", "primal_mul", "generated_mul", "hand", "1000000", "W2", 1000000),
    ("W3 logistic regression", "1000x100", "W3_f64", "primal", "generated", "hand", "1000x100", "W3", 100000),
    ("W4 two-layer tanh MLP", "256x64x128", "W4_f64", "primal", "generated", "hand", "256x64x128", "W4", 16384),
    ("W5 Rosenbrock, slices", "1e3", "W5_f64", "primal_slices", "generated_slices", "hand", "1000", "W5", 1000),
    ("W5 Rosenbrock, slices", "1e5", "W5_f64", "primal_slices", "generated_slices", "hand", "100000", "W5", 100000),
    ("W5 Rosenbrock, slices", "1e6", "W5_f64", "primal_slices", "generated_slices", "hand", "1000000", "W5", 1000000),
    ("W5 Rosenbrock, index loop", "1e3", "W5_f64", "primal_loop", "generated_loop", "hand", "1000", "W5", 1000),
    ("W5 Rosenbrock, index loop", "1e5", "W5_f64", "primal_loop", "generated_loop", "hand", "100000", "W5", 100000),
    ("W5 Rosenbrock, index loop", "1e6", "W5_f64", "primal_loop", "generated_loop", "hand", "1000000", "W5", 1000000),
    ("W6 softmax cross-entropy", "1000x10", "W6_f64", "primal", "generated", "hand", "1000x10", "W6", 10000),
    ("W1 f32", "1e3", "W1_f32", "primal", "generated", "hand", "1000", None, None),
    ("W1 f32", "1e5", "W1_f32", "primal", "generated", "hand", "100000", None, None),
    ("W1 f32", "1e6", "W1_f32", "primal", "generated", "hand", "1000000", None, None),
    ("W2 f32", "1e3", "W2_f32", "primal", "generated", "hand", "1000", None, None),
    ("W2 f32", "1e6", "W2_f32", "primal", "generated", "hand", "1000000", None, None),
    ("W5 f32, slices", "1e3", "W5_f32", "primal_slices", "generated_slices", "hand", "1000", None, None),
    ("W5 f32, slices", "1e5", "W5_f32", "primal_slices", "generated_slices", "hand", "100000", None, None),
    ("W5 f32, slices", "1e6", "W5_f32", "primal_slices", "generated_slices", "hand", "1000000", None, None),
    ("W5 f32, index loop", "1e3", "W5_f32", "primal_loop", "generated_loop", "hand", "1000", None, None),
    ("W5 f32, index loop", "1e5", "W5_f32", "primal_loop", "generated_loop", "hand", "100000", None, None),
    ("W5 f32, index loop", "1e6", "W5_f32", "primal_loop", "generated_loop", "hand", "1000000", None, None),
]

# (label, size, criterion group, primal id, jvp id, criterion parameter)
JVP_ROWS = [
    ("W1", "1e3", "W1_f64", "primal", "jvp", "1000"),
    ("W1", "1e5", "W1_f64", "primal", "jvp", "100000"),
    ("W1", "1e6", "W1_f64", "primal", "jvp", "1000000"),
    ("W2", "1e3", "W2_f64", "primal", "jvp", "1000"),
    ("W2", "1e6", "W2_f64", "primal", "jvp", "1000000"),
    ("W3 (tangents for all four parameters)", "1000x100", "W3_f64", "primal", "jvp", "1000x100"),
    ("W4 (tangents for all six parameters)", "256x64x128", "W4_f64", "primal", "jvp", "256x64x128"),
    ("W5 slices", "1e3", "W5_f64", "primal_slices", "jvp_slices", "1000"),
    ("W5 slices", "1e5", "W5_f64", "primal_slices", "jvp_slices", "100000"),
    ("W5 slices", "1e6", "W5_f64", "primal_slices", "jvp_slices", "1000000"),
    ("W5 index loop", "1e3", "W5_f64", "primal_loop", "jvp_loop", "1000"),
    ("W5 index loop", "1e5", "W5_f64", "primal_loop", "jvp_loop", "100000"),
    ("W5 index loop", "1e6", "W5_f64", "primal_loop", "jvp_loop", "1000000"),
    ("W6", "1000x10", "W6_f64", "primal", "jvp", "1000x10"),
]

# (label, size, criterion group, grad id, hvp id, criterion parameter)
HVP_ROWS = [
    ("W3 (w, b)", "1000x100", "W3_f64", "grad", "hvp", "1000x100"),
    ("W4 (W1, b1, W2, b2)", "256x64x128", "W4_f64", "grad", "hvp", "256x64x128"),
    ("W5 slices", "1e3", "W5_f64", "grad_slices", "hvp_slices", "1000"),
    ("W5 slices", "1e5", "W5_f64", "grad_slices", "hvp_slices", "100000"),
    ("W5 slices", "1e6", "W5_f64", "grad_slices", "hvp_slices", "1000000"),
    ("W5 index loop", "1e3", "W5_f64", "grad_loop", "hvp_loop", "1000"),
    ("W5 index loop", "1e5", "W5_f64", "grad_loop", "hvp_loop", "100000"),
    ("W5 index loop", "1e6", "W5_f64", "grad_loop", "hvp_loop", "1000000"),
]


def criterion_s(root, baselines, group, bench, param):
    """Fastest median (seconds) of one benchmark over the baselines, or None."""
    best = None
    for b in baselines:
        path = os.path.join(root, group, bench, param, b, "estimates.json")
        if not os.path.exists(path):
            continue
        with open(path) as fh:
            s = json.load(fh)["median"]["point_estimate"] * 1e-9
        best = s if best is None else min(best, s)
    return best


def peer_table(paths, key_of):
    """{(workload, size): fastest value_and_grad_s} over the peer's JSON files."""
    table = {}
    for path in paths:
        with open(path) as fh:
            data = json.load(fh)
        for r in data["results"]:
            k = key_of(r)
            v = r["value_and_grad_s"]
            table[k] = v if k not in table else min(table[k], v)
    return table


def fmt_t(s):
    if s is None:
        return "—"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6), ("ns", 1e-9)):
        if s >= scale:
            v = s / scale
            return f"{v:.3g} {unit}" if v < 100 else f"{v:.0f} {unit}"
    return f"{s * 1e9:.3g} ns"


def fmt_r(a, b):
    if a is None or b is None:
        return "—"
    r = a / b
    return f"{r:.2f}" if r < 10 else f"{r:.1f}" if r < 100 else f"{r:.0f}"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--criterion", default=os.path.join(ROOT, "target", "criterion"),
                    help="criterion's output folder (default: target/criterion)")
    ap.add_argument("--baselines", default="new",
                    help="comma-separated criterion baselines (`new` is the last run; runs made with "
                         "`-- --save-baseline NAME` are kept under NAME); the fastest is shown")
    ap.add_argument("--candle", default="", help="comma-separated JSON files of peers/candle")
    ap.add_argument("--jax", default="", help="JSON of ../shared/bench-jax/bench.py")
    args = ap.parse_args()

    baselines = [b for b in args.baselines.split(",") if b]
    candle = peer_table([p for p in args.candle.split(",") if p], lambda r: (r["workload"], r["size"]))
    jax = peer_table([args.jax] if args.jax else [],
                     lambda r: (r["workload"].split("_")[0], r["size"]))

    print("| workload | size | primal | generated v&g | hand v&g | gen / hand | gen / primal "
          "| candle v&g | candle / gen | JAX v&g | JAX / gen |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    missing = 0
    for label, size, group, p_id, g_id, h_id, param, peer, peer_size in ROWS:
        p = criterion_s(args.criterion, baselines, group, p_id, param)
        g = criterion_s(args.criterion, baselines, group, g_id, param)
        h = criterion_s(args.criterion, baselines, group, h_id, param)
        missing += sum(v is None for v in (p, g, h))
        c = candle.get((peer, peer_size)) if peer else None
        j = jax.get((peer, peer_size)) if peer else None
        print(f"| {label} | {size} | {fmt_t(p)} | {fmt_t(g)} | {fmt_t(h)} | {fmt_r(g, h)} "
              f"| {fmt_r(g, p)} | {fmt_t(c)} | {fmt_r(c, g)} | {fmt_t(j)} | {fmt_r(j, g)} |")
    # Forward mode: `f_jvp` (one tangent per differentiable parameter) against the primal.
    print()
    print("| workload | size | primal | f_jvp | jvp / primal |")
    print("| --- | --- | --- | --- | --- |")
    for label, size, group, p_id, j_id, param in JVP_ROWS:
        p = criterion_s(args.criterion, baselines, group, p_id, param)
        j = criterion_s(args.criterion, baselines, group, j_id, param)
        missing += sum(v is None for v in (p, j))
        print(f"| {label} | {size} | {fmt_t(p)} | {fmt_t(j)} | {fmt_r(j, p)} |")
    # Second order: `f_hvp` (forward over reverse) against `f_grad` of the same selection.
    print()
    print("| workload | size | f_grad | f_hvp | hvp / grad |")
    print("| --- | --- | --- | --- | --- |")
    for label, size, group, g_id, h_id, param in HVP_ROWS:
        g = criterion_s(args.criterion, baselines, group, g_id, param)
        h = criterion_s(args.criterion, baselines, group, h_id, param)
        missing += sum(v is None for v in (g, h))
        print(f"| {label} | {size} | {fmt_t(g)} | {fmt_t(h)} | {fmt_r(h, g)} |")
    if missing:
        print(f"\n{missing} criterion result(s) missing under {args.criterion} "
              f"for baselines {baselines}", file=sys.stderr)


if __name__ == "__main__":
    main()
