//! Loops over iterators and iterator chains as index loops, before lowering.
//!
//! A chain is taken apart into a *sequence*: a number of items `len` and the item at a position `p`,
//! written in terms of `p` (`&x[p]`, `p`, a tuple of these, or a closure applied to one). Each adapter
//! rewrites the sequence: `skip(s)` reads position `p + s`, `rev()` position `n - 1 - p`, `step_by(k)`
//! position `p * k`, `take(t)` shortens it, `enumerate()` pairs `p` with the item, `zip(..)` pairs two
//! sequences read at the same position, `map(f)` applies `f`, `copied()`/`cloned()` read by value. The
//! consumer becomes one index loop over `0..len`:
//!
//! ```text
//! for (i, v) in x.iter().enumerate() { body }
//!     => for __autodiff_pos0 in 0..x.len() { let i = __autodiff_pos0; let v = &x[__autodiff_pos0]; body }
//! let s = 2.0 * x.iter().zip(y.iter()).map(|(a, b)| a * b).sum::<f64>();
//!     => let mut __autodiff_sum0: f64 = -0.0;
//!        for __autodiff_pos0 in 0..::core::cmp::min(x.len(), y.len()) {
//!            let a = &x[__autodiff_pos0]; let b = &y[__autodiff_pos0]; __autodiff_sum0 += a * b;
//!        }
//!        let s = 2.0 * __autodiff_sum0;
//! x.iter().fold(init, |acc, &v| acc * v)
//!     => let mut __autodiff_fold0 = init;
//!        for __autodiff_pos0 in 0..x.len() { let acc = __autodiff_fold0; let v = x[__autodiff_pos0]; __autodiff_fold0 = acc * v; }
//!        __autodiff_fold0
//! ```
//!
//! A reduction in expression position is hoisted into statements before the statement that uses it
//! (a chain inside a comparison, `&&`, `||` or a condition is a constant, evaluated as written, and left
//! alone). `sum` starts from `-0.0` and adds left to right, as `Iterator::sum` does for floats, so the
//! value keeps its bits; `product` starts from `1`. Elements are read as `x[p]` where the source reads a
//! reference (`x.iter()`, `&x`), so `*v` still type-checks in constant code; the lowering reads an element
//! at a position of [`POSITION`] in iteration order, which also serves arrays of more dimensions.
//!
//! Iterator-shaped code that is not taken apart (`filter`, `collect`, `max_by`, `windows`, `rows`, an
//! iterator kept in a variable, ..) is reported here at its own span, with a rewrite that is accepted, and
//! replaced by [`REPORTED`], a name the lowering binds to that report (its uses are not reported again).

use crate::errors::{Errors, Reported};
use proc_macro2::TokenStream;
use quote::{format_ident, quote, ToTokens};
use syn::visit_mut::VisitMut;
use syn::{parse_quote, Block, Expr, ExprClosure, ExprMethodCall, Ident, Pat, Stmt, Type};

/// The prefix of the loop position of a desugared iterator: an element read at such a position is
/// read in iteration order.
pub const POSITION: &str = "__autodiff_pos";

/// The name that stands for an iterator construct that was reported.
pub const REPORTED: &str = "__autodiff_reported";

/// The prefix of the function `__autodiff_unsupported<k>(e)` that wraps a construct `e` this pass does
/// not take apart: the lowering evaluates `e` as written where it reads only constants, and reports
/// `Outcome::deferred[k]` otherwise.
pub const UNSUPPORTED: &str = "__autodiff_unsupported";

/// What the pass knows of the function: its parameters (name, type, differentiable) and its value's
/// type (the type of a reduction in the tail or under `return`).
pub struct Context<'a> {
    /// The parameters: name, type as written, whether differentiable.
    pub params: Vec<(String, &'a Type, bool)>,
    /// The function's value type.
    pub output: Option<&'a Type>,
}

/// What the pass leaves to the lowering.
#[derive(Default)]
pub struct Outcome {
    /// The proof of a report, where one was made (then [`REPORTED`] stands in for each reported
    /// construct).
    pub reported: Option<Reported>,
    /// The constructs wrapped in a call of [`UNSUPPORTED`]`<k>`, by `k`.
    pub deferred: Vec<Deferred>,
}

/// Rewrites every iterator loop and reduction of `block`.
pub fn rewrite(block: &mut Block, cx: &Context, errors: &Errors) -> Outcome {
    let mut r = Rewriter {
        cx,
        errors,
        next: 0,
        outcome: Outcome::default(),
        depth: 0,
        chains: 0,
        guards: Vec::new(),
    };
    r.visit_block_mut(block);
    r.outcome
}

struct Rewriter<'a, 'b> {
    cx: &'a Context<'b>,
    errors: &'a Errors,
    /// Makes generated names unique within the function.
    next: usize,
    outcome: Outcome,
    /// Nesting of blocks: 1 in the function's own block.
    depth: usize,
    /// Nesting of chains being taken apart (a `zip` argument is one inside another).
    chains: usize,
    /// The conditions of the outermost chain's `filter`s, each a name bound before its loop body: the
    /// consumer runs its body for an item only where all hold.
    guards: Vec<(Vec<Stmt>, Ident)>,
}

/// A function given to `map`, `fold` or `for_each`: a closure or a path (`f64::exp`).
#[derive(Clone)]
enum Func {
    Closure(Box<ExprClosure>),
    Path(Expr),
}

/// The item of a sequence at the loop's position.
#[derive(Clone)]
enum Item {
    /// An element of a container, `&base[index]` (`by_ref`) or `base[index]`.
    Elem {
        base: Expr,
        index: Expr,
        by_ref: bool,
    },
    /// A value computed from the position (`enumerate`'s count, a range's integer).
    Value(Expr),
    /// `zip` and `enumerate`.
    Tuple(Vec<Item>),
    /// `map(f)` of an item.
    Mapped(Box<Func>, Box<Item>),
}

/// A sequence: its number of items and its item at the position.
struct Seq {
    len: Expr,
    item: Item,
}

/// Why a chain is not taken apart: an error already reported (the expression stands for it), or a
/// construct outside what this pass takes apart, with its span and message, reported by the lowering
/// only where a differentiable value flows through it (over constants it is evaluated as written).
enum Problem {
    Reported,
    Unsupported(TokenStream, String),
}

/// A construct left to the lowering: the tokens of its span and its message.
pub struct Deferred {
    /// Where to report it.
    pub tokens: TokenStream,
    /// What to say.
    pub message: String,
}

/// How a chain ends.
enum Terminal {
    Sum(Option<Type>),
    Product(Option<Type>),
    Fold(Expr, Func),
    Count,
    /// `collect` into the type (a `Vec` where not known, or an `Array1`).
    Collect(Option<Type>),
}

/// Methods that make an iterator the pass does not take apart, with the rewrite to suggest.
fn unsupported_source(name: &str, base: &str) -> Option<String> {
    Some(match name {
        "iter_mut" => format!("`iter_mut` writes through references, which a #[differentiable] function does not do: write the elements of a local array by index instead, `for i in 0..{base}.len() {{ {base}[i] = ..; }}` (a copy of a parameter is `let mut y = x.to_owned();`)"),
        "windows" => format!("`windows` is not supported in a #[differentiable] function: pair each element with the next by zipping, `{base}.iter().zip({base}.iter().skip(1))`, or index the neighbours, `for i in 1..{base}.len() {{ .. {base}[i - 1] .. {base}[i] .. }}`"),
        "chunks" | "chunks_exact" | "rchunks" | "exact_chunks" | "axis_chunks_iter" => format!("`{name}` is not supported in a #[differentiable] function: loop over the chunks by index, `for c in 0..{base}.len() / k {{ for j in 0..k {{ .. {base}[c * k + j] .. }} }}`"),
        "lanes" | "genrows" | "gencolumns" => format!("`{name}` (an iterator over views) is not supported yet in a #[differentiable] function: loop over the indices, `for i in 0..{base}.nrows() {{ for j in 0..{base}.ncols() {{ .. {base}[[i, j]] .. }} }}`"),
        "indexed_iter" => format!("`indexed_iter` is not supported in a #[differentiable] function: loop over the indices, `for i in 0..{base}.nrows() {{ for j in 0..{base}.ncols() {{ .. {base}[[i, j]] .. }} }}`"),
        _ => return None,
    })
}

/// The message for a method of an iterator chain that is not taken apart.
fn unsupported_method(name: &str, base: &str) -> String {
    match name {
        "filter" | "filter_map" => format!("`{name}` in an iterator chain is not supported in a #[differentiable] function: loop over the elements and test each with `if`, e.g. `for v in {base}.iter() {{ if *v > 0.0 {{ s += *v; }} }}`"),
        "collect" => format!("`collect` is not supported in a #[differentiable] function yet: write the elements into a local array instead, e.g. `let mut y = vec![0.0; {base}.len()]; for i in 0..{base}.len() {{ y[i] = ..; }}`"),
        "max" | "max_by" | "max_by_key" | "reduce" => format!("`{name}` is not supported in a #[differentiable] function: take the maximum with `fold`, `{base}.iter().fold(f64::NEG_INFINITY, |m, &v| m.max(v))`"),
        "min" | "min_by" | "min_by_key" => format!("`{name}` is not supported in a #[differentiable] function: take the minimum with `fold`, `{base}.iter().fold(f64::INFINITY, |m, &v| m.min(v))`"),
        "any" | "all" | "position" | "find" | "find_map" | "rposition" => format!("`{name}` is not supported in a #[differentiable] function: loop and record what you need, e.g. `let mut found = false; for v in {base}.iter() {{ if *v > 0.0 {{ found = true; }} }}`"),
        "last" => format!("`last` is not supported in a #[differentiable] function: read the element by index, `{base}[{base}.len() - 1]`"),
        "nth" => format!("`nth` is not supported in a #[differentiable] function: read the element by index, `{base}[n]`"),
        _ => format!("`{name}` on an iterator is not supported in a #[differentiable] function: write the loop over indices, `for i in 0..{base}.len() {{ .. {base}[i] .. }}`, or use the supported adapters (`enumerate`, `zip`, `map`, `rev`, `skip`, `take`, `step_by`, `copied`, `cloned`) ending in `sum`, `product`, `fold` or a `for` loop"),
    }
}

const NOT_CONSUMED: &str = "an iterator must be consumed where it is made in a #[differentiable] function: end the chain with `.sum::<f64>()`, `.product::<f64>()` or `.fold(init, |acc, v| ..)`, or loop over it with `for`";

fn strip(e: &Expr) -> &Expr {
    match e {
        Expr::Paren(p) => strip(&p.expr),
        Expr::Group(g) => strip(&g.expr),
        other => other,
    }
}

/// `Zip::from(a).and(b)..map_collect(closure)` (a path ending in `Zip::from`): the operands in order
/// and the closure.
fn zip_map_collect(e: &Expr) -> Option<(Vec<Expr>, &ExprClosure)> {
    let Expr::MethodCall(m) = strip(e) else {
        return None;
    };
    if m.method != "map_collect" || m.args.len() != 1 {
        return None;
    }
    let Expr::Closure(closure) = strip(&m.args[0]) else {
        return None;
    };
    let mut operands = Vec::new();
    let mut at = &*m.receiver;
    loop {
        match strip(at) {
            Expr::MethodCall(and) if and.method == "and" && and.args.len() == 1 => {
                operands.push(and.args[0].clone());
                at = &and.receiver;
            }
            Expr::Call(c) if c.args.len() == 1 => {
                let Expr::Path(p) = &*c.func else { return None };
                if !segment_names(&p.path).ends_with(&["Zip".to_string(), "from".to_string()]) {
                    return None;
                }
                operands.push(c.args[0].clone());
                operands.reverse();
                return (closure.inputs.len() == operands.len()).then_some((operands, closure));
            }
            _ => return None,
        }
    }
}

/// The names of a path's segments, `Array1::from_iter` as `["Array1", "from_iter"]`.
fn segment_names(path: &syn::Path) -> Vec<String> {
    path.segments.iter().map(|s| s.ident.to_string()).collect()
}

/// An operand of `Zip` as the container it reads (`&x` and `x.view()` read `x`).
fn zip_operand(e: &Expr) -> Expr {
    match strip(e) {
        Expr::Reference(r) => zip_operand(&r.expr),
        Expr::MethodCall(m) if m.method == "view" && m.args.is_empty() => zip_operand(&m.receiver),
        e => e.clone(),
    }
}

/// The argument of `Array::from_vec(v)` / `Array1::from_iter(chain)` (`ctor`: any path of `Array` or
/// `Array1` ending so, one argument).
fn array_from<'e>(e: &'e Expr, ctor: &str) -> Option<&'e Expr> {
    let Expr::Call(c) = strip(e) else { return None };
    let Expr::Path(p) = &*c.func else { return None };
    let segments = segment_names(&p.path);
    let [.., ty, last] = &segments[..] else {
        return None;
    };
    (last == ctor && (ty == "Array" || ty == "Array1") && c.args.len() == 1).then(|| &c.args[0])
}

/// `Array::from_shape_fn(shape, closure)` (any path ending so) with a closure of one parameter that is a
/// name or a pair: the shape and the closure.
fn from_shape_fn(e: &Expr) -> Option<(&Expr, &ExprClosure)> {
    let Expr::Call(c) = strip(e) else { return None };
    let Expr::Path(p) = &*c.func else { return None };
    let last = p.path.segments.last()?;
    if last.ident != "from_shape_fn" || c.args.len() != 2 {
        return None;
    }
    let Expr::Closure(closure) = strip(&c.args[1]) else {
        return None;
    };
    let simple = match untyped(closure.inputs.first()?) {
        Pat::Ident(_) => true,
        Pat::Tuple(t) => {
            t.elems.len() == 2
                && t.elems
                    .iter()
                    .all(|p| matches!(p, Pat::Ident(_) | Pat::Wild(_)))
        }
        _ => false,
    };
    (closure.inputs.len() == 1 && simple).then_some((&c.args[0], closure))
}

/// [`strip`], mutably.
fn strip_mut(e: &mut Expr) -> &mut Expr {
    match e {
        Expr::Paren(p) => strip_mut(&mut p.expr),
        Expr::Group(g) => strip_mut(&mut g.expr),
        other => other,
    }
}

/// The method calls of a chain, innermost first, and the expression they start from.
fn calls(e: &Expr) -> (&Expr, Vec<&ExprMethodCall>) {
    let mut out = Vec::new();
    let mut e = strip(e);
    while let Expr::MethodCall(m) = e {
        out.push(m);
        e = strip(&m.receiver);
    }
    out.reverse();
    (e, out)
}

/// A range `a..b` or `a..=b` with both ends.
fn is_bounded_range(e: &Expr) -> bool {
    matches!(strip(e), Expr::Range(r) if r.start.is_some() && r.end.is_some())
}

/// A path or a field of one (`x`, `p.w`, `self.w`): read again at each use.
fn is_place(e: &Expr) -> bool {
    match strip(e) {
        Expr::Path(p) => p.qself.is_none() && p.path.get_ident().is_some(),
        Expr::Field(f) => is_place(&f.base),
        _ => false,
    }
}

fn is_simple(e: &Expr) -> bool {
    matches!(strip(e), Expr::Lit(_)) || is_place(e)
}

/// The text of a chain's base for a hint (`x` where it is not a name).
fn base_text(e: &Expr) -> String {
    let (root, calls) = calls(e);
    let base = match calls.first() {
        Some(m) => &*m.receiver,
        None => root,
    };
    let base = match strip(base) {
        Expr::Reference(r) => &*r.expr,
        other => other,
    };
    if is_place(base) {
        base.to_token_stream().to_string().replace(' ', "")
    } else {
        "x".to_string()
    }
}

/// Whether `e` starts an iterator: `.iter()`, `.into_iter()`, an iterator over views
/// ([`view_source`]), or a method of [`unsupported_source`].
fn starts_iterator(m: &ExprMethodCall) -> bool {
    let name = m.method.to_string();
    (matches!(name.as_str(), "iter" | "into_iter") && m.args.is_empty())
        || view_source(m).is_some()
        || unsupported_source(&name, "x").is_some()
}

/// An iterator over the views of an array along an axis (`m.rows()`, `m.columns()`, `m.outer_iter()`,
/// `m.axis_iter(Axis(k))`): the number of views and the view at a position, as functions of the array
/// and the position. Each view is read as `m.row(p)`, `m.column(p)` or `m.index_axis(axis, p)`.
type ViewSource = (fn(&Expr, &Expr) -> Expr, fn(&Expr, &Expr, &Ident) -> Expr);

fn view_source(m: &ExprMethodCall) -> Option<(ViewSource, Expr)> {
    let axis0: Expr = parse_quote!(::autodiff::ndarray::Axis(0));
    let source: ViewSource = match (m.method.to_string().as_str(), m.args.len()) {
        ("rows", 0) => (
            |base, _| parse_quote!(#base.nrows()),
            |base, _, pos| parse_quote!(#base.row(#pos)),
        ),
        ("columns", 0) => (
            |base, _| parse_quote!(#base.ncols()),
            |base, _, pos| parse_quote!(#base.column(#pos)),
        ),
        ("outer_iter", 0) | ("axis_iter", 1) => (
            |base, axis| parse_quote!(#base.len_of(#axis)),
            |base, axis, pos| parse_quote!(#base.index_axis(#axis, #pos)),
        ),
        _ => return None,
    };
    let axis = m.args.first().cloned().unwrap_or(axis0);
    Some((source, axis))
}

/// Methods that consume an iterator: a chain ends at the first of them (what follows is a method of
/// its value, `x.iter().sum::<f64>().sqrt()`).
const CONSUMERS: &[&str] = &[
    "sum",
    "product",
    "fold",
    "count",
    "for_each",
    "collect",
    "max",
    "min",
    "max_by",
    "min_by",
    "max_by_key",
    "min_by_key",
    "reduce",
    "any",
    "all",
    "position",
    "rposition",
    "find",
    "find_map",
    "last",
    "nth",
    "partition",
    "unzip",
    "try_fold",
    "try_for_each",
];

/// Whether `e` is iterator-shaped: a chain from `.iter()`/`.into_iter()` (or another iterator source),
/// or a range with at least one method after it that is not a range's own adapter only; and no method
/// after its consumer.
fn is_iterator_chain(e: &Expr) -> bool {
    let (root, calls) = calls(e);
    let consumer = calls
        .iter()
        .position(|m| CONSUMERS.contains(&m.method.to_string().as_str()));
    if consumer.is_some_and(|k| k + 1 < calls.len()) {
        return false;
    }
    if let Some(first) = calls.first() {
        if starts_iterator(first) {
            return true;
        }
    }
    is_bounded_range(root)
        && !calls.is_empty()
        && !calls.iter().all(|m| {
            matches!(
                m.method.to_string().as_str(),
                "rev" | "step_by" | "skip" | "take" | "len" | "contains" | "is_empty"
            )
        })
        && !calls.iter().any(|m| {
            matches!(
                m.method.to_string().as_str(),
                "len" | "contains" | "is_empty" | "start" | "end"
            )
        })
}

/// Whether a closure's body holds a `return` (which would leave the closure, not the function).
fn has_return(e: &Expr) -> Option<syn::ExprReturn> {
    struct Finder(Option<syn::ExprReturn>);
    impl<'a> syn::visit::Visit<'a> for Finder {
        fn visit_expr_return(&mut self, r: &'a syn::ExprReturn) {
            self.0.get_or_insert_with(|| r.clone());
        }
        fn visit_expr_closure(&mut self, _: &'a ExprClosure) {}
    }
    let mut f = Finder(None);
    syn::visit::Visit::visit_expr(&mut f, e);
    f.0
}

/// Replaces the name `pos` by `by` in an expression.
fn substitute(e: &mut Expr, pos: &Ident, by: &Expr) {
    struct Sub<'a>(&'a Ident, &'a Expr);
    impl VisitMut for Sub<'_> {
        fn visit_expr_mut(&mut self, e: &mut Expr) {
            if let Expr::Path(p) = e {
                if p.path.is_ident(self.0) {
                    let by = self.1;
                    *e = parse_quote!((#by));
                    return;
                }
            }
            syn::visit_mut::visit_expr_mut(self, e);
        }
    }
    Sub(pos, by).visit_expr_mut(e);
}

impl Item {
    /// The item at position `g(p)` of this one, where `by` is `g(p)`.
    fn reposition(&mut self, pos: &Ident, by: &Expr) {
        match self {
            Item::Elem { index, .. } => substitute(index, pos, by),
            Item::Value(e) => substitute(e, pos, by),
            Item::Tuple(items) => items.iter_mut().for_each(|i| i.reposition(pos, by)),
            Item::Mapped(_, arg) => arg.reposition(pos, by),
        }
    }

    /// The names its expressions mention.
    fn mentions(&self, out: &mut Vec<String>) {
        let mut add = |e: &Expr| {
            crate::naming::any_ident(e.to_token_stream(), &mut |i| {
                out.push(i.to_string());
                false
            });
        };
        match self {
            Item::Elem { base, index, .. } => {
                add(base);
                add(index);
            }
            Item::Value(e) => add(e),
            Item::Tuple(items) => items.iter().for_each(|i| i.mentions(out)),
            Item::Mapped(f, arg) => {
                if let Func::Path(p) = &**f {
                    add(p);
                }
                arg.mentions(out);
            }
        }
    }
}

/// The names a pattern binds.
fn bound_names(pat: &Pat) -> Vec<String> {
    crate::lower::pattern_names(pat)
}

/// A pattern without its type ascription (the item's type is inferred as in the source).
fn untyped(pat: &Pat) -> &Pat {
    match pat {
        Pat::Type(t) => untyped(&t.pat),
        Pat::Paren(p) => untyped(&p.pat),
        other => other,
    }
}

/// Whether `ty` is `f32` or `f64`.
fn is_float(ty: &Type) -> bool {
    matches!(ty, Type::Path(p) if p.path.is_ident("f64") || p.path.is_ident("f32"))
}

/// Whether `ty` is a primitive integer type.
fn is_integer(ty: &Type) -> bool {
    const INTS: [&str; 12] = [
        "usize", "isize", "u8", "u16", "u32", "u64", "u128", "i8", "i16", "i32", "i64", "i128",
    ];
    matches!(ty, Type::Path(p) if INTS.iter().any(|i| p.path.is_ident(i)))
}

/// `-0.0` (the start of a float sum) or `1.0` of type `ty` where it is known.
fn typed_literal(ty: Option<&Type>, one: bool) -> Expr {
    let float: Expr = if one {
        parse_quote!(1.0)
    } else {
        parse_quote!(-0.0)
    };
    match ty {
        None => float,
        Some(t) if is_float(t) => float,
        Some(t) if is_integer(t) => {
            if one {
                parse_quote!(1)
            } else {
                parse_quote!(0)
            }
        }
        Some(t) => parse_quote!(<#t as ::autodiff::__private::Real>::cast_from(#float)),
    }
}

/// The type a turbofish gives (`sum::<f64>()`), unless it is `_`.
fn turbofish(m: &ExprMethodCall) -> Option<Type> {
    let t = m.turbofish.as_ref()?;
    match t.args.first()? {
        syn::GenericArgument::Type(Type::Infer(_)) => None,
        syn::GenericArgument::Type(t) => Some(t.clone()),
        _ => None,
    }
}

/// The span of a method call from its name to its closing parenthesis.
fn method_tokens(m: &ExprMethodCall) -> TokenStream {
    let method = &m.method;
    let turbofish = &m.turbofish;
    let mut args = proc_macro2::Group::new(
        proc_macro2::Delimiter::Parenthesis,
        m.args.to_token_stream(),
    );
    args.set_span(m.paren_token.span.join());
    quote!(#method #turbofish #args)
}

impl Rewriter<'_, '_> {
    fn fresh(&mut self, base: &str) -> Ident {
        let n = self.next;
        self.next += 1;
        format_ident!("__autodiff_{}{}", base, n)
    }

    /// Reports an error now (the construct stands for the report from here on).
    fn report<T: ToTokens>(&mut self, tokens: T, message: impl std::fmt::Display) -> Problem {
        let r = self.errors.at(tokens, message);
        self.outcome.reported.get_or_insert(r);
        Problem::Reported
    }

    /// The name that stands for a reported construct.
    fn poison() -> Expr {
        let name = format_ident!("{}", REPORTED);
        parse_quote!(#name)
    }

    /// `whole` wrapped for the lowering to judge (see [`UNSUPPORTED`]).
    fn defer(&mut self, whole: &Expr, tokens: TokenStream, message: String) -> Expr {
        let k = self.outcome.deferred.len();
        self.outcome.deferred.push(Deferred { tokens, message });
        let f = format_ident!("{}{}", UNSUPPORTED, k);
        parse_quote!(#f(#whole))
    }

    /// The expression that stands for `whole` after `problem`.
    fn settle(&mut self, whole: &Expr, problem: Problem) -> Expr {
        match problem {
            Problem::Reported => Self::poison(),
            Problem::Unsupported(tokens, message) => self.defer(whole, tokens, message),
        }
    }

    /// The parameter `name`'s type and whether it is differentiable, where `name` is one.
    fn param(&self, name: &Expr) -> Option<(&Type, bool)> {
        let Expr::Path(p) = strip(name) else {
            return None;
        };
        let ident = p.path.get_ident()?.to_string();
        self.cx
            .params
            .iter()
            .find(|(n, _, _)| *n == ident)
            .map(|(_, t, d)| (*t, *d))
    }

    /// `e` as an expression that may be evaluated again: itself if a literal or a place, otherwise a
    /// new name bound before (by reference where `by_ref`).
    fn stable(&mut self, e: &Expr, by_ref: bool, base: &str, pre: &mut Vec<Stmt>) -> Expr {
        if is_simple(e) {
            return strip(e).clone();
        }
        let name = self.fresh(base);
        let e = strip(e);
        if by_ref {
            pre.push(parse_quote!(let #name = &(#e);));
        } else {
            pre.push(parse_quote!(let #name = #e;));
        }
        parse_quote!(#name)
    }

    /// The sequence of the elements of a container, by reference or by value.
    fn container(&mut self, base: &Expr, by_ref: bool, pos: &Ident, pre: &mut Vec<Stmt>) -> Seq {
        let base = self.stable(base, true, "seq", pre);
        Seq {
            len: parse_quote!(#base.len()),
            item: Item::Elem {
                base,
                index: parse_quote!(#pos),
                by_ref,
            },
        }
    }

    /// Whether iterating `e` by value (`for v in e`, `zip(e)`, `e.into_iter()`) gives references: a
    /// parameter of reference type does; a local is taken to be owned.
    fn yields_refs(&self, e: &Expr) -> bool {
        matches!(self.param(e), Some((Type::Reference(_), _)))
    }

    /// The sequence that iterating `e` gives (a `zip` argument, an `into_iter` receiver): `&x`, a range,
    /// a chain, or a container by value.
    fn iterated(&mut self, e: &Expr, pos: &Ident, pre: &mut Vec<Stmt>) -> Result<Seq, Problem> {
        match strip(e) {
            Expr::Reference(r) if r.mutability.is_none() => {
                Ok(self.container(&r.expr, true, pos, pre))
            }
            Expr::Range(_) if is_bounded_range(e) => Ok(self.range(e, pos, pre)),
            other if is_iterator_chain(other) => self.chain_seq(other, pos, pre),
            other => {
                let by_ref = self.yields_refs(other);
                Ok(self.container(other, by_ref, pos, pre))
            }
        }
    }

    /// `a..b` or `a..=b`: the integers, by value.
    fn range(&mut self, e: &Expr, pos: &Ident, pre: &mut Vec<Stmt>) -> Seq {
        let Expr::Range(r) = strip(e) else {
            unreachable!("checked by the caller")
        };
        let start = r.start.as_deref().expect("bounded");
        let end = r.end.as_deref().expect("bounded");
        let start = self.stable(start, false, "start", pre);
        let end = self.stable(end, false, "end", pre);
        let end: Expr = match r.limits {
            syn::RangeLimits::HalfOpen(_) => end,
            syn::RangeLimits::Closed(_) => parse_quote!((#end + 1)),
        };
        let zero = matches!(&start, Expr::Lit(l) if l.to_token_stream().to_string() == "0");
        if zero {
            Seq {
                len: end,
                item: Item::Value(parse_quote!(#pos)),
            }
        } else {
            Seq {
                len: parse_quote!(#end.saturating_sub(#start)),
                item: Item::Value(parse_quote!(#start + #pos)),
            }
        }
    }

    /// The sequence of a chain with no consumer; `Err` holds the expression standing for a report.
    fn chain_seq(&mut self, e: &Expr, pos: &Ident, pre: &mut Vec<Stmt>) -> Result<Seq, Problem> {
        if self.chains == 0 {
            self.guards.clear();
        }
        self.chains += 1;
        let seq = self.chain_seq_inner(e, pos, pre);
        self.chains -= 1;
        seq
    }

    fn chain_seq_inner(
        &mut self,
        e: &Expr,
        pos: &Ident,
        pre: &mut Vec<Stmt>,
    ) -> Result<Seq, Problem> {
        let (root, calls) = calls(e);
        let hint = base_text(e);
        let (mut seq, adapters) = match calls.first() {
            Some(first) if first.method == "iter" && first.args.is_empty() => {
                (self.container(&first.receiver, true, pos, pre), &calls[1..])
            }
            Some(first) if first.method == "into_iter" && first.args.is_empty() => {
                (self.iterated(&first.receiver, pos, pre)?, &calls[1..])
            }
            Some(first) if view_source(first).is_some() => {
                let ((len, view), axis) = view_source(first).expect("checked in the guard");
                let base = self.stable(&first.receiver, true, "seq", pre);
                let seq = Seq {
                    len: len(&base, &axis),
                    item: Item::Value(view(&base, &axis, pos)),
                };
                (seq, &calls[1..])
            }
            Some(first) if unsupported_source(&first.method.to_string(), &hint).is_some() => {
                let message = unsupported_source(&first.method.to_string(), &hint)
                    .expect("checked in the guard");
                return Err(Problem::Unsupported(method_tokens(first), message));
            }
            _ if is_bounded_range(root) => (self.range(root, pos, pre), &calls[..]),
            _ => {
                return Err(Problem::Unsupported(
                    e.to_token_stream(),
                    NOT_CONSUMED.to_string(),
                ))
            }
        };
        let mut filtered = false;
        for m in adapters {
            let name = m.method.to_string();
            if filtered && !matches!(name.as_str(), "filter" | "map" | "copied" | "cloned") {
                return Err(Problem::Unsupported(method_tokens(m), format!("`{name}` after `filter` is not supported in a #[differentiable] function (the positions no longer count the items): put `{name}` before the `filter`, or write the loop with `for` and test each item with `if`")));
            }
            if name == "filter" {
                if self.chains > 1 {
                    return Err(Problem::Unsupported(method_tokens(m), "`filter` inside a `zip` argument is not supported in a #[differentiable] function (the pairs would shift): filter after the `zip`, `.zip(..).filter(|(a, b)| ..)`".to_string()));
                }
                filtered = true;
                self.filter(&seq, m)?;
                continue;
            }
            seq = self.adapter(seq, m, pos, pre, &hint)?;
        }
        Ok(seq)
    }

    /// The sequence after one adapter.
    fn adapter(
        &mut self,
        seq: Seq,
        m: &ExprMethodCall,
        pos: &Ident,
        pre: &mut Vec<Stmt>,
        hint: &str,
    ) -> Result<Seq, Problem> {
        let name = m.method.to_string();
        let arg = |k: usize| m.args.iter().nth(k);
        let Seq { len, mut item } = seq;
        let p: Expr = parse_quote!(#pos);
        Ok(match (name.as_str(), m.args.len()) {
            // An iterator's `into_iter` is itself.
            ("into_iter", 0) => Seq { len, item },
            ("rev", 0) => {
                let n = self.fresh("len");
                pre.push(parse_quote!(let #n = #len;));
                item.reposition(pos, &parse_quote!(#n - 1 - #p));
                Seq {
                    len: parse_quote!(#n),
                    item,
                }
            }
            ("skip", 1) => {
                let s = self.stable(arg(0).expect("one"), false, "skip", pre);
                item.reposition(pos, &parse_quote!(#p + #s));
                Seq {
                    len: parse_quote!(#len.saturating_sub(#s)),
                    item,
                }
            }
            ("take", 1) => {
                let t = self.stable(arg(0).expect("one"), false, "take", pre);
                Seq {
                    len: parse_quote!(::core::cmp::min(#len, #t)),
                    item,
                }
            }
            ("step_by", 1) => {
                let k = self.stable(arg(0).expect("one"), false, "step", pre);
                item.reposition(pos, &parse_quote!(#p * #k));
                Seq {
                    len: parse_quote!(#len.div_ceil(#k)),
                    item,
                }
            }
            ("enumerate", 0) => Seq {
                len,
                item: Item::Tuple(vec![Item::Value(p), item]),
            },
            ("zip", 1) => {
                let other = self.iterated(arg(0).expect("one"), pos, pre)?;
                let other_len = other.len;
                Seq {
                    len: parse_quote!(::core::cmp::min(#len, #other_len)),
                    item: Item::Tuple(vec![item, other.item]),
                }
            }
            ("copied" | "cloned", 0) => match item {
                Item::Elem { base, index, .. } => Seq {
                    len,
                    item: Item::Elem {
                        base,
                        index,
                        by_ref: false,
                    },
                },
                Item::Tuple(_) => {
                    return Err(self.report(
                        method_tokens(m),
                        format!("`{name}` applies to an iterator of references; the items here are tuples: copy inside the pattern instead, `|(&a, &b)| ..`"),
                    ))
                }
                other => Seq { len, item: other },
            },
            ("map", 1) => {
                let f = self.func(arg(0).expect("one"), 1, "map")?;
                Seq {
                    len,
                    item: Item::Mapped(Box::new(f), Box::new(item)),
                }
            }
            _ => {
                return Err(Problem::Unsupported(
                    method_tokens(m),
                    unsupported_method(&name, hint),
                ))
            }
        })
    }

    /// `filter(|v| ..)` of the items of `seq`: the condition, bound to a name in statements kept in
    /// [`Rewriter::guards`] for the consumer. The closure takes a reference to the item (`|&&v|` or
    /// `|v| **v > 0.0` over `x.iter()`).
    fn filter(&mut self, seq: &Seq, m: &ExprMethodCall) -> Result<(), Problem> {
        if m.args.len() != 1 {
            return Err(self.report(&m.method, "`filter` takes one closure"));
        }
        let Expr::Closure(c) = strip(&m.args[0]) else {
            return Err(self.report(
                &m.args[0],
                "the predicate of `filter` must be a closure here, `|v| ..`",
            ));
        };
        if c.inputs.len() != 1 {
            return Err(self.report(&c.inputs, "the closure of `filter` takes 1 parameter"));
        }
        /// Takes `filter`'s own reference off a name in the closure's body: `**v` as `*v` where the
        /// item is a reference (`.1`), `*v` as `v` where it is a value.
        struct Once<'a>(&'a Ident, bool);
        impl VisitMut for Once<'_> {
            fn visit_expr_mut(&mut self, e: &mut Expr) {
                let is_name =
                    |e: &Expr| matches!(strip(e), Expr::Path(p) if p.path.is_ident(self.0));
                if let Expr::Unary(outer) = e {
                    if matches!(outer.op, syn::UnOp::Deref(_)) {
                        match strip(&outer.expr) {
                            Expr::Unary(inner)
                                if self.1
                                    && matches!(inner.op, syn::UnOp::Deref(_))
                                    && is_name(&inner.expr) =>
                            {
                                *e = Expr::Unary(inner.clone());
                                return;
                            }
                            name if !self.1 && is_name(name) => {
                                *e = name.clone();
                                return;
                            }
                            _ => {}
                        }
                    }
                }
                syn::visit_mut::visit_expr_mut(self, e);
            }
        }
        // One level of reference is `filter`'s own: a `&` pattern takes it off, a name keeps it.
        let mut closure = c.clone();
        match untyped(&c.inputs[0]).clone() {
            Pat::Reference(r) => closure.inputs[0] = (*r.pat).clone(),
            Pat::Ident(name) => {
                // The parameter is bound to the item itself: over references (`x.iter()`) a reference
                // reads as its element, so `**v` is the element, as `*v` is of the item; over values
                // (`copied`, `map`), `*v` is the value.
                let by_ref = matches!(seq.item, Item::Elem { by_ref: true, .. });
                Once(&name.ident, by_ref).visit_expr_mut(&mut closure.body);
            }
            // `|(a, b)|` over pairs: default binding takes `filter`'s reference into each name.
            Pat::Tuple(t) => {
                if let Item::Tuple(items) = &seq.item {
                    for (pat, item) in t.elems.iter().zip(items) {
                        if let Pat::Ident(name) = untyped(pat) {
                            let by_ref = matches!(item, Item::Elem { by_ref: true, .. });
                            Once(&name.ident, by_ref).visit_expr_mut(&mut closure.body);
                        }
                    }
                }
            }
            _ => {}
        }
        let mut stmts = Vec::new();
        let value = self.inline(
            &Func::Closure(Box::new(closure)),
            std::slice::from_ref(&seq.item),
            &mut stmts,
        )?;
        let keep = self.fresh("keep");
        stmts.push(parse_quote!(let #keep: bool = #value;));
        self.guards.push((stmts, keep));
        Ok(())
    }

    /// `stmts` run for an item only where the filters of the chain just taken apart hold.
    fn guarded(&mut self, stmts: Vec<Stmt>) -> Vec<Stmt> {
        if self.guards.is_empty() {
            return stmts;
        }
        let mut out = Vec::new();
        let mut conds = Vec::new();
        for (binds, keep) in std::mem::take(&mut self.guards) {
            out.extend(binds);
            conds.push(keep);
        }
        out.push(Stmt::Expr(
            parse_quote!(if #(#conds)&&* { #(#stmts)* }),
            None,
        ));
        out
    }

    /// The function of `map`/`fold`/`for_each`, with `arity` parameters where it is a closure.
    fn func(&mut self, e: &Expr, arity: usize, method: &str) -> Result<Func, Problem> {
        match strip(e) {
            Expr::Closure(c) => {
                if c.inputs.len() != arity {
                    return Err(self.report(
                        &c.inputs,
                        format!(
                            "the closure of `{method}` takes {arity} parameter{}",
                            if arity == 1 { "" } else { "s" }
                        ),
                    ));
                }
                if let Some(r) = has_return(&c.body) {
                    return Err(self.report(r, format!("`return` inside the closure of `{method}` is not supported in a #[differentiable] function: write the loop with `for`, where `continue` skips an element")));
                }
                Ok(Func::Closure(Box::new(c.clone())))
            }
            Expr::Path(_) => Ok(Func::Path(strip(e).clone())),
            other => Err(self.report(
                other,
                format!(
                    "`{method}` takes a closure (`|v| ..`) or a function path (`f64::exp`) here"
                ),
            )),
        }
    }

    /// The value of an item as an expression; a mapped item is computed into a new name first.
    fn value(&mut self, item: &Item, out: &mut Vec<Stmt>) -> Result<Expr, Problem> {
        Ok(match item {
            Item::Elem {
                base,
                index,
                by_ref,
            } => {
                if *by_ref {
                    parse_quote!(&#base[#index])
                } else {
                    parse_quote!(#base[#index])
                }
            }
            Item::Value(e) => e.clone(),
            Item::Tuple(items) => {
                let values = items
                    .iter()
                    .map(|i| self.value(i, out))
                    .collect::<Result<Vec<_>, Problem>>()?;
                parse_quote!((#(#values),*))
            }
            Item::Mapped(f, arg) => {
                let name = self.fresh("map");
                let value = self.apply(f, std::slice::from_ref(&**arg), out)?;
                out.push(parse_quote!(let #name = #value;));
                parse_quote!(#name)
            }
        })
    }

    /// `f(args..)` as an expression: a closure's parameters bound in a block before its body.
    fn apply(&mut self, f: &Func, args: &[Item], out: &mut Vec<Stmt>) -> Result<Expr, Problem> {
        match f {
            Func::Path(p) => {
                let values = args
                    .iter()
                    .map(|a| self.value(a, out))
                    .collect::<Result<Vec<_>, Problem>>()?;
                Ok(parse_quote!(#p(#(#values),*)))
            }
            Func::Closure(c) => {
                let mut inner = Vec::new();
                let pats: Vec<&Pat> = c.inputs.iter().collect();
                self.bind_all(&pats, args, &mut inner)?;
                let body = &c.body;
                Ok(parse_quote!({ #(#inner)* #body }))
            }
        }
    }

    /// Inlines `f(args..)` into `out` (its parameters bound there, a block body's statements spliced)
    /// and returns the expression of its value.
    fn inline(&mut self, f: &Func, args: &[Item], out: &mut Vec<Stmt>) -> Result<Expr, Problem> {
        match f {
            Func::Path(_) => self.apply(f, args, out),
            Func::Closure(c) => {
                let pats: Vec<&Pat> = c.inputs.iter().collect();
                self.bind_all(&pats, args, out)?;
                Ok(match strip(&c.body) {
                    Expr::Block(b) if b.label.is_none() && b.attrs.is_empty() => {
                        let mut stmts = b.block.stmts.clone();
                        match stmts.pop() {
                            Some(Stmt::Expr(e, None)) => {
                                out.extend(stmts);
                                e
                            }
                            Some(last) => {
                                stmts.push(last);
                                out.extend(stmts);
                                parse_quote!(())
                            }
                            None => parse_quote!(()),
                        }
                    }
                    body => body.clone(),
                })
            }
        }
    }

    /// Binds `pat` to `item` with `let`s pushed to `out`.
    fn bind(&mut self, pat: &Pat, item: &Item, out: &mut Vec<Stmt>) -> Result<(), Problem> {
        let pat = untyped(pat);
        match (pat, item) {
            (Pat::Wild(_), _) => Ok(()),
            (Pat::Ident(p), _) if p.by_ref.is_none() && p.subpat.is_none() => {
                let value = self.value(item, out)?;
                out.push(parse_quote!(let #pat = #value;));
                Ok(())
            }
            (
                Pat::Reference(r),
                Item::Elem {
                    base,
                    index,
                    by_ref: true,
                },
            ) if r.mutability.is_none() => {
                let by_value = Item::Elem {
                    base: base.clone(),
                    index: index.clone(),
                    by_ref: false,
                };
                self.bind(&r.pat, &by_value, out)
            }
            (Pat::Tuple(t), Item::Tuple(items)) if t.elems.len() == items.len() => {
                let pats: Vec<&Pat> = t.elems.iter().collect();
                self.bind_all(&pats, items, out)
            }
            (Pat::Tuple(_) | Pat::Reference(_), Item::Mapped(..) | Item::Value(_)) => {
                let value = self.value(item, out)?;
                out.push(parse_quote!(let #pat = #value;));
                Ok(())
            }
            _ => Err(self.report(
                pat,
                "this pattern does not match the items of the iterator: `(i, v)` for `enumerate`, `(a, b)` for `zip`, `&v` for references, a name otherwise",
            )),
        }
    }

    /// Binds each pattern to its item. A name bound early must not change what a later item reads
    /// (`|(y, x)|` over `x.iter().zip(y.iter())`, `|x, v|` folding over `x`): then every item is first
    /// read through new names.
    fn bind_all(
        &mut self,
        pats: &[&Pat],
        items: &[Item],
        out: &mut Vec<Stmt>,
    ) -> Result<(), Problem> {
        let names: Vec<String> = pats.iter().flat_map(|p| bound_names(p)).collect();
        let mut mentioned = Vec::new();
        items.iter().for_each(|i| i.mentions(&mut mentioned));
        let clash = names.iter().any(|n| mentioned.contains(n));
        let detached;
        let items = if clash {
            detached = items
                .iter()
                .map(|i| self.detach(i, out))
                .collect::<Result<Vec<_>, Problem>>()?;
            &detached[..]
        } else {
            items
        };
        for (p, i) in pats.iter().zip(items) {
            self.bind(p, i, out)?;
        }
        Ok(())
    }

    /// The same item read through new names bound now: a container by a reference to it, a value by
    /// its copy (an element stays an element, so that a pattern `&v` still takes it by value).
    fn detach(&mut self, item: &Item, out: &mut Vec<Stmt>) -> Result<Item, Problem> {
        Ok(match item {
            Item::Elem {
                base,
                index,
                by_ref,
            } => {
                let name = self.fresh("seq");
                out.push(parse_quote!(let #name = &#base;));
                Item::Elem {
                    base: parse_quote!(#name),
                    index: index.clone(),
                    by_ref: *by_ref,
                }
            }
            Item::Tuple(items) => Item::Tuple(
                items
                    .iter()
                    .map(|i| self.detach(i, out))
                    .collect::<Result<Vec<_>, Problem>>()?,
            ),
            Item::Value(_) | Item::Mapped(..) => {
                let value = self.value(item, out)?;
                let name = self.fresh("item");
                out.push(parse_quote!(let #name = #value;));
                Item::Value(parse_quote!(#name))
            }
        })
    }

    /// `for pat in chain { body }` as an index loop, with the statements it needs first; `None` where
    /// the loop is not over an iterator chain this pass takes apart.
    fn for_loop(&mut self, f: &syn::ExprForLoop) -> Option<Vec<Stmt>> {
        if f.label.is_some() {
            return None;
        }
        let iter = strip(&f.expr);
        let pat = &f.pat;
        let body = &f.body;
        // The forms the lowering reads as they are: plain `x.iter()` (elements in iteration order, any
        // dimension), ranges with their own adapters.
        let (root, chain) = calls(iter);
        let plain_pattern = matches!(untyped(pat), Pat::Ident(_) | Pat::Wild(_))
            || matches!(untyped(pat), Pat::Reference(r) if matches!(&*r.pat, Pat::Ident(_) | Pat::Wild(_)));
        match iter {
            Expr::Reference(r) if r.mutability.is_none() && plain_pattern => {
                let base = &r.expr;
                return Some(vec![Stmt::Expr(
                    parse_quote!(for #pat in #base.iter() #body),
                    None,
                )]);
            }
            Expr::Path(_) if plain_pattern && matches!(self.param(iter), Some((_, true))) => {
                if self.yields_refs(iter) {
                    return Some(vec![Stmt::Expr(
                        parse_quote!(for #pat in #iter.iter() #body),
                        None,
                    )]);
                }
                if let Pat::Ident(_) | Pat::Wild(_) = untyped(pat) {
                    return Some(vec![Stmt::Expr(
                        parse_quote!(for &#pat in #iter.iter() #body),
                        None,
                    )]);
                }
            }
            _ => {}
        }
        if plain_pattern
            && chain.len() == 1
            && chain[0].method == "iter"
            && chain[0].args.is_empty()
        {
            return None;
        }
        if let [first, last] = chain.as_slice() {
            let copies = matches!(last.method.to_string().as_str(), "copied" | "cloned");
            if first.method == "iter" && first.args.is_empty() && copies && last.args.is_empty() {
                if let Pat::Ident(_) | Pat::Wild(_) = untyped(pat) {
                    let base = &first.receiver;
                    return Some(vec![Stmt::Expr(
                        parse_quote!(for &#pat in #base.iter() #body),
                        None,
                    )]);
                }
            }
        }
        if !is_iterator_chain(iter) || (is_bounded_range(root) && chain.is_empty()) {
            return None;
        }
        let mut pre = Vec::new();
        let pos = self.fresh("pos");
        let seq = match self.iterated(iter, &pos, &mut pre) {
            Ok(seq) => seq,
            Err(Problem::Reported) => {
                let e = Self::poison();
                return Some(vec![parse_quote!(let _ = #e;)]);
            }
            Err(Problem::Unsupported(tokens, message)) if !plain_pattern => {
                // The lowering takes no pattern but a name over what it evaluates as written.
                let problem = self.report(tokens, message);
                let e = self.settle(iter, problem);
                return Some(vec![parse_quote!(let _ = #e;)]);
            }
            Err(problem) => {
                // Left as it is, for the lowering to judge.
                let iter = self.settle(iter, problem);
                return Some(vec![Stmt::Expr(
                    parse_quote!(for #pat in #iter #body),
                    None,
                )]);
            }
        };
        let mut stmts = Vec::new();
        if let Err(problem) = self.bind(pat, &seq.item, &mut stmts) {
            let e = self.settle(iter, problem);
            return Some(vec![parse_quote!(let _ = #e;)]);
        }
        stmts.extend(body.stmts.iter().cloned());
        let stmts = self.guarded(stmts);
        let len = seq.len;
        pre.push(Stmt::Expr(
            parse_quote!(for #pos in 0..#len { #(#stmts)* }),
            None,
        ));
        Some(pre)
    }

    /// `chain.for_each(f);` as a loop.
    fn for_each(&mut self, e: &Expr) -> Option<Vec<Stmt>> {
        let Expr::MethodCall(m) = strip(e) else {
            return None;
        };
        if m.method != "for_each" || m.args.len() != 1 || !is_iterator_chain(&m.receiver) {
            return None;
        }
        let mut pre = Vec::new();
        let pos = self.fresh("pos");
        let result = (|| {
            let seq = self.iterated(&m.receiver, &pos, &mut pre)?;
            let f = self.func(&m.args[0], 1, "for_each")?;
            let mut stmts = Vec::new();
            let value = self.inline(&f, &[seq.item], &mut stmts)?;
            if !matches!(&value, Expr::Tuple(t) if t.elems.is_empty()) {
                stmts.push(Stmt::Expr(value, Some(Default::default())));
            }
            let stmts = self.guarded(stmts);
            let len = seq.len;
            pre.push(Stmt::Expr(
                parse_quote!(for #pos in 0..#len { #(#stmts)* }),
                None,
            ));
            Ok::<_, Problem>(())
        })();
        match result {
            Ok(()) => Some(pre),
            Err(problem) => {
                let e = self.settle(e, problem);
                Some(vec![Stmt::Expr(e, Some(Default::default()))])
            }
        }
    }

    /// `Zip::from(a).and(b)..map_collect(|&x, &y, ..| ..)` as a buffer of `a`'s shape written element by
    /// element, in iteration order, in a loop pushed to `pre` (the operands read at the loop's position,
    /// their shapes checked equal first, as `Zip` checks them); the expression of the buffer.
    fn zipped_buffer(
        &mut self,
        e: &Expr,
        operands: &[Expr],
        closure: &ExprClosure,
        pre: &mut Vec<Stmt>,
    ) -> Expr {
        let f = Func::Closure(Box::new(closure.clone()));
        let buf = self.fresh("zipped");
        let pos = self.fresh("pos");
        let bases: Vec<Expr> = operands.iter().map(zip_operand).collect();
        let first = &bases[0];
        let mut own: Vec<Stmt> = Vec::new();
        for other in &bases[1..] {
            own.push(parse_quote!(::core::assert_eq!(#first.shape(), #other.shape(), "Zip: the operands' shapes differ");));
        }
        own.push(parse_quote!(let mut #buf = ::autodiff::ndarray::Array::from_elem(#first.raw_dim(), ::core::default::Default::default());));
        let items: Vec<Item> = bases
            .iter()
            .map(|b| Item::Elem {
                base: b.clone(),
                index: parse_quote!(#pos),
                by_ref: true,
            })
            .collect();
        let mut stmts = Vec::new();
        match self.inline(&f, &items, &mut stmts) {
            Ok(value) => {
                own.push(parse_quote! {
                    for #pos in 0..#buf.len() {
                        #(#stmts)*
                        #buf[::autodiff::__private::flat_position(&#buf, #pos)] = #value;
                    }
                });
                pre.extend(own);
                parse_quote!(#buf)
            }
            Err(problem) => self.settle(e, problem),
        }
    }

    /// `z.accumulate_axis_inplace(Axis(k), |&prev, curr| *curr = ..)` (a statement) as a loop over `z`'s
    /// elements in iteration order that, for each element with one before it along the axis, reads that
    /// one (already updated: it comes first in iteration order) and `*curr` as the element, and writes
    /// the element back; `None` for any other statement.
    fn accumulate_axis(&mut self, e: &Expr) -> Option<Vec<Stmt>> {
        let Expr::MethodCall(m) = strip(e) else {
            return None;
        };
        if m.method != "accumulate_axis_inplace" || m.args.len() != 2 {
            return None;
        }
        let Expr::Closure(c) = strip(&m.args[1]) else {
            return None;
        };
        let z = zip_operand(&m.receiver);
        let axis = &m.args[0];
        let (pos, element, before) = (
            self.fresh("pos"),
            self.fresh("element"),
            self.fresh("before"),
        );
        let curr = match c.inputs.iter().nth(1).map(untyped) {
            Some(Pat::Ident(i)) if i.subpat.is_none() && c.inputs.len() == 2 => i.ident.clone(),
            _ => {
                self.report(c, "the closure of `accumulate_axis_inplace` takes the element before and the element, `|&prev, curr| *curr += prev`, in a #[differentiable] function");
                return Some(vec![Stmt::Expr(Self::poison(), Some(Default::default()))]);
            }
        };
        let Some(body) = self.element_body(c, &curr, &element, "accumulate_axis_inplace") else {
            return Some(vec![Stmt::Expr(Self::poison(), Some(Default::default()))]);
        };
        let first: Vec<&Pat> = c.inputs.iter().take(1).collect();
        let mut stmts = Vec::new();
        let item = Item::Elem {
            base: z.clone(),
            index: parse_quote!(#before),
            by_ref: true,
        };
        if let Err(problem) = self.bind_all(&first, &[item], &mut stmts) {
            if let Problem::Unsupported(tokens, message) = problem {
                self.report(tokens, message);
            }
            return Some(vec![Stmt::Expr(Self::poison(), Some(Default::default()))]);
        }
        // The shape is read before the loop: inside it, the array is only read and written by element.
        let shape = self.fresh("shape");
        Some(vec![
            parse_quote!(let #shape = #z.raw_dim();),
            parse_quote! {
                for #pos in 0..#z.len() {
                    if ::autodiff::__private::axis_index_in(&#shape, #axis, #pos) > 0 {
                        let #before = ::autodiff::__private::axis_predecessor_in(&#shape, #axis, #pos);
                        #(#stmts)*
                        let mut #element = #z[#pos];
                        #body;
                        #z[::autodiff::__private::position_in(&#shape, #pos)] = #element;
                    }
                }
            },
        ])
    }

    /// The body of a closure that takes an element as `&mut` parameter `a`, with `*a` read and written as
    /// the local `element`; `None` (reported) where it uses `a` otherwise.
    fn element_body(
        &mut self,
        c: &ExprClosure,
        a: &Ident,
        element: &Ident,
        method: &str,
    ) -> Option<Expr> {
        struct Deref<'a> {
            a: &'a Ident,
            element: &'a Ident,
            other_use: bool,
        }
        impl VisitMut for Deref<'_> {
            fn visit_expr_mut(&mut self, e: &mut Expr) {
                if let Expr::Unary(u) = e {
                    if matches!(u.op, syn::UnOp::Deref(_))
                        && matches!(strip(&u.expr), Expr::Path(p) if p.path.is_ident(self.a))
                    {
                        let element = self.element;
                        *e = parse_quote!(#element);
                        return;
                    }
                }
                if matches!(e, Expr::Path(p) if p.path.is_ident(self.a)) {
                    self.other_use = true;
                }
                syn::visit_mut::visit_expr_mut(self, e);
            }
        }
        let mut body = (*c.body).clone();
        let mut deref = Deref {
            a,
            element,
            other_use: false,
        };
        deref.visit_expr_mut(&mut body);
        if deref.other_use {
            self.report(&c.body, format!("the closure of `{method}` may use `{a}` only as `*{a}` in a #[differentiable] function: read the element as `*{a}` and assign it with `*{a} = ..` (or `*{a} += ..`)"));
            return None;
        }
        Some(body)
    }

    /// `z.zip_mut_with(&y, |a, &b| *a = ..)` (a statement) as a loop over `z`'s elements in iteration
    /// order that reads `*a` as the element, `y` broadcast to `z`'s shape as `zip_mut_with` broadcasts
    /// it, and writes the element back; `None` for any other statement.
    fn zip_mut_with(&mut self, e: &Expr) -> Option<Vec<Stmt>> {
        let Expr::MethodCall(m) = strip(e) else {
            return None;
        };
        if m.method != "zip_mut_with" || m.args.len() != 2 {
            return None;
        }
        let Expr::Closure(c) = strip(&m.args[1]) else {
            return None;
        };
        let z = zip_operand(&m.receiver);
        let y = zip_operand(&m.args[0]);
        let (pos, element, other) = (
            self.fresh("pos"),
            self.fresh("element"),
            self.fresh("other"),
        );
        let a = match c.inputs.first().map(untyped) {
            Some(Pat::Ident(i)) if i.subpat.is_none() && c.inputs.len() == 2 => i.ident.clone(),
            _ => {
                self.report(c, "the closure of `zip_mut_with` takes the element as `a` and the other operand's element, `|a, &b| *a = ..`, in a #[differentiable] function");
                return Some(vec![Stmt::Expr(Self::poison(), Some(Default::default()))]);
            }
        };
        // `*a` is the element; any other use of `a` is not taken apart.
        let Some(body) = self.element_body(c, &a, &element, "zip_mut_with") else {
            return Some(vec![Stmt::Expr(Self::poison(), Some(Default::default()))]);
        };
        let second: Vec<&Pat> = c.inputs.iter().skip(1).collect();
        let mut stmts = Vec::new();
        let item = Item::Elem {
            base: parse_quote!(#other),
            index: parse_quote!(#pos),
            by_ref: true,
        };
        if let Err(problem) = self.bind_all(&second, &[item], &mut stmts) {
            if let Problem::Unsupported(tokens, message) = problem {
                self.report(tokens, message);
            }
            return Some(vec![Stmt::Expr(Self::poison(), Some(Default::default()))]);
        }
        Some(vec![
            parse_quote!(let #other = #y.broadcast(#z.raw_dim()).unwrap();),
            parse_quote! {
                for #pos in 0..#z.len() {
                    let mut #element = #z[#pos];
                    #(#stmts)*
                    #body;
                    #z[::autodiff::__private::flat_position(&#z, #pos)] = #element;
                }
            },
        ])
    }

    /// `Array::from_shape_fn(shape, |i| ..)` (one axis) or `.. |(i, j)| ..` (two) as a buffer of the
    /// shape written element by element in loops pushed to `pre`; the expression of the buffer.
    fn shaped_buffer(
        &mut self,
        e: &Expr,
        shape: &Expr,
        closure: &ExprClosure,
        pre: &mut Vec<Stmt>,
    ) -> Expr {
        let f = Func::Closure(Box::new(closure.clone()));
        let buf = self.fresh("shaped");
        let two = matches!(untyped(&closure.inputs[0]), Pat::Tuple(t) if t.elems.len() == 2);
        let mut own = Vec::new();
        let (i, j) = (self.fresh("pos"), self.fresh("pos"));
        let mut stmts = Vec::new();
        let result = if two {
            own.push(parse_quote!(let mut #buf = ::autodiff::ndarray::Array2::from_elem(#shape, ::core::default::Default::default());));
            let item = Item::Tuple(vec![
                Item::Value(parse_quote!(#i)),
                Item::Value(parse_quote!(#j)),
            ]);
            self.inline(&f, &[item], &mut stmts).map(|value| {
                own.push(parse_quote! {
                    for #i in 0..#buf.nrows() {
                        for #j in 0..#buf.ncols() {
                            #(#stmts)*
                            #buf[[#i, #j]] = #value;
                        }
                    }
                });
            })
        } else {
            own.push(parse_quote!(let mut #buf = ::autodiff::ndarray::Array1::from_elem(#shape, ::core::default::Default::default());));
            self.inline(&f, &[Item::Value(parse_quote!(#i))], &mut stmts)
                .map(|value| {
                    own.push(parse_quote! {
                        for #i in 0..#buf.len() {
                            #(#stmts)*
                            #buf[#i] = #value;
                        }
                    });
                })
        };
        match result {
            Ok(()) => {
                pre.extend(own);
                parse_quote!(#buf)
            }
            Err(problem) => self.settle(e, problem),
        }
    }

    /// A reduction chain as a loop pushed to `pre`; the expression of its value.
    fn reduction(&mut self, e: &Expr, ty: Option<&Type>, pre: &mut Vec<Stmt>) -> Expr {
        let Expr::MethodCall(m) = strip(e) else {
            return self.defer(e, e.to_token_stream(), NOT_CONSUMED.to_string());
        };
        let name = m.method.to_string();
        let hint = base_text(e);
        let terminal = match (name.as_str(), m.args.len()) {
            ("sum", 0) => Terminal::Sum(turbofish(m).or_else(|| ty.cloned())),
            ("product", 0) => Terminal::Product(turbofish(m).or_else(|| ty.cloned())),
            ("count", 0) => Terminal::Count,
            ("fold", 2) => match self.func(&m.args[1], 2, "fold") {
                Ok(f) => Terminal::Fold(m.args[0].clone(), f),
                Err(problem) => return self.settle(e, problem),
            },
            ("collect", 0) => Terminal::Collect(turbofish(m).or_else(|| ty.cloned())),
            _ => {
                // An adapter with nothing after it, or a consumer that is not taken apart.
                let adapter = matches!(
                    name.as_str(),
                    "iter"
                        | "into_iter"
                        | "rev"
                        | "skip"
                        | "take"
                        | "step_by"
                        | "enumerate"
                        | "zip"
                        | "map"
                        | "copied"
                        | "cloned"
                );
                // The first problem from the inside out (an unsupported source or adapter first).
                let inner = if adapter { e } else { &*m.receiver };
                let mut scratch = Vec::new();
                let pos = self.fresh("pos");
                let problem = match self.chain_seq(inner, &pos, &mut scratch) {
                    Err(problem) => problem,
                    Ok(_) if adapter => {
                        Problem::Unsupported(e.to_token_stream(), NOT_CONSUMED.to_string())
                    }
                    Ok(_) => {
                        Problem::Unsupported(method_tokens(m), unsupported_method(&name, &hint))
                    }
                };
                return self.settle(e, problem);
            }
        };
        let pos = self.fresh("pos");
        let mut own = Vec::new();
        let seq = match self.chain_seq(&m.receiver, &pos, &mut own) {
            Ok(seq) => seq,
            Err(problem) => return self.settle(e, problem),
        };
        // After `filter`, a collection's length is the number of items kept: counted in a loop of
        // its own first (the predicate evaluated twice, a constant), then the kept items written
        // through a counter.
        let kept = if !self.guards.is_empty() && matches!(terminal, Terminal::Collect(_)) {
            let guards = self.guards.clone();
            let (kept, len) = (self.fresh("kept"), &seq.len);
            own.push(parse_quote!(let mut #kept = 0usize;));
            let counted = self.guarded(vec![parse_quote!(#kept += 1;)]);
            own.push(Stmt::Expr(
                parse_quote!(for #pos in 0..#len { #(#counted)* }),
                None,
            ));
            self.guards = guards;
            let at = self.fresh("at");
            own.push(parse_quote!(let mut #at = 0usize;));
            Some((kept, at))
        } else {
            None
        };
        let len = seq.len;
        let (acc, init, ty) = match &terminal {
            // Without `filter`, the number of items; with it, a count of the items it keeps (an
            // integer counter, a constant).
            Terminal::Count if self.guards.is_empty() => {
                pre.extend(own);
                return parse_quote!(#len);
            }
            Terminal::Count => (self.fresh("count"), parse_quote!(0usize), None),
            Terminal::Sum(t) => (
                self.fresh("sum"),
                typed_literal(t.as_ref(), false),
                t.clone(),
            ),
            Terminal::Product(t) => (
                self.fresh("product"),
                typed_literal(t.as_ref(), true),
                t.clone(),
            ),
            Terminal::Fold(init, _) => (self.fresh("fold"), init.clone(), None),
            // A buffer of the final length whose elements are written in iteration order (an
            // element write into a local array, which the lowering differentiates).
            Terminal::Collect(t) => {
                let array = t.as_ref().is_some_and(|t| {
                    let text = t.to_token_stream().to_string();
                    text.starts_with("Array1") || text.starts_with("Array <")
                });
                let n: Expr = match &kept {
                    Some((kept, _)) => parse_quote!(#kept),
                    None => len.clone(),
                };
                let init: Expr = if array {
                    parse_quote!(::autodiff::ndarray::Array1::from_elem(#n, ::core::default::Default::default()))
                } else {
                    parse_quote!(::std::vec![::core::default::Default::default(); #n])
                };
                (self.fresh("collect"), init, t.clone())
            }
        };
        match &ty {
            Some(t) => own.push(parse_quote!(let mut #acc: #t = #init;)),
            None => own.push(parse_quote!(let mut #acc = #init;)),
        }
        let mut stmts = Vec::new();
        let result = (|| {
            match &terminal {
                Terminal::Fold(_, f) => {
                    let args = [Item::Value(parse_quote!(#acc)), seq.item];
                    let value = self.inline(f, &args, &mut stmts)?;
                    stmts.push(parse_quote!(#acc = #value;));
                }
                Terminal::Sum(_) | Terminal::Product(_) | Terminal::Collect(_) => {
                    let value = match seq.item {
                        Item::Mapped(f, arg) => self.inline(&f, &[*arg], &mut stmts)?,
                        Item::Elem { base, index, .. } => parse_quote!(#base[#index]),
                        Item::Value(e) => e,
                        Item::Tuple(_) => {
                            return Err(self.report(
                                method_tokens(m),
                                format!("`{name}` of pairs: `map` each pair to a number first, `.map(|(a, b)| a * b).{name}::<f64>()`"),
                            ))
                        }
                    };
                    if let Some((_, at)) = &kept {
                        stmts.push(parse_quote!(#acc[#at] = #value;));
                        stmts.push(parse_quote!(#at += 1;));
                    } else if matches!(terminal, Terminal::Collect(_)) {
                        stmts.push(parse_quote!(#acc[#pos] = #value;));
                    } else if matches!(terminal, Terminal::Sum(_)) {
                        stmts.push(parse_quote!(#acc += #value;));
                    } else {
                        stmts.push(parse_quote!(#acc *= #value;));
                    }
                }
                Terminal::Count => stmts.push(parse_quote!(#acc += 1;)),
            }
            Ok::<_, Problem>(())
        })();
        if let Err(problem) = result {
            return self.settle(e, problem);
        }
        let stmts = self.guarded(stmts);
        own.push(Stmt::Expr(
            parse_quote!(for #pos in 0..#len { #(#stmts)* }),
            None,
        ));
        pre.extend(own);
        parse_quote!(#acc)
    }

    /// Takes the reductions out of `e` (outside conditions, closures and nested blocks) into `pre`,
    /// in evaluation order; `ty` is the type `e` has where known.
    fn hoist(&mut self, e: &mut Expr, ty: Option<&Type>, pre: &mut Vec<Stmt>) {
        // `ndarray`'s `x.fold(init, |acc, &v| ..)` visits the elements as `x.iter().fold(..)` does (in
        // logical order, for an array in standard layout).
        if let Expr::MethodCall(m) = strip_mut(e) {
            if m.method == "fold"
                && m.args.len() == 2
                && matches!(strip(&m.args[1]), Expr::Closure(_))
                && !is_iterator_chain(&m.receiver)
                && !matches!(strip(&m.receiver), Expr::MethodCall(r) if starts_iterator(r))
            {
                let receiver = &m.receiver;
                *m.receiver = parse_quote!(#receiver.iter());
            }
        }
        // `Array::from_iter(chain)` collects the chain into an array.
        if let Some(chain) = array_from(e, "from_iter").filter(|c| is_iterator_chain(c)) {
            *e = parse_quote!((#chain).collect::<Array1<_>>());
        }
        if is_iterator_chain(e) {
            *e = self.reduction(e, ty, pre);
            return;
        }
        // `Array::from_vec(v)`: an array of `v`'s elements, read one by one.
        if let Some(v) = array_from(e, "from_vec").cloned() {
            let (vec, i) = (self.fresh("vec"), self.fresh("pos"));
            let mut value = v;
            self.hoist(&mut value, None, pre);
            pre.push(parse_quote!(let #vec = #value;));
            let closure: ExprClosure = parse_quote!(|#i| #vec[#i]);
            let shape: Expr = parse_quote!(#vec.len());
            *e = self.shaped_buffer(e, &shape, &closure, pre);
            return;
        }
        if let Some((shape, closure)) = from_shape_fn(e) {
            let (shape, closure) = (shape.clone(), closure.clone());
            *e = self.shaped_buffer(e, &shape, &closure, pre);
            return;
        }
        if let Some((operands, closure)) = zip_map_collect(e) {
            let closure = closure.clone();
            *e = self.zipped_buffer(e, &operands, &closure, pre);
            return;
        }
        match e {
            Expr::Binary(b) => {
                use syn::BinOp::*;
                match b.op {
                    Add(_) | Sub(_) | Mul(_) | Div(_) | Rem(_) => {
                        self.hoist(&mut b.left, None, pre);
                        self.hoist(&mut b.right, None, pre);
                    }
                    AddAssign(_) | SubAssign(_) | MulAssign(_) | DivAssign(_) | RemAssign(_) => {
                        self.hoist(&mut b.right, None, pre)
                    }
                    // Comparisons and logic are constants, evaluated as written.
                    _ => {}
                }
            }
            Expr::Unary(u) => self.hoist(&mut u.expr, None, pre),
            // A condition that is a chain itself (`if x.iter().any(..)`); the arms are blocks, taken
            // apart where they are visited.
            Expr::If(i) => {
                if is_iterator_chain(&i.cond) {
                    self.hoist(&mut i.cond, None, pre);
                }
                if let Some((_, other)) = i.else_branch.as_mut() {
                    if let Expr::If(_) = &**other {
                        self.hoist(other, None, pre);
                    }
                }
            }
            Expr::Paren(p) => self.hoist(&mut p.expr, ty, pre),
            Expr::Group(g) => self.hoist(&mut g.expr, ty, pre),
            Expr::Reference(r) => self.hoist(&mut r.expr, None, pre),
            Expr::MethodCall(m) => {
                if crate::prims::is_constant_method(&m.method.to_string()) {
                    return;
                }
                self.hoist(&mut m.receiver, None, pre);
                for a in m.args.iter_mut() {
                    self.hoist(a, None, pre);
                }
            }
            Expr::Call(c) => {
                for a in c.args.iter_mut() {
                    self.hoist(a, None, pre);
                }
            }
            Expr::Tuple(t) => {
                let tys: Option<Vec<Type>> = match ty {
                    Some(Type::Tuple(tt)) if tt.elems.len() == t.elems.len() => {
                        Some(tt.elems.iter().cloned().collect())
                    }
                    _ => None,
                };
                for (k, a) in t.elems.iter_mut().enumerate() {
                    self.hoist(a, tys.as_ref().map(|t| &t[k]), pre);
                }
            }
            Expr::Array(a) => a.elems.iter_mut().for_each(|x| self.hoist(x, None, pre)),
            Expr::Struct(s) => s
                .fields
                .iter_mut()
                .for_each(|f| self.hoist(&mut f.expr, None, pre)),
            Expr::Field(f) => self.hoist(&mut f.base, None, pre),
            Expr::Index(i) => self.hoist(&mut i.expr, None, pre),
            Expr::Cast(c) => self.hoist(&mut c.expr, None, pre),
            Expr::Return(r) => {
                let output = self.cx.output;
                if let Some(v) = r.expr.as_mut() {
                    self.hoist(v, output, pre);
                }
            }
            Expr::Assign(a) => self.hoist(&mut a.right, None, pre),
            _ => {}
        }
    }

    /// Statements this pass made (a loop and what it needs first), themselves taken apart: an
    /// argument of `skip`, the `init` of a `fold` may hold a chain. A loop over a range is left as it is.
    fn statements(&mut self, stmts: Vec<Stmt>, out: &mut Vec<Stmt>) {
        for stmt in stmts {
            match stmt {
                Stmt::Expr(Expr::ForLoop(_), _) => out.push(stmt),
                other => self.statement(other, false, out),
            }
        }
    }

    /// The statements that replace `stmt` (its loops and reductions taken apart).
    fn statement(&mut self, stmt: Stmt, tail: bool, out: &mut Vec<Stmt>) {
        match stmt {
            Stmt::Expr(Expr::ForLoop(f), semi) => match self.for_loop(&f) {
                Some(stmts) => self.statements(stmts, out),
                None => out.push(Stmt::Expr(Expr::ForLoop(f), semi)),
            },
            Stmt::Expr(e, semi) => {
                if let Some(stmts) = self.for_each(&e) {
                    self.statements(stmts, out);
                    return;
                }
                if let Some(stmts) = self.zip_mut_with(&e).or_else(|| self.accumulate_axis(&e)) {
                    self.statements(stmts, out);
                    return;
                }
                let mut e = e;
                let mut pre = Vec::new();
                let ty = if tail && semi.is_none() && self.depth == 1 {
                    self.cx.output
                } else {
                    None
                };
                self.hoist(&mut e, ty, &mut pre);
                self.statements(pre, out);
                out.push(Stmt::Expr(e, semi));
            }
            Stmt::Local(mut local) => {
                let ty = match &local.pat {
                    Pat::Type(t) => Some((*t.ty).clone()),
                    _ => None,
                };
                let mut pre = Vec::new();
                if let Some(init) = local.init.as_mut() {
                    self.hoist(&mut init.expr, ty.as_ref(), &mut pre);
                }
                self.statements(pre, out);
                out.push(Stmt::Local(local));
            }
            other => out.push(other),
        }
    }
}

impl VisitMut for Rewriter<'_, '_> {
    fn visit_block_mut(&mut self, block: &mut Block) {
        self.depth += 1;
        let stmts = std::mem::take(&mut block.stmts);
        let n = stmts.len();
        let mut out = Vec::new();
        for (k, stmt) in stmts.into_iter().enumerate() {
            self.statement(stmt, k + 1 == n, &mut out);
        }
        // Then the blocks inside, the new loops' bodies among them (a closure body inlined there may
        // hold a chain of its own).
        for stmt in &mut out {
            syn::visit_mut::visit_stmt_mut(self, stmt);
        }
        block.stmts = out;
        self.depth -= 1;
    }

    fn visit_expr_closure_mut(&mut self, _: &mut ExprClosure) {}
}

#[cfg(test)]
mod tests;
