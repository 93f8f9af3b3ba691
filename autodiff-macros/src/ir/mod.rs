//! The IR: a function body in three-address form, one primitive per named value.
//!
//! Allowed forms (each a [`Stmt`]):
//! - `Instr`: `dst = op(args.., extras..)`, where each arg is a variable or a constant expression and the
//!   extras are constant arguments that are not differentiated (an axis, an integer power, a slice).
//!   `dst` is assigned once (SSA): a reassignment in the source makes a new variable.
//! - `Verbatim`: a statement over constants only (`let n = x.len();`, `assert!(..)`), emitted as written
//!   with names mapped to their current versions.
//! - A `mapv` closure is an `Instr` whose op holds its own body, over a scalar parameter.
//! - `If`: a branch on a constant flag; values assigned in an arm and used after it are `Join`s.
//! - `Loop`: a loop whose body is SSA; a value carried across iterations lives in a `Storage` variable
//!   (`Init` before the loop, copied out at the start of the body, `WriteBack` at its end). Arrays
//!   written element by element (`SetElem`) are storage too, written in place.
//!
//! User names are kept on the variables they name (`d`, `loss`); temporaries are numbered. The IR does not
//! depend on the reverse transform, so that later transforms (forward mode) read the same IR.

pub mod adjoint;
pub mod print;
pub mod visit;

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
    /// Mutable storage: a loop's carried value, or an array written element by element.
    Storage,
}

/// A variable: one SSA value, or the storage of a carried value.
#[derive(Clone)]
pub struct Var {
    /// The name it is emitted with (unique in the function).
    pub name: Ident,
    /// What it is.
    pub kind: VarKind,
    /// The block that defines it.
    pub block: usize,
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
#[derive(Clone)]
pub enum Op {
    /// A primitive of the table.
    Prim(&'static Prim),
    /// `x.mapv(|v| body)`: args are `[x, variables of the enclosing function that the body reads..]`.
    Mapv(Box<Closure>),
    /// A call of another function `g(args..)` (or method `recv.g(args..)`), differentiated through
    /// `g_vjp`.
    Call(Box<CallSite>),
    /// Parts joined into one value, linearly: `concatenate![axis, args..]` and `stack![axis, args..]` of
    /// arrays (the axis is `extras[0]`), or a literal of scalars (`[a, b]`, `vec![a, b]`, `array![a, b]`).
    Join(JoinKind),
    /// A fused kernel: an elementwise chain over `args` (one parameter each) and the sum (or mean) of
    /// its result over their broadcast shape, in one pass (`fused_sumN`, `fused_meanN`).
    Fused(Box<Kernel>),
    /// In an adjoint program written as IR ([`adjoint::linearize`]): operand `k`'s reverse rule,
    /// `{name}_vjp{k}(operands.., extras.., [&y,] seed)`. Its args are the primitive's operands, then its
    /// output where the row reads it, then the seed.
    #[allow(dead_code)] // made by `transform::linearize` (forward over reverse)
    Vjp {
        /// The primitive.
        prim: &'static Prim,
        /// Which operand.
        k: usize,
    },
    /// In an adjoint program written as IR: part `k`'s reverse rule of a join (`concatenate!`, `stack!`, a
    /// literal of scalars), `{function}_vjp(..)`. Its args are the join's parts, then the seed; its extras
    /// the join's. Linear in the seed and reading the parts for their shapes only, its tangent is the same
    /// rule applied to the seed's tangent.
    JoinVjp {
        /// The join.
        kind: JoinKind,
        /// Which part.
        k: usize,
    },
    /// In an adjoint program written as IR: a copy of position `extras[0]` of a tape of values
    /// (`args[0]`, a `ValueTape` that [`ElemWrite::Save`] writes), `tape_load(&tape, i)`. Linear: its
    /// tangent is the same load from the tape of tangents.
    Load,
    /// In a tangent program: argument `k`'s contribution to the tangent of `rule`'s result,
    /// `{rule}_jvp{k}(operands.., extras.., rest.., &dot)`. Its args are the rule's, then (for a
    /// primitive whose row reads it) the output, then argument `k`'s tangent.
    Jvp {
        /// What is differentiated: a primitive, or a reverse rule (forward over reverse).
        rule: Rule,
        /// Which argument.
        k: usize,
    },
}

/// How [`Op::Join`] joins its parts.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum JoinKind {
    /// `concatenate![axis, ..]`.
    Concatenate,
    /// `stack![axis, ..]`.
    Stack,
    /// A literal of scalars, in the form written.
    Pack(PackForm),
}

/// The value a literal of scalars makes.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum PackForm {
    /// `[a, b, c]`: a fixed-size array.
    Fixed,
    /// `vec![a, b, c]`.
    Vec,
    /// `array![a, b, c]`: an `Array1`.
    Array1,
    /// `array![[a, b], [c, d]]`: an `Array2` of rows of `cols` elements (the parts row by row).
    Array2 {
        /// The length of a row.
        cols: usize,
    },
    /// `(a, b, ..)`: a tuple of values of any type (a `vjp` function's tuple output).
    Tuple,
    /// `Path { f: a, g: b }`: a struct literal (of a `#[derive(Differentiable)]` struct); the path is
    /// `extras[0]`, the fields `extras[1..]`, one per part.
    Struct,
    /// The tangent of a struct literal in forward mode: `Path { f: a_dot, .., ..zero_tangent(&value) }`,
    /// the tangents of the active parts (`extras[1..]` their fields) and last the literal's value, whose
    /// zero tangent gives the other fields (zeros, and copies of the constant ones).
    StructTangent,
}

impl JoinKind {
    /// The runtime function (its reverse rule is `{name}_vjp`).
    pub fn function(self) -> &'static str {
        match self {
            JoinKind::Concatenate => "concatenate",
            JoinKind::Stack => "stack",
            JoinKind::Pack(PackForm::Fixed) => "pack_fixed",
            JoinKind::Pack(PackForm::Vec) => "pack_vec",
            JoinKind::Pack(PackForm::Array1) => "pack_array1",
            JoinKind::Pack(PackForm::Array2 { .. }) => "pack_array2",
            JoinKind::Pack(PackForm::Tuple) => "tuple",
            JoinKind::Pack(PackForm::Struct) => "struct_literal",
            JoinKind::Pack(PackForm::StructTangent) => "struct_literal_tangent",
        }
    }
}

/// What a JVP rule differentiates.
#[derive(Clone, Copy)]
pub enum Rule {
    /// A primitive.
    Prim(&'static Prim),
    /// Operand `k`'s reverse rule of a primitive.
    Vjp(&'static Prim, usize),
}

impl Kernel {
    /// The runtime function of the kernel (`fused_sum2`), or of its reverse with `_vjp`.
    pub fn function(&self, arity: usize, reverse: bool) -> String {
        let base = match self.reduction {
            crate::prims::Reduction::Mean => "fused_mean",
            _ => "fused_sum",
        };
        let suffix = if reverse { "_vjp" } else { "" };
        format!("{base}{arity}{suffix}")
    }

    /// The runtime function of the kernel and its reverse in one pass (`fused_sum2_value_vjp`).
    pub fn value_vjp_function(&self, arity: usize) -> String {
        let base = match self.reduction {
            crate::prims::Reduction::Mean => "fused_mean",
            _ => "fused_sum",
        };
        format!("{base}{arity}_value_vjp")
    }

    /// Which operands are slices of one array that an operand after them also slices (all with a
    /// gradient): their partials go into one buffer of the array's shape, which is the gradient of the
    /// last of them (its owner); the others' gradients are merged into it. `None` for an operand that
    /// shares nothing.
    pub fn shared_slices(&self, args: &[Operand], active: &[bool]) -> Vec<Option<Share>> {
        let sliced = |k: usize| match (&self.views[k], &args[k]) {
            (Some(_), Operand::Var(v)) if active[k] => Some(*v),
            _ => None,
        };
        (0..args.len())
            .map(|k| {
                let base = sliced(k)?;
                let owner = (0..args.len()).rev().find(|j| sliced(*j) == Some(base))?;
                let first = (0..args.len()).find(|j| sliced(*j) == Some(base))?;
                if first == owner {
                    None
                } else if k == owner {
                    Some(Share::Owns(first))
                } else {
                    Some(Share::Into(owner))
                }
            })
            .collect()
    }
}

/// The part of a slice operand in a gradient buffer shared with other slices of its array
/// ([`Kernel::shared_slices`]).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Share {
    /// The last slice of the array: its gradient is the buffer, which the operand given here (the
    /// array's first slice in the kernel) names.
    Owns(usize),
    /// A slice before the last, whose gradient is merged into that of the operand given.
    Into(usize),
}

impl Rule {
    /// The primitive.
    pub fn prim(self) -> &'static Prim {
        match self {
            Rule::Prim(p) | Rule::Vjp(p, _) => p,
        }
    }

    /// The runtime name of the rule's forward rule for argument `k`: `exp_jvp`, `mul_jvp1`,
    /// `mul_vjp0_jvp2`.
    pub fn jvp_name(self, k: usize) -> String {
        match self {
            Rule::Prim(p) if p.arity == 1 => format!("{}_jvp", p.name),
            Rule::Prim(p) => format!("{}_jvp{k}", p.name),
            Rule::Vjp(p, j) => format!("{}_jvp{k}", vjp_name(p, j)),
        }
    }
}

/// The runtime name of operand `k`'s reverse rule of `p`: `exp_vjp`, `mul_vjp1`.
pub fn vjp_name(p: &Prim, k: usize) -> String {
    if p.arity == 1 {
        format!("{}_vjp", p.name)
    } else {
        format!("{}_vjp{k}", p.name)
    }
}

/// How a call is written.
#[derive(Clone)]
pub struct CallSite {
    /// The function's path (`g`, `layers::dense`), or the method's name.
    pub path: TokenStream,
    /// The same path with `_vjp` appended to its last segment.
    pub vjp: TokenStream,
    /// The path of its forward rule (`g_jvp`), which forward mode calls, where it has one.
    pub forward: Option<TokenStream>,
    /// Whether it is a method call: then `args[0]` is the receiver.
    pub method: bool,
    /// For each argument, whether the source passed it by reference (`&x`).
    pub by_ref: Vec<bool>,
}

/// The closure of a `mapv`.
#[derive(Clone)]
pub struct Closure {
    /// Its scalar parameter.
    pub param: VarId,
    /// The parameter's type annotation, if written.
    pub param_ty: Option<syn::Type>,
    /// Its body.
    pub body: Block,
    /// Its result.
    pub ret: Operand,
    /// In a tangent program, the tangent of the parameter: the closure then maps an element and its
    /// tangent (`args[1]`) to the output's tangent (its result).
    pub dot_param: Option<VarId>,
}

/// The body of a fused kernel: scalar instructions over one parameter per operand.
#[derive(Clone)]
pub struct Kernel {
    /// The element of each operand, in order.
    pub params: Vec<VarId>,
    /// The chain, for one element.
    pub body: Block,
    /// Its result for one element.
    pub ret: Operand,
    /// What the kernel makes of the results: their sum or their mean.
    pub reduction: crate::prims::Reduction,
    /// For each operand, the slice it is read through, where the chain read `x.slice(info)`: the
    /// operand is then `x`, and the kernel reads the slice in place.
    pub views: Vec<Option<View>>,
}

/// A slice absorbed into a kernel operand: `x.slice(info)`.
#[derive(Clone)]
pub struct View {
    /// The slice's argument (`s![1..]`).
    pub info: TokenStream,
    /// Where the user wrote the slice (its bounds are checked there).
    pub span: Span,
}

/// `dst = op(args.., extras..)`.
#[derive(Clone)]
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
#[derive(Clone)]
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
    /// `let mut storage = value;`: the mutable storage of a loop's carried value or of an array written
    /// element by element.
    Init {
        /// The storage variable.
        storage: VarId,
        /// Its first value.
        value: Operand,
    },
    /// At the end of a loop body: `storage = value` (the carried value for the next iteration).
    WriteBack {
        /// The loop's storage.
        storage: VarId,
        /// The body's last version of the value.
        value: Operand,
    },
    /// `storage[index] = value` (or `+=`, `-=`), in place.
    SetElem {
        /// The array written.
        storage: VarId,
        /// Which write.
        kind: ElemWrite,
        /// The index, a constant expression.
        index: TokenStream,
        /// The value written.
        value: Operand,
        /// Where the write is in the source.
        span: Span,
    },
    /// `if flag { then } else { otherwise }`, with the values that both arms define.
    If(Box<If>),
    /// A loop.
    Loop(Box<Loop>),
}

/// The kind of an element write.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum ElemWrite {
    /// `y[i] = e`.
    Set,
    /// `y[i] += e`.
    Add,
    /// `y[i] -= e`.
    Sub,
    /// `y.path += e` (`y += e` with an empty path), with the field path in the index's place: a struct's
    /// adjoint accumulated in place (adjoint programs written as IR only; a primal never writes a field).
    AddField,
    /// `y[i] = copy of e` into a tape of values of any type (`tape_save`, adjoint programs written as IR
    /// only: an array a loop carries, saved per iteration).
    Save,
}

/// A branch. The condition is evaluated once into the constant `flag`, which the reverse sweep reads.
#[derive(Clone)]
pub struct If {
    /// The name of the condition's value.
    pub flag: Ident,
    /// The arm taken when `flag` is true.
    pub then_: Block,
    /// The other arm (possibly empty).
    pub else_: Block,
    /// Variables defined by the branch: the value each arm gives them.
    pub joins: Vec<Join>,
    /// Constants an arm changes (counters, `break` flags), each with the name of its value before the
    /// branch: the reverse sweep restores them before it recomputes an arm.
    pub restore: Vec<(Ident, Ident)>,
}

/// A value that a branch defines: `var` is `then_value` or `else_value`.
#[derive(Clone)]
pub struct Join {
    /// The variable after the branch.
    pub var: VarId,
    /// Its value at the end of the `then` arm.
    pub then_value: Operand,
    /// Its value at the end of the `else` arm.
    pub else_value: Operand,
    /// In a tangent program, the variable this is the tangent of: an arm whose value is a constant
    /// gives the zero of its tangent (computed after that variable is assigned, so its type is known).
    pub zero_of: Option<VarId>,
}

/// How a loop iterates.
#[derive(Clone)]
pub enum LoopKind {
    /// `for index in iter` over constants (a range, a reversed or stepped range): the reverse sweep
    /// replays `iter` backwards.
    Range {
        /// The loop variable (a constant).
        index: Ident,
        /// The iterator expression.
        iter: TokenStream,
    },
    /// `while cond`.
    While {
        /// The condition.
        cond: TokenStream,
    },
    /// `loop`.
    Infinite,
}

/// A value carried from one iteration to the next.
#[derive(Clone)]
pub struct Carry {
    /// The storage that holds it between iterations (defined by an `Init` before the loop).
    pub storage: VarId,
    /// The value it starts from (the `Init`'s).
    pub init: Operand,
    /// Whether the body reads it other than by accumulating into it (`s += e`): then each iteration's
    /// starting value is saved for the reverse sweep.
    pub saved: bool,
}

/// A loop: each iteration runs `body`, which starts by copying each carried value out of its storage and
/// ends by writing it back.
#[derive(Clone)]
pub struct Loop {
    /// How it iterates.
    pub kind: LoopKind,
    /// The body.
    pub body: Block,
    /// The values carried across iterations.
    pub carried: Vec<Carry>,
    /// Constants that the body changes (integer counters): saved per iteration.
    pub carried_consts: Vec<Ident>,
    /// Arrays of the enclosing code that the body writes element by element.
    pub writes: Vec<VarId>,
    /// The flag a `break` sets, if the body breaks.
    pub brk: Option<Ident>,
    /// A unique number, for the names of the loop's stacks.
    pub id: usize,
}

/// A sequence of statements.
#[derive(Clone, Default)]
pub struct Block {
    /// A number unique in the function (variables record the block that defines them).
    pub id: usize,
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
    pub aux: Option<Aux>,
    /// Constant locals bound to a scalar literal (`let mut s = 0.0;`), by emitted name.
    pub scalar_consts: std::collections::HashSet<String>,
    /// Arrays that a loop both writes and reads: their writes are logged, so that the reverse sweep can
    /// undo them and recomputed reads see the values of their iteration.
    pub logged: Vec<VarId>,
}

impl Function {
    /// The function with `vars` and `body` in place of its own (its result, auxiliary result and
    /// constants kept): what a transform that rewrites the body returns.
    pub fn with_body(&self, vars: Vec<Var>, body: Block) -> Function {
        Function {
            vars,
            body,
            ret: self.ret.clone(),
            aux: self.aux.clone(),
            scalar_consts: self.scalar_consts.clone(),
            logged: self.logged.clone(),
        }
    }
}

/// The auxiliary result of a `has_aux` function: a value, or a tuple of them.
#[derive(Clone)]
pub enum Aux {
    /// One value.
    Value(Operand),
    /// `(a, b, ..)`.
    Tuple(Vec<Aux>),
}

impl Aux {
    /// The variables it reads.
    pub fn vars(&self) -> Vec<VarId> {
        match self {
            Aux::Value(o) => o.var().into_iter().collect(),
            Aux::Tuple(parts) => parts.iter().flat_map(Aux::vars).collect(),
        }
    }
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
