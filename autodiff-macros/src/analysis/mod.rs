//! Analyses: pure functions of the IR that the transforms read (activity, what regions record,
//! liveness for the forward sweep).

pub mod activity;
pub mod needed;
pub mod regions;
