#!/usr/bin/python3
"""Changwen's dual coordinate descent against scikit-learn's liblinear on exactly the same TF-IDF features.

A measuring instrument, not product code (Debian's python3-sklearn). DIR is what
`Changwen.Bench linear-dual DATA RUN_DIR --export DIR` wrote: train/val/test.svm (0-based svmlight) and changwen.json
(Changwen's per-C primal objective and test predictions). For each C it fits LogisticRegression(solver='liblinear',
C=C) — the baseline's recipe: one-vs-rest, bias a penalised constant feature (intercept_scaling=1), tol 1e-4 — on the
training rows, and prints the fit's seconds, liblinear's primal objective summed over the classes
(Σₖ ½‖wₖ‖² + ½bₖ² + C·Σᵢ log(1 + exp(−yᵢₖ(wₖ·xᵢ + bₖ)))), Changwen's, their relative difference, validation and test
accuracy of both, and the test documents on which the two predict differently.

    /usr/bin/python3 bench/baseline/liblinear_compare.py DIR [--dual]

--dual fits liblinear's dual solver (-s 7, Changwen's algorithm) instead of its primal trust-region Newton (-s 0,
scikit-learn's default dual=False and the baseline's).
"""
import argparse
import json
import time

import numpy as np
from sklearn.datasets import load_svmlight_files
from sklearn.linear_model import LogisticRegression


def primal_objective(model, x, y, c):
    scores = x @ model.coef_.T + model.intercept_
    signs = np.where(y[:, None] == model.classes_[None, :], 1.0, -1.0)
    margins = signs * scores
    loss = np.logaddexp(0, -margins).sum()
    return 0.5 * (np.square(model.coef_).sum() + np.square(model.intercept_).sum()) + c * loss


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("dir")
    parser.add_argument("--dual", action="store_true")
    args = parser.parse_args()
    x, y, xv, yv, xt, yt = load_svmlight_files(
        [f"{args.dir}/train.svm", f"{args.dir}/val.svm", f"{args.dir}/test.svm"], zero_based=True, dtype=np.float64)
    changwen = json.load(open(f"{args.dir}/changwen.json"))
    print(f"{x.shape[0]} train rows, {x.shape[1]} features, {x.nnz} nonzeros; Changwen's tolerance {changwen['tolerance']}")
    for fit in changwen["fits"]:
        c = fit["c"]
        model = LogisticRegression(solver="liblinear", C=c, dual=args.dual)
        start, cpu = time.perf_counter(), time.process_time()
        model.fit(x, y)
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        objective = primal_objective(model, x, y, c)
        predicted = model.predict(xt)
        ours = np.array(fit["test_predictions"])
        print(f"C={c:g}: sklearn liblinear ({'dual' if args.dual else 'primal'}) fit {seconds:.1f} s wall, {cpu:.1f} s CPU, "
              f"objective {objective:.4f}; Changwen {fit['objective']:.4f} (relative difference "
              f"{(fit['objective'] - objective) / objective:+.2e}, Changwen fit {fit['seconds']:.1f} s wall, {fit['cpu']:.1f} s CPU); "
              f"val {np.mean(model.predict(xv) == yv):.2%} vs {fit['val_accuracy']:.2%}; test {np.mean(predicted == yt):.2%} vs "
              f"{fit['test_accuracy']:.2%}; test predictions differing {int(np.sum(predicted != ours))} of {len(yt)}", flush=True)


if __name__ == "__main__":
    main()
