#!/usr/bin/env python3
"""A gradient-boosted-trees baseline on `fusionlab features` output, scored like FusionLab.

    fusionlab features Experiments/default.json --out features.csv
    python3 Benchmarks/hist_gradient_boosting.py features.csv --out trees.csv --seeds 0 1 2

Fits scikit-learn's HistGradientBoostingClassifier on the rows with split == train (the typed
header's `:token` columns as categorical features, their categories taken from the training rows
only — at most 255, the rarest folded into one "other" category — and `:float` columns as
numbers; an untyped header from an older export is read as before, by guessing; early
stopping on the valid rows when the installed scikit-learn's fit() takes X_val/y_val, else on
a fraction of train), chooses the decision threshold on the valid rows by FusionLab's rule
(Sources/Lab/Metrics/RankingCurves.swift: `max_f1` by default, or `fpr`), and writes one row
per seed in the format of FusionLab's summary.csv (variant, seed, fold, roc_auc,
average_precision, f1, precision, recall, recall_at_1pct_fpr, recall_<type>...), metrics on
the test rows computed as FusionLab computes them.

Only a benchmark: FusionLab never runs Python. Needs numpy, pandas and scikit-learn.
"""

import argparse
import csv
import inspect
import math
import os
import sys

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from threadpoolctl import threadpool_limits

LEADING = ["sample_id", "split", "label", "anomaly_type"]
MAIN_METRICS = ["roc_auc", "average_precision", "f1", "precision", "recall", "recall_at_1pct_fpr"]


# ---- FusionLab's metrics (Sources/Lab/Metrics), re-implemented to give the same numbers ----

class RankingCurve:
    """Points at each distinct score, descending; point i predicts positive for score >= thresholds[i]."""

    def __init__(self, scores, labels):
        scores = np.asarray(scores, dtype=np.float64)
        labels = np.asarray(labels, dtype=bool)
        order = np.argsort(-scores, kind="stable")
        s, y = scores[order], labels[order]
        tp, fp = np.cumsum(y), np.cumsum(~y)
        last_of_tie = np.r_[s[1:] != s[:-1], True] if len(s) else np.zeros(0, dtype=bool)
        self.thresholds = s[last_of_tie]
        self.tp = tp[last_of_tie].astype(np.float64)
        self.fp = fp[last_of_tie].astype(np.float64)
        self.positives = float(y.sum())
        self.negatives = float(len(y) - y.sum())

    def roc_auc(self):
        if self.positives == 0 or self.negatives == 0:
            return None
        tpr = np.r_[0.0, self.tp / self.positives]
        fpr = np.r_[0.0, self.fp / self.negatives]
        return float(np.sum((fpr[1:] - fpr[:-1]) * (tpr[1:] + tpr[:-1]) / 2))

    def average_precision(self):
        if self.positives == 0:
            return None
        recall = np.r_[0.0, self.tp / self.positives]
        precision = self.tp / (self.tp + self.fp)
        return float(np.sum((recall[1:] - recall[:-1]) * precision))

    def recall_at_fpr(self, rate):
        if self.positives == 0 or self.negatives == 0:
            return None
        ok = self.fp / self.negatives <= rate + 1e-12
        return float(max(0.0, (self.tp[ok] / self.positives).max())) if ok.any() else 0.0

    def threshold_max_f1(self):
        """The threshold of highest F1; the first (highest threshold) on ties; +inf without positives."""
        if self.positives == 0:
            return math.inf
        fn = self.positives - self.tp
        f1 = 2 * self.tp / np.maximum(2 * self.tp + self.fp + fn, 1e-300)
        return float(self.thresholds[int(np.argmax(f1))])  # argmax returns the first maximum

    def threshold_at_fpr(self, rate):
        """The lowest threshold whose false-positive rate stays <= rate; +inf if none."""
        if self.negatives == 0:
            return float(self.thresholds[-1]) if len(self.thresholds) else math.inf
        ok = np.nonzero(self.fp / self.negatives <= rate + 1e-12)[0]
        return float(self.thresholds[ok[-1]]) if len(ok) else math.inf


def split_metrics(scores, labels, types, threshold):
    """FusionLab's Evaluator.evaluate, the columns summary.csv shows."""
    curve = RankingCurve(scores, labels)
    predicted = scores >= threshold
    tp = int(np.sum(predicted & labels))
    fp = int(np.sum(predicted & ~labels))
    fn = int(np.sum(~predicted & labels))
    out = {
        "roc_auc": curve.roc_auc(),
        "average_precision": curve.average_precision(),
        "f1": 2 * tp / (2 * tp + fp + fn) if 2 * tp + fp + fn > 0 else None,
        "precision": tp / (tp + fp) if tp + fp > 0 else None,
        "recall": tp / (tp + fn) if tp + fn > 0 else None,
        "recall_at_1pct_fpr": curve.recall_at_fpr(0.01),
    }
    for t in sorted(set(types) - {"", "normal"}):
        members = types == t
        out[f"recall_{t}"] = float(np.mean(predicted[members]))
    return out


def number(v):
    """CSVTable.number: integers without a decimal point, others in shortest round-trip form, None empty."""
    if v is None:
        return ""
    if v == round(v) and abs(v) < 1e15:
        return str(int(v))
    return repr(float(v))


# ---- data ----

def read_header(path):
    """The header's (name, type) pairs: `name:token` / `name:float` as `fusionlab features` writes
    them (the dataset format's types), or type None for every column of an untyped (older) export."""
    with open(path, newline="") as f:
        header = next(csv.reader(f), [])
    if not header or header[0] != "sample_id:token":
        return [(name, None) for name in header]
    fields = []
    for field in header:
        name, colon, kind = field.rpartition(":")
        if not colon or kind not in ("token", "float"):
            sys.exit(f"{path}: header field {field!r} is not name:token or name:float")
        fields.append((name, kind))
    return fields


def other_label(kept):
    """A category name for rare and unseen values that no kept value has."""
    label = "<other>"
    while label in kept:
        label = "<" + label + ">"
    return label


def encode_tokens(column, train, max_bins):
    """A token column as a pandas categorical whose categories come from the training rows only.
    HistGradientBoosting takes at most max_bins categories per feature: with more distinct training
    values, the max_bins - 1 most frequent keep their own category and the rest, with values never
    seen in training, share one "other" category; otherwise unseen values are missing. None when no
    training row has a value (nothing to learn from)."""
    counts = column[train].value_counts()
    if counts.empty:
        return None
    counts = counts.sort_index(kind="stable").sort_values(ascending=False, kind="stable")  # ties by value
    if len(counts) <= max_bins:
        kept = sorted(counts.index)
        return pd.Categorical(column.where(column.isin(kept)), categories=kept)
    kept = sorted(counts.index[: max_bins - 1])
    other = other_label(set(kept))
    values = column.where(column.isin(kept) | column.isna(), other)
    return pd.Categorical(values, categories=kept + [other])


def load(path, max_bins):
    fields = read_header(path)
    typed = bool(fields) and fields[0][1] is not None
    table = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    table.columns = [name for name, _ in fields]
    missing = [c for c in LEADING if c not in table.columns]
    if missing:
        sys.exit(f"{path}: missing columns {missing}; write it with `fusionlab features`")
    split = table["split"].to_numpy()
    train = split == "train"
    for role in ("train", "valid", "test"):
        if not (split == role).any():
            sys.exit(f"{path}: no {role} rows")
    features = {}
    categorical = []
    for name, kind in fields[len(LEADING):]:
        column = table[name]
        if kind is None:
            # Untyped (older) export: a column is numeric when every value parses as a number,
            # so numeric-looking ids become numbers; re-export to get them as tokens.
            numeric = pd.to_numeric(column, errors="coerce")
            kind = "float" if numeric.notna().sum() == column.notna().sum() else "token"
        if kind == "float":
            numeric = pd.to_numeric(column, errors="coerce")
            if numeric[train].notna().any():
                features[name] = numeric.astype(np.float64)
            continue  # never present in training: nothing to learn from
        encoded = encode_tokens(column, train, max_bins)
        if encoded is not None:
            features[name] = encoded
            categorical.append(name)
    labels = table["label"].astype(float).to_numpy() == 1
    types = table["anomaly_type"].fillna("").to_numpy()
    return pd.DataFrame(features, index=table.index), labels, types, split, categorical, typed


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("features", help="CSV written by `fusionlab features`")
    parser.add_argument("--out", required=True, help="summary CSV to write (FusionLab's summary.csv columns)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--variant", default="trees")
    parser.add_argument("--threshold", choices=["max_f1", "fpr"], default="max_f1", help="as evaluation.threshold")
    parser.add_argument("--target-fpr", type=float, default=0.01, help="as evaluation.target_fpr (with --threshold fpr)")
    parser.add_argument("--max-iter", type=int, default=500)
    parser.add_argument("--learning-rate", type=float, default=0.1)
    parser.add_argument("--max-features", type=float, default=1.0,
                        help="share of features per split; below 1 the seed varies the model, at 1 with early stopping "
                             "on the valid rows the fit is deterministic and every seed gives the same trees")
    parser.add_argument("--threads", type=int, default=1,
                        help="OpenMP threads for the trees (default 1: on a shared machine more threads spin and can be 20x slower)")
    args = parser.parse_args()
    threadpool_limits(limits=args.threads)

    max_bins = 255
    X, y, types, split, categorical, typed = load(args.features, max_bins)
    train, valid, test = (split == "train"), (split == "valid"), (split == "test")
    validation_in_fit = "X_val" in inspect.signature(HistGradientBoostingClassifier.fit).parameters
    print(f"{args.features}: {len(X)} samples (train {train.sum()}, valid {valid.sum()}, test {test.sum()}), "
          f"{X.shape[1]} features ({len(categorical)} categorical)"
          + ("" if typed else ", types guessed from an untyped header (numeric-looking tokens count as numbers)")
          + "; early stopping on "
          + ("the valid split" if validation_in_fit else "10% of train (this scikit-learn's fit() has no X_val)"))

    rows = []
    for seed in args.seeds:
        model = HistGradientBoostingClassifier(
            max_iter=args.max_iter, learning_rate=args.learning_rate, max_features=args.max_features,
            max_bins=max_bins, categorical_features="from_dtype", early_stopping=True, random_state=seed)
        if validation_in_fit:
            model.fit(X[train], y[train], X_val=X[valid], y_val=y[valid])
        else:
            model.fit(X[train], y[train])
        score = lambda mask: model.predict_proba(X[mask])[:, 1]
        valid_curve = RankingCurve(score(valid), y[valid])
        threshold = valid_curve.threshold_max_f1() if args.threshold == "max_f1" else valid_curve.threshold_at_fpr(args.target_fpr)
        metrics = split_metrics(score(test), y[test], types[test], threshold)
        print(f"seed {seed}: {model.n_iter_} iterations, threshold {threshold:.4f}, test ROC-AUC {metrics['roc_auc']:.4f}, "
              f"AP {metrics['average_precision']:.4f}")
        rows.append((seed, metrics))

    type_columns = sorted({k for _, m in rows for k in m if k.startswith("recall_") and k != "recall_at_1pct_fpr"})
    columns = MAIN_METRICS + type_columns
    lines = [",".join(["variant", "seed", "fold"] + columns)]
    for seed, m in rows:
        lines.append(",".join([args.variant, str(seed), ""] + [number(m.get(c)) for c in columns]))
    temporary = args.out + ".tmp"
    with open(temporary, "w") as f:
        f.write("\n".join(lines) + "\n")
    os.replace(temporary, args.out)  # a reader never sees half a table

    print(f"\nwrote {args.out}; test metrics over {len(rows)} seed(s), mean ± sample std:")
    for c in columns:
        values = [m[c] for _, m in rows if m.get(c) is not None]
        if values:
            std = f" ± {np.std(values, ddof=1):.3f}" if len(values) > 1 else ""
            print(f"  {c:32s} {np.mean(values):.3f}{std}")


if __name__ == "__main__":
    main()
