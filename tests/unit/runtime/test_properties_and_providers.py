from __future__ import annotations

from pathlib import Path

import pytest

from connectrt.config.configdef import ConfigException
from connectrt.config.properties import parse_properties
from connectrt.config.providers import ConfigTransformer

pytestmark = pytest.mark.unit


def test_java_properties_syntax() -> None:
    text = "# comment\n! also\na=1\nb : two\nc three\nd=x\\\n   y\ne=\\u0041\\tB\nf\n  g = spaced value  \n"
    assert parse_properties(text) == {
        "a": "1",
        "b": "two",
        "c": "three",
        "d": "xy",
        "e": "A\tB",
        "f": "",
        "g": "spaced value  ",
    }


def test_file_directory_and_env_providers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secrets = tmp_path / "secrets.properties"
    secrets.write_text("password=s3cret\n")
    d = tmp_path / "dir"
    d.mkdir()
    (d / "token").write_text("tok")
    monkeypatch.setenv("CONNECTRT_TEST_VAR", "from-env")
    t = ConfigTransformer.from_worker_props(
        {
            "config.providers": "file,directory,env",
            "config.providers.file.class": "org.apache.kafka.common.config.provider.FileConfigProvider",
            "config.providers.directory.class": "org.apache.kafka.common.config.provider.DirectoryConfigProvider",
            "config.providers.env.class": "org.apache.kafka.common.config.provider.EnvVarConfigProvider",
        }
    )
    out = t.transform(
        {
            "a": f"${{file:{secrets}:password}}",
            "b": f"pre-${{directory:{d}:token}}-post",
            "c": "${env::CONNECTRT_TEST_VAR}",
            "d": "${unknown:x:y}",
            "e": "plain",
        }
    )
    assert out == {"a": "s3cret", "b": "pre-tok-post", "c": "from-env", "d": "${unknown:x:y}", "e": "plain"}


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    t = ConfigTransformer.from_worker_props(
        {
            "config.providers": "file",
            "config.providers.file.class": "FileConfigProvider",
        }
    )
    with pytest.raises(ConfigException, match=f"Could not read properties from file {tmp_path}/missing"):
        t.transform({"a": f"${{file:{tmp_path}/missing:k}}"})
