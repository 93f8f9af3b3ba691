//! The IR: a function body in three-address form, one primitive per named value.
//!
//! Allowed forms:
//! - `Instr`: `dst = op(args.., extras..)`, where each arg is a variable or a constant expression and the
//!   extras are constant arguments that are not differentiated (an axis, an integer power, a slice).
//!   `dst` is assigned once (SSA): a reassignment in the source makes a new variable.
//! - `Verbatim`: a statement over constants only (`let n = x.len();`, `assert!(..)`), emitted as written
//!   with names mapped to their current versions.
//! - A `mapv` closure is an `Instr` whose op holds its own body, over a scalar parameter.
//!
//! User names are kept on the variables they name (`d`, `loss`); temporaries are numbered. Control flow
//! (branches, loops) becomes structured statements here, beside `Instr`, so that later transforms (forward
//! mode) read the same IR.

use crate::prims::Prim;
use proc_macro2::{Ident, Span, TokenStream};

/// Index of a variable in [`Function::vars`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct VarId(pub usize);

/// What a variable is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VarKind {
    /// Parameter `i` of the function.
    Param(usize),
    /// A value the user named.
    Local,
    /// A temporary.
    Temp,
    /// The scalar parameter of a `mapv` closure.
    ClosureParam,
}

/// A variable: one SSA value.
pub struct Var {
    /// The name it is emitted with (unique in the function).
    pub name: Ident,
    /// What it is.
    pub kind: VarKind,
}

/// An argument of an instruction.
#[derive(Clone)]
pub enum Operand {
    /// A variable.
    Var(VarId),
    /// A constant expression, emitted as written (with names mapped).
    Const(TokenStream),
}

/// What an instruction computes.
pub enum Op {
    /// A primitive of the table.
    Prim(&'static Prim),
    /// `x.mapv(|v| body)`: args are `[x, variables of the enclosing function that the body reads..]`.
    Mapv(Box<Closure>),
}

/// The closure of a `mapv`.
pub struct Closure {
    /// Its scalar parameter.
    pub param: VarId,
    /// The parameter's type annotation, if written.
    pub param_ty: Option<syn::Type>,
    /// Its body.
    pub body: Block,
    /// Its result.
    pub ret: Operand,
    /// Where the body first reads each variable of the enclosing function (the `args` after `x`).
    pub capture_spans: Vec<Span>,
}

/// `dst = op(args.., extras..)`.
pub struct Instr {
    /// The value defined.
    pub dst: VarId,
    /// The operation.
    pub op: Op,
    /// Differentiable arguments (the receiver first for a method).
    pub args: Vec<Operand>,
    /// Constant arguments, emitted after `args`.
    pub extras: Vec<TokenStream>,
    /// The type the user wrote on the `let` that names `dst`.
    pub ascription: Option<syn::Type>,
    /// Where the source construct is.
    pub span: Span,
}

/// A statement.
#[allow(clippy::large_enum_variant)]
pub enum Stmt {
    /// A primitive.
    Instr(Instr),
    /// A statement over constants, as written; `reads` are the variables it names.
    Verbatim {
        /// The statement.
        tokens: TokenStream,
        /// Variables it reads by name (they must be computed before it).
        reads: Vec<VarId>,
    },
}

/// A sequence of statements.
#[derive(Default)]
pub struct Block {
    /// The statements, in order.
    pub stmts: Vec<Stmt>,
}

/// A lowered function.
pub struct Function {
    /// Every variable.
    pub vars: Vec<Var>,
    /// The body.
    pub body: Block,
    /// The (scalar, or with `vjp` any) result.
    pub ret: Operand,
    /// With `has_aux`: the auxiliary result, not differentiated.
    pub aux: Option<Operand>,
}

impl Operand {
    /// The variable, if this is one.
    pub fn var(&self) -> Option<VarId> {
        match self {
            Operand::Var(v) => Some(*v),
            Operand::Const(_) => None,
        }
    }
}
