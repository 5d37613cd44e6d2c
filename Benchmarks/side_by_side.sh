#!/usr/bin/env bash
# FusionLab against PyTorch's CPU build, in one sitting (issue 20, point 1): alternates
# Benchmarks/torch_reference.py and `fusionlab bench model` (torch, FusionLab, torch, FusionLab …),
# same thread count, and prints one table with each round's figures and the FusionLab/PyTorch
# speed ratio per round. Works from a clean clone: makes the venv and the release build itself.
#
#   Benchmarks/side_by_side.sh [--threads N] [--rounds R] [--repetitions K] [--seconds S] [--keep DIR]
#
# Defaults: 2 threads, 2 rounds, 5 repetitions of >= 0.5 s per figure (medians; about 3 minutes
# after the build). The venv is .venv-torch (TORCH_VENV overrides), built from
# Benchmarks/requirements-torch.txt. --keep DIR keeps each run's JSON and log there.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() { sed -n '7,11p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
threads=2 rounds=2 repetitions=5 seconds=0.5 keep=""
while [ $# -gt 0 ]; do
  case $1 in
    --threads) threads=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --repetitions) repetitions=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --keep) keep=$2; shift 2 ;;
    *) usage ;;
  esac
done
for v in "$threads" "$rounds" "$repetitions"; do
  case $v in ''|*[!0-9]*|0) echo "--threads, --rounds and --repetitions take whole numbers >= 1, got '$v'" >&2; exit 2 ;; esac
done

venv=${TORCH_VENV:-.venv-torch}
wanted_torch=$(sed -n 's/^torch==\([^ ]*\).*/\1/p' Benchmarks/requirements-torch.txt)
have_torch=$("$venv/bin/python" -c 'import torch; print(torch.__version__)' 2>/dev/null || true)
if [ "$have_torch" != "$wanted_torch" ]; then
  echo "setting up $venv with torch $wanted_torch (Benchmarks/requirements-torch.txt)" >&2
  [ -x "$venv/bin/pip" ] || python3 -m venv "$venv"
  "$venv/bin/pip" install -q -r Benchmarks/requirements-torch.txt
  have_torch=$("$venv/bin/python" -c 'import torch; print(torch.__version__)')
  [ "$have_torch" = "$wanted_torch" ] || { echo "$venv has torch $have_torch, not $wanted_torch" >&2; exit 1; }
fi

echo "building fusionlab (release)" >&2
swift build -c release --product fusionlab >/dev/null 2>&1 || swift build -c release --product fusionlab
bin=.build/release/fusionlab

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
load() { cut -d' ' -f1-3 /proc/loadavg; }
echo "load average before: $(load)" > "$work/loads"

for r in $(seq 1 "$rounds"); do
  echo "round $r/$rounds: PyTorch (load $(load))" >&2
  "$venv/bin/python" Benchmarks/torch_reference.py --threads "$threads" --sections train,inference,latency,encoders \
    --encoders image --repetitions "$repetitions" --seconds-per-repetition "$seconds" --no-flops \
    --out "$work/torch-$r.json" 2> "$work/torch-$r.log"
  echo "round $r/$rounds: FusionLab (load $(load))" >&2
  "$bin" bench model --threads "$threads" --sections train,inference,latency,encoders --encoders image \
    --repetitions "$repetitions" --seconds-per-repetition "$seconds" --json "$work/fusionlab-$r.json" \
    > "$work/fusionlab-$r.log" 2>&1
done
echo "load average after: $(load)" >> "$work/loads"

commit=$(git rev-parse --short HEAD 2>/dev/null || echo "?")
python3 - "$work" "$rounds" "$threads" "$repetitions" "$seconds" "$commit" <<'PY'
import json, os, sys
work, rounds, threads, reps, seconds, commit = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6]
torch = [json.load(open(os.path.join(work, f"torch-{r}.json"))) for r in range(1, rounds + 1)]
ours = [json.load(open(os.path.join(work, f"fusionlab-{r}.json"))) for r in range(1, rounds + 1)]
# (label, getter, unit, higher is better)
rows = [(f"train, batch {b}", lambda d, b=b: d["train"][str(b)]["median"], "samples/s", True) for b in (32, 128, 512)]
rows += [("inference, batch 512", lambda d: d["inference_b512"]["median"], "samples/s", True),
         ("image encoder alone, train, batch 128", lambda d: d["encoder_train_b128"]["image"]["median"], "samples/s", True)]
latency = lambda d, q: (d["latency_b1"].get("inference_mode") or d["latency_b1"]["without_gradients"])[q]
rows += [("batch-1 latency p50", lambda d: latency(d, "p50_ms"), "ms", False),
         ("batch-1 latency p99", lambda d: latency(d, "p99_ms"), "ms", False)]
fmt = lambda v, unit: f"{v:.3f}" if unit == "ms" else f"{v:,.0f}"
print(f"\n## FusionLab ({commit}) vs PyTorch {torch[0].get('torch', '?')}, {threads} threads, "
      f"{rounds} alternating rounds, medians of {reps} repetitions of >= {seconds} s\n")
print("| measurement | unit | PyTorch " + " / ".join(f"r{r}" for r in range(1, rounds + 1))
      + " | FusionLab " + " / ".join(f"r{r}" for r in range(1, rounds + 1)) + " | speed ratio FusionLab/PyTorch |")
print("|---|---|---|---|---|")
for label, get, unit, higher in rows:
    t = [get(d) for d in torch]
    f = [get(d) for d in ours]
    # Per round, so each ratio compares runs made minutes apart; > 1 means FusionLab is faster.
    ratios = sorted((fi / ti) if higher else (ti / fi) for ti, fi in zip(t, f))
    span = f"{ratios[0]:.2f}×" if ratios[0] == ratios[-1] or len(ratios) == 1 else f"{ratios[0]:.2f}–{ratios[-1]:.2f}×"
    print(f"| {label} | {unit} | " + " / ".join(fmt(v, unit) for v in t) + " | "
          + " / ".join(fmt(v, unit) for v in f) + f" | {span} |")
print("\nSpeed ratio: FusionLab's throughput over PyTorch's, or PyTorch's latency over FusionLab's, per round "
      "(min–max over rounds); above 1× FusionLab is faster. PyTorch latency: inference_mode; FusionLab: withoutGradients.")
PY
sed 's/^/  /' "$work/loads"
cores=$(nproc)
if awk -v c="$cores" '{ exit !($1 > c / 2) }' /proc/loadavg; then
  echo "  warning: load average above half the $cores cores: other work shares the machine and these figures (PyTorch's" \
       "OpenMP threads especially) are not representative; re-run on a quiet machine." >&2
fi
if [ -n "$keep" ]; then mkdir -p "$keep" && cp "$work"/*.json "$work"/*.log "$work/loads" "$keep"/; fi
