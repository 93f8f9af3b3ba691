//! `Vec::new()` and `push` as element writes into a buffer of the final length, before lowering.
//!
//! A local `let mut v = Vec::new();` (or `Vec::with_capacity(n)`, `vec![]`) whose pushes are statements of
//! the block that declares it, each either on its own or the one push of the body of a `for` loop over a
//! range (iterator loops are index loops by now), gets its final length from them: each push on its own
//! counts one, a loop `lo..hi` counts `hi - lo` (or none where `hi <= lo`). The buffer is made at that
//! length, and each push writes the next element through a counter, which also stands for `v.len()`
//! while the pushes run:
//!
//! ```text
//! let mut v = Vec::new();            let mut v = vec![Default::default(); 1 + (n).saturating_sub(0)];
//! v.push(a);                   =>    let mut __autodiff_len_v: usize = 0;
//! for i in 0..n {                    { v[__autodiff_len_v] = a; __autodiff_len_v += 1; }
//!     v.push(x[i] * v[i]);           for i in 0..n { { v[__autodiff_len_v] = x[i] * v[i]; __autodiff_len_v += 1; } }
//! }
//! ```
//!
//! Pushes of another shape (under a condition, in a `while` loop, several per iteration, after a
//! `continue`) are counted by a replay: the statement that holds them runs once before the buffer is
//! made, each push counting one (`v.len()` the count so far), where that is the same run: the statement
//! changes no name declared outside it and reads `v` only through `push`, `len()` and `is_empty()` (its
//! conditions are constants, evaluated twice). Then each push writes through the counter as above.
//!
//! The lowering then differentiates the element writes as any other (read back in the loop that writes
//! them included). Pushes that cannot be counted either way (a loop that also changes an outside value,
//! or reads what it pushed) are left alone and reported by the lowering, with this form as the rewrite.

use quote::{format_ident, ToTokens};
use std::collections::HashMap;
use syn::visit::Visit;
use syn::visit_mut::VisitMut;
use syn::{parse_quote, Block, Expr, Ident, Pat, Stmt};

/// Rewrites the pushes of every block of `block` (closures aside) that this pass can count.
pub fn rewrite(block: &mut Block) {
    let mut all = Declarations(Vec::new());
    all.visit_block(block);
    let mut declared = HashMap::new();
    for name in all.0 {
        *declared.entry(name).or_insert(0) += 1;
    }
    Pushes {
        declared: &declared,
    }
    .visit_block_mut(block);
}

struct Pushes<'a> {
    /// How many times the function declares each name (a replay may change only names it alone
    /// declares: no shadowing makes an outer name look like its own).
    declared: &'a HashMap<Ident, usize>,
}

impl VisitMut for Pushes<'_> {
    fn visit_block_mut(&mut self, block: &mut Block) {
        // Inner blocks first: a buffer declared in a loop body is rewritten there.
        syn::visit_mut::visit_block_mut(self, block);
        let mut k = 0;
        while k < block.stmts.len() {
            if let Some(name) = new_vec(&block.stmts[k]) {
                // The buffer is made just before the first push (the loops' bounds may be computed
                // after the declaration), where nothing before reads it.
                let first = block.stmts[k + 1..]
                    .iter()
                    .position(|s| mentions(&name, s))
                    .map(|p| k + 1 + p);
                if let Some(first) =
                    first.filter(|&f| mentions_push(&name, &block.stmts[f..=f]) > 0)
                {
                    if let Some(length) = count(&name, &block.stmts[first..], self.declared) {
                        let decl = block.stmts.remove(k);
                        block.stmts.insert(first - 1, decl);
                        rewrite_from(&name, first - 1, length, &mut block.stmts);
                        // What is at `k` now (the next declaration, if the buffer moved) is looked
                        // at again; the rewritten declaration is no longer an empty `Vec`.
                        continue;
                    }
                }
            }
            k += 1;
        }
    }
    fn visit_expr_closure_mut(&mut self, _: &mut syn::ExprClosure) {}
}

/// The name declared by `let mut v = Vec::new();` (`Vec::with_capacity(..)`, `vec![]`, typed or not).
fn new_vec(stmt: &Stmt) -> Option<Ident> {
    let Stmt::Local(local) = stmt else {
        return None;
    };
    let pat = match &local.pat {
        Pat::Type(t) => &*t.pat,
        other => other,
    };
    let Pat::Ident(p) = pat else { return None };
    p.mutability?;
    let init = local.init.as_ref().filter(|i| i.diverge.is_none())?;
    let empty = match &*init.expr {
        Expr::Call(c) => {
            let path = c.func.to_token_stream().to_string().replace(' ', "");
            (path.ends_with("Vec::new") && c.args.is_empty())
                || (path.ends_with("Vec::with_capacity") && c.args.len() == 1)
        }
        Expr::Macro(m) => m.mac.path.is_ident("vec") && m.mac.tokens.is_empty(),
        _ => false,
    };
    empty.then(|| p.ident.clone())
}

/// `v.push(e)` as a statement: `e`.
fn push_of<'s>(name: &Ident, stmt: &'s Stmt) -> Option<&'s Expr> {
    let Stmt::Expr(e, Some(_)) = stmt else {
        return None;
    };
    pushed_value(name, e)
}

/// `v.push(e)` (a statement or an expression of type `()`, such as a `match` arm): `e`.
fn pushed_value<'s>(name: &Ident, e: &'s Expr) -> Option<&'s Expr> {
    let Expr::MethodCall(m) = e else { return None };
    let receiver_is = matches!(&*m.receiver, Expr::Path(p) if p.path.is_ident(name));
    (receiver_is && m.method == "push" && m.args.len() == 1).then(|| &m.args[0])
}

/// Whether `name.push(..)` appears anywhere in `node` (closures included: a push there is not counted).
fn mentions_push(name: &Ident, stmts: &[Stmt]) -> usize {
    struct Finder<'a>(&'a Ident, usize);
    impl<'a> Visit<'a> for Finder<'_> {
        fn visit_expr_method_call(&mut self, m: &'a syn::ExprMethodCall) {
            if m.method == "push"
                && matches!(&*m.receiver, Expr::Path(p) if p.path.is_ident(self.0))
            {
                self.1 += 1;
            }
            syn::visit::visit_expr_method_call(self, m);
        }
    }
    let mut f = Finder(name, 0);
    for s in stmts {
        f.visit_stmt(s);
    }
    f.1
}

/// Whether a loop body can leave early (`break`, `continue` or `return` outside inner loops).
fn leaves_early(body: &Block) -> bool {
    struct Finder(bool, usize);
    impl<'a> Visit<'a> for Finder {
        fn visit_expr_break(&mut self, b: &'a syn::ExprBreak) {
            if self.1 == 0 || b.label.is_some() {
                self.0 = true;
            }
        }
        fn visit_expr_continue(&mut self, c: &'a syn::ExprContinue) {
            if self.1 == 0 || c.label.is_some() {
                self.0 = true;
            }
        }
        fn visit_expr_return(&mut self, _: &'a syn::ExprReturn) {
            self.0 = true;
        }
        fn visit_expr_for_loop(&mut self, f: &'a syn::ExprForLoop) {
            self.1 += 1;
            syn::visit::visit_expr_for_loop(self, f);
            self.1 -= 1;
        }
        fn visit_expr_while(&mut self, w: &'a syn::ExprWhile) {
            self.1 += 1;
            syn::visit::visit_expr_while(self, w);
            self.1 -= 1;
        }
        fn visit_expr_loop(&mut self, l: &'a syn::ExprLoop) {
            self.1 += 1;
            syn::visit::visit_expr_loop(self, l);
            self.1 -= 1;
        }
        fn visit_expr_closure(&mut self, _: &'a syn::ExprClosure) {}
    }
    let mut f = Finder(false, 0);
    f.visit_block(body);
    f.0
}

/// The number of iterations of a `for` loop over `lo..hi` or `lo..=hi`, as an expression.
fn trip_count(range: &Expr) -> Option<Expr> {
    let Expr::Range(r) = range else { return None };
    let lo: Expr = match &r.start {
        Some(lo) => (**lo).clone(),
        None => return None,
    };
    let hi = r.end.as_ref()?;
    Some(match r.limits {
        syn::RangeLimits::HalfOpen(_) => {
            parse_quote!(((#hi) as usize).saturating_sub((#lo) as usize))
        }
        syn::RangeLimits::Closed(_) => {
            parse_quote!(((#hi) as usize + 1).saturating_sub((#lo) as usize))
        }
    })
}

/// Whether `stmt` names `name` anywhere.
fn mentions(name: &Ident, stmt: &Stmt) -> bool {
    let mut found = false;
    crate::naming::any_ident(stmt.to_token_stream(), &mut |i| {
        found |= i == name;
        found
    });
    found
}

/// The names that the statements declare with `let`.
fn declared(stmts: &[Stmt]) -> Vec<Ident> {
    let mut d = Declarations(Vec::new());
    for s in stmts {
        if let Stmt::Local(l) = s {
            d.visit_pat(&l.pat);
        }
    }
    d.0
}

/// How the final length of `name` is known: the parts of its sum (`1usize` for a push on its own, a loop's
/// trip count, or the counter of a replay), and the replays, which run before the buffer is made.
struct Length {
    parts: Vec<Expr>,
    replays: Vec<Stmt>,
}

/// The final length of `name` from the statements from its first push on, where every push is
/// counted, and no loop's bounds (nor a replayed statement) read a name declared or changed among them
/// (the length is computed before them).
fn count(name: &Ident, rest: &[Stmt], declarations: &HashMap<Ident, usize>) -> Option<Length> {
    let mut length = Length {
        parts: Vec::new(),
        replays: Vec::new(),
    };
    for (at, stmt) in rest.iter().enumerate() {
        if push_of(name, stmt).is_some() {
            length.parts.push(parse_quote!(1usize));
            continue;
        }
        if mentions_push(name, std::slice::from_ref(stmt)) == 0 {
            continue;
        }
        // Names declared or changed since the first push: the length is computed before them.
        let mut late = declared(&rest[..at]);
        late.extend(rest[..at].iter().flat_map(assigned).filter(|a| a != name));
        let reads_late = |tokens: proc_macro2::TokenStream| {
            let mut found = false;
            crate::naming::any_ident(tokens, &mut |i| {
                found |= late.contains(i);
                found
            });
            found
        };
        let trips = match stmt {
            Stmt::Expr(Expr::ForLoop(f), _) => {
                let body = &f.body.stmts;
                let direct = body.iter().filter(|s| push_of(name, s).is_some()).count();
                let simple =
                    mentions_push(name, body) == 1 && direct == 1 && !leaves_early(&f.body);
                simple.then(|| trip_count(&f.expr)).flatten()
            }
            _ => None,
        };
        match trips {
            Some(trips) if !reads_late(trips.to_token_stream()) => length.parts.push(trips),
            // Pushes under conditions, in nested loops, after a `continue`: the statement run once
            // before, counting its pushes, where that changes nothing else.
            _ => {
                let counter = format_ident!("__autodiff_count_{}_{}", name, length.replays.len());
                let replay = replayed(name, &counter, stmt, declarations)?;
                if reads_late(stmt.to_token_stream()) {
                    return None;
                }
                length
                    .replays
                    .push(parse_quote!(let mut #counter: usize = 0;));
                length.replays.push(replay);
                length.parts.push(parse_quote!(#counter));
            }
        }
    }
    (!length.parts.is_empty()).then_some(length)
}

/// `stmt` with each push of `name` counted in `counter` instead, where running it twice changes nothing:
/// it assigns no name but those only it declares (`declared`: the function's count of each name's
/// declarations), and reads `name` only through its pushes, `len()` and `is_empty()`.
fn replayed(
    name: &Ident,
    counter: &Ident,
    stmt: &Stmt,
    declared: &HashMap<Ident, usize>,
) -> Option<Stmt> {
    let mut copy = stmt.clone();
    let mut count = CountPushes { name, counter };
    count.visit_stmt_mut(&mut copy);
    LenOf(name, counter).visit_stmt_mut(&mut copy);
    let mut rest = false;
    crate::naming::any_ident(copy.to_token_stream(), &mut |i| {
        rest |= i == name;
        rest
    });
    if rest {
        return None;
    }
    let mut own: HashMap<Ident, usize> = HashMap::new();
    for n in declared_anywhere(stmt) {
        *own.entry(n).or_insert(0) += 1;
    }
    let only_here = |a: &Ident| own.get(a).is_some_and(|k| declared.get(a) == Some(k));
    let outer = assigned(&copy)
        .into_iter()
        .any(|a| !only_here(&a) && &a != counter);
    (!outer).then_some(copy)
}

/// Turns each push of `name` (a statement or a `()` expression, in any block but a closure's) into
/// `{ counter += 1; }`.
struct CountPushes<'a> {
    name: &'a Ident,
    counter: &'a Ident,
}

impl VisitMut for CountPushes<'_> {
    fn visit_expr_mut(&mut self, e: &mut Expr) {
        if pushed_value(self.name, e).is_some() {
            let counter = self.counter;
            *e = parse_quote!({ #counter += 1; });
            return;
        }
        syn::visit_mut::visit_expr_mut(self, e);
    }
    fn visit_expr_closure_mut(&mut self, _: &mut syn::ExprClosure) {}
}

/// The names that patterns declare (`let`s, loop patterns, closure parameters), once per declaration.
struct Declarations(Vec<Ident>);

impl<'a> Visit<'a> for Declarations {
    fn visit_pat_ident(&mut self, p: &'a syn::PatIdent) {
        self.0.push(p.ident.clone());
    }
}

/// Every name that `stmt` declares, at any depth, once per declaration.
fn declared_anywhere(stmt: &Stmt) -> Vec<Ident> {
    let mut d = Declarations(Vec::new());
    d.visit_stmt(stmt);
    d.0
}

/// The names that `stmt` assigns or changes: the roots of assignments' left sides, of `&mut` borrows
/// and of the receivers of methods that change their receiver.
fn assigned(stmt: &Stmt) -> Vec<Ident> {
    const CHANGING: &[&str] = &[
        "push",
        "pop",
        "insert",
        "remove",
        "clear",
        "truncate",
        "extend",
        "append",
        "fill",
        "assign",
        "swap",
        "sort",
        "reverse",
        "zip_mut_with",
        "mapv_inplace",
        "map_inplace",
        "accumulate_axis_inplace",
        "iter_mut",
        "as_mut_slice",
        "get_mut",
    ];
    fn root(e: &Expr) -> Option<Ident> {
        match e {
            Expr::Path(p) => p.path.get_ident().cloned(),
            Expr::Index(i) => root(&i.expr),
            Expr::Field(f) => root(&f.base),
            Expr::Paren(p) => root(&p.expr),
            Expr::Unary(u) => root(&u.expr),
            Expr::MethodCall(m) => root(&m.receiver),
            _ => None,
        }
    }
    struct Finder(Vec<Ident>);
    impl<'a> Visit<'a> for Finder {
        fn visit_expr(&mut self, e: &'a Expr) {
            use syn::BinOp::*;
            let changed = match e {
                Expr::Assign(a) => root(&a.left),
                Expr::Binary(b)
                    if matches!(
                        b.op,
                        AddAssign(_)
                            | SubAssign(_)
                            | MulAssign(_)
                            | DivAssign(_)
                            | RemAssign(_)
                            | BitAndAssign(_)
                            | BitOrAssign(_)
                            | BitXorAssign(_)
                            | ShlAssign(_)
                            | ShrAssign(_)
                    ) =>
                {
                    root(&b.left)
                }
                Expr::Reference(r) if r.mutability.is_some() => root(&r.expr),
                Expr::MethodCall(m)
                    if CHANGING.contains(&m.method.to_string().as_str())
                        || m.method.to_string().ends_with("_mut") =>
                {
                    root(&m.receiver)
                }
                _ => None,
            };
            self.0.extend(changed);
            syn::visit::visit_expr(self, e);
        }
    }
    let mut f = Finder(Vec::new());
    f.visit_stmt(stmt);
    f.0
}

/// Rewrites the declaration at `at` and the pushes after it; the replays that count pushes go before
/// the declaration.
fn rewrite_from(name: &Ident, at: usize, length: Length, stmts: &mut Vec<Stmt>) {
    let len = format_ident!("__autodiff_len_{}", name);
    let total = length.parts;
    let Stmt::Local(local) = &mut stmts[at] else {
        unreachable!("a declaration")
    };
    let init = local.init.as_mut().expect("an initializer");
    *init.expr = parse_quote!(::std::vec![::core::default::Default::default(); 0 #(+ #total)*]);
    stmts.insert(at + 1, parse_quote!(let mut #len: usize = 0;));
    // Up to the last push, `v.len()` is the counter.
    let last = (at + 2..stmts.len())
        .rev()
        .find(|&k| mentions_push(name, &stmts[k..=k]) > 0)
        .unwrap_or(at + 1);
    for stmt in &mut stmts[at + 2..=last] {
        WritePushes { name, len: &len }.visit_stmt_mut(stmt);
        LenOf(name, &len).visit_stmt_mut(stmt);
    }
    stmts.splice(at..at, length.replays);
}

/// Each push of `name` (a statement or a `()` expression, in any block but a closure's) as
/// `{ v[len] = e; len += 1; }`.
struct WritePushes<'a> {
    name: &'a Ident,
    len: &'a Ident,
}

impl VisitMut for WritePushes<'_> {
    fn visit_expr_mut(&mut self, e: &mut Expr) {
        if let Some(value) = pushed_value(self.name, e) {
            let (name, len, value) = (self.name, self.len, value.clone());
            *e = parse_quote!({ #name[#len] = #value; #len += 1; });
            return;
        }
        syn::visit_mut::visit_expr_mut(self, e);
    }
    fn visit_expr_closure_mut(&mut self, _: &mut syn::ExprClosure) {}
}

/// `v.len()` (and `v.is_empty()`) inside a loop that pushes as the counter (the buffer already has its
/// final length).
struct LenOf<'a>(&'a Ident, &'a Ident);

impl VisitMut for LenOf<'_> {
    fn visit_expr_mut(&mut self, e: &mut Expr) {
        if let Expr::MethodCall(m) = e {
            if m.args.is_empty() && matches!(&*m.receiver, Expr::Path(p) if p.path.is_ident(self.0))
            {
                let len = self.1;
                if m.method == "len" {
                    *e = parse_quote!(#len);
                    return;
                }
                if m.method == "is_empty" {
                    *e = parse_quote!((#len == 0));
                    return;
                }
            }
        }
        syn::visit_mut::visit_expr_mut(self, e);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(body: Block) -> String {
        let mut body = body;
        rewrite(&mut body);
        body.to_token_stream().to_string()
    }

    #[test]
    fn a_loop_of_pushes_is_a_buffer_of_its_trip_count() {
        let out = run(parse_quote!({
            let mut v = Vec::new();
            for i in 0..n {
                v.push(x[i] * 2.0);
            }
            v[0]
        }));
        assert!(
            out.contains(
                "Default :: default () ; 0 + ((n) as usize) . saturating_sub ((0) as usize)"
            ),
            "{out}"
        );
        assert!(
            out.contains("v [__autodiff_len_v] = x [i] * 2.0 ; __autodiff_len_v += 1 ;"),
            "{out}"
        );
        assert!(!out.contains("push"), "{out}");
    }

    #[test]
    fn pushes_on_their_own_and_len_in_the_loop() {
        let out = run(parse_quote!({
            let mut v: Vec<f64> = Vec::with_capacity(4);
            v.push(a);
            for k in 1..=3 {
                v.push(v[v.len() - 1] * a);
            }
            v[3]
        }));
        assert!(
            out.contains("0 + 1usize + ((3) as usize + 1) . saturating_sub ((1) as usize)"),
            "{out}"
        );
        assert!(out.contains("v [__autodiff_len_v - 1]"), "{out}");
        assert!(!out.contains("push"), "{out}");
    }

    #[test]
    fn the_buffer_is_made_at_the_first_push() {
        let out = run(parse_quote!({
            let mut v = Vec::new();
            let n = x.len();
            for i in 0..n {
                v.push(x[i]);
            }
            v.len() as f64
        }));
        let decl = out.find("let mut v").expect("declared");
        assert!(out.find("let n").expect("n") < decl, "{out}");
        assert!(out.ends_with("v . len () as f64 }"), "{out}");
    }

    #[test]
    fn pushes_under_conditions_are_counted_by_a_replay() {
        for body in [
            parse_quote!({
                let mut v = Vec::new();
                if c {
                    v.push(a);
                }
                v[0]
            }),
            parse_quote!({
                let mut v = Vec::new();
                for i in 0..n {
                    if x[i] > 0.0 {
                        break;
                    }
                    v.push(x[i]);
                }
                v[0]
            }),
            parse_quote!({
                let mut v = Vec::new();
                for i in 0..n {
                    let t = x[i] * 2.0;
                    if t > 1.0 {
                        v.push(t);
                    } else if v.len() < 3 {
                        v.push(-t);
                    }
                }
                v[0]
            }),
            parse_quote!({
                let mut v = Vec::new();
                while v.len() < 4 {
                    v.push(a);
                }
                v[0]
            }),
        ] {
            let out = run(body);
            let replay = out.find("__autodiff_count_v_0 += 1").expect("a replay");
            let buffer = out.find("let mut v").expect("the buffer");
            assert!(replay < buffer, "{out}");
            assert!(out.contains("0 + __autodiff_count_v_0"), "{out}");
            assert!(out.contains("v [__autodiff_len_v] ="), "{out}");
            assert!(!out.contains("push"), "{out}");
        }
        // `v.len()` in the replay is its counter.
        let out = run(parse_quote!({
            let mut v = Vec::new();
            while v.len() < 4 {
                v.push(a);
            }
            v[0]
        }));
        assert!(out.contains("while __autodiff_count_v_0 < 4"), "{out}");
    }

    #[test]
    fn pushes_that_cannot_be_counted_are_left_alone() {
        for body in [
            // The loop changes a value outside it: running it twice would change it twice.
            parse_quote!({
                let mut v = Vec::new();
                let mut s = 0.0;
                for i in 0..n {
                    s += x[i];
                    if s > 1.0 {
                        v.push(s);
                    }
                }
                v[0]
            }),
            // The loop reads the elements pushed so far.
            parse_quote!({
                let mut v = Vec::new();
                for i in 0..n {
                    if v.len() == 0 || v[v.len() - 1] < x[i] {
                        v.push(x[i]);
                    }
                }
                v[0]
            }),
            // A name the loop declares shadows an outer one it also changes.
            parse_quote!({
                let mut v = Vec::new();
                let mut s = 0.0;
                for i in 0..n {
                    s += x[i];
                    let s = 2.0;
                    if x[i] > s {
                        v.push(x[i]);
                    }
                }
                v[0] + s
            }),
            // A value the condition reads changes after the first push.
            parse_quote!({
                let mut v = Vec::new();
                let mut t = 0.0;
                v.push(a);
                t = 2.0;
                if a > t {
                    v.push(a);
                }
                v[0]
            }),
            parse_quote!({
                let v = Vec::new();
                v[0]
            }),
            parse_quote!({
                let mut v = Vec::new();
                v.push(a);
                let n = 3;
                for i in 0..n {
                    v.push(a);
                }
                v[0]
            }),
        ] {
            let out = run(body);
            assert!(!out.contains("__autodiff_len"), "{out}");
        }
    }
}
