"""``python -m risk``: see :mod:`risk.cli`."""

from __future__ import annotations

import sys

from risk.cli import main

if __name__ == "__main__":
    sys.exit(main())
