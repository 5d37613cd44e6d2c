#!/usr/bin/env bash
# Load benchmark of `fusionlab serve` (issue 17, point 4): starts the server on 127.0.0.1 with a
# trained run folder, sends single-sample POST /v1/score requests with wrk (Debian's package)
# for a bounded time at concurrency 1, 16 and 64, with micro-batching (--max-batch 64) and
# without (--max-batch 1), and prints requests/s and p50/p99/p99.9 latency per setting, then the
# answers' statuses as the server counted them (/metrics). Traffic goes to loopback only.
#
#   Benchmarks/serve_load.sh RUN [--data DIR] [--duration SECONDS] [--port PORT] [--threads N] [--soak MINUTES] [-- SERVE-OPTIONS]
#
# --soak MINUTES: instead, one long run (micro-batching on, 16 connections) that samples the
# server's resident memory every 30 s and prints it with the answers by status.
#
# RUN is a published neural run folder (Results/<study>/runs/<variant>/seed-N); DIR the dataset
# whose labels.csv rows are sent (default: the run config's data.path, which the server loads);
# options after -- go to every `fusionlab serve` (e.g. -- --no-attribution).
set -euo pipefail
cd "$(dirname "$0")/.."

usage() { sed -n '8,15p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
[ $# -ge 1 ] || usage
run=$1; shift
data="" duration=10 port=18080 threads="" soak=""
extra=()
while [ $# -gt 0 ]; do
  case $1 in
    --) shift; extra=("$@"); break ;;
    --data) data=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --port) port=$2; shift 2 ;;
    --threads) threads="--threads $2"; shift 2 ;;
    --soak) soak=$2; shift 2 ;;
    *) usage ;;
  esac
done
case $duration in ''|*[!0-9]*) echo "--duration must be whole seconds" >&2; exit 2 ;; esac
[ "$duration" -le 120 ] || { echo "--duration is at most 120 s (a bounded load)" >&2; exit 2; }
case $soak in ''|[1-9]|[1-5][0-9]|60) ;; *) echo "--soak is 1 to 60 minutes" >&2; exit 2 ;; esac

if ! command -v wrk >/dev/null; then
  echo "installing wrk (Debian package)"
  SUDO=$([ "$(id -u)" = 0 ] || echo sudo)
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq wrk
fi
swift build -c release --product fusionlab >/dev/null 2>&1 || swift build -c release --product fusionlab
bin=.build/release/fusionlab

if [ -z "$data" ]; then
  data=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["data"]["path"])' "$run/config.json")
fi
[ -f "$data/labels.csv" ] || { echo "$data/labels.csv not found: give --data DIR" >&2; exit 2; }

work=$(mktemp -d)
server_pid=""
cleanup() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

# The request script: the first 500 samples of labels.csv, one per request, in turn.
python3 - "$data/labels.csv" > "$work/requests.lua" <<'PY'
import csv, json, sys
rows = list(csv.reader(open(sys.argv[1])))
names = [h.split(":")[0] for h in rows[0]]
col = {n: i for i, n in enumerate(names)}
print('wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nlocal bodies = {')
for r in rows[1:501]:
    sample = {"sample_id": r[col["sample_id"]], "user_id": r[col["user_id"]], "item_id": r[col["target_item_id"]]}
    if "cutoff" in col and r[col["cutoff"]]: sample["cutoff"] = float(r[col["cutoff"]])
    print("  %s," % json.dumps(json.dumps(sample)))
print('''}
local i = 0
request = function()
  i = i % #bodies + 1
  return wrk.format(nil, nil, nil, bodies[i])
end
done = function(summary, latency, requests)
  local seconds = summary.duration / 1e6
  io.write(string.format("RESULT %.0f %.2f %.2f %.2f %d %d\\n", summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency:percentile(99.9) / 1000,
    summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end''')
PY

start_server() {
  "$bin" serve "$run" --data "$data" --host 127.0.0.1 --port "$port" $threads "${extra[@]}" "$@" > "$work/server.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 600); do
    grep -q "^serving " "$work/server.log" 2>/dev/null && return 0
    kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log" >&2; exit 1; }
    sleep 0.1
  done
  echo "the server did not start in 60 s" >&2; exit 1
}

stop_server() {
  kill -TERM "$server_pid"
  local status=0
  wait "$server_pid" || status=$?
  server_pid=""
  [ "$status" = 0 ] || { echo "the server exited with status $status after SIGTERM" >&2; exit 1; }
}

statuses() {
  curl -sf "http://127.0.0.1:$port/metrics" | grep '^fusionlab_http_requests_total{route="/v1/score"' \
    | sed 's/.*status="\([0-9]*\)"} \(.*\)/\1: \2/' | tr '\n' ' '
}
rss_mb() { ps -o rss= -p "$server_pid" | awk '{printf "%.1f", $1/1024}'; }

if [ -n "$soak" ]; then
  echo "fusionlab serve soak: $run ${extra[*]}, $soak min, 16 connections, micro-batching on, $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
  start_server --max-batch 64 --max-wait-ms 2
  echo "resident memory before any request: $(rss_mb) MB"
  wrk -t1 -c1 -d2s -s "$work/requests.lua" "http://127.0.0.1:$port/v1/score" >/dev/null  # warm-up
  wrk -t2 -c16 -d$((soak * 60))s --timeout 10s -s "$work/requests.lua" "http://127.0.0.1:$port/v1/score" > "$work/soak.txt" &
  wrk_pid=$!
  samples=()
  for k in $(seq 1 $((soak * 2))); do
    sleep 30
    samples+=("$((k * 30))s:$(rss_mb)")
  done
  wait "$wrk_pid"
  read -r _ rps p50 p99 p999 status socket <<< "$(grep '^RESULT' "$work/soak.txt")"
  echo "requests/s $rps, p50 $p50 ms, p99 $p99 ms, p99.9 $p999 ms; non-2xx seen by wrk: $status; socket errors: $socket"
  echo "answers by status: $(statuses)"
  echo "resident memory (MB) every 30 s: ${samples[*]}"
  stop_server
  exit 0
fi

echo "fusionlab serve load: $run ${extra[*]}, ${duration}s per setting, $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf "%-16s %11s %10s %10s %10s %8s %8s\n" "batching" "concurrency" "req/s" "p50 ms" "p99 ms" "p99.9 ms" "non-2xx"
for mode in on off; do
  if [ $mode = on ]; then start_server --max-batch 64 --max-wait-ms 2; label="on (max 64)"; else start_server --max-batch 1; label="off (max 1)"; fi
  curl -sf "http://127.0.0.1:$port/healthz" >/dev/null
  wrk -t1 -c1 -d2s -s "$work/requests.lua" "http://127.0.0.1:$port/v1/score" >/dev/null  # warm-up
  for c in 1 16 64; do
    t=$(( c < 2 ? 1 : 2 ))
    line=$(timeout $((duration + 30)) wrk -t$t -c$c -d${duration}s --timeout 10s -s "$work/requests.lua" "http://127.0.0.1:$port/v1/score" | grep '^RESULT')
    read -r _ rps p50 p99 p999 status socket <<< "$line"
    printf "%-16s %11s %10s %10s %10s %8s %8s\n" "$label" "$c" "$rps" "$p50" "$p99" "$p999" "$status"
    [ "$socket" = 0 ] || echo "  ($socket socket errors)"
  done
  echo "  answers by status: $(statuses)"
  echo "  server resident memory: $(rss_mb) MB"
  stop_server
done
