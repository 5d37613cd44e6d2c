#!/usr/bin/env bash
# Run-folder lifecycle against the real CLI (release build):
#  1. a 30-epoch tiny-shop run is killed with SIGKILL at random moments and continued with
#     --resume until it finishes; its metrics.json, predictions.csv and history.csv must be
#     byte-identical to an uninterrupted run's, with no temporary, staging or replaced files left;
#  2. two runs started together on one experiment folder: exactly one must refuse.
# Usage: Tests/Integration/kill-and-resume.sh [kills=6] [seed for the kill times=1]   (KEEP=1 keeps the work folder)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
bin="${FUSIONLAB:-$root/.build/release/fusionlab}"
kills="${1:-6}"
RANDOM="${2:-1}"
[ -x "$bin" ] || { echo "build first: swift build -c release --product fusionlab" >&2; exit 2; }
work="$(mktemp -d /tmp/fl-kill-XXXXXX)"
[ -n "${KEEP:-}" ] || trap 'rm -rf "$work"' EXIT
cd "$root"

"$bin" generate --preset tiny --seed 0 --out "$work/shop" > /dev/null
args() {  # args OUTPUT: the run's arguments (called directly, so `$!` is fusionlab's own pid)
  echo run Experiments/default.json --threads 2 --set data.path="$work/shop" --set data.generate=null \
    --set name=kill --set output.directory="$1" --set training.epochs=30 --set training.early_stopping.patience=100 \
    --set training.batch_size=64
}

began=$(date +%s.%N)
"$bin" $(args "$work/straight") > "$work/straight.log"
straight_seconds=$(awk -v a="$began" -v b="$(date +%s.%N)" 'BEGIN { printf "%.3f", b - a }')
echo "uninterrupted run: ${straight_seconds}s"

# Kill at uniformly random moments within the first half of the uninterrupted run's duration
# (start-up, training, scoring and publishing all get hit), then let it finish.
killed=0; attempt=0
while :; do
  attempt=$((attempt + 1))
  extra=(); [ "$attempt" -gt 1 ] && extra=(--resume)
  "$bin" $(args "$work/killed") "${extra[@]}" >> "$work/killed.log" 2>&1 &
  pid=$!
  if [ "$killed" -lt "$kills" ]; then
    delay=$(awk -v t="$straight_seconds" -v r="$((RANDOM % 1000))" 'BEGIN { printf "%.3f", t * r / 2000 }')
    sleep "$delay"
    if kill -9 "$pid" 2> /dev/null; then
      wait "$pid" 2> /dev/null || true
      killed=$((killed + 1))
      epochs=$(cat "$work/killed/kill/runs/full/.seed-0.partial/log.txt" 2> /dev/null | grep -c "^epoch [0-9]*: train loss" || true)
      echo "kill $killed after ${delay}s (log holds $epochs epoch lines)"
      continue
    fi
  fi
  wait "$pid"
  break
done

status=0
for f in metrics.json predictions.csv history.csv modality_weights.csv schema.json; do
  if cmp -s "$work/straight/kill/runs/full/seed-0/$f" "$work/killed/kill/runs/full/seed-0/$f"; then echo "identical: $f"
  else echo "DIFFERENT: $f"; status=1; fi
done
stray=$(find "$work/killed" \( -name '*.tmp' -o -name '*.partial' -o -name '*.replaced' \) | sed "s#$work/##")
if [ -n "$stray" ]; then echo "STRAY FILES: $stray"; status=1; else echo "no stray files"; fi
resumes=$(grep -c "^resumed from" "$work/killed/kill/runs/full/seed-0/log.txt" || true)
echo "log.txt of the resumed run: $resumes resume(s), $(grep -c '^epoch [0-9]*: train loss' "$work/killed/kill/runs/full/seed-0/log.txt") epoch lines"

# Two writers of one folder at once: one must refuse.
"$bin" $(args "$work/both") > "$work/a.log" 2>&1 & a=$!
"$bin" $(args "$work/both") > "$work/b.log" 2>&1 & b=$!
ra=0; rb=0; wait $a || ra=$?; wait $b || rb=$?
refusals=$(cat "$work/a.log" "$work/b.log" | grep -c "another fusionlab process is writing this folder" || true)
echo "concurrent runs: exit codes $ra and $rb; refusals: $refusals"
grep -h "another fusionlab process" "$work/a.log" "$work/b.log" | head -1
if ! { [ $((ra + rb)) -gt 0 ] && [ $((ra * rb)) -eq 0 ] && [ "$refusals" -eq 1 ]; }; then status=1; fi

[ $status -eq 0 ] && echo "PASS" || echo "FAIL"
exit $status
