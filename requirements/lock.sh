#!/usr/bin/env bash
# Make the lock files from pyproject.toml: exact versions with their hashes, one set that installs on every
# CPython the project supports (3.11 and later, any platform: `--universal` writes the markers it needs).
#   requirements/lock.sh                 keep every pin that still fits pyproject.toml, add what is new
#   requirements/lock.sh --upgrade       move every pin to the newest release pyproject.toml allows
#   requirements/lock.sh -P celery       move one package (and what it needs) only
# Needs uv (the `dev` extra, or `pip install uv`). The test lock is made under the runtime lock, so the two agree
# on every package they share; requirements/build.txt pins the build backend used by setup.sh and the Dockerfile.
set -euo pipefail
cd "$(dirname "$0")/.."
UV=${UV:-uv}
compile() {
  "$UV" pip compile --quiet --universal --python-version 3.11 --generate-hashes \
    --custom-compile-command "requirements/lock.sh" "$@"
}
compile pyproject.toml -o requirements/runtime.txt "$@"
compile pyproject.toml --extra test -c requirements/runtime.txt -o requirements/test.txt "$@"
compile requirements/build.in -o requirements/build.txt "$@"
