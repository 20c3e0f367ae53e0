"""``plugin.path``: plugin locations outside the worker's Python environment (Java's PluginUtils).

Java's ``plugin.path`` is a list of directories; each holds plugins, one per subdirectory of jars,
or uber-jars directly. Ours is the same list of directories, holding Python distributions:

- a directory that itself holds ``*.dist-info`` (or ``*.egg-info``) metadata is one location; that
  is what ``pip install --target <dir> <plugin>`` writes;
- otherwise each of its subdirectories is a location (``<dir>/<plugin>/``, filled the same way),
  and each wheel in it (``<dir>/<plugin>-1.0-py3-none-any.whl``, pure Python) is one.

A location is appended to ``sys.path`` (modules already importable from the worker's environment
win, so a plugin cannot replace connectrt or the standard library) and its plugins are the
``connectrt.plugins`` entry points its distributions declare. Nothing else in a location is
imported, and nothing is imported because a request named it.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from importlib.metadata import Distribution, EntryPoint, distributions
from pathlib import Path

log = logging.getLogger(__name__)

METADATA_SUFFIXES = (".dist-info", ".egg-info")


@dataclass(frozen=True)
class PluginLocation:
    path: Path

    def __str__(self) -> str:
        return str(self.path)


def _holds_metadata(directory: Path) -> bool:
    try:
        return any(child.name.endswith(METADATA_SUFFIXES) for child in directory.iterdir())
    except OSError:
        return False


def plugin_locations(plugin_path: Iterable[str]) -> list[PluginLocation]:
    """The plugin locations of ``plugin.path`` entries, in order, without duplicates."""
    found: dict[Path, PluginLocation] = {}
    for entry in plugin_path:
        entry = entry.strip()
        if not entry:
            continue
        directory = Path(entry)
        if not directory.is_absolute():
            log.warning(
                "Plugin path element %s is relative; it is resolved against the worker's working "
                "directory %s. Use an absolute path.",
                entry,
                Path.cwd(),
            )
        try:
            directory = directory.resolve(strict=True)
        except OSError:
            log.error("Could not get listing for plugin path: %s. Ignoring.", entry)
            continue
        if not directory.is_dir():
            log.error("Plugin path element %s is not a directory. Ignoring.", entry)
            continue
        if _holds_metadata(directory):
            found.setdefault(directory, PluginLocation(directory))
            continue
        for child in sorted(directory.iterdir()):
            if child.name.startswith(".") or child.name == "__pycache__":
                continue
            if child.is_dir() or (child.is_file() and child.suffix == ".whl"):
                path = child.resolve()
                found.setdefault(path, PluginLocation(path))
    return list(found.values())


def location_entry_points(location: PluginLocation, group: str) -> Iterator[tuple[Distribution, EntryPoint]]:
    """The entry points of ``group`` declared by the distributions in ``location``."""
    for dist in distributions(path=[str(location.path)]):
        for ep in dist.entry_points:
            if ep.group == group:
                yield dist, ep


def add_to_sys_path(location: PluginLocation) -> None:
    """Make a location's modules importable; the environment's own modules keep precedence."""
    text = str(location.path)
    if text not in sys.path:
        sys.path.append(text)
