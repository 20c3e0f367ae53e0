"""The root test fixtures (dev services, unique names, Kafka helpers) for the plugin's tests."""

from __future__ import annotations

import sys
from pathlib import Path

_ROOT = Path(__file__).resolve().parents[3]
if str(_ROOT) not in sys.path:
    sys.path.insert(0, str(_ROOT))

from tests.conftest import *  # noqa: E402,F403
from tests.conftest import __all__ as _root_fixtures  # noqa: E402

__all__ = list(_root_fixtures)
