//! Forward mode for one independent: the JVP transform's tangent program, printed forward.

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
        let t = crate::transform::jvp::transform(self.f, block, ret, &[independent], self.namer)
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
