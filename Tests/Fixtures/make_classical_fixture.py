#!/usr/bin/env python3
"""Writes Tests/Fixtures/sklearn_classical.json: scikit-learn's fits of the classical baselines on
a small dataset, read by Tests/ModelsTests/SklearnClassicalTests.swift. Run once; the output is
committed.

    python3 -m pip install scikit-learn numpy
    python3 Tests/Fixtures/make_classical_fixture.py

The data: 4 numeric columns of different scales and offsets (rounded to float32, so FusionLab
reads the very same numbers), 120 training rows with 30 anomalies whose classes overlap, and 40
rows to score. FusionLab standardises with the training mean and population deviation, as
StandardScaler does, so scikit-learn is fitted on StandardScaler().fit(train)-transformed rows:

- logistic: LogisticRegression(C, class_weight) (L2, intercept not regularised) for C in
  {1, 0.1} and class_weight in {None, "balanced"}, solved far past the default tolerance so the
  reference is the optimum itself: coefficients, intercept, predict_proba[:, 1] of the rows to score.
- linear_svc: LinearSVC(C, class_weight, loss="squared_hinge", dual=False) with
  intercept_scaling=1000: liblinear regularises the intercept as a feature of value
  intercept_scaling, so a large one leaves it (practically) unregularised, as FusionLab does.
  Checked against a direct float64 minimisation of C·Σ cw·max(0, 1 − t·f)² + ½‖w‖² (scipy).
  decision_function of the rows to score.
- knn: KNeighborsClassifier(n_neighbors=k, weights, algorithm="brute").predict_proba[:, 1] of
  the rows to score, k in {5, 15}, weights uniform and distance; and the leave-one-out share
  of anomalies among each training row's k nearest other training rows (kneighbors() with no
  X leaves each row out). The data is checked to have no near tie at the k-th neighbour (the
  k-th and (k+1)-th distances differ by more than 2e-5, far above float32 round-off), so
  FusionLab must find the very same neighbours and the uniform shares compare exactly.
"""
import json
import os

import numpy as np
import scipy
import sklearn
from scipy.optimize import minimize
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC


def make_data(rng):
    n_train, n_score = 120, 40
    labels = np.zeros(n_train + n_score, dtype=int)
    labels[rng.choice(n_train, 30, replace=False)] = 1
    labels[n_train + rng.choice(n_score, 10, replace=False)] = 1
    z = rng.normal(size=(labels.size, 4)) + 1.2 * labels[:, None] * np.array([1.0, -0.5, 0.8, 0.0])
    raw = z * np.array([1.0, 10.0, 0.1, 100.0]) + np.array([0.0, 5.0, -3.0, 50.0])
    raw = raw.astype(np.float32).astype(np.float64)
    return raw[:n_train], labels[:n_train], raw[n_train:], labels[n_train:]


def svc_objective(w, x, t, cost):
    f = x @ w[:-1] + w[-1]
    slack = np.maximum(0, 1 - t * f)
    grad_f = -2 * cost * t * slack
    return (np.sum(cost * slack ** 2) + 0.5 * w[:-1] @ w[:-1],
            np.concatenate([x.T @ grad_f + w[:-1], [grad_f.sum()]]))


def class_costs(y, c, class_weight):
    if class_weight is None:
        return np.full(y.size, c)
    w = y.size / (2 * np.bincount(y))
    return c * w[y]


def assert_no_near_ties(distances, k, what):
    # distances sorted ascending per row, at least k + 1 columns
    gap = distances[:, k] - distances[:, k - 1]
    assert gap.min() > 2e-5, f"{what}: near tie at the k-th neighbour (gap {gap.min()})"


def main():
    rng = np.random.default_rng(20261205)
    train, y, score, score_labels = make_data(rng)
    scaler = StandardScaler().fit(train)
    xs, ss = scaler.transform(train), scaler.transform(score)
    t = 2 * y - 1
    logistic, svc, knn = [], [], []
    for c in (1.0, 0.1):
        for cw in (None, "balanced"):
            lr = LogisticRegression(C=c, class_weight=cw, tol=1e-12, max_iter=100000).fit(xs, y)
            logistic.append({"c": c, "class_weight": cw or "none", "coefficients": lr.coef_[0].tolist(),
                             "intercept": float(lr.intercept_[0]), "probabilities": lr.predict_proba(ss)[:, 1].tolist()})
            sv = LinearSVC(C=c, class_weight=cw, loss="squared_hinge", dual=False, tol=1e-12, max_iter=1000000,
                           intercept_scaling=1000).fit(xs, y)
            decision = sv.decision_function(ss)
            exact = minimize(svc_objective, np.zeros(xs.shape[1] + 1), args=(xs, t, class_costs(y, c, cw)), jac=True,
                             method="L-BFGS-B", options={"gtol": 1e-12, "ftol": 1e-15, "maxiter": 100000})
            exact_decision = ss @ exact.x[:-1] + exact.x[-1]
            agreement = float(np.abs(decision - exact_decision).max())
            assert agreement < 1e-4, f"LinearSVC and the direct minimisation differ by {agreement}"
            svc.append({"c": c, "class_weight": cw or "none", "coefficients": sv.coef_[0].tolist(),
                        "intercept": float(sv.intercept_[0]), "decision_values": decision.tolist(),
                        "max_difference_to_direct_minimisation": agreement})
    for k in (5, 15):
        distances, _ = KNeighborsClassifier(n_neighbors=k + 1, algorithm="brute").fit(xs, y).kneighbors(ss)
        assert_no_near_ties(distances, k, f"scored rows, k={k}")
        for weights in ("uniform", "distance"):
            model = KNeighborsClassifier(n_neighbors=k, weights=weights, algorithm="brute").fit(xs, y)
            entry = {"k": k, "weights": weights, "probabilities": model.predict_proba(ss)[:, 1].tolist()}
            if weights == "uniform":
                loo_distances, loo = KNeighborsClassifier(n_neighbors=k + 1, algorithm="brute").fit(xs, y).kneighbors()
                assert_no_near_ties(loo_distances, k, f"training rows, k={k}")
                entry["leave_one_out"] = y[loo[:, :k]].mean(axis=1).tolist()
            knn.append(entry)
    out = {"generator": "Tests/Fixtures/make_classical_fixture.py", "sklearn": sklearn.__version__, "numpy": np.__version__,
           "scipy": scipy.__version__, "columns": ["a", "b", "c", "d"],
           "train": train.tolist(), "train_labels": y.tolist(), "score": score.tolist(), "score_labels": score_labels.tolist(),
           "logistic": logistic, "linear_svc": svc, "knn": knn}
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "sklearn_classical.json")
    with open(path, "w") as f:
        json.dump(out, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
