//! The JVP transform: a function's IR to its tangent program, in the same IR.
//!
//! Every active value `v` gets a tangent variable `v_dot` computed right after it: a primitive's tangent is
//! the sum of one `{name}_jvp{k}` rule per active operand (each gives the output-shaped contribution of
//! that operand), a storage (a loop's carried value, an array written element by element) gets a tangent
//! storage written where it is, a branch joins tangents as it joins values, a loop carries them. Nothing is
//! stored and there is no reverse sweep: the program is printed forward like any primal IR.
//!
//! A zero tangent is made from the value it is the tangent of (`zero_tangent(&v)`), never from a
//! literal, so its type is the value's. A `mapv` closure's tangent is its body's tangent program mapped
//! over the array and its tangent. Calls have no forward rule yet (`g_jvp`): a function with an active
//! one is [`Unsupported`].

use crate::analysis::activity::{self, Activity};
use crate::ir::{
    Block, Carry, Closure, ElemWrite, Function, If, Instr, Join, Loop, Op, Operand, Rule, Stmt,
    Var, VarId, VarKind,
};
use crate::naming::Namer;
use crate::prims::{self, Access, Family};
use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use std::collections::HashMap;

/// A tangent program.
pub struct Tangent {
    /// The primal function's variables followed by the tangents; its body computes both.
    pub function: Function,
    /// The tangent variable of each independent, to be bound to its seed before the body.
    pub seeds: Vec<VarId>,
    /// The output's tangent, or `None` where the output does not depend on the independents.
    pub output: Option<VarId>,
    /// Each output's tangent (the first is `output`), for [`transform_outputs`].
    pub outputs: Vec<Option<VarId>>,
    /// The activity the program was built from, extended to the new variables (all inactive).
    pub activity: Activity,
}

/// What the transform cannot differentiate forward yet.
#[derive(Debug)]
pub enum Unsupported {
    /// A call of another function whose result is active (it has no `g_jvp` yet): where, and the
    /// function's path.
    Call(Span, String),
    /// A tangent program (third order is not supported).
    Tangent,
    /// A fused kernel (fusion runs for reverse mode only).
    Fused,
}

/// How the tangent program differentiates a call of another function.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Calls {
    /// Through the callee's forward rule `g_jvp` (`f_jvp`, which asks for it).
    ForwardRule,
    /// Not at all: [`Unsupported::Call`] (`f_grad`'s forward mode, which falls back to reverse mode
    /// rather than ask for a rule the callee may not have).
    Refuse,
}

/// The tangent program of `block` (a function body) with output `ret` and tangents for `independents`.
pub fn transform(
    f: &Function,
    block: &Block,
    ret: &Operand,
    independents: &[VarId],
    calls: Calls,
    namer: &mut Namer,
) -> Result<Tangent, Unsupported> {
    transform_outputs(
        f,
        block,
        std::slice::from_ref(ret),
        independents,
        calls,
        namer,
    )
}

/// [`transform`] for several outputs (the gradients of an adjoint program): the tangent of each.
pub fn transform_outputs(
    f: &Function,
    block: &Block,
    outputs: &[Operand],
    independents: &[VarId],
    calls: Calls,
    namer: &mut Namer,
) -> Result<Tangent, Unsupported> {
    let ret = &outputs[0];
    let activity = activity::analyse_outputs(f.vars.len(), block, outputs, independents);
    let mut t = Jvp {
        f,
        calls,
        activity: activity.clone(),
        vars: f.vars.clone(),
        dots: HashMap::new(),
        inits: HashMap::new(),
        namer,
    };
    let seeds: Vec<VarId> = independents.iter().map(|v| t.dot(*v)).collect();
    let body = t.block(block)?;
    let outputs: Vec<Option<VarId>> = outputs
        .iter()
        .map(|o| o.var().filter(|v| activity.is_active(*v)).map(|v| t.dot(v)))
        .collect();
    let output = outputs[0];
    let vars = t.vars;
    let extended = activity.extended(vars.len());
    Ok(Tangent {
        function: Function {
            vars,
            body,
            ret: ret.clone(),
            aux: f.aux.clone(),
            scalar_consts: f.scalar_consts.clone(),
            logged: f.logged.clone(),
        },
        seeds,
        output,
        outputs,
        activity: extended,
    })
}

struct Jvp<'a> {
    f: &'a Function,
    calls: Calls,
    /// The activity of the block being transformed (a closure's body has its own).
    activity: Activity,
    /// The variables of the tangent program.
    vars: Vec<Var>,
    /// Each active variable's tangent.
    dots: HashMap<VarId, VarId>,
    /// Each tangent storage's first value.
    inits: HashMap<VarId, Operand>,
    namer: &'a mut Namer,
}

impl Jvp<'_> {
    fn new_var(&mut self, base: &str, kind: VarKind, block: usize) -> VarId {
        let name = self.namer.fresh(base, Span::call_site());
        self.vars.push(Var { name, kind, block });
        VarId(self.vars.len() - 1)
    }

    /// The tangent variable of `v`: storage for storage, a local in `v`'s block otherwise.
    fn dot(&mut self, v: VarId) -> VarId {
        if let Some(d) = self.dots.get(&v) {
            return *d;
        }
        let var = &self.f.vars[v.0];
        let kind = match var.kind {
            VarKind::Storage | VarKind::ClosureParam => var.kind,
            _ => VarKind::Local,
        };
        let (base, block) = (format!("{}_dot", var.name), var.block);
        let d = self.new_var(&base, kind, block);
        self.dots.insert(v, d);
        d
    }

    fn active(&self, o: &Operand) -> Option<VarId> {
        o.var().filter(|v| self.activity.is_active(*v))
    }

    /// `z = zero_tangent(&of)`, appended to `out`.
    fn zero(&mut self, of: Operand, block: usize, out: &mut Vec<Stmt>) -> VarId {
        let z = self.new_var("zero", VarKind::Temp, block);
        out.push(Stmt::Instr(instr(
            z,
            Op::Prim(prims::zero()),
            vec![of],
            Vec::new(),
        )));
        z
    }

    /// The tangent of a value written into storage `s`: the value's, or a zero of the storage's.
    fn written(&mut self, value: &Operand, s: VarId, block: usize, out: &mut Vec<Stmt>) -> Operand {
        match self.active(value) {
            Some(v) => Operand::Var(self.dot(v)),
            None => Operand::Var(self.zero(Operand::Var(s), block, out)),
        }
    }

    /// `let mut s_dot = init;`: the tangent storage of `s` starts (and a loop that carries it starts
    /// from `init`).
    fn start_storage(&mut self, s: VarId, init: Operand, out: &mut Vec<Stmt>) {
        let d = self.dot(s);
        self.inits.insert(d, init.clone());
        out.push(Stmt::Init {
            storage: d,
            value: init,
        });
    }

    fn block(&mut self, b: &Block) -> Result<Block, Unsupported> {
        let mut out = Vec::new();
        for stmt in &b.stmts {
            match stmt {
                Stmt::Instr(i) if matches!(i.op, Op::Call(_)) && self.activity.is_active(i.dst) => {
                    let Op::Call(call) = &i.op else {
                        unreachable!("matched above")
                    };
                    out.push(self.call(i, call)?);
                }
                Stmt::Instr(i) => {
                    out.push(stmt.clone());
                    if self.activity.is_active(i.dst) {
                        self.instr(i, b.id, &mut out)?;
                    }
                }
                Stmt::Verbatim { tokens, .. } => {
                    out.push(stmt.clone());
                    // An array declared as a constant and then written element by element is storage
                    // from its `let` on: its tangent starts there, as a zero of it.
                    // (Each arm that writes it first makes its own storage of the same array.)
                    for name in let_names(tokens) {
                        let declared: Vec<VarId> = (0..self.f.vars.len())
                            .map(VarId)
                            .filter(|v| {
                                let var = &self.f.vars[v.0];
                                var.kind == VarKind::Storage
                                    && var.block == b.id
                                    && var.name == name.as_str()
                                    && self.activity.is_active(*v)
                            })
                            .collect();
                        for s in declared {
                            let init = Operand::Var(self.zero(Operand::Var(s), b.id, &mut out));
                            self.start_storage(s, init, &mut out);
                        }
                    }
                }
                Stmt::Init { storage, value } => {
                    out.push(stmt.clone());
                    if self.activity.is_active(*storage) {
                        let init = self.written(value, *storage, b.id, &mut out);
                        self.start_storage(*storage, init, &mut out);
                    }
                }
                Stmt::WriteBack { storage, value } => {
                    if self.activity.is_active(*storage) {
                        let value = self.written(value, *storage, b.id, &mut out);
                        out.push(Stmt::WriteBack {
                            storage: self.dot(*storage),
                            value,
                        });
                    }
                    out.push(stmt.clone());
                }
                Stmt::SetElem {
                    storage,
                    kind,
                    index,
                    value,
                    span,
                } => {
                    // The tangent is written first: the index is evaluated on the same state twice.
                    if self.activity.is_active(*storage) {
                        let tangent = match self.active(value) {
                            Some(v) => Some(Operand::Var(self.dot(v))),
                            // A constant overwrites the element: its tangent is a zero of the
                            // element's type, read from the element itself.
                            // A value saved on a tape: the tangent tape holds a zero of it there.
                            None if *kind == ElemWrite::Save => {
                                Some(Operand::Var(self.zero(value.clone(), b.id, &mut out)))
                            }
                            None if *kind == ElemWrite::Set => {
                                let e = self.new_var("element", VarKind::Temp, b.id);
                                out.push(Stmt::Instr(instr(
                                    e,
                                    Op::Prim(prims::index()),
                                    vec![Operand::Var(*storage)],
                                    vec![index.clone()],
                                )));
                                Some(Operand::Var(self.zero(Operand::Var(e), b.id, &mut out)))
                            }
                            None => None,
                        };
                        if let Some(value) = tangent {
                            out.push(Stmt::SetElem {
                                storage: self.dot(*storage),
                                kind: *kind,
                                index: index.clone(),
                                value,
                                span: *span,
                            });
                        }
                    }
                    out.push(stmt.clone());
                }
                Stmt::If(i) => out.push(Stmt::If(Box::new(self.branch(i)?))),
                Stmt::Loop(l) => out.push(Stmt::Loop(Box::new(self.looped(l)?))),
            }
        }
        Ok(Block {
            id: b.id,
            stmts: out,
        })
    }

    fn instr(&mut self, i: &Instr, block: usize, out: &mut Vec<Stmt>) -> Result<(), Unsupported> {
        let dst = self.dot(i.dst);
        let rule = match &i.op {
            Op::Call(call) => return Err(Unsupported::Call(i.span, call.path.to_string())),
            Op::Mapv(c) => return self.mapv(i, c, out),
            Op::Jvp { .. } => return Err(Unsupported::Tangent),
            // Forward mode runs on the unfused IR.
            Op::Fused(_) => return Err(Unsupported::Fused),
            // A reverse rule is a function of all its arguments (the operands, the output, the seed).
            Op::Vjp { prim, k } => Rule::Vjp(prim, *k),
            // Linear: the same load from the tape of tangents.
            Op::Load => {
                let Some(tape) = self.active(&i.args[0]) else {
                    return Ok(());
                };
                let mut load = instr(
                    dst,
                    Op::Load,
                    vec![Operand::Var(self.dot(tape))],
                    i.extras.clone(),
                );
                load.span = i.span;
                out.push(Stmt::Instr(load));
                return Ok(());
            }
            // Linear in the seed (the parts give shapes): the same rule of the seed's tangent.
            Op::JoinVjp { .. } => {
                let (seed, parts) = i.args.split_last().expect("a join rule has a seed");
                let value = match self.active(seed) {
                    Some(v) => {
                        let mut args = parts.to_vec();
                        args.push(Operand::Var(self.dot(v)));
                        let mut rule = instr(dst, i.op.clone(), args, i.extras.clone());
                        rule.span = i.span;
                        rule
                    }
                    None => instr(
                        dst,
                        Op::Prim(prims::zero()),
                        vec![Operand::Var(i.dst)],
                        Vec::new(),
                    ),
                };
                out.push(Stmt::Instr(value));
                return Ok(());
            }
            Op::Join(kind) => {
                // Linear: the same join of the parts' tangents (zeros for constant parts).
                let mut parts = Vec::new();
                if let crate::ir::JoinKind::Pack(crate::ir::PackForm::Struct) = kind {
                    // The active fields' tangents; the others from the zero tangent of the value.
                    let mut extras = vec![i.extras[0].clone()];
                    for (a, member) in i.args.iter().zip(&i.extras[1..]) {
                        if let Some(v) = self.active(a) {
                            parts.push(Operand::Var(self.dot(v)));
                            extras.push(member.clone());
                        }
                    }
                    parts.push(Operand::Var(i.dst));
                    let kind = crate::ir::JoinKind::Pack(crate::ir::PackForm::StructTangent);
                    let mut join = instr(dst, Op::Join(kind), parts, extras);
                    join.span = i.span;
                    out.push(Stmt::Instr(join));
                    return Ok(());
                }
                for a in &i.args {
                    parts.push(match self.active(a) {
                        Some(v) => Operand::Var(self.dot(v)),
                        None => Operand::Var(self.zero(a.clone(), block, out)),
                    });
                }
                let mut join = instr(dst, Op::Join(*kind), parts, i.extras.clone());
                join.span = i.span;
                out.push(Stmt::Instr(join));
                return Ok(());
            }
            Op::Prim(p) => Rule::Prim(p),
        };
        if let Rule::Prim(p) = rule {
            if p.family == Family::Access(Access::Field) {
                // A struct's tangent is a struct of the same shape: the field of the tangent.
                let base = self.active(&i.args[0]).expect("an active field read");
                let base = Operand::Var(self.dot(base));
                let mut read = instr(dst, Op::Prim(p), vec![base], i.extras.clone());
                read.span = i.span;
                out.push(Stmt::Instr(read));
                return Ok(());
            }
        }
        // `a ± b` with both sides varying: its tangent is `a_dot ± b_dot`, which broadcasts as `a ± b`
        // does and reads neither value (a linear program's values are then not kept for its shapes).
        if let Rule::Prim(p) = rule {
            if matches!(p.name, "add" | "sub") && p.family == Family::Elementwise {
                if let (Some(a), Some(b)) = (self.active(&i.args[0]), self.active(&i.args[1])) {
                    let dots = vec![Operand::Var(self.dot(a)), Operand::Var(self.dot(b))];
                    let mut sum = instr(dst, Op::Prim(p), dots, Vec::new());
                    sum.span = i.span;
                    out.push(Stmt::Instr(sum));
                    return Ok(());
                }
            }
        }
        let reads_output = matches!(rule, Rule::Prim(p) if p.reads_output);
        let active: Vec<(usize, VarId)> = i
            .args
            .iter()
            .enumerate()
            .filter(|(j, _)| match rule {
                Rule::Vjp(p, k) => !vjp_partial_is_zero(p, k, *j),
                Rule::Prim(_) => true,
            })
            .filter_map(|(k, a)| self.active(a).map(|v| (k, v)))
            .collect();
        if active.is_empty() {
            // Every active argument is one the rule does not vary with (a reverse rule reads an
            // operand of a linear primitive only for its shape): the tangent is zero.
            let zero = instr(
                dst,
                Op::Prim(prims::zero()),
                vec![Operand::Var(i.dst)],
                Vec::new(),
            );
            out.push(Stmt::Instr(zero));
            return Ok(());
        }
        let mut terms = Vec::new();
        for (n, (k, v)) in active.iter().enumerate() {
            let term = if n == 0 && active.len() == 1 {
                dst
            } else {
                let base = format!("{}_dot{k}", self.f.vars[i.dst.0].name);
                self.new_var(&base, VarKind::Temp, block)
            };
            if let Rule::Vjp(p, operand) = rule {
                if *k + 1 == i.args.len() {
                    // Along the seed: a reverse rule is linear in its seed, so this is the rule
                    // applied to the seed's tangent (which reads neither the seed nor more).
                    let mut args = i.args.clone();
                    *args.last_mut().expect("a reverse rule has a seed") =
                        Operand::Var(self.dot(*v));
                    let mut vjp = instr(
                        term,
                        Op::Vjp {
                            prim: p,
                            k: operand,
                        },
                        args,
                        i.extras.clone(),
                    );
                    vjp.span = i.span;
                    out.push(Stmt::Instr(vjp));
                    terms.push(term);
                    continue;
                }
            }
            let mut args = i.args.clone();
            if reads_output {
                args.push(Operand::Var(i.dst));
            }
            args.push(Operand::Var(self.dot(*v)));
            let mut jvp = instr(term, Op::Jvp { rule, k: *k }, args, i.extras.clone());
            jvp.span = i.span;
            out.push(Stmt::Instr(jvp));
            terms.push(term);
        }
        // The contributions summed, left to right, into the output's tangent.
        let mut acc = terms[0];
        for (n, term) in terms.iter().enumerate().skip(1) {
            let sum = if n + 1 == terms.len() {
                dst
            } else {
                self.new_var("dot_sum", VarKind::Temp, block)
            };
            let add = prims::binary_operator(&syn::parse_quote!(+)).expect("`+` is a primitive");
            out.push(Stmt::Instr(instr(
                sum,
                Op::Prim(add),
                vec![Operand::Var(acc), Operand::Var(*term)],
                Vec::new(),
            )));
            acc = sum;
        }
        Ok(())
    }

    /// `y = g(args..)` with an active result: `let (y, y_dot) = g_jvp(args.., tangents);`, the callee's
    /// forward rule given one tangent per differentiable argument (an active argument's tangent, a zero
    /// for any other differentiable argument; constants are left out by type, as the reverse mode's
    /// `spread` puts them back). A method's receiver is the first argument, `&self`'s tangent the first
    /// tangent (`m.g_jvp(args.., tangents)`).
    fn call(&mut self, i: &Instr, call: &crate::ir::CallSite) -> Result<Stmt, Unsupported> {
        let unsupported = || Unsupported::Call(i.span, call.path.to_string());
        if self.calls == Calls::Refuse {
            return Err(unsupported());
        }
        let jvp = call.forward.clone().ok_or_else(unsupported)?;
        let private = quote!(::autodiff::__private);
        let operand = |o: &Operand| -> TokenStream {
            match o {
                Operand::Var(v) => {
                    let name = &self.f.vars[v.0].name;
                    quote!(#name)
                }
                Operand::Const(t) => quote!((#t)),
            }
        };
        let mut reads = Vec::new();
        let mut args = Vec::new();
        let mut kinds = quote!(());
        let mut tangents = quote!(());
        // A constant argument is bound to a local first: its zero tangent and its kind then have the
        // type the call gives it (a literal `1.6` passed to an `f32` parameter is an `f32`).
        let dst_name = &self.f.vars[i.dst.0].name;
        let mut consts = TokenStream::new();
        for (k, (a, by_ref)) in i.args.iter().zip(&call.by_ref).enumerate().rev() {
            reads.extend(a.var());
            let value = match a {
                Operand::Const(t) => {
                    let local = quote::format_ident!("__{}_arg{}", dst_name, k);
                    consts.extend(quote!(let #local = (#t);));
                    quote!(#local)
                }
                Operand::Var(_) => operand(a),
            };
            args.push(if call.method && k == 0 {
                // The receiver as it is: the method takes `&self`, which auto-referencing gives.
                value.clone()
            } else if *by_ref {
                quote!(&#value)
            } else {
                quote!(::core::clone::Clone::clone(&#value))
            });
            kinds = quote!((#private::arg_kind(&#value), #kinds));
            let tangent = match self.active(a) {
                Some(v) => {
                    let d = self.dot(v);
                    reads.push(d);
                    let name = &self.vars[d.0].name;
                    quote!(::core::clone::Clone::clone(&#name))
                }
                None => quote!(#private::arg_zero(&#value)),
            };
            tangents = quote!((#tangent, #tangents));
        }
        args.reverse();
        let dst = &self.f.vars[i.dst.0].name;
        let dst_dot = self.dot(i.dst);
        let dst_dot = &self.vars[dst_dot.0].name;
        let gathered = quote!(#private::gather(#tangents, #kinds));
        let call = match args.split_first() {
            Some((receiver, rest)) if call.method => {
                quote_spanned!(i.span=> #receiver.#jvp(#(#rest,)* #gathered))
            }
            _ => quote_spanned!(i.span=> #jvp(#(#args,)* #gathered)),
        };
        Ok(Stmt::Verbatim {
            tokens: quote!(#consts let (#dst, #dst_dot) = #call;),
            reads,
        })
    }

    /// `y = x.mapv(|v| body)`: the tangent is the closure's tangent program mapped over `x` and its
    /// tangent together, or over `x` alone where only captured values vary (their tangents are
    /// captured too).
    fn mapv(&mut self, i: &Instr, c: &Closure, out: &mut Vec<Stmt>) -> Result<(), Unsupported> {
        if c.dot_param.is_some() {
            return Err(Unsupported::Tangent);
        }
        let x = self.active(&i.args[0]);
        let captured: Vec<VarId> = i.args[1..].iter().filter_map(|a| self.active(a)).collect();
        let mut independents: Vec<VarId> = x.map(|_| c.param).into_iter().collect();
        independents.extend(captured.iter().copied());
        let inner = activity::analyse(self.f.vars.len(), &c.body, &c.ret, &independents);
        let dst = self.dot(i.dst);
        let Some(ret) = c.ret.var().filter(|v| inner.is_active(*v)) else {
            // The closure's result does not vary: a zero of the output's tangent.
            let zero = instr(
                dst,
                Op::Prim(prims::zero()),
                vec![Operand::Var(i.dst)],
                vec![],
            );
            out.push(Stmt::Instr(zero));
            return Ok(());
        };
        let outer = std::mem::replace(&mut self.activity, inner);
        let dot_param = x.map(|_| self.dot(c.param));
        let body = self.block(&c.body);
        let ret_dot = self.dot(ret);
        self.activity = outer;
        let body = body?;
        let mut args = vec![i.args[0].clone()];
        if let Some(x) = x {
            args.push(Operand::Var(self.dot(x)));
        }
        args.extend(i.args[1..].iter().cloned());
        args.extend(captured.iter().map(|v| Operand::Var(self.dot(*v))));
        let closure = Closure {
            param: c.param,
            param_ty: c.param_ty.clone(),
            body,
            ret: Operand::Var(ret_dot),
            dot_param,
        };
        let mut map = instr(dst, Op::Mapv(Box::new(closure)), args, Vec::new());
        map.span = i.span;
        out.push(Stmt::Instr(map));
        Ok(())
    }

    fn branch(&mut self, i: &If) -> Result<If, Unsupported> {
        let then_ = self.block(&i.then_)?;
        let else_ = self.block(&i.else_)?;
        let mut joins = i.joins.clone();
        let active: Vec<&Join> = i
            .joins
            .iter()
            .filter(|j| self.activity.is_active(j.var))
            .collect();
        for j in active {
            let mut arm = |o: &Operand| match self.active(o) {
                Some(v) => Operand::Var(self.dot(v)),
                // A zero of the joined value's tangent (see `Join::zero_of`).
                None => Operand::Const(TokenStream::new()),
            };
            let (then_value, else_value) = (arm(&j.then_value), arm(&j.else_value));
            joins.push(Join {
                var: self.dot(j.var),
                then_value,
                else_value,
                zero_of: Some(j.var),
            });
        }
        Ok(If {
            flag: i.flag.clone(),
            then_,
            else_,
            joins,
            restore: i.restore.clone(),
        })
    }

    fn looped(&mut self, l: &Loop) -> Result<Loop, Unsupported> {
        let body = self.block(&l.body)?;
        // Forward mode saves nothing: no iteration is replayed.
        let mut carried: Vec<Carry> = l
            .carried
            .iter()
            .map(|c| Carry {
                saved: false,
                ..c.clone()
            })
            .collect();
        let active: Vec<&Carry> = l
            .carried
            .iter()
            .filter(|c| self.activity.is_active(c.storage))
            .collect();
        for c in active {
            let storage = self.dot(c.storage);
            let init = self
                .inits
                .get(&storage)
                .cloned()
                .expect("a carried value's storage is initialised before its loop");
            carried.push(Carry {
                storage,
                init,
                saved: false,
            });
        }
        let mut writes = l.writes.clone();
        let active: Vec<VarId> = l
            .writes
            .iter()
            .copied()
            .filter(|w| self.activity.is_active(*w))
            .collect();
        for w in active {
            writes.push(self.dot(w));
        }
        Ok(Loop {
            kind: l.kind.clone(),
            body,
            carried,
            carried_consts: l.carried_consts.clone(),
            writes,
            brk: l.brk.clone(),
            id: l.id,
        })
    }
}

/// The names a constant statement binds with `let`.
fn let_names(tokens: &TokenStream) -> Vec<String> {
    match syn::parse2::<syn::Stmt>(tokens.clone()) {
        Ok(syn::Stmt::Local(local)) => crate::lower::pattern_names(&local.pat),
        _ => Vec::new(),
    }
}

fn instr(dst: VarId, op: Op, args: Vec<Operand>, extras: Vec<TokenStream>) -> Instr {
    Instr {
        dst,
        op,
        args,
        extras,
        ascription: None,
        span: Span::call_site(),
    }
}

#[cfg(test)]
mod tests;

/// The path of a callee's forward rule from that of its reverse rule: `g_vjp` -> `g_jvp` (the last
/// identifier that ends in `_vjp`).
pub fn forward_path(vjp: &TokenStream) -> Option<TokenStream> {
    let tokens: Vec<proc_macro2::TokenTree> = vjp.clone().into_iter().collect();
    let last = tokens.iter().rposition(
        |t| matches!(t, proc_macro2::TokenTree::Ident(id) if id.to_string().ends_with("_vjp")),
    )?;
    let mut out = tokens;
    if let proc_macro2::TokenTree::Ident(id) = &out[last] {
        let name = id.to_string();
        let renamed = format!("{}_jvp", &name[..name.len() - 4]);
        out[last] = proc_macro2::TokenTree::Ident(proc_macro2::Ident::new(&renamed, id.span()));
    }
    Some(out.into_iter().collect())
}

/// Whether `p` is linear: none of its reverse rules varies with an operand (they read operands for their
/// shapes alone), and so its forward rules read operands for their shapes alone too.
pub fn linear(p: &prims::Prim) -> bool {
    (0..p.arity).all(|k| (0..p.arity).all(|j| vjp_partial_is_zero(p, k, j)))
}

/// Whether operand `k`'s reverse rule of `p` does not vary with its argument `j` (numbered over the
/// operands, then the output where the rule reads it, then the seed): its second-order rule there is
/// zero, and forward over reverse skips it. Only what holds by the rule's form: a linear primitive's
/// reverse reads its operands for their shapes alone, and a product's reverse for operand `k` reads the
/// other operand only. Everything else is differentiated (a zero rule costs time, never a wrong value).
pub fn vjp_partial_is_zero(p: &prims::Prim, k: usize, j: usize) -> bool {
    let seed = p.arity + usize::from(p.reads_output);
    if j == seed {
        return false;
    }
    match p.family {
        Family::Shape | Family::Copy(_) | Family::Stop => true,
        Family::Reduce(r) => matches!(
            r,
            prims::Reduction::Sum | prims::Reduction::Mean | prims::Reduction::Axis
        ),
        Family::Unary => p.name == "neg",
        Family::Elementwise => match p.name {
            "add" | "sub" => true,
            "mul" => j == k,
            _ => false,
        },
        Family::LinAlg => match p.name {
            "t" => true,
            "dot" => j == k,
            _ => false,
        },
        Family::Access(_) => false,
    }
}
