from __future__ import annotations

from collections.abc import Iterator

import pytest

from connectrt.connectors.testing import RuntimeHandles


@pytest.fixture(autouse=True)
def _fresh_handles() -> Iterator[None]:
    RuntimeHandles.get().clear()
    yield
    RuntimeHandles.get().clear()
