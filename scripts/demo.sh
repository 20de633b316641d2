#!/usr/bin/env bash
# Quick start 1: install, migrate, seed the demo school, then serve at http://127.0.0.1:5000
# with a job worker beside the server (exports run on it); Ctrl+C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/pip install -q --upgrade pip >/dev/null
.venv/bin/pip install -q -e .
.venv/bin/flask --app starrating db upgrade
.venv/bin/flask --app starrating seed-demo
.venv/bin/huey_consumer starrating.jobs.huey -w 2 >instance/worker.log 2>&1 &
worker=$!
trap 'kill "$worker" 2>/dev/null || true' EXIT INT TERM
echo "Job worker started (log: instance/worker.log)."
echo "Open http://127.0.0.1:${PORT:-5000} and log in with one of the accounts above."
.venv/bin/flask --app starrating run --host 127.0.0.1 --port "${PORT:-5000}"
