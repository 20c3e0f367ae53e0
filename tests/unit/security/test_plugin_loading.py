"""Issue #13 items 2 and 3: only registered plugins load; nothing a config names is imported.

Plugins come from the environment's ``connectrt.plugins`` entry points and from the worker's
``plugin.path`` locations (distributions installed with ``pip install --target``, or wheels).
"""

from __future__ import annotations

import json
import logging
import sys
import uuid
from pathlib import Path

import pytest

from connectrt.api.connector import Connector
from connectrt.api.plugin import Converter, HeaderConverter, Predicate, Transformation
from connectrt.config.configdef import ConfigException
from connectrt.config.providers import ConfigTransformer
from connectrt.connectors.file import FileStreamSinkConnector, FileStreamSourceConnector
from connectrt.herder.validation import validate_connector_config
from connectrt.model.errors import BadRequestException
from connectrt.runtime.plugins import PluginDesc, Plugins
from tests.integration.security.plugin_location import write_plugin_location, write_plugin_wheel

pytestmark = pytest.mark.unit

JAVA = json.loads(
    (Path(__file__).parents[2] / "integration" / "security" / "data" / "java_security_4_2_1.json").read_text()
)["answers"]

CONNECTOR_SOURCE = """
import pathlib
from connectrt.connectors.file import FileStreamSourceConnector

MARKER = {marker!r}
pathlib.Path(MARKER).write_text("imported")


class {cls}(FileStreamSourceConnector):
    ALIASES = ("com.example.{cls}",)
    VERSION = "2.5.0"


PLUGINS = [{cls}]
"""


def _module(tmp_path: Path, name: str) -> tuple[str, Path]:
    """A module that leaves a marker file when it is imported."""
    marker = tmp_path / f"{name}.imported"
    return CONNECTOR_SOURCE.format(marker=str(marker), cls="Evil"), marker


@pytest.fixture
def on_sys_path(tmp_path: Path) -> Path:
    """A directory on sys.path, like site-packages a FileStreamSink could write into."""
    d = tmp_path / "site"
    d.mkdir()
    sys.path.insert(0, str(d))
    yield d
    sys.path.remove(str(d))


@pytest.mark.parametrize(
    "name",
    [
        "this.X",
        "unittest.__main__.X",
        "..relative.X",
        "os.system",
        "os:system",
        "connectrt.cli.main",
        "connectrt.connectors.file.FileStreamSourceTask",
        "builtins.object",
        "__main__.X",
        "X" * 10000,
        "",
    ],
)
def test_names_of_importable_things_are_not_found(name: str) -> None:
    plugins = Plugins()
    before = set(sys.modules)
    assert plugins.find(name) is None
    with pytest.raises(
        ConfigException, match="Failed to find any class that implements Connector and which name matches"
    ):
        plugins.connector_class(name)
    assert set(sys.modules) == before, "looking a name up imported a module"


def test_a_module_written_where_python_imports_from_is_never_imported(
    tmp_path: Path, on_sys_path: Path
) -> None:
    """Issue item 3: a FileStreamSink wrote evil.py into site-packages; then connector.class=evil.X."""
    module = f"evil_{uuid.uuid4().hex}"
    source, marker = _module(tmp_path, module)
    (on_sys_path / f"{module}.py").write_text(source)
    plugins = Plugins()
    for name in (f"{module}.Evil", f"{module}:Evil", f"{module}.Evil.X"):
        assert plugins.find(name) is None
        with pytest.raises(BadRequestException, match="Failed to find any class that implements Connector"):
            validate_connector_config(plugins, {"name": "c", "connector.class": name}, ConfigTransformer({}))
    assert not marker.exists() and module not in sys.modules


def test_unknown_connector_class_answers_javas_message() -> None:
    plugins = Plugins([FileStreamSinkConnector, FileStreamSourceConnector], load_entry_points=False)
    with pytest.raises(ConfigException) as e:
        plugins.connector_class("this.X")
    # Java 4.2.1's answer, recorded (its FileStream plugins are version 4.2.1; ours are connectrt's).
    java = JAVA["unknown_connector_class"]["body"]["message"]
    ours = str(e.value)
    version = plugins.desc(FileStreamSinkConnector).version
    assert ours == java.replace("'4.2.1'", f"'{version}'").replace("=4.2.1,", f"={version},")


def test_plugin_desc_prints_like_javas() -> None:
    desc = PluginDesc(
        FileStreamSinkConnector,
        "org.apache.kafka.connect.file.FileStreamSinkConnector",
        Plugins().desc(FileStreamSinkConnector).type,
        "4.2.1",
    )
    assert str(desc) == (
        "PluginDesc{klass=class org.apache.kafka.connect.file.FileStreamSinkConnector, "
        "name='org.apache.kafka.connect.file.FileStreamSinkConnector', version='4.2.1', encodedVersion=4.2.1, "
        "type=sink, typeName='sink', location='classpath'}"
    )


@pytest.mark.parametrize(
    ("name", "base"),
    [
        ("org.apache.kafka.connect.file.FileStreamSourceConnector", Converter),
        ("org.apache.kafka.connect.file.FileStreamSourceConnector", Transformation),
        ("org.apache.kafka.connect.json.JsonConverter", Predicate),
        ("org.apache.kafka.connect.transforms.RegexRouter", HeaderConverter),
        ("org.apache.kafka.connect.transforms.RegexRouter", Connector),
    ],
)
def test_the_type_is_checked_before_anything_is_instantiated(name: str, base: type) -> None:
    plugins = Plugins()
    cls = plugins.find(name)
    assert cls is not None
    calls: list[str] = []
    original = cls.__init__

    def counting_init(self: object, *args: object, **kwargs: object) -> None:
        calls.append(name)
        original(self, *args, **kwargs)

    cls.__init__ = counting_init  # type: ignore[method-assign]
    try:
        with pytest.raises(ConfigException, match=f"Class {name} could not be found"):
            plugins.new_instance(name, base, "some.key")
    finally:
        cls.__init__ = original  # type: ignore[method-assign]
    assert calls == []


def test_plugin_path_location_installed_with_pip_target(tmp_path: Path) -> None:
    """``plugin.path=<dir>``; ``<dir>/mypkg`` is what ``pip install --target <dir>/mypkg mypkg`` leaves."""
    module = f"pp_{uuid.uuid4().hex}"
    source, marker = _module(tmp_path, module)
    location = write_plugin_location(
        tmp_path / "plugins" / "mypkg",
        "mypkg",
        {f"{module}/__init__.py": source},
        {"mypkg": f"{module}:PLUGINS"},
    )
    plugins = Plugins.for_worker({"plugin.path": str(tmp_path / "plugins")})
    assert marker.exists()
    cls = plugins.connector_class("com.example.Evil")
    assert plugins.connector_class(f"{module}.Evil") is cls
    assert plugins.connector_class("Evil") is cls
    desc = plugins.desc(cls)
    assert (desc.version, desc.location, desc.class_name) == (
        "2.5.0",
        str(location.resolve()),
        "com.example.Evil",
    )
    # Listed with its location in Java's "not found" message.
    with pytest.raises(ConfigException, match=f"location='{location.resolve()}'"):
        plugins.connector_class("Nope")


def test_plugin_path_directory_that_is_itself_a_pip_target(tmp_path: Path) -> None:
    module = f"pt_{uuid.uuid4().hex}"
    source, _ = _module(tmp_path, module)
    target = write_plugin_location(
        tmp_path / "target", "mypkg", {f"{module}.py": source}, {"mypkg": f"{module}:PLUGINS"}
    )
    plugins = Plugins(plugin_path=[str(target)])
    assert plugins.find(f"{module}.Evil") is not None


def test_plugin_path_wheel(tmp_path: Path) -> None:
    module = f"whl_{uuid.uuid4().hex}"
    source, _ = _module(tmp_path, module)
    write_plugin_wheel(
        tmp_path / "plugins", "mywheel", {f"{module}/__init__.py": source}, {"w": f"{module}:PLUGINS"}
    )
    plugins = Plugins(plugin_path=[str(tmp_path / "plugins")])
    cls = plugins.connector_class(f"{module}.Evil")
    assert plugins.desc(cls).location.endswith("mywheel-1.0-py3-none-any.whl")


def test_plugin_path_loads_only_declared_entry_points(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Modules in a location without distribution metadata are never imported, even by their path."""
    module = f"loose_{uuid.uuid4().hex}"
    source, marker = _module(tmp_path, module)
    loose = tmp_path / "plugins" / "loose"
    loose.mkdir(parents=True)
    (loose / f"{module}.py").write_text(source)
    with caplog.at_level(logging.WARNING, "connectrt.runtime.plugins"):
        plugins = Plugins(plugin_path=[str(tmp_path / "plugins"), str(tmp_path / "missing")])
    assert plugins.find(f"{module}.Evil") is None
    assert not marker.exists() and module not in sys.modules
    assert "No plugins found in plugin location" in caplog.text


def test_a_broken_plugin_is_logged_and_skipped(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    module = f"broken_{uuid.uuid4().hex}"
    write_plugin_location(
        tmp_path / "plugins" / "broken",
        "broken",
        {f"{module}.py": "import sys\nsys.exit(3)\n"},
        {"b": f"{module}:PLUGINS"},
    )
    with caplog.at_level(logging.ERROR, "connectrt.runtime.plugins"):
        plugins = Plugins(plugin_path=[str(tmp_path / "plugins")])
    assert "Failed to load plugin entry point" in caplog.text
    assert plugins.find("org.apache.kafka.connect.file.FileStreamSourceConnector") is not None


def test_plugin_path_modules_never_shadow_the_environment(tmp_path: Path) -> None:
    """A location is appended to sys.path: its copy of a module the worker has wins nothing."""
    write_plugin_location(
        tmp_path / "plugins" / "shadow",
        "shadow",
        {"json/__init__.py": "raise SystemExit(9)\n"},
        {"s": "json:PLUGINS"},
    )
    Plugins(plugin_path=[str(tmp_path / "plugins")])
    import json as json_module

    assert json_module.dumps([1]) == "[1]"


def test_plugins_command_lists_plugin_path_locations(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from connectrt.cli import main

    module = f"cli_{uuid.uuid4().hex}"
    source, _ = _module(tmp_path, module)
    write_plugin_location(
        tmp_path / "plugins" / "mypkg", "mypkg", {f"{module}.py": source}, {"mypkg": f"{module}:PLUGINS"}
    )
    worker = tmp_path / "worker.properties"
    worker.write_text(f"bootstrap.servers=localhost:9092\nplugin.path={tmp_path / 'plugins'}\n")
    assert main(["plugins", "--json", "--worker-config", str(worker)]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert {
        "type": "source",
        "class": "com.example.Evil",
        "version": "2.5.0",
        "python": f"{module}.Evil",
    } in listed
