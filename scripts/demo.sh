#!/usr/bin/env bash
# Quick start 1: install, migrate, seed the demo school, serve at http://127.0.0.1:5000
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/pip install -q --upgrade pip >/dev/null
.venv/bin/pip install -q -e .
.venv/bin/flask --app starrating db upgrade
.venv/bin/flask --app starrating seed-demo
echo "Open http://127.0.0.1:${PORT:-5000} and log in with one of the accounts above."
exec .venv/bin/flask --app starrating run --host 127.0.0.1 --port "${PORT:-5000}"
