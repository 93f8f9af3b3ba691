//! Lowering of element access: reads `x[i]`, writes `y[i] = e` (and `+=`, `-=`, `*=`, `/=`) into local
//! arrays, which become storage.

use super::{strip_parens, Binding, Lowered, Lowerer};
use crate::ir::{ElemWrite, Operand, Stmt, VarId, VarKind};
use crate::prims;
use proc_macro2::Ident;
use quote::ToTokens;
use syn::Expr;

impl Lowerer<'_> {
    /// `x[i]`: a read of one element (the index is a constant).
    pub(super) fn lower_index(&mut self, i: &syn::ExprIndex, whole: &Expr) -> Lowered<Operand> {
        let base = match strip_parens(&i.expr) {
            Expr::Path(p) if p.path.get_ident().is_some() => {
                let ident = p.path.get_ident().expect("checked");
                match self.lookup(&ident.to_string()).cloned() {
                    Some(Binding::Var(v)) => {
                        self.note_read(&ident.to_string());
                        Operand::Var(v)
                    }
                    Some(Binding::Poisoned(reported)) => return Err(reported),
                    _ => return Ok(self.constant(whole)),
                }
            }
            other => self.lower_expr(other)?,
        };
        if matches!(base, Operand::Const(_)) {
            return Ok(self.constant(whole));
        }
        let (index, reads) = self.rewrite_tokens(strip_parens(&i.index).to_token_stream());
        // Names in a constant argument are read for their shapes (`x.len()`): keep them computed.
        self.const_reads.extend(reads);
        let index = self.freeze(index);
        // An element at the position of a desugared iterator loop: in iteration order, as
        // `x.iter()` gives it (the same element for a vector, any element of an array of more dimensions).
        let position = crate::naming::any_ident(index.clone(), &mut |i| {
            i.to_string().starts_with(crate::desugar::ITERATOR_POSITION)
        });
        if position {
            return Ok(self.push(
                prims::element(),
                vec![base],
                vec![index],
                super::first_span(whole),
            ));
        }
        Ok(self.push(
            prims::index(),
            vec![base],
            vec![index],
            super::first_span(whole),
        ))
    }

    /// The storage of a local array that is written element by element, made on its first write.
    pub(super) fn ensure_storage(&mut self, ident: &Ident) -> Lowered<VarId> {
        match self.lookup(&ident.to_string()).cloned() {
            Some(Binding::Var(v)) => match self.vars[v.0].kind {
                VarKind::Storage => Ok(v),
                VarKind::Param(_) | VarKind::ClosureParam
                    if !self.mut_aliases.contains(&ident.to_string()) =>
                {
                    Err(self.errors.at(ident, format!("`{ident}` is a parameter: a #[differentiable] function does not write into its inputs. Copy it first: `let mut {ident} = {ident}.to_owned();`")))
                }
                _ => {
                    let storage = self.new_var(&ident.to_string(), VarKind::Storage, ident.span());
                    self.block.stmts.push(Stmt::Init {
                        storage,
                        value: Operand::Var(v),
                    });
                    self.rebind(&ident.to_string(), Binding::Var(storage));
                    Ok(storage)
                }
            },
            Some(Binding::Const(name)) => {
                // The constant's own `let mut` is the storage: it becomes a variable in place (and is
                // no longer a counter to save).
                self.mutable_consts.remove(&name.to_string());
                let block = self
                    .const_blocks
                    .get(&name.to_string())
                    .copied()
                    .unwrap_or(0);
                self.vars.push(crate::ir::Var {
                    name,
                    kind: VarKind::Storage,
                    block,
                });
                let storage = VarId(self.vars.len() - 1);
                self.rebind(&ident.to_string(), Binding::Var(storage));
                Ok(storage)
            }
            Some(Binding::Poisoned(reported)) => Err(reported),
            None => Err(self.errors.at(
                ident,
                format!("`{ident}` is not a local variable of this function"),
            )),
        }
    }

    /// `y[i] = e`, `y[i] += e`, `y[i] -= e` into a local array.
    pub(super) fn lower_element_write(
        &mut self,
        left: &Expr,
        op: Option<&syn::BinOp>,
        right: &Expr,
    ) {
        let Expr::Index(target) = strip_parens(left) else {
            return;
        };
        let Expr::Path(p) = strip_parens(&target.expr) else {
            self.errors.at(
                &target.expr,
                "element writes go into a local array named by a variable (`y[i] = ..`)",
            );
            return;
        };
        let Some(ident) = p.path.get_ident().cloned() else {
            self.errors.at(
                p,
                "element writes go into a local array named by a variable",
            );
            return;
        };
        if let Some(Binding::Var(v)) = self.lookup(&ident.to_string()) {
            if matches!(
                self.vars[v.0].kind,
                VarKind::Param(_) | VarKind::ClosureParam
            ) && !self.mut_aliases.contains(&ident.to_string())
            {
                self.errors.at(&ident, format!("`{ident}` is a parameter: a #[differentiable] function does not write into its inputs. Copy it first: `let mut {ident} = {ident}.to_owned();`"));
                return;
            }
        }
        if let (Some(depth), Some(ctx)) = (self.scope_of(&ident.to_string()), self.loops.last()) {
            let storage_known = matches!(self.lookup(&ident.to_string()), Some(Binding::Var(v)) if ctx.writes.contains(v));
            if depth < ctx.scope_depth && !storage_known {
                self.errors.at(
                    &ident,
                    format!("`{ident}` could not be analysed as an array this loop writes"),
                );
                return;
            }
        }
        let kind = match op {
            None | Some(syn::BinOp::MulAssign(_)) | Some(syn::BinOp::DivAssign(_)) => {
                ElemWrite::Set
            }
            Some(syn::BinOp::AddAssign(_)) => ElemWrite::Add,
            Some(syn::BinOp::SubAssign(_)) => ElemWrite::Sub,
            Some(other) => {
                self.errors.at(other, "this compound assignment cannot write an element; use `=`, `+=`, `-=`, `*=` or `/=`");
                return;
            }
        };
        let value = self.lower_expr(right);
        let (index, reads) = self.rewrite_tokens(strip_parens(&target.index).to_token_stream());
        // Names in a constant argument are read for their shapes (`x.len()`): keep them computed.
        self.const_reads.extend(reads);
        let index = self.freeze(index);
        let Ok(storage) = self.ensure_storage(&ident) else {
            return;
        };
        let Ok(value) = value else { return };
        // `y[i] *= e` and `y[i] /= e` read the element: `y[i] = y[i] * e`.
        let value = match op {
            Some(syn::BinOp::MulAssign(_)) | Some(syn::BinOp::DivAssign(_)) => {
                let old = self.push(
                    prims::index(),
                    vec![Operand::Var(storage)],
                    vec![index.clone()],
                    super::first_span(left),
                );
                let prim = prims::binary_operator(op.expect("a compound operator"))
                    .expect("* and / are in the table");
                self.push(prim, vec![old, value], Vec::new(), super::first_span(left))
            }
            _ => value,
        };
        self.block.stmts.push(Stmt::SetElem {
            storage,
            kind,
            index,
            value,
            span: super::first_span(left),
        });
    }
}
