//! The one table from syntax (operators, method names, `f64::name` paths) to primitives: each row names
//! the runtime function `name` with its reverse rules `name_vjp` (one operand) or `name_vjpK`, how many
//! differentiable operands and constant extras it takes, and whether its rule reads its output.
//!
//! Adding a primitive is one row here and one rule in `autodiff-runtime`.

/// What kind of operation a primitive is: the transforms dispatch on this, never on its name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    /// An elementwise function of one operand (`exp`, `powi`, unary minus).
    Unary,
    /// An elementwise function of two or three operands, with broadcasting (`+`, `powf`, `clamp`).
    Elementwise,
    /// A reduction (`sum`, `mean`, `sum_axis`).
    Reduce(Reduction),
    /// Linear algebra (`dot`, `t`).
    LinAlg,
    /// A change of shape or a selection (`slice`, `insert_axis`, `from_elem`, `broadcast`).
    Shape,
    /// A read of one element or field, whose reverse rule adds into the container's gradient in place.
    Access(Access),
    /// A copy of a value.
    Copy(Copy),
    /// `stop_gradient`: the value, with no derivative.
    Stop,
}

/// What a reduction computes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reduction {
    /// The sum of all elements (a fused kernel can end with it).
    Sum,
    /// The product of all elements.
    Product,
    /// The mean of all elements.
    Mean,
    /// Along one axis (`sum_axis`, `mean_axis`).
    Axis,
    /// A spread of all elements (`var`, `std`): not linear.
    Spread,
    /// A spread along one axis (`var_axis`, `std_axis`): not linear.
    SpreadAxis,
    /// The product along one axis (`product_axis`).
    ProductAxis,
}

/// The element and field reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// `x[i]`, `x[[i, j]]`: rule `index_acc`.
    Index,
    /// The `i`-th element of `x.iter()`: rule `element_acc`.
    Element,
    /// `p.w`: added into the field of the struct's gradient.
    Field,
}

/// The copies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Copy {
    /// `.to_owned()`, `.clone()`, `.view()`.
    Plain,
    /// The copy of a carried value at the start of a loop body.
    Carry,
    /// A copy of a storage's value after a loop, or a whole read of an array written element by element.
    Snapshot,
}

/// A primitive operation.
pub struct Prim {
    /// The runtime function's name; its rules are `{name}_vjp` or `{name}_vjp{k}`.
    pub name: &'static str,
    /// What kind of operation it is.
    pub family: Family,
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

const fn row(
    name: &'static str,
    family: Family,
    arity: usize,
    extras: usize,
    reads_output: bool,
) -> Prim {
    Prim {
        name,
        family,
        arity,
        extras,
        reads_output,
        differentiable: true,
        unwraps: false,
    }
}

const fn unwrapping(name: &'static str, family: Family, extras: usize) -> Prim {
    Prim {
        name,
        family,
        arity: 1,
        extras,
        reads_output: false,
        differentiable: true,
        unwraps: true,
    }
}

macro_rules! unary {
    ($($name:literal),*) => { [$(row($name, Family::Unary, 1, 0, true)),*] };
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

static OTHERS: [Prim; 34] = [
    row("add", Family::Elementwise, 2, 0, false),
    row("sub", Family::Elementwise, 2, 0, false),
    row("mul", Family::Elementwise, 2, 0, false),
    row("div", Family::Elementwise, 2, 0, false),
    row("powf", Family::Elementwise, 2, 0, false),
    row("atan2", Family::Elementwise, 2, 0, false),
    row("max", Family::Elementwise, 2, 0, false),
    row("min", Family::Elementwise, 2, 0, false),
    row("hypot", Family::Elementwise, 2, 0, false),
    row("powi", Family::Unary, 1, 1, true),
    row("clamp", Family::Elementwise, 3, 0, true),
    row("mul_add", Family::Elementwise, 3, 0, false),
    row("sum", Family::Reduce(Reduction::Sum), 1, 0, false),
    row("product", Family::Reduce(Reduction::Product), 1, 0, false),
    unwrapping("mean", Family::Reduce(Reduction::Mean), 0),
    row("sum_axis", Family::Reduce(Reduction::Axis), 1, 1, false),
    unwrapping("mean_axis", Family::Reduce(Reduction::Axis), 1),
    row("var", Family::Reduce(Reduction::Spread), 1, 1, false),
    row("std", Family::Reduce(Reduction::Spread), 1, 1, false),
    row(
        "var_axis",
        Family::Reduce(Reduction::SpreadAxis),
        1,
        2,
        false,
    ),
    row(
        "std_axis",
        Family::Reduce(Reduction::SpreadAxis),
        1,
        2,
        false,
    ),
    row(
        "product_axis",
        Family::Reduce(Reduction::ProductAxis),
        1,
        1,
        false,
    ),
    row("dot", Family::LinAlg, 2, 0, false),
    row("t", Family::LinAlg, 1, 0, false),
    row("slice", Family::Shape, 1, 1, false),
    row("insert_axis", Family::Shape, 1, 1, false),
    row("from_elem", Family::Shape, 1, 1, false),
    row("index_axis", Family::Shape, 1, 2, false),
    row("select", Family::Shape, 1, 2, false),
    row("diag", Family::Shape, 1, 0, false),
    row("row", Family::Shape, 1, 1, false),
    row("column", Family::Shape, 1, 1, false),
    unwrapping("broadcast", Family::Shape, 1),
    unwrapping("reshape", Family::Shape, 1),
];

static COPY: Prim = row("to_owned", Family::Copy(Copy::Plain), 1, 0, false);

/// `x.to_owned()`.
#[allow(dead_code)] // used by `transform::linearize` (forward over reverse)
pub fn copy() -> &'static Prim {
    &COPY
}

static INDEX: Prim = row("index", Family::Access(Access::Index), 1, 1, false);

static ELEMENT: Prim = row("element", Family::Access(Access::Element), 1, 1, false);

/// `x.iter()`'s `i`-th element: its reverse rule adds into the container's gradient in place.
pub fn element() -> &'static Prim {
    &ELEMENT
}

static FIELD: Prim = row("field", Family::Access(Access::Field), 1, 1, false);

/// `p.w`: its reverse rule adds into the struct's gradient in place.
pub fn field() -> &'static Prim {
    &FIELD
}

static CARRY: Prim = row("carry", Family::Copy(Copy::Carry), 1, 0, false);

static SNAPSHOT: Prim = row("snapshot", Family::Copy(Copy::Snapshot), 1, 0, false);

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
    family: Family::Stop,
    arity: 1,
    extras: 0,
    reads_output: false,
    differentiable: false,
    unwraps: false,
};

/// `zero_tangent(&x)`: a zero of `x`'s tangent type, as tangent programs make it (no derivative).
static ZERO: Prim = Prim {
    differentiable: false,
    ..row("zero_tangent", Family::Stop, 1, 0, false)
};

/// Not a row of the table (the rule tests read the table's rows): it has no reverse rule, and only
/// forward over reverse makes it.
static SPREAD: Prim = Prim {
    name: "spread_ref",
    family: Family::Copy(Copy::Plain),
    arity: 1,
    extras: 1,
    reads_output: false,
    differentiable: true,
    unwraps: false,
};

/// A call's second-order rule's tangents spread over its arguments (the kinds of the arguments its
/// extra): linear, read by forward over reverse only.
pub fn spread() -> &'static Prim {
    &SPREAD
}

/// The zero of a value's tangent type (tangent programs only).
pub fn zero() -> &'static Prim {
    &ZERO
}

/// Every row of the table, for tests that must cover them all.
#[cfg(test)]
pub fn all() -> Vec<&'static Prim> {
    UNARY
        .iter()
        .chain(OTHERS.iter())
        .chain([&COPY, &INDEX, &ELEMENT, &FIELD, &CARRY, &SNAPSHOT, &STOP])
        .collect()
}

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
