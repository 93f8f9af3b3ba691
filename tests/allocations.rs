//! A gradient over scalars allocates nothing, branches included: checked with a counting allocator.
use autodiff::prelude::*;
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

struct Counting;

thread_local! {
    /// Allocations made by this thread: the test harness's other threads (output capture, timers)
    /// allocate while a test runs, and are not the gradient's.
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|c| c.set(c.get() + 1));
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations_during<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let before = ALLOCATIONS.with(Cell::get);
    let value = f();
    (value, ALLOCATIONS.with(Cell::get) - before)
}

#[differentiable(argnums = (0, 1))]
fn branchy(x: f64, y: f64) -> f64 {
    let mut z = x * y + x.sin();
    if z > 0.0 {
        z = z.sqrt() * y;
    } else if x < y {
        z = -z * x.exp();
    } else {
        z = z.tanh();
    }
    let w = if y > 1.0 { z * y } else { z + y };
    w.max(x).powi(2)
}

#[differentiable]
fn accumulate(x: f64) -> f64 {
    let mut s = 0.0;
    for k in 1..20 {
        s += (x * k as f64).sin() / k as f64;
    }
    s
}

#[differentiable]
fn recurrence(x: f64) -> f64 {
    let mut s = 0.0;
    for k in 0..10 {
        s = (s * x + k as f64).tanh();
    }
    s
}

#[test]
fn scalar_gradients_with_branches_allocate_nothing() {
    // The counter is global: run the measured calls in one test so that no other test allocates
    // meanwhile.
    for (x, y) in [(0.7, -1.3), (-2.0, 0.5), (1.5, 2.0), (-0.5, -3.0)] {
        let ((gx, gy), n) = allocations_during(|| branchy_grad(x, y));
        assert_eq!(n, 0, "branchy_grad({x}, {y}) allocated {n} times");
        let ((_, (vx, vy)), n) = allocations_during(|| branchy_value_and_grad(x, y));
        assert_eq!(n, 0);
        assert_eq!((gx, gy), (vx, vy));
        let h = 1e-6;
        let fd_x = (branchy(x + h, y) - branchy(x - h, y)) / (2.0 * h);
        assert!(
            (gx - fd_x).abs() < 1e-5 * fd_x.abs().max(1.0),
            "{gx} vs {fd_x}"
        );
    }
    // A carried value that rules read: forward mode (one scalar input) stores nothing either.
    let (g, n) = allocations_during(|| recurrence_grad(0.4));
    assert_eq!(n, 0, "forward mode allocates nothing");
    let h = 1e-6;
    let fd = (recurrence(0.4 + h) - recurrence(0.4 - h)) / (2.0 * h);
    assert!((g - fd).abs() < 1e-7);
    let (g, n) = allocations_during(|| accumulate_grad(0.3));
    assert_eq!(n, 0, "a loop that only accumulates saves nothing");
    let closed: f64 = (1..20).map(|k| (0.3 * k as f64).cos()).sum();
    assert!((g - closed).abs() < 1e-12);
}
