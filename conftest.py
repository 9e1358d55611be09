"""Root conftest: per-run data directory and the cross-process 500 log.

Simple defaults live in pytest.ini (``env``, applied before Django's settings
load); these two need a fresh temporary path per run.
"""

import os
import tempfile
from pathlib import Path

_DATA = Path(tempfile.mkdtemp(prefix="errorhub-test-"))
os.environ.setdefault("ERRORHUB_DATA_DIR", str(_DATA))
os.environ.setdefault("ERRORHUB_500_LOG", str(_DATA / "500.log"))
