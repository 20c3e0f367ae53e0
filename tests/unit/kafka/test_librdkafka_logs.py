"""librdkafka's log lines go through Python logging: connection failures as WARNING, said once a minute."""

from __future__ import annotations

import logging
import re
import time

import pytest

from connectrt.kafka.clients import make_admin, make_producer
from connectrt.kafka.logs import LibrdkafkaLog, without_noise
from tests.integration.worker_process import free_port

pytestmark = pytest.mark.unit


def test_a_refused_broker_is_one_warning_through_python_logging(
    caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    port = free_port()
    with caplog.at_level(logging.DEBUG, logger="librdkafka"):
        producer = make_producer(
            {"bootstrap.servers": f"127.0.0.1:{port}", "reconnect.backoff.max.ms": "100"}
        )
        deadline = time.monotonic() + 2.0
        while time.monotonic() < deadline:
            producer.poll(0.1)
    records = [r for r in caplog.records if r.name == "librdkafka" and "Connection refused" in r.getMessage()]
    assert len(records) == 1, [r.getMessage() for r in records]  # about 20 attempts in 2 s, said once
    assert records[0].levelno == logging.WARNING
    assert re.fullmatch(
        rf"FAIL \[rdkafka#producer-\d+\] \[thrd:127.0.0.1:{port}/bootstrap\]: 127.0.0.1:{port}/bootstrap: "
        rf"Connect to ipv4#127.0.0.1:{port} failed: Connection refused",
        records[0].getMessage(),
    )
    assert "rdkafka" not in capfd.readouterr().err  # librdkafka printed nothing itself


def test_admin_clients_are_polled_for_their_log_lines(caplog: pytest.LogCaptureFixture) -> None:
    port = free_port()
    with caplog.at_level(logging.WARNING, logger="librdkafka"):
        admin = make_admin({"bootstrap.servers": f"127.0.0.1:{port}"})
        deadline = time.monotonic() + 5.0
        while time.monotonic() < deadline and not caplog.records:
            time.sleep(0.1)  # nobody polls this admin but the background poller
    assert any(f"127.0.0.1:{port}" in r.getMessage() for r in caplog.records)
    del admin


def test_repeats_are_counted_when_the_line_shows_again(caplog: pytest.LogCaptureFixture) -> None:
    log = LibrdkafkaLog(logging.getLogger("librdkafka.test"))
    log.REPEAT_S = 0.2
    line = "[thrd:b:1/bootstrap]: b:1/bootstrap: Connect to ipv4#10.0.0.1:1 failed: Connection refused (after {}ms in state CONNECT)"
    with caplog.at_level(logging.INFO, logger="librdkafka.test"):
        for ms in (0, 1, 2):
            log.log(logging.ERROR, "%s [%s] %s", "FAIL", "rdkafka#producer-9", line.format(ms))
        time.sleep(0.25)
        log.log(logging.ERROR, "%s [%s] %s", "FAIL", "rdkafka#producer-9", line.format(3))
        log.log(logging.ERROR, "%s [%s] %s", "BROKER", "rdkafka#producer-9", "something else")
    assert [(r.levelno, r.getMessage()) for r in caplog.records] == [
        (logging.WARNING, "FAIL [rdkafka#producer-9] " + without_noise(line.format(0))),
        (
            logging.WARNING,
            "FAIL [rdkafka#producer-9] "
            + without_noise(line.format(0))
            + " (2 more time(s) in the last 0 s)",
        ),
        (logging.ERROR, "BROKER [rdkafka#producer-9] something else"),
    ]
