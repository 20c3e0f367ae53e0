"""The floors of connectrt's packages (issue #15): each package imports only from floors below it,
and plugins import only the plugin-facing packages.

Every ``import`` and ``from ... import`` counts wherever it stands: at module level, inside a
function, under ``if TYPE_CHECKING:``, and ``importlib.import_module("connectrt....")`` with a
literal name. A failure lists each offending line as ``file:line imports module (why)``.

The floors, bottom to top (a package may import only packages on lower floors; packages on the same
floor do not import each other):

    model                                   shared value types: task ids, states, REST entity shapes, errors
    config                                  ConfigDef, worker configs, .properties, config providers
    api                                     the plugin SPI
    converters, transforms, kafka, connectors
    storage                                 internal topics and offset/config/status stores
    runtime                                 Worker, tasks, ConnectorConfig, plugin registry
    herder                                  Herder, StandaloneHerder, DistributedHerder
    rest                                    the REST API
    cli, dev                                the ``connectrt`` command (the only place that wires
                                            stores, herder and REST together) and developer tooling
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

FLOORS: tuple[tuple[str, ...], ...] = (
    ("model",),
    ("config",),
    ("api",),
    ("converters", "transforms", "kafka", "connectors"),
    ("storage",),
    ("runtime",),
    ("herder",),
    ("rest",),
    ("cli", "dev"),
)

# What a plugin distribution (plugins/*/connectrt_*) may import from connectrt.
PLUGIN_PACKAGES: tuple[str, ...] = ("api", "config", "model", "converters", "transforms")


def floor_of(package: str) -> int | None:
    for level, packages in enumerate(FLOORS):
        if package in packages:
            return level
    return None


def _absolute(module: str | None, level: int, file: Path, root: Path) -> str | None:
    """The absolute name of an import (relative ones resolved against ``file``'s package)."""
    if level == 0:
        return module
    parts = file.relative_to(root.parent).with_suffix("").parts  # ("connectrt", "runtime", "worker")
    package = list(parts[: len(parts) - level])  # __init__ counts as a part, so one rule fits both
    return ".".join([*package, module] if module else package)


def imported_modules(file: Path, root: Path) -> Iterator[tuple[int, str]]:
    """(line, module) for every import in ``file``, wherever it stands."""
    tree = ast.parse(file.read_text(encoding="utf-8"), filename=str(file))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            module = _absolute(node.module, node.level, file, root)
            if module is not None:
                yield node.lineno, module
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in ("import_module", "__import__") and isinstance(node.args[0].value, str):
                yield node.lineno, node.args[0].value


def _connectrt_package(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "connectrt":
        return None
    return parts[1] if len(parts) > 1 else ""


def upward_imports(root: Path) -> list[str]:
    """Each import in the ``connectrt`` package at ``root`` that breaks the floors, as one line."""
    problems: list[str] = []
    for file in sorted(root.rglob("*.py")):
        parts = file.relative_to(root).parts
        source = parts[0].removesuffix(".py") if len(parts) > 1 else ""
        source_floor = floor_of(source) if source else -1
        where = file.relative_to(root.parent)
        if source_floor is None:
            problems.append(f"{where}: package connectrt.{source} is on no floor (add it to FLOORS)")
            continue
        for line, module in imported_modules(file, root):
            target = _connectrt_package(module)
            if target is None or target == source or (target == "" and source):
                continue  # not connectrt's, the same package, or connectrt/__init__.py (its version only)
            target_floor = floor_of(target)
            if source_floor == -1:
                problems.append(f"{where}:{line} imports {module} (connectrt/__init__.py imports nothing)")
            elif target_floor is None:
                problems.append(f"{where}:{line} imports {module} (connectrt.{target} is on no floor)")
            elif target_floor == source_floor:
                problems.append(f"{where}:{line} imports {module} ({source} and {target} share a floor)")
            elif target_floor > source_floor:
                problems.append(f"{where}:{line} imports {module} ({target} is above {source})")
    return problems


def plugin_imports(plugins: Path) -> list[str]:
    """Each import of a plugin distribution's package (plugins/*/connectrt_*) from connectrt outside
    :data:`PLUGIN_PACKAGES`, as one line."""
    problems: list[str] = []
    for package in sorted(plugins.glob("*/connectrt_*")):
        if not (package / "__init__.py").is_file():
            continue
        for file in sorted(package.rglob("*.py")):
            for line, module in imported_modules(file, package):
                target = _connectrt_package(module)
                if target is not None and target not in PLUGIN_PACKAGES:
                    where = file.relative_to(plugins.parent)
                    problems.append(
                        f"{where}:{line} imports {module} (plugins import only "
                        f"connectrt.{{{','.join(PLUGIN_PACKAGES)}}})"
                    )
    return problems


def _report(problems: list[str]) -> str:
    return f"{len(problems)} import(s) break the floors:\n" + "\n".join(problems)


def test_connectrt_imports_only_downwards() -> None:
    problems = upward_imports(REPO / "connectrt")
    assert not problems, _report(problems)


def test_plugins_import_only_the_plugin_facing_packages() -> None:
    problems = plugin_imports(REPO / "plugins")
    assert not problems, _report(problems)


def test_every_package_stands_on_a_floor() -> None:
    packages = {p.name for p in (REPO / "connectrt").iterdir() if (p / "__init__.py").is_file()}
    placed = {name for floor in FLOORS for name in floor}
    assert packages == placed


# --- the check itself, on a small tree of its own --------------------------------------------------


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path / "connectrt"


@pytest.mark.parametrize(
    ("file", "source", "expected"),
    [
        (
            "runtime/worker.py",
            "from connectrt.herder.base import Herder\n",
            "runtime/worker.py:1 imports connectrt.herder.base (herder is above runtime)",
        ),
        (
            "runtime/worker.py",
            "def f() -> None:\n    import connectrt.rest.app\n",
            "runtime/worker.py:2 imports connectrt.rest.app (rest is above runtime)",
        ),
        (
            "runtime/worker.py",
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from connectrt.cli import main\n",
            "runtime/worker.py:3 imports connectrt.cli (cli is above runtime)",
        ),
        (
            "runtime/worker.py",
            "import importlib\nimportlib.import_module('connectrt.herder.cli')\n",
            "runtime/worker.py:2 imports connectrt.herder.cli (herder is above runtime)",
        ),
        (
            "runtime/worker.py",
            "from ..herder import base\n",
            "runtime/worker.py:1 imports connectrt.herder (herder is above runtime)",
        ),
        (
            "storage/offsets.py",
            "from connectrt.runtime.worker import Worker\n",
            "storage/offsets.py:1 imports connectrt.runtime.worker (runtime is above storage)",
        ),
        (
            "model/entities.py",
            "from connectrt.config.configdef import ConfigDef\n",
            "model/entities.py:1 imports connectrt.config.configdef (config is above model)",
        ),
        (
            "__init__.py",
            "from connectrt.api import Connector\n",
            "__init__.py:1 imports connectrt.api (connectrt/__init__.py imports nothing)",
        ),
    ],
    ids=[
        "module-level",
        "in-a-function",
        "type-checking",
        "import_module",
        "relative",
        "storage-runtime",
        "model-config",
        "root",
    ],
)
def test_an_upward_import_is_reported_with_its_line(
    tmp_path: Path, file: str, source: str, expected: str
) -> None:
    root = _tree(tmp_path, {f"connectrt/{file}": source})
    assert upward_imports(root) == [f"connectrt/{expected}"]


def test_downward_and_own_package_imports_pass(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "connectrt/__init__.py": "",
            "connectrt/runtime/worker.py": "from connectrt.model.entities import ConnectorTaskId\n"
            "from connectrt.runtime.plugins import Plugins\nimport json\n",
        },
    )
    assert upward_imports(root) == []


def test_same_floor_and_unplaced_packages_are_reported(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "connectrt/kafka/topics.py": "from connectrt.converters import json_converter\n",
            "connectrt/newpkg/thing.py": "",
        },
    )
    assert upward_imports(root) == [
        "connectrt/kafka/topics.py:1 imports connectrt.converters (kafka and converters share a floor)",
        "connectrt/newpkg/thing.py: package connectrt.newpkg is on no floor (add it to FLOORS)",
    ]


def test_a_plugin_importing_the_runtime_is_reported(tmp_path: Path) -> None:
    plugin = tmp_path / "plugins" / "x" / "connectrt_x"
    plugin.mkdir(parents=True)
    (plugin / "__init__.py").write_text("from connectrt.api import SinkConnector\n")
    (plugin / "task.py").write_text("def f() -> None:\n    from connectrt.runtime.worker import Worker\n")
    assert plugin_imports(tmp_path / "plugins") == [
        "plugins/x/connectrt_x/task.py:2 imports connectrt.runtime.worker (plugins import only "
        "connectrt.{api,config,model,converters,transforms})"
    ]
