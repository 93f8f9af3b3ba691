//! Lowering of expressions: paths, operators, methods, calls, fields, `concatenate!`/`stack!`, and
//! `mapv` closures, each to instructions of the table's primitives or to calls through `_vjp`.

use super::*;

impl Lowerer<'_> {
    /// Lowers an expression to an operand; `Err` once its error is reported.
    pub(super) fn lower_expr(&mut self, e: &Expr) -> Lowered<Operand> {
        match e {
            Expr::Lit(_) => Ok(Operand::Const(e.to_token_stream())),
            Expr::Paren(p) => self.lower_expr(&p.expr),
            Expr::Group(g) => self.lower_expr(&g.expr),
            Expr::Path(p) => self.lower_path(p),
            Expr::Reference(r) => {
                if r.mutability.is_some() {
                    return Err(self.errors
                        .at(r, "`&mut` is not supported in a #[differentiable] function: it must not mutate its inputs; take a shared reference `&x` instead"));
                }
                self.lower_expr(&r.expr)
            }
            Expr::Unary(u) => match u.op {
                syn::UnOp::Deref(_) => Ok(match self.lower_expr(&u.expr)? {
                    Operand::Const(t) => Operand::Const(quote!((*(#t)))),
                    var => var,
                }),
                syn::UnOp::Not(_) => match self.lower_expr(&u.expr)? {
                    // Built from the lowered operand: a comparison inside reads lowered values.
                    Operand::Const(t) => Ok(Operand::Const(quote!((!(#t))))),
                    Operand::Var(_) => self.constant_only(e, &[&u.expr]),
                },
                syn::UnOp::Neg(_) => {
                    let x = self.lower_expr(&u.expr)?;
                    Ok(match x {
                        Operand::Const(_) => self.constant(e),
                        x => self.push(prims::neg(), vec![x], Vec::new(), first_span(e)),
                    })
                }
                _ => self.constant_only(e, &[&u.expr]),
            },
            Expr::Binary(b) => self.lower_binary(b, e),
            Expr::MethodCall(m) => self.lower_method(m, e),
            Expr::Call(c) => self.lower_call(c, e),
            // A cast to an integer is a constant even of a differentiable value (a bucket, an index):
            // kept as written and evaluated there, as a comparison is.
            Expr::Cast(c) if is_integer_type(&c.ty) => Ok(self.constant(e)),
            Expr::Cast(c) => {
                let inner = self.lower_expr(&c.expr)?;
                match inner {
                    Operand::Const(_) => Ok(self.constant(e)),
                    Operand::Var(v) if self.fields.contains(&v) => Ok(self.constant(e)),
                    Operand::Var(_) => {
                        Err(self.errors.at(e, "a cast of a differentiable value to a float type is not supported: write the value in the function's float type (float literals as `2.0`, generic ones as `F::from(2.0).unwrap()`); casts to integers (`v.floor() as usize`) are constants"))
                    }
                }
            }
            Expr::Block(b) if b.label.is_none() => self.lower_block(&b.block),
            Expr::If(i) => self.lower_if(i, true),
            Expr::Index(i) => self.lower_index(i, e),
            Expr::Macro(m) => self.lower_macro_expr(&m.mac, e),
            Expr::Field(f) => self.lower_field(f, e),
            Expr::Tuple(t) if t.elems.is_empty() => Ok(Operand::Const(quote!(()))),
            // Arrays of constants are constants (`[0.0; 4]`, `[1.0, 2.0]`); of values, a literal of
            // scalars (`[a, b]`); `[v; n]` of a value, an error below.
            Expr::Array(a) if self.all_constant(a.elems.iter()) => Ok(self.constant(e)),
            Expr::Array(a) => {
                let parts: Vec<&Expr> = a.elems.iter().collect();
                self.lower_pack(&parts, crate::ir::PackForm::Fixed, e)
            }
            Expr::Repeat(r) if self.all_constant(std::iter::once(&*r.expr)) => Ok(self.constant(e)),
            // `[v; 3]` of a value: the value once, in each of the literal's places.
            Expr::Repeat(r) if repeat_count(&r.len).is_some() => {
                let n = repeat_count(&r.len).expect("matched above");
                self.lower_repeat(&r.expr, n, crate::ir::PackForm::Fixed, e)
            }
            Expr::Struct(s) => self.lower_struct_literal(s, e),
            Expr::Tuple(t) => {
                let parts: Vec<&Expr> = t.elems.iter().collect();
                if self.all_constant(t.elems.iter()) {
                    return self.constant_only(e, &parts);
                }
                // A tuple of values (a `vjp` function's tuple output): its gradient is the tuple of
                // the parts' gradients.
                self.lower_pack(&parts, crate::ir::PackForm::Tuple, e)
            }
            // A `match` that reads only constants is a constant (the binding of an `if let`, see
            // `desugar::if_let`); other matches were taken apart before, or are reported below.
            Expr::Match(_) if self.all_constant(std::iter::once(e)) => Ok(self.constant(e)),
            Expr::Range(r) => {
                let parts: Vec<&Expr> = r.start.iter().chain(r.end.iter()).map(|b| &**b).collect();
                self.constant_only(e, &parts)
            }
            other => Err(self.errors.at(other, unsupported(other))),
        }
    }

    pub(super) fn lower_path(&mut self, p: &syn::ExprPath) -> Lowered<Operand> {
        if let Some(ident) = p.path.get_ident() {
            match self.lookup(&ident.to_string()) {
                Some(Binding::Var(v)) => {
                    let v = *v;
                    self.note_read(&ident.to_string());
                    if self.vars[v.0].kind == VarKind::Storage {
                        return self.read_storage(v, ident);
                    }
                    return Ok(Operand::Var(v));
                }
                Some(Binding::Const(name)) => {
                    let name = name.clone();
                    if self.const_refs.contains(&name.to_string()) {
                        return Ok(Operand::Const(quote!((&#name))));
                    }
                    return Ok(Operand::Const(quote!(#name)));
                }
                Some(Binding::Poisoned(r)) => return Err(*r),
                None => {}
            }
        }
        // A constant item, an enum variant, a path like `std::f64::consts::PI`.
        Ok(Operand::Const(p.to_token_stream()))
    }

    pub(super) fn lower_binary(&mut self, b: &syn::ExprBinary, whole: &Expr) -> Lowered<Operand> {
        if is_comparison(&b.op) || matches!(b.op, syn::BinOp::And(_) | syn::BinOp::Or(_)) {
            // A comparison is a constant (a bool) even over differentiable values: kept as written and
            // evaluated there, never lowered (`i < n && x[i] > 0.0` must not read `x[i]` first).
            return Ok(self.constant(whole));
        }
        let lhs = self.lower_expr(&b.left);
        let rhs = self.lower_expr(&b.right);
        let (lhs, rhs) = (lhs?, rhs?);
        if is_compound(&b.op) {
            return Err(self.errors.at(
                whole,
                "a compound assignment is a statement here; write it on its own line",
            ));
        }
        if matches!((&lhs, &rhs), (Operand::Const(_), Operand::Const(_))) {
            return Ok(self.constant(whole));
        }
        match prims::binary_operator(&b.op) {
            Some(prim) => Ok(self.push(prim, vec![lhs, rhs], Vec::new(), first_span(whole))),
            None => Err(self.errors.at(
                b.op,
                "this operator is not differentiable here; the supported arithmetic is `+ - * /`",
            )),
        }
    }

    pub(super) fn lower_method(
        &mut self,
        m: &syn::ExprMethodCall,
        whole: &Expr,
    ) -> Lowered<Operand> {
        let name = m.method.to_string();
        if prims::is_constant_method(&name) {
            return Ok(self.constant(whole));
        }
        if matches!(name.as_str(), "unwrap" | "expect") {
            if let Expr::MethodCall(inner) = strip_parens(&m.receiver) {
                if let Some(prim) = prims::method(&inner.method.to_string()).filter(|p| p.unwraps) {
                    return self.lower_prim_call(
                        prim,
                        &inner.receiver,
                        inner.args.iter().collect(),
                        whole,
                    );
                }
            }
        }
        if name == "mapv" {
            return self.lower_mapv(m, whole);
        }
        // `ndarray` methods that are others written differently: `mapv_into(f)` is `mapv(f)` (the
        // same values), `map(|v| ..)` over references is `mapv` over values, `remove_axis(a)` is
        // `index_axis(a, 0)`.
        if let Some(rewritten) = alias_method(m) {
            return self.lower_expr(&rewritten);
        }
        if let Some(prim) = prims::method(&name) {
            if prim.unwraps {
                return Err(self.errors.at(&m.method, format!("`{name}` returns an `Option`: write `.{name}(..).unwrap()` (or `.expect(..)`)")));
            }
            return self.lower_prim_call(prim, &m.receiver, m.args.iter().collect(), whole);
        }
        let receiver = self.lower_expr(&m.receiver);
        // Each argument is lowered once: a non-constant one is then passed as it is.
        let args: Vec<Lowered<(bool, Operand)>> =
            m.args.iter().map(|a| self.call_argument(a)).collect();
        let args_constant = args.iter().all(|a| matches!(a, Ok((_, Operand::Const(_)))));
        match receiver {
            Ok(Operand::Const(_)) if args_constant => return Ok(self.constant(whole)),
            // A method of a `stop_gradient` value is a constant over that value.
            Ok(Operand::Var(v)) if args_constant && self.frozen.contains(&v) => {
                self.const_reads.push(v);
                let name = self.vars[v.0].name.clone();
                let method = &m.method;
                let turbofish = &m.turbofish;
                let args: Vec<TokenStream> = m.args.iter().map(|a| self.rewrite_expr(a)).collect();
                return Ok(Operand::Const(quote!(#name.#method #turbofish(#(#args),*))));
            }
            // A method of a parameter struct (or of `self`): differentiated through its `_vjp`.
            Ok(Operand::Var(v)) if self.structs.contains(&v) => {
                let mut operands = vec![(false, Operand::Var(v))];
                for a in args {
                    operands.push(a?);
                }
                let method = &m.method;
                let vjp = format_ident!("{}_vjp", method, span = method.span());
                return Ok(self.push_call(
                    quote!(#method),
                    quote!(#vjp),
                    true,
                    operands,
                    first_span(whole),
                ));
            }
            _ => {}
        }
        // A receiver or an argument that failed has its error; otherwise the method is the problem.
        receiver?;
        for a in args {
            a?;
        }
        // Mutation of a collection: `stop_gradient` would silently drop the derivative it carries.
        if matches!(
            name.as_str(),
            "push" | "extend" | "insert" | "append" | "fill" | "assign"
        ) {
            if name == "push" {
                return Err(self.errors.at(&m.method, "this `push` is not supported: the length of a `Vec::new()` must be known before its first push, so its pushes must be statements of the block that declares it, each on its own, the one push of a `for` loop, or in a statement that changes nothing outside it and reads the `Vec` only through `push` and `len()` (run once before, to count the pushes); here write into an array of the final length instead, `let mut y = vec![0.0; n]; .. y[k] = ..;`"));
            }
            return Err(self.errors.at(&m.method, format!("`{name}` (changing a collection in place) is not supported yet: make an array of the final length and write its elements, as in `let mut y = Array1::zeros(n); for i in 0..n {{ y[i] = ..; }}`")));
        }
        Err(self.errors.at(&m.method, format!("method `{name}` is not differentiable: it is not in the supported subset (see \"Supported subset\" in autodiff's README), nor a helper over constants.{} Wrap a value in `stop_gradient(..)` to use it as a constant", prims::closest_method(&name).map(|m| format!(" Did you mean `{m}`?")).unwrap_or_default())))
    }

    /// `p.w` (or `p.layer.w`, `t.0`): a read of a field of a differentiable struct, whose gradient is
    /// added into the struct's gradient in place.
    pub(super) fn lower_field(&mut self, f: &syn::ExprField, whole: &Expr) -> Lowered<Operand> {
        let mut members = vec![f.member.clone()];
        let mut base = &*f.base;
        while let Expr::Field(inner) = strip_parens(base) {
            members.push(inner.member.clone());
            base = &inner.base;
        }
        members.reverse();
        match self.lower_expr(base)? {
            Operand::Const(_) => Ok(self.constant(whole)),
            var => {
                let path = quote!(#(#members).*);
                let field = self.push(prims::field(), vec![var], vec![path], first_span(whole));
                if let Operand::Var(v) = &field {
                    self.structs.push(*v);
                    self.fields.push(*v);
                }
                Ok(field)
            }
        }
    }

    /// `concatenate![Axis(k), a, b, ..]` / `stack![Axis(k), a, b, ..]` of arrays.
    pub(super) fn lower_join(
        &mut self,
        mac: &syn::Macro,
        stack: bool,
        whole: &Expr,
    ) -> Lowered<Operand> {
        let parts = match mac
            .parse_body_with(syn::punctuated::Punctuated::<Expr, syn::Token![,]>::parse_terminated)
        {
            Ok(parts) => parts,
            Err(e) => return Err(self.errors.push(e)),
        };
        let mut parts = parts.into_iter();
        let Some(axis) = parts.next() else {
            return Err(self.errors.at(mac, "`concatenate!`/`stack!` take an axis and the arrays: `concatenate![Axis(0), a, b]`"));
        };
        let arrays: Vec<Operand> = parts.map(|p| self.lower_expr(&p)).collect::<Lowered<_>>()?;
        if arrays.iter().all(|a| matches!(a, Operand::Const(_))) {
            return Ok(self.constant(whole));
        }
        let (axis, reads) = self.rewrite_tokens(axis.to_token_stream());
        self.const_reads.extend(reads);
        let axis = self.freeze(axis);
        let kind = if stack {
            crate::ir::JoinKind::Stack
        } else {
            crate::ir::JoinKind::Concatenate
        };
        Ok(self.push_op(Op::Join(kind), arrays, vec![axis], first_span(whole)))
    }

    /// A literal of scalars (`[a, b]`, `vec![a, b]`, `array![a, b]`, `array![[a, b], [c, d]]` row by row)
    /// in the form `form`: a constant where every part is one.
    pub(super) fn lower_pack(
        &mut self,
        parts: &[&Expr],
        form: crate::ir::PackForm,
        whole: &Expr,
    ) -> Lowered<Operand> {
        self.lower_join_of(parts, form, Vec::new(), whole)
    }

    /// `n` copies of `part`'s value (lowered once) joined as `form`.
    fn lower_repeat(
        &mut self,
        part: &Expr,
        n: usize,
        form: crate::ir::PackForm,
        whole: &Expr,
    ) -> Lowered<Operand> {
        let value = self.lower_expr(part)?;
        if matches!(value, Operand::Const(_)) {
            return Ok(self.constant(whole));
        }
        let kind = crate::ir::JoinKind::Pack(form);
        Ok(self.push_op(
            Op::Join(kind),
            vec![value; n],
            Vec::new(),
            first_span(whole),
        ))
    }

    /// The parts lowered and joined (`extras` as the join's); a constant where every part is one.
    fn lower_join_of(
        &mut self,
        parts: &[&Expr],
        form: crate::ir::PackForm,
        extras: Vec<proc_macro2::TokenStream>,
        whole: &Expr,
    ) -> Lowered<Operand> {
        let lowered: Vec<Operand> = parts
            .iter()
            .map(|p| self.lower_expr(p))
            .collect::<Lowered<_>>()?;
        if lowered.iter().all(|a| matches!(a, Operand::Const(_))) {
            return Ok(self.constant(whole));
        }
        let kind = crate::ir::JoinKind::Pack(form);
        Ok(self.push_op(Op::Join(kind), lowered, extras, first_span(whole)))
    }

    /// `Path { f: a, g: b }`: a constant where every field is one, else a join of the fields.
    pub(super) fn lower_struct_literal(
        &mut self,
        s: &syn::ExprStruct,
        whole: &Expr,
    ) -> Lowered<Operand> {
        if let Some(rest) = &s.rest {
            return Err(self.errors.at(rest, "`..base` in a struct literal is not supported in a #[differentiable] function: list every field, `P { w: .., b: base.b }`"));
        }
        let parts: Vec<&Expr> = s.fields.iter().map(|f| &f.expr).collect();
        let path = &s.path;
        let mut extras = vec![quote::quote!(#path)];
        extras.extend(s.fields.iter().map(|f| {
            let member = &f.member;
            quote::quote!(#member)
        }));
        let value = self.lower_join_of(&parts, crate::ir::PackForm::Struct, extras, whole)?;
        if let Operand::Var(v) = &value {
            // Its methods are calls through their `_vjp`, as a parameter struct's are.
            self.structs.push(*v);
        }
        Ok(value)
    }

    /// An argument of a call: whether it was passed by reference, and its value.
    pub(super) fn call_argument(&mut self, a: &Expr) -> Lowered<(bool, Operand)> {
        let (by_ref, value) = match strip_parens(a) {
            Expr::Reference(r) if r.mutability.is_none() => (true, self.lower_expr(&r.expr)?),
            other => (false, self.lower_expr(other)?),
        };
        // A constant argument is evaluated again where a pullback is made later (`f_vjp`'s): where it
        // reads a local that may change after the call (`y[2]` of an array written later), its value
        // (by reference: the locals it reads) is taken here.
        let value = match value {
            Operand::Const(tokens) if by_ref => Operand::Const(self.freeze(tokens)),
            Operand::Const(tokens) => Operand::Const(self.freeze_value(tokens)),
            var => var,
        };
        Ok((by_ref, value))
    }

    /// `dst = path(args..)` through `path_vjp`.
    pub(super) fn push_call(
        &mut self,
        path: TokenStream,
        vjp: TokenStream,
        method: bool,
        args: Vec<(bool, Operand)>,
        span: Span,
    ) -> Operand {
        let (by_ref, args): (Vec<bool>, Vec<Operand>) = args.into_iter().unzip();
        let site = CallSite {
            path,
            forward: crate::transform::jvp::forward_path(&vjp),
            vjp,
            method,
            by_ref,
        };
        self.push_op(Op::Call(Box::new(site)), args, Vec::new(), span)
    }

    /// `prim(receiver, args..)`: the first `arity - 1` arguments are operands, the rest extras.
    pub(super) fn lower_prim_call(
        &mut self,
        prim: &'static Prim,
        receiver: &Expr,
        args: Vec<&Expr>,
        whole: &Expr,
    ) -> Lowered<Operand> {
        if args.len() + 1 != prim.arity + prim.extras {
            let expected = prim.arity + prim.extras - 1;
            return Err(self.errors.at(
                whole,
                format!(
                    "`{}` takes {expected} argument{} here",
                    prim.name,
                    if expected == 1 { "" } else { "s" }
                ),
            ));
        }
        let mut operands = vec![self.lower_expr(receiver)];
        for a in &args[..prim.arity - 1] {
            operands.push(self.lower_expr(a));
        }
        let operands: Vec<Operand> = operands.into_iter().collect::<Lowered<_>>()?;
        if operands.iter().all(|o| matches!(o, Operand::Const(_))) {
            return Ok(self.constant(whole));
        }
        let mut extras = Vec::new();
        for a in &args[prim.arity - 1..] {
            let (tokens, reads) = self.rewrite_tokens(strip_parens(a).to_token_stream());
            // Names in a constant argument are read for their shapes (`x.len()`): keep them computed.
            self.const_reads.extend(reads);
            extras.push(self.freeze(tokens));
        }
        Ok(self.push(prim, operands, extras, first_span(whole)))
    }

    pub(super) fn lower_call(&mut self, c: &syn::ExprCall, whole: &Expr) -> Lowered<Operand> {
        let Expr::Path(path) = strip_parens(&c.func) else {
            return Err(self
                .errors
                .at(&c.func, "only calls of functions by path are supported"));
        };
        if let Some(ident) = path.path.get_ident() {
            if let Some(Binding::Poisoned(r)) = self.lookup(&ident.to_string()) {
                return Err(*r);
            }
            let deferred = ident
                .to_string()
                .strip_prefix(crate::desugar::ITERATOR_UNSUPPORTED)
                .and_then(|k| k.parse::<usize>().ok())
                .filter(|k| *k < self.deferred.len() && c.args.len() == 1);
            if let Some(k) = deferred {
                return self.lower_unsupported_iterator(k, c);
            }
        }
        let segments: Vec<String> = path
            .path
            .segments
            .iter()
            .map(|s| s.ident.to_string())
            .collect();
        let last = segments.last().cloned().unwrap_or_default();
        if last == "stop_gradient" && c.args.len() == 1 {
            let x = self.lower_expr(&c.args[0])?;
            return Ok(match x {
                Operand::Const(_) => self.constant(whole),
                x => {
                    let frozen = self.push(&prims::STOP, vec![x], Vec::new(), first_span(whole));
                    self.frozen.extend(frozen.var());
                    frozen
                }
            });
        }
        // `Array::from_elem(shape, x)`: an array filled with a (possibly differentiable) scalar.
        if last == "from_elem" && c.args.len() == 2 {
            let value = self.lower_expr(&c.args[1])?;
            if let Operand::Var(_) = value {
                let (shape, reads) = self.rewrite_tokens(c.args[0].to_token_stream());
                self.const_reads.extend(reads);
                let shape = self.freeze(shape);
                return Ok(self.push(
                    prims::method("from_elem").expect("`from_elem` is in the table"),
                    vec![value],
                    vec![shape],
                    first_span(whole),
                ));
            }
        }
        let float_path = segments.len() == 2 && matches!(segments[0].as_str(), "f32" | "f64");
        if float_path {
            if let Some(prim) = prims::method(&last).filter(|p| !p.unwraps) {
                if let Some((receiver, rest)) = c.args.iter().collect::<Vec<_>>().split_first() {
                    return self.lower_prim_call(prim, receiver, rest.to_vec(), whole);
                }
            }
        }
        // Each argument is lowered once: a non-constant one is then passed as it is.
        let args: Vec<Lowered<(bool, Operand)>> =
            c.args.iter().map(|a| self.call_argument(a)).collect();
        let all_constant = args.iter().all(|a| matches!(a, Ok((_, Operand::Const(_)))));
        if all_constant {
            return Ok(self.constant(whole));
        }
        let args: Vec<(bool, Operand)> = args.into_iter().collect::<Lowered<_>>()?;
        if float_path {
            let name = path.path.to_token_stream().to_string().replace(' ', "");
            return Err(self.errors.at(&c.func, format!("`{name}` is not differentiable: it is not one of the supported scalar functions. Wrap its argument in `stop_gradient(..)` to use it as a constant")));
        }
        // Any other function: differentiated through `name_vjp`, generated by #[differentiable] on it
        // or written by hand (a custom rule).
        let mut vjp = path.path.clone();
        let last_segment = vjp.segments.last_mut().expect("a path has a segment");
        last_segment.ident = format_ident!(
            "{}_vjp",
            last_segment.ident,
            span = last_segment.ident.span()
        );
        let func = &path.path;
        Ok(self.push_call(quote!(#func), quote!(#vjp), false, args, first_span(whole)))
    }

    /// An iterator construct the desugaring left as written (`desugar::iterators`): a constant where
    /// it reads only constants, otherwise the desugaring's message at its span.
    fn lower_unsupported_iterator(&mut self, k: usize, c: &syn::ExprCall) -> Lowered<Operand> {
        let inner = &c.args[0];
        let mut poisoned = None;
        crate::naming::any_ident(inner.to_token_stream(), &mut |i| {
            if let Some(Binding::Poisoned(r)) = self.lookup(&i.to_string()) {
                poisoned = Some(*r);
            }
            false
        });
        if let Some(r) = poisoned {
            return Err(r);
        }
        if self.all_constant(std::iter::once(inner)) {
            return Ok(self.constant(inner));
        }
        let deferred = &self.deferred[k];
        Err(self
            .errors
            .at(deferred.tokens.clone(), deferred.message.clone()))
    }

    pub(super) fn lower_macro_expr(&mut self, mac: &syn::Macro, whole: &Expr) -> Lowered<Operand> {
        let name = last_segment(&mac.path);
        if matches!(name.as_str(), "concatenate" | "stack") {
            return self.lower_join(mac, name == "stack", whole);
        }
        if !matches!(name.as_str(), "vec" | "array" | "s" | "matches") {
            return Err(self.errors.at(mac, format!("macro `{name}!` is not supported in a #[differentiable] function (only `s!`, `vec!` and `array!` over constants, `matches!` of a constant, and `concatenate!`/`stack!`)")));
        }
        let (tokens, reads) = self.rewrite_tokens(whole.to_token_stream());
        if name == "matches" {
            // A test of a constant (a `match` on a constant enum is rewritten to these).
            if let Some(v) = value_read(&tokens, &reads, &self.vars) {
                let var = &self.vars[v.0].name;
                return Err(self.errors.at(mac, format!("`matches!` of the differentiable value `{var}` is not supported: compare it with `<`, `>`, `<=` or `>=` in an `if` instead")));
            }
            self.const_reads.extend(reads);
            return Ok(Operand::Const(tokens));
        }
        // `vec![0.0; x.len()]` reads `x` for a shape (a constant); `vec![a, b]` and `array![a, b]` (or
        // `array![[a, b], [c, d]]`) of values are literals of scalars.
        if let Some(v) = value_read(&tokens, &reads, &self.vars) {
            if let Ok(parts) = mac.parse_body_with(
                syn::punctuated::Punctuated::<Expr, syn::Token![,]>::parse_terminated,
            ) {
                let parts: Vec<&Expr> = parts.iter().collect();
                let rows: Vec<&syn::ExprArray> = parts
                    .iter()
                    .filter_map(|p| match strip_parens(p) {
                        Expr::Array(a) => Some(a),
                        _ => None,
                    })
                    .collect();
                if name == "vec" {
                    return self.lower_pack(&parts, crate::ir::PackForm::Vec, whole);
                }
                if rows.is_empty() {
                    return self.lower_pack(&parts, crate::ir::PackForm::Array1, whole);
                }
                let cols = rows[0].elems.len();
                if rows.len() == parts.len()
                    && rows.iter().all(|r| r.elems.len() == cols)
                    && cols > 0
                {
                    let flat: Vec<&Expr> = rows.iter().flat_map(|r| r.elems.iter()).collect();
                    if flat
                        .iter()
                        .any(|p| matches!(strip_parens(p), Expr::Array(_)))
                    {
                        return Err(self.errors.at(mac, "`array!` of differentiable values makes vectors and matrices (`array![a, b]`, `array![[a, b], [c, d]]`), not arrays of three or more axes"));
                    }
                    return self.lower_pack(&flat, crate::ir::PackForm::Array2 { cols }, whole);
                }
                return Err(self.errors.at(
                    mac,
                    "the rows of `array![[..], [..]]` must all be `[..]` lists of the same length",
                ));
            }
            // `vec![v; 3]` of a value: the value once, in each place.
            let body = &mac.tokens;
            if let Ok(r) = syn::parse2::<syn::ExprRepeat>(quote::quote!([#body])) {
                if let (Some(n), "vec") = (repeat_count(&r.len), name.as_str()) {
                    return self.lower_repeat(&r.expr, n, crate::ir::PackForm::Vec, whole);
                }
            }
            let var = &self.vars[v.0].name;
            return Err(self.errors.at(mac, format!("`{name}![v; n]` of the differentiable value `{var}` is supported where `n` is an integer literal from 1 to 64: write `Array1::from_elem(n, v)` for another length")));
        }
        self.const_reads.extend(reads);
        Ok(Operand::Const(tokens))
    }

    pub(super) fn lower_mapv(&mut self, m: &syn::ExprMethodCall, whole: &Expr) -> Lowered<Operand> {
        if m.args.len() != 1 {
            return Err(self.errors.at(whole, "`mapv` takes one function"));
        }
        let receiver = self.lower_expr(&m.receiver)?;
        if matches!(receiver, Operand::Const(_)) && !self.closure_captures_values(&m.args[0]) {
            return Ok(self.constant(whole));
        }
        match strip_parens(&m.args[0]) {
            Expr::Path(p) => {
                let last = last_segment(&p.path);
                match prims::method(&last)
                    .filter(|p| p.arity == 1 && p.extras == 0 && p.reads_output)
                {
                    Some(prim) => {
                        Ok(self.push(prim, vec![receiver], Vec::new(), first_span(whole)))
                    }
                    None => {
                        let text = p.to_token_stream().to_string().replace(' ', "");
                        Err(self.errors.at(p, format!("`mapv({text})` is not differentiable: pass a closure `|v| ..` or an elementwise function like `f64::tanh`")))
                    }
                }
            }
            Expr::Closure(c) => self.lower_closure(c, receiver, whole),
            other => Err(self.errors.at(
                other,
                "`mapv` takes a closure `|v| ..` or a function path like `f64::exp`",
            )),
        }
    }

    /// Whether `f` is a closure whose body names a differentiable value of the function (then a `mapv`
    /// of a constant array still carries that value's derivative).
    pub(super) fn closure_captures_values(&self, f: &Expr) -> bool {
        let Expr::Closure(c) = strip_parens(f) else {
            return false;
        };
        let params: Vec<String> = c.inputs.iter().flat_map(super::pattern_names).collect();
        crate::naming::any_ident(c.body.to_token_stream(), &mut |i| {
            let name = i.to_string();
            !params.contains(&name) && matches!(self.lookup(&name), Some(Binding::Var(_)))
        })
    }

    pub(super) fn lower_closure(
        &mut self,
        c: &syn::ExprClosure,
        receiver: Operand,
        whole: &Expr,
    ) -> Lowered<Operand> {
        if c.inputs.len() != 1 {
            return Err(self
                .errors
                .at(&c.inputs, "a `mapv` closure takes one parameter"));
        }
        let (ident, param_ty) = match &c.inputs[0] {
            Pat::Ident(p) => (p.ident.clone(), None),
            Pat::Type(t) => match &*t.pat {
                Pat::Ident(p) => (p.ident.clone(), Some((*t.ty).clone())),
                other => {
                    return Err(self
                        .errors
                        .at(other, "the closure's parameter must be a name"));
                }
            },
            other => {
                return Err(self
                    .errors
                    .at(other, "the closure's parameter must be a name"));
            }
        };
        let outer = self.new_block();
        let param = self.new_var(&ident.to_string(), VarKind::ClosureParam, ident.span());
        self.scopes.push(HashMap::new());
        self.bind(&ident.to_string(), Binding::Var(param));
        let ret = self.lower_expr(&c.body);
        self.scopes.pop();
        let mut body = std::mem::replace(&mut self.block, outer);
        let ret = ret?;
        // The constants it reads that change later (a counter, an array whose elements are written)
        // are read from copies made here: its reverse runs after they change.
        self.freeze_block(&mut body);
        let mut captures = Vec::new();
        let mut read = |v: VarId| {
            if v.0 < param.0 && !captures.contains(&v) {
                captures.push(v);
            }
        };
        visit::stmts(&body, visit::Depth::Closures, &mut |s| {
            visit::reads(s, &mut read)
        });
        ret.var().into_iter().for_each(read);
        let mut args = vec![receiver];
        args.extend(captures.iter().map(|v| Operand::Var(*v)));
        let dst = self.new_var("t", VarKind::Temp, first_span(whole));
        self.block.stmts.push(Stmt::Instr(Instr {
            dst,
            op: Op::Mapv(Box::new(Closure {
                param,
                param_ty,
                body,
                ret,
                dot_param: None,
            })),
            args,
            extras: Vec::new(),
            ascription: None,
            span: first_span(whole),
        }));
        Ok(Operand::Var(dst))
    }
}

/// `m` written as the method it stands for (see `lower_method`), where it is one.
fn alias_method(m: &syn::ExprMethodCall) -> Option<Expr> {
    let receiver = &m.receiver;
    match (m.method.to_string().as_str(), m.args.len()) {
        ("mapv_into", 1) => {
            let f = &m.args[0];
            Some(syn::parse_quote!(#receiver.mapv(#f)))
        }
        ("map", 1) => {
            let Expr::Closure(c) = strip_parens(&m.args[0]) else {
                return None;
            };
            if c.inputs.len() != 1 {
                return None;
            }
            let body = &c.body;
            // `|&v|` binds the value, `|v|` a reference to it.
            let bind: syn::Stmt = match &c.inputs[0] {
                syn::Pat::Reference(r) => {
                    let inner = &r.pat;
                    syn::parse_quote!(let #inner = __autodiff_elem;)
                }
                pat => syn::parse_quote!(let #pat = &__autodiff_elem;),
            };
            Some(syn::parse_quote!(#receiver.mapv(|__autodiff_elem| { #bind #body })))
        }
        ("remove_axis", 1) => {
            let axis = &m.args[0];
            Some(syn::parse_quote!(#receiver.index_axis(#axis, 0)))
        }
        _ => None,
    }
}

/// The length of `[v; n]` where it is an integer literal from 1 to 64 (the literal is then written out).
fn repeat_count(len: &Expr) -> Option<usize> {
    match strip_parens(len) {
        Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Int(i),
            ..
        }) => i
            .base10_parse::<usize>()
            .ok()
            .filter(|n| (1..=64).contains(n)),
        _ => None,
    }
}

/// Whether `ty` is a primitive integer type (`usize`, `i32`, ..).
fn is_integer_type(ty: &syn::Type) -> bool {
    const INTEGERS: &[&str] = &[
        "u8", "u16", "u32", "u64", "u128", "usize", "i8", "i16", "i32", "i64", "i128", "isize",
    ];
    matches!(ty, syn::Type::Path(p) if p.qself.is_none()
        && p.path.get_ident().is_some_and(|i| INTEGERS.contains(&i.to_string().as_str())))
}
