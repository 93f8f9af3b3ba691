"""JAX's jit(value_and_grad) of W1 and W2 in float64 and float32 at 1e5 and 1e6, on all cores.

The cells of BENCHMARKS.md "Multi-core (`rayon` feature)" that ../shared/bench-jax/bench.py does not
time (it times float64 only, and W2 at 1e3 and 1e6): the same functions and inputs (its workloads.py),
the same method (warm-up of >= 10 calls and 0.2 s, then >= 20 calls and --budget seconds per case,
jax.block_until_ready around each call; median and minimum).

    /tmp/jax-venv/bin/python benches/jax_parallel.py --out benches/data/jax-2core-w1w2-<date>.json
"""

import argparse
import json
import os
import platform
import statistics
import sys
import time

ap = argparse.ArgumentParser()
ap.add_argument("--out", required=True)
ap.add_argument("--budget", type=float, default=2.0)
ap.add_argument("--min-reps", type=int, default=20)
args_cli = ap.parse_args()

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "shared", "bench-jax"))

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402

import workloads as wl  # noqa: E402  (enables jax_enable_x64)


def timed(fn, args):
    t0, n = time.perf_counter(), 0
    while n < 10 or time.perf_counter() - t0 < 0.2:
        jax.block_until_ready(fn(*args))
        n += 1
    times = []
    t_begin = time.perf_counter()
    while len(times) < args_cli.min_reps or time.perf_counter() - t_begin < args_cli.budget:
        t0 = time.perf_counter()
        jax.block_until_ready(fn(*args))
        times.append(time.perf_counter() - t0)
    return {"median": statistics.median(times), "min": min(times), "reps": len(times)}


results = []
for wid, f, argnums, inputs in [
    ("W1", wl.sum_of_squares, 0, lambda n: (wl.vec_x(n),)),
    ("W2", wl.sum_squared_errors, (0, 1), lambda n: (wl.vec_x(n), wl.vec_y(n))),
]:
    for dtype in ["float64", "float32"]:
        for n in [100_000, 1_000_000]:
            args = tuple(jnp.asarray(a.astype(dtype)) for a in inputs(n))
            st = timed(jax.jit(jax.value_and_grad(f, argnums=argnums)), args)
            rec = {"workload": wid, "dtype": dtype, "size": n,
                   "value_and_grad_s": st["median"], "value_and_grad_min_s": st["min"],
                   "reps": st["reps"]}
            results.append(rec)
            print(f"{wid} {dtype} {n}: median {st['median'] * 1e6:.1f} us, "
                  f"min {st['min'] * 1e6:.1f} us ({st['reps']} reps)", flush=True)

env = {"jax": jax.__version__, "numpy": np.__version__, "platform": platform.platform(),
       "os_cpu_count": os.cpu_count(), "affinity_cpus": len(os.sched_getaffinity(0)),
       "XLA_FLAGS": os.environ.get("XLA_FLAGS", ""), "date_utc": time.strftime("%Y-%m-%d", time.gmtime())}
with open(args_cli.out, "w") as fh:
    json.dump({"env": env, "results": results}, fh, indent=1)
print(f"wrote {args_cli.out}")
