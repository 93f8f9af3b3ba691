//! `mapv` closures written out as array operations, for second order: a closure whose body is elementwise
//! arithmetic of its parameter, literals and scalars is the same arithmetic on the whole array
//! (`x.mapv(|v| v.sin() * v)` is `x.sin() * x`), which forward over reverse differentiates like any other
//! array code (and the printer fuses back into one pass over memory).
//!
//! A closure with anything else in its body (an element read, a call, a branch, a constant statement) is
//! left as it is. Values the closure reads from outside are scalars: the closure returns a scalar, and
//! elementwise arithmetic with an array would not.

use crate::ir::{Block, Function, Instr, Op, Operand, Stmt, VarId};
use crate::prims::{self, Family};

/// Whether closure `c` of `f` is elementwise arithmetic alone, and its result depends on its element
/// (written out, `|v| s * 2.0` would be a scalar, not an array of `x`'s shape).
fn elementwise(f: &Function, c: &crate::ir::Closure) -> bool {
    let mut of_element = std::collections::HashSet::from([c.param]);
    for s in &c.body.stmts {
        if let Stmt::Instr(i) = s {
            if i.args
                .iter()
                .any(|a| a.var().is_some_and(|v| of_element.contains(&v)))
            {
                of_element.insert(i.dst);
            }
        }
    }
    c.dot_param.is_none()
        && c.ret.var().is_some_and(|r| of_element.contains(&r))
        && c.body.stmts.iter().all(|s| match s {
        Stmt::Instr(i) => {
            matches!(&i.op, Op::Prim(p) if matches!(p.family, Family::Unary | Family::Elementwise))
                && i.args.iter().all(|a| match a {
                    Operand::Var(_) => true,
                    Operand::Const(t) => crate::scalars::float_const(t, f),
                })
        }
        _ => false,
    })
}

/// `block` with each elementwise `y = x.mapv(closure)` replaced by the closure's instructions on `x`,
/// then `y = to_owned(result)`; the variables they define move into `block`.
fn block(f: &Function, vars: &mut [crate::ir::Var], b: &Block) -> Block {
    let mut out = Vec::new();
    for stmt in &b.stmts {
        match stmt {
            Stmt::Instr(i) => match &i.op {
                Op::Mapv(c) if elementwise(f, c) => {
                    let x = i.args[0].clone();
                    let param: VarId = c.param;
                    let substitute = |o: &Operand| match o {
                        Operand::Var(v) if *v == param => x.clone(),
                        other => other.clone(),
                    };
                    for s in &c.body.stmts {
                        let Stmt::Instr(inner) = s else {
                            unreachable!("elementwise bodies are instructions")
                        };
                        vars[inner.dst.0].block = b.id;
                        out.push(Stmt::Instr(Instr {
                            args: inner.args.iter().map(substitute).collect(),
                            ..inner.clone()
                        }));
                    }
                    out.push(Stmt::Instr(Instr {
                        dst: i.dst,
                        op: Op::Prim(prims::copy()),
                        args: vec![substitute(&c.ret)],
                        extras: Vec::new(),
                        ascription: i.ascription.clone(),
                        span: i.span,
                    }));
                }
                _ => out.push(stmt.clone()),
            },
            Stmt::If(i) => {
                let mut i = (**i).clone();
                i.then_ = block(f, vars, &i.then_);
                i.else_ = block(f, vars, &i.else_);
                out.push(Stmt::If(Box::new(i)));
            }
            Stmt::Loop(l) => {
                let mut l = (**l).clone();
                l.body = block(f, vars, &l.body);
                out.push(Stmt::Loop(Box::new(l)));
            }
            other => out.push(other.clone()),
        }
    }
    Block {
        id: b.id,
        stmts: out,
    }
}

/// `f` with its elementwise `mapv` closures written out as array operations.
pub fn inline(f: &Function) -> Function {
    let mut vars = f.vars.clone();
    let body = block(f, &mut vars, &f.body);
    f.with_body(vars, body)
}

#[cfg(test)]
mod tests {
    use super::inline;
    use crate::ir::{Op, Stmt};
    use crate::test_support::lowered;
    use proc_macro2::TokenStream;
    use quote::quote;

    fn maps(f: &crate::ir::Function) -> usize {
        let mut n = 0;
        crate::ir::visit::stmts(&f.body, crate::ir::visit::Depth::Regions, &mut |s| {
            n += usize::from(matches!(s, Stmt::Instr(i) if matches!(i.op, Op::Mapv(_))));
        });
        n
    }

    #[test]
    fn elementwise_closures_become_array_operations_and_others_stay() {
        let f = lowered(
            TokenStream::new(),
            quote!(
                fn f(x: &Array1<f64>, s: f64) -> f64 {
                    let a = x.mapv(|v| (v * s).sin() + v.powi(2) * 0.5);
                    let b = x.mapv(|v| if v > 0.0 { v } else { 0.0 });
                    let c = x.mapv(|v| s * 2.0);
                    (a + b + c).sum()
                }
            ),
        );
        assert_eq!(maps(&f), 3);
        let g = inline(&f);
        // The branch stays a closure, and so does the closure whose result is not of its element (it
        // would be a scalar written out); the arithmetic is written out.
        assert_eq!(maps(&g), 2);
        let names: Vec<String> = {
            let mut out = Vec::new();
            crate::ir::visit::stmts(&g.body, crate::ir::visit::Depth::Regions, &mut |s| {
                if let Stmt::Instr(i) = s {
                    if let Op::Prim(p) = &i.op {
                        out.push(p.name.to_string());
                    }
                }
            });
            out
        };
        for want in ["mul", "sin", "powi", "add", "to_owned"] {
            assert!(names.iter().any(|n| n == want), "{want} in {names:?}");
        }
    }
}
