//! The adjoint program: what a reverse sweep does, as data the reverse transform builds and codegen prints.
//!
//! Every decision of the reverse sweep is made by the transform and recorded here: which adjoints start
//! as zeros, which are created by their first contribution (moved in) and which are added into, which
//! seed is copied and which moved, which writes are undone, what a branch or a loop recomputes (and with
//! which writes left out), and what each independent's gradient is. Codegen only spells it out.
//!
//! Adjoints are named by the primal variable they belong to (`x` has `x_bar`); primal values are read as
//! [`Operand`]s of the primal IR; recomputation refers to primal blocks.

use super::{Block, ElemWrite, Function, Instr, Loop, Operand, VarId};
use proc_macro2::{Ident, Span, TokenStream};
use std::collections::HashSet;
use std::fmt::Write;

/// How a contribution reaches its adjoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum How {
    /// The first contribution creates the adjoint (`let [mut] x_bar = value;`): `mutable` when more
    /// contributions follow.
    Create {
        /// Whether later contributions add into it.
        mutable: bool,
    },
    /// Added into an existing adjoint, in place.
    Add,
}

/// Options for running a primal block again inside the reverse sweep.
#[derive(Clone, Default)]
pub struct Rerun {
    /// Storage not to write back (the loop being reversed: its storage is restored from its stack).
    pub skip_writeback: HashSet<VarId>,
    /// Arrays not to write into (the forward sweep wrote them already).
    pub skip_elem: HashSet<VarId>,
}

/// A value the reverse sweep computes.
pub enum AExpr<'f> {
    /// The output's seed: `1` of the output type (`f_grad`), or a named value (a pullback's argument).
    Seed(Seed),
    /// `x_bar`, moved.
    Adjoint(VarId),
    /// `x_bar` moved out, leaving a zero in its place.
    Take(VarId),
    /// A copy of `x_bar` (it is read again later).
    Dup(VarId),
    /// `&x_bar`, for a rule that only reads its seed (`dot`'s): no copy where it is read again later.
    Borrow(VarId),
    /// A value already bound to a name (one of a pullback's tangents).
    Named(Ident),
    /// The reverse rule of a primitive for operand `k`.
    Rule {
        /// The primal instruction.
        instr: &'f Instr,
        /// Which operand.
        k: usize,
        /// The output's adjoint.
        seed: Box<AExpr<'f>>,
    },
    /// The reverse rule of `concatenate!`/`stack!` for part `k`.
    JoinRule {
        /// The primal instruction.
        instr: &'f Instr,
        /// Which part.
        k: usize,
        /// The output's adjoint.
        seed: Box<AExpr<'f>>,
    },
    /// The reverse rule of a `mapv`: the closure's own adjoint program, run per element.
    Mapv {
        /// The primal instruction.
        instr: &'f Instr,
        /// The output's adjoint.
        seed: Box<AExpr<'f>>,
        /// The name of the closure's output adjoint (the closure's second parameter).
        g: Ident,
        /// The closure's sweeps (its parameter is its first independent).
        closure: Box<Program<'f>>,
    },
    /// The reverse rule of an element write: the written element's adjoint, zeroed (`Set`) or read.
    SetElem {
        /// The array written.
        storage: VarId,
        /// Which write.
        kind: ElemWrite,
        /// The index.
        index: &'f TokenStream,
        /// Where the write is.
        span: Span,
    },
}

/// Where a sweep's seed comes from.
#[derive(Clone)]
pub enum Seed {
    /// `1` of this scalar type (`f_grad`).
    One(TokenStream),
    /// A variable already in scope (the pullback's argument, a closure's gradient).
    Named(Ident),
}

/// A call's pullback in the reverse sweep.
pub enum Pullback {
    /// Kept from the forward sweep.
    Kept,
    /// Obtained by calling `g_vjp` again (the values are owned by a pullback closure).
    Fresh,
}

/// A statement of the adjoint program.
pub enum AStmt<'f> {
    /// `let mut x_bar = zero_tangent(&x);`.
    Zero(VarId),
    /// One contribution to `target`'s adjoint.
    Contribute {
        /// Whose adjoint.
        target: VarId,
        /// The contribution.
        value: AExpr<'f>,
        /// Created or added.
        how: How,
        /// Where the primal construct is (the contribution is reported there).
        span: Span,
    },
    /// `x_bar = value`: assigned anew (the body's copy of a carried value gives the storage's
    /// adjoint for the iteration before).
    Assign {
        /// Whose adjoint.
        target: VarId,
        /// The value.
        value: AExpr<'f>,
    },
    /// The adjoint of storage overwritten without a derivative is zeroed.
    Kill(VarId),
    /// A rule evaluated for its effect only (an element write's adjoint zeroed).
    Discard(AExpr<'f>),
    /// A field read's gradient added into the field of the struct's gradient.
    FieldAcc {
        /// The field read.
        instr: &'f Instr,
        /// The struct.
        target: VarId,
        /// The output's adjoint.
        seed: AExpr<'f>,
    },
    /// An element read's gradient added into the container's gradient in place.
    ElemAcc {
        /// The element read.
        instr: &'f Instr,
        /// The container.
        target: VarId,
        /// The output's adjoint.
        seed: AExpr<'f>,
    },
    /// A call's pullback applied to its output's adjoint, one tangent per argument.
    Pullback {
        /// The call.
        instr: &'f Instr,
        /// Where the pullback comes from.
        source: Pullback,
        /// The names bound to the argument tangents.
        tangents: Vec<Ident>,
    },
    /// A fused kernel's reverse: its body's adjoint program run for every element, giving one
    /// gradient per operand that needs one.
    Kernel {
        /// The kernel.
        instr: &'f Instr,
        /// The output's adjoint (a scalar: the kernel ends in a sum).
        seed: AExpr<'f>,
        /// The name of the seed inside the per-element closure.
        g: Ident,
        /// The body's adjoint program (the active operands' elements are its independents).
        closure: Box<Program<'f>>,
        /// Which operands need a gradient.
        active: Vec<bool>,
        /// The names bound to the active operands' gradients, in order.
        tangents: Vec<Ident>,
    },
    /// A logged element write undone.
    Undo {
        /// The array.
        storage: VarId,
        /// Where the write is.
        span: Span,
    },
    /// Logged writes of the arrays of `marks` undone back to the marks of region `key`.
    UndoTo {
        /// The arrays.
        arrays: Vec<VarId>,
        /// The region the marks were taken before.
        key: String,
    },
    /// Constants an arm changed, restored to their values before the branch.
    Restore(Vec<(Ident, Ident)>),
    /// A primal block run again (a branch's arm, a loop's body).
    Recompute {
        /// The block.
        block: &'f Block,
        /// What it leaves out.
        rerun: Rerun,
    },
    /// A loop nested in a region run forward once more from its start, saving its iterations.
    Replay {
        /// The loop.
        lp: &'f Loop,
        /// What its body leaves out.
        rerun: Rerun,
    },
    /// A branch on its saved flag.
    If {
        /// The flag.
        flag: &'f Ident,
        /// The reverse of the `then` arm.
        then_: Vec<AStmt<'f>>,
        /// The reverse of the `else` arm.
        else_: Vec<AStmt<'f>>,
    },
    /// A loop reversed: each iteration's checkpoint popped, then `body`.
    Loop {
        /// The loop.
        lp: &'f Loop,
        /// Per iteration, after the checkpoint is restored.
        body: Vec<AStmt<'f>>,
    },
}

/// An independent's gradient.
pub enum Gradient {
    /// Its adjoint.
    Adjoint(VarId),
    /// A zero of its tangent type: nothing reaches it.
    Zero(VarId),
}

/// The adjoint program of one sweep.
pub struct Program<'f> {
    /// The activity it was built from.
    pub activity: crate::analysis::activity::Activity,
    /// The adjoints that start as zeros (the forward sweep declares their variables).
    pub zeroed: HashSet<VarId>,
    /// The reverse statements.
    pub body: Vec<AStmt<'f>>,
    /// Each independent's gradient, in order.
    pub gradients: Vec<Gradient>,
}

/// The program as text, one statement a line: for golden files, `AUTODIFF_DUMP` and tests.
pub fn print(f: &Function, p: &Program) -> String {
    let mut out = String::new();
    stmts(f, &p.body, 1, &mut out);
    let grads: Vec<String> = p
        .gradients
        .iter()
        .map(|g| match g {
            Gradient::Adjoint(v) => bar(f, *v),
            Gradient::Zero(v) => format!("zero_like({})", name(f, *v)),
        })
        .collect();
    let _ = writeln!(out, "  gradients ({})", grads.join(", "));
    out
}

fn name(f: &Function, v: VarId) -> String {
    f.vars[v.0].name.to_string()
}

fn bar(f: &Function, v: VarId) -> String {
    format!("{}_bar", name(f, v))
}

fn operand(f: &Function, o: &Operand) -> String {
    match o {
        Operand::Var(v) => name(f, *v),
        Operand::Const(tokens) => format!("const({tokens})"),
    }
}

fn sorted(f: &Function, set: &HashSet<VarId>) -> String {
    let mut names: Vec<String> = set.iter().map(|v| name(f, *v)).collect();
    names.sort();
    names.join(", ")
}

fn rerun_text(f: &Function, r: &Rerun) -> String {
    let mut parts = Vec::new();
    if !r.skip_writeback.is_empty() {
        parts.push(format!("no write-back of {}", sorted(f, &r.skip_writeback)));
    }
    if !r.skip_elem.is_empty() {
        parts.push(format!("no writes into {}", sorted(f, &r.skip_elem)));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!(" ({})", parts.join("; "))
    }
}

/// An expression as text.
pub fn expr(f: &Function, e: &AExpr) -> String {
    match e {
        AExpr::Seed(Seed::One(ty)) => format!("one::<{ty}>()"),
        AExpr::Seed(Seed::Named(n)) | AExpr::Named(n) => n.to_string(),
        AExpr::Adjoint(v) => bar(f, *v),
        AExpr::Take(v) => format!("take({})", bar(f, *v)),
        AExpr::Dup(v) => format!("dup({})", bar(f, *v)),
        AExpr::Borrow(v) => format!("&{}", bar(f, *v)),
        AExpr::Rule { instr, k, seed } => {
            let args: Vec<String> = instr.args.iter().map(|a| operand(f, a)).collect();
            let op = match &instr.op {
                super::Op::Prim(p) if p.arity == 1 => format!("{}_vjp", p.name),
                super::Op::Prim(p) => format!("{}_vjp{k}", p.name),
                _ => format!("vjp{k}"),
            };
            format!("{op}({}; {})", args.join(", "), expr(f, seed))
        }
        AExpr::JoinRule { instr, k, seed } => {
            let args: Vec<String> = instr.args.iter().map(|a| operand(f, a)).collect();
            format!("join_vjp{k}({}; {})", args.join(", "), expr(f, seed))
        }
        AExpr::Mapv {
            instr,
            seed,
            g,
            closure,
        } => {
            let mut body = String::new();
            stmts(f, &closure.body, 3, &mut body);
            format!(
                "mapv_vjp({}; {}) per element with {g}:\n{body}    ",
                operand(f, &instr.args[0]),
                expr(f, seed)
            )
        }
        AExpr::SetElem {
            storage,
            kind,
            index,
            ..
        } => {
            let rule = match kind {
                ElemWrite::Set => "set_vjp",
                ElemWrite::Add => "add_at_vjp",
                ElemWrite::Sub => "sub_at_vjp",
                ElemWrite::AddField => return format!("{}.{index}", bar(f, *storage)),
                ElemWrite::Save => "load",
            };
            format!("{rule}({}[{index}])", bar(f, *storage))
        }
    }
}

/// The statements `body`, indented by `depth` steps.
pub fn stmts(f: &Function, body: &[AStmt], depth: usize, out: &mut String) {
    let pad = "  ".repeat(depth);
    for s in body {
        match s {
            AStmt::Zero(v) => {
                let _ = writeln!(out, "{pad}{} = zero", bar(f, *v));
            }
            AStmt::Contribute {
                target, value, how, ..
            } => {
                let op = match how {
                    How::Create { mutable: true } => "= (mut)",
                    How::Create { mutable: false } => "=",
                    How::Add => "+=",
                };
                let _ = writeln!(out, "{pad}{} {op} {}", bar(f, *target), expr(f, value));
            }
            AStmt::Assign { target, value } => {
                let _ = writeln!(out, "{pad}{} := {}", bar(f, *target), expr(f, value));
            }
            AStmt::Kill(v) => {
                let _ = writeln!(out, "{pad}{} = zero (overwritten)", bar(f, *v));
            }
            AStmt::Discard(e) => {
                let _ = writeln!(out, "{pad}_ = {}", expr(f, e));
            }
            AStmt::FieldAcc {
                instr,
                target,
                seed,
            } => {
                let path = &instr.extras[0];
                let _ = writeln!(out, "{pad}{}.{path} += {}", bar(f, *target), expr(f, seed));
            }
            AStmt::ElemAcc {
                instr,
                target,
                seed,
            } => {
                let index = &instr.extras[0];
                let _ = writeln!(
                    out,
                    "{pad}{}[{index}] += {}",
                    bar(f, *target),
                    expr(f, seed)
                );
            }
            AStmt::Pullback {
                instr,
                source,
                tangents,
            } => {
                let source = match source {
                    Pullback::Kept => "kept pullback",
                    Pullback::Fresh => "fresh pullback",
                };
                let names: Vec<String> = tangents.iter().map(|t| t.to_string()).collect();
                let _ = writeln!(
                    out,
                    "{pad}({}) = {source} of {}({})",
                    names.join(", "),
                    name(f, instr.dst),
                    bar(f, instr.dst)
                );
            }
            AStmt::Kernel {
                instr,
                seed,
                g,
                closure,
                tangents,
                ..
            } => {
                let names: Vec<String> = tangents.iter().map(|t| t.to_string()).collect();
                let args: Vec<String> = instr.args.iter().map(|a| operand(f, a)).collect();
                let _ = writeln!(
                    out,
                    "{pad}({}) = fused_vjp({}; {}) per element with {g}:",
                    names.join(", "),
                    args.join(", "),
                    expr(f, seed)
                );
                stmts(f, &closure.body, depth + 1, out);
            }
            AStmt::Undo { storage, .. } => {
                let _ = writeln!(out, "{pad}undo last write of {}", name(f, *storage));
            }
            AStmt::UndoTo { arrays, key } => {
                let names: Vec<String> = arrays.iter().map(|v| name(f, *v)).collect();
                let _ = writeln!(out, "{pad}undo writes of {} since {key}", names.join(", "));
            }
            AStmt::Restore(pairs) => {
                for (c, saved) in pairs {
                    let _ = writeln!(out, "{pad}{c} = {saved}");
                }
            }
            AStmt::Recompute { block, rerun } => {
                let _ = writeln!(
                    out,
                    "{pad}recompute block {}{}",
                    block.id,
                    rerun_text(f, rerun)
                );
            }
            AStmt::Replay { lp, rerun } => {
                let _ = writeln!(
                    out,
                    "{pad}replay loop {} saving iterations{}",
                    lp.id,
                    rerun_text(f, rerun)
                );
            }
            AStmt::If { flag, then_, else_ } => {
                let _ = writeln!(out, "{pad}if {flag} {{");
                stmts(f, then_, depth + 1, out);
                let _ = writeln!(out, "{pad}}} else {{");
                stmts(f, else_, depth + 1, out);
                let _ = writeln!(out, "{pad}}}");
            }
            AStmt::Loop { lp, body } => {
                let _ = writeln!(out, "{pad}loop {} reversed, per iteration popped {{", lp.id);
                stmts(f, body, depth + 1, out);
                let _ = writeln!(out, "{pad}}}");
            }
        }
    }
}
