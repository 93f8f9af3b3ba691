//! Where an expansion's time goes: each pass of [`crate::expand`] runs inside [`pass`], which in test
//! builds adds its wall time to the pass's total while a [`collect`] is running on the thread (the
//! stress tests print the split). Outside tests `pass` only calls its closure.

#[cfg(test)]
use std::cell::RefCell;
#[cfg(test)]
use std::time::{Duration, Instant};

#[cfg(test)]
thread_local! {
    /// The passes timed so far by the running [`collect`], in the order they first ran.
    static PASSES: RefCell<Option<Vec<(&'static str, Duration)>>> = const { RefCell::new(None) };
}

/// Runs `f`, timed as part of the pass `name`.
#[inline(always)]
pub fn pass<T>(name: &'static str, f: impl FnOnce() -> T) -> T {
    #[cfg(test)]
    {
        if PASSES.with(|p| p.borrow().is_none()) {
            return f();
        }
        let start = Instant::now();
        let out = f();
        let elapsed = start.elapsed();
        PASSES.with(|p| {
            if let Some(passes) = p.borrow_mut().as_mut() {
                match passes.iter_mut().find(|(n, _)| *n == name) {
                    Some((_, total)) => *total += elapsed,
                    None => passes.push((name, elapsed)),
                }
            }
        });
        out
    }
    #[cfg(not(test))]
    {
        let _ = name;
        f()
    }
}

/// Runs `f` and returns what it returned with the time of each pass it ran (a pass nested in another
/// is counted in both).
#[cfg(test)]
pub fn collect<T>(f: impl FnOnce() -> T) -> (T, Vec<(&'static str, Duration)>) {
    PASSES.with(|p| *p.borrow_mut() = Some(Vec::new()));
    let out = f();
    let passes = PASSES.with(|p| p.borrow_mut().take()).unwrap_or_default();
    (out, passes)
}
