"""Plugin locations for ``plugin.path`` as ``pip install --target <dir>`` leaves them, built by tests."""

from __future__ import annotations

import zipfile
from collections.abc import Mapping
from pathlib import Path

from connectrt.runtime.plugins import ENTRY_POINT_GROUP


def _metadata(dist: str, version: str) -> str:
    return f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n"


def _entry_points(entry_points: Mapping[str, str]) -> str:
    return f"[{ENTRY_POINT_GROUP}]\n" + "".join(f"{name} = {value}\n" for name, value in entry_points.items())


def write_plugin_location(
    location: Path,
    dist: str,
    modules: Mapping[str, str],
    entry_points: Mapping[str, str],
    version: str = "1.0",
) -> Path:
    """``location`` holding ``modules`` (relative path -> source) and ``<dist>-<version>.dist-info``."""
    for relative, text in modules.items():
        path = location / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    info = location / f"{dist}-{version}.dist-info"
    info.mkdir(parents=True, exist_ok=True)
    (info / "METADATA").write_text(_metadata(dist, version))
    (info / "entry_points.txt").write_text(_entry_points(entry_points))
    (info / "RECORD").write_text("")
    return location


def write_plugin_wheel(
    directory: Path,
    dist: str,
    modules: Mapping[str, str],
    entry_points: Mapping[str, str],
    version: str = "1.0",
) -> Path:
    """A pure-Python wheel ``<dist>-<version>-py3-none-any.whl`` in ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    wheel = directory / f"{dist}-{version}-py3-none-any.whl"
    info = f"{dist}-{version}.dist-info"
    with zipfile.ZipFile(wheel, "w") as z:
        for relative, text in modules.items():
            z.writestr(relative, text)
        z.writestr(f"{info}/METADATA", _metadata(dist, version))
        z.writestr(f"{info}/entry_points.txt", _entry_points(entry_points))
        z.writestr(f"{info}/WHEEL", "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
        z.writestr(f"{info}/RECORD", "")
    return wheel
