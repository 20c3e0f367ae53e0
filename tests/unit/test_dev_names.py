from __future__ import annotations

import re

import pytest

from tests.fixtures.names import SESSION_TOKEN, UniqueNames, unique_name

pytestmark = pytest.mark.unit


def test_names_are_unique_and_valid_everywhere() -> None:
    names = UniqueNames("test_something[with-params and a very long test name that goes on and on]")
    made = [names(), names.topic(), names.table(), names.slot(), names.publication(), names.group()]
    made += [unique_name("9lives") for _ in range(100)]
    assert len(set(made)) == len(made)
    for name in made:
        assert re.fullmatch(r"[a-z][a-z0-9_]{0,62}", name), name  # Postgres identifier/slot, Kafka topic
    bucket = names.bucket()
    assert re.fullmatch(r"[a-z0-9][a-z0-9-]{1,61}[a-z0-9]", bucket), bucket


def test_unique_name_fixture_uses_the_test_name(unique_name: UniqueNames) -> None:
    assert unique_name("orders").startswith("orders_test_unique_name_fixture")


def test_every_name_carries_the_session_token() -> None:
    # The session deletes the topics it created by this token (tests/fixtures/services.py).
    names = UniqueNames("a context long enough to be trimmed " * 3)
    for name in (names(), names.topic(), unique_name("x"), names.bucket().replace("-", "_")):
        assert SESSION_TOKEN in name, name
