//! Local tuples split into one variable per field: `let t = (a, b);` with only `t.0`/`t.1` after it
//! becomes `let t_0 = a; let t_1 = b;`, and `let (x, y) = (a, b);` becomes one `let` per name, so the
//! rest of the compiler sees only scalars and arrays.

use quote::format_ident;
use syn::visit::Visit;
use syn::visit_mut::VisitMut;
use syn::{parse_quote, Block, Expr, Ident, Member, Pat, Stmt, Type};

/// Splits the local tuples of `block` and of every block inside it (closures aside).
pub fn split(block: &mut Block) {
    Splitter { next: 0 }.visit_block_mut(block);
}

struct Splitter {
    /// Makes the names of split fields unique within the function.
    next: usize,
}

/// A split tuple's name and the variables of its fields, to rename `t.i` in the statements after it.
type Renaming = (Ident, Vec<Ident>);

/// One element of a destructuring pattern: a name (perhaps `mut`) or `_`.
type Binder = Option<(Ident, Option<syn::token::Mut>)>;

/// `let (x, _, mut y)` (perhaps typed) with its element types where given.
fn destructuring(pat: &Pat) -> Option<(Vec<Binder>, Option<Vec<Type>>)> {
    let (pat, ty) = match pat {
        Pat::Type(t) => match &*t.ty {
            Type::Tuple(tt) => (&*t.pat, Some(tt.elems.iter().cloned().collect())),
            _ => return None,
        },
        p => (p, None),
    };
    let Pat::Tuple(tuple) = pat else { return None };
    let binders = tuple
        .elems
        .iter()
        .map(|p| match p {
            Pat::Ident(i) if i.by_ref.is_none() && i.subpat.is_none() => {
                Some(Some((i.ident.clone(), i.mutability)))
            }
            Pat::Wild(_) => Some(None),
            _ => None,
        })
        .collect::<Option<Vec<_>>>()?;
    Some((binders, ty))
}

/// `let t` or `let mut t` (perhaps typed as a tuple) with its element types where given.
fn named(pat: &Pat) -> Option<(Ident, Option<syn::token::Mut>, Option<Vec<Type>>)> {
    match pat {
        Pat::Ident(i) if i.by_ref.is_none() && i.subpat.is_none() => {
            Some((i.ident.clone(), i.mutability, None))
        }
        Pat::Type(t) => match (&*t.pat, &*t.ty) {
            (Pat::Ident(i), Type::Tuple(tt)) if i.by_ref.is_none() && i.subpat.is_none() => Some((
                i.ident.clone(),
                i.mutability,
                Some(tt.elems.iter().cloned().collect()),
            )),
            _ => None,
        },
        _ => None,
    }
}

/// `let pat = (e0, e1, ..);` without `else`: the pattern and the elements.
fn tuple_let(stmt: &Stmt) -> Option<(&Pat, Vec<Expr>)> {
    let Stmt::Local(local) = stmt else {
        return None;
    };
    let init = local.init.as_ref()?;
    if init.diverge.is_some() {
        return None;
    }
    match &*init.expr {
        Expr::Tuple(t) if t.elems.len() >= 2 => {
            Some((&local.pat, t.elems.iter().cloned().collect()))
        }
        _ => None,
    }
}

/// `let name [: ty] = value;` with the given mutability.
fn binding(
    name: &Ident,
    mutability: Option<syn::token::Mut>,
    ty: Option<&Type>,
    value: &Expr,
) -> Stmt {
    match ty {
        Some(ty) => parse_quote!(let #mutability #name: #ty = #value;),
        None => parse_quote!(let #mutability #name = #value;),
    }
}

/// How the statements after a `let t = (..)` use `t`.
struct Uses<'a> {
    name: &'a Ident,
    arity: usize,
    /// `t` is used otherwise than as `t.i` with `i` in range, or rebound: the tuple stays whole.
    whole: bool,
}

impl<'ast> Visit<'ast> for Uses<'_> {
    fn visit_expr(&mut self, e: &'ast Expr) {
        match e {
            Expr::Field(f) if is_name(&f.base, self.name) => match &f.member {
                Member::Unnamed(i) if (i.index as usize) < self.arity => {}
                _ => self.whole = true,
            },
            Expr::Path(_) if is_name(e, self.name) => self.whole = true,
            Expr::Macro(m) => {
                if mentions(m.mac.tokens.clone(), self.name) {
                    self.whole = true;
                }
            }
            _ => syn::visit::visit_expr(self, e),
        }
    }

    fn visit_pat_ident(&mut self, p: &'ast syn::PatIdent) {
        if p.ident == *self.name {
            self.whole = true;
        }
        syn::visit::visit_pat_ident(self, p);
    }
}

fn is_name(e: &Expr, name: &Ident) -> bool {
    matches!(e, Expr::Path(p) if p.qself.is_none() && p.path.is_ident(name))
}

fn mentions(tokens: proc_macro2::TokenStream, name: &Ident) -> bool {
    crate::naming::any_ident(tokens, &mut |i| i == name)
}

/// Replaces `t.i` by the variable of field `i`.
struct Rename<'a> {
    name: &'a Ident,
    fields: &'a [Ident],
}

impl VisitMut for Rename<'_> {
    fn visit_expr_mut(&mut self, e: &mut Expr) {
        if let Expr::Field(f) = e {
            if let (true, Member::Unnamed(i)) = (is_name(&f.base, self.name), &f.member) {
                let field = &self.fields[i.index as usize];
                *e = parse_quote!(#field);
                return;
            }
        }
        syn::visit_mut::visit_expr_mut(self, e);
    }
}

/// Whether any of `names` appears in any of `exprs` (then the elements are evaluated into temporaries
/// first, as the tuple would be, before any name is rebound).
fn refers_to_any(exprs: &[Expr], names: &[&Ident]) -> bool {
    exprs.iter().any(|e| {
        crate::naming::any_ident(quote::ToTokens::to_token_stream(e), &mut |i| {
            names.contains(&i)
        })
    })
}

impl Splitter {
    fn fresh(&mut self, base: &Ident, i: usize) -> Ident {
        self.next += 1;
        format_ident!("__autodiff_{}_{}_{}", base, i, self.next)
    }

    /// The statements that replace `stmts[at]`, and a renaming for the rest of the block if any.
    fn rewrite(&mut self, stmts: &[Stmt], at: usize) -> Option<(Vec<Stmt>, Option<Renaming>)> {
        // `let (a, b) = g(x);` of a value that is not written out (a call's tuple result, a constant
        // such as `x.dim()`): bound whole, then each name to its field.
        if let Stmt::Local(local) = &stmts[at] {
            if let (Some((binders, tys)), Some(init)) = (destructuring(&local.pat), &local.init) {
                if init.diverge.is_none() && !matches!(&*init.expr, Expr::Tuple(_)) {
                    let whole = self.fresh(&format_ident!("tuple"), 0);
                    let ty: Option<Type> = tys.map(|t| parse_quote!((#(#t,)*)));
                    let mut out = vec![binding(&whole, None, ty.as_ref(), &init.expr)];
                    for (i, b) in binders.iter().enumerate() {
                        if let Some((name, m)) = b {
                            let index = syn::Index::from(i);
                            out.push(binding(name, *m, None, &parse_quote!(#whole.#index)));
                        }
                    }
                    return Some((out, None));
                }
            }
        }
        let (pat, elems) = tuple_let(&stmts[at])?;
        if let Some((binders, tys)) = destructuring(pat) {
            if binders.len() != elems.len() || tys.as_ref().is_some_and(|t| t.len() != elems.len())
            {
                return None;
            }
            let names: Vec<&Ident> = binders.iter().flatten().map(|(n, _)| n).collect();
            let ty = |i: usize| tys.as_ref().map(|t| &t[i]);
            let mut out = Vec::new();
            if refers_to_any(&elems, &names) {
                let temps: Vec<Ident> = (0..elems.len())
                    .map(|i| self.fresh(&format_ident!("tuple"), i))
                    .collect();
                for (i, e) in elems.iter().enumerate() {
                    out.push(binding(&temps[i], None, ty(i), e));
                }
                for (i, b) in binders.iter().enumerate() {
                    if let Some((name, m)) = b {
                        let temp = &temps[i];
                        out.push(binding(name, *m, None, &parse_quote!(#temp)));
                    }
                }
            } else {
                for (i, (b, e)) in binders.iter().zip(&elems).enumerate() {
                    // The subset has no side effects: an element bound to `_` need not be evaluated.
                    if let Some((name, m)) = b {
                        out.push(binding(name, *m, ty(i), e));
                    }
                }
            }
            return Some((out, None));
        }
        let (name, mutability, tys) = named(pat)?;
        if tys.as_ref().is_some_and(|t| t.len() != elems.len()) {
            return None;
        }
        let mut uses = Uses {
            name: &name,
            arity: elems.len(),
            whole: false,
        };
        for stmt in &stmts[at + 1..] {
            uses.visit_stmt(stmt);
        }
        if uses.whole {
            return None;
        }
        let fields: Vec<Ident> = (0..elems.len()).map(|i| self.fresh(&name, i)).collect();
        let out = elems
            .iter()
            .enumerate()
            .map(|(i, e)| binding(&fields[i], mutability, tys.as_ref().map(|t| &t[i]), e))
            .collect();
        Some((out, Some((name, fields))))
    }
}

impl VisitMut for Splitter {
    fn visit_block_mut(&mut self, block: &mut Block) {
        let mut stmts = std::mem::take(&mut block.stmts);
        let mut at = 0;
        while at < stmts.len() {
            match self.rewrite(&stmts, at) {
                Some((replacement, rename)) => {
                    if let Some((name, fields)) = rename {
                        let mut rename = Rename {
                            name: &name,
                            fields: &fields,
                        };
                        for stmt in &mut stmts[at + 1..] {
                            rename.visit_stmt_mut(stmt);
                        }
                    }
                    let n = replacement.len();
                    stmts.splice(at..=at, replacement);
                    at += n;
                }
                None => at += 1,
            }
        }
        block.stmts = stmts;
        syn::visit_mut::visit_block_mut(self, block);
    }

    fn visit_expr_closure_mut(&mut self, _: &mut syn::ExprClosure) {}
}
