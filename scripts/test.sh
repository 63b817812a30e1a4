#!/usr/bin/env bash
# Set up (see setup.sh) and run the whole test suite on the real PostgreSQL, Redis and Celery workers.
# The recorded OpenF1 data is read from ../shared/openf1 (or $OPENF1_REPLAY_DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec .venv/bin/python -m pytest "$@"
