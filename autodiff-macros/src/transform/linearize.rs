//! An adjoint program written out as primal IR, so that IR transforms apply to it: the JVP transform over
//! it is forward over reverse (a Hessian-vector product).
//!
//! Each contribution makes a new version of its adjoint (SSA): a rule application is an [`Op::Vjp`]
//! instruction, an accumulation an `add`. An element read's gradient (`x_bar[i] += g`) is an element write
//! into storage that holds the container's adjoint from then on. A reversed loop is a loop over the
//! reversed range whose body recomputes the primal body and then runs its reverse; the adjoints it
//! changes of values defined outside it are carried. A reversed branch is a branch on the same flag whose
//! arms join the adjoints they change. A call's pullback applied to its seed is a call of the callee's
//! second-order rule `g_vjp_jvp` (the JVP transform calls it with the tangents), its tangents spread over
//! the arguments by their kinds. With a seed variable (`f_vjp_jvp` itself), the seed is a value with a
//! tangent of its own. A loop nested in a reversed loop runs forward whole with the body that holds it,
//! and is reversed in turn inside. A carried scalar the body reads other than by accumulating (a
//! recurrence) is saved on a tape: the forward loop writes each iteration's starting value at the loop's
//! index, the reversed loop's recomputed body reads it from there (element writes and reads, which the
//! JVP transform carries tangents through); the integer counters the body changes are saved per
//! iteration and restored at the start of each reversed one, and a `while` loop's iterations are counted
//! (a growing `Tape` of the runtime per saved value) and reversed by their number, as are those of a
//! loop that breaks (a range loop's index saved per iteration); a carried value that is not a scalar (an
//! array) goes on a tape of values instead ([`ElemWrite::Save`], [`Op::Load`]). An element write's reverse
//! reads the element of the array's adjoint (storage) and zeroes it for `=`. A field read's gradient is
//! added into the field of the struct's adjoint, held in storage (`m_bar.w += g`, an
//! [`ElemWrite::AddField`]), and so is every contribution to a value with no elementwise `+` (a struct, a
//! tuple, a `Vec`). A join's reverse rule is an [`Op::JoinVjp`]; a `mapv` closure's is the closure's own
//! adjoint program written out inside a closure ([`Writer::mapv_rule`]). Logged element writes (into an
//! array a region run again reads, written in or after it) are refused, with the reason ([`Refusal`]).

use crate::analysis::regions;
use crate::ir::adjoint::{AExpr, AStmt, Gradient, How, Program, Seed};
use crate::ir::{
    Block, Carry, ElemWrite, Function, If, Instr, Join, Loop, LoopKind, Op, Operand, Stmt, Var,
    VarId, VarKind,
};
use crate::naming::Namer;
use crate::prims::{self, Access, Family};
use proc_macro2::{Span, TokenStream};
use quote::quote;
use std::collections::{HashMap, HashSet};

/// Why a function's adjoint program has no IR form yet: where (the construct, or the function where
/// `None`), and a sentence that completes "`hessian` (f_hvp, f_hessian) ..." and says what to write instead.
#[derive(Debug)]
pub struct Refusal {
    /// The construct.
    pub span: Option<Span>,
    /// What is not differentiated to second order, and the rewrite.
    pub message: String,
}

/// Element writes whose overwritten elements a region run again reads.
const LOGGED: &str = "does not differentiate yet element writes into an array that a loop or a branch also reads when the array is written in or after it (a recurrence through elements: `c[i] = c[i - 1] * 0.5 + ..`, `zip_mut_with`, `accumulate_axis_inplace`): the gradient's gradient would have to save each overwritten element. Write it with array operations where it is elementwise (`y = &y * x` for `y.zip_mut_with(x, ..)`), or remove `hessian` and use `f_grad`";

/// A linearized adjoint program.
pub struct Linear {
    /// The primal statements followed by the adjoint ones; its result is the first gradient.
    pub function: Function,
    /// The variable holding each independent's gradient, in order.
    pub gradients: Vec<VarId>,
}

/// Where a primal variable's adjoint is, at a point of the program.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Version {
    /// A value (SSA).
    Value(VarId),
    /// Storage that element gradients are added into.
    Storage(VarId),
}

struct Writer<'a> {
    f: &'a Function,
    /// The activity of the adjoint program's primal (a call's arguments must all vary).
    activity: crate::analysis::activity::Activity,
    /// The seed's variable where it is a parameter (the second-order rule of calls).
    seed: Option<VarId>,
    /// The tangents a call's pullback gave, by the names the adjoint program gives them.
    named: HashMap<String, VarId>,
    /// The next unused block number (a reversed branch's arms are new blocks).
    next_block: usize,
    vars: Vec<Var>,
    /// Each primal variable's adjoint, where it has one.
    current: HashMap<VarId, Version>,
    /// Inside a reversed loop that saves carried values: each saved storage's tape and the index of
    /// the iteration's entry (a recomputed body reads its starting values from them).
    tapes: HashMap<VarId, (VarId, TokenStream)>,
    /// Values known to be scalars (parameters declared so, element reads): a carried value that starts
    /// from one can be saved on a tape.
    scalars: HashSet<VarId>,
    /// Values that may have no elementwise `+` ([`in_place_values`]): their adjoints add in place.
    in_place: HashSet<VarId>,
    /// Why the program has no IR form, where that is known.
    refused: Option<Refusal>,
    /// The tapes of values that are not scalars (`ValueTape`s: [`ElemWrite::Save`], [`Op::Load`]).
    value_tapes: HashSet<VarId>,
    namer: &'a mut Namer,
}

/// How a reversed loop reads what its forward run saved ([`Writer::tape`]).
struct TapePlan {
    /// Each saved carried storage's tape and the index of the iteration's entry.
    tapes: HashMap<VarId, (VarId, TokenStream)>,
    /// The reversed loop's index.
    index: proc_macro2::Ident,
    /// The range it runs over backwards.
    iter: TokenStream,
    /// Statements that restore the counters at the start of each reversed iteration.
    restore: Vec<Stmt>,
}

/// The statements being written and the block they go into.
struct Out {
    stmts: Vec<Stmt>,
    block: usize,
}

impl Out {
    fn new(block: usize) -> Out {
        Out {
            stmts: Vec::new(),
            block,
        }
    }
}

impl Writer<'_> {
    fn new_var(&mut self, base: &str, kind: VarKind, block: usize) -> VarId {
        let name = self.namer.fresh(base, Span::call_site());
        self.vars.push(Var { name, kind, block });
        VarId(self.vars.len() - 1)
    }

    fn push(
        &mut self,
        out: &mut Out,
        base: &str,
        op: Op,
        args: Vec<Operand>,
        extras: Vec<TokenStream>,
    ) -> VarId {
        let dst = self.new_var(base, VarKind::Temp, out.block);
        out.stmts.push(Stmt::Instr(Instr {
            dst,
            op,
            args,
            extras,
            ascription: None,
            span: Span::call_site(),
        }));
        dst
    }

    /// A zero of `v`'s adjoint (`zero_tangent(&v)`), named for the adjoint.
    fn zero_adjoint(&mut self, v: VarId, out: &mut Out) -> VarId {
        let base = self.bar(v);
        self.push(
            out,
            &base,
            Op::Prim(prims::zero()),
            vec![Operand::Var(v)],
            vec![],
        )
    }

    /// `v`'s adjoint is zero from here on: a zero value, or zeros written into its storage.
    fn kill(&mut self, v: VarId, out: &mut Out) {
        let zero = self.zero_adjoint(v, out);
        match self.current.get(&v).copied() {
            Some(Version::Storage(storage)) => out.stmts.push(Stmt::WriteBack {
                storage,
                value: Operand::Var(zero),
            }),
            _ => {
                self.current.insert(v, Version::Value(zero));
            }
        }
    }

    /// Gives up, saying why (the first reason stands).
    fn refuse<T>(&mut self, span: Option<Span>, message: String) -> Option<T> {
        self.refused.get_or_insert(Refusal { span, message });
        None
    }

    fn bar(&self, v: VarId) -> String {
        format!("{}_bar", self.vars[v.0].name)
    }

    /// The value of `v`'s adjoint: its version, or a snapshot of its storage.
    fn read(&mut self, v: VarId, out: &mut Out) -> Option<VarId> {
        match *self.current.get(&v)? {
            Version::Value(x) => Some(x),
            Version::Storage(s) => {
                let base = self.bar(v);
                Some(self.push(
                    out,
                    &base,
                    Op::Prim(prims::snapshot()),
                    vec![Operand::Var(s)],
                    vec![],
                ))
            }
        }
    }

    /// The value of `e`; a rule's result is named `base`.
    fn expr(&mut self, e: &AExpr, base: &str, out: &mut Out) -> Option<Operand> {
        Some(match e {
            AExpr::Seed(Seed::One(ty)) => {
                Operand::Const(quote!(::autodiff::__private::one::<#ty>()))
            }
            AExpr::Seed(Seed::Named(n)) => match self.seed {
                Some(v) if self.vars[v.0].name == *n => Operand::Var(v),
                _ => Operand::Const(quote!(#n)),
            },
            AExpr::Named(n) => Operand::Var(*self.named.get(&n.to_string())?),
            AExpr::Adjoint(v) | AExpr::Dup(v) | AExpr::Borrow(v) => {
                Operand::Var(self.read(*v, out)?)
            }
            // Moved out, leaving a zero in its place.
            AExpr::Take(v) => {
                let value = self.read(*v, out)?;
                self.kill(*v, out);
                Operand::Var(value)
            }
            AExpr::Rule { instr, k, seed } => {
                let Op::Prim(p) = &instr.op else { return None };
                let seed = self.expr(seed, &format!("{base}_seed"), out)?;
                let mut args = instr.args.clone();
                if p.reads_output {
                    args.push(Operand::Var(instr.dst));
                }
                args.push(seed);
                let op = Op::Vjp { prim: p, k: *k };
                Operand::Var(self.push(out, base, op, args, instr.extras.clone()))
            }
            // A struct literal's or a tuple's reverse for part `k`: that field of the seed; any other
            // join's, its rule (`concatenate_vjp(axis, parts, k, seed)`).
            AExpr::JoinRule { instr, k, seed } => {
                let Op::Join(kind) = &instr.op else {
                    return None;
                };
                let member = match kind {
                    crate::ir::JoinKind::Pack(crate::ir::PackForm::Struct) => {
                        instr.extras.get(1 + *k)?.clone()
                    }
                    crate::ir::JoinKind::Pack(crate::ir::PackForm::Tuple) => {
                        let index = syn::Index::from(*k);
                        quote!(#index)
                    }
                    crate::ir::JoinKind::Pack(crate::ir::PackForm::StructTangent) => return None,
                    _ => {
                        let seed = self.expr(seed, &format!("{base}_seed"), out)?;
                        let mut args = instr.args.clone();
                        args.push(seed);
                        let op = Op::JoinVjp { kind: *kind, k: *k };
                        return Some(Operand::Var(self.push(
                            out,
                            base,
                            op,
                            args,
                            instr.extras.clone(),
                        )));
                    }
                };
                let seed = match self.expr(seed, &format!("{base}_seed"), out)? {
                    Operand::Var(v) => v,
                    constant => {
                        self.push(out, base, Op::Prim(prims::copy()), vec![constant], vec![])
                    }
                };
                let field = self.push(
                    out,
                    base,
                    Op::Prim(prims::field()),
                    vec![Operand::Var(seed)],
                    vec![member],
                );
                // A field read is a reference into the seed: the part's adjoint is its own value.
                Operand::Var(self.push(
                    out,
                    base,
                    Op::Prim(prims::copy()),
                    vec![Operand::Var(field)],
                    vec![],
                ))
            }
            // An element write's reverse: the written value's adjoint is the element's, which a `Set`
            // then zeroes (the overwritten value received nothing).
            AExpr::SetElem {
                storage,
                kind,
                index,
                span,
            } => {
                let base = format!("{}_elem", self.bar(*storage));
                let adjoint = self.storage(*storage, out);
                let element = self.push(
                    out,
                    &base,
                    Op::Prim(prims::index()),
                    vec![Operand::Var(adjoint)],
                    vec![(*index).clone()],
                );
                if *kind == ElemWrite::Set {
                    let zero = self.push(
                        out,
                        &base,
                        Op::Prim(prims::zero()),
                        vec![Operand::Var(element)],
                        vec![],
                    );
                    out.stmts.push(Stmt::SetElem {
                        storage: adjoint,
                        kind: ElemWrite::Set,
                        index: (*index).clone(),
                        value: Operand::Var(zero),
                        span: *span,
                    });
                }
                let value = if *kind == ElemWrite::Sub {
                    self.push(
                        out,
                        &base,
                        Op::Prim(prims::neg()),
                        vec![Operand::Var(element)],
                        vec![],
                    )
                } else {
                    element
                };
                Operand::Var(value)
            }
            AExpr::Mapv {
                instr,
                seed,
                g,
                closure,
            } => {
                let seed = self.expr(seed, &format!("{base}_seed"), out)?;
                return self.mapv_rule(instr, seed, g, closure, base, out);
            }
        })
    }

    /// The reverse rule of `y = x.mapv(c)` applied to `seed`: `seed * x.mapv(c')`, where `c'` is the
    /// closure's derivative written as a closure: the closure's own adjoint program (`closure`, whose
    /// seed is `g`) written out as IR by this writer, with `g` one. The JVP transform differentiates
    /// that closure in turn, forward over reverse per element, which gives `c''(x) x_dot`; its branches
    /// take the arm the element takes, so an arm not taken gives nothing (not a NaN, as a `where` over
    /// both arms would). A value the closure reads from outside that varies (a scalar `s`) receives
    /// `sum(seed * x.mapv(dc/ds))` likewise, from the same program with `s`'s adjoint as the result.
    fn mapv_rule(
        &mut self,
        instr: &Instr,
        seed: Operand,
        g: &proc_macro2::Ident,
        closure: &Program,
        base: &str,
        out: &mut Out,
    ) -> Option<Operand> {
        let Op::Mapv(c) = &instr.op else {
            return None;
        };
        // The closure's adjoint program with its own activity and adjoints, its seed `g` a variable.
        self.vars.push(Var {
            name: g.clone(),
            kind: VarKind::Local,
            block: c.body.id,
        });
        let g_var = VarId(self.vars.len() - 1);
        let outer_activity = std::mem::replace(&mut self.activity, closure.activity.clone());
        let outer_current = std::mem::take(&mut self.current);
        let outer_seed = self.seed.replace(g_var);
        let mut body = Out::new(c.body.id);
        let p = &self.vars[c.param.0].name;
        body.stmts.push(Stmt::Instr(Instr {
            dst: g_var,
            op: Op::Prim(prims::copy()),
            args: vec![Operand::Const(
                quote!(::autodiff::__private::unit_like(&#p)),
            )],
            extras: Vec::new(),
            ascription: None,
            span: instr.span,
        }));
        body.stmts.extend(c.body.stmts.iter().cloned());
        let written = self.stmts(&closure.body, &mut body).map(|()| {
            // Each independent's adjoint at the end of the closure (the element's first): a value, or
            // storage (an element of a captured array read in the closure), which is not taken yet.
            closure
                .gradients
                .iter()
                .map(|gr| match gr {
                    Gradient::Adjoint(v) => match self.current.get(v) {
                        Some(Version::Value(a)) => Ok(Some((*v, *a))),
                        Some(Version::Storage(_)) => Err(*v),
                        None => Ok(None),
                    },
                    Gradient::Zero(_) => Ok(None),
                })
                .collect::<Result<Vec<_>, VarId>>()
        });
        self.activity = outer_activity;
        self.current = outer_current;
        self.seed = outer_seed;
        let adjoints = match written? {
            Ok(adjoints) => adjoints,
            Err(array) => {
                let name = &self.vars[array.0].name;
                return self.refuse(Some(instr.span), format!("differentiates a `mapv` closure with a branch, a call or statements only where it reads no element of an array that varies; this one reads an element of `{name}`. Read the element before the closure (`let e = {name}[i];`) and use `e` in it, or remove `hessian` and use `f_grad`"));
            }
        };
        // `seed * x.mapv(closure returning `adjoint`)`.
        let slope_times_seed = |w: &mut Self, adjoint: VarId, out: &mut Out| -> VarId {
            let closure = crate::ir::Closure {
                param: c.param,
                param_ty: c.param_ty.clone(),
                body: Block {
                    id: c.body.id,
                    stmts: body.stmts.clone(),
                },
                ret: Operand::Var(adjoint),
                dot_param: None,
            };
            let slope = w.new_var(&format!("{base}_slope"), VarKind::Temp, out.block);
            out.stmts.push(Stmt::Instr(Instr {
                dst: slope,
                op: Op::Mapv(Box::new(closure)),
                args: instr.args.clone(),
                extras: instr.extras.clone(),
                ascription: None,
                span: instr.span,
            }));
            let mul = prims::binary_operator(&syn::parse_quote!(*)).expect("`*` is a primitive");
            w.push(
                out,
                base,
                Op::Prim(mul),
                vec![seed.clone(), Operand::Var(slope)],
                vec![],
            )
        };
        let mut of_element = None;
        for (k, entry) in adjoints.into_iter().enumerate() {
            let Some((v, adjoint)) = entry else { continue };
            if k == 0 && v == c.param {
                of_element = Some(slope_times_seed(self, adjoint, out));
                continue;
            }
            // A captured value: the sum over the elements, added into its adjoint.
            let product = slope_times_seed(self, adjoint, out);
            let sum = prims::method("sum").expect("`sum` is a primitive");
            let total = self.push(
                out,
                base,
                Op::Prim(sum),
                vec![Operand::Var(product)],
                vec![],
            );
            let name = self
                .namer
                .fresh(&format!("{base}_captured"), Span::call_site());
            self.named.insert(name.to_string(), total);
            self.stmt(
                &AStmt::Contribute {
                    target: v,
                    value: AExpr::Named(name),
                    how: How::Add,
                    span: instr.span,
                },
                out,
            )?;
        }
        Some(Operand::Var(match of_element {
            Some(v) => v,
            // The closure does not vary with its element: a zero gradient.
            None => self.push(
                out,
                base,
                Op::Prim(prims::zero()),
                vec![instr.args[0].clone()],
                vec![],
            ),
        }))
    }

    /// `target`'s adjoint as a value (SSA), or a zero of the target where it has none (or it is in
    /// storage, whose caller starts from the value it had before).
    fn value_or_zero(&mut self, target: VarId, out: &mut Out) -> VarId {
        match self.current.get(&target) {
            Some(Version::Value(v)) => *v,
            _ => self.zero_adjoint(target, out),
        }
    }

    /// Storage for `target`'s adjoint (element gradients are added into it), made from its current
    /// value (or a zero of the target) where it is not storage yet.
    fn storage(&mut self, target: VarId, out: &mut Out) -> VarId {
        if let Some(Version::Storage(s)) = self.current.get(&target) {
            return *s;
        }
        let base = self.bar(target);
        let init = self.value_or_zero(target, out);
        let s = self.new_var(&base, VarKind::Storage, out.block);
        out.stmts.push(Stmt::Init {
            storage: s,
            value: Operand::Var(init),
        });
        self.current.insert(target, Version::Storage(s));
        s
    }

    fn stmts(&mut self, body: &[AStmt], out: &mut Out) -> Option<()> {
        for s in body {
            self.stmt(s, out)?;
        }
        Some(())
    }

    fn stmt(&mut self, s: &AStmt, out: &mut Out) -> Option<()> {
        match s {
            AStmt::Zero(v) => {
                let zero = self.zero_adjoint(*v, out);
                self.current.insert(*v, Version::Value(zero));
            }
            AStmt::Contribute {
                target,
                value,
                how,
                span,
            } => {
                let base = self.bar(*target);
                let value = self.expr(value, &base, out)?;
                let value = match value {
                    Operand::Var(v) => v,
                    constant => {
                        self.push(out, &base, Op::Prim(prims::copy()), vec![constant], vec![])
                    }
                };
                // Storage (element gradients go into it) takes the contribution whole, in place; so
                // does the adjoint of a value with no elementwise `+` (a struct), made storage for it.
                let in_storage = match self.current.get(target) {
                    Some(Version::Storage(_)) => true,
                    Some(Version::Value(_)) => self.in_place.contains(target),
                    None => false,
                };
                if *how == How::Add && in_storage {
                    let storage = self.storage(*target, out);
                    out.stmts.push(Stmt::SetElem {
                        storage,
                        kind: ElemWrite::AddField,
                        index: TokenStream::new(),
                        value: Operand::Var(value),
                        span: *span,
                    });
                    return Some(());
                }
                let version = match (how, self.current.get(target).copied()) {
                    (How::Add, Some(_)) => {
                        let old = self.read(*target, out)?;
                        let add = prims::binary_operator(&syn::parse_quote!(+))
                            .expect("`+` is a primitive");
                        self.push(
                            out,
                            &base,
                            Op::Prim(add),
                            vec![Operand::Var(old), Operand::Var(value)],
                            vec![],
                        )
                    }
                    _ => value,
                };
                self.current.insert(*target, Version::Value(version));
            }
            AStmt::Assign { target, value } => {
                let base = self.bar(*target);
                let value = match self.expr(value, &base, out)? {
                    Operand::Var(v) => v,
                    constant => {
                        self.push(out, &base, Op::Prim(prims::copy()), vec![constant], vec![])
                    }
                };
                if let Some(Version::Storage(storage)) = self.current.get(target).copied() {
                    out.stmts.push(Stmt::WriteBack {
                        storage,
                        value: Operand::Var(value),
                    });
                    return Some(());
                }
                self.current.insert(*target, Version::Value(value));
            }
            // A field read's gradient added into the field of the struct's adjoint, held in storage.
            AStmt::FieldAcc {
                instr,
                target,
                seed,
            } => {
                let base = self.bar(*target);
                let value = self.expr(seed, &base, out)?;
                let storage = self.storage(*target, out);
                out.stmts.push(Stmt::SetElem {
                    storage,
                    kind: ElemWrite::AddField,
                    index: instr.extras[0].clone(),
                    value,
                    span: instr.span,
                });
            }
            AStmt::ElemAcc {
                instr,
                target,
                seed,
            } => {
                let Op::Prim(p) = &instr.op else { return None };
                let base = self.bar(*target);
                let value = self.expr(seed, &base, out)?;
                let storage = self.storage(*target, out);
                let index = &instr.extras[0];
                let index = match p.family {
                    Family::Access(Access::Index) => index.clone(),
                    // The `i`-th element in iteration order, as an index of the adjoint.
                    Family::Access(Access::Element) => {
                        let name = &self.vars[storage.0].name;
                        quote!(::autodiff::__private::flat_position(&#name, #index))
                    }
                    _ => return None,
                };
                out.stmts.push(Stmt::SetElem {
                    storage,
                    kind: ElemWrite::Add,
                    index,
                    value,
                    span: instr.span,
                });
            }
            AStmt::Recompute { block, rerun } => {
                for stmt in &block.stmts {
                    match stmt {
                        // A branch nested in the block runs forward again whole (its reverse, if
                        // any, is a reversed branch on its flag).
                        // So does a nested loop: it saves nothing (its reverse, below, is a reversed
                        // loop that recomputes each iteration).
                        // A saved carried value starts the iteration from its tape.
                        Stmt::Instr(i) if self.tape_of(i).is_some() => {
                            let (tape, index) = self.tape_of(i).expect("matched");
                            let mut read = i.clone();
                            read.op = if self.value_tapes.contains(&tape) {
                                Op::Load
                            } else {
                                Op::Prim(prims::index())
                            };
                            read.args = vec![Operand::Var(tape)];
                            read.extras = vec![index];
                            out.stmts.push(Stmt::Instr(read));
                        }
                        Stmt::Instr(_)
                        | Stmt::Verbatim { .. }
                        | Stmt::Init { .. }
                        | Stmt::If(_)
                        | Stmt::Loop(_) => out.stmts.push(stmt.clone()),
                        Stmt::WriteBack { storage, .. }
                            if rerun.skip_writeback.contains(storage) => {}
                        // Writes into arrays made before the block are done already; into one the
                        // block makes, again.
                        Stmt::SetElem { storage, .. } => {
                            if !rerun.skip_elem.contains(storage) {
                                out.stmts.push(stmt.clone());
                            }
                        }
                        _ => return None,
                    }
                }
            }
            AStmt::Pullback {
                instr, tangents, ..
            } => self.pullback(instr, tangents, out)?,
            AStmt::If { flag, then_, else_ } => self.branch(flag, then_, else_, out)?,
            AStmt::Loop { lp, body } => self.reversed(lp, body, out)?,
            // Storage overwritten without a derivative: its adjoint is zero from here on (backwards).
            AStmt::Kill(v) => self.kill(*v, out),
            // A `mapv` whose array does not vary: its captured values' contributions alone.
            AStmt::Discard(e @ AExpr::Mapv { .. }) => {
                self.expr(e, "discarded", out)?;
            }
            // An element write whose value has no adjoint: the element's adjoint zeroed.
            AStmt::Discard(e @ AExpr::SetElem { .. }) => {
                let base = "discarded".to_string();
                self.expr(e, &base, out)?;
            }
            // Any other rule evaluated for nothing: it changes nothing.
            AStmt::Discard(AExpr::Rule { .. } | AExpr::JoinRule { .. }) => {}
            // Constants an arm changed (a `break` flag), back to their values before the branch.
            AStmt::Restore(pairs) => {
                for (c, saved) in pairs {
                    out.stmts.push(Stmt::Verbatim {
                        tokens: quote!(#c = ::core::clone::Clone::clone(&#saved);),
                        reads: Vec::new(),
                    });
                }
            }
            // A nested loop run again to save its iterations: it ran forward whole with the body that
            // holds it, and its reversed loop (below) adds what it saves to that run.
            AStmt::Replay { .. } => {}
            _ => return None,
        }
        Some(())
    }

    /// A call's pullback applied to its output's adjoint: a call of the callee's second-order rule's
    /// value, `g_vjp_jvp` (whose tangent rule the JVP transform calls), whose tangents (one per
    /// differentiable parameter) are spread over the arguments by their kinds and read as fields.
    fn pullback(
        &mut self,
        instr: &Instr,
        tangents: &[proc_macro2::Ident],
        out: &mut Out,
    ) -> Option<()> {
        let Op::Call(call) = &instr.op else {
            return None;
        };
        if tangents.len() != instr.args.len() {
            return None;
        }
        // `(kind0, (kind1, ()))` of the arguments, as the call's pullback is spread in reverse mode,
        // bound before the call (the arguments may not outlive it).
        let mut kinds = quote!(());
        for a in instr.args.iter().rev() {
            let value = match a {
                Operand::Var(v) => {
                    let name = &self.vars[v.0].name;
                    quote!(#name)
                }
                Operand::Const(t) => quote!((#t)),
            };
            kinds = quote!((::autodiff::__private::arg_kind(&#value), #kinds));
        }
        let kinds_name = self.namer.fresh("kinds", Span::call_site());
        out.stmts.push(Stmt::Verbatim {
            tokens: quote!(let #kinds_name = #kinds;),
            reads: instr.args.iter().filter_map(Operand::var).collect(),
        });
        let seed = self.read(instr.dst, out)?;
        // The pullback's forward rule is the callee's second-order rule, `g_vjp_jvp`.
        let rule = rename_last(&call.vjp, "_jvp")?;
        let site = crate::ir::CallSite {
            path: rule.clone(),
            vjp: call.vjp.clone(),
            forward: Some(rule),
            method: call.method,
            by_ref: call.by_ref.iter().copied().chain([false]).collect(),
        };
        let mut args = instr.args.clone();
        args.push(Operand::Var(seed));
        let base = format!("{}_pullback", self.vars[instr.dst.0].name);
        let dst = self.new_var(&base, VarKind::Temp, out.block);
        out.stmts.push(Stmt::Instr(Instr {
            dst,
            op: Op::Call(Box::new(site)),
            args,
            extras: Vec::new(),
            ascription: None,
            span: instr.span,
        }));
        let spread = self.push(
            out,
            &base,
            Op::Prim(prims::spread()),
            vec![Operand::Var(dst)],
            vec![quote!(#kinds_name)],
        );
        for (k, name) in tangents.iter().enumerate() {
            let varies = instr.args[k]
                .var()
                .is_some_and(|v| self.activity.is_active(v));
            if !varies {
                continue;
            }
            // Argument `k`'s entry of `(t0, (t1, ()))`: `.1` k times, then `.0`.
            let mut path = TokenStream::new();
            for _ in 0..k {
                path.extend(quote!(1 .));
            }
            path.extend(quote!(0));
            let field = self.push(
                out,
                &name.to_string(),
                Op::Prim(prims::field()),
                vec![Operand::Var(spread)],
                vec![path],
            );
            // A field read is a reference into the tuple: the tangent is its own value.
            let t = self.push(
                out,
                &name.to_string(),
                Op::Prim(prims::copy()),
                vec![Operand::Var(field)],
                vec![],
            );
            self.named.insert(name.to_string(), t);
        }
        Some(())
    }

    /// A reversed branch: each arm's reverse, and a join of every adjoint an arm changed of a value
    /// defined before the branch.
    fn branch(
        &mut self,
        flag: &proc_macro2::Ident,
        then_: &[AStmt],
        else_: &[AStmt],
        out: &mut Out,
    ) -> Option<()> {
        // Element gradients inside an arm go into storage made before the branch.
        for target in elem_targets(then_).into_iter().chain(elem_targets(else_)) {
            self.storage(target, out);
        }
        let before = self.current.clone();
        let mut arms = Vec::new();
        for arm in [then_, else_] {
            self.current = before.clone();
            let mut inner = Out::new(self.next_block);
            self.next_block += 1;
            self.stmts(arm, &mut inner)?;
            arms.push((inner, std::mem::take(&mut self.current)));
        }
        let ((mut then_out, then_cur), (mut else_out, else_cur)) = {
            let mut it = arms.into_iter();
            (it.next()?, it.next()?)
        };
        self.current = before.clone();
        // Adjoints an arm changed, of values defined outside the arms (an arm's own values have no
        // adjoint after it).
        let mut inside: HashSet<VarId> = HashSet::new();
        walk(then_, &mut |s| {
            if let AStmt::Recompute { block, .. } = s {
                inside.extend(defined_in(block));
            }
        });
        walk(else_, &mut |s| {
            if let AStmt::Recompute { block, .. } = s {
                inside.extend(defined_in(block));
            }
        });
        let mut changed: Vec<VarId> = then_cur
            .keys()
            .chain(else_cur.keys())
            .copied()
            .filter(|v| then_cur.get(v) != before.get(v) || else_cur.get(v) != before.get(v))
            .filter(|v| !inside.contains(v))
            .collect();
        changed.sort_by_key(|v| v.0);
        changed.dedup();
        let mut joins = Vec::new();
        for v in changed {
            if let Some(Version::Storage(_)) = before.get(&v) {
                // Storage stays storage: each arm added into it in place.
                continue;
            }
            let value_in =
                |cur: &HashMap<VarId, Version>, arm: &mut Out, w: &mut Self| match cur.get(&v) {
                    Some(Version::Value(x)) => Some(Operand::Var(*x)),
                    Some(Version::Storage(_)) => None,
                    None => Some(Operand::Var(w.zero_adjoint(v, arm))),
                };
            let then_value = value_in(&then_cur, &mut then_out, self)?;
            let else_value = value_in(&else_cur, &mut else_out, self)?;
            let base = self.bar(v);
            let var = self.new_var(&base, VarKind::Local, out.block);
            joins.push(Join {
                var,
                then_value,
                else_value,
                zero_of: None,
            });
            self.current.insert(v, Version::Value(var));
        }
        out.stmts.push(Stmt::If(Box::new(If {
            flag: flag.clone(),
            then_: Block {
                id: then_out.block,
                stmts: then_out.stmts,
            },
            else_: Block {
                id: else_out.block,
                stmts: else_out.stmts,
            },
            joins,
            restore: Vec::new(),
        })));
        Some(())
    }

    /// The tape and index that a recomputed `carry` read of a saved value reads instead.
    fn tape_of(&self, i: &Instr) -> Option<(VarId, TokenStream)> {
        self.tapes.get(&carried_by(i)?).cloned()
    }

    /// What the reversed loop of `lp` reads of the forward run: a tape for each carried value whose
    /// value the reverse reads (a recurrence, `h = (0.9 * h + x[i]).sin()`), each iteration's starting
    /// value written by the forward run of the loop (found among the statements already in `out`) and
    /// read back by the reversed loop; the integer counters the body changes, saved likewise and restored
    /// at the start of each reversed iteration; and, for a `while` loop, its trip count. A range loop's
    /// iterations are told apart by its index, a `while` loop's by their number. Scalars only (a carried
    /// value that starts from a scalar literal, a scalar parameter or an element); `None` otherwise.
    fn tape(&mut self, lp: &Loop, out: &mut Out) -> Option<TapePlan> {
        let saved: Vec<&Carry> = lp.carried.iter().filter(|c| c.saved).collect();
        // A `while` loop, or one that can `break`, runs a number of times known when it ends: its
        // iterations are counted, and reversed by their number. So is a loop over anything but a range
        // of integers, whose index may repeat (`for &k in ks.iter()`) and so cannot tell its
        // iterations apart.
        let counted = lp.brk.is_some()
            || !matches!(&lp.kind, LoopKind::Range { iter, .. } if integer_range(iter))
            || regions::range_reads_counters(lp);
        let mut plan = match &lp.kind {
            LoopKind::Range { index, iter } if !counted => TapePlan {
                tapes: HashMap::new(),
                index: index.clone(),
                iter: iter.clone(),
                restore: Vec::new(),
            },
            _ => TapePlan {
                tapes: HashMap::new(),
                index: self.namer.fresh("__ad_iteration", Span::call_site()),
                iter: {
                    let trips = self.trips(lp);
                    quote!(0..#trips)
                },
                restore: Vec::new(),
            },
        };
        if saved.is_empty() && lp.carried_consts.is_empty() && !counted {
            return Some(plan);
        }
        let at = out
            .stmts
            .iter()
            .position(|s| matches!(s, Stmt::Loop(l) if l.id == lp.id))?;
        let (index, iter) = (&plan.index, &plan.iter);
        // Where the forward loop writes an iteration's entry and where the reversed loop reads it.
        let (write_slot, read_slot) = if counted {
            let trips = self.trips(lp);
            (quote!(#trips), quote!(#index))
        } else {
            (quote!((#index) as usize), quote!((#index) as usize))
        };
        let len = quote!(::core::iter::Iterator::max(::core::clone::Clone::clone(&(#iter))).map_or(0usize, |last| last as usize + 1));
        let mut before = Vec::new();
        let mut writes = Vec::new();
        for c in saved {
            let first = match &c.init {
                Operand::Const(first) if crate::scalars::scalar_const(first, self.f) => {
                    Some(first.clone())
                }
                Operand::Var(v) if self.scalars.contains(v) => {
                    let name = &self.vars[v.0].name;
                    Some(quote!(#name))
                }
                // Not known to be a scalar (an array the loop carries): a tape of values.
                _ => None,
            };
            let base = format!("{}_tape", self.vars[c.storage.0].name);
            let tape = self.new_var(&base, VarKind::Storage, out.block);
            let empty = match first {
                None => {
                    self.value_tapes.insert(tape);
                    quote!(::autodiff::__private::ValueTape::new())
                }
                Some(_) if counted => quote!(::autodiff::__private::Tape::new()),
                Some(first) => quote!(::std::vec![#first; #len]),
            };
            before.push(Stmt::Init {
                storage: tape,
                value: Operand::Const(empty),
            });
            writes.push((c.storage, tape));
            plan.tapes.insert(c.storage, (tape, read_slot.clone()));
        }
        // Counters, saved at the start of each iteration and restored there in reverse.
        let mut saves = Vec::new();
        for k in &lp.carried_consts {
            let tape = self.namer.fresh(&format!("{k}_saved"), Span::call_site());
            let (empty, save) = if counted {
                (
                    quote!(::std::vec::Vec::new()),
                    quote!(#tape.push(::core::clone::Clone::clone(&#k));),
                )
            } else {
                (
                    quote!(::std::vec![::core::clone::Clone::clone(&#k); #len]),
                    quote!(#tape[#write_slot] = ::core::clone::Clone::clone(&#k);),
                )
            };
            before.push(Stmt::Verbatim {
                tokens: quote!(let mut #tape = #empty;),
                reads: Vec::new(),
            });
            saves.push(Stmt::Verbatim {
                tokens: save,
                reads: Vec::new(),
            });
            plan.restore.push(Stmt::Verbatim {
                tokens: quote!(#k = ::core::clone::Clone::clone(&#tape[#read_slot]);),
                reads: Vec::new(),
            });
        }
        if counted {
            let trips = self.trips(lp);
            before.push(Stmt::Verbatim {
                tokens: quote!(let mut #trips: usize = 0;),
                reads: Vec::new(),
            });
            // A range loop that breaks: each iteration's index saved, and bound again in reverse.
            if let LoopKind::Range { index: i, .. } = &lp.kind {
                let tape = self.namer.fresh(&format!("{i}_saved"), Span::call_site());
                before.push(Stmt::Verbatim {
                    tokens: quote!(let mut #tape = ::std::vec::Vec::new();),
                    reads: Vec::new(),
                });
                saves.push(Stmt::Verbatim {
                    tokens: quote!(#tape.push(::core::clone::Clone::clone(&#i));),
                    reads: Vec::new(),
                });
                plan.restore.push(Stmt::Verbatim {
                    tokens: quote!(let #i = ::core::clone::Clone::clone(&#tape[#read_slot]);),
                    reads: Vec::new(),
                });
            }
        }
        let Stmt::Loop(forward) = &mut out.stmts[at] else {
            unreachable!("found above")
        };
        for &(storage, tape) in &writes {
            // The iteration's starting value, as the body reads it from its storage.
            let entry = forward
                .body
                .stmts
                .iter()
                .position(|s| matches!(s, Stmt::Instr(i) if carried_by(i) == Some(storage)))?;
            let Stmt::Instr(read) = &forward.body.stmts[entry] else {
                unreachable!("matched above")
            };
            let kind = if self.value_tapes.contains(&tape) {
                ElemWrite::Save
            } else {
                ElemWrite::Set
            };
            let write = Stmt::SetElem {
                storage: tape,
                kind,
                index: write_slot.clone(),
                value: Operand::Var(read.dst),
                span: read.span,
            };
            forward.body.stmts.insert(entry + 1, write);
            forward.writes.push(tape);
        }
        forward.body.stmts.splice(0..0, saves);
        if counted {
            let trips = self.trips(lp);
            forward.body.stmts.push(Stmt::Verbatim {
                tokens: quote!(#trips += 1;),
                reads: Vec::new(),
            });
        }
        let n = before.len();
        out.stmts.splice(at..at, before);
        debug_assert!(matches!(out.stmts[at + n], Stmt::Loop(_)));
        Some(plan)
    }

    /// The name of the trip count of the `while` loop `lp` (one per loop).
    fn trips(&self, lp: &Loop) -> proc_macro2::Ident {
        quote::format_ident!("__ad_trips{}", lp.id)
    }

    /// A reversed loop that saves nothing per iteration: the same range reversed, whose body recomputes
    /// the primal body and runs its reverse; the adjoints it changes of values defined outside it are
    /// carried (element gradients go into storage made before it).
    fn reversed(&mut self, lp: &Loop, body: &[AStmt], out: &mut Out) -> Option<()> {
        if regions::checkpoint(self.f, lp)
            .iter()
            .any(|s| matches!(s, regions::Saved::LogLength(_)))
        {
            return self.refuse(None, LOGGED.to_string());
        }
        let TapePlan {
            tapes: saved_tapes,
            index,
            iter,
            restore,
        } = self.tape(lp, out)?;
        let (index, iter) = (&index, &iter);
        let inside: HashSet<VarId> = defined_in(&lp.body);
        // Element writes into arrays made before the loop: their adjoints are storage the reversed loop
        // reads and zeroes elements of.
        for target in set_targets(body) {
            if !inside.contains(&target) {
                self.storage(target, out);
            }
        }
        // (An array made inside the loop has its storage made inside, at its first element gradient in
        // each reversed iteration.)
        for target in elem_targets(body) {
            if !inside.contains(&target) {
                self.storage(target, out);
            }
        }
        // Adjoints changed in the body, of values defined outside it, as SSA values: carried.
        let mut carried_targets: Vec<VarId> = assigned_targets(body)
            .into_iter()
            .filter(|v| !inside.contains(v))
            .filter(|v| !matches!(self.current.get(v), Some(Version::Storage(_))))
            .collect();
        carried_targets.sort_by_key(|v| v.0);
        carried_targets.dedup();
        let mut carried = Vec::new();
        let mut entries = Vec::new();
        let mut inner = Out::new(lp.body.id);
        for &t in &carried_targets {
            let base = self.bar(t);
            let init = self.value_or_zero(t, out);
            let storage = self.new_var(&base, VarKind::Storage, out.block);
            out.stmts.push(Stmt::Init {
                storage,
                value: Operand::Var(init),
            });
            carried.push(Carry {
                storage,
                init: Operand::Var(init),
                saved: false,
            });
            let entry = self.push(
                &mut inner,
                &base,
                Op::Prim(prims::carry()),
                vec![Operand::Var(storage)],
                vec![],
            );
            self.current.insert(t, Version::Value(entry));
            entries.push((t, storage));
        }
        // The counters the body changes start the iteration with their saved values.
        inner.stmts.extend(restore);
        let outer_tapes = std::mem::replace(&mut self.tapes, saved_tapes);
        let reversed_body = self.stmts(body, &mut inner);
        self.tapes = outer_tapes;
        reversed_body?;
        for &(t, storage) in &entries {
            let value = self.read(t, &mut inner)?;
            inner.stmts.push(Stmt::WriteBack {
                storage,
                value: Operand::Var(value),
            });
        }
        let writes: Vec<VarId> = elem_targets(body)
            .into_iter()
            .chain(
                set_targets(body)
                    .into_iter()
                    .filter(|t| !inside.contains(t)),
            )
            .filter_map(|t| match self.current.get(&t) {
                Some(Version::Storage(s)) => Some(*s),
                _ => None,
            })
            .collect();
        out.stmts.push(Stmt::Loop(Box::new(Loop {
            kind: LoopKind::Range {
                index: index.clone(),
                iter: quote!((#iter).rev()),
            },
            body: Block {
                id: inner.block,
                stmts: inner.stmts,
            },
            carried,
            carried_consts: Vec::new(),
            writes,
            brk: None,
            id: lp.id,
        })));
        // After the loop, each carried adjoint is its storage's last value.
        for (t, storage) in entries {
            let base = self.bar(t);
            let after = self.push(
                out,
                &base,
                Op::Prim(prims::snapshot()),
                vec![Operand::Var(storage)],
                vec![],
            );
            self.current.insert(t, Version::Value(after));
        }
        Some(())
    }
}

/// `path` with `suffix` appended to its last identifier.
fn rename_last(path: &TokenStream, suffix: &str) -> Option<TokenStream> {
    let mut tokens: Vec<proc_macro2::TokenTree> = path.clone().into_iter().collect();
    let last = tokens
        .iter()
        .rposition(|t| matches!(t, proc_macro2::TokenTree::Ident(_)))?;
    if let proc_macro2::TokenTree::Ident(id) = &tokens[last] {
        tokens[last] = proc_macro2::TokenTree::Ident(proc_macro2::Ident::new(
            &format!("{id}{suffix}"),
            id.span(),
        ));
    }
    Some(tokens.into_iter().collect())
}

/// The containers whose element gradients `body` adds into (directly or in its regions).
fn elem_targets(body: &[AStmt]) -> Vec<VarId> {
    let mut out = Vec::new();
    walk(body, &mut |s| {
        if let AStmt::ElemAcc { target, .. } = s {
            out.push(*target);
        }
    });
    out.sort_by_key(|v| v.0);
    out.dedup();
    out
}

/// The values whose adjoints add in place (`acc(&mut x_bar, g)`, by [`crate::ir::ElemWrite::AddField`])
/// rather than by the elementwise `+` of arrays and scalars, which structs, tuples, `Vec`s and fixed arrays
/// do not have: the parameters `whole_params`, values whose `let` names such a type, literals of
/// them, and what is copied from or into one (copies, snapshots, carried values and their storage).
/// A scalar taken for one (a generic `F`) only adds in place too.
fn in_place_values(f: &Function, whole_params: &[VarId]) -> HashSet<VarId> {
    let mut set: HashSet<VarId> = whole_params.iter().copied().collect();
    let mut same: Vec<(VarId, VarId)> = Vec::new();
    crate::ir::visit::stmts(
        &f.body,
        crate::ir::visit::Depth::Regions,
        &mut |s| match s {
            Stmt::Instr(i) => {
                let whole = match &i.op {
                    Op::Join(crate::ir::JoinKind::Pack(form)) => !matches!(
                        form,
                        crate::ir::PackForm::Array1 | crate::ir::PackForm::Array2 { .. }
                    ),
                    _ => false,
                } || i
                    .ascription
                    .as_ref()
                    .is_some_and(|t| !crate::types::is_ndarray(t) && !crate::types::is_float(t));
                if whole {
                    set.insert(i.dst);
                }
                if matches!(&i.op, Op::Prim(p) if matches!(p.family, Family::Copy(_))) {
                    if let Some(a) = i.args.first().and_then(Operand::var) {
                        same.push((i.dst, a));
                    }
                }
            }
            Stmt::Init { storage, value } | Stmt::WriteBack { storage, value } => {
                if let Some(v) = value.var() {
                    same.push((*storage, v));
                }
            }
            _ => {}
        },
    );
    loop {
        let before = set.len();
        for (a, b) in &same {
            if set.contains(a) || set.contains(b) {
                set.insert(*a);
                set.insert(*b);
            }
        }
        if set.len() == before {
            return set;
        }
    }
}

/// The storage whose carried value `i` reads at the start of an iteration (`x = carry(storage)`).
fn carried_by(i: &Instr) -> Option<VarId> {
    match &i.op {
        Op::Prim(p) if std::ptr::eq(*p, prims::carry()) => i.args.first()?.var(),
        _ => None,
    }
}

/// Whether `iter` is a range of integers (`a..b`, `a..=b`, reversed or stepped): its values are distinct.
fn integer_range(iter: &TokenStream) -> bool {
    fn range(e: &syn::Expr) -> bool {
        match e {
            syn::Expr::Range(r) => r.start.is_some() && r.end.is_some(),
            syn::Expr::Paren(p) => range(&p.expr),
            syn::Expr::Group(g) => range(&g.expr),
            syn::Expr::MethodCall(m) if m.method == "rev" || m.method == "step_by" => {
                range(&m.receiver)
            }
            _ => false,
        }
    }
    syn::parse2::<syn::Expr>(iter.clone()).is_ok_and(|e| range(&e))
}

/// The arrays whose element writes `body` reverses (their adjoints are read and zeroed in place).
fn set_targets(body: &[AStmt]) -> Vec<VarId> {
    fn find(e: &AExpr, out: &mut Vec<VarId>) {
        match e {
            AExpr::SetElem { storage, .. } => out.push(*storage),
            AExpr::Rule { seed, .. } => find(seed, out),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(body, &mut |s| match s {
        AStmt::Contribute { value, .. } | AStmt::Assign { value, .. } | AStmt::Discard(value) => {
            find(value, &mut out)
        }
        _ => {}
    });
    out.sort_by_key(|v| v.0);
    out.dedup();
    out
}

/// The adjoints `body` contributes to, assigns, zeroes or moves out.
fn assigned_targets(body: &[AStmt]) -> Vec<VarId> {
    fn taken(e: &AExpr, out: &mut Vec<VarId>) {
        match e {
            AExpr::Take(v) => out.push(*v),
            AExpr::Rule { seed, .. } | AExpr::JoinRule { seed, .. } | AExpr::Mapv { seed, .. } => {
                taken(seed, out)
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(body, &mut |s| match s {
        AStmt::Contribute { target, value, .. } | AStmt::Assign { target, value } => {
            out.push(*target);
            taken(value, &mut out);
        }
        AStmt::Zero(target) | AStmt::Kill(target) => out.push(*target),
        AStmt::Discard(e) => taken(e, &mut out),
        AStmt::FieldAcc { seed, .. } | AStmt::ElemAcc { seed, .. } => taken(seed, &mut out),
        _ => {}
    });
    out
}

fn walk<'p, 'f>(body: &'p [AStmt<'f>], f: &mut impl FnMut(&'p AStmt<'f>)) {
    for s in body {
        f(s);
        match s {
            AStmt::If { then_, else_, .. } => {
                walk(then_, f);
                walk(else_, f);
            }
            AStmt::Loop { body, .. } => walk(body, f),
            _ => {}
        }
    }
}

/// The variables `block` defines.
fn defined_in(block: &Block) -> HashSet<VarId> {
    let mut out = HashSet::new();
    crate::ir::visit::stmts(block, crate::ir::visit::Depth::Regions, &mut |s| match s {
        Stmt::Instr(i) => {
            out.insert(i.dst);
        }
        Stmt::If(i) => out.extend(i.joins.iter().map(|j| j.var)),
        _ => {}
    });
    out
}

/// The adjoint program `p` of `block` of `f`, as IR; `None` where it has what the module's
/// documentation leaves out.
pub fn linearize(
    f: &Function,
    block: &Block,
    p: &Program,
    namer: &mut Namer,
    seed: Option<VarId>,
    scalar_params: &[VarId],
    whole_params: &[VarId],
) -> Result<Linear, Refusal> {
    // The primal statements as they are: loops and branches run forward, saving nothing. (Fused
    // kernels are made after this transform, never before it.)
    let mut fused = None;
    crate::ir::visit::stmts(block, crate::ir::visit::Depth::Regions, &mut |s| {
        if let Stmt::Instr(i) = s {
            if matches!(i.op, Op::Fused(_)) {
                fused.get_or_insert(i.span);
            }
        }
    });
    if let Some(span) = fused {
        return Err(Refusal {
            span: Some(span),
            message: "cannot differentiate a fused kernel: this is a bug of the macro, please report it; remove `hessian` and use `f_grad` meanwhile".to_string(),
        });
    }
    if !f.logged.is_empty() {
        // At a logged write inside a loop or branch (the recurrence), else at the first one.
        let mut at = None;
        let mut first = None;
        for stmt in &block.stmts {
            if let Stmt::SetElem { storage, span, .. } = stmt {
                if f.logged.contains(storage) {
                    first.get_or_insert(*span);
                }
            }
            for b in crate::ir::visit::nested(stmt, crate::ir::visit::Depth::Regions) {
                crate::ir::visit::stmts(b, crate::ir::visit::Depth::Regions, &mut |s| {
                    if let Stmt::SetElem { storage, span, .. } = s {
                        if f.logged.contains(storage) {
                            at.get_or_insert(*span);
                        }
                    }
                });
            }
        }
        return Err(Refusal {
            span: at.or(first),
            message: LOGGED.to_string(),
        });
    }
    let mut scalars: HashSet<VarId> = scalar_params.iter().copied().collect();
    crate::ir::visit::stmts(&f.body, crate::ir::visit::Depth::Regions, &mut |s| {
        if let Stmt::Instr(i) = s {
            if matches!(&i.op, Op::Prim(p) if p.family == Family::Access(Access::Index)) {
                scalars.insert(i.dst);
            }
        }
    });
    let in_place = in_place_values(f, whole_params);
    let mut last_block = block.id;
    crate::ir::visit::blocks(&f.body, crate::ir::visit::Depth::Closures, &mut |b| {
        last_block = last_block.max(b.id);
    });
    let mut w = Writer {
        f,
        activity: p.activity.clone(),
        seed,
        named: HashMap::new(),
        next_block: last_block + 1,
        vars: f.vars.clone(),
        current: HashMap::new(),
        tapes: HashMap::new(),
        scalars,
        in_place,
        refused: None,
        value_tapes: HashSet::new(),
        namer,
    };
    let mut out = Out::new(block.id);
    out.stmts = block.stmts.clone();
    let written = w.stmts(&p.body, &mut out).and_then(|()| {
        let mut gradients = Vec::new();
        for g in &p.gradients {
            gradients.push(match g {
                // Storage is returned as it is (moved out, not copied).
                Gradient::Adjoint(v) => match *w.current.get(v)? {
                    Version::Value(x) | Version::Storage(x) => x,
                },
                Gradient::Zero(v) => w.zero_adjoint(*v, &mut out),
            });
        }
        Some(gradients)
    });
    let Some(gradients) = written.filter(|g| !g.is_empty()) else {
        return Err(w.refused.take().unwrap_or_else(|| Refusal {
            span: None,
            message: "cannot yet write this function's gradient as a program it differentiates again (a construct of its adjoint program has no second-order form); remove `hessian` and use `f_grad`, and report the function".to_string(),
        }));
    };
    let ret = Operand::Var(gradients[0]);
    Ok(Linear {
        function: Function {
            vars: w.vars,
            body: Block {
                id: block.id,
                stmts: out.stmts,
            },
            ret,
            aux: None,
            scalar_consts: f.scalar_consts.clone(),
            logged: f.logged.clone(),
        },
        gradients,
    })
}
