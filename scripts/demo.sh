#!/usr/bin/env bash
# Set up, start a worker and sync a season (default 2024) into the database of DATABASE_URL, then stop
# the worker. Without internet, the season comes from the recorded data through the replay servers (OpenF1 from
# 2023, the Ergast export through the Jolpica replay before).
set -euo pipefail
cd "$(dirname "$0")/.."
YEAR=${1:-2024}
shift || true
scripts/setup.sh

pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

if [ -z "${OPENF1_BASE_URL:-}" ] && ! curl -sf -m 5 -o /dev/null "https://api.openf1.org/v1/meetings?year=$YEAR"; then
  port=${OPENF1_REPLAY_PORT:-8765}
  echo "api.openf1.org is not reachable: replaying the recorded data on port $port"
  .venv/bin/python -m openf1_replay --port "$port" &
  pids+=($!)
  export OPENF1_BASE_URL="http://127.0.0.1:$port/v1"
  export OPENF1_RATE_LIMIT="${OPENF1_RATE_LIMIT:-off}"  # the local replay has no limit; set one to watch the limiter
  for _ in $(seq 1 50); do curl -sf -o /dev/null "http://127.0.0.1:$port/__replay/health" && break; sleep 0.2; done
fi

if [ -z "${JOLPICA_BASE_URL:-}" ] && ! curl -sf -m 5 -o /dev/null "https://api.jolpi.ca/ergast/f1/$YEAR.json"; then
  port=${JOLPICA_REPLAY_PORT:-8766}
  echo "api.jolpi.ca is not reachable: replaying the Ergast export on port $port (history, before OpenF1's seasons)"
  .venv/bin/python -m jolpica_replay --port "$port" &
  pids+=($!)
  export JOLPICA_BASE_URL="http://127.0.0.1:$port/ergast/f1"
  export JOLPICA_RATE_LIMIT="${JOLPICA_RATE_LIMIT:-off}"
  for _ in $(seq 1 50); do curl -sf -o /dev/null "http://127.0.0.1:$port/__replay/health" && break; sleep 0.2; done
fi

.venv/bin/celery -A tasks worker --loglevel=WARNING --concurrency=2 -n "demo-$$@%h" &
pids+=($!)
for _ in $(seq 1 30); do .venv/bin/celery -A tasks inspect ping --timeout 1 >/dev/null 2>&1 && break; sleep 1; done
.venv/bin/python -m ingestion sync --year "$YEAR" "$@"
