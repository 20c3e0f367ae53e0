"""Exactly-once source support without a broker: the preflight validation of Java's DistributedHerder
(messages literal) and the connector-defined transaction context."""

from __future__ import annotations

from typing import Any

import pytest

from connectrt.api.connector import ConnectException
from connectrt.api.records import SourceRecord
from connectrt.config.providers import ConfigTransformer
from connectrt.herder.validation import validate_connector_config
from connectrt.model.entities import ConfigInfos, ConnectorTaskId
from connectrt.runtime.exactly_once_source_task import WorkerTransactionContext, transactional_id
from connectrt.runtime.plugins import Plugins

MONITORABLE = "org.apache.kafka.connect.integration.MonitorableSourceConnector"

NULL_SUPPORT = (
    "The connector does not implement the API required for preflight validation of exactly-once source support. "
    "Please consult the documentation for the connector to determine whether it supports exactly-once semantics, "
    'and then consider reconfiguring the connector to use the value "requested" for this property (which will '
    "disable this preflight check and allow the connector to be created)."
)
UNSUPPORTED = "The connector does not support exactly-once semantics with the provided configuration."
NOT_ENABLED = "This worker does not have exactly-once source support enabled."
NULL_BOUNDARIES = (
    "This connector has returned a null value from its canDefineTransactionBoundaries method, which is not "
    "permitted. The connector will be treated as if it cannot define its own transaction boundaries, and cannot "
    "be configured with 'transaction.boundary' set to 'connector'."
)
UNSUPPORTED_BOUNDARIES = (
    "The connector does not support connector-defined transaction boundaries with the given configuration. "
    "Please reconfigure it to use a different transaction boundary definition."
)


def _validate(props: dict[str, Any], enabled: bool | None = True) -> ConfigInfos:
    config = {"connector.class": MONITORABLE, "name": "eos", "topic": "t", **props}
    return validate_connector_config(Plugins(), config, ConfigTransformer({}), "group", "All", enabled)


def _errors(infos: ConfigInfos, name: str) -> list[str]:
    for entry in infos.configs:
        value = entry.get("value") or {}
        if value.get("name") == name:
            return list(value.get("errors", []))
    raise AssertionError(f"{name} not in the validation result")


@pytest.mark.parametrize(
    ("support", "expected"),
    [
        ("null", [NULL_SUPPORT]),
        ("unsupported", [UNSUPPORTED]),
        ("fail", ["An unexpected error occurred during validation: oops"]),
        ("supported", []),
    ],
)
def test_exactly_once_support_required(support: str, expected: list[str]) -> None:
    infos = _validate({"exactly.once.support": "required", "custom.exactly.once.support": support})
    assert _errors(infos, "exactly.once.support") == expected
    assert infos.error_count == len(expected)


def test_exactly_once_support_requested_skips_the_check() -> None:
    infos = _validate({"exactly.once.support": "REQUESTED", "custom.exactly.once.support": "unsupported"})
    assert infos.error_count == 0


def test_exactly_once_required_on_a_worker_without_it() -> None:
    infos = _validate({"exactly.once.support": "required", "custom.exactly.once.support": "supported"}, False)
    assert _errors(infos, "exactly.once.support") == [NOT_ENABLED]


def test_standalone_does_no_exactly_once_preflight() -> None:
    infos = _validate(
        {"exactly.once.support": "required", "custom.exactly.once.support": "unsupported"}, None
    )
    assert infos.error_count == 0


@pytest.mark.parametrize(
    ("boundaries", "expected"),
    [
        ("null", [NULL_BOUNDARIES]),
        ("unsupported", [UNSUPPORTED_BOUNDARIES]),
        ("fail", ["An unexpected error occurred during validation: oh no :("]),
        ("supported", []),
    ],
)
def test_connector_transaction_boundary(boundaries: str, expected: list[str]) -> None:
    infos = _validate({"transaction.boundary": "connector", "custom.transaction.boundaries": boundaries})
    assert _errors(infos, "transaction.boundary") == expected
    assert infos.error_count == len(expected)


def test_invalid_values_are_config_errors() -> None:
    infos = _validate({"exactly.once.support": "maybe", "transaction.boundary": "sometimes"})
    assert len(_errors(infos, "exactly.once.support")) == 1
    assert len(_errors(infos, "transaction.boundary")) == 1


def _record(n: int) -> SourceRecord:
    return SourceRecord({"p": 0}, {"o": n}, "t", None, None, None, None, n)


def test_transaction_context_per_record_and_batch() -> None:
    tc = WorkerTransactionContext()
    a, b, c = _record(1), _record(2), _record(3)
    tc.commit_transaction(a)
    tc.abort_transaction(b)
    assert tc.should_commit_on(a) and not tc.should_commit_on(a)  # consumed once
    assert not tc.should_abort_on(a)
    assert tc.should_abort_on(b) and not tc.should_commit_on(b)
    assert not tc.should_commit_on(c) and not tc.should_abort_on(c)
    assert not tc.should_commit_batch()
    tc.commit_transaction()
    assert tc.should_commit_batch() and not tc.should_commit_batch()
    tc.abort_transaction()
    assert tc.should_abort_batch() and not tc.should_abort_batch()


def test_transaction_context_rejects_commit_and_abort_of_the_same() -> None:
    tc = WorkerTransactionContext()
    r = _record(1)
    tc.commit_transaction(r)
    tc.abort_transaction(r)
    with pytest.raises(ConnectException, match="Connector requested both commit and abort of same record"):
        tc.should_commit_on(r)
    tc.commit_transaction()
    tc.abort_transaction()
    with pytest.raises(
        ConnectException, match="Connector requested both commit and abort of same transaction"
    ):
        tc.should_commit_batch()


def test_transactional_id() -> None:
    assert (
        transactional_id("connect-cluster", ConnectorTaskId("my-source", 3)) == "connect-cluster-my-source-3"
    )


def test_connector_offset_store_reads_own_then_worker_and_writes_both() -> None:
    from connectrt.storage.connector_offsets import ConnectorOffsetBackingStore
    from connectrt.storage.offsets import MemoryOffsetBackingStore, offset_key

    own, worker = MemoryOffsetBackingStore(), MemoryOffsetBackingStore()
    a, b = offset_key("c", {"p": "a"}), offset_key("c", {"p": "b"})
    worker.set({a: b'{"o":1}', b: b'{"o":2}'})
    own.set({a: b'{"o":10}'})
    store = ConnectorOffsetBackingStore(own, worker)
    assert store.get([a, b]) == {a: b'{"o":10}', b: b'{"o":2}'}
    store.set({b: b'{"o":20}'}).result(1)
    assert own.get([b]) == {b: b'{"o":20}'} and worker.get([b]) == {b: b'{"o":20}'}
    assert sorted(p["p"] for p in store.connector_partitions("c")) == ["a", "b"]


def test_source_config_validators() -> None:
    infos = _validate({"transaction.boundary.interval.ms": "-1", "offsets.storage.topic": ""})
    assert _errors(infos, "transaction.boundary.interval.ms") == [
        "Invalid value -1 for configuration transaction.boundary.interval.ms: Value must be at least 0"
    ]
    assert _errors(infos, "offsets.storage.topic") == [
        "Invalid value  for configuration offsets.storage.topic: String must be non-empty"
    ]
    assert _validate({"transaction.boundary.interval.ms": "0"}).error_count == 0
