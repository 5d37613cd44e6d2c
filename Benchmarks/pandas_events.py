#!/usr/bin/env python3
"""pandas baseline for `fusionlab bench data`: the same files, the same phases.

Phases (each repetition runs in a fresh child process, so every peak is that pass's own):
  (a) read        pandas.read_csv of events.csv into typed columns
  (b) load        read_csv of events.csv, labels.csv, users.csv and items.csv
  (c) sequences   on the tables of (b): factorize the token columns, sort events by
                  (user_id, timestamp), join each labelled sample's cutoff, keep its events
                  with timestamp <= cutoff, take the last --max-length of them per sample
                  (groupby(...).tail), and scatter them into right-padded
                  [samples x max_length] int32 arrays: event_type, item_id, category_id,
                  device, region (factorize codes + 3, as our vocabulary reserves 0 padding,
                  1 unknown, 2 missing), gap bucket (to the user's previous event, also when
                  it lies before the window, as ours), hour, and float32 dwell standardised.

The typed header (`user_id:token,timestamp:float,...`) is read first; names lose their `:type`
suffix and `:float` columns are read as `float64`. Token columns are left to pandas' inference,
which makes them `str` (a token column that looked numeric would be converted): on this file
that is pandas' fastest way, about three times faster than passing `dtype="str"` and four times
faster than `category`. The ids our reader interns while reading are made in phase (c) by
`pandas.factorize`, which, like our interner, numbers values in order of first appearance.
With pyarrow installed, pandas 3 stores these strings in Arrow arrays.

Peak memory is the child process's ru_maxrss (resource.getrusage via os.wait4), which includes
the interpreter with pandas and numpy imported (reported separately as "baseline");
`fusionlab bench data` reports VmHWM of a process without that baseline.

Differences from PreparedDataset.prepare, all of which make this baseline do less work:
  * vocabularies are every category of the whole file, not counted over training samples only,
    and there is no min-frequency cut or out-of-vocabulary mapping;
  * dwell is standardised over every kept event, not training events only;
  * no split, no user/item profile rows, no checks (duplicate ids, labels 0/1, unknown users or
    items), no source line numbers kept per row;
  * the sort is pandas' stable sort on (user_id, timestamp): same order as ours (ties keep file
    order);
  * every labels.csv row must have a cutoff (the synthetic shop's do); ours falls back to the
    sample's last event.

Usage:  python3 Benchmarks/pandas_events.py [--path Datasets/synthetic-large] [--max-length 50]
                                            [--repetitions 3]
"""
import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time


def read_table(path):
    """read_csv with the atomic-file header: names stripped of `:type`, float columns float64."""
    import pandas as pd
    with open(path, "r", encoding="utf-8") as f:
        header = f.readline().rstrip("\r\n").split(",")
    names, kinds = [], {}
    for field in header:
        name, _, kind = field.strip().partition(":")
        names.append(name)
        kinds[name] = kind
    floats = {name: "float64" for name, kind in kinds.items() if kind == "float"}
    table = pd.read_csv(path, skiprows=1, header=None, names=names, dtype=floats,
                        engine="c", keep_default_na=False, na_values=[""])
    for name, kind in kinds.items():
        if kind != "float" and not pd.api.types.is_string_dtype(table[name]):
            table[name] = table[name].astype("str")  # a token column that looked numeric
    return table


def gap_buckets(gap, buckets=32):
    import numpy as np
    b = np.where(np.isnan(gap), 1, 2 + np.floor(np.log2(1 + np.maximum(np.nan_to_num(gap), 0))))
    return np.minimum(b, buckets - 1).astype(np.int32)


def build_sequences(events, labels, max_length):
    """Right-padded sequences per labelled sample (see the module docstring)."""
    import numpy as np
    import pandas as pd
    token_fields = ["event_type", "item_id", "category_id", "device", "region"]
    user, user_ids = pd.factorize(events["user_id"])
    columns = {"user": user.astype(np.int32), "timestamp": events["timestamp"].to_numpy(), "dwell": events["dwell"].to_numpy()}
    for name in token_fields:
        columns[name] = pd.factorize(events[name])[0].astype(np.int32)  # −1 for a missing value
    ev = pd.DataFrame(columns).sort_values(["user", "timestamp"], kind="stable")
    ts = ev["timestamp"].to_numpy()
    user = ev["user"].to_numpy()
    same = np.empty(len(ev), dtype=bool)
    same[0] = False
    same[1:] = user[1:] == user[:-1]
    gap = np.full(len(ev), np.nan)
    gap[1:] = np.diff(ts)
    gap[~same] = np.nan
    ev["gap"] = gap_buckets(gap)
    ev["hour"] = ((np.mod(ts, 86400) // 3600).astype(np.int32) % 24 + 1)

    # Each sample's cutoff joined onto its user's events.
    samples = pd.DataFrame({"sample": np.arange(len(labels), dtype=np.int32),
                            "user": pd.Index(user_ids).get_indexer(labels["user_id"]).astype(np.int32),
                            "cutoff": labels["cutoff"].to_numpy()})
    joined = ev.merge(samples, on="user", how="inner")
    kept = joined[joined["timestamp"].to_numpy() <= joined["cutoff"].to_numpy()]
    window = kept.groupby("sample", sort=False).tail(max_length)
    counts = window.groupby("sample", sort=False).size()
    position = window.groupby("sample", sort=False).cumcount().to_numpy()
    row = window["sample"].to_numpy()

    n = len(labels)
    fields = {}
    for name in token_fields:
        values = np.zeros((n, max_length), dtype=np.int32)
        codes = window[name].to_numpy()
        values[row, position] = np.where(codes < 0, 2, codes + 3)
        fields[name] = values
    for name in ["gap", "hour"]:
        values = np.zeros((n, max_length), dtype=np.int32)
        values[row, position] = window[name].to_numpy()
        fields[name] = values
    dwell = window["dwell"].to_numpy()
    mean, std = np.nanmean(dwell), np.nanstd(dwell)
    floats = np.zeros((n, max_length), dtype=np.float32)
    floats[row, position] = np.nan_to_num((dwell - mean) / (std if std > 0 else 1))
    lengths = np.zeros(n, dtype=np.int32)
    lengths[counts.index.to_numpy()] = counts.to_numpy()
    return fields, floats, lengths, kept["sample"].to_numpy()


def child(phase, folder, max_length):
    import numpy as np  # imported before the baseline is taken
    import pandas  # noqa: F401
    result = {"baseline_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}
    path = lambda name: os.path.join(folder, name + ".csv")
    if phase == "read":
        start = time.perf_counter()
        events = read_table(path("events"))
        result["read"] = time.perf_counter() - start
        result["events"] = len(events)
    else:
        start = time.perf_counter()
        events = read_table(path("events"))
        labels = read_table(path("labels"))
        users = read_table(path("users")) if os.path.exists(path("users")) else None
        items = read_table(path("items")) if os.path.exists(path("items")) else None
        result["load"] = time.perf_counter() - start
        result["load_peak_kb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        start = time.perf_counter()
        fields, floats, lengths, kept_samples = build_sequences(events, labels, max_length)
        result["sequences"] = time.perf_counter() - start
        result["events"] = len(events)
        result["samples"] = len(labels)
        result["truncated"] = int((np.bincount(kept_samples, minlength=len(labels)) > max_length).sum())
        result["without_events"] = int((lengths == 0).sum())
        del users, items
    print(json.dumps(result))


def run_child(phase, args):
    """Runs one phase in a fresh interpreter; returns its report and its own peak RSS (bytes)."""
    proc = subprocess.Popen([sys.executable, __file__, "--child", phase, "--path", args.path,
                             "--max-length", str(args.max_length)], stdout=subprocess.PIPE)
    output = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        sys.exit(f"the {phase} pass failed (exit {proc.returncode})")
    report = json.loads(output)
    report["peak"] = usage.ru_maxrss * 1024
    return report


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--path", default="Datasets/synthetic-large")
    parser.add_argument("--max-length", type=int, default=50)
    parser.add_argument("--repetitions", type=int, default=3)
    parser.add_argument("--child", choices=["read", "load"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args.child, args.path, args.max_length)
    events_path = os.path.join(args.path, "events.csv")
    if not os.path.exists(events_path):
        sys.exit(f"{events_path} not found; run `fusionlab bench data` or `fusionlab generate --preset large` first")

    import pandas
    reads, loads = [], []
    for _ in range(args.repetitions):
        reads.append(run_child("read", args))
        loads.append(run_child("load", args))
    med = lambda xs: statistics.median(xs)
    span = lambda xs: f"{med(xs):.2f} [{min(xs):.2f}–{max(xs):.2f}]"
    file_bytes = os.path.getsize(events_path)
    all_bytes = sum(os.path.getsize(os.path.join(args.path, n + ".csv"))
                    for n in ["events", "labels", "users", "items"] if os.path.exists(os.path.join(args.path, n + ".csv")))
    events = reads[0]["events"]
    a = [r["read"] for r in reads]
    b = [r["load"] for r in loads]
    c = [r["sequences"] for r in loads]
    bc = [r["load"] + r["sequences"] for r in loads]
    mb = lambda x: f"{x / 1e6:.0f}"
    rows = [
        ("(a) events.csv -> typed columns", span(a), f"{events / med(a) / 1e6:.2f}", mb(file_bytes / med(a)),
         mb(med([r["peak"] for r in reads]))),
        ("(b) all four tables (read_csv)", span(b), f"{events / med(b) / 1e6:.2f}", mb(all_bytes / med(b)),
         mb(med([r["load_peak_kb"] * 1024 for r in loads]))),
        ("(c) factorize, sort, groupby, tail, arrays", span(c), f"{events / med(c) / 1e6:.2f}", "",
         mb(med([r["peak"] for r in loads]))),
        ("(b)+(c) files -> padded sequences", f"{med(bc):.2f}", f"{events / med(bc) / 1e6:.2f}", mb(all_bytes / med(bc)),
         mb(med([r["peak"] for r in loads]))),
    ]
    header = ("phase", "seconds", "events/s (M)", "MB/s", "peak resident MB")
    widths = [max(len(str(r[i])) for r in rows + [header]) for i in range(len(header))]
    line = lambda cells: "| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths)) + " |"
    print(f"pandas {pandas.__version__} baseline — {args.path}, max length {args.max_length}, "
          f"repetitions: {args.repetitions} (median, [min–max]); each pass in a fresh process\n")
    print(line(header))
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in rows:
        print(line(r))
    last = loads[-1]
    print(f"\nevents.csv: {file_bytes / 1e6:.1f} MB, {events} events; all four tables {all_bytes / 1e6:.1f} MB; "
          f"{last['samples']} samples; {last['truncated']} sequences truncated to {args.max_length}; {last['without_events']} samples "
          f"without events; interpreter + pandas baseline {med([r['baseline_kb'] for r in reads]) / 1e3:.0f} MB "
          f"(included in every peak)")


if __name__ == "__main__":
    main()
