//! Lowering: the function body, as syn parsed it, to the IR of [`crate::ir`].
//!
//! Every expression becomes a chain of instructions, one primitive each, or a constant expression kept as
//! written. Whatever is outside the supported subset is recorded as an error at its own span and lowering
//! goes on, so that one compile reports every problem.

mod flow;

use crate::errors::Errors;
use crate::ir::visit;
use crate::ir::{
    Aux, Block, CallSite, Closure, Function, Instr, Op, Operand, Stmt, Var, VarId, VarKind,
};
use crate::model::Model;
use crate::naming::Namer;
use crate::prims::{self, Prim};
use proc_macro2::{Span, TokenStream, TokenTree};
use quote::{format_ident, quote, ToTokens};
use std::collections::HashMap;
use syn::spanned::Spanned;
use syn::{Expr, Pat};

/// What a source name is bound to at a point of the body.
#[derive(Clone, PartialEq)]
enum Binding {
    /// A value that may carry a derivative.
    Var(VarId),
    /// A constant, emitted under this name.
    Const(proc_macro2::Ident),
    /// A name whose definition had an error: uses are not reported again.
    Poisoned,
}

struct Lowerer<'a> {
    vars: Vec<Var>,
    namer: &'a mut Namer,
    errors: &'a Errors,
    scopes: Vec<HashMap<String, Binding>>,
    block: Block,
    has_aux: bool,
    /// Variables that constant expressions read by name (kept alive in every sweep).
    const_reads: Vec<VarId>,
    /// Results of `stop_gradient`: constants whatever their methods.
    frozen: Vec<VarId>,
    /// Parameters whose type is a struct: their methods are calls through `_vjp`.
    structs: Vec<VarId>,
    /// Values read from a struct's field: in a constant context (`0..p.steps`, `p.n as f64`) they are
    /// read as written.
    fields: Vec<VarId>,
    /// The block that declares each constant local (by emitted name).
    const_blocks: HashMap<String, usize>,
    /// Constant locals declared `mut` and assigned somewhere (counters), by emitted name.
    mutable_consts: std::collections::HashSet<String>,
    /// Every name the body assigns (`k = ..`, `k += ..`): a `let mut` constant that none of them
    /// names never changes, and is not saved or copied like a counter.
    assigned_names: std::collections::HashSet<String>,
    /// Constant locals bound to a scalar literal, by emitted name.
    scalar_consts: std::collections::HashSet<String>,
    /// Arrays read inside a loop that writes them (their writes are logged).
    logged: Vec<VarId>,
    /// Names bound by `let mut name = <variable>`: writing their elements writes a copy.
    mut_aliases: std::collections::HashSet<String>,
    /// The loops being lowered, innermost last.
    loops: Vec<flow::LoopCtx>,
    /// For each branch being lowered: its scope depth and the outer constants its arms change.
    mutations: Vec<(usize, Vec<proc_macro2::Ident>)>,
    /// The next block number.
    next_block: usize,
    /// The next loop number.
    next_loop: usize,
    /// Whether the statements being lowered are the function's tail, where `return v` gives its value
    /// (see [`Lowerer::lower_stmts`]).
    tail: bool,
    /// Elements bound by `for v in x.iter()`: a reference in the source, a value here, so constant code
    /// that reads them as written (`*v > 0.5`) gets `(&v)`.
    elem_refs: std::collections::HashSet<VarId>,
    /// Constants that stand for a reference in the source (the elements of `for v in w.iter()` over a
    /// constant `w`, held by value): read as `(&v)`.
    const_refs: std::collections::HashSet<String>,
    /// Every assignment to a name declared earlier: the name, its binding before, and the index of
    /// the scope that declares it. A branch reads what its arms assigned from here.
    rebinds: Vec<(String, Binding, usize)>,
}

/// Lowers the body of `model.func`. Returns `None` where errors were recorded.
pub fn lower(model: &Model, namer: &mut Namer, errors: &Errors) -> Option<(Function, Vec<VarId>)> {
    let mut lw = Lowerer {
        vars: Vec::new(),
        namer,
        errors,
        scopes: vec![HashMap::new()],
        block: Block::default(),
        has_aux: model.options.has_aux,
        const_reads: Vec::new(),
        frozen: Vec::new(),
        structs: Vec::new(),
        fields: Vec::new(),
        const_blocks: HashMap::new(),
        mutable_consts: std::collections::HashSet::new(),
        assigned_names: std::collections::HashSet::new(),
        mut_aliases: std::collections::HashSet::new(),
        scalar_consts: std::collections::HashSet::new(),
        logged: Vec::new(),
        loops: Vec::new(),
        mutations: Vec::new(),
        next_block: 1,
        next_loop: 0,
        tail: false,
        rebinds: Vec::new(),
        elem_refs: std::collections::HashSet::new(),
        const_refs: std::collections::HashSet::new(),
    };
    for (i, p) in model.params.iter().enumerate() {
        let name = lw.namer.keep(&p.ident);
        let binding = if p.differentiable {
            lw.vars.push(Var {
                name,
                block: 0,
                kind: VarKind::Param(i),
            });
            if crate::types::is_struct_like(&p.ty) {
                lw.structs.push(VarId(lw.vars.len() - 1));
            }
            Binding::Var(VarId(lw.vars.len() - 1))
        } else {
            Binding::Const(name)
        };
        lw.bind(&p.ident.to_string(), binding);
    }
    let mut body = model.func.block.clone();
    crate::desugar::split_tuples(&mut body);
    let stmts: Vec<syn::Stmt> = match &model.output {
        Some(output) if !model.options.has_aux => {
            crate::desugar::returns(&body, &output.value).stmts
        }
        _ => body.stmts,
    };
    lw.assigned_names = assigned_names(&stmts);
    // Where the signature has an error, the result is not lowered: its problems follow from that
    // error and would only repeat it.
    let result = if model.output.is_none() {
        for stmt in &stmts {
            if !matches!(stmt, syn::Stmt::Expr(_, None)) {
                lw.lower_stmt(stmt);
            }
        }
        None
    } else {
        lw.lower_body(&stmts)
    };
    if result.is_none() && errors.is_empty() {
        errors.at(
            &model.func.block,
            "the body must end with the function's value (a final expression or `return e;`)",
        );
    }
    let (ret, aux) = result?;
    if !errors.is_empty() {
        return None;
    }
    let const_reads = lw.const_reads;
    let mut logged = lw.logged;
    for v in read_in_regions(&lw.vars, &lw.block) {
        if !logged.contains(&v) {
            logged.push(v);
        }
    }
    Some((
        Function {
            vars: lw.vars,
            body: lw.block,
            ret,
            aux,
            scalar_consts: lw.scalar_consts,
            logged,
        },
        const_reads,
    ))
}

/// The arrays written element by element that a region the reverse sweep runs again (an arm, a loop
/// body, a `mapv` closure) reads, by variable or by name in constant code. Their writes are logged, so
/// that the reverse sweep undoes each write as it passes it and a region run again reads what it read
/// the first time, whatever was written after it.
fn read_in_regions(vars: &[Var], body: &Block) -> Vec<VarId> {
    let written = visit::element_writes(body);
    let mut names = std::collections::HashSet::new();
    let mut read = std::collections::HashSet::new();
    visit::blocks(body, visit::Depth::Closures, &mut |b| {
        if b.id == body.id {
            return;
        }
        for stmt in &b.stmts {
            visit::reads(stmt, &mut |v| {
                read.insert(v);
            });
            crate::naming::any_ident(visit::const_tokens(stmt), &mut |i| {
                names.insert(i.to_string());
                false
            });
        }
    });
    let mut out: Vec<VarId> = written
        .into_iter()
        .filter(|v| read.contains(v) || names.contains(&vars[v.0].name.to_string()))
        .collect();
    out.sort();
    out.dedup();
    out
}

impl Lowerer<'_> {
    fn bind(&mut self, name: &str, binding: Binding) {
        self.scopes
            .last_mut()
            .expect("a scope")
            .insert(name.to_string(), binding);
    }

    /// Rebinds a name where it is declared (an assignment, as opposed to a `let`).
    fn rebind(&mut self, name: &str, binding: Binding) {
        match self.scopes.iter().rposition(|s| s.contains_key(name)) {
            Some(k) => {
                let before = self.scopes[k]
                    .insert(name.to_string(), binding)
                    .expect("the scope binds the name");
                self.rebinds.push((name.to_string(), before, k));
            }
            None => self.bind(name, binding),
        }
    }

    /// `let` declares in the innermost scope; an assignment rebinds where the name was declared.
    fn put(&mut self, declare: bool, name: &str, binding: Binding) {
        if declare {
            self.bind(name, binding)
        } else {
            self.rebind(name, binding)
        }
    }

    fn lookup(&self, name: &str) -> Option<&Binding> {
        self.scopes.iter().rev().find_map(|s| s.get(name))
    }

    fn new_var(&mut self, base: &str, kind: VarKind, span: Span) -> VarId {
        let name = match kind {
            VarKind::Temp => self.namer.numbered(base),
            _ => self.namer.user(base, span),
        };
        self.vars.push(Var {
            name,
            kind,
            block: self.block.id,
        });
        VarId(self.vars.len() - 1)
    }

    /// Lowers the function's statements, the last of which gives its value. A statement
    /// `if c { ..; return a; }` makes the rest of the body its `else` arm.
    fn lower_body(&mut self, stmts: &[syn::Stmt]) -> Option<(Operand, Option<Aux>)> {
        if !self.has_aux {
            self.tail = true;
            return self.lower_stmts(stmts, true).map(|v| (v, None));
        }
        for (k, stmt) in stmts.iter().enumerate() {
            let last = k + 1 == stmts.len();
            if !last && flow::guard_chain(stmt, &[]).is_some() {
                self.errors.at(stmt, "an early `return` is not supported with `has_aux`; compute the pair once and return it at the end");
                return None;
            }
            match stmt {
                syn::Stmt::Expr(e, None) if last => return self.lower_result(e),
                syn::Stmt::Expr(Expr::Return(r), _) if last => match &r.expr {
                    Some(e) => return self.lower_result(e),
                    None => {
                        self.errors.at(r, "`return` needs the function's value");
                        return None;
                    }
                },
                _ => self.lower_stmt(stmt),
            }
        }
        None
    }

    fn push(
        &mut self,
        prim: &'static Prim,
        args: Vec<Operand>,
        extras: Vec<TokenStream>,
        span: Span,
    ) -> Operand {
        self.push_op(Op::Prim(prim), args, extras, span)
    }

    /// `dst = op(args.., extras..)` with a new temporary `dst`.
    fn push_op(
        &mut self,
        op: Op,
        args: Vec<Operand>,
        extras: Vec<TokenStream>,
        span: Span,
    ) -> Operand {
        // A constant operand that names a counter is read again by the reverse rule: keep its value.
        let args = args
            .into_iter()
            .map(|a| match a {
                Operand::Const(tokens) => Operand::Const(self.freeze(tokens)),
                var => var,
            })
            .collect();
        let dst = self.new_var("t", VarKind::Temp, span);
        self.block.stmts.push(Stmt::Instr(Instr {
            dst,
            op,
            args,
            extras,
            ascription: None,
            span,
        }));
        Operand::Var(dst)
    }

    /// The function's value: with `has_aux`, a pair `(value, aux)`.
    fn lower_result(&mut self, e: &Expr) -> Option<(Operand, Option<Aux>)> {
        if !self.has_aux {
            return Some((self.lower_expr(e)?, None));
        }
        match strip_parens(e) {
            Expr::Tuple(t) if t.elems.len() == 2 => {
                let value = self.lower_expr(&t.elems[0]);
                let aux = self.lower_aux(&t.elems[1]);
                Some((value?, Some(aux?)))
            }
            other => {
                self.errors.at(other, "with `has_aux`, end the function with a pair `(value, aux)` written out, like `(loss, predictions)`");
                None
            }
        }
    }

    /// The auxiliary value: any expression of the subset, or a tuple of them.
    fn lower_aux(&mut self, e: &Expr) -> Option<Aux> {
        match strip_parens(e) {
            Expr::Tuple(t) => {
                let parts: Vec<Option<Aux>> = t.elems.iter().map(|e| self.lower_aux(e)).collect();
                Some(Aux::Tuple(parts.into_iter().collect::<Option<_>>()?))
            }
            other => Some(Aux::Value(self.lower_expr(other)?)),
        }
    }

    fn lower_stmt(&mut self, stmt: &syn::Stmt) {
        match stmt {
            syn::Stmt::Local(local) => self.lower_let(local),
            syn::Stmt::Expr(e, _) => self.lower_effect(e),
            syn::Stmt::Macro(m) => self.lower_macro_stmt(&m.mac, m.to_token_stream()),
            syn::Stmt::Item(item) => self.errors.at(item, "items inside a #[differentiable] function are not supported; move this item out of the function"),
        }
    }

    fn lower_let(&mut self, local: &syn::Local) {
        let pat = match &local.pat {
            Pat::Type(t) => &*t.pat,
            other => other,
        };
        if let Some((_, diverge)) = local.init.as_ref().and_then(|i| i.diverge.as_ref()) {
            self.errors.at(diverge, "`let .. else` is not supported; bind the value with a plain `let`, and leave early before it with `if c { return v; }`");
            for name in pattern_names(pat) {
                self.bind(&name, Binding::Poisoned);
            }
            return;
        }
        if let (Pat::Wild(_), Some(init)) = (pat, &local.init) {
            // `let _ = e;` evaluates `e` and drops it.
            let _ = self.lower_expr(&init.expr);
            return;
        }
        let (ident, mutability, ty) = match &local.pat {
            Pat::Ident(p) if p.by_ref.is_none() && p.subpat.is_none() => (p.ident.clone(), p.mutability, None),
            Pat::Type(t) => match &*t.pat {
                Pat::Ident(p) if p.by_ref.is_none() && p.subpat.is_none() => (p.ident.clone(), p.mutability, Some((*t.ty).clone())),
                other => return self.errors.at(other, "destructuring is supported only for a tuple written out (`let (a, b) = (x, y);`); bind the value to one name instead"),
            },
            other => return self.errors.at(other, "destructuring is supported only for a tuple written out (`let (a, b) = (x, y);`); bind the value to one name instead"),
        };
        let Some(init) = &local.init else {
            self.errors.at(local, format!("late initialization is not supported yet: give `{ident}` its value where it is declared, as in `let {ident} = if c {{ .. }} else {{ .. }};`"));
            // Its assignments and uses are not reported again.
            return self.bind(&ident.to_string(), Binding::Poisoned);
        };
        let before = self.vars.len();
        let errors_before = self.errors_len();
        let Some(value) = self.lower_expr(&init.expr) else {
            if self.errors_len() == errors_before
                && !self.mentions_poisoned(quote::ToTokens::to_token_stream(&*init.expr))
            {
                self.errors.at(
                    &init.expr,
                    "this value could not be differentiated; please report it with the function",
                );
            }
            return self.bind(&ident.to_string(), Binding::Poisoned);
        };
        self.bind_value(&ident, true, mutability.is_some(), ty, value, before);
    }

    /// Binds a source name to a value: a fresh temporary takes the name, an existing variable is aliased,
    /// a constant becomes a `let` of its own.
    fn bind_value(
        &mut self,
        ident: &syn::Ident,
        declare: bool,
        mutable: bool,
        ty: Option<syn::Type>,
        value: Operand,
        before: usize,
    ) {
        match value {
            Operand::Var(v) if v.0 >= before && self.vars[v.0].kind == VarKind::Temp => {
                let name = self.namer.user(&ident.to_string(), ident.span());
                self.vars[v.0].name = name;
                self.vars[v.0].kind = VarKind::Local;
                if let Some(Stmt::Instr(instr)) = self.block.stmts.last_mut() {
                    if instr.dst == v {
                        instr.ascription = ty;
                    }
                }
                self.put(declare, &ident.to_string(), Binding::Var(v));
            }
            Operand::Var(v) => {
                if declare && mutable {
                    self.mut_aliases.insert(ident.to_string());
                }
                self.put(declare, &ident.to_string(), Binding::Var(v))
            }
            Operand::Const(tokens) => {
                let name = self.namer.user(&ident.to_string(), ident.span());
                let mutability = mutable.then(|| quote!(mut));
                let ty = ty.map(|t| quote!(: #t));
                self.block.stmts.push(Stmt::Verbatim {
                    tokens: quote!(let #mutability #name #ty = #tokens;),
                    reads: Vec::new(),
                });
                self.const_blocks.insert(name.to_string(), self.block.id);
                if let Ok(syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Float(_),
                    ..
                })) = syn::parse2::<Expr>(tokens.clone())
                {
                    self.scalar_consts.insert(name.to_string());
                }
                if mutable && self.assigned_names.contains(&ident.to_string()) {
                    self.mutable_consts.insert(name.to_string());
                }
                self.put(declare, &ident.to_string(), Binding::Const(name));
            }
        }
    }

    /// An expression statement: an assignment, or an expression whose value is dropped.
    fn lower_effect(&mut self, e: &Expr) {
        match e {
            Expr::If(i) => {
                let _ = self.lower_if(i, false);
            }
            Expr::ForLoop(f) => self.lower_for(f),
            Expr::While(w) => self.lower_while(w),
            Expr::Loop(l) => self.lower_infinite(l),
            Expr::Break(b) => self.lower_break(b),
            Expr::Continue(c) => self.lower_continue(c),
            Expr::Block(b) if b.label.is_none() => {
                self.scopes.push(HashMap::new());
                self.lower_stmts(&b.block.stmts, false);
                self.scopes.pop();
            }
            Expr::Assign(a) if matches!(strip_parens(&a.left), Expr::Index(_)) => {
                self.lower_element_write(&a.left, None, &a.right)
            }
            Expr::Binary(b) if is_compound(&b.op) && matches!(strip_parens(&b.left), Expr::Index(_)) => {
                self.lower_element_write(&b.left, Some(&b.op), &b.right)
            }
            Expr::Assign(a) => self.lower_assign(&a.left, None, &a.right, e),
            Expr::Binary(b) if is_compound(&b.op) => {
                self.lower_assign(&b.left, Some(&b.op), &b.right, e)
            }
            Expr::Macro(m) => self.lower_macro_stmt(&m.mac, e.to_token_stream()),
            Expr::Return(r) => self.errors.at(
                r,
                "`return` is supported at the end of the function and as `if c { ..; return v; }` outside loops; end the function with its value",
            ),
            other => {
                let _ = self.lower_expr(other);
            }
        }
    }

    fn lower_assign(&mut self, left: &Expr, op: Option<&syn::BinOp>, right: &Expr, whole: &Expr) {
        let Expr::Path(p) = strip_parens(left) else {
            return self.errors.at(left, "only assignments to a local variable (`x = ..`, `x += ..`) are supported here; element writes `y[i] = ..` are not yet");
        };
        let Some(ident) = p.path.get_ident().cloned() else {
            return self
                .errors
                .at(left, "only assignments to a local variable are supported");
        };
        let Some(current) = self.lookup(&ident.to_string()).cloned() else {
            return self.errors.at(
                left,
                format!("`{ident}` is not a local variable of this function"),
            );
        };
        if matches!(current, Binding::Poisoned) {
            return;
        }
        if let (Some(ctx), Some(depth)) = (
            self.loops.last(),
            self.scopes
                .iter()
                .rposition(|s| s.contains_key(&ident.to_string())),
        ) {
            let carried = ctx.carried_contains(&ident.to_string());
            if depth < ctx.scope_depth() && !carried && matches!(current, Binding::Var(_)) {
                return self.errors.at(left, format!("`{ident}` is assigned inside this loop but could not be analysed as a value the loop carries; assign it with `{ident} = ..` or `{ident} += ..` directly in the loop"));
            }
        }
        let before = self.vars.len();
        let value = match op {
            None => self.lower_expr(right),
            Some(op) => {
                let prim = prims::binary_operator(op);
                // `s += e` and `s -= e` only accumulate into `s`; any other operator reads its value.
                if !matches!(op, syn::BinOp::AddAssign(_) | syn::BinOp::SubAssign(_)) {
                    self.note_read(&ident.to_string());
                }
                let lhs = match &current {
                    Binding::Var(v) => Operand::Var(*v),
                    Binding::Const(name) => Operand::Const(quote!(#name)),
                    Binding::Poisoned => return,
                };
                let rhs = self.lower_expr(right);
                match (prim, rhs) {
                    (_, None) => None,
                    (_, Some(Operand::Const(_))) if matches!(lhs, Operand::Const(_)) => {
                        let tokens = self.rewrite_expr(whole);
                        if let Binding::Const(name) = &current {
                            let name = name.clone();
                            self.note_mutation(&ident.to_string(), &name);
                        }
                        self.block.stmts.push(Stmt::Verbatim {
                            tokens: quote!(#tokens;),
                            reads: Vec::new(),
                        });
                        return;
                    }
                    (None, _) => {
                        self.errors.at(op, "this compound assignment is not supported on differentiable values; use `+=`, `-=`, `*=` or `/=`");
                        None
                    }
                    (Some(prim), Some(rhs)) => {
                        Some(self.push(prim, vec![lhs, rhs], Vec::new(), first_span(whole)))
                    }
                }
            }
        };
        let Some(value) = value else { return };
        match (&current, value) {
            (Binding::Const(name), Operand::Const(tokens)) => {
                let name = name.clone();
                self.note_mutation(&ident.to_string(), &name);
                self.block.stmts.push(Stmt::Verbatim {
                    tokens: quote!(#name = #tokens;),
                    reads: Vec::new(),
                });
            }
            (Binding::Var(old), Operand::Const(tokens)) => {
                // The constant's type is the variable's, as in the source (`t = Array1::zeros(2)`).
                self.const_reads.push(*old);
                let old = &self.vars[old.0].name;
                let value =
                    Operand::Const(quote!(::autodiff::__private::same_type(&#old, #tokens)));
                self.bind_value(&ident, false, true, None, value, before)
            }
            (_, value) => self.bind_value(&ident, false, true, None, value, before),
        }
    }

    fn lower_macro_stmt(&mut self, mac: &syn::Macro, tokens: TokenStream) {
        let name = last_segment(&mac.path);
        if matches!(
            name.as_str(),
            "assert"
                | "assert_eq"
                | "assert_ne"
                | "debug_assert"
                | "debug_assert_eq"
                | "debug_assert_ne"
        ) {
            let (tokens, reads) = self.rewrite_tokens(tokens);
            self.const_reads.extend(reads.iter().copied());
            self.block.stmts.push(Stmt::Verbatim {
                tokens: quote!(#tokens;),
                reads,
            });
        } else {
            self.errors.at(mac, format!("macro `{name}!` is not supported in a #[differentiable] function (only `s!`, `vec!`, `array!` over constants, `concatenate!`/`stack!`, and the `assert!` family)"));
        }
    }

    fn lower_block(&mut self, block: &syn::Block) -> Option<Operand> {
        self.scopes.push(HashMap::new());
        let mut result = None;
        for (k, stmt) in block.stmts.iter().enumerate() {
            match stmt {
                syn::Stmt::Expr(e, None) if k + 1 == block.stmts.len() => {
                    result = self.lower_expr(e)
                }
                _ => self.lower_stmt(stmt),
            }
        }
        // Assignments inside the block rebind names where they are declared, so they stay in effect.
        self.scopes.pop();
        if result.is_none() {
            self.errors.at(block, "this block must end with a value");
        }
        result
    }

    /// Lowers an expression to an operand; `None` after recording an error.
    fn lower_expr(&mut self, e: &Expr) -> Option<Operand> {
        match e {
            Expr::Lit(_) => Some(Operand::Const(e.to_token_stream())),
            Expr::Paren(p) => self.lower_expr(&p.expr),
            Expr::Group(g) => self.lower_expr(&g.expr),
            Expr::Path(p) => self.lower_path(p),
            Expr::Reference(r) => {
                if r.mutability.is_some() {
                    self.errors
                        .at(r, "`&mut` is not supported in a #[differentiable] function: it must not mutate its inputs; take a shared reference `&x` instead");
                    return None;
                }
                self.lower_expr(&r.expr)
            }
            Expr::Unary(u) => match u.op {
                syn::UnOp::Deref(_) => Some(match self.lower_expr(&u.expr)? {
                    Operand::Const(t) => Operand::Const(quote!((*(#t)))),
                    var => var,
                }),
                syn::UnOp::Not(_) => match self.lower_expr(&u.expr)? {
                    // Built from the lowered operand: a comparison inside reads lowered values.
                    Operand::Const(t) => Some(Operand::Const(quote!((!(#t))))),
                    Operand::Var(_) => self.constant_only(e, &[&u.expr]),
                },
                syn::UnOp::Neg(_) => {
                    let x = self.lower_expr(&u.expr)?;
                    Some(match x {
                        Operand::Const(_) => self.constant(e),
                        x => self.push(prims::neg(), vec![x], Vec::new(), first_span(e)),
                    })
                }
                _ => self.constant_only(e, &[&u.expr]),
            },
            Expr::Binary(b) => self.lower_binary(b, e),
            Expr::MethodCall(m) => self.lower_method(m, e),
            Expr::Call(c) => self.lower_call(c, e),
            Expr::Cast(c) => {
                let inner = self.lower_expr(&c.expr)?;
                match inner {
                    Operand::Const(_) => Some(self.constant(e)),
                    Operand::Var(v) if self.fields.contains(&v) => Some(self.constant(e)),
                    Operand::Var(_) => {
                        self.errors.at(e, "a cast of a differentiable value is not supported: casts are constants; write float literals of the function's type instead");
                        None
                    }
                }
            }
            Expr::Block(b) if b.label.is_none() => self.lower_block(&b.block),
            Expr::If(i) => self.lower_if(i, true),
            Expr::Index(i) => self.lower_index(i, e),
            Expr::Macro(m) => self.lower_macro_expr(&m.mac, e),
            Expr::Field(f) => self.lower_field(f, e),
            Expr::Tuple(t) if t.elems.is_empty() => Some(Operand::Const(quote!(()))),
            // Arrays of constants are constants (`[0.0; 4]`, `[1.0, 2.0]`); of values, an error below.
            Expr::Array(a) if self.all_constant(a.elems.iter()) => Some(self.constant(e)),
            Expr::Repeat(r) if self.all_constant(std::iter::once(&*r.expr)) => {
                Some(self.constant(e))
            }
            Expr::Tuple(t) => {
                let parts: Vec<&Expr> = t.elems.iter().collect();
                self.constant_only(e, &parts)
            }
            Expr::Range(r) => {
                let parts: Vec<&Expr> = r.start.iter().chain(r.end.iter()).map(|b| &**b).collect();
                self.constant_only(e, &parts)
            }
            other => {
                self.errors.at(other, unsupported(other));
                None
            }
        }
    }

    fn lower_path(&mut self, p: &syn::ExprPath) -> Option<Operand> {
        if let Some(ident) = p.path.get_ident() {
            match self.lookup(&ident.to_string()) {
                Some(Binding::Var(v)) => {
                    let v = *v;
                    self.note_read(&ident.to_string());
                    if self.vars[v.0].kind == VarKind::Storage {
                        return self.read_storage(v, ident);
                    }
                    return Some(Operand::Var(v));
                }
                Some(Binding::Const(name)) => {
                    let name = name.clone();
                    if self.const_refs.contains(&name.to_string()) {
                        return Some(Operand::Const(quote!((&#name))));
                    }
                    return Some(Operand::Const(quote!(#name)));
                }
                Some(Binding::Poisoned) => return None,
                None => {}
            }
        }
        // A constant item, an enum variant, a path like `std::f64::consts::PI`.
        Some(Operand::Const(p.to_token_stream()))
    }

    fn lower_binary(&mut self, b: &syn::ExprBinary, whole: &Expr) -> Option<Operand> {
        if is_comparison(&b.op) || matches!(b.op, syn::BinOp::And(_) | syn::BinOp::Or(_)) {
            // A comparison is a constant (a bool) even over differentiable values: kept as written and
            // evaluated there, never lowered (`i < n && x[i] > 0.0` must not read `x[i]` first).
            return Some(self.constant(whole));
        }
        let lhs = self.lower_expr(&b.left);
        let rhs = self.lower_expr(&b.right);
        let (lhs, rhs) = (lhs?, rhs?);
        if is_compound(&b.op) {
            self.errors.at(
                whole,
                "a compound assignment is a statement here; write it on its own line",
            );
            return None;
        }
        if matches!((&lhs, &rhs), (Operand::Const(_), Operand::Const(_))) {
            return Some(self.constant(whole));
        }
        match prims::binary_operator(&b.op) {
            Some(prim) => Some(self.push(prim, vec![lhs, rhs], Vec::new(), first_span(whole))),
            None => {
                self.errors.at(b.op, "this operator is not differentiable here; the supported arithmetic is `+ - * /`");
                None
            }
        }
    }

    fn lower_method(&mut self, m: &syn::ExprMethodCall, whole: &Expr) -> Option<Operand> {
        let name = m.method.to_string();
        if prims::is_constant_method(&name) {
            return Some(self.constant(whole));
        }
        if matches!(name.as_str(), "unwrap" | "expect") {
            if let Expr::MethodCall(inner) = strip_parens(&m.receiver) {
                if prims::method(&inner.method.to_string()).is_some_and(|p| p.unwraps) {
                    return self.lower_prim_call(
                        prims::method(&inner.method.to_string())?,
                        &inner.receiver,
                        inner.args.iter().collect(),
                        whole,
                    );
                }
            }
        }
        if name == "mapv" {
            return self.lower_mapv(m, whole);
        }
        if let Some(prim) = prims::method(&name) {
            if prim.unwraps {
                self.errors.at(&m.method, format!("`{name}` returns an `Option`: write `.{name}(..).unwrap()` (or `.expect(..)`)"));
                return None;
            }
            return self.lower_prim_call(prim, &m.receiver, m.args.iter().collect(), whole);
        }
        let before = self.errors_len();
        let receiver = self.lower_expr(&m.receiver);
        let args_constant = m
            .args
            .iter()
            .all(|p| matches!(self.lower_expr(p), Some(Operand::Const(_))));
        match receiver {
            Some(Operand::Const(_)) if args_constant => return Some(self.constant(whole)),
            // A method of a `stop_gradient` value is a constant over that value.
            Some(Operand::Var(v)) if args_constant && self.frozen.contains(&v) => {
                self.const_reads.push(v);
                let name = self.vars[v.0].name.clone();
                let method = &m.method;
                let turbofish = &m.turbofish;
                let args: Vec<TokenStream> = m.args.iter().map(|a| self.rewrite_expr(a)).collect();
                return Some(Operand::Const(quote!(#name.#method #turbofish(#(#args),*))));
            }
            // A method of a parameter struct (or of `self`): differentiated through its `_vjp`.
            Some(Operand::Var(v)) if self.structs.contains(&v) => {
                let mut args = vec![(false, Operand::Var(v))];
                for a in &m.args {
                    args.push(self.call_argument(a)?);
                }
                let method = &m.method;
                let vjp = format_ident!("{}_vjp", method, span = method.span());
                return Some(self.push_call(
                    quote!(#method),
                    quote!(#vjp),
                    true,
                    args,
                    first_span(whole),
                ));
            }
            _ => {}
        }
        if self.errors_len() == before {
            self.errors.at(&m.method, format!("method `{name}` is not differentiable: it is not in the supported subset (see \"Supported subset\" in autodiff's README), nor a helper over constants.{} Wrap a value in `stop_gradient(..)` to use it as a constant", prims::closest_method(&name).map(|m| format!(" Did you mean `{m}`?")).unwrap_or_default()));
        }
        None
    }

    /// `p.w` (or `p.layer.w`, `t.0`): a read of a field of a differentiable struct, whose gradient is
    /// added into the struct's gradient in place.
    fn lower_field(&mut self, f: &syn::ExprField, whole: &Expr) -> Option<Operand> {
        let mut members = vec![f.member.clone()];
        let mut base = &*f.base;
        while let Expr::Field(inner) = strip_parens(base) {
            members.push(inner.member.clone());
            base = &inner.base;
        }
        members.reverse();
        match self.lower_expr(base)? {
            Operand::Const(_) => Some(self.constant(whole)),
            var => {
                let path = quote!(#(#members).*);
                let field = self.push(prims::field(), vec![var], vec![path], first_span(whole));
                if let Operand::Var(v) = &field {
                    self.structs.push(*v);
                    self.fields.push(*v);
                }
                Some(field)
            }
        }
    }

    /// `concatenate![Axis(k), a, b, ..]` / `stack![Axis(k), a, b, ..]` of arrays.
    fn lower_join(&mut self, mac: &syn::Macro, stack: bool, whole: &Expr) -> Option<Operand> {
        let parts = match mac
            .parse_body_with(syn::punctuated::Punctuated::<Expr, syn::Token![,]>::parse_terminated)
        {
            Ok(parts) => parts,
            Err(e) => {
                self.errors.push(e);
                return None;
            }
        };
        let mut parts = parts.into_iter();
        let Some(axis) = parts.next() else {
            self.errors.at(mac, "`concatenate!`/`stack!` take an axis and the arrays: `concatenate![Axis(0), a, b]`");
            return None;
        };
        let arrays: Vec<Operand> = parts.map(|p| self.lower_expr(&p)).collect::<Option<_>>()?;
        if arrays.iter().all(|a| matches!(a, Operand::Const(_))) {
            return Some(self.constant(whole));
        }
        let (axis, reads) = self.rewrite_tokens(axis.to_token_stream());
        self.const_reads.extend(reads);
        let axis = self.freeze(axis);
        Some(self.push_op(Op::Join { stack }, arrays, vec![axis], first_span(whole)))
    }

    /// An argument of a call: whether it was passed by reference, and its value.
    fn call_argument(&mut self, a: &Expr) -> Option<(bool, Operand)> {
        match strip_parens(a) {
            Expr::Reference(r) if r.mutability.is_none() => Some((true, self.lower_expr(&r.expr)?)),
            other => Some((false, self.lower_expr(other)?)),
        }
    }

    /// `dst = path(args..)` through `path_vjp`.
    fn push_call(
        &mut self,
        path: TokenStream,
        vjp: TokenStream,
        method: bool,
        args: Vec<(bool, Operand)>,
        span: Span,
    ) -> Operand {
        let (by_ref, args): (Vec<bool>, Vec<Operand>) = args.into_iter().unzip();
        let site = CallSite {
            path,
            vjp,
            method,
            by_ref,
        };
        self.push_op(Op::Call(Box::new(site)), args, Vec::new(), span)
    }

    fn errors_len(&self) -> usize {
        self.errors.len()
    }

    /// `prim(receiver, args..)`: the first `arity - 1` arguments are operands, the rest extras.
    fn lower_prim_call(
        &mut self,
        prim: &'static Prim,
        receiver: &Expr,
        args: Vec<&Expr>,
        whole: &Expr,
    ) -> Option<Operand> {
        if args.len() + 1 != prim.arity + prim.extras {
            let expected = prim.arity + prim.extras - 1;
            self.errors.at(
                whole,
                format!(
                    "`{}` takes {expected} argument{} here",
                    prim.name,
                    if expected == 1 { "" } else { "s" }
                ),
            );
            return None;
        }
        let mut operands = vec![self.lower_expr(receiver)];
        for a in &args[..prim.arity - 1] {
            operands.push(self.lower_expr(a));
        }
        let operands: Vec<Operand> = operands.into_iter().collect::<Option<_>>()?;
        if operands.iter().all(|o| matches!(o, Operand::Const(_))) {
            return Some(self.constant(whole));
        }
        let mut extras = Vec::new();
        for a in &args[prim.arity - 1..] {
            let (tokens, reads) = self.rewrite_tokens(strip_parens(a).to_token_stream());
            // Names in a constant argument are read for their shapes (`x.len()`): keep them computed.
            self.const_reads.extend(reads);
            extras.push(self.freeze(tokens));
        }
        Some(self.push(prim, operands, extras, first_span(whole)))
    }

    fn lower_call(&mut self, c: &syn::ExprCall, whole: &Expr) -> Option<Operand> {
        let Expr::Path(path) = strip_parens(&c.func) else {
            self.errors
                .at(&c.func, "only calls of functions by path are supported");
            return None;
        };
        if let Some(ident) = path.path.get_ident() {
            if matches!(self.lookup(&ident.to_string()), Some(Binding::Poisoned)) {
                return None;
            }
        }
        let segments: Vec<String> = path
            .path
            .segments
            .iter()
            .map(|s| s.ident.to_string())
            .collect();
        let last = segments.last().cloned().unwrap_or_default();
        if last == "stop_gradient" && c.args.len() == 1 {
            let x = self.lower_expr(&c.args[0])?;
            return Some(match x {
                Operand::Const(_) => self.constant(whole),
                x => {
                    let frozen = self.push(&prims::STOP, vec![x], Vec::new(), first_span(whole));
                    self.frozen.extend(frozen.var());
                    frozen
                }
            });
        }
        // `Array::from_elem(shape, x)`: an array filled with a (possibly differentiable) scalar.
        if last == "from_elem" && c.args.len() == 2 {
            let value = self.lower_expr(&c.args[1])?;
            if let Operand::Var(_) = value {
                let (shape, reads) = self.rewrite_tokens(c.args[0].to_token_stream());
                self.const_reads.extend(reads);
                let shape = self.freeze(shape);
                return Some(self.push(
                    prims::method("from_elem")?,
                    vec![value],
                    vec![shape],
                    first_span(whole),
                ));
            }
        }
        let float_path = segments.len() == 2 && matches!(segments[0].as_str(), "f32" | "f64");
        if float_path {
            if let Some(prim) = prims::method(&last).filter(|p| !p.unwraps) {
                if let Some((receiver, rest)) = c.args.iter().collect::<Vec<_>>().split_first() {
                    return self.lower_prim_call(prim, receiver, rest.to_vec(), whole);
                }
            }
        }
        let before = self.errors_len();
        let all_constant = c
            .args
            .iter()
            .all(|a| matches!(self.lower_expr(a), Some(Operand::Const(_))));
        if all_constant {
            return Some(self.constant(whole));
        }
        if self.errors_len() != before {
            return None;
        }
        if float_path {
            let name = path.path.to_token_stream().to_string().replace(' ', "");
            self.errors.at(&c.func, format!("`{name}` is not differentiable: it is not one of the supported scalar functions. Wrap its argument in `stop_gradient(..)` to use it as a constant"));
            return None;
        }
        // Any other function: differentiated through `name_vjp`, generated by #[differentiable] on it
        // or written by hand (a custom rule).
        let mut args = Vec::new();
        for a in &c.args {
            args.push(self.call_argument(a)?);
        }
        let mut vjp = path.path.clone();
        let last_segment = vjp.segments.last_mut().expect("a path has a segment");
        last_segment.ident = format_ident!(
            "{}_vjp",
            last_segment.ident,
            span = last_segment.ident.span()
        );
        let func = &path.path;
        Some(self.push_call(quote!(#func), quote!(#vjp), false, args, first_span(whole)))
    }

    fn lower_macro_expr(&mut self, mac: &syn::Macro, whole: &Expr) -> Option<Operand> {
        let name = last_segment(&mac.path);
        if matches!(name.as_str(), "concatenate" | "stack") {
            return self.lower_join(mac, name == "stack", whole);
        }
        if !matches!(name.as_str(), "vec" | "array" | "s") {
            self.errors.at(mac, format!("macro `{name}!` is not supported in a #[differentiable] function (only `s!`, `vec!` and `array!` over constants, and `concatenate!`/`stack!`)"));
            return None;
        }
        let (tokens, reads) = self.rewrite_tokens(whole.to_token_stream());
        // `vec![0.0; x.len()]` reads `x` for a shape; `array![x, y]` would make its values constants.
        if let Some(v) = value_read(&tokens, &reads, &self.vars) {
            let var = &self.vars[v.0].name;
            self.errors.at(mac, format!("`{name}!` over the differentiable value `{var}` is not supported; write the elements into a local array instead: `let mut a = Array1::zeros(n); a[0] = ..; a[1] = ..;`"));
            return None;
        }
        self.const_reads.extend(reads);
        Some(Operand::Const(tokens))
    }

    fn lower_mapv(&mut self, m: &syn::ExprMethodCall, whole: &Expr) -> Option<Operand> {
        if m.args.len() != 1 {
            self.errors.at(whole, "`mapv` takes one function");
            return None;
        }
        let receiver = self.lower_expr(&m.receiver)?;
        if matches!(receiver, Operand::Const(_)) && !self.closure_captures_values(&m.args[0]) {
            return Some(self.constant(whole));
        }
        match strip_parens(&m.args[0]) {
            Expr::Path(p) => {
                let last = last_segment(&p.path);
                match prims::method(&last)
                    .filter(|p| p.arity == 1 && p.extras == 0 && p.reads_output)
                {
                    Some(prim) => {
                        Some(self.push(prim, vec![receiver], Vec::new(), first_span(whole)))
                    }
                    None => {
                        {
                            let text = p.to_token_stream().to_string().replace(' ', "");
                            self.errors.at(p, format!("`mapv({text})` is not differentiable: pass a closure `|v| ..` or an elementwise function like `f64::tanh`"));
                        }
                        None
                    }
                }
            }
            Expr::Closure(c) => self.lower_closure(c, receiver, whole),
            other => {
                self.errors.at(
                    other,
                    "`mapv` takes a closure `|v| ..` or a function path like `f64::exp`",
                );
                None
            }
        }
    }

    /// Whether `f` is a closure whose body names a differentiable value of the function (then a `mapv`
    /// of a constant array still carries that value's derivative).
    fn closure_captures_values(&self, f: &Expr) -> bool {
        let Expr::Closure(c) = strip_parens(f) else {
            return false;
        };
        let params: Vec<String> = c
            .inputs
            .iter()
            .map(|p| p.to_token_stream().to_string())
            .collect();
        crate::naming::any_ident(c.body.to_token_stream(), &mut |i| {
            let name = i.to_string();
            !params
                .iter()
                .any(|p| p.split_whitespace().next() == Some(name.as_str()))
                && matches!(self.lookup(&name), Some(Binding::Var(_)))
        })
    }

    fn lower_closure(
        &mut self,
        c: &syn::ExprClosure,
        receiver: Operand,
        whole: &Expr,
    ) -> Option<Operand> {
        if c.inputs.len() != 1 {
            self.errors
                .at(&c.inputs, "a `mapv` closure takes one parameter");
            return None;
        }
        let (ident, param_ty) = match &c.inputs[0] {
            Pat::Ident(p) => (p.ident.clone(), None),
            Pat::Type(t) => match &*t.pat {
                Pat::Ident(p) => (p.ident.clone(), Some((*t.ty).clone())),
                other => {
                    self.errors
                        .at(other, "the closure's parameter must be a name");
                    return None;
                }
            },
            other => {
                self.errors
                    .at(other, "the closure's parameter must be a name");
                return None;
            }
        };
        let outer = self.new_block();
        let param = self.new_var(&ident.to_string(), VarKind::ClosureParam, ident.span());
        self.scopes.push(HashMap::new());
        self.bind(&ident.to_string(), Binding::Var(param));
        let ret = self.lower_expr(&c.body);
        self.scopes.pop();
        let body = std::mem::replace(&mut self.block, outer);
        let ret = ret?;
        let mut captures = Vec::new();
        let mut read = |v: VarId| {
            if v.0 < param.0 && !captures.contains(&v) {
                captures.push(v);
            }
        };
        visit::stmts(&body, visit::Depth::Closures, &mut |s| {
            visit::reads(s, &mut read)
        });
        ret.var().into_iter().for_each(read);
        let mut args = vec![receiver];
        args.extend(captures.iter().map(|v| Operand::Var(*v)));
        let dst = self.new_var("t", VarKind::Temp, first_span(whole));
        self.block.stmts.push(Stmt::Instr(Instr {
            dst,
            op: Op::Mapv(Box::new(Closure {
                param,
                param_ty,
                body,
                ret,
            })),
            args,
            extras: Vec::new(),
            ascription: None,
            span: first_span(whole),
        }));
        Some(Operand::Var(dst))
    }

    /// Whether every expression names no differentiable value (read from their names, not lowered).
    fn all_constant<'e>(&self, mut exprs: impl Iterator<Item = &'e Expr>) -> bool {
        exprs.all(|e| {
            !crate::naming::any_ident(e.to_token_stream(), &mut |i| {
                matches!(
                    self.lookup(&i.to_string()),
                    Some(Binding::Var(_) | Binding::Poisoned)
                )
            })
        })
    }

    /// Whether these tokens name a variable whose definition already failed (its error is reported).
    fn mentions_poisoned(&self, tokens: proc_macro2::TokenStream) -> bool {
        crate::naming::any_ident(tokens, &mut |i| {
            matches!(self.lookup(&i.to_string()), Some(Binding::Poisoned))
        })
    }

    /// An expression that must be a constant: its parts are checked, then it is kept as written.
    fn constant_only(&mut self, e: &Expr, parts: &[&Expr]) -> Option<Operand> {
        let mut ok = true;
        for p in parts {
            match self.lower_expr(p) {
                Some(Operand::Const(_)) => {}
                Some(Operand::Var(v)) if self.fields.contains(&v) => {}
                Some(Operand::Var(_)) => {
                    ok = false;
                    let message = match e {
                        Expr::Tuple(_) => "a tuple of differentiable values can only be bound to a local and read through its fields (`let t = (a, b); t.0`), or destructured at once (`let (a, b) = (x, y);`); use separate variables otherwise".to_string(),
                        _ => format!("{} of a differentiable value is not supported yet", describe(e)),
                    };
                    self.errors.at(e, message);
                    break;
                }
                None => ok = false,
            }
        }
        ok.then(|| self.constant(e))
    }

    /// `e` kept as written, its names mapped to their current versions.
    fn constant(&mut self, e: &Expr) -> Operand {
        Operand::Const(self.rewrite_expr(e))
    }

    /// A constant argument that the reverse sweep reads: each counter it names that may change later
    /// (`i += 1`) is read from a copy of its value here. The expression itself stays where it is used,
    /// so that a view of a temporary (`&Array1::from_elem(2, c).slice(..)`) lives as long as its use.
    fn freeze(&mut self, tokens: TokenStream) -> TokenStream {
        let mut frozen: Vec<(proc_macro2::Ident, proc_macro2::Ident)> = Vec::new();
        let tokens = crate::naming::replace_idents(tokens, &mut |i| {
            if !self.mutable_consts.contains(&i.to_string()) {
                return None;
            }
            if let Some((_, copy)) = frozen.iter().find(|(c, _)| c == i) {
                return Some(copy.clone());
            }
            let copy = self.namer.numbered("at");
            frozen.push((i.clone(), copy.clone()));
            Some(copy)
        });
        for (counter, copy) in frozen {
            self.const_blocks.insert(copy.to_string(), self.block.id);
            self.block.stmts.push(Stmt::Verbatim {
                tokens: quote!(let #copy = ::core::clone::Clone::clone(&#counter);),
                reads: Vec::new(),
            });
        }
        tokens
    }

    fn rewrite_expr(&mut self, e: &Expr) -> TokenStream {
        let (tokens, reads) = self.rewrite_tokens(e.to_token_stream());
        self.const_reads.extend(reads);
        tokens
    }

    /// Renames every identifier of `tokens` that is a local binding to its emitted name; also returns
    /// the variables so read. Field names after `.` and path segments after `::` are left alone.
    fn rewrite_tokens(&self, tokens: TokenStream) -> (TokenStream, Vec<VarId>) {
        let mut reads = Vec::new();
        let out = self.rename(tokens, &mut reads);
        (out, reads)
    }

    fn rename(&self, tokens: TokenStream, reads: &mut Vec<VarId>) -> TokenStream {
        let mut out = Vec::new();
        let mut prev_punct: Option<char> = None;
        let mut prev_prev: Option<char> = None;
        for tt in tokens {
            let next = match tt {
                TokenTree::Ident(ref ident) => {
                    // `x.field` and `x.method()` (but not the range `..n`).
                    let after_dot = prev_punct == Some('.') && prev_prev != Some('.');
                    let after_path = prev_punct == Some(':') && prev_prev == Some(':');
                    match self.lookup(&ident.to_string()) {
                        Some(b) if !after_dot && !after_path => match b {
                            Binding::Poisoned => tt,
                            Binding::Var(v) => {
                                self.note_read_shared(&ident.to_string());
                                reads.push(*v);
                                let mut name = self.vars[v.0].name.clone();
                                name.set_span(ident.span());
                                if self.elem_refs.contains(v) {
                                    let group = proc_macro2::Group::new(
                                        proc_macro2::Delimiter::Parenthesis,
                                        quote!(&#name),
                                    );
                                    TokenTree::Group(group)
                                } else {
                                    TokenTree::Ident(name)
                                }
                            }
                            Binding::Const(name) => {
                                let mut name = name.clone();
                                name.set_span(ident.span());
                                if self.const_refs.contains(&name.to_string()) {
                                    let group = proc_macro2::Group::new(
                                        proc_macro2::Delimiter::Parenthesis,
                                        quote!(&#name),
                                    );
                                    TokenTree::Group(group)
                                } else {
                                    TokenTree::Ident(name)
                                }
                            }
                        },
                        _ => tt,
                    }
                }
                TokenTree::Group(g) => {
                    let mut group =
                        proc_macro2::Group::new(g.delimiter(), self.rename(g.stream(), reads));
                    group.set_span(g.span());
                    TokenTree::Group(group)
                }
                other => other,
            };
            prev_prev = prev_punct;
            prev_punct = match &next {
                TokenTree::Punct(p) => Some(p.as_char()),
                _ => None,
            };
            out.push(next);
        }
        out.into_iter().collect()
    }
}

/// The span of an expression's first token: what `Spanned::span` gives on stable Rust, without printing
/// the whole expression (which costs its size, and made long chains `a + b + ..` quadratic).
pub(crate) fn first_span(e: &Expr) -> Span {
    match e {
        Expr::Binary(b) => first_span(&b.left),
        Expr::MethodCall(m) => first_span(&m.receiver),
        Expr::Index(i) => first_span(&i.expr),
        Expr::Field(f) => first_span(&f.base),
        Expr::Call(c) => first_span(&c.func),
        Expr::Cast(c) => first_span(&c.expr),
        Expr::Paren(p) => p.paren_token.span.open(),
        Expr::Unary(u) => u.op.span(),
        Expr::Reference(r) => r.and_token.span,
        Expr::If(i) => i.if_token.span,
        Expr::Block(b) => b.block.brace_token.span.open(),
        other => other.span(),
    }
}

/// Every name that the statements assign, whole (`k = ..`, `k += ..`), outside closures too.
fn assigned_names(stmts: &[syn::Stmt]) -> std::collections::HashSet<String> {
    struct Assigned(std::collections::HashSet<String>);
    impl<'a> syn::visit::Visit<'a> for Assigned {
        fn visit_expr_assign(&mut self, a: &'a syn::ExprAssign) {
            if let Expr::Path(p) = strip_parens(&a.left) {
                if let Some(i) = p.path.get_ident() {
                    self.0.insert(i.to_string());
                }
            }
            syn::visit::visit_expr_assign(self, a);
        }
        fn visit_expr_binary(&mut self, b: &'a syn::ExprBinary) {
            if is_compound(&b.op) {
                if let Expr::Path(p) = strip_parens(&b.left) {
                    if let Some(i) = p.path.get_ident() {
                        self.0.insert(i.to_string());
                    }
                }
            }
            syn::visit::visit_expr_binary(self, b);
        }
    }
    let mut names = Assigned(std::collections::HashSet::new());
    for stmt in stmts {
        syn::visit::Visit::visit_stmt(&mut names, stmt);
    }
    names.0
}

/// The names a pattern binds.
fn pattern_names(pat: &Pat) -> Vec<String> {
    struct Names(Vec<String>);
    impl<'a> syn::visit::Visit<'a> for Names {
        fn visit_pat_ident(&mut self, p: &'a syn::PatIdent) {
            self.0.push(p.ident.to_string());
            syn::visit::visit_pat_ident(self, p);
        }
    }
    let mut names = Names(Vec::new());
    syn::visit::Visit::visit_pat(&mut names, pat);
    names.0
}

/// The first of `reads` that `tokens` use as a value rather than through a constant method (`x.len()`).
fn value_read(tokens: &TokenStream, reads: &[VarId], vars: &[Var]) -> Option<VarId> {
    fn walk(tokens: &TokenStream, names: &[(String, VarId)]) -> Option<VarId> {
        let trees: Vec<TokenTree> = tokens.clone().into_iter().collect();
        for (k, tt) in trees.iter().enumerate() {
            match tt {
                TokenTree::Ident(i) => {
                    let Some((_, v)) = names.iter().find(|(n, _)| *i == n.as_str()) else {
                        continue;
                    };
                    let method = match (trees.get(k + 1), trees.get(k + 2)) {
                        (Some(TokenTree::Punct(p)), Some(TokenTree::Ident(m)))
                            if p.as_char() == '.' =>
                        {
                            prims::is_constant_method(&m.to_string())
                        }
                        _ => false,
                    };
                    if !method {
                        return Some(*v);
                    }
                }
                TokenTree::Group(g) => {
                    if let Some(v) = walk(&g.stream(), names) {
                        return Some(v);
                    }
                }
                _ => {}
            }
        }
        None
    }
    let names: Vec<(String, VarId)> = reads
        .iter()
        .map(|v| (vars[v.0].name.to_string(), *v))
        .collect();
    walk(tokens, &names)
}

fn strip_parens(e: &Expr) -> &Expr {
    match e {
        Expr::Paren(p) => strip_parens(&p.expr),
        Expr::Group(g) => strip_parens(&g.expr),
        other => other,
    }
}

fn is_compound(op: &syn::BinOp) -> bool {
    use syn::BinOp::*;
    matches!(
        op,
        AddAssign(_)
            | SubAssign(_)
            | MulAssign(_)
            | DivAssign(_)
            | RemAssign(_)
            | BitXorAssign(_)
            | BitAndAssign(_)
            | BitOrAssign(_)
            | ShlAssign(_)
            | ShrAssign(_)
    )
}

fn is_comparison(op: &syn::BinOp) -> bool {
    use syn::BinOp::*;
    matches!(
        op,
        Eq(_) | Lt(_) | Le(_) | Ne(_) | Ge(_) | Gt(_) | And(_) | Or(_)
    )
}

fn describe(e: &Expr) -> &'static str {
    match e {
        Expr::Field(_) => "field access",
        Expr::Index(_) => "element access",
        Expr::Unary(_) => "this operator",
        _ => "this expression",
    }
}

/// The error message for a construct outside the subset.
fn unsupported(e: &Expr) -> String {
    let what = match e {
        Expr::ForLoop(_) | Expr::While(_) | Expr::Loop(_) => "a loop is a statement, not a value: write it on its own and use the variables it assigns",
        Expr::Match(_) => "`match` is not supported in a #[differentiable] function; use `if`/`else`",
        Expr::Closure(_) => "closures are only supported as the argument of `mapv`",
        Expr::Try(_) => "the `?` operator is not supported in a #[differentiable] function: a differentiable function returns its value directly",
        Expr::Await(_) | Expr::Async(_) => "`async`/`.await` is not supported in a #[differentiable] function",
        Expr::Unsafe(_) => "`unsafe` blocks are not supported in a #[differentiable] function",
        Expr::Tuple(_) => "tuples are not supported here (return a pair with `#[differentiable(has_aux)]`)",
        Expr::Return(_) => "an early `return` is not supported yet: end the function with its value",
        Expr::Break(_) | Expr::Continue(_) => "`break`/`continue` are not supported outside loops",
        Expr::Struct(_) => "struct literals are not supported in a #[differentiable] function",
        Expr::Array(_) | Expr::Repeat(_) => "array literals of differentiable values are not supported yet; write the elements into a local array instead: `let mut a = Array1::zeros(n); a[0] = ..; a[1] = ..;`",
        Expr::Let(_) => "`let` expressions are not supported",
        _ => "this expression is not supported in a #[differentiable] function",
    };
    what.to_string()
}

/// The last segment of a path: `tanh` for `f64::tanh`, `assert` for `std::assert!`.
fn last_segment(path: &syn::Path) -> String {
    path.segments
        .last()
        .map(|s| s.ident.to_string())
        .unwrap_or_default()
}
