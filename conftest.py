"""pytest setup shared by tests/ and the nbval run over notebooks/."""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent / "ci"))  # what CI and contributors run
sys.path.insert(0, str(Path(__file__).parent / "workshop"))  # the workshop kit

from run_notebooks import HEADLESS_ENV  # noqa: E402

# Kernels started by nbval inherit this environment: same headless mode as the runner.
os.environ.update(HEADLESS_ENV)
