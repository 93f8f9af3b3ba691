//! A straight-line adjoint program written out as primal IR, so that IR transforms apply to it: the JVP
//! transform over it is forward over reverse (a Hessian-vector product).
//!
//! Each contribution makes a new version of its adjoint (SSA): a rule application is an [`Op::Vjp`]
//! instruction, an accumulation an `add`. Programs with regions, element reads, calls or closures are
//! not straight-line and give `None`.

use crate::ir::adjoint::{AExpr, AStmt, Gradient, How, Program, Seed};
use crate::ir::{Block, Function, Instr, Op, Operand, Stmt, Var, VarId, VarKind};
use crate::naming::Namer;
use crate::prims;
use proc_macro2::{Span, TokenStream};
use quote::quote;
use std::collections::HashMap;

/// A linearized adjoint program.
pub struct Linear {
    /// The primal statements followed by the adjoint ones; its result is the first gradient.
    pub function: Function,
    /// The variable holding each independent's gradient, in order.
    pub gradients: Vec<VarId>,
}

struct Writer<'a> {
    vars: Vec<Var>,
    stmts: Vec<Stmt>,
    /// The current version of each primal variable's adjoint.
    current: HashMap<VarId, VarId>,
    namer: &'a mut Namer,
}

impl Writer<'_> {
    fn push(&mut self, base: &str, op: Op, args: Vec<Operand>, extras: Vec<TokenStream>) -> VarId {
        let name = self.namer.fresh(base, Span::call_site());
        self.vars.push(Var {
            name,
            kind: VarKind::Temp,
            block: 0,
        });
        let dst = VarId(self.vars.len() - 1);
        self.stmts.push(Stmt::Instr(Instr {
            dst,
            op,
            args,
            extras,
            ascription: None,
            span: Span::call_site(),
        }));
        dst
    }

    fn bar(&self, v: VarId) -> String {
        format!("{}_bar", self.vars[v.0].name)
    }

    /// The value of `e`; a rule's result is named `base`.
    fn expr(&mut self, e: &AExpr, base: &str) -> Option<Operand> {
        Some(match e {
            AExpr::Seed(Seed::One(ty)) => {
                Operand::Const(quote!(::autodiff::__private::one::<#ty>()))
            }
            AExpr::Seed(Seed::Named(n)) => Operand::Const(quote!(#n)),
            AExpr::Adjoint(v) | AExpr::Dup(v) | AExpr::Borrow(v) => {
                Operand::Var(*self.current.get(v)?)
            }
            AExpr::Rule { instr, k, seed } => {
                let Op::Prim(p) = &instr.op else { return None };
                let seed = self.expr(seed, &format!("{base}_seed"))?;
                let mut args = instr.args.clone();
                if p.reads_output {
                    args.push(Operand::Var(instr.dst));
                }
                args.push(seed);
                let op = Op::Vjp { prim: p, k: *k };
                Operand::Var(self.push(base, op, args, instr.extras.clone()))
            }
            _ => return None,
        })
    }
}

/// The adjoint program `p` of the straight-line `block` of `f`, as IR.
pub fn linearize(f: &Function, block: &Block, p: &Program, namer: &mut Namer) -> Option<Linear> {
    if !block
        .stmts
        .iter()
        .all(|s| matches!(s, Stmt::Instr(_) | Stmt::Verbatim { .. }))
    {
        return None;
    }
    let mut w = Writer {
        vars: f.vars.clone(),
        stmts: block.stmts.clone(),
        current: HashMap::new(),
        namer,
    };
    for s in &p.body {
        match s {
            AStmt::Zero(v) => {
                let base = w.bar(*v);
                let zero = w.push(
                    &base,
                    Op::Prim(prims::zero()),
                    vec![Operand::Var(*v)],
                    vec![],
                );
                w.current.insert(*v, zero);
            }
            AStmt::Contribute {
                target, value, how, ..
            } => {
                let base = w.bar(*target);
                let value = w.expr(value, &base)?;
                let value = match value {
                    Operand::Var(v) => v,
                    constant => w.push(&base, Op::Prim(prims::copy()), vec![constant], vec![]),
                };
                let version = match (how, w.current.get(target)) {
                    (How::Add, Some(&old)) => {
                        let add = prims::binary_operator(&syn::parse_quote!(+))
                            .expect("`+` is a primitive");
                        w.push(
                            &base,
                            Op::Prim(add),
                            vec![Operand::Var(old), Operand::Var(value)],
                            vec![],
                        )
                    }
                    _ => value,
                };
                w.current.insert(*target, version);
            }
            _ => return None,
        }
    }
    let mut gradients = Vec::new();
    for g in &p.gradients {
        gradients.push(match g {
            Gradient::Adjoint(v) => *w.current.get(v)?,
            Gradient::Zero(v) => {
                let base = w.bar(*v);
                w.push(
                    &base,
                    Op::Prim(prims::zero()),
                    vec![Operand::Var(*v)],
                    vec![],
                )
            }
        });
    }
    let ret = Operand::Var(*gradients.first()?);
    Some(Linear {
        function: Function {
            vars: w.vars,
            body: Block {
                id: block.id,
                stmts: w.stmts,
            },
            ret,
            aux: None,
            scalar_consts: f.scalar_consts.clone(),
            logged: f.logged.clone(),
        },
        gradients,
    })
}
