//! Trains a two-layer MLP on the Iris data with gradients from `#[differentiable]`, and reports the
//! accuracy on a held-out fifth of the rows.
use autodiff::prelude::*;
use indicatif::{ProgressBar, ProgressStyle};

#[path = "iris/model.rs"]
mod iris_model;
use iris_model::{iris, Mlp};

fn main() {
    let (train, test) = iris();
    let mut p = Mlp::new(16);
    let mut velocity = p.zeros_like();
    let epochs = 300;
    let bar = ProgressBar::new(epochs);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} epochs  {msg}")
            .expect("a valid template"),
    );
    let first = iris_model::loss(&p, &train.x, &train.onehot);
    let mut last = first;
    for epoch in 0..epochs {
        last = iris_model::step(&mut p, &mut velocity, &train, 0.05, 0.9);
        bar.set_message(format!("loss {last:.4}"));
        if epoch % 50 == 0 {
            bar.suspend(|| println!("epoch {epoch:>3}: loss {last:.4}"));
        }
        bar.inc(1);
    }
    bar.finish();
    println!("training loss: {first:.4} -> {last:.4}");
    println!(
        "accuracy: {:.1}% on the {} training rows, {:.1}% on the {} held-out rows",
        100.0 * p.accuracy(&train),
        train.labels.len(),
        100.0 * p.accuracy(&test),
        test.labels.len()
    );
}
