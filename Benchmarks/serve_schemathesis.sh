#!/usr/bin/env bash
# Schemathesis against `fusionlab serve` (issue 17): generates requests from the OpenAPI
# description (docs/serve-openapi.json) — valid ones and, in its coverage and fuzzing phases,
# broken ones — sends them to a server on 127.0.0.1 and fails on any 5xx answer, on answers that
# break the description (status codes, content types, response schemas) and on invalid data the
# server accepts. One check is left out: schema-valid data that is still refused (an `image` in
# valid base64 that is not a PNG or JPEG, which JSON Schema cannot express) is a correct 400.
#
#   Benchmarks/serve_schemathesis.sh [RUN --data DIR] [--examples N] [--port PORT]
#
# Without RUN it trains a tiny run (the tiny shop, 1 epoch of a 16-wide model) in a temporary
# folder. The venv is .venv-schemathesis (SCHEMATHESIS_VENV overrides), from
# Benchmarks/requirements-schemathesis.txt. Exit status: schemathesis's (0: no failure).
set -euo pipefail
cd "$(dirname "$0")/.."

run="" data="" examples=300 port=18090
while [ $# -gt 0 ]; do
  case $1 in
    --data) data=$2; shift 2 ;;
    --examples) examples=$2; shift 2 ;;
    --port) port=$2; shift 2 ;;
    -*) sed -n '10,14p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
    *) run=$1; shift ;;
  esac
done

venv=${SCHEMATHESIS_VENV:-.venv-schemathesis}
if ! "$venv/bin/schemathesis" --version >/dev/null 2>&1; then
  echo "setting up $venv (Benchmarks/requirements-schemathesis.txt)" >&2
  [ -x "$venv/bin/pip" ] || python3 -m venv "$venv"
  "$venv/bin/pip" install -q -r Benchmarks/requirements-schemathesis.txt
fi
swift build -c release --product fusionlab >/dev/null 2>&1 || swift build -c release --product fusionlab
bin=.build/release/fusionlab

work=$(mktemp -d)
server_pid=""
cleanup() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

if [ -z "$run" ]; then
  echo "training a tiny run in $work" >&2
  "$bin" generate --preset tiny --out "$work/shop" >/dev/null
  cat > "$work/tiny.json" <<JSON
{
  "name": "tiny",
  "data": {"path": "$work/shop", "event_float_columns": ["dwell", "rating"], "images": {"size": 16}},
  "model": {"dimension": 16,
            "encoders": {"sequence": {"layers": 1, "heads": 2, "feedforward": 32}, "image": {"channels": [4, 8]},
                         "profile": {"hidden": [16]}, "attributes": {"hidden": [16]}},
            "fusion": {"heads": 2, "hidden": [16]}},
  "training": {"epochs": 1, "batch_size": 64},
  "output": {"directory": "$work/Results"},
  "threads": 2
}
JSON
  "$bin" run "$work/tiny.json" >/dev/null
  run=$(dirname "$(ls "$work"/Results/tiny/runs/*/seed-*/model.safetensors | head -1)")
  data="$work/shop"
fi
[ -n "$data" ] || data=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["data"]["path"])' "$run/config.json")

"$bin" serve "$run" --data "$data" --host 127.0.0.1 --port "$port" > "$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 600); do
  grep -q "^serving " "$work/server.log" 2>/dev/null && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log" >&2; exit 1; }
  sleep 0.1
done

status=0
"$venv/bin/schemathesis" run docs/serve-openapi.json --url "http://127.0.0.1:$port" \
  --checks all --exclude-checks positive_data_acceptance --max-examples "$examples" --workers 2 \
  --seed 1 --no-color || status=$?
kill -0 "$server_pid" 2>/dev/null || { echo "the server died during the run" >&2; tail -20 "$work/server.log" >&2; exit 1; }
echo "answers by route and status (the server's /metrics):"
curl -sf "http://127.0.0.1:$port/metrics" | grep '^fusionlab_http_requests_total' \
  | sed 's/.*route="\([^"]*\)".*status="\([0-9]*\)"} \(.*\)/\1 \2 \3/' \
  | awk '{n[$1" "$2] += $3} END {for (k in n) printf "  %s: %d\n", k, n[k]}' | sort
exit $status
