"""Forward-mode and second-order reference values of the benchmark workloads W1-W6, from JAX.

Writes `second-order.json` next to this file; `tests/second_order_jax.rs` reads it and compares `f_jvp`,
`f_hvp` and `f_hessian` of `#[differentiable(jvp, hessian)]` with it.

Run: `python3 tests/data/jax/second-order.py` (JAX 0.10.2, CPU, float64 with `jax_enable_x64`). The
output is deterministic: no RNG anywhere.

Inputs. The workload functions and their inputs are imported from `jax-workloads.py` (same directory), so
the formulas are exactly that file's docstrings:
    W1, W5  x[i] = sin(0.37*i + 0.1) * 1.5
    W2      x as W1, y[i] = cos(0.11*i)
    W3      X[i,j] = sin(0.01*(i*100 + j) + 0.3), t[i] = +1 if i % 3 == 0 else -1,
            w[j] = 0.05 * cos(0.3*j + 0.2), b = 0.1
    W4      W1[i,j] = 0.1*cos(0.05*(i*128 + j)), b1[j] = 0.01*sin(0.2*j), W2[i,0] = 0.1*sin(0.03*i + 0.5),
            b2 = [0.05], X[i,j] = sin(0.01*(i*64 + j) + 0.3), Y[i,0] = cos(0.02*i)
    W6      logits[i,j] = 2*sin(0.13*(i*10 + j) + 0.5), labels[i] = (7*i) % 10
Sizes: the smallest of `jax-workloads.py` (W1, W2, W5: n = 1000; W3 1000x100; W4 256x64x128; W6 1000x10),
and for the full Hessians of W1, W2 (in x) n = 20 and of W5 n = 50 (the same formulas at that n).

Directions. Every tangent and HVP direction is exact in binary (multiples of 1/8 or 1/4, no libm), a
function of the parameter's position `p` in the function's parameter list (0-based, all parameters,
data included) and of the element's row-major flat index `k` (0 for a scalar):
    JVP tangent    jvp_dir(p, k) = ((7*k + 3*p + 1) % 17 - 8) / 8        in [-1, 1]
    HVP direction  hvp_dir(p, k) = ((5*k + 2*p + 3) % 13 - 6) / 4        in [-1.5, 1.5]

What is computed (jit-compiled):
  * `jvp`: `jax.jvp(f, args, tangents)` with a tangent for every parameter that `f_jvp` takes one for: all
    float parameters, the data included (W3: w, b, X, t; W4: W1, b1, W2, b2, X, Y). W6's `f_jvp` takes
    the labels as a one-hot float matrix (benches/common/workloads.rs), so its JVP is that of the one-hot
    form `mean_i(logsumexp(logits[i,:]) - sum_j logits[i,j] * onehot[i,j])`, whose value equals the
    workload's; `onehot[i,j] = 1 if (7*i) % 10 == j else 0`. Stored: the value, the output tangent, and
    `tangent_abs` = sum over parameters and elements of |grad_k * tangent_k| (the scale of the tangent's
    rounding error: the tangent is a dot product of the gradient with the direction).
  * `hvp`: `jax.jvp(jax.grad(f, argnums=A), params, v)` for the selection A of the Rust functions (W1 x;
    W2 (x, y); W3 (w, b); W4 (W1, b1, W2, b2); W5 x at n = 1000; W6 logits, labels constant).
  * `hessian`: `jax.hessian(f, argnums=i)` for one parameter, flattened to (n, n) in row-major order
    (W1 and W2 in x at n = 20, W3 in w: 100x100, W5 at n = 50).
Each input and direction carries a checksum (shape, sum, first three and last values) so that the Rust
side reports a mismatched formula as such before it compares derivatives.
"""

import importlib.util
import json
import os
import platform

import jax

jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))

_spec = importlib.util.spec_from_file_location("jax_workloads", os.path.join(HERE, "jax-workloads.py"))
wl = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(wl)

JVP_DIR = "((7*k + 3*p + 1) % 17 - 8) / 8"
HVP_DIR = "((5*k + 2*p + 3) % 13 - 6) / 4"


def jvp_dir(p, shape):
    """jvp_dir(p, k) = ((7*k + 3*p + 1) % 17 - 8) / 8 over the row-major flat index k."""
    k = np.arange(int(np.prod(shape, dtype=np.int64)), dtype=np.int64)
    return (((7 * k + 3 * p + 1) % 17 - 8) / 8.0).reshape(shape)


def hvp_dir(p, shape):
    """hvp_dir(p, k) = ((5*k + 2*p + 3) % 13 - 6) / 4 over the row-major flat index k."""
    k = np.arange(int(np.prod(shape, dtype=np.int64)), dtype=np.int64)
    return (((5 * k + 2 * p + 3) % 13 - 6) / 4.0).reshape(shape)


def fl(a):
    """Nested lists of Python floats (json writes their shortest round-trip repr)."""
    a = np.asarray(a, dtype=np.float64)
    return float(a) if a.ndim == 0 else a.tolist()


def checksum(a):
    a = np.asarray(a, dtype=np.float64)
    flat = a.reshape(-1)
    return {
        "shape": list(a.shape),
        "sum": float(np.sum(flat)),
        "first": [float(v) for v in flat[:3]],
        "last": [float(flat[-1])],
    }


def softmax_xent_onehot(logits, onehot):
    """W6 with the labels as a one-hot float matrix: the form whose JVP `f_jvp` computes."""
    lse = jax.scipy.special.logsumexp(logits, axis=1)
    return jnp.mean(lse - jnp.sum(logits * onehot, axis=1))


def w6_onehot():
    """onehot[i,j] = 1.0 if (7*i) % 10 == j else 0.0   shape (1000, 10)"""
    _, labels = wl.w6_inputs()
    return (labels[:, None] == np.arange(wl.W6_C)[None, :]).astype(np.float64)


def jvp_entry(f, names, args):
    args = tuple(jnp.asarray(a) for a in args)
    tangents = tuple(jnp.asarray(jvp_dir(p, a.shape)) for p, a in enumerate(args))
    value, tangent = jax.jit(lambda a, t: jax.jvp(f, a, t))(args, tangents)
    grads = jax.jit(jax.grad(f, argnums=tuple(range(len(args)))))(*args)
    tangent_abs = sum(float(jnp.sum(jnp.abs(g * t))) for g, t in zip(grads, tangents))
    return {
        "params": names,
        "tangents_checksum": {n: checksum(t) for n, t in zip(names, tangents)},
        "value": float(value),
        "tangent": float(tangent),
        "tangent_abs": tangent_abs,
    }


def hvp_entry(f, names, args, argnums):
    """H v for the parameters `argnums` of f(*args); v for parameter p is hvp_dir(p, shape)."""
    args = tuple(jnp.asarray(a) for a in args)

    def grad_sel(*sel):
        full = list(args)
        for i, s in zip(argnums, sel):
            full[i] = s
        return jax.grad(f, argnums=tuple(argnums))(*full)

    primals = tuple(args[i] for i in argnums)
    vs = tuple(jnp.asarray(hvp_dir(i, args[i].shape)) for i in argnums)
    _, hv = jax.jit(lambda p, t: jax.jvp(grad_sel, p, t))(primals, vs)
    sel_names = [names[i] for i in argnums]
    return {
        "wrt": sel_names,
        "v_checksum": {n: checksum(v) for n, v in zip(sel_names, vs)},
        "result": {n: fl(h) for n, h in zip(sel_names, hv)},
    }


def hessian_entry(f, names, args, argnum, size_note):
    args = tuple(jnp.asarray(a) for a in args)
    h = jax.jit(jax.hessian(f, argnums=argnum))(*args)
    n = int(np.prod(args[argnum].shape, dtype=np.int64))
    h = np.asarray(h).reshape(n, n)
    return {
        "wrt": names[argnum],
        "size": size_note,
        "inputs_checksum": {nm: checksum(a) for nm, a in zip(names, args)},
        "matrix": fl(h),
    }


def main():
    out = {
        "env": {
            "python": platform.python_version(),
            "jax": jax.__version__,
            "numpy": np.__version__,
            "dtype": "float64 (jax_enable_x64=True)",
            "method": "jax.jit of jax.jvp(f), jax.jvp(jax.grad(f)) (forward over reverse), jax.hessian(f)",
            "script": "tests/data/jax/second-order.py",
        },
        "directions": {
            "jvp": JVP_DIR,
            "hvp": HVP_DIR,
            "p": "the parameter's position in the function's parameter list (0-based, data included)",
            "k": "the element's row-major flat index (0 for a scalar)",
        },
        "workloads": {},
    }
    W = out["workloads"]

    n = 1000
    x, y = wl.vec_x(n), wl.vec_y(n)
    W["W1"] = {
        "formula": "sum_i x_i^2",
        "size": n,
        "inputs_checksum": {"x": checksum(x)},
        "jvp": jvp_entry(wl.sum_of_squares, ["x"], (x,)),
        "hvp": hvp_entry(wl.sum_of_squares, ["x"], (x,), [0]),
        "hessian": hessian_entry(wl.sum_of_squares, ["x"], (wl.vec_x(20),), 0, "n = 20"),
    }
    W["W2"] = {
        "formula": "sum_i (x_i - y_i)^2",
        "size": n,
        "inputs_checksum": {"x": checksum(x), "y": checksum(y)},
        "jvp": jvp_entry(wl.sum_squared_errors, ["x", "y"], (x, y)),
        "hvp": hvp_entry(wl.sum_squared_errors, ["x", "y"], (x, y), [0, 1]),
        "hessian": hessian_entry(
            wl.sum_squared_errors, ["x", "y"], (wl.vec_x(20), wl.vec_y(20)), 0, "n = 20"
        ),
    }

    w, b, X, t = wl.w3_inputs()
    names3 = ["w", "b", "X", "t"]
    W["W3"] = {
        "formula": "mean_i log1p(exp(-t_i * (X w + b)_i)) + 1e-3 * sum_j w_j^2",
        "size": "X 1000x100",
        "inputs_checksum": {nm: checksum(a) for nm, a in zip(names3, (w, b, X, t))},
        "jvp": jvp_entry(wl.logistic_loss, names3, (w, b, X, t)),
        "hvp": hvp_entry(wl.logistic_loss, names3, (w, b, X, t), [0, 1]),
        "hessian": hessian_entry(wl.logistic_loss, names3, (w, b, X, t), 0, "w: 100x100"),
    }

    arrs4 = wl.w4_inputs()
    names4 = ["W1", "b1", "W2", "b2", "X", "Y"]
    W["W4"] = {
        "formula": "mean((tanh(X W1 + b1) W2 + b2 - Y)^2)",
        "size": "X 256x64, W1 64x128",
        "inputs_checksum": {nm: checksum(a) for nm, a in zip(names4, arrs4)},
        "jvp": jvp_entry(wl.mlp_loss, names4, arrs4),
        "hvp": hvp_entry(wl.mlp_loss, names4, arrs4, [0, 1, 2, 3]),
    }

    W["W5"] = {
        "formula": "sum_{i<n-1} 100*(x[i+1] - x[i]^2)^2 + (1 - x[i])^2",
        "size": n,
        "inputs_checksum": {"x": checksum(x)},
        "jvp": jvp_entry(wl.rosenbrock, ["x"], (x,)),
        "hvp": hvp_entry(wl.rosenbrock, ["x"], (x,), [0]),
        "hessian": hessian_entry(wl.rosenbrock, ["x"], (wl.vec_x(50),), 0, "n = 50"),
    }

    logits, labels = wl.w6_inputs()
    onehot = w6_onehot()
    W["W6"] = {
        "formula": "mean_i(logsumexp(logits[i,:]) - logits[i, labels[i]])",
        "size": "logits 1000x10",
        "inputs_checksum": {"logits": checksum(logits), "onehot": checksum(onehot)},
        "jvp": dict(
            jvp_entry(softmax_xent_onehot, ["logits", "onehot"], (logits, onehot)),
            note="the one-hot form mean_i(logsumexp(logits[i,:]) - sum_j logits[i,j]*onehot[i,j]), "
            "a tangent for logits and for onehot",
            workload_value=float(wl.make_softmax_xent(labels)(jnp.asarray(logits))),
        ),
        "hvp": hvp_entry(wl.make_softmax_xent(labels), ["logits"], (logits,), [0]),
    }

    path = os.path.join(HERE, "second-order.json")
    with open(path, "w") as fh:
        json.dump(out, fh, separators=(",", ":"))
        fh.write("\n")
    print(f"wrote {path} ({os.path.getsize(path)} bytes)")


if __name__ == "__main__":
    main()
