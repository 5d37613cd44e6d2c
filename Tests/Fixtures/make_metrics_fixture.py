#!/usr/bin/env python3
"""Writes Tests/Fixtures/sklearn_metrics.json: scikit-learn's values of the metrics FusionLab
reports, on random scores with ties at several prevalences. Run once; the output is committed
and read by Tests/LabTests/SklearnMetricsTests.swift, which compares to 1e-12.

    python3 -m pip install scikit-learn numpy
    python3 Tests/Fixtures/make_metrics_fixture.py

Definitions (FusionLab's, each stated in scikit-learn's terms):
- roc_auc: roc_auc_score(y, s).
- average_precision: average_precision_score(y, s).
- at each threshold t, a sample is predicted positive when s >= t:
  precision/recall/f1 = precision_score/recall_score/f1_score(y, s >= t, zero_division=nan)
  (nan is written as null: FusionLab reports nil there), accuracy = accuracy_score.
- recall_at_1pct_fpr: with fpr, tpr, _ = roc_curve(y, s, drop_intermediate=False),
  max(tpr[fpr <= 0.01]). roc_curve's first point is (0, 0) at threshold +inf, so the value is 0
  when even the top score brings a false-positive rate above 1%.
- max_f1_threshold: the distinct score t maximising F1 of (s >= t), computed exactly with
  fractions from the counts; on equal F1 the highest such t (FusionLab takes the first in
  descending order).
- fpr_threshold (target 1%): the lowest distinct score t whose FPR of (s >= t) is <= 0.01, or null
  (+inf: predict nothing) when none is.
"""
import json
import os
from fractions import Fraction

import numpy as np
import sklearn
from sklearn.metrics import (accuracy_score, average_precision_score, f1_score, precision_score, recall_score,
                             roc_auc_score, roc_curve)


def scores_for(rng, labels, decimals, levels=None, shift=0.8):
    raw = rng.normal(size=labels.size) + shift * labels
    s = 1 / (1 + np.exp(-raw))
    if levels is not None:
        return np.floor(s * levels) / levels  # few distinct values: heavy ties
    return np.round(s, decimals)


def nan_to_none(x):
    x = float(x)
    return None if np.isnan(x) else x


def case(name, rng, n, prevalence, decimals=3, levels=None):
    labels = (rng.random(n) < prevalence).astype(int)
    labels[0], labels[1] = 1, 0  # both classes present
    s = scores_for(rng, labels, decimals, levels)
    distinct = np.unique(s)[::-1]
    quantiles = np.quantile(s, [0.5, 0.9, 0.99])
    thresholds = sorted({float(distinct[0]), float(distinct[len(distinct) // 2]), float(distinct[-1])}
                        | {float(q) for q in quantiles} | {0.5, 0.75, 1.5})
    at = []
    for t in thresholds:
        pred = (s >= t).astype(int)
        at.append({
            "threshold": t,
            "precision": nan_to_none(precision_score(labels, pred, zero_division=np.nan)),
            "recall": nan_to_none(recall_score(labels, pred, zero_division=np.nan)),
            "f1": nan_to_none(f1_score(labels, pred, zero_division=np.nan)),
            "accuracy": float(accuracy_score(labels, pred)),
        })
    fpr, tpr, _ = roc_curve(labels, s, drop_intermediate=False)
    pos, neg = int(labels.sum()), int((1 - labels).sum())
    best_f1, best_t, fpr_t = Fraction(-1), None, None
    for t in distinct:  # descending
        pred = s >= t
        tp = int((pred & (labels == 1)).sum())
        fp = int((pred & (labels == 0)).sum())
        f1 = Fraction(2 * tp, 2 * tp + fp + (pos - tp))
        if f1 > best_f1:
            best_f1, best_t = f1, float(t)
        if Fraction(fp, neg) <= Fraction(1, 100):
            fpr_t = float(t)
    return {
        "name": name,
        "scores": [float(x) for x in s],
        "labels": [int(x) for x in labels],
        "roc_auc": float(roc_auc_score(labels, s)),
        "average_precision": float(average_precision_score(labels, s)),
        "recall_at_1pct_fpr": float(tpr[fpr <= 0.01].max()),
        "max_f1_threshold": best_t,
        "fpr_threshold": fpr_t,
        "at_thresholds": at,
    }


def main():
    rng = np.random.default_rng(20240522)
    cases = [
        case("balanced, 3 decimals", rng, 3000, 0.5),
        case("prevalence 0.1, 2 decimals (many ties)", rng, 4000, 0.1, decimals=2),
        case("prevalence 0.02, 3 decimals", rng, 5000, 0.02),
        case("prevalence 0.005, 3 decimals", rng, 4000, 0.005),
        case("prevalence 0.2, 8 levels (ties across both classes)", rng, 2000, 0.2, levels=8),
    ]
    out = {"generator": "Tests/Fixtures/make_metrics_fixture.py", "sklearn": sklearn.__version__, "numpy": np.__version__,
           "cases": cases}
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "sklearn_metrics.json")
    with open(path, "w") as f:
        json.dump(out, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
