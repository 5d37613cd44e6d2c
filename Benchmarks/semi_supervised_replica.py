#!/usr/bin/env python3
"""A scikit-learn replica of FusionLab's semi-supervised `tail_ensemble`, and the alternatives
measured against it, on `fusionlab features` of a semi-supervised config.

    for s in 0 1 2; do
      fusionlab features Experiments/label-efficiency.json --set training.objective=semi_supervised \\
        --set model.type=gbdt --set "seeds=[$s]" --out ssl-$s.csv
    done
    python3 Benchmarks/semi_supervised_replica.py ssl-0.csv ssl-1.csv ssl-2.csv --fraction 0.05 --pools 4

Each export holds the generic features and the self-supervised columns (`surprise_ssl_*`) of one
seed's label-free pre-training, the numbers the run's classifier reads. Per file, `--pools`
labelled pools are drawn as FusionLab draws them in kind (not in the same samples): `--fraction`
of each class among the training rows and the same among the validation rows, the anomalies either
left to the draw (`--strata class`, the default here: every figure in Benchmarks/README unless it
says otherwise) or spread over their anomaly types by largest remainders (`--strata anomaly_type`,
FusionLab's default `training.label_strata`). Every candidate is
fitted on the pool and ranked on the validation rows outside it (ROC-AUC, AP); the test rows are
not read. Tails are FusionLab's (`TailStandardizer`): −log((count at least as far out + 1) /
(n + 1)) among the training rows, both tails of every numeric column, 0 where a value is missing.

The kept rule's fourth term is the forest on the anomalies' own columns, fitted with two synthetic
anomalies per labelled one (a labelled normal row carrying the anomaly's values in its columns); the
next row is that term without them. Every alternative below the three-term row adds to, or replaces
a term of, `tail_ensemble`'s first three terms (the prior, the logistic regression and the forest on
every tail), against which they were measured before the fourth joined.

The replica leaves out `tail_linear`'s one-hot token columns and the heads' own surprises
(`surprise_<head>`: the semi-supervised classifier does not read them); on the small shop its first
three terms ranked 0.921 on validation against 0.923 for the runs themselves (on the runs' own pools).

Only a benchmark: FusionLab never runs Python. Needs numpy, pandas, scipy and scikit-learn.
"""

import argparse
import sys

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from sklearn.ensemble import ExtraTreesClassifier, HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, roc_auc_score

META = {"sample_id", "split", "label", "anomaly_type"}
TAIL_C = 0.03  # SemiSupervisedCrossValidation.tailRegularization


def upper_tail(reference, values):
    """−log of the share of `reference` at least `values` ((count + 1) / (n + 1)); 0 where missing."""
    ref = np.sort(reference[~np.isnan(reference)])
    out = np.zeros(len(values))
    present = ~np.isnan(values)
    if len(ref) == 0:
        return out
    at_least = len(ref) - np.searchsorted(ref, values[present], side="left")
    out[present] = -np.log((at_least + 1) / (len(ref) + 1))
    return out


def both_tails(x, training):
    return np.hstack([np.column_stack([upper_tail(x[training, j], x[:, j]) for j in range(x.shape[1])]),
                      np.column_stack([upper_tail(-x[training, j], -x[:, j]) for j in range(x.shape[1])])])


def balanced_weights(y):
    return np.where(y == 1, len(y) / (2 * y.sum()), len(y) / (2 * (len(y) - y.sum())))


def logistic(a, y, c, nonnegative=False, offset=None):
    """L2 logistic regression (balanced classes) by L-BFGS-B; `offset`: an unpenalised input."""
    n, d = a.shape
    z = np.zeros(n) if offset is None else offset
    w_class = balanced_weights(y)

    def loss(p):
        w, slope, b = p[:d], p[d], p[d + 1]
        t = a @ w + slope * z + b
        l = np.logaddexp(0, -t) * y + np.logaddexp(0, t) * (1 - y)
        g = (1 / (1 + np.exp(-t)) - y) * w_class
        return c * (w_class * l).sum() + 0.5 * w @ w, np.concatenate([c * (a.T @ g) + w, [c * (g * z).sum(), c * g.sum()]])

    bounds = [(0, None) if nonnegative else (None, None)] * d + [(None, None), (None, None)]
    p = minimize(loss, np.zeros(d + 2), jac=True, method="L-BFGS-B", bounds=bounds, options={"maxiter": 2000}).x
    return p[:d], p[d]


def apportion(total, sizes):
    """`total` split over strata of `sizes` in proportion, by largest remainders (LabelFraction.apportion)."""
    exact = [total * s / sum(sizes) for s in sizes]
    shares = [int(e) for e in exact]
    for k in sorted(range(len(sizes)), key=lambda k: (-(exact[k] - shares[k]), k))[:total - sum(shares)]:
        shares[k] += 1
    return shares


def stratified_pool(rng, rows, y, fraction, types=None):
    picked = []
    for c in (0, 1):
        members = rows[y[rows] == c]
        count = max(1, int(round(fraction * len(members))))
        strata = [members] if types is None or c == 0 else [members[types[members] == t] for t in sorted(set(types[members]))]
        for stratum, share in zip(strata, apportion(count, [len(m) for m in strata])):
            picked += list(rng.choice(stratum, share, replace=False))
    return np.array(sorted(picked))


def exemplar_columns(tails_pool, yp, per_anomaly=2):
    """`ExemplarColumnsModel` on the tails: per labelled anomaly (in row order), the tail columns the fewest
    labelled normals reach (ties: its larger tail, then the earlier column)."""
    normals = tails_pool[yp == 0]
    return [np.lexsort((-a, (normals >= a).sum(0)))[:per_anomaly] for a in tails_pool[yp == 1]]


def with_synthetic_anomalies(tails_pool, yp, exemplars, copies, rng):
    """The pool followed by `copies` synthetic anomalies per labelled one: a labelled normal row drawn at
    random carrying the anomaly's values in its own columns."""
    normals = tails_pool[yp == 0]
    rows = []
    for a, cols in zip(tails_pool[yp == 1], exemplars):
        for _ in range(copies):
            row = normals[rng.integers(len(normals))].copy()
            row[cols] = a[cols]
            rows.append(row)
    synthetic = np.array(rows).reshape(-1, tails_pool.shape[1])
    return np.vstack([tails_pool, synthetic]), np.concatenate([yp, np.ones(len(synthetic), int)])


def candidates(x, tails, prior, training, pool, y, seed):
    """Each candidate's score of every row (larger: more anomalous)."""
    tail = lambda s: upper_tail(s[training], s)  # noqa: E731  the combination's −log training tail share
    yp = y[pool]
    median = np.nanmedian(x[training], 0)
    filled = np.where(np.isnan(x), median, x)
    values = (filled - filled[training].mean(0)) / (filled[training].std(0) + 1e-9)
    scaled_tails = tails / (tails[training].std(0) + 1e-9)
    both = np.hstack([values, scaled_tails])

    linear = LogisticRegression(C=TAIL_C, class_weight="balanced", max_iter=3000).fit(both[pool], yp)
    l_linear = tail(linear.decision_function(both))
    forest = ExtraTreesClassifier(300, class_weight="balanced", max_features="sqrt", random_state=seed, n_jobs=-1).fit(tails[pool], yp)
    l_forest = tail(forest.predict_proba(tails)[:, 1])
    l_prior = tail(prior)
    per_anomaly = exemplar_columns(tails[pool], yp)
    selected = np.array(sorted(set(np.concatenate(per_anomaly))))
    exemplar_forest = lambda: ExtraTreesClassifier(300, class_weight="balanced", max_features="sqrt", random_state=seed + 1, n_jobs=-1)  # noqa: E731
    augmented, y_augmented = with_synthetic_anomalies(tails[pool], yp, per_anomaly, 2, np.random.default_rng(seed))
    l_exemplars = tail(exemplar_forest().fit(augmented[:, selected], y_augmented).predict_proba(tails[:, selected])[:, 1])
    l_exemplars_plain = tail(exemplar_forest().fit(tails[pool][:, selected], yp).predict_proba(tails[:, selected])[:, 1])
    second = ExtraTreesClassifier(300, class_weight="balanced", max_features="sqrt", random_state=seed + 1, n_jobs=-1).fit(tails[pool], yp)
    out = {
        "pretrained": l_prior,
        "tail_linear": l_linear,
        "tail_linear_prior": l_prior + l_linear,
        "tail_ensemble (kept)": l_prior + l_linear + l_forest + l_exemplars,
        "the fourth term without its synthetic anomalies": l_prior + l_linear + l_forest + l_exemplars_plain,
        "tail_ensemble's first three terms (before the exemplar forest)": l_prior + l_linear + l_forest,
        "a second forest on every tail column as the 4th term": l_prior + l_linear + l_forest + tail(second.predict_proba(tails)[:, 1]),
        "classifiers' tails weighted 3/4": l_prior + 0.75 * (l_linear + l_forest),
        "max(prior, classifiers' mean)": np.maximum(l_prior, (l_linear + l_forest) / 2),
    }
    w, _ = logistic(scaled_tails[pool], yp, TAIL_C, nonnegative=True)
    out["non-negative LR on tails, in the ensemble"] = l_prior + tail(scaled_tails @ w) + l_forest
    monotone = HistGradientBoostingClassifier(max_depth=2, learning_rate=0.1, max_iter=100, min_samples_leaf=5, class_weight="balanced",
                                              monotonic_cst=[1] * tails.shape[1], random_state=seed).fit(tails[pool], yp)
    out["monotone boosted trees for the forest"] = l_prior + l_linear + tail(monotone.decision_function(tails))
    unlabelled = np.setdiff1d(np.where(training)[0], pool)
    negatives = 0.5 / (len(yp) - yp.sum())
    weights = np.concatenate([np.where(yp == 1, 0.5 / yp.sum(), negatives), np.full(len(unlabelled), 0.1 * negatives)])
    pu = ExtraTreesClassifier(300, max_features="sqrt", random_state=seed, n_jobs=-1).fit(
        np.vstack([tails[pool], tails[unlabelled]]), np.concatenate([yp, np.zeros(len(unlabelled), int)]), sample_weight=weights)
    out["forest with unlabelled negatives (PU, 0.1)"] = l_prior + l_linear + tail(pu.predict_proba(tails)[:, 1])
    standardized_prior = (l_prior - l_prior[training].mean()) / l_prior[training].std()
    w, slope = logistic(both[pool], yp, TAIL_C, offset=standardized_prior[pool])
    out["LR with the prior as unpenalised input"] = l_prior + tail(both @ w + slope * standardized_prior) + l_forest
    rank = np.searchsorted(np.sort(l_prior[training]), l_prior) / training.sum()
    boost = np.where(yp == 1, 2 - rank[pool], 1 + rank[pool])
    boost = boost * np.where(yp == 1, 0.5 / boost[yp == 1].sum(), 0.5 / boost[yp == 0].sum())
    weighted = ExtraTreesClassifier(300, max_features="sqrt", random_state=seed, n_jobs=-1).fit(tails[pool], yp, sample_weight=boost)
    out["forest weighted by the prior's misses"] = l_prior + l_linear + tail(weighted.predict_proba(tails)[:, 1])
    # Naive Bayes: a normal sample's −log tail share is exponential with mean 1; the anomalies'
    # rate per column from the labelled anomalies (2 pseudo-observations of the normal rate).
    anomalous = tails[pool][yp == 1]
    rate = (2 + len(anomalous)) / (2 + anomalous.sum(0))
    out["naive Bayes on tails, as a 4th term"] = l_prior + l_linear + l_forest + tail(tails @ np.maximum(0, 1 - rate))
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("features", nargs="+", help="fusionlab features CSVs of a semi-supervised config, one per seed")
    parser.add_argument("--fraction", type=float, default=0.05, help="labelled share of each class in train and in valid (0.05)")
    parser.add_argument("--pools", type=int, default=4, help="labelled pools drawn per file (4)")
    parser.add_argument("--strata", choices=["class", "anomaly_type"], default="class",
                        help="the anomalies drawn within their class alone (class) or within their types as well (anomaly_type)")
    args = parser.parse_args()

    results = {}
    for f, path in enumerate(args.features):
        table = pd.read_csv(path)
        table.columns = [c.split(":")[0] for c in table.columns]
        numeric = [c for c in table.columns if c not in META and pd.api.types.is_numeric_dtype(table[c])
                   and not (c.startswith("surprise_") and not c.startswith("surprise_ssl_"))]
        if "surprise_ssl_score" not in numeric:
            sys.exit(f"{path}: no surprise_ssl_score column — export a config with training.objective=semi_supervised")
        x = table[numeric].to_numpy(float)
        y = (table["label"].to_numpy(float) > 0.5).astype(int)
        split = table["split"].to_numpy()
        training = split == "train"
        types = table["anomaly_type"].fillna("").astype(str).to_numpy() if args.strata == "anomaly_type" else None
        tails = both_tails(x, training)
        prior = x[:, numeric.index("surprise_ssl_score")]
        for p in range(args.pools):
            rng = np.random.default_rng(7919 * f + p)
            pool = np.concatenate([stratified_pool(rng, np.where(training)[0], y, args.fraction, types),
                                   stratified_pool(rng, np.where(split == "valid")[0], y, args.fraction, types)])
            judged = np.setdiff1d(np.where(split == "valid")[0], pool)
            for name, score in candidates(x, tails, prior, training, pool, y, seed=f * 100 + p).items():
                entry = results.setdefault(name, {})
                entry.setdefault(f, []).append((roc_auc_score(y[judged], score[judged]), average_precision_score(y[judged], score[judged])))
        print(f"{path}: {len(numeric)} numeric columns, {args.pools} pools of {args.fraction:g} by {args.strata}", file=sys.stderr)

    files = range(len(args.features))
    print("| candidate | validation ROC-AUC | AP | ROC-AUC per file |")
    print("|---|---|---|---|")
    for name, by_file in results.items():
        everything = [v for f in files for v in by_file[f]]
        per_file = " / ".join(f"{np.mean([v[0] for v in by_file[f]]):.3f}" for f in files)
        print(f"| {name} | {np.mean([v[0] for v in everything]):.4f} | {np.mean([v[1] for v in everything]):.3f} | {per_file} |")


if __name__ == "__main__":
    main()
