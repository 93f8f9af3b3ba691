//! Map fusion of forward-printed programs (`f_jvp`, `f_hvp`): a run of elementwise instructions over
//! arrays becomes one map kernel (`map_kernel`), one pass over memory that gives every value the rest
//! of the program reads, instead of one array per instruction.
//!
//! An instruction joins a run where it is elementwise (a unary or binary function, its forward rules,
//! its reverse rules and theirs) and its result is known to be an array (it reads one, by the types of
//! the parameters). At run time the kernel runs where every array operand of the run has one shape, so
//! that every value of the run has it (a reverse rule of a binary function then sums nothing back); the
//! run is printed unfused in the other branch, which broadcasts or reports a mismatch as it always did,
//! and whose types the kernel's results take.

use super::*;
use crate::ir::visit;
use crate::ir::Rule;
use crate::prims::Prim;

/// What map fusion needs to know of the program being printed.
pub struct MapPlan {
    /// Whether each variable is known to hold an array.
    arrays: Vec<bool>,
    /// How many statements read each variable (the results the caller prints after the program count
    /// as readers).
    uses: Vec<u32>,
    /// Whether each variable is computed by a top-level instruction that nothing reads, directly or
    /// through other such instructions (in `f_hvp`, the first-order gradient itself): not printed.
    dead: Vec<bool>,
    /// Whether each variable is read after the program (or by constant code): never released.
    kept: Vec<bool>,
}

/// The most operands and results of one kernel (the runtime's `MAX_MAP_OPERANDS`, `MAX_MAP_RESULTS`).
const MAX_OPERANDS: usize = 16;
const MAX_RESULTS: usize = 12;

/// Whether `p` maps elements to elements: a unary or binary function, or a zero.
fn elementwise(p: &Prim) -> bool {
    matches!(p.family, Family::Unary | Family::Elementwise | Family::Stop)
}

impl MapPlan {
    /// The plan for `f`, whose variables `arrays` are arrays (array parameters and their tangents),
    /// read after the program by `results` (and by constant code, `const_reads`).
    pub fn new(f: &Function, arrays: &[VarId], results: &[VarId], const_reads: &[VarId]) -> Self {
        let mut known = vec![false; f.vars.len()];
        for v in arrays {
            known[v.0] = true;
        }
        let mut uses = vec![0u32; f.vars.len()];
        for v in results.iter().chain(const_reads) {
            uses[v.0] += 1;
        }
        visit::stmts(&f.body, visit::Depth::Closures, &mut |s| {
            visit::reads(s, &mut |v| uses[v.0] += 1);
            if let Stmt::Instr(i) = s {
                known[i.dst.0] = array_result(i, &known);
            }
        });
        let mut kept = vec![false; f.vars.len()];
        for v in results.iter().chain(const_reads) {
            kept[v.0] = true;
        }
        // Top-level instructions backwards: one is live where a live statement reads its result.
        let mut live = kept.clone();
        let mut dead = vec![false; f.vars.len()];
        for s in f.body.stmts.iter().rev() {
            match s {
                Stmt::Instr(i) if !live[i.dst.0] && !matches!(i.op, Op::Call(_)) => {
                    dead[i.dst.0] = true;
                }
                _ => visit::reads_within(s, &mut |v| live[v.0] = true),
            }
        }
        // A dead instruction's reads are not uses.
        for s in &f.body.stmts {
            if let Stmt::Instr(i) = s {
                if dead[i.dst.0] {
                    visit::reads_within(s, &mut |v| uses[v.0] -= 1);
                }
            }
        }
        MapPlan {
            arrays: known,
            uses,
            dead,
            kept,
        }
    }

    /// Whether statement `s` computes a value nothing reads.
    fn is_dead(&self, s: &Stmt) -> bool {
        matches!(s, Stmt::Instr(i) if self.dead[i.dst.0])
    }
}

/// Whether `i`'s result is known to be an array, given which of its arguments are.
fn array_result(i: &Instr, known: &[bool]) -> bool {
    let arg = |k: usize| {
        i.args
            .get(k)
            .and_then(Operand::var)
            .is_some_and(|v| known[v.0])
    };
    let any = |n: usize| (0..n).any(arg);
    let of_prim = |p: &Prim| match p.family {
        Family::Unary | Family::Elementwise => any(p.arity),
        Family::Shape
        | Family::Reduce(
            crate::prims::Reduction::Axis
            | crate::prims::Reduction::SpreadAxis
            | crate::prims::Reduction::ProductAxis,
        ) => true,
        Family::Copy(_) | Family::Stop => arg(0),
        Family::LinAlg => p.name == "t" && arg(0),
        _ => false,
    };
    match &i.op {
        Op::Prim(p) => of_prim(p),
        Op::Jvp {
            rule: Rule::Prim(p),
            ..
        } => of_prim(p),
        // A reverse rule's result has the shape of its operand `k`.
        Op::Vjp { prim, k } => {
            arg(*k)
                && !matches!(
                    prim.family,
                    Family::Reduce(crate::prims::Reduction::Product) | Family::Access(_)
                )
        }
        Op::Jvp {
            rule: Rule::Vjp(p, k),
            ..
        } => {
            arg(*k)
                && !matches!(
                    p.family,
                    Family::Reduce(crate::prims::Reduction::Product) | Family::Access(_)
                )
        }
        Op::Mapv(_) => arg(0),
        Op::JoinVjp { .. } | Op::Load => false,
        // A literal of scalars is an `ndarray` array only with `array!`.
        Op::Join(crate::ir::JoinKind::Pack(form)) => matches!(
            form,
            crate::ir::PackForm::Array1 | crate::ir::PackForm::Array2 { .. }
        ),
        Op::Join(_) => true,
        Op::Call(_) | Op::Fused(_) => false,
    }
}

impl Emitter<'_> {
    /// Whether statement `s` can join a map kernel.
    fn fusable(&self, s: &Stmt) -> bool {
        let Some(plan) = &self.map_plan else {
            return false;
        };
        let Stmt::Instr(i) = s else { return false };
        let kind = match &i.op {
            Op::Prim(p) => elementwise(p),
            Op::Jvp { rule, .. } => elementwise(rule.prim()),
            Op::Vjp { prim, .. } => elementwise(prim),
            _ => false,
        };
        // A constant operand must be a scalar: a constant array (a local that nothing differentiable
        // was written into) would make the element's value an array.
        let scalar_consts = i.args.iter().all(|a| match a {
            Operand::Const(t) => crate::scalars::scalar_const(t, self.f),
            Operand::Var(_) => true,
        });
        (kind || self.filled(s).is_some())
            && plan.arrays[i.dst.0]
            && scalar_consts
            && !self.sums.contains_key(&i.dst)
    }

    /// Where statement `s` fills an array of its operand's shape with one value (a sum's reverse rule,
    /// or its forward rule along the seed): that value, which is each element's in a kernel.
    fn filled(&self, s: &Stmt) -> Option<Operand> {
        let Stmt::Instr(i) = s else { return None };
        match &i.op {
            Op::Vjp { prim, .. } if prim.family == Family::Reduce(crate::prims::Reduction::Sum) => {
                i.args.get(1).cloned()
            }
            Op::Jvp {
                rule: Rule::Vjp(prim, _),
                k: 1,
            } if prim.family == Family::Reduce(crate::prims::Reduction::Sum) => {
                i.args.get(2).cloned()
            }
            _ => None,
        }
    }

    /// Where statement `s` is a sum or mean of one array (or the forward rule of one, the sum or mean
    /// of the tangent): that array, and whether it is a mean. A kernel computing the array gives the
    /// sum instead, in the order of `ndarray`'s.
    fn folded_reduction(&self, s: &Stmt) -> Option<(VarId, bool)> {
        self.map_plan.as_ref()?;
        let Stmt::Instr(i) = s else { return None };
        let (p, arg) = match &i.op {
            Op::Prim(p) => (*p, 0),
            Op::Jvp {
                rule: Rule::Prim(p),
                ..
            } => (*p, 1),
            _ => return None,
        };
        let mean = match p.family {
            Family::Reduce(crate::prims::Reduction::Sum) => false,
            Family::Reduce(crate::prims::Reduction::Mean) => true,
            _ => return None,
        };
        Some((i.args.get(arg)?.var()?, mean))
    }

    /// The end of the run of fusable statements from `k`: elementwise instructions, and sums or means
    /// of their arrays that no later instruction of the run reads; and the positions in it of
    /// instructions that read nothing the run defines (a constant seed), which are printed before it.
    fn run_end(&self, stmts: &[&Stmt], k: usize) -> (usize, Vec<usize>) {
        let mut defined = HashSet::new();
        let mut reduced = HashSet::new();
        let mut hoisted = Vec::new();
        let mut end = k;
        while end < stmts.len() {
            let s = stmts[end];
            let (mut reads_reduced, mut reads_run) = (false, false);
            visit::reads_within(s, &mut |v| {
                reads_reduced |= reduced.contains(&v);
                reads_run |= defined.contains(&v) || reduced.contains(&v);
            });
            let Stmt::Instr(i) = s else { break };
            if reads_reduced {
                break;
            }
            if self.fusable(s) {
                defined.insert(i.dst);
            } else if self
                .folded_reduction(s)
                .is_some_and(|(v, _)| defined.contains(&v))
            {
                reduced.insert(i.dst);
            } else if !reads_run
                && !defined.is_empty()
                && matches!(i.op, Op::Prim(_) | Op::Jvp { .. } | Op::Vjp { .. })
            {
                hoisted.push(end);
            } else {
                break;
            }
            end += 1;
        }
        // Hoisted instructions at the end of the run are simply after it.
        while end > k && hoisted.last() == Some(&(end - 1)) {
            hoisted.pop();
            end -= 1;
        }
        (end, hoisted)
    }

    /// `stmts[start..]` printed with map fusion: runs of fusable instructions as kernels, the rest by
    /// `print`. Returns the tokens.
    pub(super) fn print_fused(
        &mut self,
        stmts: &[Stmt],
        mut print: impl FnMut(&mut Self, &Stmt) -> TokenStream,
    ) -> TokenStream {
        // Dead instructions dropped; each value released after its last reader, so that the arrays
        // of a long program are not all alive at its end (and freed memory is reused within a call).
        let stmts: Vec<&Stmt> = {
            let plan = self.map_plan.as_ref().expect("map fusion is on");
            stmts.iter().filter(|s| !plan.is_dead(s)).collect()
        };
        let mut last_read: HashMap<VarId, usize> = HashMap::new();
        for (k, s) in stmts.iter().enumerate() {
            visit::reads_within(s, &mut |v| {
                last_read.insert(v, k);
            });
        }
        // A field read is a reference into its struct (`&(&q).b`): the struct lives as long as it.
        for s in stmts.iter().rev() {
            if let Stmt::Instr(i) = s {
                let field = matches!(&i.op, Op::Prim(p) if p.family == Family::Access(crate::prims::Access::Field));
                if let (true, Some(Operand::Var(base)), Some(&last)) =
                    (field, i.args.first(), last_read.get(&i.dst))
                {
                    let entry = last_read.entry(*base).or_insert(last);
                    *entry = (*entry).max(last);
                }
            }
        }
        // Slices read only by reference are views into their array, which lives as long as they.
        for (view, base) in self.slice_views(&stmts) {
            self.views.insert(view);
            if let Some(&last) = last_read.get(&view) {
                let entry = last_read.entry(base).or_insert(last);
                *entry = (*entry).max(last);
            }
        }
        let mut releases: Vec<Vec<VarId>> = vec![Vec::new(); stmts.len()];
        {
            let plan = self.map_plan.as_ref().expect("map fusion is on");
            for s in &stmts {
                if let Stmt::Instr(i) = s {
                    if let Some(k) = last_read.get(&i.dst) {
                        // A write into storage moves its value: nothing is left to release.
                        let moved = matches!(stmts[*k], Stmt::WriteBack { .. })
                            || matches!(stmts[*k], Stmt::Init { value: Operand::Var(v), .. } if *v == i.dst);
                        if !plan.kept[i.dst.0] && !moved {
                            releases[*k].push(i.dst);
                        }
                    }
                }
            }
            // Released after one statement: the later-defined first (a field read before its struct).
            for list in &mut releases {
                list.reverse();
            }
        }
        self.plan_sums(&stmts, &last_read, &mut releases);
        let ad = self.ad.clone();
        let mut out = TokenStream::new();
        let mut k = 0;
        while k < stmts.len() {
            let (mut end, hoisted) = self.run_end(&stmts, k);
            if end - k - hoisted.len() >= 2 {
                // Instructions that read nothing of the run go first; their values' releases follow
                // the run.
                for &h in &hoisted {
                    out.extend(print(self, stmts[h]));
                }
                let run: Vec<Stmt> = (k..end)
                    .filter(|j| !hoisted.contains(j))
                    .map(|j| stmts[j].clone())
                    .collect();
                // A value defined in the run exists after it only as a kernel's result.
                let mut inside = HashSet::new();
                for s in &run {
                    if let Stmt::Instr(i) = s {
                        inside.insert(i.dst);
                    }
                }
                // The position in `stmts` of each statement of the run.
                let at: Vec<usize> = (k..end).filter(|j| !hoisted.contains(j)).collect();
                for range in self.split_run(&run, 0, run.len()) {
                    let (_, results) = self.run_io(&run[range.clone()]);
                    results.iter().for_each(|r| {
                        inside.remove(r);
                    });
                    let last = range.end == run.len();
                    let positions: Vec<usize> = if last {
                        // The last kernel also releases what the hoisted instructions read last.
                        at[range.start..]
                            .iter()
                            .copied()
                            .chain(hoisted.iter().copied())
                            .collect()
                    } else {
                        at[range.clone()].to_vec()
                    };
                    out.extend(self.print_run(&run[range], &mut print));
                    for v in positions
                        .iter()
                        .flat_map(|j| &releases[*j])
                        .filter(|v| !inside.contains(v))
                    {
                        let name = self.name(*v);
                        out.extend(quote!(#ad::release(#name);));
                    }
                }
            } else {
                end = k + 1;
                // A reverse rule's seed read last here moves into the rule.
                self.moved_seed = match stmts[k] {
                    Stmt::Instr(i) if matches!(i.op, Op::Vjp { .. }) => match i.args.split_last() {
                        Some((Operand::Var(seed), rest))
                            if releases[k].contains(seed)
                                && !rest
                                    .iter()
                                    .any(|a| matches!(a, Operand::Var(v) if v == seed)) =>
                        {
                            Some(*seed)
                        }
                        _ => None,
                    },
                    _ => None,
                };
                out.extend(print(self, stmts[k]));
                let moved = self.moved_seed.take();
                for v in releases[k].iter().filter(|v| Some(**v) != moved) {
                    let name = self.name(*v);
                    out.extend(quote!(#ad::release(#name);));
                }
            }
            k = end;
        }
        out
    }

    /// Finds the sums among `stmts` of two adjoints of one shape (reverse rules' results for one
    /// operand, computed outside kernels) that nothing reads after: [`Emitter::sums`]. Their operands
    /// are moved into the sum, not released.
    fn plan_sums(
        &mut self,
        stmts: &[&Stmt],
        last_read: &HashMap<VarId, usize>,
        releases: &mut [Vec<VarId>],
    ) {
        let mut defs: HashMap<VarId, usize> = HashMap::new();
        for (k, s) in stmts.iter().enumerate() {
            if let Stmt::Instr(i) = s {
                defs.insert(i.dst, k);
            }
        }
        // A reverse rule's result outside kernels: its position, rule and the operand whose shape it has.
        let rule = |v: VarId| -> Option<(usize, &Prim, usize, VarId)> {
            let at = *defs.get(&v)?;
            let Stmt::Instr(i) = stmts[at] else {
                return None;
            };
            let Op::Vjp { prim, k } = &i.op else {
                return None;
            };
            if self.fusable(stmts[at]) {
                return None;
            }
            Some((at, *prim, *k, i.args.get(*k)?.var()?))
        };
        let (mut sums, mut into) = (Vec::new(), Vec::new());
        for (k, s) in stmts.iter().enumerate() {
            let Stmt::Instr(i) = s else { continue };
            let add =
                matches!(&i.op, Op::Prim(p) if p.name == "add" && p.family == Family::Elementwise);
            let [Operand::Var(a), Operand::Var(b)] = i.args.as_slice() else {
                continue;
            };
            if !add || a == b || !releases[k].contains(a) || !releases[k].contains(b) {
                continue;
            }
            let (Some(ra), Some(rb)) = (rule(*a), rule(*b)) else {
                continue;
            };
            if ra.3 != rb.3 {
                continue;
            }
            let ((first, _), (second, rs)) = if ra.0 < rb.0 {
                ((*a, ra), (*b, rb))
            } else {
                ((*b, rb), (*a, ra))
            };
            // The slice's rule adds into the first (moving it) where nothing reads the first from the
            // rule on (the rule itself included).
            let slice = rs.1.name == "slice" && rs.1.family == Family::Shape && rs.2 == 0;
            let untouched = stmts[rs.0..k].iter().all(|s| {
                let mut reads = false;
                visit::reads_within(s, &mut |v| reads |= v == first);
                !reads
            });
            let sum = if slice && untouched && last_read.get(&second) == Some(&k) {
                into.push((second, first));
                super::Sum::Slice(second)
            } else {
                super::Sum::Owned(*a, *b)
            };
            sums.push((i.dst, sum));
            releases[k].retain(|v| v != a && v != b);
        }
        self.sums.extend(sums);
        self.slice_into.extend(into);
    }

    /// The slices among `stmts` that can be views into their array (`slice_view`, `slice_jvp_view`),
    /// each with the array it borrows: slices (of a value or of its tangent) without a written type,
    /// not read after the program, whose every reader is a rule among `stmts` taking it by reference
    /// (not a reverse rule's seed, which it takes by value), of an array that is no storage and that no
    /// statement moves into storage.
    fn slice_views(&self, stmts: &[&Stmt]) -> Vec<(VarId, VarId)> {
        let plan = self.map_plan.as_ref().expect("map fusion is on");
        let mut candidates: HashMap<VarId, VarId> = HashMap::new();
        for s in stmts {
            let Stmt::Instr(i) = s else { continue };
            let slice = |p: &Prim| p.name == "slice" && p.family == Family::Shape;
            let base = match &i.op {
                Op::Prim(p) if slice(p) => i.args.first(),
                Op::Jvp {
                    rule: Rule::Prim(p),
                    k: 0,
                } if slice(p) => i.args.last(),
                _ => None,
            };
            if let (Some(Operand::Var(base)), None) = (base, &i.ascription) {
                if self.f.vars[base.0].kind != VarKind::Storage && !plan.kept[i.dst.0] {
                    candidates.insert(i.dst, *base);
                }
            }
        }
        if candidates.is_empty() {
            return Vec::new();
        }
        let mut refused: HashSet<VarId> = HashSet::new();
        for s in stmts {
            let by_reference: Vec<VarId> = match s {
                Stmt::Instr(i) => match &i.op {
                    Op::Prim(_) | Op::Jvp { .. } => {
                        i.args.iter().filter_map(Operand::var).collect()
                    }
                    Op::Vjp { .. } => {
                        let (seed, rest) = i.args.split_last().expect("a reverse rule has a seed");
                        let seed = seed.var();
                        rest.iter()
                            .filter_map(Operand::var)
                            .filter(|v| Some(*v) != seed)
                            .collect()
                    }
                    _ => Vec::new(),
                },
                _ => Vec::new(),
            };
            visit::reads_within(s, &mut |v| {
                if candidates.contains_key(&v) && !by_reference.contains(&v) {
                    refused.insert(v);
                }
            });
            // An array moved into storage cannot be borrowed across the move.
            if let Stmt::Init {
                value: Operand::Var(v),
                ..
            }
            | Stmt::WriteBack {
                value: Operand::Var(v),
                ..
            } = s
            {
                for (view, base) in &candidates {
                    if base == v {
                        refused.insert(*view);
                    }
                }
            }
        }
        let mut out: Vec<(VarId, VarId)> = candidates
            .into_iter()
            .filter(|(view, _)| !refused.contains(view))
            .collect();
        out.sort_by_key(|(view, _)| view.0);
        out
    }

    /// The operands (read in the run, defined before it) and results (defined in it, read after it) of
    /// a run.
    fn run_io(&self, run: &[Stmt]) -> (Vec<VarId>, Vec<VarId>) {
        let plan = self.map_plan.as_ref().expect("map fusion is on");
        let mut defined = HashSet::new();
        let mut inner_uses: HashMap<VarId, u32> = HashMap::new();
        let mut operands = Vec::new();
        for s in run {
            visit::reads(s, &mut |v| {
                *inner_uses.entry(v).or_default() += 1;
                if !defined.contains(&v) && !operands.contains(&v) {
                    operands.push(v);
                }
            });
            if let Stmt::Instr(i) = s {
                defined.insert(i.dst);
            }
        }
        let results = run
            .iter()
            .filter_map(|s| match s {
                Stmt::Instr(i) => Some(i.dst),
                _ => None,
            })
            .filter(|d| plan.uses[d.0] > inner_uses.get(d).copied().unwrap_or(0))
            .collect();
        (operands, results)
    }

    /// `stmts[start..end]` in runs that fit one kernel each: each as long as it can be.
    fn split_run(&self, stmts: &[Stmt], start: usize, end: usize) -> Vec<std::ops::Range<usize>> {
        let fits = |r: std::ops::Range<usize>| {
            let (operands, results) = self.run_io(&stmts[r]);
            operands.len() <= MAX_OPERANDS && results.len() <= MAX_RESULTS
        };
        let mut out = Vec::new();
        let mut a = start;
        while a < end {
            // The longest run from `a` that fits (a run of one always does: it prints unfused).
            let mut b = end;
            while b > a + 1 && !fits(a..b) {
                b -= 1;
            }
            out.push(a..b);
            a = b;
        }
        out
    }

    /// One run as a map kernel, with the run unfused where the arrays' shapes differ.
    fn print_run(
        &mut self,
        run: &[Stmt],
        print: &mut impl FnMut(&mut Self, &Stmt) -> TokenStream,
    ) -> TokenStream {
        let body: TokenStream = run.iter().map(|s| print(self, s)).collect();
        // In the kernel, a sum or mean of a value of the run is that value, summed by the kernel.
        let ad = self.ad.clone();
        self.in_kernel_body = true;
        let kernel_body: TokenStream = run
            .iter()
            .map(|s| match (self.folded_reduction(s), self.filled(s), s) {
                (Some((v, mean)), _, Stmt::Instr(i)) if !self.fusable(s) => {
                    let (dst, v) = (self.name(i.dst).clone(), self.name(v).clone());
                    let wrap = if mean { quote!(Meaned) } else { quote!(Summed) };
                    quote!(let #dst = #ad::#wrap(#v);)
                }
                (_, Some(value), Stmt::Instr(i)) => {
                    let dst = self.name(i.dst).clone();
                    let value = self.operand(&value);
                    quote!(let #dst = #ad::dup(#value);)
                }
                _ => print(self, s),
            })
            .collect();
        self.in_kernel_body = false;
        let (operands, results) = self.run_io(run);
        if results.is_empty() {
            return TokenStream::new();
        }
        if operands.len() > MAX_OPERANDS || results.len() > MAX_RESULTS {
            return body;
        }
        let operands: Vec<Ident> = operands.iter().map(|v| self.name(*v).clone()).collect();
        let results: Vec<Ident> = results.iter().map(|v| self.name(*v).clone()).collect();
        quote! {
            let (#(#results,)*) = if let ::core::option::Option::Some(__map_shape) = #ad::map_shape(&(#(&#operands,)*)) {
                let (#(#results,)*) = #ad::map_kernel(&__map_shape, (#(&#operands,)*), |(#(#operands,)*)| {
                    #kernel_body
                    (#(#results,)*)
                });
                (#(#ad::from_kernel(#results),)*)
            } else {
                #body
                (#(#results,)*)
            };
        }
    }
}
