"""Issue #13 item 5: ``allowed.paths`` holds for every file a provider reads, by its real path.

The attack: ``${dir:<allowed dir>:../../../../etc/passwd}`` and ``${dir:<allowed dir>:/etc/hostname}``
returned the files. Java's DirectoryConfigProvider lists the directory and matches file names, so
a key is never a path; Java's AllowedPaths only normalises text, we also resolve symbolic links.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

from connectrt.config.configdef import ConfigException
from connectrt.config.providers import ConfigTransformer, DirectoryConfigProvider, FileConfigProvider

pytestmark = pytest.mark.unit


@pytest.fixture
def layout(tmp_path: Path) -> dict[str, Path]:
    allowed = tmp_path / "allowed"
    (allowed / "dir").mkdir(parents=True)
    (allowed / "dir" / "password").write_text("s3cret")
    (allowed / "secrets.properties").write_text("password=s3cret\n")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "stolen").write_text("stolen")
    (outside / "stolen.properties").write_text("password=stolen\n")
    os.symlink(outside / "stolen", allowed / "dir" / "link")
    os.symlink(outside / "stolen.properties", allowed / "link.properties")
    os.symlink(outside, allowed / "linkdir")
    return {"allowed": allowed, "outside": outside}


def _transformer(allowed: Path) -> ConfigTransformer:
    return ConfigTransformer.from_worker_props(
        {
            "config.providers": "dir,file",
            "config.providers.dir.class": "org.apache.kafka.common.config.provider.DirectoryConfigProvider",
            "config.providers.dir.param.allowed.paths": str(allowed),
            "config.providers.file.class": "org.apache.kafka.common.config.provider.FileConfigProvider",
            "config.providers.file.param.allowed.paths": str(allowed),
        }
    )


def test_allowed_files_resolve(layout: dict[str, Path]) -> None:
    a = layout["allowed"]
    t = _transformer(a)
    assert t.transform(
        {"x": f"${{dir:{a}/dir:password}}", "y": f"${{file:{a}/secrets.properties:password}}"}
    ) == {"x": "s3cret", "y": "s3cret"}


@pytest.mark.parametrize(
    "template",
    [
        "${{dir:{a}/dir:../../outside/stolen}}",  # the issue's ../ in the key
        "${{dir:{a}/dir:{o}/stolen}}",  # an absolute key
        "${{dir:{a}/dir:/etc/hostname}}",
        "${{dir:{a}/dir:link}}",  # a link inside the allowed directory to a file outside
        "${{dir:{a}/linkdir:stolen}}",  # a link to a directory outside
        "${{dir:{a}/../outside:stolen}}",  # ../ in the path
        "${{dir:{o}:stolen}}",
        "${{file:{a}/link.properties:password}}",
        "${{file:{a}/../outside/stolen.properties:password}}",
        "${{file:{a}/linkdir/stolen.properties:password}}",
        "${{file:/etc/passwd:root}}",
    ],
)
def test_nothing_outside_allowed_paths_is_read(layout: dict[str, Path], template: str) -> None:
    value = template.format(a=layout["allowed"], o=layout["outside"])
    out = _transformer(layout["allowed"]).transform({"x": value})
    # As Java: a path that may not be read resolves to nothing, so the placeholder stays as it was.
    assert out == {"x": value}


def test_refusals_are_logged(layout: dict[str, Path], caplog: pytest.LogCaptureFixture) -> None:
    o = layout["outside"]
    with caplog.at_level(logging.WARNING, "connectrt.config.providers"):
        _transformer(layout["allowed"]).transform({"x": f"${{file:{o}/stolen.properties:password}}"})
    assert f"The path {o}/stolen.properties is not allowed to be accessed" in caplog.text


def test_without_allowed_paths_every_path_resolves_as_in_java(layout: dict[str, Path]) -> None:
    p = DirectoryConfigProvider()
    p.configure({})
    assert p.get(str(layout["allowed"] / "dir"), {"link", "password"}) == {
        "link": "stolen",
        "password": "s3cret",
    }
    # A key is still a file name, never a path (Java lists the directory).
    assert p.get(str(layout["allowed"] / "dir"), {"../../outside/stolen", "/etc/hostname"}) == {}


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("relative/dir", "Path relative/dir is not absolute"),
        ("/no/such/dir", "Path /no/such/dir does not exist"),
    ],
)
def test_allowed_paths_must_be_absolute_and_exist(value: str, message: str) -> None:
    for provider in (FileConfigProvider(), DirectoryConfigProvider()):
        with pytest.raises(ConfigException, match=message):
            provider.configure({"allowed.paths": value})


def test_env_allowlist_pattern_matches_whole_names(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONNECT_DB_PASSWORD", "pw")
    monkeypatch.setenv("CONNECT_DB_PASSWORD_OLD", "old")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "aws")
    t = ConfigTransformer.from_worker_props(
        {
            "config.providers": "env",
            "config.providers.env.class": "org.apache.kafka.common.config.provider.EnvVarConfigProvider",
            "config.providers.env.param.allowlist.pattern": "CONNECT_DB_[A-Z]+",
        }
    )
    out = t.transform(
        {
            "a": "${env::CONNECT_DB_PASSWORD}",
            "b": "${env::AWS_SECRET_ACCESS_KEY}",
            "c": "${env::CONNECT_DB_PASSWORD_OLD}",
        }
    )
    assert out == {"a": "pw", "b": "${env::AWS_SECRET_ACCESS_KEY}", "c": "${env::CONNECT_DB_PASSWORD_OLD}"}
    with pytest.raises(
        ConfigException, match="Path is not supported for EnvVarConfigProvider, invalid value 'x'"
    ):
        t.transform({"a": "${env:x:HOME}"})
