#!/usr/bin/env bash
# The pre-flight check (ci/preflight.py) with the project's .venv: is this laptop ready?
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -x .venv/bin/python ]; then exec .venv/bin/python ci/preflight.py "$@"; fi
echo "No .venv here yet: run bash ci/setup.sh first. Checking with $(command -v python3) meanwhile." >&2
exec python3 ci/preflight.py "$@"
