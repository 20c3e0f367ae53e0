"""/admin/loggers and the Loggers class (Python logging with Java level names)."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from connectrt.rest.app import create_admin_app, create_app
from connectrt.rest.config import RestConfig
from connectrt.rest.listeners import parse_listeners
from connectrt.runtime.loggers import OFF, TRACE, Loggers, java_level_name, python_level

from .fake_herder import FakeHerder
from .helpers import AppClient, error

pytestmark = pytest.mark.unit

NOW = 1_700_000_000_000
NS = "connectrt_test_ns"


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    """Every test may change levels process-wide; put them all back."""
    manager = logging.Logger.manager
    before = {name: lg.level for name, lg in manager.loggerDict.items() if isinstance(lg, logging.Logger)}
    root_level = logging.getLogger().level
    yield
    for name, lg in list(manager.loggerDict.items()):
        if isinstance(lg, logging.Logger):
            lg.setLevel(before.get(name, logging.NOTSET))
    logging.getLogger().setLevel(root_level)


# --- level names -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("java", "py"),
    [
        ("TRACE", TRACE),
        ("debug", logging.DEBUG),
        ("Info", logging.INFO),
        ("WARN", logging.WARNING),
        ("ERROR", logging.ERROR),
        ("FATAL", logging.CRITICAL),
        ("OFF", OFF),
    ],
)
def test_java_levels_map_both_ways(java: str, py: int) -> None:
    assert python_level(java) == py
    assert java_level_name(py) == java.upper()


def test_invalid_levels() -> None:
    assert python_level("WARNING") is None
    assert python_level("") is None
    assert python_level("5") is None


# --- Loggers ---------------------------------------------------------------------------------------


def test_set_level_sets_namespace_and_children() -> None:
    loggers = Loggers(clock_ms=lambda: NOW)
    logging.getLogger(f"{NS}.a.child")
    logging.getLogger(f"{NS}.ab")  # a plain name prefix also matches, as in Java
    logging.getLogger(f"{NS}.other").setLevel(logging.INFO)
    changed = loggers.set_level(f"{NS}.a", "DEBUG")
    assert changed == [f"{NS}.a", f"{NS}.a.child", f"{NS}.ab"]
    assert logging.getLogger(f"{NS}.a.child").level == logging.DEBUG
    assert logging.getLogger(f"{NS}.other").level == logging.INFO
    assert loggers.level(f"{NS}.a") is not None
    assert loggers.level(f"{NS}.a.child").to_json() == {"level": "DEBUG", "last_modified": NOW}  # type: ignore[union-attr]


def test_set_level_reports_only_changed_loggers() -> None:
    loggers = Loggers(clock_ms=lambda: NOW)
    assert loggers.set_level(f"{NS}.b", "ERROR") == [f"{NS}.b"]
    assert loggers.set_level(f"{NS}.b", "error") == []


def test_all_levels_lists_root_and_explicit_loggers_sorted_without_off() -> None:
    loggers = Loggers(clock_ms=lambda: NOW)
    logging.getLogger(f"{NS}.z").setLevel(logging.INFO)
    loggers.set_level(f"{NS}.y", "TRACE")
    loggers.set_level(f"{NS}.x", "OFF")
    levels = loggers.all_levels()
    names = list(levels)
    assert names == sorted(names)
    assert "root" in names
    assert levels[f"{NS}.z"].to_json() == {"level": "INFO", "last_modified": None}
    assert levels[f"{NS}.y"].to_json() == {"level": "TRACE", "last_modified": NOW}
    assert f"{NS}.x" not in levels


def test_level_of_unknown_logger_is_none() -> None:
    assert Loggers().level(f"{NS}.never.created") is None


def test_root_names() -> None:
    loggers = Loggers()
    logging.getLogger().setLevel(logging.INFO)
    assert loggers.level("root").level == "INFO"  # type: ignore[union-attr]
    assert loggers.level("ROOT").level == "INFO"  # type: ignore[union-attr]
    assert loggers.level("").level == "INFO"  # type: ignore[union-attr]


def test_set_root_sets_every_logger() -> None:
    loggers = Loggers(clock_ms=lambda: NOW)
    logging.getLogger(f"{NS}.r").setLevel(logging.ERROR)
    changed = loggers.set_level("root", "DEBUG")
    assert "root" in changed and f"{NS}.r" in changed
    assert logging.getLogger().level == logging.DEBUG
    assert logging.getLogger(f"{NS}.r").level == logging.DEBUG


# --- endpoints -------------------------------------------------------------------------------------


def test_list_loggers_endpoint(client: AppClient) -> None:
    logging.getLogger().setLevel(logging.WARNING)
    logging.getLogger(f"{NS}.listed").setLevel(logging.DEBUG)
    r = client.get("/admin/loggers")
    assert r.status_code == 200
    body = r.json()
    assert body["root"] == {"level": "WARN", "last_modified": None}
    assert body[f"{NS}.listed"] == {"level": "DEBUG", "last_modified": None}
    assert list(body) == sorted(body)


def test_get_logger_endpoint(client: AppClient) -> None:
    logging.getLogger(f"{NS}.get").setLevel(logging.ERROR)
    assert client.get(f"/admin/loggers/{NS}.get").json() == {"level": "ERROR", "last_modified": None}
    r = client.get(f"/admin/loggers/{NS}.missing")
    assert (r.status_code, r.json()) == (404, error(404, f"Logger {NS}.missing not found."))


def test_set_level_worker_scope(client: AppClient, herder: FakeHerder) -> None:
    logging.getLogger(f"{NS}.put.child")
    r = client.put(f"/admin/loggers/{NS}.put", json={"level": "debug"})
    assert r.status_code == 200
    assert r.json() == [f"{NS}.put", f"{NS}.put.child"]
    assert client.get(f"/admin/loggers/{NS}.put").json() == {"level": "DEBUG", "last_modified": NOW}
    assert herder.called("set_cluster_logger_level") == []


def test_set_level_unknown_scope_is_worker(client: AppClient, herder: FakeHerder) -> None:
    r = client.put(f"/admin/loggers/{NS}.scoped?scope=galaxy", json={"level": "INFO"})
    assert (r.status_code, r.json()) == (200, [f"{NS}.scoped"])


def test_set_level_cluster_scope(client: AppClient, herder: FakeHerder) -> None:
    r = client.put(f"/admin/loggers/{NS}.cluster?scope=Cluster", json={"level": "warn"})
    assert (r.status_code, r.content) == (204, b"")
    assert herder.called("set_cluster_logger_level") == [(f"{NS}.cluster", "warn")]
    assert Loggers().level(f"{NS}.cluster") is None  # not applied locally by the REST layer


def test_set_level_missing_level(client: AppClient) -> None:
    for body in ({}, {"lvl": "INFO"}, None):
        r = client.put(f"/admin/loggers/{NS}.x", json=body)
        assert (r.status_code, r.json()) == (
            400,
            error(400, "Desired 'level' parameter was not specified in request."),
        )


def test_set_level_invalid_level_is_404(client: AppClient) -> None:
    r = client.put(f"/admin/loggers/{NS}.x", json={"level": "LOUD"})
    assert (r.status_code, r.json()) == (404, error(404, "invalid log level 'LOUD'."))


# --- admin listeners -------------------------------------------------------------------------------


def test_loggers_disabled_when_admin_listeners_empty(herder: FakeHerder) -> None:
    c = AppClient(create_app(herder, RestConfig(admin_listeners=[])))
    try:
        r = c.get("/admin/loggers")
        assert (r.status_code, r.json()) == (404, error(404, "HTTP 404 Not Found"))
    finally:
        c.close()


def test_loggers_on_admin_app_only(herder: FakeHerder) -> None:
    config = RestConfig(admin_listeners=parse_listeners("http://localhost:0"))
    main = AppClient(create_app(herder, config))
    admin = AppClient(create_admin_app(herder, config))
    try:
        assert main.get("/admin/loggers").status_code == 404
        assert admin.get("/admin/loggers").status_code == 200
        assert admin.get("/connectors").status_code == 404
    finally:
        main.close()
        admin.close()


def test_herder_default_cluster_scope_is_worker_scope(herder: FakeHerder) -> None:
    import asyncio

    from connectrt.herder.base import Herder

    asyncio.run(Herder.set_cluster_logger_level(herder, f"{NS}.standalone", "ERROR"))
    assert logging.getLogger(f"{NS}.standalone").level == logging.ERROR
