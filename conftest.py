"""Marks every test by the tree it lives in, for the core and every plugin alike.

A test under a ``unit`` directory gets the ``unit`` marker, one under ``integration`` the
``integration`` marker and one under ``compat`` the ``compat`` marker, plus ``unit`` unless it is
marked ``integration`` itself (most compat tests are literal comparisons without services), so
``./scripts/test -m unit`` runs the unit tests of connectrt and of every ``plugins/*`` distribution.
"""

from __future__ import annotations

import pytest


def _marks(item: pytest.Item) -> tuple[str, ...]:
    parts = item.path.parts
    if "unit" in parts:
        return ("unit",)
    if "integration" in parts:
        return ("integration",)
    if "compat" in parts:
        return ("compat",) if item.get_closest_marker("integration") else ("compat", "unit")
    return ()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        for mark in _marks(item):
            if item.get_closest_marker(mark) is None:
                item.add_marker(mark)
