//! A two-layer MLP classifier for the Iris data, differentiated by `#[differentiable]`: the data, the
//! parameters (a `#[derive(Differentiable)]` struct), the loss, and a training step written with the
//! tangent operations. Shared by `examples/mlp_iris.rs` and `tests/training.rs`.
#![allow(dead_code)]

use autodiff::ndarray::{Array1, Array2, Axis};
use autodiff::nn;
use autodiff::prelude::*;

/// The Iris rows: 4 features and a class in 0..3.
pub struct Data {
    /// Standardized features, one row per flower.
    pub x: Array2<f64>,
    /// One-hot classes.
    pub onehot: Array2<f64>,
    /// The classes.
    pub labels: Vec<usize>,
}

/// The 150 rows of `data/iris.csv`, split into a training and a held-out set (every fifth row of the
/// shuffled data is held out), with features standardized by the training set's mean and deviation.
pub fn iris() -> (Data, Data) {
    let text = include_str!("../../data/iris.csv");
    let mut rows: Vec<(Vec<f64>, usize)> = text
        .lines()
        .skip(1)
        .map(|line| {
            let fields: Vec<&str> = line.split(',').collect();
            let features = fields[..4]
                .iter()
                .map(|f| f.parse().expect("a number"))
                .collect();
            (features, fields[4].parse().expect("a class"))
        })
        .collect();
    // A fixed shuffle (a linear congruential permutation), so runs are reproducible.
    let n = rows.len();
    let mut state = 12345u64;
    for i in (1..n).rev() {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        rows.swap(i, (state >> 33) as usize % (i + 1));
    }
    let (train, test): (Vec<_>, Vec<_>) =
        rows.into_iter().enumerate().partition(|(k, _)| k % 5 != 0);
    let to_data = |rows: Vec<(usize, (Vec<f64>, usize))>| {
        let m = rows.len();
        let x = Array2::from_shape_fn((m, 4), |(i, j)| rows[i].1 .0[j]);
        let labels: Vec<usize> = rows.iter().map(|r| r.1 .1).collect();
        let onehot = Array2::from_shape_fn((m, 3), |(i, c)| f64::from(u8::from(labels[i] == c)));
        Data { x, onehot, labels }
    };
    let (mut train, mut test) = (to_data(train), to_data(test));
    let mean = train.x.mean_axis(Axis(0)).expect("rows");
    let std = train.x.std_axis(Axis(0), 0.0);
    for data in [&mut train, &mut test] {
        data.x = (&data.x - &mean) / &std;
    }
    (train, test)
}

/// The parameters: a hidden `tanh` layer and a linear output layer.
#[derive(Clone, Debug, Differentiable)]
pub struct Mlp {
    /// Input to hidden weights.
    pub w1: Array2<f64>,
    /// Hidden biases.
    pub b1: Array1<f64>,
    /// Hidden to output weights.
    pub w2: Array2<f64>,
    /// Output biases.
    pub b2: Array1<f64>,
}

impl Mlp {
    /// Small deterministic initial weights (scaled by 1/sqrt(fan-in)).
    pub fn new(hidden: usize) -> Self {
        let w1 = Array2::from_shape_fn((4, hidden), |(i, j)| {
            (1.7 * (i * hidden + j) as f64 + 0.3).sin() / 2.0
        });
        let w2 = Array2::from_shape_fn((hidden, 3), |(i, j)| {
            (2.3 * (i * 3 + j) as f64 + 0.1).cos() / (hidden as f64).sqrt()
        });
        Mlp {
            w1,
            b1: Array1::zeros(hidden),
            w2,
            b2: Array1::zeros(3),
        }
    }

    /// The class scores of each row.
    pub fn logits(&self, x: &Array2<f64>) -> Array2<f64> {
        let h = (x.dot(&self.w1) + &self.b1).mapv(f64::tanh);
        h.dot(&self.w2) + &self.b2
    }

    /// The share of rows whose highest score is their class.
    pub fn accuracy(&self, data: &Data) -> f64 {
        let logits = self.logits(&data.x);
        let correct = logits
            .outer_iter()
            .zip(&data.labels)
            .filter(|(row, &label)| {
                let best = (0..3).fold(0, |b, c| if row[c] > row[b] { c } else { b });
                best == label
            })
            .count();
        correct as f64 / data.labels.len() as f64
    }
}

/// Mean cross-entropy of the softmax of the scores against the one-hot classes.
#[differentiable]
pub fn loss(p: &Mlp, x: &Array2<f64>, onehot: &Array2<f64>) -> f64 {
    let h = (x.dot(&p.w1) + &p.b1).mapv(f64::tanh);
    let logits = h.dot(&p.w2) + &p.b2;
    -(nn::log_softmax(&logits, Axis(1)) * onehot).sum() / x.nrows() as f64
}

/// Gradient descent with momentum, written with the tangent operations: `v = momentum v + g`,
/// `p -= lr v`. Returns the loss before the step.
pub fn step(p: &mut Mlp, velocity: &mut Mlp, data: &Data, lr: f64, momentum: f64) -> f64 {
    let (value, g) = loss_value_and_grad(p, &data.x, &data.onehot);
    velocity.scale(momentum);
    velocity.add_assign(g);
    p.axpy(-lr, velocity);
    value
}
