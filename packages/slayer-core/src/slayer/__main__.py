"""``python -m slayer``: the command line (``python -m slayer plugins``)."""

from slayer.core._cli import main

raise SystemExit(main())
