"""WorkerSourceTask with a producer that reports failed deliveries only (delivery.report.only.error):
records are acknowledged when the producer holds none of them any more, never before; a failure report
still fails the task; and the producer setting is chosen per task (kafka.clients.only_error_reports)."""

from __future__ import annotations

from typing import Any

import pytest
from confluent_kafka import Producer

from connectrt.api.connector import ConnectException
from connectrt.api.data import Schema
from connectrt.api.records import SourceRecord
from connectrt.config.configdef import ConfigException
from connectrt.kafka.clients import ONLY_ERROR_REPORTS, make_producer, only_error_reports
from tests.unit.runtime.test_task_hot_paths import FakeProducer, send, source_task, stored

pytestmark = pytest.mark.unit


class OnlyErrorProducer(FakeProducer):
    """Outstanding messages until ``deliver``; only failures call back (as librdkafka with only errors)."""

    def __init__(self) -> None:
        super().__init__()
        self.outstanding = 0
        self.flushes: list[float] = []
        self.flush_leaves = 0  # what flush() leaves outstanding (a broker that does not answer)

    def produce(self, *args: Any, **kwargs: Any) -> None:
        super().produce(*args, **kwargs)
        self.outstanding += 1

    def __len__(self) -> int:
        return self.outstanding

    def deliver(self, fail: int | None = None) -> None:
        """Every outstanding message is delivered; the one at index ``fail`` (of all sent) failed."""
        if fail is not None:
            self.callbacks[fail]("broker says no", None)
        self.outstanding = 0

    def flush(self, timeout: float = 0) -> int:
        self.flushes.append(timeout)
        self.outstanding = self.flush_leaves
        return self.outstanding


def records(part: dict[str, str], first: int, n: int) -> list[SourceRecord]:
    return [
        SourceRecord(part, {"pos": i}, "t", value_schema=Schema.STRING_SCHEMA, value=str(i))
        for i in range(first, first + n)
    ]


def test_offsets_are_committed_after_the_producer_flushed_everything() -> None:
    producer = OnlyErrorProducer()
    task, store = source_task(producer, acks_by_flush=True)
    part = {"file": "a"}
    send(task, records(part, 0, 5))
    task.collect_acknowledged()
    assert task.batches and task.batches[0].pending == 5  # no success report will come
    task.commit_offsets()
    assert producer.flushes == [5.0]  # offset.flush.timeout.ms
    assert stored(store, part) == {"pos": 4}
    assert not task.batches


def test_nothing_is_committed_while_records_are_still_in_flight() -> None:
    producer = OnlyErrorProducer()
    producer.flush_leaves = 3
    task, store = source_task(producer, acks_by_flush=True)
    part = {"file": "a"}
    send(task, records(part, 0, 5))
    task.commit_offsets()
    assert stored(store, part) is None
    producer.flush_leaves = 0
    task.commit_offsets()
    assert stored(store, part) == {"pos": 4}


def test_an_idle_producer_acknowledges_the_batches_sent_before() -> None:
    producer = OnlyErrorProducer()
    task, store = source_task(producer, acks_by_flush=True)
    part = {"file": "a"}
    send(task, records(part, 0, 3))
    task.batches[-1].sealed = True
    producer.deliver()
    # What execute() does after each poll: an empty producer means every record was delivered.
    assert len(producer) == 0
    task._acknowledge_if_idle()
    task.collect_acknowledged()
    assert not task.batches
    task.commit_offsets()
    assert stored(store, part) == {"pos": 2}
    assert producer.flushes == []  # nothing left in flight: no flush needed


def test_a_failure_report_fails_the_task_and_keeps_its_offsets_uncommitted() -> None:
    producer = OnlyErrorProducer()
    task, store = source_task(producer, acks_by_flush=True)
    part = {"file": "a"}
    send(task, records(part, 0, 3))
    producer.deliver(fail=1)
    task.commit_offsets()
    assert stored(store, part) is None
    with pytest.raises(ConnectException, match="broker says no"):
        task.check_batch_errors()


def test_only_error_reports_is_the_default_for_source_producers() -> None:
    props: dict[str, Any] = {}
    assert only_error_reports(props, per_record=False) is True
    assert props[ONLY_ERROR_REPORTS] == "true"
    props = {ONLY_ERROR_REPORTS: "False"}
    assert only_error_reports(props, per_record=False) is False  # the user's choice
    props = {ONLY_ERROR_REPORTS: "true"}
    assert only_error_reports(props, per_record=True) is False  # commit_record needs every report
    assert props[ONLY_ERROR_REPORTS] == "false"
    with pytest.raises(ConfigException, match="must be true or false"):
        only_error_reports({ONLY_ERROR_REPORTS: "sometimes"}, per_record=False)


def test_make_producer_takes_the_setting_as_text() -> None:
    # confluent-kafka wants a bool here; worker properties are text ("true", from producer.*).
    producer = make_producer({"bootstrap.servers": "127.0.0.1:1", ONLY_ERROR_REPORTS: "true"})
    assert isinstance(producer, Producer)  # was: TypeError "Expected ... to be bool type, not str"
    with pytest.raises(ConfigException, match="must be true or false"):
        make_producer({"bootstrap.servers": "127.0.0.1:1", ONLY_ERROR_REPORTS: "1"})
