"""Keep the developer's installed third-party plugins out of slayer-core's tests."""

import os

os.environ.setdefault("SLAYER_DISABLE_PLUGIN_AUTOLOAD", "1")
