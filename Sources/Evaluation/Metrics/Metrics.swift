// Evaluation: the metrics of the BAIQA evaluation protocol (spec §9) and small report helpers.
// Pure Swift + Foundation; no tensors. Everything works on plain `[Double]` score vectors.

/// Namespace for the scalar metrics: correlation (`plcc`, `srocc`, `krcc`), error (`rmse`, `mae`)
/// and image fidelity (`mse`, `psnr`). The α-sweep lives in `AlphaSweep`, the 4-parameter logistic
/// in `LogisticMapping`.
///
/// Conventions, shared by every function here:
/// - paired inputs must have the same length and finite values, otherwise a `MetricError` is thrown;
/// - correlations need at least 2 values; a constant input (zero variance) gives NaN, as scipy does;
/// - the order of arguments is (predictions, labels) wherever it matters (the logistic mapping is fitted
///   from predictions to labels).
public enum Metrics {}
