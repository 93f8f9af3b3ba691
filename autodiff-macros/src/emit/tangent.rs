//! Forward mode for one scalar independent: each value with its tangent, no reverse sweep.

use super::*;

impl Emitter<'_> {
    /// The tangent variable of `v` in forward mode.
    pub(super) fn dot(&mut self, v: VarId) -> Ident {
        let base = format!("{}_dot", self.f.vars[v.0].name);
        self.keyed(NameKey::Tangent(v), &base)
    }

    /// The tangent of an operand in forward mode, if it has one (an active variable).
    pub(super) fn tangent_of(&mut self, o: &Operand, plan: &Plan) -> Option<TokenStream> {
        let v = o.var().filter(|v| plan.activity.is_active(*v))?;
        let dot = self.dot(v);
        Some(quote!(#dot))
    }

    /// `dst_dot = sum over active operands k of (d dst / d arg_k) * arg_k_dot`. For scalars a reverse
    /// rule with seed `s` is the partial derivative times `s`, so the reverse rules serve forward mode.
    pub(super) fn tangent_instr(&mut self, i: &Instr, plan: &Plan) -> TokenStream {
        let ad = self.ad.clone();
        let Op::Prim(p) = &i.op else {
            return TokenStream::new();
        };
        let mut terms = Vec::new();
        for (k, a) in i.args.iter().enumerate() {
            if let Some(v) = a.var().filter(|v| plan.activity.is_active(*v)) {
                let seed = self.dot(v);
                terms.push(self.prim_rule(i, p, k, quote!(#seed)));
            }
        }
        let dot = self.dot(i.dst);
        let dst = self.name(i.dst).clone();
        let sum = terms
            .into_iter()
            .reduce(|acc, t| quote!(#acc + #t))
            .unwrap_or(quote!(#ad::zero_tangent(&#dst)));
        quote!(let #dot = #sum;)
    }

    /// Forward mode for one scalar independent, when every active value is a scalar: the forward sweep
    /// with tangents, and the output's tangent (the derivative). No values are stored, no reverse sweep
    /// is run: a Horner loop costs what its hand-written derivative recurrence does.
    pub fn tangent_sweep(
        &mut self,
        block: &Block,
        ret: &Operand,
        independent: VarId,
        scalars: &[VarId],
    ) -> Option<(TokenStream, TokenStream)> {
        let activity = activity::analyse(self.f.vars.len(), block, ret, &[independent]);
        if !crate::scalars::all_active_scalar(self.f, block, &activity, scalars) {
            return None;
        }
        let plan = Plan::new(&activity, self.f.vars.len(), true);
        let ad = self.ad.clone();
        let x = self.name(independent).clone();
        let x_dot = self.dot(independent);
        let mode = Fwd {
            tangents: true,
            ..Fwd::default()
        };
        let forward = self.forward_block(block, &mode, &plan);
        let logs = self.log_declarations(&[&forward]);
        let forward = quote!(#logs #forward);
        let output = match ret.var().filter(|v| plan.activity.is_active(*v)) {
            Some(v) => {
                let dot = self.dot(v);
                quote!(#dot)
            }
            None => quote!(#ad::zero_tangent(&#x)),
        };
        Some((quote!(let #x_dot = #ad::seed(&#x); #forward), output))
    }
}
