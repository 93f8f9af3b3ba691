//! Which values are certainly scalars, read from syntax alone: scalar parameters (`f32`/`f64`), element
//! reads, scalar literals and casts, and what scalar primitives compute from them. Forward mode is used
//! only where every active value is one.

use crate::activity::Activity;
use crate::ir::{Block, Function, Op, Operand, Stmt, VarId, VarKind};
use crate::prims::{Access, Family};
use std::collections::HashSet;

/// Whether a constant operand is certainly a scalar: a literal, a cast to a float, a negation or
/// parenthesis of one, or a constant local that was bound to one.
pub fn scalar_const(tokens: &proc_macro2::TokenStream, f: &Function) -> bool {
    fn expr(e: &syn::Expr, f: &Function) -> bool {
        match e {
            syn::Expr::Lit(l) => matches!(l.lit, syn::Lit::Float(_) | syn::Lit::Int(_)),
            syn::Expr::Paren(p) => expr(&p.expr, f),
            syn::Expr::Group(g) => expr(&g.expr, f),
            syn::Expr::Unary(u) => matches!(u.op, syn::UnOp::Neg(_)) && expr(&u.expr, f),
            syn::Expr::Cast(c) => {
                matches!(&*c.ty, syn::Type::Path(p) if p.path.is_ident("f64") || p.path.is_ident("f32"))
            }
            syn::Expr::Path(p) => p
                .path
                .get_ident()
                .is_some_and(|i| f.scalar_consts.contains(&i.to_string())),
            syn::Expr::Binary(b) => {
                matches!(
                    b.op,
                    syn::BinOp::Add(_)
                        | syn::BinOp::Sub(_)
                        | syn::BinOp::Mul(_)
                        | syn::BinOp::Div(_)
                ) && expr(&b.left, f)
                    && expr(&b.right, f)
            }
            _ => false,
        }
    }
    syn::parse2::<syn::Expr>(tokens.clone()).is_ok_and(|e| expr(&e, f))
}

fn operand_scalar(o: &Operand, f: &Function, scalar: &HashSet<VarId>) -> bool {
    match o {
        Operand::Var(v) => scalar.contains(v),
        Operand::Const(tokens) => scalar_const(tokens, f),
    }
}

/// Marks the scalars of `block` (storage optimistically, then refuted); returns whether anything changed.
fn pass(
    block: &Block,
    f: &Function,
    scalar: &mut HashSet<VarId>,
    storage_ok: &mut HashSet<VarId>,
) -> bool {
    let mut changed = false;
    for stmt in &block.stmts {
        match stmt {
            Stmt::Instr(i) => {
                let is_scalar = match &i.op {
                    Op::Prim(p) => {
                        matches!(p.family, Family::Access(Access::Index | Access::Element))
                            || (crate::prims::preserves_scalars(p)
                                && i.args.iter().all(|a| operand_scalar(a, f, scalar)))
                    }
                    _ => false,
                };
                if is_scalar != scalar.contains(&i.dst) {
                    changed = true;
                    if is_scalar {
                        scalar.insert(i.dst);
                    } else {
                        scalar.remove(&i.dst);
                    }
                }
            }
            Stmt::Init { storage, value } | Stmt::WriteBack { storage, value } => {
                let ok = match value {
                    Operand::Var(v) => scalar.contains(v),
                    Operand::Const(tokens) => scalar_const(tokens, f),
                };
                if !ok && storage_ok.remove(storage) {
                    scalar.remove(storage);
                    changed = true;
                }
            }
            Stmt::SetElem { storage, .. } => {
                if storage_ok.remove(storage) {
                    scalar.remove(storage);
                    changed = true;
                }
            }
            Stmt::If(i) => {
                changed |= pass(&i.then_, f, scalar, storage_ok);
                changed |= pass(&i.else_, f, scalar, storage_ok);
                for j in &i.joins {
                    let is_scalar = operand_scalar(&j.then_value, f, scalar)
                        && operand_scalar(&j.else_value, f, scalar);
                    if is_scalar != scalar.contains(&j.var) {
                        changed = true;
                        if is_scalar {
                            scalar.insert(j.var);
                        } else {
                            scalar.remove(&j.var);
                        }
                    }
                }
            }
            Stmt::Loop(l) => changed |= pass(&l.body, f, scalar, storage_ok),
            Stmt::Verbatim { .. } => {}
        }
    }
    changed
}

/// Whether every active value of `block` is certainly a scalar, and no active value comes from a call,
/// a `mapv` or an element write.
pub fn all_active_scalar(
    f: &Function,
    block: &Block,
    activity: &Activity,
    scalar_params: &[VarId],
) -> bool {
    let mut scalar: HashSet<VarId> = scalar_params.iter().copied().collect();
    let mut storage_ok: HashSet<VarId> = HashSet::new();
    for (k, v) in f.vars.iter().enumerate() {
        if v.kind == VarKind::Storage {
            scalar.insert(VarId(k));
            storage_ok.insert(VarId(k));
        }
    }
    for _ in 0..64 {
        if !pass(block, f, &mut scalar, &mut storage_ok) {
            break;
        }
    }
    (0..f.vars.len()).all(|k| !activity.is_active(VarId(k)) || scalar.contains(&VarId(k)))
}
