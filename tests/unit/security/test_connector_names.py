"""Issue #13 items 1 and 8: names the REST API or the group protocol cannot carry."""

from __future__ import annotations

import pytest

from connectrt.config.providers import ConfigTransformer
from connectrt.herder.distributed.protocol import (
    ExtendedAssignment,
    decode_assignment,
    encode_assignment,
    fits_protocol_string,
)
from connectrt.herder.validation import validate_connector_config
from connectrt.model.entities import ConnectorTaskId
from connectrt.runtime.connector_config import MAX_CONNECTOR_NAME_BYTES, connector_name_problem
from connectrt.runtime.plugins import Plugins

pytestmark = pytest.mark.unit

SOURCE = {"connector.class": "org.apache.kafka.connect.file.FileStreamSourceConnector", "topic": "t"}


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("a/b", "Connector names may not contain '/': no REST path could address the connector"),
        ("..", "Connector names may not be '..': no REST path could address the connector"),
        (" . ", "Connector names may not be '.': no REST path could address the connector"),
        ("é" * 2049, "Connector names may not be longer than 4096 bytes in UTF-8 (this one has 4098)"),
        ("\ud800", "Connector names must be valid Unicode text (this one holds an unpaired surrogate)"),
    ],
)
def test_problem_names(name: str, problem: str) -> None:
    assert connector_name_problem(name) == problem


@pytest.mark.parametrize(
    "name", ["orders-cdc", "a.b", "a b", "x" * MAX_CONNECTOR_NAME_BYTES, "名前", "a%2Fb", "a\\b"]
)
def test_names_that_work(name: str) -> None:
    assert connector_name_problem(name) is None


def test_validation_reports_the_name_problem_without_echoing_a_long_name() -> None:
    name = "y" * 100_000
    infos = validate_connector_config(Plugins(), {**SOURCE, "name": name}, ConfigTransformer({}))
    assert infos.error_count == 1
    errors = [e for c in infos.configs for e in (c["value"] or {}).get("errors", [])]
    assert errors == [
        "Invalid value " + "y" * 100 + "... for configuration name: Connector names may not be longer "
        "than 4096 bytes in UTF-8 (this one has 100000)"
    ]


def test_java_name_checks_come_first() -> None:
    infos = validate_connector_config(Plugins(), {**SOURCE, "name": "a/\u0007"}, ConfigTransformer({}))
    errors = [e for c in infos.configs for e in (c["value"] or {}).get("errors", [])]
    assert errors == [
        "Invalid value a/\u0007 for configuration name: String may not contain control sequences but "
        "had the following ASCII chars: 7"
    ]


def test_the_assignment_encoder_leaves_out_a_name_it_cannot_carry() -> None:
    long = "y" * 100_000
    assert not fits_protocol_string(long) and fits_protocol_string("x" * 32767)
    assignment = ExtendedAssignment(
        0,
        "leader",
        "http://l:8083",
        7,
        ("good", long),
        (ConnectorTaskId("good", 0), ConnectorTaskId(long, 0)),
        revoked_connectors=(long,),
        revoked_tasks=(ConnectorTaskId(long, 1),),
    )
    decoded = decode_assignment(encode_assignment(assignment, 2))
    assert decoded.connectors == ("good",) or list(decoded.connectors) == ["good"]
    assert list(decoded.tasks) == [ConnectorTaskId("good", 0)]
    assert not decoded.revoked_connectors and not decoded.revoked_tasks
