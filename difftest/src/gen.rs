//! The seeded random program generator: weighted choices over the macro's supported subset.

use crate::ast::*;
use crate::rng::Rng;

#[derive(Clone, Debug)]
struct Var {
    name: String,
    ty: Ty,
    mutable: bool,
    /// an array parameter (a reference)
    is_ref: bool,
    /// an array whose elements may be written (`Array1::zeros`, `x.to_owned()`)
    elem_ok: bool,
    /// `for v in x.iter()`: read as `*v`
    deref: bool,
}

#[derive(Clone, Debug)]
struct Counter {
    name: String,
    /// always `< n` (usable as an index)
    index_ok: bool,
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
    counters: Vec<Counter>,
    loops: Vec<LoopCtx>,
    next_id: usize,
    budget: isize,
    /// inside a `mapv` closure: only scalar leaves
    in_closure: bool,
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
        counters: vec![],
        loops: vec![],
        next_id: 0,
        budget: 0,
        in_closure: false,
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
        g.scopes[0].push(Var {
            name: name.clone(),
            ty,
            mutable: false,
            is_ref: ty == Ty::A,
            elem_ok: false,
            deref: false,
        });
        params.push(Param { name, ty, value });
    }
    let argnums = if nparams > 1 && g.rng.chance(0.6) {
        let mut a: Vec<usize> = (0..nparams).collect();
        if g.rng.chance(0.3) {
            a.reverse();
        }
        if a.len() == 3 && g.rng.chance(0.3) {
            a.pop();
        }
        if a.len() == 1 {
            a.clear();
        }
        a
    } else {
        vec![]
    };
    g.budget = g.rng.range(5, 22) as isize;
    let mut stmts = Vec::new();
    while g.budget > 0 {
        let s = g.stmt(0);
        stmts.push(s);
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
        argnums,
        body: Block { stmts, tail },
    }
}

impl Gen {
    fn fresh(&mut self, prefix: &str) -> String {
        self.next_id += 1;
        format!("{prefix}{}", self.next_id)
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
            .filter(|v| v.ty == Ty::A && !self.forbidden_whole(&v.name))
            .cloned()
            .collect()
    }

    fn array_vars_any(&self) -> Vec<Var> {
        self.vars().filter(|v| v.ty == Ty::A).cloned().collect()
    }

    fn declare(&mut self, v: Var) {
        self.scopes.last_mut().unwrap().push(v);
    }

    fn lit(&mut self) -> Expr {
        Expr::Lit(self.rng.lit(-2.0, 2.0))
    }

    fn idx(&mut self) -> Idx {
        let cs: Vec<Counter> = self
            .counters
            .iter()
            .filter(|c| c.index_ok)
            .cloned()
            .collect();
        if cs.is_empty() || self.rng.chance(0.25) {
            return Idx::Const(self.rng.below(self.n));
        }
        let c = cs[self.rng.below(cs.len())].name.clone();
        match self.rng.weighted(&[6, 2, 2]) {
            0 => Idx::Var(c),
            1 => Idx::Rev(c),
            _ => Idx::Next(c),
        }
    }

    fn var_expr(v: &Var) -> Expr {
        if v.deref {
            Expr::Deref(v.name.clone())
        } else {
            Expr::Var(v.name.clone(), v.ty, v.is_ref)
        }
    }

    /// A scalar leaf.
    fn s_leaf(&mut self) -> Expr {
        let svars = self.scalar_vars();
        let avars = if self.in_closure {
            vec![]
        } else {
            self.array_vars_any()
        };
        let counters = self.counters.len();
        let w = [
            3,
            if svars.is_empty() { 0 } else { 10 },
            if avars.is_empty() { 0 } else { 5 },
            if counters == 0 || self.in_closure {
                0
            } else {
                2
            },
            if self.array_vars_whole().iter().any(|v| v.is_ref) && !self.in_closure {
                1
            } else {
                0
            },
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
            2 => {
                let a = avars[self.rng.below(avars.len())].clone();
                Expr::Index(a.name, self.idx())
            }
            3 => {
                let c = self.counters[self.rng.below(counters)].name.clone();
                Expr::Count(c)
            }
            _ => {
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
                self.scopes.push(vec![Var {
                    name: v.clone(),
                    ty: Ty::S,
                    mutable: false,
                    is_ref: false,
                    elem_ok: false,
                    deref: false,
                }]);
                let body = self.s_expr(2);
                self.scopes.pop();
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
        let cs = self.counters.len();
        let w = [8, if cs > 0 { 2 } else { 0 }, if cs > 0 { 1 } else { 0 }];
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
            _ => {
                let k = self.rng.range(1, self.n);
                Cond::CountLt(self.counters[self.rng.below(cs)].name.clone(), k)
            }
        }
    }

    fn if_expr(&mut self, ty: Ty, depth: usize) -> Expr {
        let narms = self.rng.weighted(&[6, 3, 1]) + 1;
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
        self.scopes.push(vec![]);
        let mut stmts = Vec::new();
        if self.rng.chance(0.3) {
            stmts.push(self.simple_stmt());
        }
        let tail = if may_return && self.rng.chance(0.2) {
            Tail::Return(self.s_expr(depth))
        } else {
            let e = if ty == Ty::S {
                self.s_expr(depth)
            } else {
                self.a_expr(depth)
            };
            Tail::Value(e)
        };
        self.scopes.pop();
        Block { stmts, tail }
    }

    /// A block of statements with about `budget` statements.
    fn stmt_block(&mut self, budget: isize, nest: usize, in_loop: bool) -> Block {
        self.scopes.push(vec![]);
        let saved = self.budget;
        self.budget = budget.min(saved).max(1);
        let used_before = self.budget;
        let mut stmts = Vec::new();
        while self.budget > 0 {
            let s = self.stmt(nest);
            stmts.push(s);
        }
        let used = used_before - self.budget;
        self.budget = saved - used;
        // how the block ends
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
        let tail = match self.rng.weighted(&w) {
            0 => Tail::None,
            1 => Tail::Return(self.s_expr(2)),
            2 => Tail::Break,
            _ => Tail::Continue,
        };
        self.scopes.pop();
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
        // the arrays this loop may write element by element: a subset of the enclosing loop's
        let candidates: Vec<String> = match self.loops.last() {
            Some(l) => l.writable.clone(),
            None => self
                .vars()
                .filter(|v| v.ty == Ty::A && v.elem_ok && v.mutable)
                .map(|v| v.name.clone())
                .collect(),
        };
        let writable = candidates
            .into_iter()
            .filter(|_| self.rng.chance(0.7))
            .collect();
        LoopCtx {
            writable,
            frozen: None,
        }
    }

    fn elem_writable(&self) -> Vec<String> {
        match self.loops.last() {
            Some(l) => l.writable.clone(),
            None => self
                .vars()
                .filter(|v| v.ty == Ty::A && v.elem_ok && v.mutable)
                .map(|v| v.name.clone())
                .collect(),
        }
    }

    /// A `let` or an assignment of a scalar (inside the arms of an `if` expression).
    fn simple_stmt(&mut self) -> Stmt {
        let assignable: Vec<Var> = self
            .vars()
            .filter(|v| v.mutable && v.ty == Ty::S)
            .cloned()
            .collect();
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
        self.declare(Var {
            name: name.clone(),
            ty: Ty::S,
            mutable: false,
            is_ref: false,
            elem_ok: false,
            deref: false,
        });
        Stmt::Let {
            name,
            mutable: false,
            ty: Ty::S,
            annot: false,
            init,
        }
    }

    fn stmt(&mut self, nest: usize) -> Stmt {
        self.budget -= 1;
        let arrays = !self.scalar_only;
        let assignable: Vec<Var> = self
            .vars()
            .filter(|v| v.mutable && (v.ty == Ty::S || !self.forbidden_whole(&v.name)))
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
        let w = [
            10,                                        // let scalar
            if arrays { 4 } else { 0 },                // let array
            if assignable.is_empty() { 0 } else { 8 }, // assign
            if writable.is_empty() { 0 } else { 6 },   // element write
            if deep { 5 } else { 1 },                  // if
            if deep { 4 } else { 0 },                  // for
            if deep && arrays && !self.array_vars_whole().is_empty() {
                2
            } else {
                0
            }, // for iter
            if deep { 1 } else { 0 },                  // while
            if deep { 1 } else { 0 },                  // loop
            if self.scalar_vars().is_empty() { 0 } else { 1 }, // shadowing let
            if in_loop { 0 } else { 1 },               // guard with return
        ];
        match self.rng.weighted(&w) {
            0 => {
                let init = match self.rng.weighted(&[2, 15, 3]) {
                    0 => self.lit(),
                    1 => self.s_expr(3),
                    _ => self.if_expr(Ty::S, 2),
                };
                let name = self.fresh("a");
                let mutable = self.rng.chance(0.5);
                self.declare(Var {
                    name: name.clone(),
                    ty: Ty::S,
                    mutable,
                    is_ref: false,
                    elem_ok: false,
                    deref: false,
                });
                Stmt::Let {
                    name,
                    mutable,
                    ty: Ty::S,
                    annot: self.rng.chance(0.2),
                    init,
                }
            }
            1 => {
                let params: Vec<Var> = self.vars().filter(|v| v.is_ref).cloned().collect();
                let (init, elem_ok, annot) =
                    match self
                        .rng
                        .weighted(&[3, if params.is_empty() { 0 } else { 3 }, 4])
                    {
                        0 => (Expr::Zeros, true, true),
                        1 => {
                            let p = params[self.rng.below(params.len())].name.clone();
                            (Expr::ToOwned(p, true), true, false)
                        }
                        _ => (self.a_expr(3), false, self.rng.chance(0.2)),
                    };
                let name = self.fresh("y");
                let mutable = elem_ok || self.rng.chance(0.4);
                self.declare(Var {
                    name: name.clone(),
                    ty: Ty::A,
                    mutable,
                    is_ref: false,
                    elem_ok,
                    deref: false,
                });
                Stmt::Let {
                    name,
                    mutable,
                    ty: Ty::A,
                    annot,
                    init,
                }
            }
            2 => {
                let v = assignable[self.rng.below(assignable.len())].clone();
                let mut op =
                    [AOp::Set, AOp::Add, AOp::Sub, AOp::Mul][self.rng.weighted(&[4, 4, 2, 2])];
                let value = match v.ty {
                    Ty::S if op == AOp::Set && self.rng.chance(0.15) => {
                        // a value that does not depend on the inputs (it drops the old derivative)
                        if self.counters.is_empty() {
                            self.lit()
                        } else {
                            let c = self.counters[self.rng.below(self.counters.len())]
                                .name
                                .clone();
                            Expr::Bin(BOp::Mul, Box::new(Expr::Count(c)), Box::new(self.lit()))
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
                let name = writable[self.rng.below(writable.len())].clone();
                let op = [AOp::Set, AOp::Add, AOp::Sub, AOp::Mul][self.rng.weighted(&[4, 4, 1, 1])];
                let value = if op == AOp::Mul {
                    Expr::F1(F1::Tanh, Box::new(self.s_expr(2)))
                } else {
                    self.s_expr(3)
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
                let var = self.fresh("e");
                let pat_ref = self.rng.chance(0.5);
                let ctx = self.loop_ctx();
                // the iterated array is read whole: not writable inside
                let ctx = LoopCtx {
                    writable: ctx.writable.into_iter().filter(|w| *w != a.name).collect(),
                    frozen: Some(a.name.clone()),
                };
                self.loops.push(ctx);
                self.scopes.push(vec![Var {
                    name: var.clone(),
                    ty: Ty::S,
                    mutable: false,
                    is_ref: false,
                    elem_ok: false,
                    deref: !pat_ref,
                }]);
                let b = self.rng.range(2, 5) as isize;
                let body = self.stmt_block(b, nest + 1, true);
                self.scopes.pop();
                self.loops.pop();
                Stmt::ForIter {
                    var,
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
                    self.declare(Var {
                        name: name.clone(),
                        ty: Ty::S,
                        mutable: false,
                        is_ref: false,
                        elem_ok: false,
                        deref: false,
                    });
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
                self.declare(Var {
                    name: v.name.clone(),
                    ty: Ty::S,
                    mutable,
                    is_ref: false,
                    elem_ok: false,
                    deref: false,
                });
                Stmt::Let {
                    name: v.name,
                    mutable,
                    ty: Ty::S,
                    annot: false,
                    init,
                }
            }
            _ => {
                // an early-return guard
                let c = self.cond();
                let saved = self.budget;
                self.scopes.push(vec![]);
                let mut stmts = Vec::new();
                if self.rng.chance(0.3) && self.budget > 0 {
                    self.budget = 1;
                    stmts.push(self.stmt(nest + 1));
                }
                let e = self.s_expr(2);
                self.scopes.pop();
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
        }
    }
}
