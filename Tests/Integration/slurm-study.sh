#!/usr/bin/env bash
# A sharded study on a real Slurm: starts a single-node cluster on localhost from Debian's
# slurm-wlm (munged, slurmctld, slurmd; config, state and logs in a temp folder; installed with
# apt-get when absent), submits a tiny-shop study (2 variants × 2 seeds, select and select.ablate)
# as a job array of Scripts/slurm/study.sbatch — twice, the second array after the first
# (--dependency=afterok) for the ablation of the selected variant — waits, and checks that the
# merged tables are byte-identical to a single-process run of the same config. Stops every
# daemon it started. Needs root (slurmd) and the release build.
# Usage: Tests/Integration/slurm-study.sh [shards=2]   (KEEP=1 keeps the work folder)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
bin="${FUSIONLAB:-$root/.build/release/fusionlab}"
shards="${1:-2}"
timeout_seconds=240
[ -x "$bin" ] || { echo "build first: swift build -c release --product fusionlab" >&2; exit 2; }
if [ "$(id -u)" != 0 ]; then
  # slurmd runs jobs as their users and needs root; CI runs as root.
  if [ -n "${CI:-}" ]; then echo "FAIL: needs root (to run slurmd)" >&2; exit 2; fi
  echo "SKIP: Tests/Integration/slurm-study.sh needs root (to run slurmd)"; exit 0
fi

if ! command -v slurmctld > /dev/null || ! command -v slurmd > /dev/null || ! command -v munged > /dev/null; then
  echo "installing slurm-wlm and munge (Debian packages)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm munge > /dev/null
fi
sbin="$(dirname "$(command -v slurmctld)")"

work="$(mktemp -d /tmp/fl-slurm-XXXXXX)"
chmod 755 "$work"

daemons=()
cleanup() {
  # Only the daemons this script started (in the foreground, so they are its children): stop,
  # wait for them, and kill what has not stopped after 10 s.
  for p in "${daemons[@]}"; do kill "$p" 2> /dev/null || true; done
  for p in "${daemons[@]}"; do
    for _ in $(seq 1 100); do kill -0 "$p" 2> /dev/null || break; sleep 0.1; done
    kill -9 "$p" 2> /dev/null || true
    wait "$p" 2> /dev/null || true
  done
  if [ -n "${KEEP:-}" ]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
began=$(date +%s)

# munge: a key of our own, its socket in the work folder.
mkdir -p "$work/munge"
chmod 700 "$work/munge"
dd if=/dev/urandom of="$work/munge/munge.key" bs=1024 count=1 status=none
chmod 400 "$work/munge/munge.key"
munged --foreground --force --key-file="$work/munge/munge.key" --socket="$work/munge/munge.sock" \
  --pid-file="$work/munged.pid" --log-file="$work/munge/munged.log" --seed-file="$work/munge/munge.seed" > "$work/munged.out" 2>&1 &
daemons+=($!)
for _ in $(seq 1 50); do [ -S "$work/munge/munge.sock" ] && break; sleep 0.1; done

# Slurm: a minimal single-node cluster; free ports, so a system Slurm is left alone.
port() {  # a port nothing listens on (bash's /dev/tcp connects only to a listener)
  local p
  while :; do
    p=$(( 20000 + RANDOM % 40000 ))
    (exec 3<> "/dev/tcp/127.0.0.1/$p") 2> /dev/null || { echo "$p"; return; }
  done
}
memory=$(( $(awk '/MemTotal/ { print $2 }' /proc/meminfo) / 1024 / 2 ))
mkdir -p "$work/state" "$work/spool"
ctld_port=$(port); slurmd_port=$(port)
while [ "$slurmd_port" = "$ctld_port" ]; do slurmd_port=$(port); done
export SLURM_CONF="$work/slurm.conf"
cat > "$SLURM_CONF" <<EOF
ClusterName=fusionlab-test
SlurmctldHost=localhost
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$work/munge/munge.sock
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/slurmctld.log
SlurmdLogFile=$work/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
ReturnToService=2
MinJobAge=3600
NodeName=localhost CPUs=2 RealMemory=$memory State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
"$sbin/slurmctld" -D -i > "$work/slurmctld.out" 2>&1 &
daemons+=($!)
"$sbin/slurmd" -D -N localhost > "$work/slurmd.out" 2>&1 &
daemons+=($!)
ready=""
for _ in $(seq 1 60); do
  state=$(sinfo -h -o %T 2> /dev/null || true)
  if [ "$state" = idle ]; then ready=1; break; fi
  sleep 1
done
if [ -z "$ready" ]; then
  echo "FAIL: the node never became idle (sinfo: ${state:-nothing})"
  tail -20 "$work/slurmctld.log" "$work/slurmd.log" 2> /dev/null || true
  exit 1
fi
echo "slurm up: $(sinfo -h -o '%P %D node(s) %c CPUs %T') in $(( $(date +%s) - began ))s"

# The study: 2 variants × 2 seeds on the tiny shop, selection on validation, and the selected
# variant's leave-one-out ablation (its own folder, a second stage).
cat > "$work/study.json" <<EOF
{
  "name": "slurm-study",
  "data": {"path": "$work/shop", "generate": {"preset": "tiny", "seed": 0}, "event_float_columns": ["dwell", "rating"], "images": {"size": 16}},
  "model": {"dimension": 16, "modalities": ["sequence", "profile", "attributes"],
            "encoders": {"sequence": {"layers": 1, "heads": 2, "feedforward": 32}, "profile": {"hidden": [16]}, "attributes": {"hidden": [16]}},
            "fusion": {"heads": 2, "hidden": [16]}},
  "training": {"epochs": 3, "batch_size": 64, "early_stopping": {"patience": 10}},
  "seeds": [0, 1],
  "variants": {"concat": ["model.fusion.type=concat"], "attention": []},
  "select": {"metric": "average_precision", "ablate": {"mode": ["leave-one-out"], "seeds": [0]}},
  "output": {"directory": "$work/sharded"},
  "threads": 1
}
EOF
"$bin" plan "$work/study.json" --shards "$shards"

submit() { sbatch --parsable --array=0-$((shards - 1)) --cpus-per-task=1 --chdir="$work" --output="$work/slurm-%A_%a.out" \
  --export=ALL,FUSIONLAB="$bin" "$@" "$root/Scripts/slurm/study.sbatch" "$work/study.json"; }
first=$(submit)
# A failed study cancels the second stage (else it waits forever, DependencyNeverSatisfied).
second=$(submit --dependency=afterok:"$first" --kill-on-invalid-dep=yes)
echo "submitted job arrays $first (the study) and $second (after it: select.ablate)"
deadline=$(( $(date +%s) + timeout_seconds ))
while [ -n "$(squeue -h -j "$first,$second" -o %i 2> /dev/null)" ]; do
  if [ "$(date +%s)" -gt "$deadline" ]; then
    echo "FAIL: the jobs did not finish within ${timeout_seconds}s"; squeue; tail -n 20 "$work"/slurm-*.out; exit 1
  fi
  sleep 1
done
status=0
for job in "$first" "$second"; do
  for task in $(seq 0 $((shards - 1))); do
    line=$(scontrol -o show job "${job}_${task}" 2> /dev/null | tr ' ' '\n' | grep -E '^(JobState|ExitCode)=' | tr '\n' ' ' || true)
    echo "job ${job}_${task}: ${line:-unknown}"
    case "$line" in "JobState=COMPLETED ExitCode=0:0 ") ;; *) status=1; tail -20 "$work/slurm-${job}_${task}.out" || true ;; esac
  done
done
grep -h "^shard \|has [0-9]* of the plan\|selected on validation\|are not complete:\|^table: " "$work"/slurm-*.out || true
echo "job arrays done in $(( $(date +%s) - began ))s"

# The same study in one process (the same threads), then every table compared.
"$bin" run "$work/study.json" --threads 1 --set output.directory="$work/single" > "$work/single.log" 2>&1 \
  || { echo "FAIL: the single-process run failed"; tail -20 "$work/single.log"; exit 1; }
for f in table.csv summary.csv selection.csv attribution.csv plan.json \
         ablation-of-selected/ablation.csv ablation-of-selected/summary.csv ablation-of-selected/plan.json; do
  if [ ! -s "$work/sharded/slurm-study/$f" ]; then echo "MISSING: $f"; status=1
  elif cmp -s "$work/single/slurm-study/$f" "$work/sharded/slurm-study/$f"; then echo "identical: $f"
  else echo "DIFFERENT: $f"; status=1; fi
done
"$bin" table "$work/sharded/slurm-study" --metrics roc_auc,average_precision
stray=$(find "$work/sharded" \( -name '*.tmp' -o -name '*.partial' -o -name '*.replaced' \) | sed "s#$work/##")
if [ -n "$stray" ]; then echo "STRAY FILES: $stray"; status=1; fi

echo "wall time: $(( $(date +%s) - began ))s"
[ $status -eq 0 ] && echo "PASS" || echo "FAIL"
exit $status
