#!/usr/bin/env bash
# Set up (see setup.sh), lint with ruff, and run the whole test suite on the real PostgreSQL, Redis and Celery
# workers.
# The recorded data is read from the repository's recordings/ (or $OPENF1_REPLAY_DIR and the others).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
.venv/bin/ruff check .  # the lint (pyproject.toml's [tool.ruff]) first: a finding fails the run before any test
exec .venv/bin/python -m pytest "$@"
