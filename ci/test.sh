#!/usr/bin/env bash
# The tests: set up if needed, lint, then re-execute every notebook under nbval (outputs
# compared with the committed ones) together with the unit tests in tests/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash ci/setup.sh
.venv/bin/python -m ruff check notebooks ci workshop tests conftest.py
exec .venv/bin/python -m pytest tests notebooks --nbval --nbval-current-env \
  --nbval-sanitize-with ci/nbval-sanitize.cfg "$@"
