#!/usr/bin/env bash
# The main job: set up, then execute every notebook headless (papermill, fresh kernel,
# outputs written back in place) and print the summary table. Extra arguments pick notebooks.
set -euo pipefail
cd "$(dirname "$0")/.."
bash ci/setup.sh
exec .venv/bin/python ci/run_notebooks.py "$@"
