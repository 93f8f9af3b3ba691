//! The one table from syntax (operators, method names, `f64::name` paths) to primitives: each row names
//! the runtime function `name` with its reverse rules `name_vjp` (one operand) or `name_vjpK`, how many
//! differentiable operands and constant extras it takes, and whether its rule reads its output.
//!
//! Adding a primitive is one row here and one rule in `autodiff-runtime`.

/// A primitive operation.
pub struct Prim {
    /// The runtime function's name; its rules are `{name}_vjp` or `{name}_vjp{k}`.
    pub name: &'static str,
    /// Differentiable operands (a method's receiver is the first).
    pub arity: usize,
    /// Constant arguments after the operands.
    pub extras: usize,
    /// Whether the reverse rule takes the output `&y` (before the gradient).
    pub reads_output: bool,
    /// Whether derivatives flow through it (`stop_gradient` does not).
    pub differentiable: bool,
    /// Whether the method returns an `Option` that the source unwraps (`mean`, `mean_axis`).
    pub unwraps: bool,
}

const fn row(name: &'static str, arity: usize, extras: usize, reads_output: bool) -> Prim {
    Prim {
        name,
        arity,
        extras,
        reads_output,
        differentiable: true,
        unwraps: false,
    }
}

const fn unwrapping_row(name: &'static str, extras: usize) -> Prim {
    unwrapping(name, extras)
}

const fn unwrapping(name: &'static str, extras: usize) -> Prim {
    Prim {
        name,
        arity: 1,
        extras,
        reads_output: false,
        differentiable: true,
        unwraps: true,
    }
}

macro_rules! unary {
    ($($name:literal),*) => { [$(row($name, 1, 0, true)),*] };
}

static UNARY: [Prim; 33] = unary!(
    "exp",
    "exp2",
    "exp_m1",
    "ln",
    "ln_1p",
    "log2",
    "log10",
    "sqrt",
    "cbrt",
    "recip",
    "sin",
    "cos",
    "tan",
    "asin",
    "acos",
    "atan",
    "sinh",
    "cosh",
    "tanh",
    "asinh",
    "acosh",
    "atanh",
    "abs",
    "signum",
    "to_degrees",
    "to_radians",
    "pow2",
    "floor",
    "ceil",
    "round",
    "trunc",
    "fract",
    "neg"
);

static OTHERS: [Prim; 25] = [
    row("add", 2, 0, false),
    row("sub", 2, 0, false),
    row("mul", 2, 0, false),
    row("div", 2, 0, false),
    row("powf", 2, 0, false),
    row("atan2", 2, 0, false),
    row("max", 2, 0, false),
    row("min", 2, 0, false),
    row("hypot", 2, 0, false),
    row("powi", 1, 1, true),
    row("clamp", 3, 0, true),
    row("mul_add", 3, 0, false),
    row("sum", 1, 0, false),
    row("product", 1, 0, false),
    unwrapping("mean", 0),
    row("sum_axis", 1, 1, false),
    unwrapping("mean_axis", 1),
    row("dot", 2, 0, false),
    row("t", 1, 0, false),
    row("slice", 1, 1, false),
    row("insert_axis", 1, 1, false),
    row("from_elem", 1, 1, false),
    row("index_axis", 1, 2, false),
    unwrapping_row("broadcast", 1),
    unwrapping_row("reshape", 1),
];

static COPY: Prim = row("to_owned", 1, 0, false);

static INDEX: Prim = row("index", 1, 1, false);

static ELEMENT: Prim = row("element", 1, 1, false);

/// `x.iter()`'s `i`-th element: its reverse rule adds into the container's gradient in place.
pub fn element() -> &'static Prim {
    &ELEMENT
}

static FIELD: Prim = row("field", 1, 1, false);

/// `p.w`: its reverse rule adds into the struct's gradient in place.
pub fn field() -> &'static Prim {
    &FIELD
}

static CARRY: Prim = row("carry", 1, 0, false);

static SNAPSHOT: Prim = row("snapshot", 1, 0, false);

/// A copy of a storage's value (after a loop, or a whole read of an array written element by element).
pub fn snapshot() -> &'static Prim {
    &SNAPSHOT
}

/// The copy of a carried value at the start of a loop body (an owned copy whose adjoint is the only
/// contribution to its storage's within an iteration).
pub fn carry() -> &'static Prim {
    &CARRY
}

/// `x[i]`: its reverse rule adds into the container's gradient in place.
pub fn index() -> &'static Prim {
    &INDEX
}

/// `stop_gradient(e)`: the value, with no derivative.
pub static STOP: Prim = Prim {
    name: "stop_gradient",
    arity: 1,
    extras: 0,
    reads_output: false,
    differentiable: false,
    unwraps: false,
};

/// The primitive a method name denotes (the same names serve `f64::name(x, ..)`).
pub fn method(name: &str) -> Option<&'static Prim> {
    let name = match name {
        "reversed_axes" => "t",
        "to_shape" | "into_shape_with_order" | "into_shape_clone" => "reshape",
        "clone" | "to_owned" | "view" | "into_owned" => return Some(&COPY),
        other => other,
    };
    UNARY
        .iter()
        .chain(OTHERS.iter())
        .find(|p| p.name == name && p.name != "neg")
}

/// The primitive of a binary operator (`+ - * /` and their compound assignments).
pub fn binary_operator(op: &syn::BinOp) -> Option<&'static Prim> {
    use syn::BinOp::*;
    let name = match op {
        Add(_) | AddAssign(_) => "add",
        Sub(_) | SubAssign(_) => "sub",
        Mul(_) | MulAssign(_) => "mul",
        Div(_) | DivAssign(_) => "div",
        _ => return None,
    };
    OTHERS.iter().find(|p| p.name == name)
}

/// The primitive of unary minus.
pub fn neg() -> &'static Prim {
    UNARY
        .iter()
        .find(|p| p.name == "neg")
        .expect("neg is in the table")
}

/// Methods whose result is a constant whatever the receiver (shapes and lengths).
pub fn is_constant_method(name: &str) -> bool {
    matches!(
        name,
        "len"
            | "nrows"
            | "ncols"
            | "shape"
            | "dim"
            | "raw_dim"
            | "ndim"
            | "is_empty"
            | "len_of"
            | "strides"
            | "is_nan"
            | "is_finite"
            | "is_infinite"
            | "is_sign_positive"
            | "is_sign_negative"
            | "partial_cmp"
            | "total_cmp"
    )
}

/// Whether a primitive of scalar operands gives a scalar (elementwise functions, `+ - * /`, copies),
/// unlike reductions and array operations.
pub fn preserves_scalars(p: &Prim) -> bool {
    let elementwise = UNARY.iter().any(|u| u.name == p.name);
    let others = [
        "add",
        "sub",
        "mul",
        "div",
        "powf",
        "atan2",
        "max",
        "min",
        "hypot",
        "powi",
        "clamp",
        "mul_add",
        "carry",
        "snapshot",
        "to_owned",
        "stop_gradient",
    ];
    elementwise || others.contains(&p.name)
}

/// The method of the table nearest to `name`, if it is near enough to be a typo.
pub fn closest_method(name: &str) -> Option<String> {
    let known = known_methods();
    known
        .split(' ')
        .map(|k| k.split('(').next().unwrap_or(k).trim_end_matches('.'))
        .map(|k| (crate::options::edit_distance(name, k), k))
        .filter(|(d, k)| *d <= (k.len() / 3).clamp(1, 2))
        .min()
        .map(|(_, k)| k.to_string())
}

/// The method names the table knows, for error messages.
pub fn known_methods() -> String {
    let internal = [
        "neg",
        "add",
        "sub",
        "mul",
        "div",
        "mean",
        "mean_axis",
        "broadcast",
        "reshape",
        "from_elem",
    ];
    let mut names: Vec<&str> = UNARY
        .iter()
        .chain(OTHERS.iter())
        .filter(|p| !internal.contains(&p.name))
        .map(|p| p.name)
        .collect();
    names.extend([
        "mean().unwrap",
        "mean_axis(..).unwrap",
        "broadcast(..).unwrap",
        "to_shape(..).unwrap",
        "into_shape_with_order(..).unwrap",
        "reversed_axes",
        "mapv",
        "to_owned",
        "clone",
        "view",
    ]);
    names.join(" ")
}
