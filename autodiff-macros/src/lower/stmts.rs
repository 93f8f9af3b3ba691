//! Lowering of statements: `let`, assignments, compound assignments, blocks and the macros allowed as
//! statements.

use super::*;

impl Lowerer<'_> {
    pub(super) fn lower_stmt(&mut self, stmt: &syn::Stmt) {
        match stmt {
            syn::Stmt::Local(local) => self.lower_let(local),
            syn::Stmt::Expr(e, _) => self.lower_effect(e),
            syn::Stmt::Macro(m) => self.lower_macro_stmt(&m.mac, m.to_token_stream()),
            syn::Stmt::Item(item) => {
                self.errors.at(item, "items inside a #[differentiable] function are not supported; move this item out of the function");
            }
        }
    }

    pub(super) fn lower_let(&mut self, local: &syn::Local) {
        let pat = match &local.pat {
            Pat::Type(t) => &*t.pat,
            other => other,
        };
        if let Some((_, diverge)) = local.init.as_ref().and_then(|i| i.diverge.as_ref()) {
            let reported = self.errors.at(diverge, "`let .. else` is not supported; bind the value with a plain `let`, and leave early before it with `if c { return v; }`");
            for name in pattern_names(pat) {
                self.bind(&name, Binding::Poisoned(reported));
            }
            return;
        }
        if let (Pat::Wild(_), Some(init)) = (pat, &local.init) {
            // `let _ = e;` evaluates `e` and drops it.
            let _ = self.lower_expr(&init.expr);
            return;
        }
        let destructuring = "destructuring is supported only for a tuple written out (`let (a, b) = (x, y);`); bind the value to one name instead";
        let (ident, mutability, ty) = match &local.pat {
            Pat::Ident(p) if p.by_ref.is_none() && p.subpat.is_none() => {
                (p.ident.clone(), p.mutability, None)
            }
            Pat::Type(t) => match &*t.pat {
                Pat::Ident(p) if p.by_ref.is_none() && p.subpat.is_none() => {
                    (p.ident.clone(), p.mutability, Some((*t.ty).clone()))
                }
                other => {
                    self.errors.at(other, destructuring);
                    return;
                }
            },
            other => {
                self.errors.at(other, destructuring);
                return;
            }
        };
        let Some(init) = &local.init else {
            let reported = self.errors.at(local, format!("late initialization is not supported yet: give `{ident}` its value where it is declared, as in `let {ident} = if c {{ .. }} else {{ .. }};`"));
            // Its assignments and uses are not reported again.
            return self.bind(&ident.to_string(), Binding::Poisoned(reported));
        };
        let before = self.vars.len();
        let value = match self.lower_expr(&init.expr) {
            Ok(value) => value,
            // Its uses fail with the error of its value, without another.
            Err(reported) => return self.bind(&ident.to_string(), Binding::Poisoned(reported)),
        };
        // The value a `match` compares (desugar::matches): a float has no exact comparison to follow.
        if ident
            .to_string()
            .starts_with(crate::desugar::MATCH_SCRUTINEE)
            && value.var().is_some()
        {
            let reported = self.errors.at(&init.expr, "`match` on a float is not supported (a pattern compares exactly, and a float value carries a derivative): write the comparisons with `if`/`else`, as in `if x > 0.0 { .. } else { .. }`");
            return self.bind(&ident.to_string(), Binding::Poisoned(reported));
        }
        // `let k = &ks[i];` of a constant keeps its reference, so that the source's `*k` still reads it.
        let value = match (value, &*init.expr) {
            (Operand::Const(t), Expr::Reference(r)) if r.mutability.is_none() => {
                Operand::Const(quote::quote!(&#t))
            }
            (value, _) => value,
        };
        self.bind_value(&ident, true, mutability.is_some(), ty, value, before);
        // `let v = &x[i];` (as the iterator desugaring binds an element): `v` reads as a reference in
        // constant code too, where the source writes `*v` (`if *v > 0.0`).
        if matches!(&*init.expr, Expr::Reference(_)) && mutability.is_none() {
            if let Some(Binding::Var(var)) = self.lookup(&ident.to_string()) {
                let var = *var;
                self.elem_refs.insert(var);
            }
        }
    }

    /// Binds a source name to a value: a fresh temporary takes the name, an existing variable is aliased,
    /// a constant becomes a `let` of its own.
    pub(super) fn bind_value(
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
                if syn::parse2::<Expr>(tokens.clone()).is_ok_and(|e| float_literal(&e)) {
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
    pub(super) fn lower_effect(&mut self, e: &Expr) {
        match e {
            Expr::If(i) => {
                let _ = self.lower_if(i, false);
            }
            Expr::ForLoop(f) => self.lower_for(f),
            Expr::While(w) => self.lower_while(w),
            Expr::Loop(l) => self.lower_infinite(l),
            Expr::Break(b) => {
                let _ = self.lower_break(b);
            }
            Expr::Continue(c) => {
                let _ = self.lower_continue(c);
            }
            Expr::Block(b) if b.label.is_none() => {
                self.scopes.push(HashMap::new());
                let _ = self.lower_stmts(&b.block.stmts, false);
                self.scopes.pop();
            }
            Expr::Assign(a) if matches!(strip_parens(&a.left), Expr::Index(_)) => {
                self.lower_element_write(&a.left, None, &a.right)
            }
            Expr::Binary(b)
                if is_compound(&b.op) && matches!(strip_parens(&b.left), Expr::Index(_)) =>
            {
                self.lower_element_write(&b.left, Some(&b.op), &b.right)
            }
            Expr::Assign(a) => self.lower_assign(&a.left, None, &a.right, e),
            Expr::Binary(b) if is_compound(&b.op) => {
                self.lower_assign(&b.left, Some(&b.op), &b.right, e)
            }
            Expr::Macro(m) => self.lower_macro_stmt(&m.mac, e.to_token_stream()),
            Expr::Return(r) => {
                self.errors.at(
                    r,
                    "`return` is supported at the end of the function and as `if c { ..; return v; }` outside loops; end the function with its value",
                );
            }
            other => {
                let _ = self.lower_expr(other);
            }
        }
    }

    pub(super) fn lower_assign(
        &mut self,
        left: &Expr,
        op: Option<&syn::BinOp>,
        right: &Expr,
        whole: &Expr,
    ) {
        let Expr::Path(p) = strip_parens(left) else {
            let message = if matches!(strip_parens(left), Expr::Tuple(_)) {
                "assigning to a tuple (`(a, b) = (b, a + b);`) is not supported: assign each name on its own, through a temporary where one reads the other, as in `let t = a + b; a = b; b = t;`"
            } else {
                "only assignments to a local variable (`x = ..`, `x += ..`) or to an element of a local array (`y[i] = ..`) are supported here"
            };
            self.errors.at(left, message);
            return;
        };
        let Some(ident) = p.path.get_ident().cloned() else {
            self.errors
                .at(left, "only assignments to a local variable are supported");
            return;
        };
        let Some(current) = self.lookup(&ident.to_string()).cloned() else {
            self.errors.at(
                left,
                format!("`{ident}` is not a local variable of this function"),
            );
            return;
        };
        if matches!(current, Binding::Poisoned(_)) {
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
                self.errors.at(left, format!("`{ident}` is assigned inside this loop but could not be analysed as a value the loop carries; assign it with `{ident} = ..` or `{ident} += ..` directly in the loop"));
                return;
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
                    Binding::Poisoned(_) => return,
                };
                let rhs = self.lower_expr(right);
                match (prim, rhs) {
                    (_, Err(reported)) => Err(reported),
                    (_, Ok(Operand::Const(_))) if matches!(lhs, Operand::Const(_)) => {
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
                    (None, _) => Err(self.errors.at(op, "this compound assignment is not supported on differentiable values; use `+=`, `-=`, `*=` or `/=`")),
                    (Some(prim), Ok(rhs)) => {
                        Ok(self.push(prim, vec![lhs, rhs], Vec::new(), first_span(whole)))
                    }
                }
            }
        };
        let Ok(value) = value else { return };
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

    pub(super) fn lower_macro_stmt(&mut self, mac: &syn::Macro, tokens: TokenStream) {
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

    pub(super) fn lower_block(&mut self, block: &syn::Block) -> Lowered<Operand> {
        self.scopes.push(HashMap::new());
        // The final expression's value, where the block ends with one.
        let mut result = None;
        for (k, stmt) in block.stmts.iter().enumerate() {
            match stmt {
                syn::Stmt::Expr(e, None) if k + 1 == block.stmts.len() => {
                    result = Some(self.lower_expr(e))
                }
                _ => self.lower_stmt(stmt),
            }
        }
        // Assignments inside the block rebind names where they are declared, so they stay in effect.
        self.scopes.pop();
        match result {
            Some(Ok(value)) => Ok(value),
            // A final expression that failed was reported where it failed.
            Some(Err(reported)) => Err(reported),
            None => Err(self.errors.at(block, "this block must end with a value")),
        }
    }
}

/// A float literal, or its negation (`-0.0`, where a desugared sum starts).
fn float_literal(e: &Expr) -> bool {
    match e {
        Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Float(_),
            ..
        }) => true,
        Expr::Unary(u) if matches!(u.op, syn::UnOp::Neg(_)) => float_literal(&u.expr),
        _ => false,
    }
}
