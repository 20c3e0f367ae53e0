from __future__ import annotations

from collections.abc import Iterator

import pytest

from connectrt.rest.app import create_app
from connectrt.rest.config import RestConfig
from connectrt.runtime.loggers import Loggers

from .fake_herder import FakeHerder
from .helpers import AppClient


@pytest.fixture
def herder() -> FakeHerder:
    return FakeHerder()


@pytest.fixture
def rest_config() -> RestConfig:
    return RestConfig(version="0.1.0", commit="abc123")


@pytest.fixture
def loggers() -> Loggers:
    return Loggers(clock_ms=lambda: 1_700_000_000_000)


@pytest.fixture
def client(herder: FakeHerder, rest_config: RestConfig, loggers: Loggers) -> Iterator[AppClient]:
    c = AppClient(create_app(herder, rest_config, loggers=loggers))
    yield c
    c.close()
