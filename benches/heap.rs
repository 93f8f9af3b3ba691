//! The extra heap of the generated gradients (issue 9): "the extra heap of a gradient at most that of the
//! hand-written one plus one output-sized buffer per gradient returned (measure with a counting
//! allocator), and no more than the default allocator can serve without page faults".
//!
//! For every workload and size of `benches/workloads.rs` (W1-W6, f64 and the f32 variants there), one
//! call of the generated `f_value_and_grad` and one call of the hand-written fused value-and-gradient run
//! under a counting global allocator. Printed per row: the peak heap above the heap before the call (the
//! returned gradients included), the number of allocations, the bytes of the returned gradients, and
//! whether `generated peak <= hand-written peak + gradient bytes` holds.
//!
//! Then the minor page faults of one call of each after one warm-up call (the steady state of a user's
//! loop), from `/proc/self/stat` (field 10, `minflt`): every row and variant runs in a fresh child process
//! of this program, so that no row inherits the allocator state of the rows before it; once with glibc's
//! default `malloc`, once with `GLIBC_TUNABLES` that keep freed memory in the process (`mmap_threshold`
//! and `trim_threshold` at 4 GB), which shows which faults the default settings cause.
//!
//! `cargo bench --bench heap` (about a minute with the build); `cargo bench --bench heap -- W5` for the
//! rows whose workload contains `W5`. `tests/heap.rs` asserts the target at small sizes.
//!
//! The differentiable workloads and the hand-written gradients are copies of `benches/workloads.rs`'s
//! (that file is a criterion `main` and cannot be included): keep them identical.
use autodiff::ndarray::{Array, Dimension};
use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicIsize, AtomicUsize, Ordering};

// ---------------------------------------------------------------------------------------------
// The counting allocator
// ---------------------------------------------------------------------------------------------

/// `System` with counters: bytes live now, the most bytes live since the last `measure` began, and
/// allocations made (a `realloc` counts as one). During `measure` it also logs the first `LOG_CAP`
/// events in order (`+size` an allocation, `-size` a free), without allocating.
struct Counting;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);
static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

const LOG_CAP: usize = 256;
static LOGGING: AtomicBool = AtomicBool::new(false);
static LOG_LEN: AtomicUsize = AtomicUsize::new(0);
static LOG: [AtomicIsize; LOG_CAP] = [const { AtomicIsize::new(0) }; LOG_CAP];

fn log(event: isize) {
    if LOGGING.load(Ordering::SeqCst) {
        let i = LOG_LEN.fetch_add(1, Ordering::SeqCst);
        if i < LOG_CAP {
            LOG[i].store(event, Ordering::SeqCst);
        }
    }
}

fn grew(bytes: usize) {
    let now = CURRENT.fetch_add(bytes, Ordering::SeqCst) + bytes;
    PEAK.fetch_max(now, Ordering::SeqCst);
    log(bytes as isize);
}

fn shrank(bytes: usize) {
    CURRENT.fetch_sub(bytes, Ordering::SeqCst);
    log(-(bytes as isize));
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            ALLOCATIONS.fetch_add(1, Ordering::SeqCst);
            grew(layout.size());
        }
        p
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
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
        if !p.is_null() {
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
#[derive(Clone, Debug)]
struct Heap {
    /// The most bytes live during the call above those live before it (what the call returns included).
    peak_extra: usize,
    allocations: usize,
    /// The allocations (`+size`) and frees (`-size`) in order, at most `LOG_CAP`.
    events: Vec<isize>,
}

/// Runs `f` once and counts its heap. The program is single-threaded, so the global counters see
/// only `f`.
fn measure<T>(f: impl FnOnce() -> T) -> (T, Heap) {
    let before = CURRENT.load(Ordering::SeqCst);
    PEAK.store(before, Ordering::SeqCst);
    let count = ALLOCATIONS.load(Ordering::SeqCst);
    LOG_LEN.store(0, Ordering::SeqCst);
    LOGGING.store(true, Ordering::SeqCst);
    let value = f();
    LOGGING.store(false, Ordering::SeqCst);
    let peak = PEAK.load(Ordering::SeqCst);
    let allocations = ALLOCATIONS.load(Ordering::SeqCst) - count;
    let logged = LOG_LEN.load(Ordering::SeqCst).min(LOG_CAP);
    let heap = Heap {
        peak_extra: peak - before,
        allocations,
        events: LOG[..logged]
            .iter()
            .map(|e| e.load(Ordering::SeqCst))
            .collect(),
    };
    (value, heap)
}

/// The events of a call, `+size`/`-size`, with the point where the peak is first reached marked.
fn show_events(heap: &Heap) -> String {
    let mut live = 0isize;
    let mut marked = false;
    let mut parts = Vec::new();
    for &e in &heap.events {
        live += e;
        let mut part = if e > 0 {
            format!("+{e}")
        } else {
            e.to_string()
        };
        if !marked && live == heap.peak_extra as isize {
            part.push_str(" [peak]");
            marked = true;
        }
        parts.push(part);
    }
    parts.join(" ")
}

/// Minor page faults of this process so far: field 10 of `/proc/self/stat`, read as text (the fields
/// are counted after the `)` that closes the command name, which may contain spaces).
fn minor_faults() -> u64 {
    let stat = std::fs::read_to_string("/proc/self/stat").expect("/proc/self/stat");
    let after_name = &stat[stat.rfind(')').expect("stat format") + 1..];
    // Field 3 (state) is the first after the name, so field 10 is the eighth.
    after_name
        .split_whitespace()
        .nth(7)
        .and_then(|f| f.parse().ok())
        .expect("minflt in /proc/self/stat")
}

/// Heap bytes of an array's elements.
fn bytes<A, D: Dimension>(a: &Array<A, D>) -> usize {
    a.len() * std::mem::size_of::<A>()
}

// The workloads, their inputs and the hand-written gradients, shared with benches/workloads.rs.
#[path = "common/workloads.rs"]
mod common;
use common::*;

// ---------------------------------------------------------------------------------------------
// The rows
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Variant {
    Generated,
    Hand,
}

/// Heap bytes of returned gradients: arrays count their elements, scalars nothing.
trait GradBytes {
    fn grad_bytes(&self) -> usize;
}

impl<A, D: Dimension> GradBytes for Array<A, D> {
    fn grad_bytes(&self) -> usize {
        bytes(self)
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

/// The bytes of the gradients in a `(value, gradients)` result, which is then dropped.
fn out<V, G: GradBytes>(result: (V, G)) -> usize {
    black_box(result).1.grad_bytes()
}

/// One call of a row's generated or hand-written value-and-gradient (on inputs the closure owns);
/// returns the bytes of the gradients it returned.
type Runner = Box<dyn Fn(Variant) -> usize>;

struct Case {
    workload: &'static str,
    size: &'static str,
    /// Makes the inputs (only when the row runs).
    build: Box<dyn Fn() -> Runner>,
}

fn size_name(n: usize) -> &'static str {
    match n {
        1_000 => "1e3",
        100_000 => "1e5",
        1_000_000 => "1e6",
        _ => unreachable!("sizes of benches/workloads.rs"),
    }
}

/// Every row, in the order of benches/workloads.rs.
fn cases() -> Vec<Case> {
    use Variant::{Generated, Hand};
    let mut cases = Vec::new();
    let mut add = |workload, size, build: Box<dyn Fn() -> Runner>| {
        cases.push(Case {
            workload,
            size,
            build,
        })
    };
    for n in [1_000usize, 100_000, 1_000_000] {
        add(
            "W1 f64 `x.powi(2).sum()`",
            size_name(n),
            Box::new(move || {
                let x = vec_x(n);
                Box::new(move |v| match v {
                    Generated => out(sum_of_squares_powi_value_and_grad(black_box(&x))),
                    Hand => out(w1_hand(black_box(&x))),
                })
            }),
        );
        add(
            "W1 f64 `(x * x).sum()`",
            size_name(n),
            Box::new(move || {
                let x = vec_x(n);
                Box::new(move |v| match v {
                    Generated => out(sum_of_squares_value_and_grad(black_box(&x))),
                    Hand => out(w1_hand(black_box(&x))),
                })
            }),
        );
    }
    for n in [1_000usize, 100_000, 1_000_000] {
        add(
            "W1 f32 `x.powi(2).sum()`",
            size_name(n),
            Box::new(move || {
                let x = to_f32(&vec_x(n));
                Box::new(move |v| match v {
                    Generated => out(sum_of_squares_powi_f32_value_and_grad(black_box(&x))),
                    Hand => out(w1_hand(black_box(&x))),
                })
            }),
        );
    }
    for n in [1_000usize, 1_000_000] {
        add(
            "W2 f64 `(x - y).powi(2).sum()`",
            size_name(n),
            Box::new(move || {
                let (x, y) = (vec_x(n), vec_y(n));
                Box::new(move |v| match v {
                    Generated => out(sum_squared_errors_powi_value_and_grad(
                        black_box(&x),
                        black_box(&y),
                    )),
                    Hand => out(w2_hand(black_box(&x), black_box(&y))),
                })
            }),
        );
        add(
            "W2 f64 `d = x - y; (&d * &d).sum()`",
            size_name(n),
            Box::new(move || {
                let (x, y) = (vec_x(n), vec_y(n));
                Box::new(move |v| match v {
                    Generated => out(sum_squared_errors_value_and_grad(
                        black_box(&x),
                        black_box(&y),
                    )),
                    Hand => out(w2_hand(black_box(&x), black_box(&y))),
                })
            }),
        );
    }
    for n in [1_000usize, 1_000_000] {
        add(
            "W2 f32 `(x - y).powi(2).sum()`",
            size_name(n),
            Box::new(move || {
                let (x, y) = (to_f32(&vec_x(n)), to_f32(&vec_y(n)));
                Box::new(move |v| match v {
                    Generated => out(sum_squared_errors_powi_f32_value_and_grad(
                        black_box(&x),
                        black_box(&y),
                    )),
                    Hand => out(w2_hand(black_box(&x), black_box(&y))),
                })
            }),
        );
    }
    add(
        "W3 logistic regression",
        "1000x100",
        Box::new(|| {
            let (w, b, xm, t) = w3_inputs();
            Box::new(move |v| match v {
                Generated => out(logistic_loss_value_and_grad(
                    black_box(&w),
                    black_box(b),
                    black_box(&xm),
                    black_box(&t),
                )),
                Hand => out(w3_hand(
                    black_box(&w),
                    black_box(b),
                    black_box(&xm),
                    black_box(&t),
                )),
            })
        }),
    );
    add(
        "W4 two-layer tanh MLP",
        "256x64x128",
        Box::new(|| {
            let p = w4_inputs();
            Box::new(move |v| match v {
                Generated => out(mlp_loss_value_and_grad(
                    &p.w1,
                    &p.b1,
                    &p.w2,
                    &p.b2,
                    black_box(&p.x),
                    &p.y,
                )),
                Hand => out(w4_hand(black_box(&p))),
            })
        }),
    );
    for n in [1_000usize, 100_000, 1_000_000] {
        add(
            "W5 f64 Rosenbrock, slices",
            size_name(n),
            Box::new(move || {
                let x = vec_x(n);
                Box::new(move |v| match v {
                    Generated => out(rosenbrock_value_and_grad(black_box(&x))),
                    Hand => out(w5_hand(black_box(&x))),
                })
            }),
        );
        add(
            "W5 f64 Rosenbrock, index loop",
            size_name(n),
            Box::new(move || {
                let x = vec_x(n);
                Box::new(move |v| match v {
                    Generated => out(rosenbrock_loop_value_and_grad(black_box(&x))),
                    Hand => out(w5_hand(black_box(&x))),
                })
            }),
        );
    }
    for n in [1_000usize, 100_000, 1_000_000] {
        add(
            "W5 f32 Rosenbrock, slices",
            size_name(n),
            Box::new(move || {
                let x = to_f32(&vec_x(n));
                Box::new(move |v| match v {
                    Generated => out(rosenbrock_f32_value_and_grad(black_box(&x))),
                    Hand => out(w5_hand(black_box(&x))),
                })
            }),
        );
        add(
            "W5 f32 Rosenbrock, index loop",
            size_name(n),
            Box::new(move || {
                let x = to_f32(&vec_x(n));
                Box::new(move |v| match v {
                    Generated => out(rosenbrock_loop_f32_value_and_grad(black_box(&x))),
                    Hand => out(w5_hand(black_box(&x))),
                })
            }),
        );
    }
    add(
        "W6 softmax cross-entropy",
        "1000x10",
        Box::new(|| {
            let (logits, onehot) = w6_inputs();
            Box::new(move |v| match v {
                Generated => out(softmax_xent_value_and_grad(black_box(&logits), &onehot)),
                Hand => out(w6_hand(black_box(&logits), &onehot)),
            })
        }),
    );
    cases
}

// ---------------------------------------------------------------------------------------------
// Page faults, one fresh process per row and variant
// ---------------------------------------------------------------------------------------------

/// Set in a child: `<row index>:<gen|hand>`.
const CHILD: &str = "AUTODIFF_HEAP_CHILD";
/// Calls whose faults a child reports, after the warm-up call.
const FAULT_CALLS: usize = 4;
/// glibc settings under which freed memory stays in the process (what the default dynamic mmap
/// threshold and trim threshold do not guarantee for large blocks).
const KEEP_MEMORY: &str =
    "glibc.malloc.mmap_threshold=4000000000:glibc.malloc.trim_threshold=4000000000";

/// The child's work: the inputs, a warm-up call, then the minor faults of each of `FAULT_CALLS` calls,
/// printed on one line.
fn child(spec: &str) {
    let (index, variant) = spec.split_once(':').expect("index:variant");
    let variant = match variant {
        "gen" => Variant::Generated,
        "hand" => Variant::Hand,
        _ => panic!("variant {variant}"),
    };
    let case = &cases()[index.parse::<usize>().expect("row index")];
    let run = (case.build)();
    run(variant);
    let mut faults = Vec::with_capacity(FAULT_CALLS);
    for _ in 0..FAULT_CALLS {
        let before = minor_faults();
        run(variant);
        faults.push(minor_faults() - before);
    }
    let line: Vec<String> = faults.iter().map(u64::to_string).collect();
    println!("{}", line.join(" "));
}

/// Faults of the calls after the warm-up, from a fresh process running only this row and variant.
fn faults_in_child(index: usize, variant: Variant, keep_memory: bool) -> Vec<u64> {
    let exe = std::env::current_exe().expect("current_exe");
    let tag = match variant {
        Variant::Generated => "gen",
        Variant::Hand => "hand",
    };
    let mut command = Command::new(exe);
    command.env(CHILD, format!("{index}:{tag}"));
    if keep_memory {
        command.env("GLIBC_TUNABLES", KEEP_MEMORY);
    } else {
        command.env_remove("GLIBC_TUNABLES");
    }
    let output = command.output().expect("run the child");
    assert!(output.status.success(), "child {index}:{tag} failed");
    String::from_utf8(output.stdout)
        .expect("utf-8")
        .split_whitespace()
        .map(|f| f.parse().expect("a count"))
        .collect()
}

/// The first call after the warm-up; the later ones in brackets where any differs.
fn show_faults(faults: &[u64]) -> String {
    let (first, rest) = faults.split_first().expect("one call at least");
    if rest.iter().all(|f| f == first) {
        first.to_string()
    } else {
        let rest: Vec<String> = rest.iter().map(u64::to_string).collect();
        format!("{first} ({})", rest.join(", "))
    }
}

fn main() {
    if let Ok(spec) = std::env::var(CHILD) {
        child(&spec);
        return;
    }
    // `cargo bench` passes `--bench`; any other argument selects rows whose workload contains it.
    let filters: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let cases = cases();
    let selected: Vec<usize> = (0..cases.len())
        .filter(|&i| filters.is_empty() || filters.iter().any(|f| cases[i].workload.contains(f)))
        .collect();

    println!(
        "Extra heap of one call: peak bytes above the heap before the call (the returned gradients"
    );
    println!(
        "included) and allocations; target: generated peak <= hand-written peak + gradient bytes."
    );
    println!();
    println!("| workload | size | generated peak extra | hand peak extra | gradient bytes | generated allocations | hand allocations | target | generated over target |");
    println!("| --- | --- | ---: | ---: | ---: | ---: | ---: | --- | ---: |");
    let mut missing: Vec<(&str, &str, Heap)> = Vec::new();
    for &i in &selected {
        let case = &cases[i];
        let run = (case.build)();
        // A warm-up call of each first, as for the faults below (the counts do not depend on it).
        run(Variant::Generated);
        run(Variant::Hand);
        let (gen_out, generated) = measure(|| run(Variant::Generated));
        let (hand_out, hand) = measure(|| run(Variant::Hand));
        assert_eq!(
            gen_out, hand_out,
            "{}: the gradients differ in size",
            case.workload
        );
        let bound = hand.peak_extra + gen_out;
        let holds = generated.peak_extra <= bound;
        let over = if holds {
            "—".to_string()
        } else {
            format!(
                "{} ({:.2} x gradient bytes)",
                generated.peak_extra - bound,
                (generated.peak_extra - bound) as f64 / gen_out as f64
            )
        };
        println!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            case.workload,
            case.size,
            generated.peak_extra,
            hand.peak_extra,
            gen_out,
            generated.allocations,
            hand.allocations,
            if holds { "holds" } else { "misses" },
            over
        );
        if !holds && !missing.iter().any(|m| m.0 == case.workload) {
            missing.push((case.workload, case.size, generated));
        }
    }

    if !missing.is_empty() {
        println!();
        println!("The generated call's allocations (+bytes) and frees (-bytes) in order, in the first row of");
        println!("each workload that misses the target:");
        println!();
        for (workload, size, heap) in &missing {
            println!("- {workload}, {size}: {}", show_events(heap));
        }
    }

    println!();
    println!("Minor page faults of one call after a warm-up call (calls 3-{} in brackets where they differ),", FAULT_CALLS + 1);
    println!("each row and variant in a fresh process; default glibc malloc, and with");
    println!("GLIBC_TUNABLES={KEEP_MEMORY}.");
    println!();
    println!("| workload | size | generated, default | hand, default | generated, memory kept | hand, memory kept |");
    println!("| --- | --- | ---: | ---: | ---: | ---: |");
    for &i in &selected {
        let case = &cases[i];
        let cells: Vec<String> = [
            (Variant::Generated, false),
            (Variant::Hand, false),
            (Variant::Generated, true),
            (Variant::Hand, true),
        ]
        .iter()
        .map(|&(variant, keep)| show_faults(&faults_in_child(i, variant, keep)))
        .collect();
        println!(
            "| {} | {} | {} |",
            case.workload,
            case.size,
            cells.join(" | ")
        );
    }
}
