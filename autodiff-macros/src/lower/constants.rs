//! Constant code: expressions kept as written, with names mapped to their current versions, and the
//! counters they read frozen where a rule reads them later.

use super::*;

impl Lowerer<'_> {
    /// Whether every expression names no differentiable value (read from their names, not lowered).
    pub(super) fn all_constant<'e>(&self, mut exprs: impl Iterator<Item = &'e Expr>) -> bool {
        exprs.all(|e| {
            !crate::naming::any_ident(e.to_token_stream(), &mut |i| {
                matches!(
                    self.lookup(&i.to_string()),
                    Some(Binding::Var(_) | Binding::Poisoned(_))
                )
            })
        })
    }

    /// An expression that must be a constant: its parts are checked, then it is kept as written.
    pub(super) fn constant_only(&mut self, e: &Expr, parts: &[&Expr]) -> Lowered<Operand> {
        let mut failed = None;
        for p in parts {
            match self.lower_expr(p) {
                Ok(Operand::Const(_)) => {}
                Ok(Operand::Var(v)) if self.fields.contains(&v) => {}
                Ok(Operand::Var(_)) => {
                    let message = match e {
                        Expr::Tuple(_) => "a tuple of differentiable values can only be bound to a local and read through its fields (`let t = (a, b); t.0`), or destructured at once (`let (a, b) = (x, y);`); use separate variables otherwise".to_string(),
                        _ => format!("{} of a differentiable value is not supported yet", describe(e)),
                    };
                    failed = Some(self.errors.at(e, message));
                    break;
                }
                Err(reported) => failed = Some(reported),
            }
        }
        match failed {
            Some(reported) => Err(reported),
            None => Ok(self.constant(e)),
        }
    }

    /// `e` kept as written, its names mapped to their current versions.
    pub(super) fn constant(&mut self, e: &Expr) -> Operand {
        Operand::Const(self.rewrite_expr(e))
    }

    /// A constant argument that the reverse sweep reads: each counter it names that may change later
    /// (`i += 1`), and each constant array whose elements are written later, is read from a copy of its
    /// value here. The expression itself stays where it is used, so that a view of a temporary
    /// (`&Array1::from_elem(2, c).slice(..)`) lives as long as its use.
    pub(super) fn freeze(&mut self, tokens: TokenStream) -> TokenStream {
        let mut frozen: Vec<(proc_macro2::Ident, proc_macro2::Ident)> = Vec::new();
        let tokens = crate::naming::replace_idents(tokens, &mut |i| {
            if !self.changes_later(i) {
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

    /// Whether the constant `name` may change after this point: a counter, or a constant array whose
    /// elements are written later.
    fn changes_later(&self, name: &proc_macro2::Ident) -> bool {
        let name = name.to_string();
        self.mutable_consts.contains(&name)
            || (self.element_written.contains(&name)
                && matches!(self.lookup(&name), Some(Binding::Const(_))))
    }

    /// A constant argument passed by value, which a pullback made later evaluates again: where it reads
    /// a constant that may change, its value bound here (one element, not a copy of its array).
    pub(super) fn freeze_value(&mut self, tokens: TokenStream) -> TokenStream {
        if !crate::naming::any_ident(tokens.clone(), &mut |i| self.changes_later(i)) {
            return tokens;
        }
        let value = self.namer.numbered("argument");
        self.const_blocks.insert(value.to_string(), self.block.id);
        self.block.stmts.push(Stmt::Verbatim {
            tokens: quote!(let #value = #tokens;),
            reads: Vec::new(),
        });
        quote!(#value)
    }

    /// [`Self::freeze`] applied to every constant of `block` (its operands, constant arguments and
    /// statements, in its branches and loops too), the copies made in the current block.
    pub(super) fn freeze_block(&mut self, block: &mut crate::ir::Block) {
        for stmt in &mut block.stmts {
            match stmt {
                Stmt::Instr(i) => {
                    for a in &mut i.args {
                        if let Operand::Const(t) = a {
                            *t = self.freeze(t.clone());
                        }
                    }
                    for e in &mut i.extras {
                        *e = self.freeze(e.clone());
                    }
                }
                Stmt::Verbatim { tokens, .. } => *tokens = self.freeze(tokens.clone()),
                Stmt::If(i) => {
                    self.freeze_block(&mut i.then_);
                    self.freeze_block(&mut i.else_);
                }
                Stmt::Loop(l) => self.freeze_block(&mut l.body),
                _ => {}
            }
        }
    }

    pub(super) fn rewrite_expr(&mut self, e: &Expr) -> TokenStream {
        let (tokens, reads) = self.rewrite_tokens(e.to_token_stream());
        self.const_reads.extend(reads);
        tokens
    }

    /// Renames every identifier of `tokens` that is a local binding to its emitted name; also returns
    /// the variables so read. Field names after `.` and path segments after `::` are left alone.
    pub(super) fn rewrite_tokens(&self, tokens: TokenStream) -> (TokenStream, Vec<VarId>) {
        let mut reads = Vec::new();
        let out = self.rename(tokens, &mut reads);
        (out, reads)
    }

    pub(super) fn rename(&self, tokens: TokenStream, reads: &mut Vec<VarId>) -> TokenStream {
        let mut out = Vec::new();
        let mut prev_punct: Option<char> = None;
        let mut prev_prev: Option<char> = None;
        let mut tokens = tokens.into_iter().peekable();
        while let Some(tt) = tokens.next() {
            // A macro's name (`s!`, `vec!`) is not a variable, even where a local has its name.
            let macro_name = matches!(tt, TokenTree::Ident(_))
                && matches!(tokens.peek(), Some(TokenTree::Punct(p)) if p.as_char() == '!' && p.spacing() == proc_macro2::Spacing::Alone);
            let next = match tt {
                TokenTree::Ident(_) if macro_name => tt,
                // The desugaring's wrapper of an iterator construct over constants: the construct
                // itself remains, parenthesized.
                TokenTree::Ident(ref ident)
                    if ident
                        .to_string()
                        .starts_with(crate::desugar::ITERATOR_UNSUPPORTED) =>
                {
                    continue;
                }
                TokenTree::Ident(ref ident) => {
                    // `x.field` and `x.method()` (but not the range `..n`).
                    let after_dot = prev_punct == Some('.') && prev_prev != Some('.');
                    let after_path = prev_punct == Some(':') && prev_prev == Some(':');
                    match self.lookup(&ident.to_string()) {
                        Some(b) if !after_dot && !after_path => match b {
                            Binding::Poisoned(_) => tt,
                            Binding::Var(v) => {
                                self.note_read_shared(&ident.to_string());
                                reads.push(*v);
                                let mut name = self.vars[v.0].name.clone();
                                name.set_span(ident.span());
                                name_token(name, self.elem_refs.contains(v))
                            }
                            Binding::Const(name) => {
                                let mut name = name.clone();
                                name.set_span(ident.span());
                                let as_ref = self.const_refs.contains(&name.to_string());
                                name_token(name, as_ref)
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

/// A name in constant code: itself, or `(&name)` where the source holds a reference and the generated
/// code the value (the elements of `for v in x.iter()`).
fn name_token(name: proc_macro2::Ident, as_ref: bool) -> TokenTree {
    if as_ref {
        TokenTree::Group(proc_macro2::Group::new(
            proc_macro2::Delimiter::Parenthesis,
            quote!(&#name),
        ))
    } else {
        TokenTree::Ident(name)
    }
}
