#!/usr/bin/env python3
"""Generates reference_metrics.json, the scipy/numpy reference values for EvaluationTests.

Run once (python3 with numpy and scipy); the JSON is committed and the Swift tests read it.
    python3 make_reference.py > reference_metrics.json
NaN is written as null.
"""
import json
import math
import sys

import numpy as np
import scipy
from scipy import optimize, stats

rng = np.random.default_rng(20250101)


def clean(v):
    """Floats as JSON numbers, NaN/inf as null."""
    if isinstance(v, (list, tuple, np.ndarray)):
        return [clean(e) for e in v]
    v = float(v)
    return v if math.isfinite(v) else None


def correlation_case(name, x, y):
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    with np.errstate(all="ignore"):
        import warnings
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            pearson = stats.pearsonr(x, y).statistic
            spearman = stats.spearmanr(x, y).statistic
            kendall = stats.kendalltau(x, y).statistic  # variant "b", the default
    return {
        "name": name,
        "x": clean(x), "y": clean(y),
        "plcc": clean(pearson), "srocc": clean(spearman), "krcc": clean(kendall),
        "rmse": clean(np.sqrt(np.mean((x - y) ** 2))),
        "mae": clean(np.mean(np.abs(x - y))),
    }


def logistic4(x, b1, b2, b3, b4):
    return (b1 - b2) / (1 + np.exp(-(x - b3) / np.abs(b4))) + b2


def logistic_case(name, x, y):
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    p0 = [np.max(y), np.min(y), np.mean(x), np.std(x) / 4]
    beta, _ = optimize.curve_fit(logistic4, x, y, p0=p0, maxfev=100000)
    mapped = logistic4(x, *beta)
    return {
        "name": name, "x": clean(x), "y": clean(y),
        "initial": clean(p0), "beta": clean(beta),
        "mapped_plcc": clean(stats.pearsonr(mapped, y).statistic),
        "mapped_rmse": clean(np.sqrt(np.mean((mapped - y) ** 2))),
        "raw_plcc": clean(stats.pearsonr(x, y).statistic),
    }


def alpha_sweep_case(n=30, delta_y=40.0):
    alphas = [k / 10 for k in range(10, 0, -1)] + [-k / 10 for k in range(1, 11)]
    labels = np.round(rng.uniform(5, 95, n), 3)
    clean_pred = np.round(labels + rng.normal(0, 8, n), 3)
    triggered = []
    for a in alphas:
        gain = 0.6 + 0.1 * a  # a partial, α-dependent effect with per-image noise
        triggered.append(np.round(clean_pred + gain * delta_y * a + rng.normal(0, 5, n), 3))
    out = {"alphas": alphas, "delta_y": delta_y, "clean": clean(clean_pred), "labels": clean(labels),
           "triggered": [clean(t) for t in triggered],
           "mae": [], "mra": [], "mean_shift": [], "abs_ratio_error": [],
           "shifted_mae": [], "shifted_rmse": [], "shifted_plcc": [], "shifted_srocc": []}
    for a, t in zip(alphas, triggered):
        target = delta_y * a
        d = t - clean_pred
        shifted = labels + target
        out["mae"].append(float(np.mean(np.abs(t - (clean_pred + target)))))
        out["mra"].append(float(np.mean(d) / target))
        out["mean_shift"].append(float(np.mean(d)))
        out["abs_ratio_error"].append(float(np.mean(np.abs(d / target - 1))))
        out["shifted_mae"].append(float(np.mean(np.abs(t - shifted))))
        out["shifted_rmse"].append(float(np.sqrt(np.mean((t - shifted) ** 2))))
        out["shifted_plcc"].append(float(stats.pearsonr(t, shifted).statistic))
        out["shifted_srocc"].append(float(stats.spearmanr(t, shifted).statistic))
    out["mmae"] = float(np.mean(out["mae"]))
    out["mmra"] = float(np.mean(out["mra"]))
    out["mean_abs_ratio_error"] = float(np.mean(out["abs_ratio_error"]))
    return out


def psnr_cases():
    a8 = rng.integers(0, 256, 300, dtype=np.uint8)
    b8 = np.clip(a8.astype(np.int64) + rng.integers(-6, 7, 300), 0, 255).astype(np.uint8)
    mse8 = np.mean((a8.astype(np.float64) - b8.astype(np.float64)) ** 2)
    af = rng.uniform(0, 1, 300)
    bf = np.clip(af + rng.normal(0, 0.03, 300), 0, 1)
    msef = np.mean((af - bf) ** 2)
    return [
        {"name": "uint8", "data_range": 255.0, "original": [int(v) for v in a8], "modified": [int(v) for v in b8],
         "mse": float(mse8), "psnr": float(10 * np.log10(255.0 ** 2 / mse8))},
        {"name": "unit", "data_range": 1.0, "original": clean(af), "modified": clean(bf),
         "mse": float(msef), "psnr": float(10 * np.log10(1.0 / msef))},
    ]


def main():
    n50 = rng.normal(50, 15, 50)
    ties_x = rng.integers(0, 6, 60)
    large_x = np.round(rng.uniform(0, 100, 2000), 1)
    mos = np.round(rng.uniform(3, 92, 232), 3)
    correlation = [
        correlation_case("random_n50", n50, 0.7 * n50 + rng.normal(0, 10, 50)),
        correlation_case("ties_n60", ties_x, ties_x + rng.integers(-2, 3, 60)),
        correlation_case("negative_n40", *(lambda x: (x, -2 * x + rng.normal(0, 0.5, 40)))(rng.normal(0, 1, 40))),
        correlation_case("n2", [1.0, 3.0], [2.0, 1.5]),
        correlation_case("n3_ties", [1.0, 1.0, 2.0], [3.0, 5.0, 5.0]),
        correlation_case("constant_x", [4.0] * 6, [1.0, 2.0, 3.0, 4.0, 5.0, 7.0]),
        correlation_case("mos_like_n232", np.round(mos + rng.normal(0, 9, 232), 3), mos),
        correlation_case("large_n2000_ties", large_x, np.round(large_x ** 1.3 / 10 + rng.normal(0, 8, 2000), 1)),
    ]
    u = rng.uniform(0, 1, 120)
    v = rng.uniform(20, 80, 100)
    logistic = [
        logistic_case("sigmoid_unit_scale", u, 100 / (1 + np.exp(-(u - 0.45) / 0.12)) + rng.normal(0, 5, 120)),
        logistic_case("mos_scale_saturating", v, 10 + 80 / (1 + np.exp(-(v - 55) / 8)) + rng.normal(0, 6, 100)),
    ]
    json.dump({"generator": f"make_reference.py (numpy {np.__version__}, scipy {scipy.__version__})",
               "correlation": correlation, "logistic": logistic,
               "alpha_sweep": alpha_sweep_case(), "psnr": psnr_cases()},
              sys.stdout, separators=(",", ":"))
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
