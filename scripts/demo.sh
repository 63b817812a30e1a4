#!/usr/bin/env bash
# Set up, start a worker and sync a season (default 2024) into the database of DATABASE_URL, then stop
# the worker. Without internet, the season comes from the recorded data through the replay servers (OpenF1 from
# 2023, the Ergast export through the Jolpica replay before).
#   scripts/demo.sh [YEAR] [--no-results]
#   scripts/demo.sh --series Wisconsin_Challenge_Series [--season 2007] [--no-results]   (The Third Turn; offline:
#       the recorded pages through the wiki replay, its 1-page-per-5-s limit run five times faster)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = "--series" ]; then
  SYNC=(--series "${2:?--series needs a hub page title}")
  shift 2
else
  YEAR=${1:-2024}
  shift || true
  SYNC=(--year "$YEAR")
fi
scripts/setup.sh

pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

# replay PREFIX MODULE PORT PATH PROBE [CLIENT_LIMIT [REPLAY_ARGS...]]: when PREFIX_BASE_URL is unset and the live
# source's PROBE does not answer, serve the recorded data with MODULE on PORT and point PREFIX_BASE_URL at it
# (the workers' limit: PREFIX_RATE_LIMIT, else CLIENT_LIMIT, else none). A replay that exits (its data directory
# missing, its port taken) or does not answer within 10 s stops the demo at once, saying so: a sync against a
# source that cannot be reached would only retry for minutes.
replay() {
  local prefix=$1 module=$2 port=$3 path=$4 probe=$5 client_limit=${6:-off} url="${1}_BASE_URL" limit="${1}_RATE_LIMIT"
  shift 6 2>/dev/null || shift $#
  [ -z "${!url:-}" ] || return 0
  curl -sf -m 5 -o /dev/null "$probe" && return 0
  echo "$probe is not reachable: replaying the recorded data with $module on port $port"
  .venv/bin/python -m "$module" --port "$port" "$@" &
  local pid=$!
  pids+=("$pid")
  export "$url=http://127.0.0.1:$port$path"
  export "$limit=${!limit:-$client_limit}"
  for _ in $(seq 1 50); do
    curl -sf -o /dev/null "http://127.0.0.1:$port/__replay/health" && return 0
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "error: the $module replay did not start (its reason above): the demo stops here" >&2
      exit 1
    fi
    sleep 0.2
  done
  echo "error: the $module replay did not answer on port $port within 10 s: the demo stops here" >&2
  exit 1
}
if [ -n "${YEAR:-}" ]; then
  replay OPENF1 openf1_replay "${OPENF1_REPLAY_PORT:-8765}" /v1 "https://api.openf1.org/v1/meetings?year=$YEAR"
  replay JOLPICA jolpica_replay "${JOLPICA_REPLAY_PORT:-8766}" /ergast/f1 "https://api.jolpi.ca/ergast/f1/$YEAR.json"
else
  replay THIRDTURN thirdturn_replay "${THIRDTURN_REPLAY_PORT:-8767}" "" "https://www.thethirdturn.com/robots.txt" \
    1/second --rate-limit 1/5second --time-scale 5
fi

.venv/bin/celery -A tasks worker --loglevel=WARNING --concurrency=2 -n "demo-$$@%h" &
pids+=($!)
for _ in $(seq 1 30); do .venv/bin/celery -A tasks inspect ping --timeout 1 >/dev/null 2>&1 && break; sleep 1; done
.venv/bin/python -m ingestion sync "${SYNC[@]}" "$@"
