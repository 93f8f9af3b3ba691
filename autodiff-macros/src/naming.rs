//! The one source of generated names: every name is checked against all identifiers the user wrote and
//! all names generated so far, so that no generated name can clash with a user's (`x_bar`, `t0`, `seed`).

use proc_macro2::{Ident, Span, TokenStream, TokenTree};
use std::collections::HashSet;

/// Whether `pred` holds for some identifier in `tokens`, at any depth of groups (it stops at the first).
pub fn any_ident(tokens: TokenStream, pred: &mut impl FnMut(&Ident) -> bool) -> bool {
    tokens.into_iter().any(|tt| match tt {
        TokenTree::Ident(i) => pred(&i),
        TokenTree::Group(g) => any_ident(g.stream(), pred),
        _ => false,
    })
}

/// `tokens` with every identifier that `replace` maps replaced, at any depth of groups, except field
/// and method names (after `.`) and path segments (after `::`).
pub fn replace_idents(
    tokens: TokenStream,
    replace: &mut impl FnMut(&Ident) -> Option<Ident>,
) -> TokenStream {
    let mut prev: [Option<char>; 2] = [None, None];
    let mut out = Vec::new();
    for tt in tokens {
        let next = match tt {
            TokenTree::Ident(ref i) => {
                let after_dot = prev[1] == Some('.') && prev[0] != Some('.');
                let after_path = prev[1] == Some(':') && prev[0] == Some(':');
                match replace(i) {
                    Some(new) if !after_dot && !after_path => TokenTree::Ident(new),
                    _ => tt,
                }
            }
            TokenTree::Group(g) => {
                let mut group =
                    proc_macro2::Group::new(g.delimiter(), replace_idents(g.stream(), replace));
                group.set_span(g.span());
                TokenTree::Group(group)
            }
            other => other,
        };
        prev = [
            prev[1],
            match &next {
                TokenTree::Punct(p) => Some(p.as_char()),
                _ => None,
            },
        ];
        out.push(next);
    }
    out.into_iter().collect()
}

/// Hands out fresh identifiers.
#[derive(Default)]
pub struct Namer {
    /// Every identifier the user wrote, and every name handed out.
    used: HashSet<String>,
    /// The names handed out to variables the user named.
    taken: HashSet<String>,
    /// For each base or prefix, where its search for a free suffix resumes (so handing out `n` names
    /// costs `O(n)`, not `O(n^2)`).
    next: std::collections::HashMap<String, usize>,
}

impl Namer {
    /// A namer that avoids every identifier in `tokens`.
    pub fn avoiding(tokens: TokenStream) -> Self {
        let mut namer = Namer::default();
        namer.reserve_all(tokens);
        namer
    }

    fn reserve_all(&mut self, tokens: TokenStream) {
        any_ident(tokens, &mut |i| {
            self.used.insert(i.to_string());
            false
        });
    }

    /// `base` if no one uses it yet, else `base_1`, `base_2`, ...; the result is reserved.
    pub fn fresh(&mut self, base: &str, span: Span) -> Ident {
        let mut name = base.to_string();
        let key = format!("{base}_");
        let mut k = self.next.get(&key).copied().unwrap_or(1);
        while self.used.contains(&name) {
            name = format!("{base}_{k}");
            k += 1;
        }
        self.next.insert(key, k);
        self.used.insert(name.clone());
        Ident::new(&name, span)
    }

    /// A name for a variable the user named `base`: `base` itself the first time, `base_1`, ... for
    /// later bindings that shadow it (each SSA version has its own name).
    pub fn user(&mut self, base: &str, span: Span) -> Ident {
        if !self.taken.contains(base) {
            self.taken.insert(base.to_string());
            self.used.insert(base.to_string());
            return Ident::new(base, span);
        }
        let ident = self.fresh(base, span);
        self.taken.insert(ident.to_string());
        ident
    }

    /// The first of `{prefix}0`, `{prefix}1`, ... that no one uses; reserved.
    pub fn numbered(&mut self, prefix: &str) -> Ident {
        let mut k = self.next.get(prefix).copied().unwrap_or(0);
        loop {
            let name = format!("{prefix}{k}");
            k += 1;
            if !self.used.contains(&name) {
                self.next.insert(prefix.to_string(), k);
                self.used.insert(name.clone());
                return Ident::new(&name, Span::call_site());
            }
        }
    }

    /// Reserves a name the user chose and that must be kept (a parameter's).
    pub fn keep(&mut self, ident: &Ident) -> Ident {
        self.used.insert(ident.to_string());
        self.taken.insert(ident.to_string());
        ident.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    #[test]
    fn never_reuses_a_user_name() {
        let mut namer = Namer::avoiding(quote!(
            fn f(x_bar: f64, t0: f64) {
                let seed = 1;
            }
        ));
        assert_eq!(namer.fresh("x_bar", Span::call_site()), "x_bar_1");
        assert_eq!(namer.numbered("t"), "t1");
        assert_eq!(namer.fresh("seed", Span::call_site()), "seed_1");
        assert_eq!(namer.fresh("y_bar", Span::call_site()), "y_bar");
        assert_eq!(namer.fresh("y_bar", Span::call_site()), "y_bar_1");
        assert_eq!(namer.user("seed", Span::call_site()), "seed");
        assert_eq!(namer.user("seed", Span::call_site()), "seed_2");
    }
}
