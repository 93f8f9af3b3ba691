//! Local closures inlined where they are called: after `let sq = |v: f64| v * v;`, the call `sq(a)`
//! becomes the block
//!
//! ```text
//! { let __autodiff_sq0_v: f64 = a; __autodiff_sq0_v * __autodiff_sq0_v }
//! ```
//!
//! which binds each parameter to its argument (evaluated once, in order) and then gives the body. The
//! closure's parameters are renamed to names of their own, so an argument that reads a caller's local
//! of the same name, or two parameters passed crosswise (`f(b, a)` of `|a, b|`), keep their meaning.
//! A name the closure captures that the caller binds again or assigns after the definition (`let w =
//! ..;` shadowing it) is read once at the definition, into `__autodiff_sq0_capture_w`, as the closure
//! would. Passed to a method (`x.mapv(sq)`, `.map(sq)`, `.fold(0.0, add)`) or to `Array::from_shape_fn`,
//! the closure is written out there. The definition itself goes away; a closure called right where
//! it is written (`(|v| v * v)(a)`) is inlined too.
//!
//! A closure that escapes (returned, stored in a struct or another value, passed to a function) is
//! reported here at its use, with a rewrite that is accepted, and replaced by the name the lowering
//! binds to that report ([`super::ITERATOR_REPORTED`]).

use crate::errors::{Errors, Reported};
use quote::{format_ident, ToTokens};
use std::collections::{HashMap, HashSet};
use std::rc::Rc;
use syn::visit::Visit;
use syn::visit_mut::VisitMut;
use syn::{parse_quote, Block, Expr, ExprClosure, Ident, Pat, Stmt};

/// Methods whose argument may be a local closure, written out there.
const TAKES_CLOSURE: &[&str] = &[
    "mapv",
    "mapv_into",
    "map",
    "fold",
    "map_collect",
    "zip_mut_with",
    "for_each",
    "accumulate_axis_inplace",
];

/// Functions whose argument may be a local closure (`Array::from_shape_fn(n, f)`).
const FUNCTIONS_TAKING_CLOSURE: &[&str] = &["from_shape_fn", "from_fn"];

/// A closure bound to a name, its parameters already renamed.
struct Def {
    name: Ident,
    closure: ExprClosure,
}

/// Inlines the local closures of `block`; returns the proof of a report where a closure escapes.
pub fn rewrite(block: &mut Block, errors: &Errors) -> Option<Reported> {
    let mut inliner = Inliner {
        scopes: vec![HashMap::new()],
        next: 0,
        errors,
        reported: None,
    };
    inliner.block(block);
    inliner.reported
}

struct Inliner<'a> {
    /// What each name is bound to: a closure, or `None` where something else shadows it.
    scopes: Vec<HashMap<String, Option<Rc<Def>>>>,
    /// Makes the names of parameters and captures unique within the function.
    next: usize,
    errors: &'a Errors,
    reported: Option<Reported>,
}

fn poison() -> Expr {
    let name = format_ident!("{}", super::ITERATOR_REPORTED);
    parse_quote!(#name)
}

/// The name of `e` if it is a plain name.
fn plain_name(e: &Expr) -> Option<&Ident> {
    match e {
        Expr::Path(p) if p.qself.is_none() => p.path.get_ident(),
        Expr::Paren(p) => plain_name(&p.expr),
        _ => None,
    }
}

fn strip_parens(e: &Expr) -> &Expr {
    match e {
        Expr::Paren(p) => strip_parens(&p.expr),
        Expr::Group(g) => strip_parens(&g.expr),
        other => other,
    }
}

/// `let name = |..| ..;` (or a typed name): the name and the closure.
fn closure_let(stmt: &Stmt) -> Option<(&Ident, &ExprClosure)> {
    let Stmt::Local(local) = stmt else {
        return None;
    };
    let init = local.init.as_ref().filter(|i| i.diverge.is_none())?;
    let pat = match &local.pat {
        Pat::Type(t) => &*t.pat,
        p => p,
    };
    let Pat::Ident(i) = pat else { return None };
    if i.by_ref.is_some() || i.subpat.is_some() {
        return None;
    }
    match strip_parens(&init.expr) {
        Expr::Closure(c) => Some((&i.ident, c)),
        _ => None,
    }
}

/// `let name = other;`: the two names.
fn alias_let(stmt: &Stmt) -> Option<(&Ident, &Ident)> {
    let Stmt::Local(local) = stmt else {
        return None;
    };
    let init = local.init.as_ref().filter(|i| i.diverge.is_none())?;
    let Pat::Ident(i) = &local.pat else {
        return None;
    };
    Some((&i.ident, plain_name(&init.expr)?))
}

impl Inliner<'_> {
    fn lookup(&self, name: &str) -> Option<Rc<Def>> {
        self.scopes
            .iter()
            .rev()
            .find_map(|s| s.get(name))
            .cloned()
            .flatten()
    }

    fn shadow(&mut self, names: impl IntoIterator<Item = String>) {
        let scope = self.scopes.last_mut().expect("a scope");
        for n in names {
            scope.insert(n, None);
        }
    }

    fn closure_name(&self, e: &Expr) -> Option<Ident> {
        let name = plain_name(e)?;
        self.lookup(&name.to_string()).map(|_| name.clone())
    }

    fn report(&mut self, tokens: impl ToTokens, message: String) -> Expr {
        self.reported = Some(self.errors.at(tokens, message));
        poison()
    }

    fn block(&mut self, block: &mut Block) {
        self.scopes.push(HashMap::new());
        let stmts = std::mem::take(&mut block.stmts);
        let mut out = Vec::with_capacity(stmts.len());
        for (k, mut stmt) in stmts.iter().cloned().enumerate() {
            if let Some((name, closure)) = closure_let(&stmt) {
                let (name, mut closure) = (name.clone(), closure.clone());
                // Written out at its calls, a `return` in its body would return from the function;
                // reported once, its calls are then the reported value (nothing more is said of them).
                if let Some(ret) = first_return(&closure.body) {
                    let reported = self.report(&ret, format!("a `return` inside the closure `{name}` is not supported: written out where it is called, it would return from the function; make the closure's value its last expression, as in `|v| if v > 0.0 {{ v }} else {{ 0.0 }}`"));
                    closure.body = Box::new(reported);
                }
                let (def, captures) = self.define(&name, closure, &stmts[k + 1..]);
                out.extend(captures);
                self.scopes
                    .last_mut()
                    .expect("a scope")
                    .insert(name.to_string(), Some(Rc::new(def)));
                continue;
            }
            if let Some((name, other)) = alias_let(&stmt) {
                if let Some(def) = self.lookup(&other.to_string()) {
                    self.scopes
                        .last_mut()
                        .expect("a scope")
                        .insert(name.to_string(), Some(def));
                    continue;
                }
            }
            // The function's value: a closure there is returned.
            let tail = self.scopes.len() == 2 && k + 1 == stmts.len();
            if let (true, Stmt::Expr(e, None)) = (tail, &mut stmt) {
                if let Some(name) = self.closure_name(e) {
                    *e = self.report(&*e, format!("the closure `{name}` cannot be the value of a #[differentiable] function: return the value it computes instead, as in `{name}(x)`"));
                }
            }
            self.visit_stmt_mut(&mut stmt);
            if let Stmt::Local(local) = &stmt {
                self.shadow(crate::lower::pattern_names(&local.pat));
            }
            out.push(stmt);
        }
        block.stmts = out;
        self.scopes.pop();
    }

    /// The definition of the closure `name` (calls of earlier closures in its body inlined, parameters
    /// renamed), and the `let`s that read the captures the statements after it rebind.
    fn define(&mut self, name: &Ident, mut c: ExprClosure, rest: &[Stmt]) -> (Def, Vec<Stmt>) {
        let n = self.next;
        self.next += 1;
        // Its body sees the closures defined before it, not itself, and its parameters shadow.
        self.scopes.push(HashMap::new());
        self.shadow(c.inputs.iter().flat_map(crate::lower::pattern_names));
        self.visit_expr_mut(&mut c.body);
        self.scopes.pop();
        let mut renames: HashMap<String, Ident> = HashMap::new();
        for p in c.inputs.iter().flat_map(crate::lower::pattern_names) {
            renames.insert(p.clone(), format_ident!("__autodiff_{}{}_{}", name, n, p));
        }
        let mut captures = Vec::new();
        let rebound = rebound_names(rest);
        for free in free_names(&c) {
            if rebound.contains(&free) {
                let capture = format_ident!("__autodiff_{}{}_capture_{}", name, n, free);
                let original = format_ident!("{}", free);
                captures.push(parse_quote!(let #capture = #original;));
                renames.insert(free, capture);
            }
        }
        Rename(&renames).visit_expr_closure_mut(&mut c);
        c.movability = None;
        c.capture = None;
        (
            Def {
                name: name.clone(),
                closure: c,
            },
            captures,
        )
    }

    /// `{ let p0 = a0; let p1 = a1; body }`, or a report where the arguments do not match.
    fn inline(&mut self, c: &ExprClosure, name: &str, call: &syn::ExprCall) -> Expr {
        if c.inputs.len() != call.args.len() {
            let n = c.inputs.len();
            return self.report(
                call,
                format!("the closure `{name}` takes {n} argument(s), and this call passes {}: pass one value per parameter", call.args.len()),
            );
        }
        let mut stmts: Vec<Stmt> = c
            .inputs
            .iter()
            .zip(&call.args)
            .map(|(p, a)| -> Stmt {
                match p {
                    Pat::Type(t) => {
                        let (pat, ty) = (&t.pat, &t.ty);
                        parse_quote!(let #pat: #ty = #a;)
                    }
                    p => parse_quote!(let #p = #a;),
                }
            })
            .collect();
        // Built as syntax, not parsed from tokens: a body `{ .. } + { .. }` printed after a `let` would
        // read as a statement.
        stmts.push(Stmt::Expr((*c.body).clone(), None));
        Expr::Block(syn::ExprBlock {
            attrs: Vec::new(),
            label: None,
            block: Block {
                brace_token: Default::default(),
                stmts,
            },
        })
    }
}

impl VisitMut for Inliner<'_> {
    fn visit_block_mut(&mut self, block: &mut Block) {
        self.block(block);
    }

    fn visit_expr_mut(&mut self, e: &mut Expr) {
        match e {
            Expr::Call(call) => {
                for a in call.args.iter_mut() {
                    self.visit_call_argument(a, &call.func);
                }
                if let Some(name) = plain_name(&call.func) {
                    if let Some(def) = self.lookup(&name.to_string()) {
                        let name = name.to_string();
                        *e = self.inline(&def.closure, &name, call);
                        return;
                    }
                }
                if let Expr::Closure(c) = strip_parens(&call.func) {
                    let (def, _) = self.define(&format_ident!("closure"), c.clone(), &[]);
                    *e = self.inline(&def.closure, "closure", call);
                    return;
                }
                self.visit_expr_mut(&mut call.func);
            }
            Expr::MethodCall(m) => {
                self.visit_expr_mut(&mut m.receiver);
                let takes = TAKES_CLOSURE.contains(&m.method.to_string().as_str());
                for a in m.args.iter_mut() {
                    match self
                        .closure_name(a)
                        .and_then(|n| self.lookup(&n.to_string()))
                    {
                        Some(def) if takes => *a = Expr::Closure(def.closure.clone()),
                        Some(def) => {
                            let name = &def.name;
                            let method = &m.method;
                            *a = self.report(&*a, format!("the closure `{name}` cannot be passed to `.{method}(..)`: call it where its value is needed, as in `{name}(x)`, or map it over an array with `x.mapv({name})`"));
                        }
                        None => self.visit_expr_mut(a),
                    }
                }
            }
            Expr::Struct(s) => {
                let stored = s.fields.iter().find_map(|f| self.closure_name(&f.expr));
                if let Some(name) = stored {
                    // The whole literal stands for the report: nothing else about it is reported.
                    *e = self.report(&*e, format!("the closure `{name}` cannot be stored in a struct in a #[differentiable] function: call it where its value is needed, as in `{name}(x)`"));
                    return;
                }
                syn::visit_mut::visit_expr_struct_mut(self, s);
            }
            Expr::Return(r) => {
                if let Some(v) = &mut r.expr {
                    if let Some(name) = self.closure_name(v) {
                        **v = self.report(&**v, format!("the closure `{name}` cannot be the value of a #[differentiable] function: return the value it computes instead, as in `return {name}(x);`"));
                        return;
                    }
                }
                syn::visit_mut::visit_expr_return_mut(self, r);
            }
            Expr::Path(_) => {
                if let Some(name) = self.closure_name(e) {
                    *e = self.report(&*e, format!("the closure `{name}` can only be called, as in `{name}(x)`, or passed to `mapv`, as in `x.mapv({name})`; a closure is not a value of a #[differentiable] function"));
                }
            }
            Expr::Closure(c) => self.visit_expr_closure_mut(c),
            Expr::ForLoop(f) => {
                self.visit_expr_mut(&mut f.expr);
                self.scopes.push(HashMap::new());
                self.shadow(crate::lower::pattern_names(&f.pat));
                self.visit_block_mut(&mut f.body);
                self.scopes.pop();
            }
            Expr::Match(m) => {
                self.visit_expr_mut(&mut m.expr);
                for arm in m.arms.iter_mut() {
                    self.scopes.push(HashMap::new());
                    self.shadow(crate::lower::pattern_names(&arm.pat));
                    if let Some((_, g)) = &mut arm.guard {
                        self.visit_expr_mut(g);
                    }
                    self.visit_expr_mut(&mut arm.body);
                    self.scopes.pop();
                }
            }
            _ => syn::visit_mut::visit_expr_mut(self, e),
        }
    }

    fn visit_expr_closure_mut(&mut self, c: &mut ExprClosure) {
        self.scopes.push(HashMap::new());
        self.shadow(c.inputs.iter().flat_map(crate::lower::pattern_names));
        self.visit_expr_mut(&mut c.body);
        self.scopes.pop();
    }
}

impl Inliner<'_> {
    /// An argument of a call of `func`: a local closure is written out for `from_shape_fn`, and
    /// reported for any other function.
    fn visit_call_argument(&mut self, a: &mut Expr, func: &Expr) {
        let Some(def) = self
            .closure_name(a)
            .and_then(|n| self.lookup(&n.to_string()))
        else {
            return self.visit_expr_mut(a);
        };
        let func_name = match strip_parens(func) {
            Expr::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
            _ => None,
        };
        if func_name
            .as_deref()
            .is_some_and(|f| FUNCTIONS_TAKING_CLOSURE.contains(&f))
        {
            *a = Expr::Closure(def.closure.clone());
            return;
        }
        let name = &def.name;
        let func = func.to_token_stream().to_string().replace(' ', "");
        *a = self.report(&*a, format!("the closure `{name}` cannot be passed to the function `{func}` (a #[differentiable] function writes its closures out where they are called): call it here instead, as in `{name}(x)`, or map it over an array with `x.mapv({name})`"));
    }
}

/// Renames names (as values, in patterns and in macros), not fields, methods or path segments.
struct Rename<'a>(&'a HashMap<String, Ident>);

impl VisitMut for Rename<'_> {
    fn visit_expr_path_mut(&mut self, p: &mut syn::ExprPath) {
        if p.qself.is_none() {
            if let Some(new) = p.path.get_ident().and_then(|i| self.0.get(&i.to_string())) {
                p.path = new.clone().into();
            }
        }
    }

    fn visit_pat_ident_mut(&mut self, p: &mut syn::PatIdent) {
        if let Some(new) = self.0.get(&p.ident.to_string()) {
            p.ident = new.clone();
        }
        syn::visit_mut::visit_pat_ident_mut(self, p);
    }

    fn visit_field_value_mut(&mut self, f: &mut syn::FieldValue) {
        // A shorthand `S { v }` keeps its field's name.
        f.colon_token.get_or_insert_with(Default::default);
        syn::visit_mut::visit_field_value_mut(self, f);
    }

    fn visit_macro_mut(&mut self, m: &mut syn::Macro) {
        m.tokens = crate::naming::replace_idents(m.tokens.clone(), &mut |i| {
            self.0.get(&i.to_string()).cloned()
        });
    }
}

/// Every name that the statements bind (`let`, `for`, a pattern) or assign, at any depth.
fn rebound_names(stmts: &[Stmt]) -> HashSet<String> {
    struct Bound(HashSet<String>);
    impl<'a> Visit<'a> for Bound {
        fn visit_pat_ident(&mut self, p: &'a syn::PatIdent) {
            self.0.insert(p.ident.to_string());
            syn::visit::visit_pat_ident(self, p);
        }
        fn visit_expr_assign(&mut self, a: &'a syn::ExprAssign) {
            if let Some(i) = plain_name(&a.left) {
                self.0.insert(i.to_string());
            }
            syn::visit::visit_expr_assign(self, a);
        }
        fn visit_expr_binary(&mut self, b: &'a syn::ExprBinary) {
            if crate::lower::is_compound(&b.op) {
                if let Some(i) = plain_name(&b.left) {
                    self.0.insert(i.to_string());
                }
            }
            syn::visit::visit_expr_binary(self, b);
        }
    }
    let mut bound = Bound(HashSet::new());
    for s in stmts {
        bound.visit_stmt(s);
    }
    bound.0
}

/// The names a closure reads from around it, in order of first use.
fn free_names(c: &ExprClosure) -> Vec<String> {
    struct Free {
        scopes: Vec<HashSet<String>>,
        free: Vec<String>,
    }
    impl Free {
        fn read(&mut self, name: String) {
            if !self.scopes.iter().any(|s| s.contains(&name)) && !self.free.contains(&name) {
                self.free.push(name);
            }
        }
        fn bind(&mut self, pat: &Pat) {
            let scope = self.scopes.last_mut().expect("a scope");
            scope.extend(crate::lower::pattern_names(pat));
        }
    }
    impl<'a> Visit<'a> for Free {
        fn visit_block(&mut self, b: &'a Block) {
            self.scopes.push(HashSet::new());
            for s in &b.stmts {
                match s {
                    Stmt::Local(l) => {
                        if let Some(init) = &l.init {
                            self.visit_local_init(init);
                        }
                        self.bind(&l.pat);
                    }
                    s => self.visit_stmt(s),
                }
            }
            self.scopes.pop();
        }
        fn visit_expr_closure(&mut self, c: &'a ExprClosure) {
            self.scopes.push(HashSet::new());
            c.inputs.iter().for_each(|p| self.bind(p));
            self.visit_expr(&c.body);
            self.scopes.pop();
        }
        fn visit_expr_for_loop(&mut self, f: &'a syn::ExprForLoop) {
            self.visit_expr(&f.expr);
            self.scopes.push(HashSet::new());
            self.bind(&f.pat);
            self.visit_block(&f.body);
            self.scopes.pop();
        }
        fn visit_arm(&mut self, a: &'a syn::Arm) {
            self.scopes.push(HashSet::new());
            self.bind(&a.pat);
            if let Some((_, g)) = &a.guard {
                self.visit_expr(g);
            }
            self.visit_expr(&a.body);
            self.scopes.pop();
        }
        fn visit_expr_path(&mut self, p: &'a syn::ExprPath) {
            if let (None, Some(i)) = (&p.qself, p.path.get_ident()) {
                self.read(i.to_string());
            }
        }
        fn visit_macro(&mut self, m: &'a syn::Macro) {
            let mut names = Vec::new();
            macro_names(m.tokens.clone(), &mut names);
            names.into_iter().for_each(|n| self.read(n));
        }
    }
    let mut free = Free {
        scopes: vec![HashSet::new()],
        free: Vec::new(),
    };
    free.visit_expr_closure(c);
    free.free
}

/// The names a macro's tokens may read: identifiers not after `.` or `::` and not before `::` or `!`.
fn macro_names(tokens: proc_macro2::TokenStream, out: &mut Vec<String>) {
    use proc_macro2::TokenTree;
    let trees: Vec<TokenTree> = tokens.into_iter().collect();
    let punct = |k: usize| match trees.get(k) {
        Some(TokenTree::Punct(p)) => Some(p.as_char()),
        _ => None,
    };
    for (k, tt) in trees.iter().enumerate() {
        match tt {
            TokenTree::Ident(i) => {
                let after = k > 0 && matches!(punct(k - 1), Some('.' | ':'));
                let before = matches!(punct(k + 1), Some(':' | '!'));
                if !after && !before {
                    out.push(i.to_string());
                }
            }
            TokenTree::Group(g) => macro_names(g.stream(), out),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests;

/// The first `return` in `e`, closures inside it aside.
fn first_return(e: &Expr) -> Option<syn::ExprReturn> {
    struct Finder(Option<syn::ExprReturn>);
    impl<'a> syn::visit::Visit<'a> for Finder {
        fn visit_expr_return(&mut self, r: &'a syn::ExprReturn) {
            if self.0.is_none() {
                self.0 = Some(r.clone());
            }
        }
        fn visit_expr_closure(&mut self, _: &'a ExprClosure) {}
    }
    let mut finder = Finder(None);
    syn::visit::Visit::visit_expr(&mut finder, e);
    finder.0
}
