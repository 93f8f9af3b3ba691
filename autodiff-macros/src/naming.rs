//! The one source of generated names: every name is checked against all identifiers the user wrote and
//! all names generated so far, so that no generated name can clash with a user's (`x_bar`, `t0`, `seed`).

use crate::hashing::{FastMap, FastSet};
use proc_macro2::{Ident, Span, TokenStream, TokenTree};

/// Whether `pred` holds for some identifier in `tokens`, at any depth of groups (it stops at the first).
pub fn any_ident(tokens: TokenStream, pred: &mut impl FnMut(&Ident) -> bool) -> bool {
    tokens.into_iter().any(|tt| match tt {
        TokenTree::Ident(i) => pred(&i),
        TokenTree::Group(g) => any_ident(g.stream(), pred),
        _ => false,
    })
}

/// `tokens` with every identifier that `replace` maps replaced, at any depth of groups, except field
/// and method names (after `.`), path segments (after `::`) and macro names (before `!`).
pub fn replace_idents(
    tokens: TokenStream,
    replace: &mut impl FnMut(&Ident) -> Option<Ident>,
) -> TokenStream {
    let mut prev: [Option<char>; 2] = [None, None];
    let mut out = Vec::new();
    let mut tokens = tokens.into_iter().peekable();
    while let Some(tt) = tokens.next() {
        let macro_name = matches!(tokens.peek(), Some(TokenTree::Punct(p)) if p.as_char() == '!' && p.spacing() == proc_macro2::Spacing::Alone);
        let next = match tt {
            TokenTree::Ident(_) if macro_name => tt,
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
    used: FastSet<String>,
    /// The names handed out to variables the user named.
    taken: FastSet<String>,
    /// For each base or prefix, where its search for a free suffix resumes (so handing out `n` names
    /// costs `O(n)`, not `O(n^2)`). A base `b` of [`Namer::fresh`] is kept as `b_`, the prefix of its
    /// numbered names, so that `fresh("t")` and `numbered("t_")` share a search.
    next: FastMap<String, usize>,
    /// A buffer for the names tried, so that a try allocates nothing.
    scratch: String,
}

/// Appends the decimal digits of `k` to `s` (without the formatting machinery, which is slow in the
/// unoptimized builds the macro runs in).
fn push_number(s: &mut String, k: usize) {
    let mut digits = [0u8; 20];
    let mut n = k;
    let mut len = 0;
    loop {
        digits[len] = b'0' + (n % 10) as u8;
        len += 1;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    while len > 0 {
        len -= 1;
        s.push(digits[len] as char);
    }
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

    /// The first free name `{prefix}{k}` for `k` from where the search of `prefix` stopped (or
    /// `first`), left in `self.scratch`; the search resumes after it next time. `prefix` is
    /// `self.scratch[..len]`.
    fn search(&mut self, len: usize, first: usize) {
        let mut k = self
            .next
            .get(&self.scratch[..len])
            .copied()
            .unwrap_or(first);
        loop {
            self.scratch.truncate(len);
            push_number(&mut self.scratch, k);
            k += 1;
            if !self.used.contains(self.scratch.as_str()) {
                break;
            }
        }
        self.resume_at(len, k);
    }

    /// Resumes the search of the prefix `self.scratch[..len]` at `k`.
    fn resume_at(&mut self, len: usize, k: usize) {
        match self.next.get_mut(&self.scratch[..len]) {
            Some(next) => *next = k,
            None => {
                self.next.insert(self.scratch[..len].to_string(), k);
            }
        }
    }

    /// Reserves the name in `self.scratch` and returns it as an identifier.
    fn take_scratch(&mut self, span: Span) -> Ident {
        let ident = Ident::new(&self.scratch, span);
        self.used.insert(self.scratch.clone());
        ident
    }

    /// `base` if no one uses it yet, else `base_1`, `base_2`, ...; the result is reserved.
    pub fn fresh(&mut self, base: &str, span: Span) -> Ident {
        self.scratch.clear();
        self.scratch.push_str(base);
        self.scratch.push('_');
        let len = self.scratch.len();
        if self.used.contains(base) {
            self.search(len, 1);
        } else {
            // Where no search ran, the prefix still gets a place to resume (`numbered` reads it).
            if !self.next.contains_key(&self.scratch[..len]) {
                self.next.insert(self.scratch.clone(), 1);
            }
            self.scratch.clear();
            self.scratch.push_str(base);
        }
        self.take_scratch(span)
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
        self.scratch.clear();
        self.scratch.push_str(prefix);
        self.search(prefix.len(), 0);
        self.take_scratch(Span::call_site())
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
