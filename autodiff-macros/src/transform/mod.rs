//! Transforms from IR to IR: the forward-mode (JVP) transform; the reverse transform builds its adjoint
//! program in [`crate::emit`].

pub mod jvp;
