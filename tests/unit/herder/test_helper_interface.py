"""The distributed herder's helpers see it only through connectrt/herder/distributed/interfaces.py:
none imports the herder module (no import cycle), none reads a private attribute of the herder, and
the herder satisfies every protocol (mypy checks the calls; this checks the shape at runtime too)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from connectrt.herder.distributed import interfaces

pytestmark = pytest.mark.unit

PACKAGE = Path(interfaces.__file__).parent
HELPERS = ["work.py", "fencing.py", "config_events.py", "leadership.py", "interfaces.py", "leader_client.py"]


def imported_modules(path: Path) -> set[str]:
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
    return out


@pytest.mark.parametrize("helper", HELPERS)
def test_helpers_do_not_import_the_herder(helper: str) -> None:
    assert "connectrt.herder.distributed.herder" not in imported_modules(PACKAGE / helper)


@pytest.mark.parametrize("helper", HELPERS)
def test_helpers_read_no_private_attribute_of_the_herder(helper: str) -> None:
    private = []
    for node in ast.walk(ast.parse((PACKAGE / helper).read_text())):
        if isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__"):
            owner = node.value
            name = owner.attr if isinstance(owner, ast.Attribute) else getattr(owner, "id", "")
            if name == "herder":
                private.append(f"line {node.lineno}: herder.{node.attr}")
    assert private == []


def test_the_herder_has_every_member_the_protocols_name() -> None:
    from connectrt.herder.distributed.herder import DistributedHerder

    instance_attributes = {
        "snapshot",
        "member",
        "worker",
        "leader_client",
        "signature_algorithm",
        "transformer",
        "config_store",
        "status_store",
        "stages",
        "worker_id",
        "generation",
        "key_ttl_ms",
        "config",
    }
    for protocol in (
        interfaces.HerderForWork,
        interfaces.HerderForFencing,
        interfaces.HerderForConfigEvents,
        interfaces.HerderForLeadership,
    ):
        names = {n for n in vars(protocol) if not n.startswith("_")}
        for base in protocol.__mro__[1:]:
            if base.__module__ == interfaces.__name__:
                names |= {n for n in vars(base) if not n.startswith("_")}
        missing = [
            n for n in sorted(names) if n not in instance_attributes and not hasattr(DistributedHerder, n)
        ]
        assert missing == [], protocol.__name__
