//! Forward mode: the JVP transform's tangent program, printed forward (for one scalar independent as
//! `f_grad`'s fast path, for every differentiable parameter as `f_jvp`).

use super::*;

impl Emitter<'_> {
    /// Forward mode for one independent: the tangent program of `block` printed forward with the
    /// independent's tangent seeded to one, and the output's tangent (the derivative). No values are
    /// stored and there is no reverse sweep: a Horner loop costs what its hand-written derivative
    /// recurrence does. `None` where the transform cannot go forward (an active call or `mapv`).
    pub fn tangent_sweep(
        &mut self,
        block: &Block,
        ret: &Operand,
        independent: VarId,
    ) -> Option<(TokenStream, TokenStream)> {
        let t = crate::transform::jvp::transform(
            self.f,
            block,
            ret,
            &[independent],
            crate::transform::jvp::Calls::Refuse,
            self.namer,
        )
        .ok()?;
        let ad = self.ad.clone();
        let x = self.name(independent).clone();
        let x_dot = t.function.vars[t.seeds[0].0].name.clone();
        let output = match t.output {
            Some(v) => {
                let dot = &t.function.vars[v.0].name;
                quote!(#dot)
            }
            None => quote!(#ad::zero_tangent(&#x)),
        };
        let mut printer = Emitter::new(&t.function, self.const_reads, self.namer, ad.clone());
        printer.scalar_type = self.scalar_type.clone();
        let plan = Plan::new(&t.activity, t.function.vars.len(), true);
        let forward = printer.forward_block(&t.function.body, &Fwd::default(), &plan);
        let logs = printer.log_declarations(&[&forward]);
        Some((quote!(let #x_dot = #ad::seed(&#x); #logs #forward), output))
    }
}

/// The statements of `f_jvp` and what it returns.
pub struct JvpSweep {
    /// The tangents bound from the `tangents` tuple, then the tangent program.
    pub forward: TokenStream,
    /// The output's tangent (a zero of the value's type where the output does not depend on the
    /// parameters).
    pub tangent: TokenStream,
}

impl Emitter<'_> {
    /// `f_jvp`'s body: the tangent program of `block` with the tangents of `independents` taken from
    /// the tuple named `tangents`, printed forward, and the output's tangent. `value` names the output's
    /// value, bound by the caller after the forward statements.
    pub fn jvp_sweep(
        &mut self,
        block: &Block,
        ret: &Operand,
        independents: &[VarId],
        arrays: &[VarId],
        tangents: &Ident,
        value: &Ident,
    ) -> Result<JvpSweep, crate::transform::jvp::Unsupported> {
        let t = crate::transform::jvp::transform(
            self.f,
            block,
            ret,
            independents,
            crate::transform::jvp::Calls::ForwardRule,
            self.namer,
        )?;
        let ad = self.ad.clone();
        let dots: Vec<&Ident> = t.seeds.iter().map(|v| &t.function.vars[v.0].name).collect();
        let tangent = match t.output {
            Some(v) => {
                let dot = &t.function.vars[v.0].name;
                quote!(#dot)
            }
            None => quote!(#ad::zero_tangent(&#value)),
        };
        let mut printer = Emitter::new(&t.function, self.const_reads, self.namer, ad.clone());
        printer.scalar_type = self.scalar_type.clone();
        // Map fusion from the array parameters and their tangents; the value, its tangent and the
        // auxiliary values are read after the program.
        let mut known = arrays.to_vec();
        known.extend(
            independents
                .iter()
                .zip(&t.seeds)
                .filter(|(p, _)| arrays.contains(p))
                .map(|(_, s)| *s),
        );
        let mut results: Vec<VarId> = ret.var().into_iter().chain(t.output).collect();
        if let Some(aux) = &self.f.aux {
            results.extend(aux.vars());
        }
        printer.map_plan = Some(MapPlan::new(
            &t.function,
            &known,
            &results,
            self.const_reads,
        ));
        let plan = Plan::new(&t.activity, t.function.vars.len(), true);
        let forward = printer.forward_block(&t.function.body, &Fwd::default(), &plan);
        let logs = printer.log_declarations(&[&forward]);
        Ok(JvpSweep {
            forward: quote!(let (#(#dots,)*) = #tangents; #logs #forward),
            tangent,
        })
    }
}

impl Emitter<'_> {
    /// `block` printed forward whole (a tangent program, with `activity`), with its undo logs declared.
    pub fn forward_plain(&mut self, block: &Block, activity: &Activity) -> TokenStream {
        let plan = Plan::new(activity, self.f.vars.len(), true);
        let forward = self.forward_block(block, &Fwd::default(), &plan);
        let logs = self.log_declarations(&[&forward]);
        quote!(#logs #forward)
    }
}
