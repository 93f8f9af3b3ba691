//! The seeded random program generator: weighted choices over the macro's supported subset.
//!
//! Besides random statements, it writes *patterns* aimed at the state that the reverse sweep reads when
//! it reruns a region (a branch arm, a loop body, a `mapv` closure): local arrays written by element
//! (`Array1::zeros(n)`, `x.to_owned()`, `vec![0.0; n]`, `[0.0; n]`) inside branches and loops and read in
//! the same region, in later regions and in closures, with writes before and after the reads; integer
//! counters and `let mut` constants changed in regions and read later (as indices, in short-circuit
//! guards `c < n && y[c] > t`); loops over constant collections (`for k in ks`, `for &k in ks.iter()`).

use crate::ast::*;
use crate::rng::Rng;

/// How a local array is stored.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Store {
    /// an `Array1` (readable whole)
    Nd,
    /// a `Vec` (read by element only)
    Vec,
    /// a fixed array `[f; n]` (read by element only)
    Fixed,
}

#[derive(Clone, Debug)]
struct Var {
    name: String,
    ty: Ty,
    mutable: bool,
    /// an array parameter (a reference)
    is_ref: bool,
    /// an array whose elements may be written (`Array1::zeros`, `x.to_owned()`, `vec!`, `[0.0; n]`)
    elem_ok: bool,
    /// `for v in x.iter()`: read as `*v`
    deref: bool,
    /// how an array is stored
    store: Store,
    /// a `let mut` float that is only ever assigned constants
    konst: bool,
    /// a parameter (not shadowed)
    param: bool,
}

fn var(name: &str, ty: Ty) -> Var {
    Var {
        name: name.to_string(),
        ty,
        mutable: false,
        is_ref: false,
        elem_ok: false,
        deref: false,
        store: Store::Nd,
        konst: false,
        param: false,
    }
}

#[derive(Clone, Debug)]
struct Counter {
    name: String,
    /// always `< n` (usable as an index)
    index_ok: bool,
    /// declared with `let mut c = 0usize;` (assignable)
    mutable: bool,
}

#[derive(Clone, Debug)]
struct Ks {
    name: String,
    /// a `Vec` (moved by `for k in ks`), else a fixed array (copied)
    vec: bool,
    /// the loop depth of its declaration
    depth: usize,
}

#[derive(Clone, Debug)]
struct LoopCtx {
    /// arrays whose elements this loop may write (never read whole inside it)
    writable: Vec<String>,
    /// the array a `for v in y.iter()` iterates over: borrowed, so never assigned inside
    frozen: Option<String>,
}

/// Generator state for one program.
pub struct Gen {
    rng: Rng,
    n: usize,
    scalar_only: bool,
    scopes: Vec<Vec<Var>>,
    /// counters and constant collections in scope at each pushed scope
    marks: Vec<(usize, usize)>,
    counters: Vec<Counter>,
    kss: Vec<Ks>,
    /// `Vec` collections moved by a `for k in ks`
    consumed: Vec<String>,
    loops: Vec<LoopCtx>,
    next_id: usize,
    budget: isize,
    /// inside a `mapv` closure: only scalar leaves
    in_closure: bool,
    /// statements a pattern emits after the one it returns
    pending: Vec<Stmt>,
    /// parameters that `f_grad` does not differentiate (outside `argnums`)
    nondiff: Vec<String>,
}

/// The name of program `index` of `seed`.
pub fn program_name(seed: u64, index: u64) -> String {
    format!("p{seed}_{index}")
}

/// Generates program `index` of `seed`.
pub fn generate(seed: u64, index: u64) -> Program {
    let mut rng = Rng::for_program(seed, index);
    let fl = if rng.chance(0.2) { Fl::F32 } else { Fl::F64 };
    let scalar_only = rng.chance(0.35);
    let n = rng.range(3, 6);
    let mut g = Gen {
        rng,
        n,
        scalar_only,
        scopes: vec![vec![]],
        marks: vec![],
        counters: vec![],
        kss: vec![],
        consumed: vec![],
        loops: vec![],
        next_id: 0,
        budget: 0,
        in_closure: false,
        pending: vec![],
        nondiff: vec![],
    };
    let nparams = g.rng.range(1, 3);
    let mut params = Vec::new();
    for k in 0..nparams {
        let ty = if scalar_only {
            Ty::S
        } else if k == nparams - 1 && params.iter().all(|p: &Param| p.ty == Ty::S) {
            Ty::A
        } else if k == 0 && g.rng.chance(0.5) {
            Ty::S
        } else if g.rng.chance(0.55) {
            Ty::A
        } else {
            Ty::S
        };
        let name = match ty {
            Ty::S => format!("x{k}"),
            Ty::A => format!("xs{k}"),
        };
        let count = if ty == Ty::S { 1 } else { n };
        let value = (0..count)
            .map(|_| ((g.rng.unit() * 3.0 - 1.5) * 1000.0).round() / 1000.0)
            .collect();
        let mut v = var(&name, ty);
        v.is_ref = ty == Ty::A;
        v.param = true;
        g.scopes[0].push(v);
        params.push(Param { name, ty, value });
    }
    let argnums = if nparams > 1 && g.rng.chance(0.6) {
        let mut a: Vec<usize> = (0..nparams).collect();
        if g.rng.chance(0.3) {
            a.reverse();
        }
        if a.len() == 3 && g.rng.chance(0.4) {
            a.remove(g.rng.below(3));
        }
        if a.len() == 1 {
            a.clear();
        }
        a
    } else {
        vec![]
    };
    let selected: Vec<usize> = if argnums.is_empty() {
        vec![0]
    } else {
        argnums.clone()
    };
    g.nondiff = (0..nparams)
        .filter(|k| !selected.contains(k))
        .map(|k| params[k].name.clone())
        .collect();
    g.budget = g.rng.range(5, 20) as isize;
    let mut stmts = Vec::new();
    while g.budget > 0 {
        g.stmt_into(0, &mut stmts);
    }
    let ret = g.final_expr();
    let tail = if g.rng.chance(0.1) {
        Tail::Return(ret)
    } else {
        Tail::Value(ret)
    };
    Program {
        name: program_name(seed, index),
        seed,
        index,
        fl,
        n,
        scalar_only,
        params,
        hessian: fl == Fl::F64,
        argnums,
        body: Block { stmts, tail },
    }
}

impl Gen {
    fn fresh(&mut self, prefix: &str) -> String {
        self.next_id += 1;
        format!("{prefix}{}", self.next_id)
    }

    fn pick<T: Clone>(&mut self, xs: &[T]) -> T {
        xs[self.rng.below(xs.len())].clone()
    }

    fn push_scope(&mut self, vars: Vec<Var>) {
        self.scopes.push(vars);
        self.marks.push((self.counters.len(), self.kss.len()));
    }

    fn pop_scope(&mut self) {
        self.scopes.pop();
        let (c, k) = self.marks.pop().unwrap();
        self.counters.truncate(c);
        self.kss.truncate(k);
    }

    fn vars(&self) -> impl Iterator<Item = &Var> {
        // innermost shadowing wins: walk scopes from the inside out, skipping names already seen
        let mut seen: Vec<&str> = Vec::new();
        let mut out = Vec::new();
        for scope in self.scopes.iter().rev() {
            for v in scope.iter().rev() {
                if !seen.contains(&v.name.as_str()) {
                    seen.push(&v.name);
                    out.push(v);
                }
            }
        }
        out.into_iter()
    }

    fn lookup(&self, name: &str) -> Option<Var> {
        self.vars().find(|v| v.name == name).cloned()
    }

    fn forbidden_whole(&self, name: &str) -> bool {
        self.loops
            .iter()
            .any(|l| l.writable.iter().any(|w| w == name))
    }

    fn scalar_vars(&self) -> Vec<Var> {
        self.vars().filter(|v| v.ty == Ty::S).cloned().collect()
    }

    fn array_vars_whole(&self) -> Vec<Var> {
        self.vars()
            .filter(|v| v.ty == Ty::A && v.store == Store::Nd && !self.forbidden_whole(&v.name))
            .cloned()
            .collect()
    }

    fn array_vars_any(&self) -> Vec<Var> {
        self.vars().filter(|v| v.ty == Ty::A).cloned().collect()
    }

    /// Local arrays written by element (the state a rerun region reads).
    fn local_arrays(&self) -> Vec<Var> {
        self.vars()
            .filter(|v| v.ty == Ty::A && v.elem_ok)
            .cloned()
            .collect()
    }

    /// Scalars that may be assigned a value (not the `let mut` constants).
    fn value_targets(&self) -> Vec<Var> {
        self.vars()
            .filter(|v| v.ty == Ty::S && v.mutable && !v.konst && !v.deref)
            .cloned()
            .collect()
    }

    fn declare(&mut self, v: Var) {
        if v.ty == Ty::A && v.elem_ok && v.mutable {
            // an array declared inside a loop is written by element there: never read whole in it
            if let Some(l) = self.loops.last_mut() {
                l.writable.push(v.name.clone());
            }
        }
        self.scopes.last_mut().unwrap().push(v);
    }

    fn lit(&mut self) -> Expr {
        Expr::Lit(self.rng.lit(-2.0, 2.0))
    }

    fn idx(&mut self) -> Idx {
        let ok: Vec<Counter> = self
            .counters
            .iter()
            .filter(|c| c.index_ok)
            .cloned()
            .collect();
        let free: Vec<Counter> = self
            .counters
            .iter()
            .filter(|c| !c.index_ok)
            .cloned()
            .collect();
        let w = [
            3,
            if ok.is_empty() { 0 } else { 8 },
            if free.is_empty() { 0 } else { 2 },
        ];
        match self.rng.weighted(&w) {
            0 => Idx::Const(self.rng.below(self.n)),
            1 => {
                let c = self.pick(&ok).name;
                match self.rng.weighted(&[6, 2, 2]) {
                    0 => Idx::Var(c),
                    1 => Idx::Rev(c),
                    _ => Idx::Next(c),
                }
            }
            _ => Idx::Mod(self.pick(&free).name),
        }
    }

    fn var_expr(v: &Var) -> Expr {
        if v.deref {
            Expr::Deref(v.name.clone())
        } else {
            Expr::Var(v.name.clone(), v.ty, v.is_ref)
        }
    }

    /// An element read, preferring local arrays written by element.
    fn elem_read(&mut self) -> Option<Expr> {
        let locals = self.local_arrays();
        let any = self.array_vars_any();
        let a = if !locals.is_empty() && (any.len() == locals.len() || self.rng.chance(0.7)) {
            self.pick(&locals)
        } else if !any.is_empty() {
            self.pick(&any)
        } else {
            return None;
        };
        Some(Expr::Index(a.name, self.idx()))
    }

    /// A read of a parameter that `f_grad` does not differentiate, if there is one (and it is not shadowed).
    fn nondiff_leaf(&mut self) -> Option<Expr> {
        let ps: Vec<Var> = self
            .vars()
            .filter(|v| v.param && self.nondiff.contains(&v.name))
            .cloned()
            .collect();
        if ps.is_empty() {
            return None;
        }
        let p = self.pick(&ps);
        Some(match p.ty {
            Ty::S => Self::var_expr(&p),
            Ty::A => Expr::Index(p.name, Idx::Const(self.rng.below(self.n))),
        })
    }

    /// A value that depends only on parameters `f_grad` does not differentiate (else a literal).
    fn nondiff_expr(&mut self) -> Expr {
        let Some(a) = self.nondiff_leaf() else {
            return self.lit();
        };
        match self.rng.weighted(&[2, 2, 1]) {
            0 => Expr::Bin(BOp::Mul, Box::new(a), Box::new(self.lit())),
            1 => Expr::Bin(
                BOp::Add,
                Box::new(Expr::F1(F1::Sin, Box::new(a))),
                Box::new(self.lit()),
            ),
            _ => a,
        }
    }

    /// A value that does not depend on any parameter: literals, counters, `let mut` constants.
    fn const_expr(&mut self) -> Expr {
        let ks: Vec<Var> = self
            .vars()
            .filter(|v| v.konst && v.ty == Ty::S)
            .cloned()
            .collect();
        let cs = self.counters.len();
        let w = [
            3,
            if cs > 0 { 2 } else { 0 },
            if ks.is_empty() { 0 } else { 3 },
        ];
        match self.rng.weighted(&w) {
            0 => self.lit(),
            1 => {
                let c = self.pick(&self.counters.clone()).name;
                Expr::Bin(BOp::Mul, Box::new(Expr::Count(c)), Box::new(self.lit()))
            }
            _ => {
                let k = self.pick(&ks);
                let op = if self.rng.chance(0.5) {
                    BOp::Add
                } else {
                    BOp::Mul
                };
                Expr::Bin(op, Box::new(Self::var_expr(&k)), Box::new(self.lit()))
            }
        }
    }

    /// A scalar leaf.
    fn s_leaf(&mut self) -> Expr {
        let svars = self.scalar_vars();
        let avars = self.array_vars_any();
        let locals = !self.local_arrays().is_empty();
        let counters = self.counters.len();
        let w = [
            3,
            if svars.is_empty() { 0 } else { 10 },
            if avars.is_empty() {
                0
            } else if locals {
                8
            } else {
                5
            },
            if counters == 0 { 0 } else { 2 },
            if self.array_vars_whole().iter().any(|v| v.is_ref) && !self.in_closure {
                1
            } else {
                0
            },
            if self.nondiff.is_empty() { 0 } else { 1 },
        ];
        match self.rng.weighted(&w) {
            0 => self.lit(),
            1 => {
                // prefer recent variables
                let k = svars.len();
                let i = if self.rng.chance(0.6) {
                    k - 1 - self.rng.below(k.min(3))
                } else {
                    self.rng.below(k)
                };
                Self::var_expr(&svars[i])
            }
            2 => self.elem_read().unwrap(),
            3 => {
                let c = self.counters[self.rng.below(counters)].name.clone();
                Expr::Count(c)
            }
            4 => {
                let ps: Vec<Var> = self
                    .array_vars_whole()
                    .into_iter()
                    .filter(|v| v.is_ref)
                    .collect();
                let a = ps[self.rng.below(ps.len())].name.clone();
                let lo = self.rng.below(self.n - 1);
                let hi = self.rng.range(lo + 1, self.n);
                let step = if self.rng.chance(0.3) { 2 } else { 1 };
                Expr::SliceSum(a, lo, hi, step)
            }
            _ => self.nondiff_leaf().unwrap_or(Expr::Lit(0.5)),
        }
    }

    /// A scalar expression.
    fn s_expr(&mut self, depth: usize) -> Expr {
        if depth == 0 || self.rng.chance(0.25) {
            return self.s_leaf();
        }
        let arrays = !self.scalar_only && !self.in_closure && !self.array_vars_whole().is_empty();
        let allow_calls = !self.in_closure;
        let w = [
            12,                              // binary
            6,                               // f1
            2,                               // f2
            if allow_calls { 1 } else { 0 }, // nn
            if arrays { 4 } else { 0 },      // sum/mean
            if arrays { 2 } else { 0 },      // dot
            if allow_calls { 1 } else { 0 }, // helper_sq
            if allow_calls { 1 } else { 0 }, // helper_mix
            1,                               // neg
        ];
        let d = depth - 1;
        match self.rng.weighted(&w) {
            0 => {
                let op = [BOp::Add, BOp::Sub, BOp::Mul, BOp::Div][self.rng.weighted(&[4, 3, 4, 1])];
                let a = self.s_expr(d);
                let b = self.s_expr(d);
                let b = if op == BOp::Div {
                    Expr::F1(F1::Sq1, Box::new(b))
                } else {
                    b
                };
                Expr::Bin(op, Box::new(a), Box::new(b))
            }
            1 => {
                let f = match self.rng.weighted(&[3, 2, 3, 1, 1, 2, 1, 2, 1, 1]) {
                    0 => F1::Sin,
                    1 => F1::Cos,
                    2 => F1::Tanh,
                    3 => F1::Atan,
                    4 => F1::Exp,
                    5 => F1::LnSq1,
                    6 => F1::SqrtSq,
                    7 => F1::Powi(self.rng.range(2, 3) as i32),
                    8 => F1::PowfSq1([0.5, 1.5, 0.3][self.rng.below(3)]),
                    _ => F1::Abs,
                };
                // keep exp's argument small
                let a = if f == F1::Exp {
                    Expr::F1(F1::Tanh, Box::new(self.s_expr(d)))
                } else {
                    self.s_expr(d)
                };
                Expr::F1(f, Box::new(a))
            }
            2 => {
                let f = if self.rng.chance(0.5) {
                    F2::Max
                } else {
                    F2::Min
                };
                Expr::F2(f, Box::new(self.s_expr(d)), Box::new(self.s_expr(d)))
            }
            3 => {
                let f = if self.rng.chance(0.5) {
                    NnF::Sigmoid
                } else {
                    NnF::Softplus
                };
                Expr::Nn(f, Box::new(self.s_expr(d)))
            }
            4 => {
                let a = self.a_expr(d);
                if self.rng.chance(0.8) {
                    Expr::Sum(Box::new(a))
                } else {
                    Expr::Mean(Box::new(a))
                }
            }
            5 => {
                let a = self.a_expr(d);
                let b = self.a_expr(d);
                Expr::Dot(Box::new(a), Box::new(b))
            }
            6 => Expr::HelperSq(Box::new(self.s_expr(d))),
            7 => Expr::HelperMix(Box::new(self.s_expr(d)), Box::new(self.s_expr(d))),
            _ => Expr::Neg(Box::new(self.s_expr(d))),
        }
    }

    /// An array expression (only where whole arrays may be read).
    fn a_expr(&mut self, depth: usize) -> Expr {
        let avars = self.array_vars_whole();
        if depth == 0 || self.rng.chance(0.25) {
            if avars.is_empty() {
                let s = self.s_expr(0);
                return Expr::FromElem(Box::new(s));
            }
            let v = avars[self.rng.below(avars.len())].clone();
            return Self::var_expr(&v);
        }
        let d = depth - 1;
        match self.rng.weighted(&[8, 6, 4, 4, 1, 1, 1, 1]) {
            0 => {
                let op = [BOp::Add, BOp::Sub, BOp::Mul, BOp::Div][self.rng.weighted(&[4, 3, 4, 1])];
                let a = self.a_expr(d);
                let b = self.a_expr(d);
                let b = if op == BOp::Div {
                    Expr::AF(AF::Sq1, Box::new(b))
                } else {
                    b
                };
                Expr::Bin(op, Box::new(a), Box::new(b))
            }
            1 => {
                // array-scalar broadcasting, either side
                let op = [BOp::Add, BOp::Sub, BOp::Mul, BOp::Div][self.rng.weighted(&[3, 2, 4, 1])];
                let a = self.a_expr(d);
                let s = self.s_expr(d.min(1));
                if op == BOp::Div {
                    Expr::Bin(op, Box::new(a), Box::new(Expr::F1(F1::Sq1, Box::new(s))))
                } else if self.rng.chance(0.5) {
                    Expr::Bin(op, Box::new(a), Box::new(s))
                } else {
                    Expr::Bin(op, Box::new(s), Box::new(a))
                }
            }
            2 => {
                let f = match self.rng.weighted(&[1, 3, 2, 2, 1]) {
                    0 => AF::Exp,
                    1 => AF::Tanh,
                    2 => AF::Sin,
                    3 => AF::Powi2,
                    _ => AF::MapvTanh,
                };
                let a = self.a_expr(d);
                let a = if f == AF::Exp {
                    Expr::AF(AF::Tanh, Box::new(a))
                } else {
                    a
                };
                Expr::AF(f, Box::new(a))
            }
            3 => {
                // sometimes over an array that does not depend on the inputs
                let a = if self.rng.chance(0.25) {
                    Expr::FromElem(Box::new(self.lit()))
                } else {
                    self.a_expr(d)
                };
                let v = self.fresh("v");
                let was = self.in_closure;
                self.in_closure = true;
                self.push_scope(vec![var(&v, Ty::S)]);
                // often a closure that reads an element of a local array (`w.mapv(|v| v * y[1])`)
                let body = match self.elem_read() {
                    Some(r) if self.rng.chance(0.4) => {
                        let op = if self.rng.chance(0.6) {
                            BOp::Mul
                        } else {
                            BOp::Add
                        };
                        Expr::Bin(
                            op,
                            Box::new(Expr::Var(v.clone(), Ty::S, false)),
                            Box::new(r),
                        )
                    }
                    _ => self.s_expr(2),
                };
                self.pop_scope();
                self.in_closure = was;
                Expr::Mapv(Box::new(a), v, Box::new(body))
            }
            4 => {
                let f = if self.rng.chance(0.5) {
                    NnF::Sigmoid
                } else {
                    NnF::Softplus
                };
                Expr::Nn(f, Box::new(self.a_expr(d)))
            }
            5 => Expr::HelperArr(Box::new(self.a_expr(d)), Box::new(self.s_expr(d.min(1)))),
            6 => Expr::FromElem(Box::new(self.s_expr(d))),
            _ => Expr::Neg(Box::new(self.a_expr(d))),
        }
    }

    fn cond(&mut self) -> Cond {
        self.cond_d(1)
    }

    fn cond_d(&mut self, depth: usize) -> Cond {
        let cs = self.counters.len();
        let arrs = self.array_vars_any();
        let w = [
            8,
            if cs > 0 { 2 } else { 0 },
            if cs > 0 { 1 } else { 0 },
            if cs > 0 && !arrs.is_empty() { 3 } else { 0 },
            if depth > 0 { 2 } else { 0 },
        ];
        match self.rng.weighted(&w) {
            0 => {
                let op = if self.rng.chance(0.5) {
                    COp::Lt
                } else {
                    COp::Gt
                };
                let a = self.s_expr(2);
                let b = if self.rng.chance(0.5) {
                    self.lit()
                } else {
                    self.s_expr(1)
                };
                Cond::Cmp(op, a, b)
            }
            1 => Cond::Even(self.counters[self.rng.below(cs)].name.clone()),
            2 => {
                let k = self.rng.range(1, self.n);
                Cond::CountLt(self.counters[self.rng.below(cs)].name.clone(), k)
            }
            3 => {
                // `c < n && y[c] > t`: prefer counters that may pass `n`, and local arrays
                let free: Vec<Counter> = self
                    .counters
                    .iter()
                    .filter(|c| !c.index_ok)
                    .cloned()
                    .collect();
                let c = if !free.is_empty() && self.rng.chance(0.75) {
                    self.pick(&free)
                } else {
                    self.pick(&self.counters.clone())
                };
                let locals = self.local_arrays();
                let a = if !locals.is_empty() && self.rng.chance(0.7) {
                    self.pick(&locals)
                } else {
                    self.pick(&arrs)
                };
                Cond::Guard {
                    counter: c.name,
                    arr: a.name,
                    lit: self.rng.lit(-1.0, 1.0),
                    or: self.rng.chance(0.35),
                }
            }
            _ => {
                let a = self.cond_d(depth - 1);
                let b = self.cond_d(depth - 1);
                if self.rng.chance(0.6) {
                    Cond::And(Box::new(a), Box::new(b))
                } else {
                    Cond::Or(Box::new(a), Box::new(b))
                }
            }
        }
    }

    fn if_expr(&mut self, ty: Ty, depth: usize) -> Expr {
        let narms = self.rng.weighted(&[5, 4, 1]) + 1;
        let mut arms = Vec::new();
        let mut any_value = false;
        for _ in 0..narms {
            let c = self.cond();
            let b = self.value_block(ty, depth, true);
            any_value |= matches!(b.tail, Tail::Value(_));
            arms.push((c, b));
        }
        let els = self.value_block(ty, depth, any_value);
        Expr::If(ty, arms, Box::new(els))
    }

    /// A block with a value, a few statements first; it may `return` instead when `may_return`.
    fn value_block(&mut self, ty: Ty, depth: usize, may_return: bool) -> Block {
        self.push_scope(vec![]);
        let mut stmts = Vec::new();
        if self.rng.chance(0.3) {
            stmts.push(self.simple_stmt());
        }
        let tail = if may_return && self.rng.chance(0.25) {
            Tail::Return(self.s_expr(depth))
        } else {
            let e = if ty == Ty::S {
                self.s_expr(depth)
            } else {
                self.a_expr(depth)
            };
            Tail::Value(e)
        };
        self.pop_scope();
        Block { stmts, tail }
    }

    /// Generates one statement into `out`, with whatever a pattern emits after it.
    fn stmt_into(&mut self, nest: usize, out: &mut Vec<Stmt>) {
        let s = self.stmt(nest);
        out.push(s);
        out.append(&mut self.pending);
    }

    /// One statement (and its pending followers) with a budget of `b`, outside the caller's budget.
    fn sub_stmts(&mut self, nest: usize, b: isize, out: &mut Vec<Stmt>) {
        let saved = self.budget;
        self.budget = b;
        self.stmt_into(nest, out);
        self.budget = saved;
    }

    /// How a block ends.
    fn block_tail(&mut self, nest: usize, in_loop: bool) -> Tail {
        let w = [
            20,
            if nest > 0 || !self.loops.is_empty() {
                3
            } else {
                0
            },
            if in_loop { 2 } else { 0 },
            if in_loop { 2 } else { 0 },
        ];
        match self.rng.weighted(&w) {
            0 => Tail::None,
            1 => Tail::Return(self.s_expr(2)),
            2 => Tail::Break,
            _ => Tail::Continue,
        }
    }

    /// A block of statements with about `budget` statements.
    fn stmt_block(&mut self, budget: isize, nest: usize, in_loop: bool) -> Block {
        self.push_scope(vec![]);
        let saved = self.budget;
        self.budget = budget.min(saved).max(1);
        let used_before = self.budget;
        let mut stmts = Vec::new();
        while self.budget > 0 {
            self.stmt_into(nest, &mut stmts);
        }
        let used = used_before - self.budget;
        self.budget = saved - used;
        let tail = self.block_tail(nest, in_loop);
        self.pop_scope();
        Block { stmts, tail }
    }

    fn final_expr(&mut self) -> Expr {
        // combine a few recent scalars and arrays so that the body matters
        let svars = self.scalar_vars();
        let mut e = self.s_expr(2);
        let take = svars.len().min(3);
        for v in svars.iter().rev().take(take) {
            let op = if self.rng.chance(0.6) {
                BOp::Add
            } else {
                BOp::Mul
            };
            e = Expr::Bin(op, Box::new(e), Box::new(Self::var_expr(v)));
        }
        // the elements of the arrays written by element
        let locals = self.local_arrays();
        for v in locals.iter().take(2) {
            if v.store != Store::Nd || self.rng.chance(0.5) {
                let i = self.idx();
                e = Expr::Bin(
                    BOp::Add,
                    Box::new(e),
                    Box::new(Expr::Index(v.name.clone(), i)),
                );
            }
        }
        if !self.scalar_only {
            let locals: Vec<Var> = self
                .array_vars_whole()
                .into_iter()
                .filter(|v| !v.is_ref)
                .collect();
            if let Some(v) = locals.last() {
                e = Expr::Bin(
                    BOp::Add,
                    Box::new(e),
                    Box::new(Expr::Sum(Box::new(Self::var_expr(v)))),
                );
            }
        }
        e
    }

    fn loop_ctx(&mut self) -> LoopCtx {
        // the arrays this loop may write element by element: a subset of the enclosing context's
        let candidates = self.elem_writable();
        let writable = candidates
            .into_iter()
            .filter(|_| self.rng.chance(0.75))
            .collect();
        LoopCtx {
            writable,
            frozen: None,
        }
    }

    fn elem_writable(&self) -> Vec<String> {
        match self.loops.last() {
            Some(l) => l
                .writable
                .iter()
                .filter(|w| {
                    // still an element-writable array under that name
                    self.vars()
                        .find(|v| v.name == **w)
                        .is_some_and(|v| v.ty == Ty::A && v.elem_ok && v.mutable)
                })
                .cloned()
                .collect(),
            None => self
                .vars()
                .filter(|v| v.ty == Ty::A && v.elem_ok && v.mutable)
                .map(|v| v.name.clone())
                .collect(),
        }
    }

    /// A `let` or an assignment of a scalar (inside the arms of an `if` expression).
    fn simple_stmt(&mut self) -> Stmt {
        let assignable = self.value_targets();
        if !assignable.is_empty() && self.rng.chance(0.4) {
            let v = assignable[self.rng.below(assignable.len())].clone();
            let mut op = [AOp::Set, AOp::Add][self.rng.below(2)];
            let value = self.s_expr(2);
            if matches!(&value, Expr::Var(n, _, _) if *n == v.name) {
                op = AOp::Add;
            }
            return Stmt::Assign {
                name: v.name,
                op,
                value,
            };
        }
        let name = self.fresh("a");
        let init = self.s_expr(2);
        self.declare(var(&name, Ty::S));
        Stmt::Let {
            name,
            mutable: false,
            ty: Ty::S,
            annot: false,
            init,
        }
    }

    /// `let [mut] y = <local array>;`: an array written by element (or, for `Nd`, maybe any value).
    fn let_array(&mut self, elem_only: bool) -> Stmt {
        let params: Vec<Var> = self
            .array_vars_whole()
            .into_iter()
            .filter(|v| v.is_ref)
            .collect();
        let nd = !self.scalar_only;
        let w = [
            if nd { 3 } else { 0 },
            if nd && !params.is_empty() { 3 } else { 0 },
            if nd && !elem_only { 4 } else { 0 },
            2,
            2,
        ];
        let (init, elem_ok, annot, store) = match self.rng.weighted(&w) {
            0 => (Expr::Zeros, true, true, Store::Nd),
            1 => {
                let p = self.pick(&params).name;
                (Expr::ToOwned(p, true), true, false, Store::Nd)
            }
            2 => (self.a_expr(3), false, self.rng.chance(0.2), Store::Nd),
            3 => (Expr::VecZeros, true, false, Store::Vec),
            _ => (Expr::FixedZeros, true, false, Store::Fixed),
        };
        let name = self.fresh("y");
        let mutable = elem_ok || self.rng.chance(0.4);
        let mut v = var(&name, Ty::A);
        v.mutable = mutable;
        v.elem_ok = elem_ok;
        v.store = store;
        self.declare(v);
        Stmt::Let {
            name,
            mutable,
            ty: Ty::A,
            annot,
            init,
        }
    }

    /// `let mut a = <lit>;`, a scalar the pattern's reads accumulate into.
    fn let_target(&mut self) -> Stmt {
        let name = self.fresh("a");
        let mut v = var(&name, Ty::S);
        v.mutable = true;
        let init = if self.rng.chance(0.5) {
            self.lit()
        } else {
            self.s_expr(1)
        };
        self.declare(v);
        Stmt::Let {
            name,
            mutable: true,
            ty: Ty::S,
            annot: false,
            init,
        }
    }

    /// An element write `y[i] op e` (the value sometimes a constant or a non-differentiated value).
    fn elem_write(&mut self, name: String) -> Stmt {
        let op = [AOp::Set, AOp::Add, AOp::Sub, AOp::Mul][self.rng.weighted(&[5, 4, 1, 1])];
        let value = if op == AOp::Mul {
            Expr::F1(F1::Tanh, Box::new(self.s_expr(2)))
        } else {
            match self.rng.weighted(&[14, 2, 2]) {
                0 => self.s_expr(3),
                1 => self.const_expr(),
                _ => self.nondiff_expr(),
            }
        };
        let idx = self.idx();
        // `y[i] += y[j]` borrows `y` twice: write it `y[i] = y[i] + y[j]`
        if op != AOp::Set && value.mentions(&name) {
            let bop = match op {
                AOp::Add => BOp::Add,
                AOp::Sub => BOp::Sub,
                _ => BOp::Mul,
            };
            let value = Expr::Bin(
                bop,
                Box::new(Expr::Index(name.clone(), idx.clone())),
                Box::new(value),
            );
            return Stmt::ElemAssign {
                name,
                idx,
                op: AOp::Set,
                value,
            };
        }
        Stmt::ElemAssign {
            name,
            idx,
            op,
            value,
        }
    }

    /// An expression that reads an element of `y` (when `y` is an array in scope).
    fn read_of(&mut self, y: &str) -> Expr {
        let r = match self.lookup(y) {
            Some(v) if v.ty == Ty::A => Expr::Index(y.to_string(), self.idx()),
            _ => return self.s_expr(2),
        };
        let whole = if self.scalar_only {
            vec![]
        } else {
            self.array_vars_whole()
        };
        let w = [4, 4, 2, if whole.is_empty() { 0 } else { 3 }];
        match self.rng.weighted(&w) {
            0 => {
                // `(y[0] + 1.0) * x`
                let a = Expr::Bin(BOp::Add, Box::new(r), Box::new(self.lit()));
                Expr::Bin(BOp::Mul, Box::new(a), Box::new(self.s_leaf()))
            }
            1 => {
                let op = [BOp::Add, BOp::Sub, BOp::Mul][self.rng.weighted(&[3, 1, 3])];
                Expr::Bin(op, Box::new(r), Box::new(self.s_expr(1)))
            }
            2 => Expr::F1(F1::Tanh, Box::new(r)),
            _ => {
                // `w.mapv(|v| v * y[1]).sum()`
                let a = self.pick(&whole);
                let v = self.fresh("v");
                let body = Expr::Bin(
                    BOp::Mul,
                    Box::new(Expr::Var(v.clone(), Ty::S, false)),
                    Box::new(r),
                );
                Expr::Sum(Box::new(Expr::Mapv(
                    Box::new(Self::var_expr(&a)),
                    v,
                    Box::new(body),
                )))
            }
        }
    }

    /// A statement that reads an element of `y`: into a scalar, into another array's element, or a `let`.
    fn read_stmt(&mut self, y: &str) -> Stmt {
        let value = self.read_of(y);
        let targets = self.value_targets();
        let others: Vec<String> = self
            .elem_writable()
            .into_iter()
            .filter(|w| w != y)
            .collect();
        let w = [
            if targets.is_empty() { 0 } else { 8 },
            if others.is_empty() { 0 } else { 2 },
            2,
        ];
        match self.rng.weighted(&w) {
            0 => {
                let t = self.pick(&targets);
                let op = [AOp::Set, AOp::Add, AOp::Mul][self.rng.weighted(&[3, 4, 1])];
                let value = if op == AOp::Mul {
                    Expr::F1(F1::Tanh, Box::new(value))
                } else {
                    value
                };
                Stmt::Assign {
                    name: t.name,
                    op,
                    value,
                }
            }
            1 => {
                let z = self.pick(&others);
                let idx = self.idx();
                let op = if value.mentions(&z) {
                    AOp::Set
                } else {
                    [AOp::Set, AOp::Add][self.rng.below(2)]
                };
                Stmt::ElemAssign {
                    name: z,
                    idx,
                    op,
                    value,
                }
            }
            _ => {
                let name = self.fresh("a");
                self.declare(var(&name, Ty::S));
                Stmt::Let {
                    name,
                    mutable: false,
                    ty: Ty::S,
                    annot: false,
                    init: value,
                }
            }
        }
    }

    /// A region body: writes of `y`, reads of `y` and a few random statements, in random order.
    fn region_body(&mut self, nest: usize, y: &str, in_loop: bool, extra: usize) -> Block {
        self.push_scope(vec![]);
        let mut plan: Vec<u8> = vec![b'w', b'r'];
        if self.rng.chance(0.4) {
            plan.push(b'w');
        }
        if self.rng.chance(0.4) {
            plan.push(b'r');
        }
        plan.extend(std::iter::repeat_n(b'x', extra));
        // shuffle
        for i in (1..plan.len()).rev() {
            let j = self.rng.below(i + 1);
            plan.swap(i, j);
        }
        let mut stmts = Vec::new();
        for t in plan {
            match t {
                b'w' => {
                    let ws = self.elem_writable();
                    if ws.iter().any(|w| w == y) && self.rng.chance(0.85) {
                        stmts.push(self.elem_write(y.to_string()));
                    } else if !ws.is_empty() {
                        let z = self.pick(&ws);
                        stmts.push(self.elem_write(z));
                    }
                }
                b'r' => {
                    let s = self.read_stmt(y);
                    stmts.push(s);
                }
                _ => self.sub_stmts(nest + 1, 2, &mut stmts),
            }
        }
        let tail = self.block_tail(nest + 1, in_loop);
        self.pop_scope();
        Block { stmts, tail }
    }

    /// An `if` whose arms are region bodies over `y`.
    fn region_if(&mut self, nest: usize, y: &str) -> Stmt {
        let in_loop = !self.loops.is_empty();
        let narms = self.rng.weighted(&[6, 3, 1]) + 1;
        let mut arms = Vec::new();
        for _ in 0..narms {
            let c = self.cond();
            let extra = self.rng.below(2);
            let b = self.region_body(nest, y, in_loop, extra);
            arms.push((c, b));
        }
        let els = if self.rng.chance(0.5) {
            let mut b = self.region_body(nest, y, in_loop, 0);
            if arms.iter().all(|(_, a)| !matches!(a.tail, Tail::None)) {
                b.tail = Tail::None;
            }
            Some(b)
        } else {
            None
        };
        Stmt::If { arms, els }
    }

    /// A loop context for a region that writes `y`.
    fn region_loop_ctx(&mut self, y: &str) -> LoopCtx {
        let mut ctx = self.loop_ctx();
        if !ctx.writable.iter().any(|w| w == y) {
            ctx.writable.push(y.to_string());
        }
        ctx
    }

    /// A pattern: a region (branch, loop, branch in a loop) that writes and reads a local array `y`,
    /// then (as pending statements) a write of `y` after it and a read of it in a later region.
    fn pattern(&mut self, nest: usize) -> Stmt {
        let mut pre: Vec<Stmt> = Vec::new();
        let ws = self.elem_writable();
        let y = if ws.is_empty() {
            let decl = self.let_array(true);
            let Stmt::Let { name, .. } = &decl else {
                unreachable!()
            };
            let name = name.clone();
            pre.push(decl);
            name
        } else {
            let locals: Vec<String> = self.local_arrays().into_iter().map(|v| v.name).collect();
            let recent: Vec<String> = ws.iter().filter(|w| locals.contains(w)).cloned().collect();
            if !recent.is_empty() && self.rng.chance(0.7) {
                recent[self.rng.below(recent.len().min(2))].clone()
            } else {
                self.pick(&ws)
            }
        };
        if self.value_targets().is_empty() || self.rng.chance(0.15) {
            pre.push(self.let_target());
        }
        // sometimes read `y` before the region too (the region's writes come after that read)
        if self.rng.chance(0.2) {
            pre.push(self.read_stmt(&y));
        }
        let in_loop = !self.loops.is_empty();
        let kss = self.usable_ks();
        let w = [5, 3, 3, if kss.is_empty() { 0 } else { 2 }, 1];
        let region = match self.rng.weighted(&w) {
            0 => self.region_if(nest, &y),
            1 | 2 => {
                let var = self.fresh("i");
                let rev = self.rng.chance(0.3);
                let ctx = self.region_loop_ctx(&y);
                self.loops.push(ctx);
                self.counters.push(Counter {
                    name: var.clone(),
                    index_ok: true,
                    mutable: false,
                });
                let body = if self.rng.chance(0.5) {
                    // `for i in .. { [w] if c { w r } [r] }`
                    self.push_scope(vec![]);
                    let mut stmts = Vec::new();
                    if self.rng.chance(0.5) {
                        let s = self.elem_write(y.clone());
                        stmts.push(s);
                    }
                    stmts.push(self.region_if(nest + 1, &y));
                    if self.rng.chance(0.5) {
                        stmts.push(self.read_stmt(&y));
                    }
                    let tail = self.block_tail(nest + 1, true);
                    self.pop_scope();
                    Block { stmts, tail }
                } else {
                    let extra = self.rng.below(2);
                    self.region_body(nest, &y, true, extra)
                };
                self.counters.pop();
                self.loops.pop();
                let hi = if self.rng.chance(0.8) {
                    self.n
                } else {
                    self.rng.range(1, self.n)
                };
                Stmt::For {
                    var,
                    lo: 0,
                    hi: Bound::Const(hi),
                    rev,
                    step: 1,
                    body,
                }
            }
            3 => {
                let ks = self.pick(&kss);
                self.for_ks(nest, ks, Some(y.clone()))
            }
            _ => {
                let counter = self.fresh("k");
                let limit = self.rng.range(1, 5);
                let ctx = self.region_loop_ctx(&y);
                self.loops.push(ctx);
                self.counters.push(Counter {
                    name: counter.clone(),
                    index_ok: false,
                    mutable: false,
                });
                let body = self.region_body(nest, &y, true, 1);
                self.counters.pop();
                self.loops.pop();
                Stmt::While {
                    counter,
                    limit,
                    body,
                }
            }
        };
        let _ = in_loop;
        pre.push(region);
        // after the region: a write of `y` (the region read it before this write), a later read
        if self.elem_writable().contains(&y) && self.rng.chance(0.6) {
            pre.push(self.elem_write(y.clone()));
        }
        match self.rng.weighted(&[3, 2, 2]) {
            0 => {
                let c = self.cond();
                self.push_scope(vec![]);
                let s = self.read_stmt(&y);
                let in_loop = !self.loops.is_empty();
                let tail = if self.rng.chance(0.2) {
                    self.block_tail(nest + 1, in_loop)
                } else {
                    Tail::None
                };
                self.pop_scope();
                pre.push(Stmt::If {
                    arms: vec![(
                        c,
                        Block {
                            stmts: vec![s],
                            tail,
                        },
                    )],
                    els: None,
                });
            }
            1 => pre.push(self.read_stmt(&y)),
            _ => {}
        }
        self.budget -= 2;
        let first = pre.remove(0);
        self.pending.extend(pre);
        first
    }

    /// Constant collections a `for` may iterate over here: fixed arrays, and `Vec`s declared at this
    /// loop depth that no `for k in ks` moved yet.
    fn usable_ks(&self) -> Vec<Ks> {
        self.kss
            .iter()
            .filter(|k| !self.consumed.contains(&k.name))
            .cloned()
            .collect()
    }

    /// `for k in ks` / `for &k in ks.iter()`, its body random (or a region over `y`).
    fn for_ks(&mut self, nest: usize, ks: Ks, y: Option<String>) -> Stmt {
        let by_value_ok = !ks.vec || ks.depth == self.loops.len();
        let by_ref = !by_value_ok || self.rng.chance(0.5);
        if !by_ref && ks.vec {
            self.consumed.push(ks.name.clone());
        }
        let var = self.fresh("k");
        let ctx = match &y {
            Some(y) => self.region_loop_ctx(y),
            None => self.loop_ctx(),
        };
        self.loops.push(ctx);
        self.counters.push(Counter {
            name: var.clone(),
            index_ok: true,
            mutable: false,
        });
        let body = match &y {
            Some(y) => {
                let extra = self.rng.below(2);
                self.region_body(nest, y, true, extra)
            }
            None => {
                let b = self.rng.range(2, 5) as isize;
                self.stmt_block(b, nest + 1, true)
            }
        };
        self.counters.pop();
        self.loops.pop();
        Stmt::ForKs {
            var,
            ks: ks.name,
            by_ref,
            body,
        }
    }

    fn stmt(&mut self, nest: usize) -> Stmt {
        self.budget -= 1;
        let arrays = !self.scalar_only;
        let assignable: Vec<Var> = self
            .vars()
            .filter(|v| {
                v.mutable
                    && (v.ty == Ty::S || (v.store == Store::Nd && !self.forbidden_whole(&v.name)))
            })
            .filter(|v| {
                !self
                    .loops
                    .iter()
                    .any(|l| l.frozen.as_deref() == Some(v.name.as_str()))
            })
            .cloned()
            .collect();
        let writable = self.elem_writable();
        let deep = nest < 3 && self.budget > 1;
        let in_loop = !self.loops.is_empty();
        let mut_counters: Vec<Counter> = self
            .counters
            .iter()
            .filter(|c| c.mutable)
            .cloned()
            .collect();
        let kss = self.usable_ks();
        let shadow_arrays: Vec<Var> = self
            .array_vars_whole()
            .into_iter()
            .filter(|v| v.is_ref || v.elem_ok)
            .collect();
        let w = [
            10,                                        // 0 let scalar
            if arrays { 4 } else { 2 },                // 1 let array
            if assignable.is_empty() { 0 } else { 8 }, // 2 assign
            if writable.is_empty() { 0 } else { 8 },   // 3 element write
            if deep { 5 } else { 1 },                  // 4 if
            if deep { 4 } else { 0 },                  // 5 for
            if deep && arrays && !self.array_vars_whole().is_empty() {
                2
            } else {
                0
            }, // 6 for iter
            if deep { 1 } else { 0 },                  // 7 while
            if deep { 1 } else { 0 },                  // 8 loop
            if self.scalar_vars().is_empty() { 0 } else { 1 }, // 9 shadowing let
            if in_loop { 0 } else { 1 },               // 10 guard with return
            if mut_counters.len() < 2 { 2 } else { 0 }, // 11 let mut counter
            if mut_counters.is_empty() { 0 } else { 4 }, // 12 counter change
            if self.kss.len() < 2 { 1 } else { 0 },    // 13 let ks
            if deep && !kss.is_empty() { 3 } else { 0 }, // 14 for k in ks
            1,                                         // 15 let _ = e
            if deep { 7 } else { 0 },                  // 16 pattern
            if shadow_arrays.is_empty() { 0 } else { 1 }, // 17 shadowing array copy
        ];
        match self.rng.weighted(&w) {
            0 => {
                let konst = self.rng.chance(0.15);
                let init = if konst {
                    self.lit()
                } else {
                    match self.rng.weighted(&[2, 15, 4]) {
                        0 => self.lit(),
                        1 => self.s_expr(3),
                        _ => self.if_expr(Ty::S, 2),
                    }
                };
                let name = self.fresh(if konst { "m" } else { "a" });
                let mutable = konst || self.rng.chance(0.5);
                let mut v = var(&name, Ty::S);
                v.mutable = mutable;
                v.konst = konst;
                self.declare(v);
                Stmt::Let {
                    name,
                    mutable,
                    ty: Ty::S,
                    annot: self.rng.chance(0.2),
                    init,
                }
            }
            1 => self.let_array(false),
            2 => {
                let v = assignable[self.rng.below(assignable.len())].clone();
                let mut op =
                    [AOp::Set, AOp::Add, AOp::Sub, AOp::Mul][self.rng.weighted(&[4, 4, 2, 2])];
                let value = match v.ty {
                    Ty::S if v.konst => {
                        // a `let mut` constant stays a constant
                        if op == AOp::Mul {
                            op = AOp::Add;
                        }
                        self.const_expr()
                    }
                    Ty::S if op == AOp::Set && self.rng.chance(0.3) => {
                        // a value that does not depend on the differentiated inputs (it drops the
                        // old derivative)
                        if self.rng.chance(0.5) {
                            self.const_expr()
                        } else {
                            self.nondiff_expr()
                        }
                    }
                    Ty::S => {
                        if op == AOp::Mul {
                            Expr::F1(F1::Tanh, Box::new(self.s_expr(2)))
                        } else {
                            self.s_expr(3)
                        }
                    }
                    Ty::A => {
                        if self.rng.chance(0.05) {
                            Expr::Zeros
                        } else if op != AOp::Set && self.rng.chance(0.4) {
                            self.s_expr(2)
                        } else if op == AOp::Mul {
                            Expr::AF(AF::Tanh, Box::new(self.a_expr(2)))
                        } else {
                            self.a_expr(3)
                        }
                    }
                };
                if op == AOp::Set && matches!(&value, Expr::Var(n, _, _) if *n == v.name) {
                    // `a = a;` is rustc's self-assignment error
                    op = AOp::Add;
                }
                // `y += f(y)` borrows `y` twice: write it `y = y + f(y)`
                if op != AOp::Set && v.ty == Ty::A && value.mentions(&v.name) {
                    let bop = match op {
                        AOp::Add => BOp::Add,
                        AOp::Sub => BOp::Sub,
                        _ => BOp::Mul,
                    };
                    let value = Expr::Bin(
                        bop,
                        Box::new(Expr::Var(v.name.clone(), Ty::A, false)),
                        Box::new(value),
                    );
                    return Stmt::Assign {
                        name: v.name,
                        op: AOp::Set,
                        value,
                    };
                }
                Stmt::Assign {
                    name: v.name,
                    op,
                    value,
                }
            }
            3 => {
                let name = self.pick(&writable);
                self.elem_write(name)
            }
            4 => {
                let narms = self.rng.weighted(&[6, 3, 1]) + 1;
                let mut arms = Vec::new();
                let share = (self.budget / 2).max(1);
                for _ in 0..narms {
                    let c = self.cond();
                    let nb = self.rng.range(1, share as usize) as isize;
                    let b = self.stmt_block(nb, nest + 1, in_loop);
                    arms.push((c, b));
                }
                let els = if self.rng.chance(0.5) {
                    let nb = self.rng.range(1, share as usize) as isize;
                    let mut b = self.stmt_block(nb, nest + 1, in_loop);
                    // keep the code after the `if` reachable
                    if arms.iter().all(|(_, a)| !matches!(a.tail, Tail::None)) {
                        b.tail = Tail::None;
                    }
                    Some(b)
                } else {
                    None
                };
                Stmt::If { arms, els }
            }
            5 => {
                let var = self.fresh("i");
                let outer: Vec<Counter> = self
                    .counters
                    .iter()
                    .filter(|c| c.index_ok)
                    .cloned()
                    .collect();
                let (lo, hi) = if !outer.is_empty() && self.rng.chance(0.2) {
                    (
                        0,
                        Bound::Var(outer[self.rng.below(outer.len())].name.clone()),
                    )
                } else {
                    let lo = if self.rng.chance(0.7) {
                        0
                    } else {
                        self.rng.range(1, self.n - 1)
                    };
                    let hi = if self.rng.chance(0.7) {
                        self.n
                    } else {
                        self.rng.range(lo + 1, self.n)
                    };
                    (lo, Bound::Const(hi))
                };
                let rev = self.rng.chance(0.25);
                let step = if !rev && self.rng.chance(0.2) { 2 } else { 1 };
                let ctx = self.loop_ctx();
                self.loops.push(ctx);
                self.counters.push(Counter {
                    name: var.clone(),
                    index_ok: true,
                    mutable: false,
                });
                let b = self.rng.range(2, 6) as isize;
                let body = self.stmt_block(b, nest + 1, true);
                self.counters.pop();
                self.loops.pop();
                Stmt::For {
                    var,
                    lo,
                    hi,
                    rev,
                    step,
                    body,
                }
            }
            6 => {
                let arrs = self.array_vars_whole();
                let a = arrs[self.rng.below(arrs.len())].clone();
                let var_name = self.fresh("e");
                let pat_ref = self.rng.chance(0.5);
                let ctx = self.loop_ctx();
                // the iterated array is read whole: not writable inside
                let ctx = LoopCtx {
                    writable: ctx.writable.into_iter().filter(|w| *w != a.name).collect(),
                    frozen: Some(a.name.clone()),
                };
                self.loops.push(ctx);
                let mut e = var(&var_name, Ty::S);
                e.deref = !pat_ref;
                self.push_scope(vec![e]);
                let b = self.rng.range(2, 5) as isize;
                let body = self.stmt_block(b, nest + 1, true);
                self.pop_scope();
                self.loops.pop();
                Stmt::ForIter {
                    var: var_name,
                    pat_ref,
                    arr: a.name,
                    arr_is_ref: a.is_ref,
                    body,
                }
            }
            7 | 8 => {
                let counter = self.fresh("k");
                let limit = self.rng.range(1, 5);
                let ctx = self.loop_ctx();
                self.loops.push(ctx);
                self.counters.push(Counter {
                    name: counter.clone(),
                    index_ok: false,
                    mutable: false,
                });
                let b = self.rng.range(2, 5) as isize;
                let body = self.stmt_block(b, nest + 1, true);
                self.counters.pop();
                self.loops.pop();
                // the counter is declared by the statement itself
                if self.rng.chance(0.5) {
                    Stmt::While {
                        counter,
                        limit,
                        body,
                    }
                } else {
                    Stmt::Loop {
                        counter,
                        limit,
                        body,
                    }
                }
            }
            9 => {
                let svars = self.scalar_vars();
                let v = svars[self.rng.below(svars.len())].clone();
                if v.deref {
                    // `*v` cannot be shadowed by a float of the same name and be read as `*v` again
                    let name = self.fresh("a");
                    let init = self.s_expr(2);
                    self.declare(var(&name, Ty::S));
                    return Stmt::Let {
                        name,
                        mutable: false,
                        ty: Ty::S,
                        annot: false,
                        init,
                    };
                }
                let init = Expr::Bin(
                    BOp::Add,
                    Box::new(Expr::Bin(
                        BOp::Mul,
                        Box::new(Self::var_expr(&v)),
                        Box::new(self.lit()),
                    )),
                    Box::new(self.s_expr(2)),
                );
                let mutable = self.rng.chance(0.3);
                let mut nv = var(&v.name, Ty::S);
                nv.mutable = mutable;
                self.declare(nv);
                Stmt::Let {
                    name: v.name,
                    mutable,
                    ty: Ty::S,
                    annot: false,
                    init,
                }
            }
            10 => {
                // an early-return guard
                let c = self.cond();
                let saved = self.budget;
                self.push_scope(vec![]);
                let mut stmts = Vec::new();
                if self.rng.chance(0.3) && self.budget > 0 {
                    self.budget = 1;
                    self.stmt_into(nest + 1, &mut stmts);
                }
                let e = self.s_expr(2);
                self.pop_scope();
                self.budget = saved;
                Stmt::If {
                    arms: vec![(
                        c,
                        Block {
                            stmts,
                            tail: Tail::Return(e),
                        },
                    )],
                    els: None,
                }
            }
            11 => {
                let name = self.fresh("c");
                let index_ok = self.rng.chance(0.5);
                self.counters.push(Counter {
                    name: name.clone(),
                    index_ok,
                    mutable: true,
                });
                Stmt::LetCounter { name }
            }
            12 => {
                let c = self.pick(&mut_counters);
                let others: Vec<Counter> = self
                    .counters
                    .iter()
                    .filter(|o| o.name != c.name && (o.index_ok || !c.index_ok))
                    .cloned()
                    .collect();
                let op = if c.index_ok {
                    // stays below n
                    match self
                        .rng
                        .weighted(&[3, 2, if others.is_empty() { 0 } else { 2 }])
                    {
                        0 => CAsg::Wrap,
                        1 => CAsg::Set(self.rng.below(self.n)),
                        _ => CAsg::From(self.pick(&others).name),
                    }
                } else {
                    match self
                        .rng
                        .weighted(&[4, 2, if others.is_empty() { 0 } else { 1 }])
                    {
                        0 => CAsg::Inc(self.rng.range(1, 2)),
                        1 => CAsg::Set(self.rng.range(0, self.n + 1)),
                        _ => CAsg::From(self.pick(&others).name),
                    }
                };
                Stmt::CounterAssign { name: c.name, op }
            }
            13 => {
                let name = self.fresh("ks");
                let m = self.rng.range(2, 4);
                let vals = (0..m).map(|_| self.rng.below(self.n)).collect();
                let vec = self.rng.chance(0.6);
                self.kss.push(Ks {
                    name: name.clone(),
                    vec,
                    depth: self.loops.len(),
                });
                Stmt::LetKs { name, vals, vec }
            }
            14 => {
                let ks = self.pick(&kss);
                self.for_ks(nest, ks, None)
            }
            15 => {
                let e = if arrays && !self.array_vars_whole().is_empty() && self.rng.chance(0.3) {
                    self.a_expr(2)
                } else {
                    self.s_expr(2)
                };
                Stmt::LetDiscard(e)
            }
            16 => self.pattern(nest),
            _ => {
                // `let mut y = y.to_owned();`: a local copy that shadows an array (a parameter too)
                let a = self.pick(&shadow_arrays);
                let mut v = var(&a.name, Ty::A);
                v.mutable = true;
                v.elem_ok = true;
                self.declare(v);
                Stmt::Let {
                    name: a.name.clone(),
                    mutable: true,
                    ty: Ty::A,
                    annot: false,
                    init: Expr::ToOwned(a.name, a.is_ref),
                }
            }
        }
    }
}
