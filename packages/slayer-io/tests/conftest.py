import sys
from pathlib import Path

# helper modules (reference.py) sit beside the tests; --import-mode=importlib does not add this folder
sys.path.insert(0, str(Path(__file__).parent))
