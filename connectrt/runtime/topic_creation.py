"""Topic creation for source connectors (``topic.creation.*``, Java's TopicCreation/TopicCreationGroup)."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from connectrt.kafka.topics import TopicAdmin, TopicSpec

log = logging.getLogger(__name__)

_RESERVED = {"include", "exclude", "replication.factor", "partitions"}


@dataclass
class TopicCreationGroup:
    name: str
    include: list[re.Pattern[str]]
    exclude: list[re.Pattern[str]]
    replication_factor: int
    partitions: int
    configs: dict[str, str] = field(default_factory=dict)

    def matches(self, topic: str) -> bool:
        if any(p.fullmatch(topic) for p in self.exclude):
            return False
        return any(p.fullmatch(topic) for p in self.include)


def _patterns(value: Any) -> list[re.Pattern[str]]:
    if value is None:
        return []
    items = value if isinstance(value, list) else [v.strip() for v in str(value).split(",") if v.strip()]
    return [re.compile(v) for v in items]


def creation_groups(props: Mapping[str, Any]) -> list[TopicCreationGroup] | None:
    """The groups in matching order (named groups first, then default), or None when disabled."""
    prefix = "topic.creation.default."
    if not any(k.startswith(prefix) for k in props):
        return None
    default_rf = int(props.get(prefix + "replication.factor", -1))
    default_parts = int(props.get(prefix + "partitions", -1))
    names = [g.strip() for g in str(props.get("topic.creation.groups", "") or "").split(",") if g.strip()]
    groups: list[TopicCreationGroup] = []
    for name in [*dict.fromkeys(n for n in names if n != "default"), "default"]:
        gp = f"topic.creation.{name}."
        configs = {
            k[len(gp) :]: str(v)
            for k, v in props.items()
            if k.startswith(gp) and k[len(gp) :] not in _RESERVED
        }
        default_configs = {
            k[len(prefix) :]: str(v)
            for k, v in props.items()
            if k.startswith(prefix) and k[len(prefix) :] not in _RESERVED
        }
        groups.append(
            TopicCreationGroup(
                name,
                _patterns(props.get(gp + "include", ".*" if name == "default" else None)),
                _patterns(props.get(gp + "exclude")),
                int(props.get(gp + "replication.factor", default_rf)),
                int(props.get(gp + "partitions", default_parts)),
                configs if name != "default" else default_configs,
            )
        )
    return groups


class TopicCreator:
    """Creates a source connector's topics the first time a task produces to them."""

    def __init__(self, admin: TopicAdmin, groups: list[TopicCreationGroup]) -> None:
        self.admin = admin
        self.groups = groups
        self.seen: set[str] = set()

    def maybe_create(self, topic: str) -> None:
        if topic in self.seen:
            return
        if self.admin.existing([topic]):
            self.seen.add(topic)
            return
        group = next((g for g in self.groups if g.matches(topic)), None)
        if group is None:
            self.seen.add(topic)
            return
        created = self.admin.create_topics(
            [TopicSpec(topic, group.partitions, group.replication_factor, dict(group.configs))]
        )
        if created:
            log.info("Created topic '%s' using creation group %s", topic, group.name)
        self.seen.add(topic)
