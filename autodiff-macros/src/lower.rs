//! Lowering: the function body, as syn parsed it, to the IR of [`crate::ir`].
//!
//! Every expression becomes a chain of instructions, one primitive each, or a constant expression kept as
//! written. Whatever is outside the supported subset is recorded as an error at its own span and lowering
//! goes on, so that one compile reports every problem.

mod constants;
mod elements;
mod exprs;
mod flow;
mod loops;
mod scan;
mod stmts;

use crate::errors::{Errors, Reported};
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

/// The result of lowering a construct: `Err` carries the proof that its problem has been reported (now,
/// or earlier where it uses a name whose definition failed).
type Lowered<T> = Result<T, Reported>;

/// What a source name is bound to at a point of the body.
#[derive(Clone, PartialEq)]
enum Binding {
    /// A value that may carry a derivative.
    Var(VarId),
    /// A constant, emitted under this name.
    Const(proc_macro2::Ident),
    /// A name whose definition had an error, with the proof that it was reported: uses are not
    /// reported again, they fail with that proof.
    Poisoned(Reported),
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
    /// Every name whose elements the function writes (`y[i] = ..`): a constant until its first write.
    element_written: std::collections::HashSet<String>,
    /// Constant locals bound to a scalar literal, by emitted name.
    scalar_consts: std::collections::HashSet<String>,
    /// Names bound by `let mut name = <variable>`: writing their elements writes a copy.
    mut_aliases: std::collections::HashSet<String>,
    /// The loops being lowered, innermost last.
    loops: Vec<loops::LoopCtx>,
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
    /// Iterator constructs the desugaring did not take apart, wrapped in a call of
    /// `__autodiff_unsupported<k>`: reported where a differentiable value flows through one.
    deferred: Vec<crate::desugar::IteratorDeferred>,
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
        element_written: std::collections::HashSet::new(),
        mut_aliases: std::collections::HashSet::new(),
        scalar_consts: std::collections::HashSet::new(),
        loops: Vec::new(),
        mutations: Vec::new(),
        next_block: 1,
        next_loop: 0,
        tail: false,
        rebinds: Vec::new(),
        elem_refs: std::collections::HashSet::new(),
        const_refs: std::collections::HashSet::new(),
        deferred: Vec::new(),
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
    let signature_types = model
        .params
        .iter()
        .map(|p| &p.ty)
        .chain(model.output.as_ref().map(|o| &o.value));
    if let Some(elem) = crate::desugar::float_elem(signature_types, &model.func.sig.generics) {
        crate::desugar::pin_constructors(&mut body, &elem);
    }
    // Local closures first: their bodies, written out where they are called, are then desugared like
    // the rest (matches and iterator chains in them).
    let closures = crate::desugar::inline_closures(&mut body, errors);
    // Before the iterators: a labelled loop over an iterator is then taken apart like any other.
    crate::desugar::rewrite_labels(&mut body);
    let late = crate::desugar::late_init(&mut body, errors);
    crate::desugar::rewrite_if_lets(&mut body);
    // Matches first, so that a reduction in an arm is taken apart inside the arm; matches again after
    // the iterators, for those in the closures that became loop bodies.
    crate::desugar::rewrite_matches(&mut body);
    let context = crate::desugar::IteratorContext {
        params: model
            .params
            .iter()
            .map(|p| (p.ident.to_string(), &p.ty, p.differentiable))
            .collect(),
        output: model.output.as_ref().map(|o| &o.value),
    };
    let iterators = crate::desugar::rewrite_iterators(&mut body, &context, errors);
    if let Some(reported) = iterators.reported.or(closures).or(late) {
        lw.bind(
            crate::desugar::ITERATOR_REPORTED,
            Binding::Poisoned(reported),
        );
    }
    lw.deferred = iterators.deferred;
    crate::desugar::split_tuples(&mut body);
    crate::desugar::rewrite_matches(&mut body);
    // After the iterators: their loops are index loops over ranges, whose trip counts size the buffer.
    crate::desugar::rewrite_pushes(&mut body);
    crate::desugar::rewrite_in_place(&mut body);
    let stmts: Vec<syn::Stmt> = match &model.output {
        Some(output) if !model.options.has_aux => {
            crate::desugar::returns(&body, &output.value).stmts
        }
        _ => body.stmts,
    };
    (lw.assigned_names, lw.element_written) = assignments(&stmts);
    // Where the signature has an error, the result is not lowered: its problems follow from that
    // error and would only repeat it.
    let result = if model.output.is_none() {
        for stmt in &stmts {
            if !matches!(stmt, syn::Stmt::Expr(_, None)) {
                lw.lower_stmt(stmt);
            }
        }
        Ok(None)
    } else {
        lw.lower_body(&stmts)
    };
    let (ret, aux) = match result {
        Ok(Some(result)) => result,
        // The body gives no value: reported only where nothing else was (an error in the signature or
        // in a statement explains it).
        Ok(None) => {
            if errors.is_empty() {
                errors.at(
                    &model.func.block,
                    "the body must end with the function's value (a final expression or `return e;`)",
                );
            }
            return None;
        }
        Err(_) => return None,
    };
    if !errors.is_empty() {
        return None;
    }
    let const_reads = lw.const_reads;
    // Which arrays have their writes logged is the regions analysis's answer, not lowering's.
    let logged = crate::analysis::regions::read_in_regions(&lw.vars, &lw.block);
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
    /// `if c { ..; return a; }` makes the rest of the body its `else` arm. `Ok(None)`: the statements
    /// give no value, and nothing said why (the caller reports it).
    fn lower_body(&mut self, stmts: &[syn::Stmt]) -> Lowered<Option<(Operand, Option<Aux>)>> {
        if !self.has_aux {
            self.tail = true;
            return Ok(self.lower_stmts(stmts, true)?.map(|v| (v, None)));
        }
        for (k, stmt) in stmts.iter().enumerate() {
            let last = k + 1 == stmts.len();
            if !last && flow::guard_chain(stmt, &[]).is_some() {
                return Err(self.errors.at(stmt, "an early `return` is not supported with `has_aux`; compute the pair once and return it at the end"));
            }
            match stmt {
                syn::Stmt::Expr(e, None) if last => return self.lower_result(e).map(Some),
                syn::Stmt::Expr(Expr::Return(r), _) if last => match &r.expr {
                    Some(e) => return self.lower_result(e).map(Some),
                    None => return Err(self.errors.at(r, "`return` needs the function's value")),
                },
                _ => self.lower_stmt(stmt),
            }
        }
        Ok(None)
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
    fn lower_result(&mut self, e: &Expr) -> Lowered<(Operand, Option<Aux>)> {
        if !self.has_aux {
            return Ok((self.lower_expr(e)?, None));
        }
        match strip_parens(e) {
            Expr::Tuple(t) if t.elems.len() == 2 => {
                let value = self.lower_expr(&t.elems[0]);
                let aux = self.lower_aux(&t.elems[1]);
                Ok((value?, Some(aux?)))
            }
            other => Err(self.errors.at(other, "with `has_aux`, end the function with a pair `(value, aux)` written out, like `(loss, predictions)`")),
        }
    }

    /// The auxiliary value: any expression of the subset, or a tuple of them.
    fn lower_aux(&mut self, e: &Expr) -> Lowered<Aux> {
        match strip_parens(e) {
            Expr::Tuple(t) => {
                let parts: Vec<Lowered<Aux>> = t.elems.iter().map(|e| self.lower_aux(e)).collect();
                Ok(Aux::Tuple(parts.into_iter().collect::<Lowered<_>>()?))
            }
            other => Ok(Aux::Value(self.lower_expr(other)?)),
        }
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
pub(crate) fn assigned_names(stmts: &[syn::Stmt]) -> std::collections::HashSet<String> {
    assignments(stmts).0
}

/// The names the statements assign whole (`k = ..`, `k += ..`), and those whose elements they write
/// (`y[i] = ..`, `y[[i, j]] += ..`), closures too.
fn assignments(
    stmts: &[syn::Stmt],
) -> (
    std::collections::HashSet<String>,
    std::collections::HashSet<String>,
) {
    /// The name an assignment's left side writes: itself (whole), or the array it indexes.
    fn target(e: &Expr) -> Option<(String, bool)> {
        match strip_parens(e) {
            Expr::Path(p) => p.path.get_ident().map(|i| (i.to_string(), true)),
            Expr::Index(i) => target(&i.expr).map(|(name, _)| (name, false)),
            _ => None,
        }
    }
    #[derive(Default)]
    struct Assigned(
        std::collections::HashSet<String>,
        std::collections::HashSet<String>,
    );
    impl Assigned {
        fn add(&mut self, left: &Expr) {
            match target(left) {
                Some((name, true)) => self.0.insert(name),
                Some((name, false)) => self.1.insert(name),
                None => false,
            };
        }
    }
    impl<'a> syn::visit::Visit<'a> for Assigned {
        fn visit_expr_assign(&mut self, a: &'a syn::ExprAssign) {
            self.add(&a.left);
            syn::visit::visit_expr_assign(self, a);
        }
        fn visit_expr_binary(&mut self, b: &'a syn::ExprBinary) {
            if is_compound(&b.op) {
                self.add(&b.left);
            }
            syn::visit::visit_expr_binary(self, b);
        }
    }
    let mut names = Assigned::default();
    for stmt in stmts {
        syn::visit::Visit::visit_stmt(&mut names, stmt);
    }
    (names.0, names.1)
}

/// The names a pattern binds.
pub(crate) fn pattern_names(pat: &Pat) -> Vec<String> {
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

pub(crate) fn is_compound(op: &syn::BinOp) -> bool {
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
        Expr::Match(_) => "this `match` has a pattern that a #[differentiable] function cannot take apart (a tuple, a struct, an `@` binding): match on literals, ranges, `|`, `_`, a name or enum variants (`Mode::Leaky(a) if a > 0.0`), or write it with `if`/`else`",
        Expr::Closure(_) => "a closure is supported where it is called or mapped: bind it to a name and call it (`let f = |v: f64| v * v; f(x)`), or pass it to `mapv` (`x.mapv(f)`)",
        Expr::Try(_) => "the `?` operator is not supported in a #[differentiable] function: a differentiable function returns its value directly",
        Expr::Await(_) | Expr::Async(_) => "`async`/`.await` is not supported in a #[differentiable] function",
        Expr::Unsafe(_) => "`unsafe` blocks are not supported in a #[differentiable] function",
        Expr::Tuple(_) => "tuples are not supported here (return a pair with `#[differentiable(has_aux)]`)",
        Expr::Return(_) => "an early `return` is not supported yet: end the function with its value",
        Expr::Break(_) | Expr::Continue(_) => "`break`/`continue` are not supported outside loops",
        Expr::Struct(_) => "struct literals are not supported in a #[differentiable] function",
        Expr::Array(_) | Expr::Repeat(_) => "`[v; n]` of a differentiable value is supported where `n` is an integer literal from 1 to 64: write `Array1::from_elem(n, v)` for another length",
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
