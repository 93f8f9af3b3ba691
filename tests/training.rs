//! A small MLP trained on the Iris data through `loss_value_and_grad`: the loss falls and the accuracy
//! rises within a few epochs.
#[path = "../examples/iris/model.rs"]
mod iris_model;

use autodiff::prelude::*;
use iris_model::{iris, Mlp};

#[test]
fn training_lowers_the_loss_and_raises_the_accuracy() {
    let (train, test) = iris();
    assert_eq!((train.labels.len(), test.labels.len()), (120, 30));
    let mut p = Mlp::new(8);
    let mut velocity = p.zeros_like();
    let loss0 = iris_model::loss(&p, &train.x, &train.onehot);
    let accuracy0 = p.accuracy(&train);
    let mut losses = Vec::new();
    for _ in 0..60 {
        losses.push(iris_model::step(&mut p, &mut velocity, &train, 0.05, 0.9));
    }
    let loss1 = iris_model::loss(&p, &train.x, &train.onehot);
    assert!(loss1 < 0.5 * loss0, "loss {loss0} -> {loss1}");
    assert!(
        losses.windows(10).step_by(10).all(|w| w[9] < w[0] + 1e-9),
        "the loss keeps falling: {losses:?}"
    );
    let accuracy1 = p.accuracy(&train);
    assert!(
        accuracy1 > accuracy0 && accuracy1 >= 0.9,
        "accuracy {accuracy0} -> {accuracy1}"
    );
    assert!(
        p.accuracy(&test) >= 0.85,
        "held-out accuracy {}",
        p.accuracy(&test)
    );
}

#[test]
fn the_loss_gradient_matches_finite_differences() {
    let (train, _) = iris();
    let p = Mlp::new(5);
    check_grad(
        |p: &Mlp| iris_model::loss(p, &train.x, &train.onehot),
        |p: &Mlp| iris_model::loss_grad(p, &train.x, &train.onehot),
        &p,
    )
    .unwrap();
}
