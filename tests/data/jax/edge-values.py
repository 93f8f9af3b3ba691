"""Values and derivatives of the scalar functions of `#[differentiable]` at edge points, from JAX.

The points are where a function is not differentiable (kinks, ties, bounds), where its value or derivative
is infinite (a pole, a branch point, overflow), and NaN inputs for every function. Each entry is computed
with `jax.value_and_grad` (eager, CPU, float64 with `jax_enable_x64`) over every argument, and written to
`edge-values.json` next to this file. Non-finite numbers are stored as the strings "nan", "inf", "-inf".

Run: `python3 tests/data/jax/edge-values.py` (JAX 0.10.2). `tests/edge_values.rs` reads the JSON.

Each Rust method maps to one JAX function (the `jax` field). Where the two functions are not the same
function, the entry carries `rust_value` (the Rust function's value, which the Rust side checks instead of
JAX's) and a `note`:
- `f64::signum(0.0)` is 1, `jnp.sign(0.0)` is 0 (the derivative is 0 for both).
- `f64::max`/`f64::min` ignore a NaN operand (`1.0f64.max(NaN)` is 1); `jnp.maximum`/`jnp.minimum`
  propagate it.
- `f64::round` rounds half away from zero, `jnp.round` half to even.
- `x.powi(n)` is `lax.integer_pow(x, n)`; `x.powf(y)` is `lax.pow(x, y)` (float exponent).
- `x.clamp(lo, hi)` is `jnp.clip(x, lo, hi)`, but panics when a bound is NaN (as `f64::clamp`), where
  `jnp.clip` returns NaN (`rust_panics`); `x.fract()` is `x - jnp.trunc(x)`; `x.mul_add(a, b)` is
  `x * a + b` (Rust fuses the multiply-add, one rounding fewer).
"""

import json
import math
import os

import jax

jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp  # noqa: E402
from jax import lax  # noqa: E402

NAN = float("nan")
INF = float("inf")

# op -> (JAX function, number of arguments, JAX name)
UNARY = {
    "exp": (jnp.exp, "jnp.exp"),
    "exp2": (jnp.exp2, "jnp.exp2"),
    "exp_m1": (jnp.expm1, "jnp.expm1"),
    "ln": (jnp.log, "jnp.log"),
    "ln_1p": (jnp.log1p, "jnp.log1p"),
    "log2": (jnp.log2, "jnp.log2"),
    "log10": (jnp.log10, "jnp.log10"),
    "sqrt": (jnp.sqrt, "jnp.sqrt"),
    "cbrt": (jnp.cbrt, "jnp.cbrt"),
    "recip": (jnp.reciprocal, "jnp.reciprocal"),
    "sin": (jnp.sin, "jnp.sin"),
    "cos": (jnp.cos, "jnp.cos"),
    "tan": (jnp.tan, "jnp.tan"),
    "asin": (jnp.arcsin, "jnp.arcsin"),
    "acos": (jnp.arccos, "jnp.arccos"),
    "atan": (jnp.arctan, "jnp.arctan"),
    "sinh": (jnp.sinh, "jnp.sinh"),
    "cosh": (jnp.cosh, "jnp.cosh"),
    "tanh": (jnp.tanh, "jnp.tanh"),
    "asinh": (jnp.arcsinh, "jnp.arcsinh"),
    "acosh": (jnp.arccosh, "jnp.arccosh"),
    "atanh": (jnp.arctanh, "jnp.arctanh"),
    "abs": (jnp.abs, "jnp.abs"),
    "signum": (jnp.sign, "jnp.sign"),
    "to_degrees": (jnp.degrees, "jnp.degrees"),
    "to_radians": (jnp.radians, "jnp.radians"),
    "floor": (jnp.floor, "jnp.floor"),
    "ceil": (jnp.ceil, "jnp.ceil"),
    "round": (jnp.round, "jnp.round"),
    "trunc": (jnp.trunc, "jnp.trunc"),
    "fract": (lambda x: x - jnp.trunc(x), "x - jnp.trunc(x)"),
    "powi_0": (lambda x: lax.integer_pow(x, 0), "lax.integer_pow(x, 0)"),
    "powi_1": (lambda x: lax.integer_pow(x, 1), "lax.integer_pow(x, 1)"),
    "powi_2": (lambda x: lax.integer_pow(x, 2), "lax.integer_pow(x, 2)"),
    "powi_3": (lambda x: lax.integer_pow(x, 3), "lax.integer_pow(x, 3)"),
    "powi_m1": (lambda x: lax.integer_pow(x, -1), "lax.integer_pow(x, -1)"),
    "powi_m2": (lambda x: lax.integer_pow(x, -2), "lax.integer_pow(x, -2)"),
}

MULTI = {
    "powf": (lax.pow, 2, "lax.pow"),
    "atan2": (jnp.arctan2, 2, "jnp.arctan2"),
    "max": (jnp.maximum, 2, "jnp.maximum"),
    "min": (jnp.minimum, 2, "jnp.minimum"),
    "hypot": (jnp.hypot, 2, "jnp.hypot"),
    "div": (lambda x, y: x / y, 2, "x / y"),
    "clamp": (jnp.clip, 3, "jnp.clip"),
    "mul_add": (lambda x, a, b: x * a + b, 3, "x * a + b"),
}

# (op, args, why): the edge points. NaN inputs for every function are appended below.
POINTS = [
    ("sqrt", [0.0], "not differentiable at 0: infinite slope"),
    ("sqrt", [-1.0], "outside the domain"),
    ("sqrt", [INF], "infinity"),
    ("ln", [0.0], "pole"),
    ("ln", [-1.0], "outside the domain"),
    ("ln", [INF], "infinity"),
    ("ln_1p", [-1.0], "pole"),
    ("log2", [0.0], "pole"),
    ("log10", [0.0], "pole"),
    ("powf", [0.0, 2.0], "zero base"),
    ("powf", [0.0, 0.5], "zero base, infinite slope"),
    ("powf", [0.0, 0.0], "0^0"),
    ("powf", [0.0, -1.0], "zero base, negative exponent"),
    ("powf", [-2.0, 0.5], "negative base, fractional exponent"),
    ("powf", [-2.0, 2.0], "negative base, integer exponent"),
    ("powi_0", [0.0], "0^0"),
    ("powi_1", [0.0], "x at 0"),
    ("powi_2", [0.0], "x^2 at 0"),
    ("powi_3", [0.0], "x^3 at 0"),
    ("powi_m1", [0.0], "1/x at 0"),
    ("powi_m2", [0.0], "1/x^2 at 0"),
    ("abs", [0.0], "kink"),
    ("abs", [-0.0], "kink, negative zero"),
    ("max", [1.0, 1.0], "tie"),
    ("min", [1.0, 1.0], "tie"),
    ("max", [0.0, -0.0], "tie of zeros of opposite signs"),
    ("clamp", [0.0, 0.0, 1.0], "at the lower bound"),
    ("clamp", [1.0, 0.0, 1.0], "at the upper bound"),
    ("clamp", [0.5, 0.5, 0.5], "both bounds equal to x"),
    ("clamp", [-1.0, 0.0, 1.0], "below"),
    ("clamp", [2.0, 0.0, 1.0], "above"),
    ("div", [1.0, 0.0], "division by zero"),
    ("div", [-1.0, 0.0], "division by zero, negative numerator"),
    ("div", [0.0, 0.0], "0/0"),
    ("hypot", [0.0, 0.0], "origin"),
    ("hypot", [0.0, 2.0], "on an axis"),
    ("atan2", [0.0, 0.0], "origin"),
    ("atan2", [0.0, -1.0], "on the branch cut"),
    ("signum", [0.0], "jump"),
    ("signum", [-2.0], "negative"),
    ("recip", [0.0], "pole"),
    ("recip", [-0.0], "pole, negative zero"),
    ("cbrt", [0.0], "infinite slope"),
    ("asin", [1.0], "branch point"),
    ("asin", [-1.0], "branch point"),
    ("asin", [2.0], "outside the domain"),
    ("acos", [1.0], "branch point"),
    ("acos", [-1.0], "branch point"),
    ("atanh", [1.0], "pole"),
    ("atanh", [-1.0], "pole"),
    ("atanh", [0.999999], "near the pole (cancellation in 1 - x^2)"),
    ("acosh", [1.0], "branch point"),
    ("tanh", [20.0], "large: tanh rounds to 1"),
    ("tanh", [-20.0], "large negative"),
    ("tanh", [1000.0], "very large"),
    ("tanh", [INF], "infinity"),
    ("exp", [710.0], "overflow"),
    ("exp", [-INF], "minus infinity"),
    ("exp", [-1000.0], "underflow"),
    ("exp2", [1025.0], "overflow"),
    ("exp_m1", [710.0], "overflow"),
    ("sinh", [1000.0], "overflow"),
    ("cosh", [-1000.0], "overflow"),
    ("atan", [INF], "infinity"),
    ("round", [0.5], "half"),
    ("round", [2.5], "half"),
    ("floor", [1.0], "at a jump"),
    ("fract", [-1.5], "negative"),
]

for op in UNARY:
    POINTS.append((op, [NAN], "NaN in"))
for op, (_, n, _) in MULTI.items():
    for k in range(n):
        args = [0.5] * n
        if op == "clamp":
            args = [0.5, 0.0, 1.0]
        args[k] = NAN
        POINTS.append((op, args, f"NaN in argument {k}"))


def rust_value(op, args):
    """The Rust function's value where it is not JAX's function, else None."""
    x = args[0]
    if op == "signum" and x == 0.0:
        return math.copysign(1.0, x)
    if op in ("max", "min") and any(math.isnan(a) for a in args):
        others = [a for a in args if not math.isnan(a)]
        return others[0] if others else NAN
    if op == "round" and math.isfinite(x) and abs(x - math.trunc(x)) == 0.5:
        return math.trunc(x) + math.copysign(1.0, x)
    return None


def rust_panics(op, args):
    """Whether the Rust function panics here (where JAX returns NaN)."""
    return op == "clamp" and any(math.isnan(a) for a in args[1:])


NOTES = {
    "signum": "f64::signum(0.0) is 1.0, jnp.sign(0.0) is 0",
    "max": "f64::max ignores a NaN operand, jnp.maximum propagates it",
    "min": "f64::min ignores a NaN operand, jnp.minimum propagates it",
    "round": "f64::round rounds half away from zero, jnp.round half to even",
    "clamp": "f64::clamp panics when a bound is NaN (and so does x.clamp here); jnp.clip returns NaN",
}


def encode(v):
    v = float(v)
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return v


def main():
    entries = []
    for op, args, why in POINTS:
        if op in UNARY:
            f, name = UNARY[op]
            n = 1
        else:
            f, n, name = MULTI[op]
        assert len(args) == n, (op, args)
        xs = [jnp.float64(a) for a in args]
        value, grads = jax.value_and_grad(f, argnums=tuple(range(n)))(*xs)
        entry = {
            "op": op,
            "args": [encode(a) for a in args],
            "why": why,
            "jax": name,
            "value": encode(value),
            "grad": [encode(g) for g in grads],
        }
        rv = rust_value(op, args)
        if rv is not None:
            entry["rust_value"] = encode(rv)
            entry["note"] = NOTES[op]
        if rust_panics(op, args):
            entry["rust_panics"] = True
            entry["note"] = NOTES[op]
        entries.append(entry)
    out = {
        "env": {
            "jax": jax.__version__,
            "dtype": "float64 (jax_enable_x64=True)",
            "method": "jax.value_and_grad (eager, CPU) over every argument",
            "encoding": 'non-finite numbers as the strings "nan", "inf", "-inf"',
        },
        "entries": entries,
    }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "edge-values.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    print(f"{len(entries)} entries -> {path}")


if __name__ == "__main__":
    main()
