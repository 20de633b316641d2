#!/usr/bin/env bash
# Quick start 2: install the test dependencies and run every test.
# Extra arguments go to pytest (e.g. `bash scripts/test.sh tests/rules -x`).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/system-deps.sh
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/pip install -q --upgrade pip >/dev/null
.venv/bin/pip install -q -e ".[test]"
# worksteal: a worker that runs out of tests takes half of the other's queue (the slow
# browser and matrix tests no longer leave one worker idle at the end). One worker more
# than cores: a worker waiting on Chromium, a subprocess or the database leaves its core to
# another.
exec .venv/bin/python -m pytest -n "${PYTEST_WORKERS:-$(( $(nproc) + 1 ))}" --dist worksteal "$@"
