"""Keep the developer's installed third-party plugins out of the tests; make the helper module
``catalogue`` (beside the tests) importable under ``--import-mode=importlib``."""

import os
import sys
from pathlib import Path

os.environ.setdefault("SLAYER_DISABLE_PLUGIN_AUTOLOAD", "1")
sys.path.insert(0, str(Path(__file__).parent))
