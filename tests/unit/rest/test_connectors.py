"""/connectors endpoints: literal JSON, status codes and the spec's error messages."""

from __future__ import annotations

import logging

import pytest

from connectrt.model.entities import ConnectorOffset, ConnectorTaskId
from connectrt.model.errors import RebalanceNeededException
from connectrt.model.states import RestartRequest, TargetState
from connectrt.rest.config import RestConfig

from .fake_herder import WORKER_ID, FakeHerder
from .helpers import AppClient, error

pytestmark = pytest.mark.unit

SOURCE = "FileStreamSource"


# --- list ------------------------------------------------------------------------------------------


def test_list_connectors(client: AppClient, herder: FakeHerder) -> None:
    assert client.get("/connectors").json() == []
    herder.add_connector("b")
    herder.add_connector("a")
    r = client.get("/connectors")
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/json"
    assert r.json() == ["a", "b"]


def test_list_connectors_trailing_slash(client: AppClient, herder: FakeHerder) -> None:
    herder.add_connector("a")
    r = client.get("/connectors/")
    assert (r.status_code, r.json()) == (200, ["a"])


def test_list_connectors_expand_status_and_info(client: AppClient, herder: FakeHerder) -> None:
    herder.add_connector("a")
    r = client.get("/connectors?expand=status&expand=info")
    assert r.status_code == 200
    assert r.json() == {
        "a": {
            "status": {
                "name": "a",
                "connector": {"state": "RUNNING", "worker_id": WORKER_ID, "version": "4.2.1"},
                "tasks": [{"id": 0, "state": "RUNNING", "worker_id": WORKER_ID, "version": "4.2.1"}],
                "type": "source",
            },
            "info": {
                "name": "a",
                "config": {"connector.class": SOURCE, "tasks.max": "1", "name": "a"},
                "tasks": [{"connector": "a", "task": 0}],
                "type": "source",
            },
        }
    }


def test_list_connectors_expand_ignores_unknown_and_omits_missing_status(
    client: AppClient, herder: FakeHerder
) -> None:
    herder.add_connector("a")
    herder.add_connector("b")
    real = herder.connector_status

    def status(name: str):  # type: ignore[no-untyped-def]
        if name == "b":
            from connectrt.model.errors import NotFoundException

            raise NotFoundException("No status found for connector b")
        return real(name)

    herder.connector_status = status  # type: ignore[method-assign]
    r = client.get("/connectors", params=[("expand", "bogus")])
    assert r.json() == {"a": {}, "b": {}}
    r = client.get("/connectors?expand=status")
    assert list(r.json()) == ["a"]


# --- create ----------------------------------------------------------------------------------------


def test_create_connector(client: AppClient, herder: FakeHerder) -> None:
    r = client.post(
        "/connectors", json={"name": "  hello  ", "config": {"connector.class": SOURCE, "tasks.max": 2}}
    )
    assert r.status_code == 201
    assert r.headers["location"] == "http://testserver/connectors/hello"
    assert r.json() == {
        "name": "hello",
        "config": {"connector.class": SOURCE, "tasks.max": "2", "name": "hello"},
        "tasks": [{"connector": "hello", "task": 0}, {"connector": "hello", "task": 1}],
        "type": "source",
    }
    name, config, allow_replace, initial_state, forward = herder.called("put_connector_config")[0]
    assert (name, allow_replace, initial_state, forward) == ("hello", False, None, None)
    assert config == {"connector.class": SOURCE, "tasks.max": "2", "name": "hello"}


def test_create_connector_location_is_encoded(client: AppClient) -> None:
    r = client.post("/connectors", json={"name": "my conn", "config": {"connector.class": SOURCE}})
    assert r.status_code == 201
    assert r.headers["location"] == "http://testserver/connectors/my%20conn"


@pytest.mark.parametrize(
    ("given", "expected"),
    [("stopped", TargetState.STOPPED), ("PAUSED", TargetState.PAUSED), ("Running", TargetState.STARTED)],
)
def test_create_connector_initial_state_case_insensitive(
    client: AppClient, herder: FakeHerder, given: str, expected: TargetState
) -> None:
    r = client.post(
        "/connectors", json={"name": "c", "config": {"connector.class": SOURCE}, "initial_state": given}
    )
    assert r.status_code == 201
    assert herder.called("put_connector_config")[0][3] == expected


def test_create_connector_invalid_initial_state(client: AppClient) -> None:
    r = client.post(
        "/connectors", json={"name": "c", "config": {"connector.class": SOURCE}, "initial_state": "GONE"}
    )
    assert r.status_code == 400
    assert r.json() == error(
        400,
        'Cannot deserialize value of type `InitialState` from String "GONE": not one of the values accepted '
        "for Enum class: [RUNNING, PAUSED, STOPPED]",
    )


def test_create_connector_name_mismatch(client: AppClient) -> None:
    r = client.post("/connectors", json={"name": "a", "config": {"connector.class": SOURCE, "name": "b"}})
    assert r.status_code == 400
    assert r.json() == error(
        400, "Connector name configuration (b) doesn't match connector name in the URL (a)"
    )


def test_create_connector_already_exists(client: AppClient, herder: FakeHerder) -> None:
    herder.add_connector("a")
    r = client.post("/connectors", json={"name": "a", "config": {"connector.class": SOURCE}})
    assert r.status_code == 409
    assert r.json() == error(409, "Connector a already exists")


def test_create_connector_invalid_config(client: AppClient) -> None:
    r = client.post("/connectors", json={"name": "a", "config": {}})
    assert r.status_code == 400
    assert r.json()["error_code"] == 400
    assert r.json()["message"].startswith(
        "Connector configuration is invalid and contains the following 1 error(s):"
    )


def test_create_connector_missing_name_becomes_empty(client: AppClient, herder: FakeHerder) -> None:
    client.post("/connectors", json={"config": {"connector.class": SOURCE}})
    assert herder.called("put_connector_config")[0][0] == ""
    assert herder.called("put_connector_config")[0][1]["name"] == ""


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"[]", "Cannot deserialize value of type `CreateConnectorRequest` from Array value"),
        (
            b'{"name":"a","config":{},"bogus":1}',
            'Unrecognized field "bogus" (class CreateConnectorRequest), not marked as ignorable '
            '(3 known properties: "name", "config", "initial_state")',
        ),
        (
            b'{"name":"a"}',
            'The request body must contain a "config" object with the connector configuration.',
        ),
        (
            b'{"name":"a","config":[]}',
            "Cannot deserialize value of type `Map<String,String>` from Array value",
        ),
        (
            b'{"name":"a","config":{"x":{"y":1}}}',
            "Cannot deserialize value of type `java.lang.String` from Object value "
            '(through reference chain: Map<String,String>["x"])',
        ),
        (b"", 'The request body is missing; expected a JSON object like {"name": "...", "config": {...}}.'),
    ],
)
def test_create_connector_bad_bodies_are_400(client: AppClient, body: bytes, message: str) -> None:
    r = client.post("/connectors", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 400
    assert r.json() == error(400, message)


def test_create_connector_malformed_json(client: AppClient) -> None:
    r = client.post("/connectors", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 400
    assert r.json()["error_code"] == 400
    assert r.json()["message"].startswith("Request body is not valid JSON: ")


def test_create_connector_wrong_media_type(client: AppClient) -> None:
    r = client.post(
        "/connectors", content=b"name=a", headers={"content-type": "application/x-www-form-urlencoded"}
    )
    assert r.status_code == 415
    assert r.json() == error(415, "HTTP 415 Unsupported Media Type")


def test_create_connector_json_with_charset_is_fine(client: AppClient) -> None:
    r = client.post(
        "/connectors",
        content=b'{"name":"a","config":{"connector.class":"FileStreamSource"}}',
        headers={"content-type": "application/json; charset=utf-8"},
    )
    assert r.status_code == 201


# --- one connector ---------------------------------------------------------------------------------


def test_get_connector(client: AppClient, herder: FakeHerder) -> None:
    herder.add_connector("a")
    r = client.get("/connectors/a")
    assert r.status_code == 200
    assert r.json() == {
        "name": "a",
        "config": {"connector.class": SOURCE, "tasks.max": "1", "name": "a"},
        "tasks": [{"connector": "a", "task": 0}],
        "type": "source",
    }


def test_get_connector_not_found(client: AppClient) -> None:
    r = client.get("/connectors/nope")
    assert r.status_code == 404
    assert r.json() == error(404, "Connector nope not found")


def test_get_connector_config(client: AppClient, herder: FakeHerder) -> None:
    herder.add_connector("a", {"file": "${file:/s.properties:f}"})
    r = client.get("/connectors/a/config")
    assert r.json() == {
        "connector.class": SOURCE,
        "tasks.max": "1",
        "name": "a",
        "file": "${file:/s.properties:f}",
    }
    assert client.get("/connectors/nope/config").json() == error(404, "Connector nope not found")


def test_put_connector_config_creates_then_updates(client: AppClient, herder: FakeHerder) -> None:
    r = client.put("/connectors/a/config", json={"connector.class": SOURCE})
    assert r.status_code == 201
    assert r.headers["location"] == "http://testserver/connectors/a"
    assert r.json()["config"] == {"connector.class": SOURCE, "name": "a"}
    r = client.put("/connectors/a/config", json={"connector.class": SOURCE, "name": "a", "tasks.max": "3"})
    assert r.status_code == 200
    assert "location" not in r.headers
    assert r.json()["tasks"] == [{"connector": "a", "task": i} for i in range(3)]
    assert herder.called("put_connector_config")[0][2] is True  # allow_replace


def test_put_connector_config_does_not_trim_and_checks_name(client: AppClient) -> None:
    r = client.put("/connectors/a/config", json={"connector.class": SOURCE, "name": "b"})
    assert r.status_code == 400
    assert r.json() == error(
        400, "Connector name configuration (b) doesn't match connector name in the URL (a)"
    )


def test_put_connector_config_wrong_shape(client: AppClient) -> None:
    r = client.put("/connectors/a/config", json=["x"])
    assert r.status_code == 400
    assert r.json() == error(400, "Cannot deserialize value of type `Map<String,String>` from Array value")


def test_put_connector_config_passes_null_values_to_herder(client: AppClient, herder: FakeHerder) -> None:
    client.put("/connectors/a/config", json={"connector.class": SOURCE, "topic": None, "flag": True})
    assert herder.called("put_connector_config")[0][1] == {
        "connector.class": SOURCE,
        "topic": None,
        "flag": "true",
        "name": "a",
    }


def test_patch_connector_config(client: AppClient, herder: FakeHerder) -> None:
    herder.add_connector("a", {"file": "x", "topic": "t"})
    r = client.patch("/connectors/a/config", json={"file": None, "topic": "u"})
    assert r.status_code == 200
    assert r.json()["config"] == {"connector.class": SOURCE, "tasks.max": "1", "name": "a", "topic": "u"}
    r = client.patch("/connectors/nope/config", json={"x": "y"})
    assert (r.status_code, r.json()) == (404, error(404, "Connector nope not found"))


def test_delete_connector(client: AppClient, herder: FakeHerder) -> None:
    herder.add_connector("a")
    r = client.delete("/connectors/a")
    assert r.status_code == 204
    assert r.content == b""
    r = client.delete("/connectors/a")
    assert (r.status_code, r.json()) == (404, error(404, "Connector a not found"))


# --- status and tasks ------------------------------------------------------------------------------


def test_connector_status(client: AppClient, herder: FakeHerder) -> None:
    herder.add_connector("a", {"tasks.max": "2"})
    r = client.get("/connectors/a/status")
    assert r.json() == {
        "name": "a",
        "connector": {"state": "RUNNING", "worker_id": WORKER_ID, "version": "4.2.1"},
        "tasks": [
            {"id": 0, "state": "RUNNING", "worker_id": WORKER_ID, "version": "4.2.1"},
            {"id": 1, "state": "RUNNING", "worker_id": WORKER_ID, "version": "4.2.1"},
        ],
        "type": "source",
    }
    r = client.get("/connectors/nope/status")
    assert (r.status_code, r.json()) == (404, error(404, "No status found for connector nope"))


def test_task_status(client: AppClient, herder: FakeHerder) -> None:
    herder.add_connector("a")
    assert client.get("/connectors/a/tasks/0/status").json() == {
        "id": 0,
        "state": "RUNNING",
        "worker_id": WORKER_ID,
        "version": "4.2.1",
    }
    r = client.get("/connectors/a/tasks/5/status")
    assert (r.status_code, r.json()) == (404, error(404, "No status found for task a-5"))


def test_task_id_that_is_not_an_integer_is_404(client: AppClient, herder: FakeHerder) -> None:
    herder.add_connector("a")
    r = client.get("/connectors/a/tasks/zero/status")
    assert (r.status_code, r.json()) == (404, error(404, "HTTP 404 Not Found"))


def test_task_configs(client: AppClient, herder: FakeHerder) -> None:
    herder.add_connector("a")
    assert client.get("/connectors/a/tasks").json() == [
        {"id": {"connector": "a", "task": 0}, "config": {"task.class": "FileStreamSourceTask"}}
    ]
    assert client.get("/connectors/nope/tasks").json() == error(404, "Connector nope not found")


def test_tasks_config_was_removed_in_4_0(client: AppClient, herder: FakeHerder) -> None:
    # Kafka 4.0 removed GET /connectors/{c}/tasks-config (KIP-970); Java 4.2.1 answers a plain 404.
    herder.add_connector("a")
    r = client.get("/connectors/a/tasks-config")
    assert (r.status_code, r.json()) == (404, {"error_code": 404, "message": "HTTP 404 Not Found"})


# --- restart / pause / resume / stop ---------------------------------------------------------------


def test_restart_connector_only_is_204(client: AppClient, herder: FakeHerder) -> None:
    herder.add_connector("a")
    r = client.post("/connectors/a/restart")
    assert (r.status_code, r.content) == (204, b"")
    assert herder.called("restart_connector") == [("a", None)]
    r = client.post("/connectors/nope/restart")
    assert (r.status_code, r.json()) == (404, error(404, "Unknown connector: nope"))


def test_restart_with_flags_is_202_with_status(client: AppClient, herder: FakeHerder) -> None:
    herder.add_connector("a", {"tasks.max": "2"})
    r = client.post("/connectors/a/restart?includeTasks=true&onlyFailed=false")
    assert r.status_code == 202
    assert r.json() == {
        "name": "a",
        "connector": {"state": "RESTARTING", "worker_id": WORKER_ID, "version": "4.2.1"},
        "tasks": [
            {"id": 0, "state": "RESTARTING", "worker_id": WORKER_ID, "version": "4.2.1"},
            {"id": 1, "state": "RESTARTING", "worker_id": WORKER_ID, "version": "4.2.1"},
        ],
        "type": "source",
    }
    assert herder.called("restart_connector_and_tasks") == [(RestartRequest("a", False, True), None)]


def test_restart_only_failed_noop(client: AppClient, herder: FakeHerder) -> None:
    herder.add_connector("a")
    r = client.post("/connectors/a/restart?onlyFailed=TRUE")
    assert r.status_code == 202
    assert r.json()["connector"]["state"] == "RUNNING"
    assert herder.called("restart_connector_and_tasks")[0][0] == RestartRequest("a", True, False)


def test_restart_flag_values_follow_boolean_valueof(client: AppClient, herder: FakeHerder) -> None:
    herder.add_connector("a")
    r = client.post("/connectors/a/restart?includeTasks=yes")
    assert r.status_code == 204


def test_restart_task(client: AppClient, herder: FakeHerder) -> None:
    herder.add_connector("a")
    assert client.post("/connectors/a/tasks/0/restart").status_code == 204
    assert herder.called("restart_task") == [(ConnectorTaskId("a", 0), None)]
    r = client.post("/connectors/a/tasks/3/restart")
    assert r.json() == error(404, "Unknown task: a-3")
    r = client.post("/connectors/b/tasks/0/restart")
    assert r.json() == error(404, "Unknown connector: b")


def test_pause_resume_are_202_empty(client: AppClient, herder: FakeHerder) -> None:
    herder.add_connector("a")
    r = client.put("/connectors/a/pause")
    assert (r.status_code, r.content) == (202, b"")
    assert client.get("/connectors/a/status").json()["connector"]["state"] == "PAUSED"
    r = client.put("/connectors/a/resume")
    assert (r.status_code, r.content) == (202, b"")
    r = client.put("/connectors/nope/pause")
    assert (r.status_code, r.json()) == (404, error(404, "Unknown connector nope"))


def test_stop_is_204(client: AppClient, herder: FakeHerder) -> None:
    herder.add_connector("a")
    r = client.put("/connectors/a/stop")
    assert (r.status_code, r.content) == (204, b"")
    assert client.get("/connectors/a").json()["tasks"] == []
    assert client.put("/connectors/nope/stop").json() == error(404, "Unknown connector nope")


# --- offsets ---------------------------------------------------------------------------------------


def test_get_offsets(client: AppClient, herder: FakeHerder) -> None:
    herder.add_connector("a")
    herder.offsets["a"] = [ConnectorOffset({"filename": "/f"}, {"position": 42})]
    r = client.get("/connectors/a/offsets")
    assert r.json() == {"offsets": [{"partition": {"filename": "/f"}, "offset": {"position": 42}}]}
    assert client.get("/connectors/b/offsets").json() == error(404, "Connector b not found")


def test_alter_offsets_requires_stopped(client: AppClient, herder: FakeHerder) -> None:
    herder.add_connector("a")
    body = {"offsets": [{"partition": {"filename": "/f"}, "offset": {"position": 1}}]}
    r = client.patch("/connectors/a/offsets", json=body)
    assert r.status_code == 400
    assert r.json() == error(
        400,
        "Connectors must be in the STOPPED state before their offsets can be modified. This can be done for the "
        "specified connector by issuing a 'PUT' request to the '/connectors/a/stop' endpoint",
    )


def test_alter_offsets(client: AppClient, herder: FakeHerder) -> None:
    herder.add_connector("a")
    herder.target_states["a"] = TargetState.STOPPED
    body = {"offsets": [{"partition": {"filename": "/f"}, "offset": None}, {"partition": {"filename": "/g"}}]}
    r = client.patch("/connectors/a/offsets", json=body)
    assert r.status_code == 200
    assert r.json() == {
        "message": "The Connect framework-managed offsets for this connector have been altered successfully. "
        "However, if this connector manages offsets externally, they will need to be manually altered in the "
        "system that the connector uses."
    }
    assert herder.called("alter_connector_offsets")[0][1] == [
        {"partition": {"filename": "/f"}, "offset": None},
        {"partition": {"filename": "/g"}, "offset": None},
    ]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"[]", "Cannot deserialize value of type `ConnectorOffsets` from Array value"),
        (
            b'{"key":[]}',
            'Unrecognized field "key" (class ConnectorOffsets), not marked as ignorable '
            '(1 known properties: "offsets")',
        ),
        (b'{"offsets":[123]}', "Cannot construct instance of `ConnectorOffset` from Number value (123)"),
        (b'{"offsets":[]}', "Partitions / offsets need to be provided for an alter offsets request"),
        (b"{}", "Partitions / offsets need to be provided for an alter offsets request"),
        (
            b'{"offsets":[{"partition":"p"}]}',
            "Cannot deserialize value of type `Map<String,Object>` from String value (through reference chain: "
            'ConnectorOffsets["offsets"]->ArrayList[0]->ConnectorOffset["partition"])',
        ),
    ],
)
def test_alter_offsets_bad_bodies_are_400(
    client: AppClient, herder: FakeHerder, body: bytes, message: str
) -> None:
    herder.add_connector("a")
    r = client.patch("/connectors/a/offsets", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 400
    assert r.json() == error(400, message)
    assert herder.called("alter_connector_offsets") == []


def test_reset_offsets(client: AppClient, herder: FakeHerder) -> None:
    herder.add_connector("a")
    herder.target_states["a"] = TargetState.STOPPED
    r = client.delete("/connectors/a/offsets")
    assert (r.status_code, r.json()) == (
        200,
        {"message": "The offsets for this connector have been reset successfully"},
    )


# --- topics ----------------------------------------------------------------------------------------


def test_active_topics(client: AppClient, herder: FakeHerder) -> None:
    herder.topics["a"] = ["t1", "t2"]
    assert client.get("/connectors/a/topics").json() == {"a": {"topics": ["t1", "t2"]}}
    assert client.get("/connectors/unknown/topics").json() == {"unknown": {"topics": []}}
    r = client.put("/connectors/a/topics/reset")
    assert (r.status_code, r.content) == (202, b"")
    assert herder.topics == {}


def test_topic_tracking_disabled(client: AppClient, herder: FakeHerder) -> None:
    herder.tracking = False
    assert client.get("/connectors/a/topics").json() == error(403, "Topic tracking is disabled.")
    r = client.put("/connectors/a/topics/reset")
    assert (r.status_code, r.json()) == (403, error(403, "Topic tracking is disabled."))


def test_topic_tracking_reset_disabled(client: AppClient, herder: FakeHerder) -> None:
    herder.tracking_reset = False
    assert client.get("/connectors/a/topics").status_code == 200
    r = client.put("/connectors/a/topics/reset")
    assert (r.status_code, r.json()) == (403, error(403, "Topic tracking reset is disabled."))


# --- common error handling -------------------------------------------------------------------------


def test_unknown_path_is_404(client: AppClient) -> None:
    r = client.get("/no/such/thing")
    assert (r.status_code, r.json()) == (404, error(404, "HTTP 404 Not Found"))


def test_wrong_method_is_405(client: AppClient) -> None:
    r = client.delete("/connectors")
    assert (r.status_code, r.json()) == (405, error(405, "HTTP 405 Method Not Allowed"))
    assert r.headers["allow"] == "GET, POST"
    # GET /connectors/{c}/tasks and the internal POST live in different routers.
    assert client.patch("/connectors/a/tasks").headers["allow"] == "GET, POST"


def test_head_is_served_like_get_without_body(client: AppClient, herder: FakeHerder) -> None:
    herder.add_connector("a")
    r = client.request("HEAD", "/connectors")
    assert (r.status_code, r.content, r.headers["content-length"]) == (200, b"", "5")


def test_no_framework_routes(client: AppClient) -> None:
    for path in ("/docs", "/openapi.json", "/redoc"):
        assert client.get(path).status_code == 404


def test_unexpected_exception_is_500_without_traceback(
    client: AppClient, herder: FakeHerder, caplog: pytest.LogCaptureFixture
) -> None:
    herder.fail("connector_info", RuntimeError("boom"))
    with caplog.at_level(logging.ERROR):
        r = client.get("/connectors/a")
    assert (r.status_code, r.json()) == (500, error(500, "boom"))
    assert "Traceback" in caplog.text  # logged server-side only
    assert "Traceback" not in r.text


def test_rebalance_needed_is_409_stale_config(client: AppClient, herder: FakeHerder) -> None:
    herder.fail("connector_info", RebalanceNeededException())
    r = client.get("/connectors/a")
    assert r.status_code == 409
    assert r.json() == error(
        409,
        "Cannot complete request momentarily due to stale configuration (typically caused by a concurrent config "
        "change)",
    )


def test_request_timeout_is_500_with_stage(
    client: AppClient, herder: FakeHerder, rest_config: RestConfig
) -> None:
    rest_config.request_timeout_s = 0.05
    herder.hang("connector_config")
    r = client.get("/connectors/a/config")
    assert r.status_code == 500
    assert r.json() == error(
        500, "Request timed out. The worker is currently ticking, which began at 2024-01-01T00:00:00Z."
    )


def test_request_timeout_without_stage(
    client: AppClient, herder: FakeHerder, rest_config: RestConfig
) -> None:
    rest_config.request_timeout_s = 0.05
    herder.stage = ""
    herder.hang("connectors")
    assert client.get("/connectors").json() == error(500, "Request timed out")
