//! The generator's program representation and its printing as Rust source (plain and over dual numbers).

use std::fmt::Write;

/// The float type of a program.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Fl {
    /// `f64`
    F64,
    /// `f32`
    F32,
}

impl Fl {
    /// The Rust type name.
    pub fn name(self) -> &'static str {
        match self {
            Fl::F64 => "f64",
            Fl::F32 => "f32",
        }
    }
    /// The dual number type of `num-dual`.
    pub fn dual(self) -> &'static str {
        match self {
            Fl::F64 => "Dual64",
            Fl::F32 => "Dual32",
        }
    }
    /// The module of dual helpers in the support code.
    pub fn dmod(self) -> &'static str {
        match self {
            Fl::F64 => "d64",
            Fl::F32 => "d32",
        }
    }
    /// The suffix of the helper functions for this type.
    pub fn helper_suffix(self) -> &'static str {
        match self {
            Fl::F64 => "",
            Fl::F32 => "_f32",
        }
    }
}

/// Scalar or array (a 1-D array of the program's length).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Ty {
    /// a float
    S,
    /// an `Array1` of floats
    A,
}

/// A parameter: a float by value or an array by reference.
#[derive(Clone, Debug)]
pub struct Param {
    /// its name
    pub name: String,
    /// its type
    pub ty: Ty,
    /// the input value(s) the checker uses
    pub value: Vec<f64>,
}

/// One generated `#[differentiable]` function.
#[derive(Clone, Debug)]
pub struct Program {
    /// the function's name
    pub name: String,
    /// the seed and index that generated it
    pub seed: u64,
    /// index of the program within its seed
    pub index: u64,
    /// f32 or f64
    pub fl: Fl,
    /// the length of every array
    pub n: usize,
    /// no arrays at all: the program gets a dual-number duplicate
    pub scalar_only: bool,
    /// the parameters
    pub params: Vec<Param>,
    /// `argnums`: empty for a plain `#[differentiable]`, else a tuple
    pub argnums: Vec<usize>,
    /// `hessian` too (f64 programs): `f_hvp` is checked against differences of the gradient. Cleared for a
    /// program whose second order the macro refuses (a spanned compile error), which then runs without
    pub hessian: bool,
    /// the body
    pub body: Block,
}

/// A block: statements, then how it ends.
#[derive(Clone, Debug)]
pub struct Block {
    /// its statements
    pub stmts: Vec<Stmt>,
    /// its end
    pub tail: Tail,
}

/// How a block ends.
#[derive(Clone, Debug)]
pub enum Tail {
    /// nothing (a statement block)
    None,
    /// a value (a value block)
    Value(Expr),
    /// `return e;`
    Return(Expr),
    /// `break;`
    Break,
    /// `continue;`
    Continue,
}

/// Assignment operators.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum AOp {
    /// `=`
    Set,
    /// `+=`
    Add,
    /// `-=`
    Sub,
    /// `*=`
    Mul,
}

impl AOp {
    fn text(self) -> &'static str {
        match self {
            AOp::Set => "=",
            AOp::Add => "+=",
            AOp::Sub => "-=",
            AOp::Mul => "*=",
        }
    }
}

/// An element index (always in bounds by construction).
#[derive(Clone, Debug)]
pub enum Idx {
    /// a constant
    Const(usize),
    /// a loop counter known to be `< n`
    Var(String),
    /// `n - 1 - i`
    Rev(String),
    /// `(i + 1) % n`
    Next(String),
    /// `c % n` (a counter that may pass `n`)
    Mod(String),
}

/// How an integer counter declared with `let mut c = 0usize;` is changed.
#[derive(Clone, Debug)]
pub enum CAsg {
    /// `c += k;`
    Inc(usize),
    /// `c = k;`
    Set(usize),
    /// `c = i;` (another counter)
    From(String),
    /// `c = (c + 1) % n;`
    Wrap,
}

/// Upper bound of a `for` range.
#[derive(Clone, Debug)]
pub enum Bound {
    /// a constant
    Const(usize),
    /// an enclosing counter (`0..i`)
    Var(String),
}

/// A statement.
#[derive(Clone, Debug)]
pub enum Stmt {
    /// `let [mut] name[: T] = init;`
    Let {
        /// name (may shadow)
        name: String,
        /// `mut`
        mutable: bool,
        /// the type
        ty: Ty,
        /// written with a type annotation
        annot: bool,
        /// the value
        init: Expr,
    },
    /// `name op value;`
    Assign {
        /// the variable
        name: String,
        /// the operator
        op: AOp,
        /// the right-hand side
        value: Expr,
    },
    /// `name[idx] op value;`
    ElemAssign {
        /// the array
        name: String,
        /// the index
        idx: Idx,
        /// the operator
        op: AOp,
        /// the right-hand side
        value: Expr,
    },
    /// `if c { } else if c { } else { }`
    If {
        /// the conditions and their blocks
        arms: Vec<(Cond, Block)>,
        /// the `else` block
        els: Option<Block>,
    },
    /// `for var in lo..hi` (reversed, stepped)
    For {
        /// counter name
        var: String,
        /// lower bound
        lo: usize,
        /// upper bound
        hi: Bound,
        /// `.rev()`
        rev: bool,
        /// `.step_by(step)` when > 1
        step: usize,
        /// the body
        body: Block,
    },
    /// `for v in x.iter()` or `for &v in x.iter()`
    ForIter {
        /// element name
        var: String,
        /// `&v` pattern (else the body reads `*v`)
        pat_ref: bool,
        /// the array
        arr: String,
        /// the array is a reference parameter
        arr_is_ref: bool,
        /// the body
        body: Block,
    },
    /// `let mut c = 0; while c < limit { c += 1; body }`
    While {
        /// counter
        counter: String,
        /// trip count
        limit: usize,
        /// body
        body: Block,
    },
    /// `let mut c = 0; loop { if c >= limit { break; } c += 1; body }`
    Loop {
        /// counter
        counter: String,
        /// trip count
        limit: usize,
        /// body
        body: Block,
    },
    /// `let mut c = 0usize;`
    LetCounter {
        /// the counter
        name: String,
    },
    /// `c += k;`, `c = k;`, `c = i;`, `c = (c + 1) % n;`
    CounterAssign {
        /// the counter
        name: String,
        /// the change
        op: CAsg,
    },
    /// `let ks = vec![2usize, 0, 1];` or `let ks = [2usize, 0, 1];`
    LetKs {
        /// the name
        name: String,
        /// the indices (all `< n`)
        vals: Vec<usize>,
        /// a `Vec` (else a fixed array)
        vec: bool,
    },
    /// `for k in ks` or `for &k in ks.iter()`
    ForKs {
        /// the element (a counter)
        var: String,
        /// the collection
        ks: String,
        /// `for &k in ks.iter()`
        by_ref: bool,
        /// the body
        body: Block,
    },
    /// `let _ = e;`
    LetDiscard(Expr),
}

/// Binary operators.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum BOp {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/` (the generator only divides by a positive denominator)
    Div,
}

impl BOp {
    fn text(self) -> &'static str {
        match self {
            BOp::Add => "+",
            BOp::Sub => "-",
            BOp::Mul => "*",
            BOp::Div => "/",
        }
    }
}

/// Scalar functions of one scalar (domain-safe forms).
#[derive(Clone, Copy, PartialEq, Debug)]
pub enum F1 {
    /// `e.sin()`
    Sin,
    /// `e.cos()`
    Cos,
    /// `e.tanh()`
    Tanh,
    /// `e.atan()`
    Atan,
    /// `e.exp()`
    Exp,
    /// `(e.powi(2) + 1.0).ln()`
    LnSq1,
    /// `(e.powi(2) + 0.5).sqrt()`
    SqrtSq,
    /// `e.powi(k)`
    Powi(i32),
    /// `(e.powi(2) + 1.0).powf(p)`
    PowfSq1(f64),
    /// `(e.powi(2) + 1.0)`: a positive denominator
    Sq1,
    /// `e.abs()`
    Abs,
}

/// Scalar functions of two scalars.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum F2 {
    /// `a.max(b)`
    Max,
    /// `a.min(b)`
    Min,
}

/// `autodiff::nn` functions (scalar or array).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum NnF {
    /// `nn::sigmoid`
    Sigmoid,
    /// `nn::softplus`
    Softplus,
}

/// Elementwise array methods.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum AF {
    /// `a.exp()`
    Exp,
    /// `a.tanh()`
    Tanh,
    /// `a.sin()`
    Sin,
    /// `a.powi(2)`
    Powi2,
    /// `a.mapv(f64::tanh)`
    MapvTanh,
    /// `(a.powi(2) + 1.0)`: a positive denominator
    Sq1,
}

/// Comparison operators.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum COp {
    /// `<`
    Lt,
    /// `>`
    Gt,
}

/// A branch condition.
#[derive(Clone, Debug)]
pub enum Cond {
    /// `a < b` or `a > b` on values
    Cmp(COp, Expr, Expr),
    /// `i % 2 == 0`
    Even(String),
    /// `i < k`
    CountLt(String, usize),
    /// `a && b`
    And(Box<Cond>, Box<Cond>),
    /// `a || b`
    Or(Box<Cond>, Box<Cond>),
    /// `c < n && y[c] > t` (`or`: `c >= n || y[c] < t`): a short-circuit guard of an index
    Guard {
        /// the counter (possibly `>= n`)
        counter: String,
        /// the array
        arr: String,
        /// the threshold
        lit: f64,
        /// the `||` form
        or: bool,
    },
}

/// An expression; array expressions have the program's length.
#[derive(Clone, Debug)]
pub enum Expr {
    /// a float literal
    Lit(f64),
    /// a variable (`is_ref`: an array parameter, already a reference)
    Var(String, Ty, bool),
    /// `*v` of `for v in x.iter()`
    Deref(String),
    /// `(i as f64)`
    Count(String),
    /// a binary operation (with broadcasting)
    Bin(BOp, Box<Expr>, Box<Expr>),
    /// `-e`
    Neg(Box<Expr>),
    /// a scalar function
    F1(F1, Box<Expr>),
    /// `max`/`min`
    F2(F2, Box<Expr>, Box<Expr>),
    /// `nn::..` of a scalar or an array
    Nn(NnF, Box<Expr>),
    /// an elementwise method of an array
    AF(AF, Box<Expr>),
    /// `a.mapv(|v| body)`
    Mapv(Box<Expr>, String, Box<Expr>),
    /// `a.sum()`
    Sum(Box<Expr>),
    /// `a.mean().unwrap()`
    Mean(Box<Expr>),
    /// `a.dot(&b)`
    Dot(Box<Expr>, Box<Expr>),
    /// `x[idx]` (`is_ref` as in `Var`)
    Index(String, Idx),
    /// `x.slice(s![lo..hi;step]).sum()`
    SliceSum(String, usize, usize, usize),
    /// `Array1::from_elem(n, e)`
    FromElem(Box<Expr>),
    /// `Array1::zeros(n)`
    Zeros,
    /// `vec![0.0; n]` (read and written by element only)
    VecZeros,
    /// `[0.0; n]` (read and written by element only)
    FixedZeros,
    /// `x.to_owned()`
    ToOwned(String, bool),
    /// `helper_sq(e)`
    HelperSq(Box<Expr>),
    /// `helper_mix(a, b)`
    HelperMix(Box<Expr>, Box<Expr>),
    /// `helper_arr(&a, s)`, an array
    HelperArr(Box<Expr>, Box<Expr>),
    /// `if c { .. } else if .. else { .. }` with a value of the given type
    If(Ty, Vec<(Cond, Block)>, Box<Block>),
}

impl Expr {
    /// True when no variable occurs in the expression (its literals need a type suffix).
    pub fn is_const(&self) -> bool {
        match self {
            Expr::Lit(_) | Expr::Count(_) | Expr::Zeros => true,
            Expr::Bin(_, a, b) | Expr::F2(_, a, b) | Expr::HelperMix(a, b) => {
                a.is_const() && b.is_const()
            }
            Expr::Neg(a)
            | Expr::F1(_, a)
            | Expr::Nn(_, a)
            | Expr::HelperSq(a)
            | Expr::FromElem(a) => a.is_const(),
            _ => false,
        }
    }

    /// True when the variable `name` is read in the expression.
    pub fn mentions(&self, name: &str) -> bool {
        match self {
            Expr::Var(n, _, _)
            | Expr::Deref(n)
            | Expr::Index(n, _)
            | Expr::SliceSum(n, ..)
            | Expr::ToOwned(n, _) => n == name,
            Expr::Lit(_) | Expr::Count(_) | Expr::Zeros | Expr::VecZeros | Expr::FixedZeros => {
                false
            }
            Expr::Bin(_, a, b)
            | Expr::F2(_, a, b)
            | Expr::HelperMix(a, b)
            | Expr::Dot(a, b)
            | Expr::HelperArr(a, b) => a.mentions(name) || b.mentions(name),
            Expr::Neg(a)
            | Expr::F1(_, a)
            | Expr::Nn(_, a)
            | Expr::HelperSq(a)
            | Expr::FromElem(a)
            | Expr::AF(_, a)
            | Expr::Sum(a)
            | Expr::Mean(a) => a.mentions(name),
            Expr::Mapv(a, _, b) => a.mentions(name) || b.mentions(name),
            Expr::If(..) => true,
        }
    }

    /// The type of the expression.
    pub fn ty(&self) -> Ty {
        match self {
            Expr::Var(_, t, _) | Expr::If(t, _, _) => *t,
            Expr::Bin(_, a, b) => {
                if a.ty() == Ty::A || b.ty() == Ty::A {
                    Ty::A
                } else {
                    Ty::S
                }
            }
            Expr::Nn(_, a) | Expr::Neg(a) => a.ty(),
            Expr::AF(..)
            | Expr::Mapv(..)
            | Expr::FromElem(_)
            | Expr::Zeros
            | Expr::VecZeros
            | Expr::FixedZeros
            | Expr::ToOwned(..)
            | Expr::HelperArr(..) => Ty::A,
            _ => Ty::S,
        }
    }
}

/// Printing mode: the plain function, or its duplicate over dual numbers (scalar programs only).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Mode {
    /// the `#[differentiable]` function
    Plain,
    /// forward mode with `num_dual`
    Dual,
}

/// Prints programs as Rust source.
pub struct Printer<'a> {
    p: &'a Program,
    mode: Mode,
    /// inside a constant subexpression: literals get a type suffix
    suffix: std::cell::Cell<bool>,
}

fn pad(ind: usize) -> String {
    "    ".repeat(ind)
}

fn fmt_lit(c: f64) -> String {
    let s = format!("{c:?}");
    if s.contains('.') || s.contains('e') {
        s
    } else {
        format!("{s}.0")
    }
}

impl<'a> Printer<'a> {
    /// A printer of `p` in `mode`.
    pub fn new(p: &'a Program, mode: Mode) -> Printer<'a> {
        Printer {
            p,
            mode,
            suffix: std::cell::Cell::new(false),
        }
    }

    /// An expression without its outer parentheses (arguments, right-hand sides).
    pub fn bare(&self, e: &Expr, ind: usize) -> String {
        let s = self.expr(e, ind);
        if matches!(e, Expr::Bin(..) | Expr::Count(_) | Expr::Neg(_))
            && s.starts_with('(')
            && s.ends_with(')')
        {
            s[1..s.len() - 1].to_string()
        } else {
            s
        }
    }

    /// An expression in a value position (`let`, `=`): array variables are copied.
    pub fn value(&self, e: &Expr, ind: usize) -> String {
        match e {
            Expr::Var(n, Ty::A, true) => format!("{n}.to_owned()"),
            Expr::Var(n, Ty::A, false) => format!("{n}.clone()"),
            Expr::Lit(c) if self.mode == Mode::Plain => {
                format!("{}_{}", fmt_lit(*c), self.fl().name())
            }
            _ => self.bare(e, ind),
        }
    }

    fn fl(&self) -> Fl {
        self.p.fl
    }

    fn lit(&self, c: f64) -> String {
        match self.mode {
            Mode::Plain if self.suffix.get() => format!("{}_{}", fmt_lit(c), self.fl().name()),
            Mode::Plain => fmt_lit(c),
            Mode::Dual => format!("{}::from({})", self.fl().dual(), fmt_lit(c)),
        }
    }

    /// A method receiver.
    fn recv(&self, e: &Expr, ind: usize) -> String {
        match e {
            Expr::Var(n, _, _) => n.clone(),
            Expr::Lit(c) if self.mode == Mode::Plain && *c >= 0.0 => {
                format!("{}_{}", fmt_lit(*c), self.fl().name())
            }
            Expr::Lit(c) if self.mode == Mode::Plain => {
                format!("({}_{})", fmt_lit(*c), self.fl().name())
            }
            Expr::Index(..)
            | Expr::Sum(_)
            | Expr::Mean(_)
            | Expr::Dot(..)
            | Expr::SliceSum(..)
            | Expr::Count(_) => self.expr(e, ind),
            _ => format!("({})", self.expr(e, ind)),
        }
    }

    /// An array operand of an operator or a call: a reference.
    fn aref(&self, e: &Expr, ind: usize) -> String {
        match e {
            Expr::Var(n, _, true) => n.clone(),
            Expr::Var(n, _, false) => format!("&{n}"),
            _ => format!("&({})", self.expr(e, ind)),
        }
    }

    fn idx(&self, i: &Idx) -> String {
        match i {
            Idx::Const(k) => k.to_string(),
            Idx::Var(v) => v.clone(),
            Idx::Rev(v) => format!("{} - 1 - {v}", self.p.n),
            Idx::Next(v) => format!("({v} + 1) % {}", self.p.n),
            Idx::Mod(v) => format!("{v} % {}", self.p.n),
        }
    }

    /// An expression.
    pub fn expr(&self, e: &Expr, ind: usize) -> String {
        if self.suffix.get()
            || self.mode == Mode::Dual
            || !e.is_const()
            || matches!(e, Expr::Lit(_))
        {
            return self.expr_inner(e, ind);
        }
        self.suffix.set(true);
        let s = self.expr_inner(e, ind);
        self.suffix.set(false);
        s
    }

    fn expr_inner(&self, e: &Expr, ind: usize) -> String {
        let fl = self.fl().name();
        let dual = self.mode == Mode::Dual;
        let dm = self.fl().dmod();
        match e {
            Expr::Lit(c) => self.lit(*c),
            Expr::Var(n, _, _) => n.clone(),
            Expr::Deref(n) => format!("*{n}"),
            Expr::Count(i) => {
                if dual {
                    format!("{}::from({i} as {fl})", self.fl().dual())
                } else {
                    format!("({i} as {fl})")
                }
            }
            Expr::Bin(op, a, b) => {
                let l = if a.ty() == Ty::A {
                    self.aref(a, ind)
                } else {
                    self.expr(a, ind)
                };
                let r = if b.ty() == Ty::A {
                    self.aref(b, ind)
                } else {
                    self.expr(b, ind)
                };
                format!("({l} {} {r})", op.text())
            }
            Expr::Neg(a) => {
                if a.ty() == Ty::A {
                    format!("(-{})", self.aref(a, ind))
                } else {
                    format!("(-{})", self.recv(a, ind))
                }
            }
            Expr::F1(f, a) => {
                let r = self.recv(a, ind);
                let one = self.lit(1.0);
                match f {
                    F1::Sin => format!("{r}.sin()"),
                    F1::Cos => format!("{r}.cos()"),
                    F1::Tanh => format!("{r}.tanh()"),
                    F1::Atan => format!("{r}.atan()"),
                    F1::Exp => format!("{r}.exp()"),
                    F1::LnSq1 => format!("({r}.powi(2) + {one}).ln()"),
                    F1::SqrtSq => format!("({r}.powi(2) + {}).sqrt()", self.lit(0.5)),
                    F1::Powi(k) => format!("{r}.powi({k})"),
                    F1::PowfSq1(p) => format!("({r}.powi(2) + {one}).powf({})", fmt_lit(*p)),
                    F1::Sq1 => format!("({r}.powi(2) + {one})"),
                    F1::Abs => {
                        if dual {
                            format!("{dm}::abs({})", self.expr(a, ind))
                        } else {
                            format!("{r}.abs()")
                        }
                    }
                }
            }
            Expr::F2(f, a, b) => {
                let name = match f {
                    F2::Max => "max",
                    F2::Min => "min",
                };
                if dual {
                    format!("{dm}::{name}({}, {})", self.bare(a, ind), self.bare(b, ind))
                } else {
                    format!("{}.{name}({})", self.recv(a, ind), self.bare(b, ind))
                }
            }
            Expr::Nn(f, a) => {
                let name = match f {
                    NnF::Sigmoid => "sigmoid",
                    NnF::Softplus => "softplus",
                };
                if dual {
                    format!("{dm}::{name}({})", self.bare(a, ind))
                } else if a.ty() == Ty::A {
                    format!("nn::{name}({})", self.aref(a, ind))
                } else {
                    format!("nn::{name}({})", self.bare(a, ind))
                }
            }
            Expr::AF(f, a) => {
                let r = self.recv(a, ind);
                match f {
                    AF::Exp => format!("{r}.exp()"),
                    AF::Tanh => format!("{r}.tanh()"),
                    AF::Sin => format!("{r}.sin()"),
                    AF::Powi2 => format!("{r}.powi(2)"),
                    AF::MapvTanh => format!("{r}.mapv({fl}::tanh)"),
                    AF::Sq1 => format!("({r}.powi(2) + 1.0)"),
                }
            }
            Expr::Mapv(a, v, body) => {
                // A closure that returns a bare literal takes its type from nothing: suffix it.
                let body = match &**body {
                    Expr::Lit(c) if self.mode == Mode::Plain => {
                        format!("{}_{}", fmt_lit(*c), self.fl().name())
                    }
                    b => self.bare(b, ind),
                };
                format!("{}.mapv(|{v}| {body})", self.recv(a, ind))
            }
            Expr::Sum(a) => format!("{}.sum()", self.recv(a, ind)),
            Expr::Mean(a) => format!("{}.mean().unwrap()", self.recv(a, ind)),
            Expr::Dot(a, b) => format!("{}.dot({})", self.recv(a, ind), self.aref(b, ind)),
            Expr::Index(n, i) => format!("{n}[{}]", self.idx(i)),
            Expr::SliceSum(n, lo, hi, step) => {
                if *step > 1 {
                    format!("{n}.slice(s![{lo}..{hi};{step}]).sum()")
                } else {
                    format!("{n}.slice(s![{lo}..{hi}]).sum()")
                }
            }
            Expr::FromElem(a) => format!("Array1::from_elem({}, {})", self.p.n, self.bare(a, ind)),
            Expr::Zeros => format!("Array1::zeros({})", self.p.n),
            Expr::VecZeros => format!("vec![{}; {}]", self.zero(), self.p.n),
            Expr::FixedZeros => format!("[{}; {}]", self.zero(), self.p.n),
            Expr::ToOwned(n, _) => format!("{n}.to_owned()"),
            Expr::HelperSq(a) => {
                if dual {
                    format!("{dm}::helper_sq({})", self.bare(a, ind))
                } else {
                    format!(
                        "helper_sq{}({})",
                        self.fl().helper_suffix(),
                        self.bare(a, ind)
                    )
                }
            }
            Expr::HelperMix(a, b) => {
                let (x, y) = (self.bare(a, ind), self.bare(b, ind));
                if dual {
                    format!("{dm}::helper_mix({x}, {y})")
                } else {
                    format!("helper_mix{}({x}, {y})", self.fl().helper_suffix())
                }
            }
            Expr::HelperArr(a, s) => format!(
                "helper_arr{}({}, {})",
                self.fl().helper_suffix(),
                self.aref(a, ind),
                self.bare(s, ind)
            ),
            Expr::If(_, arms, els) => {
                let mut out = String::new();
                for (k, (c, b)) in arms.iter().enumerate() {
                    if k > 0 {
                        out.push_str(" else ");
                    }
                    let _ = write!(out, "if {} {}", self.cond(c, ind), self.block(b, ind));
                }
                let _ = write!(out, " else {}", self.block(els, ind));
                out
            }
        }
    }

    fn cond(&self, c: &Cond, ind: usize) -> String {
        match c {
            Cond::Cmp(op, a, b) => {
                let o = match op {
                    COp::Lt => "<",
                    COp::Gt => ">",
                };
                if self.mode == Mode::Dual {
                    format!("{}.re {o} {}.re", self.recv(a, ind), self.recv(b, ind))
                } else {
                    let side = |e: &Expr| {
                        if matches!(e, Expr::Count(_)) {
                            self.expr(e, ind)
                        } else {
                            self.bare(e, ind)
                        }
                    };
                    format!("{} {o} {}", side(a), side(b))
                }
            }
            Cond::Even(i) => format!("{i} % 2 == 0"),
            Cond::CountLt(i, k) => format!("{i} < {k}"),
            Cond::And(a, b) => format!("{} && {}", self.cond_op(a, ind), self.cond_op(b, ind)),
            Cond::Or(a, b) => format!("{} || {}", self.cond_op(a, ind), self.cond_op(b, ind)),
            Cond::Guard {
                counter,
                arr,
                lit,
                or,
            } => {
                let n = self.p.n;
                let re = if self.mode == Mode::Dual { ".re" } else { "" };
                let t = fmt_lit(*lit);
                if *or {
                    format!("{counter} >= {n} || {arr}[{counter}]{re} < {t}")
                } else {
                    format!("{counter} < {n} && {arr}[{counter}]{re} > {t}")
                }
            }
        }
    }

    /// An operand of `&&` / `||`: compound conditions in parentheses.
    fn cond_op(&self, c: &Cond, ind: usize) -> String {
        let s = self.cond(c, ind);
        if matches!(c, Cond::And(..) | Cond::Or(..) | Cond::Guard { .. }) {
            format!("({s})")
        } else {
            s
        }
    }

    /// A zero of the element type.
    fn zero(&self) -> String {
        match self.mode {
            Mode::Plain => format!("0.0_{}", self.fl().name()),
            Mode::Dual => format!("{}::from(0.0)", self.fl().dual()),
        }
    }

    /// A block in braces; the closing brace is at `ind`.
    pub fn block(&self, b: &Block, ind: usize) -> String {
        let mut out = String::from("{\n");
        for s in &b.stmts {
            out.push_str(&self.stmt(s, ind + 1));
        }
        let p = pad(ind + 1);
        match &b.tail {
            Tail::None => {}
            Tail::Value(e) => {
                let _ = writeln!(out, "{p}{}", self.value(e, ind + 1));
            }
            Tail::Return(e) => {
                let _ = writeln!(out, "{p}return {};", self.bare(e, ind + 1));
            }
            Tail::Break => {
                let _ = writeln!(out, "{p}break;");
            }
            Tail::Continue => {
                let _ = writeln!(out, "{p}continue;");
            }
        }
        out.push_str(&pad(ind));
        out.push('}');
        out
    }

    /// A statement, on its own lines, indented at `ind`.
    pub fn stmt(&self, s: &Stmt, ind: usize) -> String {
        let p = pad(ind);
        let fl = self.fl().name();
        match s {
            Stmt::Let {
                name,
                mutable,
                ty,
                annot,
                init,
            } => {
                let m = if *mutable { "mut " } else { "" };
                let t = if !*annot {
                    String::new()
                } else if self.mode == Mode::Dual {
                    format!(": {}", self.fl().dual())
                } else if *ty == Ty::A {
                    format!(": Array1<{fl}>")
                } else {
                    format!(": {fl}")
                };
                format!("{p}let {m}{name}{t} = {};\n", self.value(init, ind))
            }
            Stmt::Assign { name, op, value } => {
                let rhs = if *op != AOp::Set && value.ty() == Ty::A {
                    self.aref(value, ind)
                } else {
                    self.value(value, ind)
                };
                format!("{p}{name} {} {rhs};\n", op.text())
            }
            Stmt::ElemAssign {
                name,
                idx,
                op,
                value,
            } => format!(
                "{p}{name}[{}] {} {};\n",
                self.idx(idx),
                op.text(),
                self.bare(value, ind)
            ),
            Stmt::If { arms, els } => {
                let mut out = p.clone();
                for (k, (c, b)) in arms.iter().enumerate() {
                    if k > 0 {
                        out.push_str(" else ");
                    }
                    let _ = write!(out, "if {} {}", self.cond(c, ind), self.block(b, ind));
                }
                if let Some(b) = els {
                    let _ = write!(out, " else {}", self.block(b, ind));
                }
                out.push('\n');
                out
            }
            Stmt::For {
                var,
                lo,
                hi,
                rev,
                step,
                body,
            } => {
                let h = match hi {
                    Bound::Const(k) => k.to_string(),
                    Bound::Var(v) => v.clone(),
                };
                let mut r = format!("{lo}..{h}");
                if *rev || *step > 1 {
                    r = format!("({r})");
                }
                if *rev {
                    r.push_str(".rev()");
                }
                if *step > 1 {
                    let _ = write!(r, ".step_by({step})");
                }
                format!("{p}for {var} in {r} {}\n", self.block(body, ind))
            }
            Stmt::ForIter {
                var,
                pat_ref,
                arr,
                body,
                ..
            } => {
                let pat = if *pat_ref {
                    format!("&{var}")
                } else {
                    var.clone()
                };
                format!("{p}for {pat} in {arr}.iter() {}\n", self.block(body, ind))
            }
            Stmt::While {
                counter,
                limit,
                body,
            } => {
                let inner = self.block(body, ind);
                let inner =
                    inner.replacen("{\n", &format!("{{\n{}{counter} += 1;\n", pad(ind + 1)), 1);
                format!("{p}let mut {counter} = 0usize;\n{p}while {counter} < {limit} {inner}\n")
            }
            Stmt::Loop {
                counter,
                limit,
                body,
            } => {
                let inner = self.block(body, ind);
                let q = pad(ind + 1);
                let inner = inner.replacen(
                    "{\n",
                    &format!("{{\n{q}if {counter} >= {limit} {{\n{q}    break;\n{q}}}\n{q}{counter} += 1;\n"),
                    1,
                );
                format!("{p}let mut {counter} = 0usize;\n{p}loop {inner}\n")
            }
            Stmt::LetCounter { name } => format!("{p}let mut {name} = 0usize;\n"),
            Stmt::CounterAssign { name, op } => match op {
                CAsg::Inc(k) => format!("{p}{name} += {k};\n"),
                CAsg::Set(k) => format!("{p}{name} = {k};\n"),
                CAsg::From(i) => format!("{p}{name} = {i};\n"),
                CAsg::Wrap => format!("{p}{name} = ({name} + 1) % {};\n", self.p.n),
            },
            Stmt::LetKs { name, vals, vec } => {
                let mut v: Vec<String> = vals.iter().map(|k| k.to_string()).collect();
                if let Some(f) = v.first_mut() {
                    f.push_str("usize");
                }
                if *vec {
                    format!("{p}let {name} = vec![{}];\n", v.join(", "))
                } else {
                    format!("{p}let {name} = [{}];\n", v.join(", "))
                }
            }
            Stmt::ForKs {
                var,
                ks,
                by_ref,
                body,
            } => {
                if *by_ref {
                    format!("{p}for &{var} in {ks}.iter() {}\n", self.block(body, ind))
                } else {
                    format!("{p}for {var} in {ks} {}\n", self.block(body, ind))
                }
            }
            Stmt::LetDiscard(e) => {
                let v = if e.ty() == Ty::A {
                    self.expr(e, ind)
                } else {
                    self.value(e, ind)
                };
                format!("{p}let _ = {v};\n")
            }
        }
    }

    /// The function signature's parameter list.
    pub fn params(&self) -> String {
        let fl = self.fl().name();
        self.p
            .params
            .iter()
            .map(|q| match (self.mode, q.ty) {
                (Mode::Dual, _) => format!("{}: {}", q.name, self.fl().dual()),
                (Mode::Plain, Ty::S) => format!("{}: {fl}", q.name),
                (Mode::Plain, Ty::A) => format!("{}: &Array1<{fl}>", q.name),
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The whole function (with its attribute in plain mode; named `<name>_dual` in dual mode).
    pub fn function(&self) -> String {
        let p = self.p;
        match self.mode {
            Mode::Plain => {
                // `jvp` too: the harness checks `f_jvp` against the gradients.
                let second = if p.hessian { ", hessian" } else { "" };
                let attr = if p.argnums.is_empty() {
                    format!("#[differentiable(jvp{second})]")
                } else {
                    let a: Vec<String> = p.argnums.iter().map(|k| k.to_string()).collect();
                    format!(
                        "#[differentiable(argnums = ({}), jvp{second})]",
                        a.join(", ")
                    )
                };
                format!(
                    "{attr}\nfn {}({}) -> {} {}\n",
                    p.name,
                    self.params(),
                    p.fl.name(),
                    self.block(&p.body, 0)
                )
            }
            Mode::Dual => format!(
                "fn {}_dual({}) -> {} {}\n",
                p.name,
                self.params(),
                p.fl.dual(),
                self.block(&p.body, 0)
            ),
        }
    }
}

impl Program {
    /// True when every parameter is a scalar and the body has no arrays: it gets a dual-number duplicate.
    pub fn scalar_only(&self) -> bool {
        self.scalar_only
    }

    /// The `#[differentiable]` function's source.
    pub fn source(&self) -> String {
        Printer::new(self, Mode::Plain).function()
    }

    /// The dual-number duplicate's source (scalar programs only).
    pub fn dual_source(&self) -> String {
        Printer::new(self, Mode::Dual).function()
    }
}
