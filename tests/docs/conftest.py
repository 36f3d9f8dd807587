"""The doc tests' helpers live beside them; pytest imports test files with ``--import-mode=importlib``."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
