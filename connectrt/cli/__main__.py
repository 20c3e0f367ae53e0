"""``python -m connectrt.cli``: the same as the ``connectrt`` console script."""

from __future__ import annotations

import sys

from connectrt.cli import main

sys.exit(main())
