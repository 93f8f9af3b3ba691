//! Activity analysis: a value is active when it depends on a differentiated input (varied) and the
//! output depends on it (useful). Only active values get adjoints; only their rules are emitted.
//! Loops carry values around, so both properties are computed to a fixed point.

use crate::ir::{visit, Block, Op, Operand, Stmt, VarId};

/// Which variables are active, indexed by `VarId`.
#[derive(Clone)]
pub struct Activity {
    active: Vec<bool>,
}

impl Activity {
    /// Whether `v` is active.
    pub fn is_active(&self, v: VarId) -> bool {
        self.active[v.0]
    }

    /// The same activity over `n >= len` variables, the new ones inactive (a transform's new variables).
    pub fn extended(&self, n: usize) -> Activity {
        let mut active = self.active.clone();
        active.resize(n, false);
        Activity { active }
    }

    /// Whether an operand is an active variable.
    pub fn operand(&self, o: &Operand) -> bool {
        o.var().is_some_and(|v| self.is_active(v))
    }
}

fn flows(op: &Op) -> bool {
    match op {
        Op::Prim(p) => p.differentiable,
        Op::Mapv(_)
        | Op::Fused(_)
        | Op::Call(_)
        | Op::Join(_)
        | Op::Vjp { .. }
        | Op::JoinVjp { .. }
        | Op::Load
        | Op::Jvp { .. } => true,
    }
}

/// Calls `f(to, from)` for every edge along which a derivative can flow (`to` is computed from `from`).
/// A `mapv` closure's body is not entered: its instruction has edges from everything the body reads.
fn edges(block: &Block, f: &mut impl FnMut(VarId, VarId)) {
    visit::stmts(block, visit::Depth::Regions, &mut |stmt| match stmt {
        Stmt::Instr(i) if flows(&i.op) => {
            for v in i.args.iter().filter_map(Operand::var) {
                f(i.dst, v);
            }
        }
        Stmt::Init { storage, value }
        | Stmt::WriteBack { storage, value }
        | Stmt::SetElem { storage, value, .. } => {
            if let Some(v) = value.var() {
                f(*storage, v);
            }
        }
        Stmt::If(i) => {
            for j in &i.joins {
                for v in j.then_value.var().into_iter().chain(j.else_value.var()) {
                    f(j.var, v);
                }
            }
        }
        _ => {}
    });
}

/// Analyses `block` with `independents` differentiated and `ret` the output: two searches over the
/// edges, forwards from the independents (varied) and backwards from the output (useful), each linear in
/// the size of the body. Without independents nothing is varied, so nothing is active and the body is
/// not walked (a closure printed forward asks for that, once per closure and sweep).
pub fn analyse(num_vars: usize, block: &Block, ret: &Operand, independents: &[VarId]) -> Activity {
    analyse_outputs(num_vars, block, std::slice::from_ref(ret), independents)
}

/// [`analyse`] for several outputs: a value is active where it depends on an independent and reaches
/// any of `outputs`.
pub fn analyse_outputs(
    num_vars: usize,
    block: &Block,
    outputs: &[Operand],
    independents: &[VarId],
) -> Activity {
    if independents.is_empty() {
        return Activity {
            active: vec![false; num_vars],
        };
    }
    // The edges in one list, then adjacency in compressed rows (`start[v]..start[v + 1]` in `targets`):
    // a closure's body names a few of the function's variables, and this allocates nothing per
    // variable. The loops index slices: the macro runs unoptimized, where iterator adapters cost a
    // call per element.
    let mut list: Vec<(usize, usize)> = Vec::new();
    edges(block, &mut |to, from| list.push((from.0, to.0)));
    let forwards = Adjacency::new(num_vars, &list, false);
    let backwards = Adjacency::new(num_vars, &list, true);
    let mut active = forwards.reach(num_vars, independents.iter().map(|v| v.0));
    let useful = backwards.reach(
        num_vars,
        outputs.iter().filter_map(|o| o.var().map(|v| v.0)),
    );
    let (a, u) = (active.as_mut_slice(), useful.as_slice());
    let mut k = 0;
    while k < a.len() {
        a[k] &= u[k];
        k += 1;
    }
    Activity { active }
}

/// The edges out of each variable, in compressed rows.
struct Adjacency {
    /// Where each variable's targets start in `targets` (one more entry than there are variables).
    start: Vec<usize>,
    targets: Vec<usize>,
}

impl Adjacency {
    /// The rows of `edges` (`(from, to)` pairs), or of the edges reversed.
    fn new(num_vars: usize, edges: &[(usize, usize)], reversed: bool) -> Adjacency {
        let end = |e: (usize, usize)| if reversed { (e.1, e.0) } else { e };
        let mut start = vec![0usize; num_vars + 1];
        let s = start.as_mut_slice();
        let mut k = 0;
        while k < edges.len() {
            s[end(edges[k]).0 + 1] += 1;
            k += 1;
        }
        let mut k = 1;
        while k < s.len() {
            s[k] += s[k - 1];
            k += 1;
        }
        let mut fill = start.clone();
        let mut targets = vec![0usize; start[num_vars]];
        let (f, t) = (fill.as_mut_slice(), targets.as_mut_slice());
        let mut k = 0;
        while k < edges.len() {
            let (from, to) = end(edges[k]);
            t[f[from]] = to;
            f[from] += 1;
            k += 1;
        }
        Adjacency { start, targets }
    }

    /// Which variables are reachable from `starts` (themselves included).
    fn reach(&self, num_vars: usize, starts: impl Iterator<Item = usize>) -> Vec<bool> {
        let mut seen = vec![false; num_vars];
        let mut stack: Vec<usize> = Vec::new();
        for v in starts {
            if !seen[v] {
                seen[v] = true;
                stack.push(v);
            }
        }
        let (start, targets) = (self.start.as_slice(), self.targets.as_slice());
        while let Some(v) = stack.pop() {
            let mut k = start[v];
            while k < start[v + 1] {
                let w = targets[k];
                if !seen[w] {
                    seen[w] = true;
                    stack.push(w);
                }
                k += 1;
            }
        }
        seen
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::Function;
    use crate::test_support::lowered;
    use quote::quote;

    fn var(f: &Function, name: &str) -> VarId {
        VarId(
            f.vars
                .iter()
                .position(|v| v.name == name)
                .unwrap_or_else(|| panic!("no variable {name}")),
        )
    }

    fn active_names(f: &Function, independents: &[&str]) -> Vec<String> {
        let independents: Vec<VarId> = independents.iter().map(|n| var(f, n)).collect();
        let a = analyse(f.vars.len(), &f.body, &f.ret, &independents);
        let mut names: Vec<String> = (0..f.vars.len())
            .filter(|k| a.is_active(VarId(*k)))
            .map(|k| f.vars[k].name.to_string())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_value_is_active_when_varied_and_useful() {
        let f = lowered(
            quote!(argnums = (0, 1)),
            quote!(
                fn f(x: f64, y: f64) -> f64 {
                    let a = x * 2.0;
                    let b = y * 3.0;
                    let unused = x.sin();
                    a + b
                }
            ),
        );
        // With respect to x: b does not depend on x; `unused` does not reach the output.
        let names = active_names(&f, &["x"]);
        assert!(names.contains(&"a".to_string()) && names.contains(&"x".to_string()));
        assert!(!names.contains(&"b".to_string()) && !names.contains(&"unused".to_string()));
        assert!(!names.contains(&"y".to_string()));
        // With respect to y: the other way round.
        let names = active_names(&f, &["y"]);
        assert!(names.contains(&"b".to_string()) && !names.contains(&"a".to_string()));
    }

    #[test]
    fn a_loop_carries_activity_around() {
        let f = lowered(
            quote!(),
            quote!(
                fn f(x: f64) -> f64 {
                    let mut s = 1.0;
                    for _ in 0..3 {
                        s = s * x;
                    }
                    s
                }
            ),
        );
        let names = active_names(&f, &["x"]);
        // The storage, the body's copy of it, its new value and the copy after the loop.
        for n in ["s_carried", "s_1", "s_2", "s_3"] {
            assert!(names.contains(&n.to_string()), "{n} in {names:?}");
        }
    }

    #[test]
    fn a_constant_mapv_receiver_with_a_captured_value_is_active() {
        let f = lowered(
            quote!(),
            quote!(
                fn f(s: f64) -> f64 {
                    Array1::from_elem(3, 0.5).mapv(|v| v * s).sum()
                }
            ),
        );
        let a = analyse(f.vars.len(), &f.body, &f.ret, &[var(&f, "s")]);
        assert!(f.ret.var().is_some_and(|r| a.is_active(r)));
    }
}
