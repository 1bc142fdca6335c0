#!/usr/bin/env bash
# The pre-flight check (workshop/preflight.py) with the project's .venv: is this laptop ready?
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -x .venv/bin/python ]; then exec .venv/bin/python workshop/preflight.py "$@"; fi
echo "No .venv here yet: run bash ci/setup.sh first. Checking with $(command -v python3) meanwhile." >&2
exec python3 workshop/preflight.py "$@"
