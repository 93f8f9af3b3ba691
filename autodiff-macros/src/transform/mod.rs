//! Transforms, IR to IR: the reverse transform (primal IR to an adjoint program) and the forward-mode
//! JVP transform (primal IR to a tangent program in the same IR).

pub mod jvp;
pub mod reverse;
