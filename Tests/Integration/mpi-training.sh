#!/usr/bin/env bash
# Data-parallel training over MPI against the real CLI (release build): the tiny shop trained by
# `mpirun -np 2` (1 thread each) and by one process (2 threads), dropout off, must give the same
# metrics.json test metrics and scores within 1e-6 (the all-reduce sums the two halves' gradients
# in another order than one process's batch does, so the last bits may differ); only rank 0
# writes results. Then a failing rank must stop both ranks with its message.
# Usage: Tests/Integration/mpi-training.sh   (KEEP=1 keeps the work folder)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
bin="${FUSIONLAB:-$root/.build/release/fusionlab}"
[ -x "$bin" ] || { echo "build first: swift build -c release --product fusionlab" >&2; exit 2; }
command -v mpirun > /dev/null || { echo "mpirun not found: apt-get install openmpi-bin (make deps installs libopenmpi-dev, which brings it)" >&2; exit 2; }
work="$(mktemp -d /tmp/fl-mpi-XXXXXX)"
[ -n "${KEEP:-}" ] || trap 'rm -rf "$work"' EXIT
cd "$root"
# As root (CI, containers) mpirun wants to be told; --oversubscribe: 2 ranks may exceed free slots.
mpi=(mpirun -np 2 --oversubscribe)
[ "$(id -u)" = 0 ] && mpi+=(--allow-run-as-root)

"$bin" generate --preset tiny --seed 0 --out "$work/shop" > /dev/null
args=(run Experiments/default.json --set data.path="$work/shop" --set data.generate=null --set name=mpi
      --set training.epochs=6 --set training.batch_size=64 --set output.save_checkpoints=false
      --set model.encoders.sequence.dropout=0 --set model.encoders.profile.dropout=0
      --set model.encoders.attributes.dropout=0 --set model.fusion.dropout=0)

t0=$(date +%s.%N)
"$bin" "${args[@]}" --threads 2 --set output.directory="$work/one" > "$work/one.log"
t1=$(date +%s.%N)
"${mpi[@]}" "$bin" "${args[@]}" --threads 1 --set output.directory="$work/two" > "$work/two.log" 2>&1
t2=$(date +%s.%N)
awk -v a="$t0" -v b="$t1" -v c="$t2" 'BEGIN { printf "one process, 2 threads: %.1fs; mpirun -np 2, 1 thread each: %.1fs\n", b - a, c - b }'

python3 - "$work/one/mpi/runs/full/seed-0" "$work/two/mpi/runs/full/seed-0" <<'PY'
import csv, json, sys
one, two = sys.argv[1], sys.argv[2]
def scores(d):
    with open(f"{d}/predictions.csv") as f:
        return {r["sample_id"]: float(r["score"]) for r in csv.DictReader(f)}
a, b = scores(one), scores(two)
assert a.keys() == b.keys(), "the runs scored different samples"
worst = max(abs(a[k] - b[k]) for k in a)
print(f"largest score difference over {len(a)} samples: {worst:.2e}")
assert worst < 1e-6, f"scores differ by {worst}"
ma, mb = (json.load(open(f"{d}/metrics.json"))["test"] for d in (one, two))
for key in ("roc_auc", "average_precision", "f1", "precision", "recall"):
    assert ma[key] == mb[key], f"test {key}: {ma[key]} (one process) vs {mb[key]} (2 ranks)"
print("test metrics equal:", {k: round(ma[k], 4) for k in ("roc_auc", "average_precision", "f1")})
PY
# Only rank 0 wrote: one run folder, and nothing left in the ranks' private folders.
[ "$(find "$work/two" -name complete.json | wc -l)" = 1 ] || { echo "expected exactly one published run folder" >&2; exit 1; }
if ls -d /tmp/fusionlab-rank-* 2> /dev/null | grep -q .; then echo "a rank left its private folder: $(ls -d /tmp/fusionlab-rank-*)" >&2; exit 1; fi

# A rank that fails stops the job: a dataset folder only rank 1 cannot read.
set +e
FL_FAIL_RANK=1 timeout 120 "${mpi[@]}" bash -c \
  'if [ "$OMPI_COMM_WORLD_RANK" = "$FL_FAIL_RANK" ]; then d=/nonexistent-shop; else d="$0"; fi; exec "$1" "${@:2}" --set data.path="$d"' \
  "$work/shop" "$bin" "${args[@]}" --threads 1 --set output.directory="$work/fail" > "$work/fail.log" 2>&1
status=$?
set -e
[ "$status" != 0 ] && [ "$status" != 124 ] || { echo "a failing rank did not stop the job (status $status)" >&2; cat "$work/fail.log" >&2; exit 1; }
grep -q "error: rank 1 of 2" "$work/fail.log" || { echo "the failing rank's message is missing:" >&2; cat "$work/fail.log" >&2; exit 1; }
echo "a failing rank stops the job: $(grep -m1 'error: rank 1 of 2' "$work/fail.log" | cut -c1-160)"
echo "mpi-training: PASS"
