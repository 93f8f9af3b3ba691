//! `match` on a constant as an `if` chain: `match k { 0 => a, 1 | 2 => b, n if n > 5 => c, _ => d }`
//! becomes
//!
//! ```text
//! { let __autodiff_match0 = k;
//!   if __autodiff_match0 == 0 { a } else if __autodiff_match0 == 1 || __autodiff_match0 == 2 { b }
//!   else if __autodiff_match0 > 5 { let n = __autodiff_match0; c } else { d } }
//! ```
//!
//! The last arm is the final `else` (the function itself is compiled as written, so the match is
//! exhaustive there). Patterns: literals (also negative), `a..=b` and `a..b` ranges, paths (unit enum
//! variants and constants) and variants with fields that bind nothing (`Loss::Huber(_)`), tested with
//! `matches!` (so an enum needs no `PartialEq`), `|` of these, `_`, and a plain name (bound to the value
//! in its arm; its guard reads the value itself), each with an optional guard; a variant whose fields
//! bind names (`Mode::Leaky(a) if a > 0.0`) is tested with `matches!` and each name taken out by a
//! `match` of its own (for its guard too). A `match` with any other pattern (a tuple, a binding nested
//! deeper, a binding with `@`) is left as it is, and the lowering reports it.

use syn::visit_mut::VisitMut;
use syn::{parse_quote, Block, Expr, ExprMatch, Ident, Pat, RangeLimits};

/// The prefix of the name that holds a `match`'s value; the lowering reports a differentiable one.
pub const SCRUTINEE: &str = "__autodiff_match";

/// Rewrites every `match` of `block` (closures aside) whose patterns are all of the forms above.
pub fn rewrite(block: &mut Block) {
    Rewriter { next: 0 }.visit_block_mut(block);
}

struct Rewriter {
    /// Makes the scrutinees' names unique within the function.
    next: usize,
}

impl VisitMut for Rewriter {
    fn visit_expr_mut(&mut self, e: &mut Expr) {
        // Inner matches first (an arm may hold one).
        syn::visit_mut::visit_expr_mut(self, e);
        if let Expr::Match(m) = e {
            if let Some(chain) = self.chain(m) {
                *e = chain;
            }
        }
    }

    fn visit_expr_closure_mut(&mut self, _: &mut syn::ExprClosure) {}
}

impl Rewriter {
    /// The `if` chain of `m`, or `None` where a pattern has another form.
    fn chain(&mut self, m: &ExprMatch) -> Option<Expr> {
        if m.arms.is_empty() {
            return None;
        }
        // A field taken out of a variant (`match v { Some(c) => c, _ => unreachable!() }`, made here and
        // by `desugar::if_let`, bound as the original pattern binds it) is a constant as it is.
        let extraction = m.arms.iter().any(|a| {
            matches!(&*a.body, Expr::Macro(mac) if mac.mac.path.segments.last().is_some_and(|s| s.ident == "unreachable"))
        });
        if extraction {
            return None;
        }
        let scrutinee = quote::format_ident!("{SCRUTINEE}{}", self.next);
        // Each arm: its condition and its body, which first binds the names its pattern binds.
        let mut arms: Vec<(Expr, Expr)> = Vec::new();
        for arm in &m.arms {
            let mut names: Vec<Ident> = Vec::new();
            let mut fields: Vec<Ident> = Vec::new();
            let test = match pattern(&arm.pat, &scrutinee, &mut names) {
                Some(test) => test,
                // A variant whose fields bind names (`Some(c)`, `Mode::Leaky(a) if a > 0.0`): tested
                // with `matches!`, each name taken out by a `match` of its own (a constant), in the
                // arm and before its guard.
                None if variant_binding(&arm.pat) => {
                    fields = crate::lower::pattern_names(&arm.pat)
                        .into_iter()
                        .filter(|n| !n.chars().next().is_some_and(char::is_uppercase))
                        .map(|n| quote::format_ident!("{}", n))
                        .collect();
                    fields.dedup();
                    let pat = &arm.pat;
                    match &arm.guard {
                        Some((_, g)) => Some(parse_quote!(::core::matches!(#scrutinee, #pat) && {
                            #(let #fields = match #scrutinee {
                                #pat => #fields,
                                _ => ::core::unreachable!(),
                            };)*
                            #g
                        })),
                        None => Some(parse_quote!(::core::matches!(#scrutinee, #pat))),
                    }
                }
                None => return None,
            };
            let guard = arm
                .guard
                .as_ref()
                .filter(|_| fields.is_empty())
                .map(|(_, g)| {
                    let mut g = (**g).clone();
                    Rename {
                        names: &names,
                        to: &scrutinee,
                    }
                    .visit_expr_mut(&mut g);
                    g
                });
            let condition: Expr = match (guard, test) {
                (None, None) => parse_quote!(true),
                (None, Some(t)) => t,
                (Some(g), None) => g,
                (Some(g), Some(t)) => parse_quote!((#t) && (#g)),
            };
            let body = &arm.body;
            let pat = &arm.pat;
            let body: Expr = parse_quote!({
                #(let #names = #scrutinee;)*
                #(let #fields = match #scrutinee {
                    #pat => #fields,
                    _ => ::core::unreachable!(),
                };)*
                #body
            });
            arms.push((condition, body));
        }
        self.next += 1;
        let value = &m.expr;
        // From the last arm backwards: the last is the final `else`.
        let ((_, last), rest) = arms.split_last().expect("not empty");
        let mut chain: Expr = last.clone();
        for (condition, body) in rest.iter().rev() {
            chain = parse_quote!(if #condition #body else #chain);
        }
        Some(parse_quote!({
            let #scrutinee = #value;
            #chain
        }))
    }
}

/// Renames the names an arm's pattern binds to the scrutinee, in its guard.
struct Rename<'a> {
    names: &'a [Ident],
    to: &'a Ident,
}

impl VisitMut for Rename<'_> {
    fn visit_ident_mut(&mut self, i: &mut Ident) {
        if self.names.contains(i) {
            *i = self.to.clone();
        }
    }
}

/// The test of `pat` against `scrutinee` (`None` where it always matches), recording the names it
/// binds; `None` of the outer option where the pattern has another form.
fn pattern(pat: &Pat, scrutinee: &Ident, names: &mut Vec<Ident>) -> Option<Option<Expr>> {
    Some(match pat {
        Pat::Wild(_) => None,
        Pat::Ident(i) if i.by_ref.is_none() && i.mutability.is_none() && i.subpat.is_none() => {
            // A name that is a path (a unit variant or a constant, by convention capitalised) is
            // compared; any other name binds the value.
            let name = i.ident.to_string();
            if name.chars().next().is_some_and(char::is_uppercase) {
                Some(parse_quote!(::core::matches!(#scrutinee, #pat)))
            } else {
                names.push(i.ident.clone());
                None
            }
        }
        Pat::Lit(l) => Some(parse_quote!(#scrutinee == #l)),
        // A variant is tested with `matches!`, which asks nothing of the enum (no `PartialEq`); so is a
        // variant with fields where the pattern binds nothing (`Loss::Huber(_)`).
        Pat::Path(_) => Some(parse_quote!(::core::matches!(#scrutinee, #pat))),
        Pat::TupleStruct(_) | Pat::Struct(_) if binds_nothing(pat) => {
            Some(parse_quote!(::core::matches!(#scrutinee, #pat)))
        }
        Pat::Paren(p) => return pattern(&p.pat, scrutinee, names),
        Pat::Range(r) => {
            let low: Option<Expr> = r.start.as_ref().map(|s| parse_quote!(#scrutinee >= #s));
            let high: Option<Expr> = r.end.as_ref().map(|e| match r.limits {
                RangeLimits::Closed(_) => parse_quote!(#scrutinee <= #e),
                RangeLimits::HalfOpen(_) => parse_quote!(#scrutinee < #e),
            });
            match (low, high) {
                (Some(l), Some(h)) => Some(parse_quote!((#l) && (#h))),
                (Some(t), None) | (None, Some(t)) => Some(t),
                (None, None) => None,
            }
        }
        Pat::Or(o) => {
            let mut tests = Vec::new();
            for case in &o.cases {
                match pattern(case, scrutinee, names)? {
                    Some(t) => tests.push(t),
                    None => return Some(None),
                }
            }
            let first = tests.first()?.clone();
            Some(
                tests[1..]
                    .iter()
                    .fold(first, |acc, t| parse_quote!((#acc) || (#t))),
            )
        }
        _ => return None,
    })
}

/// Whether `pat` is a variant (`Some(c)`, `Shape::Circle { r }`) whose fields are names, `_`, `..`,
/// literals or paths (no `@`, no reference or `mut` binding).
fn variant_binding(pat: &Pat) -> bool {
    let fields: Vec<&Pat> = match pat {
        Pat::TupleStruct(t) => t.elems.iter().collect(),
        Pat::Struct(s) => s.fields.iter().map(|f| &*f.pat).collect(),
        _ => return false,
    };
    fields.iter().all(|f| match f {
        Pat::Ident(i) => i.by_ref.is_none() && i.mutability.is_none() && i.subpat.is_none(),
        Pat::Wild(_) | Pat::Rest(_) | Pat::Lit(_) | Pat::Path(_) => true,
        _ => false,
    })
}

/// Whether `pat` binds no name (its fields are `_`, `..`, literals, ranges or paths).
fn binds_nothing(pat: &Pat) -> bool {
    struct Binds(bool);
    impl<'a> syn::visit::Visit<'a> for Binds {
        fn visit_pat_ident(&mut self, i: &'a syn::PatIdent) {
            // A capitalised name is a unit variant or a constant, as above.
            if !i
                .ident
                .to_string()
                .chars()
                .next()
                .is_some_and(char::is_uppercase)
            {
                self.0 = true;
            }
        }
    }
    let mut binds = Binds(false);
    syn::visit::Visit::visit_pat(&mut binds, pat);
    !binds.0
}

#[cfg(test)]
mod tests;
