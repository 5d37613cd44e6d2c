#!/usr/bin/env python3
"""Writes Tests/Fixtures/xgboost_parity.json: Python xgboost 1.7.4's predicted probabilities on a
small deterministic dataset, for Tests/ModelsTests/GradientBoostedTreesTests.swift, which trains
FusionLab's GradientBoostedTrees (the same library through its C API, Debian's libxgboost-dev
1.7.4) with the same parameters and checks every score to 1e-6. Run once; the output is committed.

    python3 -m venv .venv-xgb && .venv-xgb/bin/pip install xgboost==1.7.4 "numpy<2"
    .venv-xgb/bin/python Benchmarks/make_xgboost_fixture.py

Data: 400 rows × 6 columns, x4 with ~15% NaN (missing), x5 categorical with codes 0..4; every
value a multiple of 1/1024, so Float and the JSON text hold it exactly. Rows 0..<250 train,
250..<400 validation; probabilities are predicted for all 400 rows.

Parameters are exactly those GradientBoostedTrees passes to XGBoosterSetParam (their strings, as
written here; the Swift test compares its own list against `params`): hist trees, categorical
x5 through feature_type "c" (Python's enable_categorical only gates pandas/arrow input; the
library reads the feature types), subsample and colsample_bytree kept below 1 because the
row/column sampler is the library's own seeded RNG, nthread=1. The training loop mirrors
xgb.train's: one XGBoosterUpdateOneIter per round and, with early stopping, aucpr on the
validation rows after each, stopping after `early_stopping_rounds` rounds without a strict
improvement, then predicting with iteration_range=(0, best_iteration + 1).
"""
import json
import os

import numpy as np
import xgboost as xgb

ROWS, TRAIN = 400, 250


def dataset():
    rng = np.random.default_rng(20261205)
    x = rng.normal(size=(ROWS, 5))
    x = np.round(x * 1024) / 1024
    x[rng.random(ROWS) < 0.15, 4] = np.nan
    cat = rng.integers(0, 5, size=ROWS).astype(np.float64)
    effect = np.array([-0.5, 1.5, -0.5, 1.5, -1.0])[cat.astype(int)]
    logit = 1.4 * x[:, 0] - 1.0 * x[:, 1] + 0.6 * x[:, 2] * x[:, 3] + 0.8 * np.nan_to_num(x[:, 4], nan=1.0) + effect - 0.8
    y = (rng.random(ROWS) < 1 / (1 + np.exp(-logit))).astype(np.float64)
    return np.column_stack([x, cat]), y


def params(options, labels):
    """GradientBoostedTrees.parameters(trainLabels:), in the same order and spelling."""
    positives = float(labels.sum())
    negatives = float(len(labels) - positives)
    spw = options["scale_pos_weight"] if options["scale_pos_weight"] is not None else (negatives / positives if positives > 0 else 1.0)
    return [
        ("objective", "binary:logistic"),
        ("tree_method", "hist"),
        ("eta", repr(float(options["learning_rate"]))),
        ("max_depth", str(options["max_depth"])),
        ("min_child_weight", repr(float(options["min_child_weight"]))),
        ("subsample", repr(float(options["subsample"]))),
        ("colsample_bytree", repr(float(options["colsample_bytree"]))),
        ("lambda", repr(float(options["reg_lambda"]))),
        ("alpha", repr(float(options["reg_alpha"]))),
        ("max_bin", str(options["max_bin"])),
        ("max_cat_to_onehot", str(options["max_cat_to_onehot"])),
        ("scale_pos_weight", repr(float(spw))),
        ("eval_metric", "aucpr"),
        ("seed", str(options["seed"])),
        ("nthread", str(options["threads"])),
        ("validate_parameters", "1"),
    ]


def run_case(name, options, x, y):
    types = ["q"] * 5 + ["c"]
    dtrain = xgb.DMatrix(x[:TRAIN], label=y[:TRAIN], missing=np.nan, feature_types=types, enable_categorical=True, nthread=1)
    dvalid = xgb.DMatrix(x[TRAIN:], label=y[TRAIN:], missing=np.nan, feature_types=types, enable_categorical=True, nthread=1)
    dall = xgb.DMatrix(x, missing=np.nan, feature_types=types, enable_categorical=True, nthread=1)
    p = params(options, y[:TRAIN])
    stopping = options["early_stopping_rounds"]
    bst = xgb.train(dict(p), dtrain, num_boost_round=options["rounds"], evals=[(dvalid, "valid")] if stopping > 0 else [],
                    early_stopping_rounds=stopping if stopping > 0 else None, verbose_eval=False)
    best = bst.best_iteration
    probabilities = bst.predict(dall, iteration_range=(0, best + 1))
    return {
        "name": name,
        "options": options,
        "params": [list(kv) for kv in p],
        "rounds_trained": bst.num_boosted_rounds(),
        "best_iteration": best,
        "probabilities": [float(v) for v in probabilities.astype(np.float32)],
    }


def main():
    x, y = dataset()
    base = {"rounds": 40, "learning_rate": 0.1, "max_depth": 4, "min_child_weight": 1.0, "subsample": 0.8,
            "colsample_bytree": 0.8, "reg_lambda": 1.0, "reg_alpha": 0.0, "max_bin": 256, "early_stopping_rounds": 0,
            "scale_pos_weight": None, "max_cat_to_onehot": 4, "seed": 7, "threads": 1}
    cases = [
        run_case("40 rounds, sampled rows and columns, scale_pos_weight from the labels", base, x, y),
        run_case("early stopping on validation aucpr", dict(base, rounds=300, learning_rate=0.3, max_depth=6,
                                                            early_stopping_rounds=10, scale_pos_weight=1.0, reg_alpha=0.5), x, y),
    ]
    out = {
        "generator": "Benchmarks/make_xgboost_fixture.py",
        "xgboost": xgb.__version__,
        "numpy": np.__version__,
        "train_rows": TRAIN,
        "feature_types": ["q"] * 5 + ["c"],
        "cardinality": 5,
        # NaN (missing) as null.
        "features": [[None if np.isnan(v) else float(v) for v in row] for row in x],
        "labels": [int(v) for v in y],
        "cases": cases,
    }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "Fixtures", "xgboost_parity.json")
    with open(os.path.normpath(path), "w") as f:
        json.dump(out, f, separators=(",", ":"))
        f.write("\n")
    for c in cases:
        print(f"{c['name']}: rounds {c['rounds_trained']}, best {c['best_iteration']}")
    print(f"wrote {os.path.normpath(path)}")


if __name__ == "__main__":
    main()
