"""The dev schema registry's settings: ports, Java 21+ selection and the exported URL (no process started)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from connectrt.dev import registry
from connectrt.dev.config import DevSettings, parse_services
from connectrt.dev.errors import DevError
from connectrt.dev.state import ServiceRecord


def _fake_jdk(root: Path, name: str, major: int) -> Path:
    home = root / name
    (home / "bin").mkdir(parents=True)
    java = home / "bin" / "java"
    java.write_text("#!/bin/sh\nexit 0\n")
    java.chmod(java.stat().st_mode | stat.S_IEXEC)
    (home / "release").write_text(f'IMPLEMENTOR="test"\nJAVA_VERSION="{major}.0.1"\n')
    return home


def test_ports_and_service_kind(tmp_path: Path) -> None:
    settings = DevSettings(cache_dir=tmp_path, port_base=30000)
    assert (settings.registry_port, settings.registry_management_port) == (30081, 30082)
    assert settings.ports(("registry",)) == {"Schema registry": 30081, "Schema registry management": 30082}
    assert parse_services("registry") == ("registry",)
    assert "registry" not in parse_services(None)  # started on request only
    assert registry.url(30081) == "http://127.0.0.1:30081/apis/ccompat/v7"


def test_env_exports_the_confluent_api_url() -> None:
    rec = ServiceRecord("registry", "registry", 1, registry.url(29081), "m", "log")
    assert registry.env_vars(rec) == {
        "CONNECTRT_SCHEMA_REGISTRY_URL": "http://127.0.0.1:29081/apis/ccompat/v7"
    }


def test_java_17_is_passed_over_for_a_newer_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    old = _fake_jdk(tmp_path, "jdk17", 17)
    new = _fake_jdk(tmp_path, "jdk21", 21)
    monkeypatch.setenv("JAVA_HOME", str(old))
    monkeypatch.setenv("CONNECTRT_REGISTRY_JAVA_HOME", str(new))
    assert registry.find_java() == str(new / "bin" / "java")


def test_no_java_21_is_one_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    old = _fake_jdk(tmp_path, "jdk17", 17)
    monkeypatch.setattr(registry, "_candidates", lambda: [old / "bin" / "java"])
    with pytest.raises(DevError) as err:
        registry.find_java()
    message = str(err.value)
    assert "needs Java 21 or newer" in message and "(17)" in message
    assert "CONNECTRT_REGISTRY_JAVA_HOME" in message and "scripts/setup" in message
    assert os.linesep not in message
