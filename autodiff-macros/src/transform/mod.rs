//! Transforms, IR to IR: merging of repeated element reads, fusion of elementwise chains into kernels, the reverse transform (primal IR to an adjoint program) and the forward-mode
//! JVP transform (primal IR to a tangent program in the same IR); an adjoint program can be written out as
//! IR ([`linearize`]) for the JVP transform to run on it (forward over reverse).

pub mod cse;
pub mod fuse;
pub mod inline_maps;
pub mod jvp;
// Forward over reverse: the unit tests use it now, `f_hvp` will.
#[allow(dead_code)]
pub mod linearize;
pub mod prune;
pub mod reverse;
pub mod strength;
