"""Fixtures of the herder unit tests: the installed plugins (loaded once) and a herder cluster
(tests/fixtures/herder_cluster.py) closed after each test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from connectrt.runtime.plugins import Plugins
from tests.fixtures.herder_cluster import HerderCluster


@pytest.fixture(scope="session")
def plugins() -> Plugins:
    return Plugins()


@pytest.fixture
def cluster(plugins: Plugins) -> Iterator[HerderCluster]:
    c = HerderCluster(plugins)
    yield c
    c.close()
