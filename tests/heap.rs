//! The extra heap of generated gradients (issue 9): one call of the generated `f_value_and_grad` peaks at
//! no more heap than the hand-written fused value-and-gradient of `benches/workloads.rs` plus one
//! output-sized buffer per gradient returned. Checked with a counting allocator at small sizes, for the
//! workloads where it holds today; `benches/heap.rs` measures every workload and size in release.
//!
//! The differentiable workloads and the hand-written gradients are copies of `benches/workloads.rs`'s.
use autodiff::ndarray::{Array, Dimension};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};

// ---------------------------------------------------------------------------------------------
// The counting allocator (the one of benches/heap.rs, counting only on the measuring thread)
// ---------------------------------------------------------------------------------------------

/// `System` with counters: bytes live now, the most bytes live since the last `measure` began, and
/// allocations made (a `realloc` counts as one). Only the thread inside `measure` is counted, so the
/// test harness's threads cannot disturb a measurement.
struct Counting;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);
static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    static MEASURING: Cell<bool> = const { Cell::new(false) };
}

fn measuring() -> bool {
    MEASURING.try_with(Cell::get).unwrap_or(false)
}

fn grew(bytes: usize) {
    if measuring() {
        let now = CURRENT.fetch_add(bytes, Ordering::SeqCst) + bytes;
        PEAK.fetch_max(now, Ordering::SeqCst);
    }
}

fn shrank(bytes: usize) {
    if measuring() {
        // Saturating: a block allocated before the measurement may be freed during it.
        let _ = CURRENT.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |c| {
            Some(c.saturating_sub(bytes))
        });
    }
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() && measuring() {
            ALLOCATIONS.fetch_add(1, Ordering::SeqCst);
            grew(layout.size());
        }
        p
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() && measuring() {
            ALLOCATIONS.fetch_add(1, Ordering::SeqCst);
            grew(layout.size());
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        shrank(layout.size());
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() && measuring() {
            ALLOCATIONS.fetch_add(1, Ordering::SeqCst);
            // Counted as the new block before the old one is gone: the peak of a copy.
            grew(new_size);
            shrank(layout.size());
        }
        p
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// What one call costs in heap.
#[derive(Clone, Copy, Debug)]
struct Heap {
    /// The most bytes live during the call above those live before it (what the call returns included).
    peak_extra: usize,
    allocations: usize,
}

/// Runs `f` once on this thread and counts its heap.
fn measure<T>(f: impl FnOnce() -> T) -> (T, Heap) {
    CURRENT.store(0, Ordering::SeqCst);
    PEAK.store(0, Ordering::SeqCst);
    ALLOCATIONS.store(0, Ordering::SeqCst);
    MEASURING.with(|m| m.set(true));
    let value = f();
    MEASURING.with(|m| m.set(false));
    let heap = Heap {
        peak_extra: PEAK.load(Ordering::SeqCst),
        allocations: ALLOCATIONS.load(Ordering::SeqCst),
    };
    (value, heap)
}

/// Heap bytes of returned gradients: arrays count their elements, scalars nothing.
trait GradBytes {
    fn grad_bytes(&self) -> usize;
}

impl<A, D: Dimension> GradBytes for Array<A, D> {
    fn grad_bytes(&self) -> usize {
        self.len() * std::mem::size_of::<A>()
    }
}

impl GradBytes for f64 {
    fn grad_bytes(&self) -> usize {
        0
    }
}

impl<A: GradBytes, B: GradBytes> GradBytes for (A, B) {
    fn grad_bytes(&self) -> usize {
        self.0.grad_bytes() + self.1.grad_bytes()
    }
}

impl<A: GradBytes, B: GradBytes, C: GradBytes, D: GradBytes> GradBytes for (A, B, C, D) {
    fn grad_bytes(&self) -> usize {
        self.0.grad_bytes() + self.1.grad_bytes() + self.2.grad_bytes() + self.3.grad_bytes()
    }
}

/// One workload at one size: the generated and the hand-written call, each measured after a warm-up
/// call (the result dropped inside the measurement, as a user's loop drops it).
#[derive(Debug)]
struct Row {
    generated: Heap,
    hand: Heap,
    gradient_bytes: usize,
}

impl Row {
    fn measure<V, G: GradBytes>(generated: impl Fn() -> (V, G), hand: impl Fn() -> (V, G)) -> Row {
        let bytes = |r: (V, G)| black_box(r).1.grad_bytes();
        bytes(generated());
        bytes(hand());
        let (gradient_bytes, generated) = measure(|| bytes(generated()));
        let (hand_bytes, hand) = measure(|| bytes(hand()));
        assert_eq!(gradient_bytes, hand_bytes, "the gradients differ in size");
        Row {
            generated,
            hand,
            gradient_bytes,
        }
    }

    /// The target of issue 9.
    fn holds(&self) -> bool {
        self.generated.peak_extra <= self.hand.peak_extra + self.gradient_bytes
    }

    fn describe(&self) -> String {
        format!(
            "generated peak {} B in {} allocations, hand-written peak {} B in {}, gradients {} B",
            self.generated.peak_extra,
            self.generated.allocations,
            self.hand.peak_extra,
            self.hand.allocations,
            self.gradient_bytes
        )
    }
}

/// Asserts the target for a workload where it holds.
fn assert_target(workload: &str, row: Row) {
    eprintln!("{workload}: {}", row.describe());
    assert!(
        row.holds(),
        "{workload}: the generated gradient's extra heap exceeds the hand-written one's plus the \
         gradients' bytes: {}",
        row.describe()
    );
}

// The workloads, their inputs and the hand-written gradients, shared with benches/workloads.rs.
#[path = "../benches/common/workloads.rs"]
mod common;
use common::*;

// ---------------------------------------------------------------------------------------------
// The test
// ---------------------------------------------------------------------------------------------

/// A workload that misses the target today: printed, not asserted (see the numbers at the call).
fn known_miss(workload: &str, row: Row) {
    eprintln!(
        "{workload}: target {} (known miss, not asserted): {}",
        if row.holds() { "holds" } else { "missed" },
        row.describe()
    );
}

/// One test, so that the measurements run one at a time.
#[test]
fn generated_gradient_heap_is_at_most_hand_written_plus_outputs() {
    let n = 1_000;
    let (x, y) = (vec_x(n), vec_y(n));
    let (xf, yf) = (to_f32(&x), to_f32(&y));

    // Where the target holds today: the kernels allocate only the gradients they return.
    assert_target(
        "W1 f64 `x.powi(2).sum()`",
        Row::measure(|| sum_of_squares_powi_value_and_grad(&x), || w1_hand(&x)),
    );
    assert_target(
        "W1 f64 `(x * x).sum()`",
        Row::measure(|| sum_of_squares_value_and_grad(&x), || w1_hand(&x)),
    );
    assert_target(
        "W1 f32",
        Row::measure(
            || sum_of_squares_powi_f32_value_and_grad(&xf),
            || w1_hand(&xf),
        ),
    );
    assert_target(
        "W2 f64 `(x - y).powi(2).sum()`",
        Row::measure(
            || sum_squared_errors_powi_value_and_grad(&x, &y),
            || w2_hand(&x, &y),
        ),
    );
    assert_target(
        "W2 f64 `d = x - y; (&d * &d).sum()`",
        Row::measure(
            || sum_squared_errors_value_and_grad(&x, &y),
            || w2_hand(&x, &y),
        ),
    );
    assert_target(
        "W2 f32",
        Row::measure(
            || sum_squared_errors_powi_f32_value_and_grad(&xf, &yf),
            || w2_hand(&xf, &yf),
        ),
    );
    assert_target(
        "W5 f64 Rosenbrock, index loop",
        Row::measure(|| rosenbrock_loop_value_and_grad(&x), || w5_hand(&x)),
    );
    assert_target(
        "W5 f32 Rosenbrock, index loop",
        Row::measure(|| rosenbrock_loop_f32_value_and_grad(&xf), || w5_hand(&xf)),
    );
    // The slices are read in place by the kernel, which adds the partials of both into one
    // gradient buffer of `x`'s shape: the hand-written heap exactly (39976 B in 6 allocations before
    // 8664217, two gradient-sized buffers before the shared buffer).
    for (workload, row) in [
        (
            "W5 f64 Rosenbrock, slices",
            Row::measure(|| rosenbrock_value_and_grad(&x), || w5_hand(&x)),
        ),
        (
            "W5 f32 Rosenbrock, slices",
            Row::measure(|| rosenbrock_f32_value_and_grad(&xf), || w5_hand(&xf)),
        ),
    ] {
        assert_eq!(
            row.generated.peak_extra, row.hand.peak_extra,
            "{workload}: one gradient buffer for both slices"
        );
        assert_target(workload, row);
    }

    // Where it misses today: measured and printed (`cargo test --test heap -- --nocapture`), not
    // asserted. Measured 2026-11-30 at e4cddde, the same in debug and release (benches/heap.rs,
    // benches/HEAP.md): generated peak / hand-written peak / gradient bytes. To turn the assertion on
    // for one of them, replace its `known_miss` by `assert_target`.
    //
    // W3, 1000x100: 17600 / 800 / 800, 5 allocations against 1. Live at the peak: `z = X w` and its
    // gradient (1000 elements each: 16000 B over the target), and `dot_vjp1`'s contribution to the
    // gradient of `w` before it is added in (100 elements).
    let (w, b, xm, t) = w3_inputs();
    known_miss(
        "W3 logistic regression",
        Row::measure(
            || logistic_loss_value_and_grad(&w, b, &xm, &t),
            || w3_hand(&w, b, &xm, &t),
        ),
    );
    // W4, 256x64x128: 1511432 / 722944 / 67592, 20 allocations against 7 (23 until the rules of `+ b1`
    // were ordered so that the bias's borrows the adjoint and `x W1`'s takes it, instead of a copy).
    // The peak is unchanged: four 256x128 arrays (256 KiB each), `x W1`, `+ b1` and `tanh` of it (all
    // kept to the end of the function, though the reverse reads only the `tanh`) and an adjoint of
    // that shape; the hand-written code has one such buffer. Both have GEMM packing buffers (393216 B)
    // at their peak.
    let p = w4_inputs();
    known_miss(
        "W4 two-layer tanh MLP",
        Row::measure(
            || mlp_loss_value_and_grad(&p.w1, &p.b1, &p.w2, &p.b2, &p.x, &p.y),
            || w4_hand(&p),
        ),
    );
    // W6, 1000x10: 344016 / 80000 / 80000, 10 allocations against 1. Live at the peak: four 1000x10
    // arrays: `exp(logits)`, `logits * onehot` (kept to the end, though the reverse never reads it),
    // the gradient so far and the gradient through `exp` before it is added in; and three of 1000
    // elements (the row sums of `exp`, the picked logits, the gradient of the row sums).
    let (logits, onehot) = w6_inputs();
    known_miss(
        "W6 softmax cross-entropy",
        Row::measure(
            || softmax_xent_value_and_grad(&logits, &onehot),
            || w6_hand(&logits, &onehot),
        ),
    );
}
