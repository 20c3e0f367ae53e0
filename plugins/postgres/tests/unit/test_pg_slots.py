"""Server checks and publication management against a scripted connection (the SQL they issue)."""

from __future__ import annotations

from typing import Any

import pytest

from connectrt_postgres.catalog import TableId
from connectrt_postgres.config import parse_config
from connectrt_postgres.slots import (
    NonRetriableError,
    RetriableError,
    check_server,
    check_slot,
    ensure_publication,
)

pytestmark = pytest.mark.unit

BASE = {"database.hostname": "h", "database.user": "app", "database.dbname": "shop", "topic.prefix": "p"}


class Scripted:
    """Answers queries by their first words; records every statement."""

    def __init__(self, answers: dict[str, Any]) -> None:
        self.answers = answers
        self.statements: list[str] = []

    def execute(self, sql: str, params: Any = None) -> Scripted:
        self.statements.append(sql)
        self._last = next((v for k, v in self.answers.items() if sql.startswith(k)), None)
        return self

    def fetchone(self) -> Any:
        return self._last


def test_wal_level_must_be_logical() -> None:
    conn = Scripted({"SHOW wal_level": ("replica",), "SELECT rolsuper": (True, False)})
    with pytest.raises(NonRetriableError, match=r"wal_level is 'replica'; set wal_level = logical"):
        check_server(conn, parse_config(BASE), streaming=True)
    check_server(conn, parse_config(BASE), streaming=False)  # initial_only needs no slot


def test_the_user_needs_replication() -> None:
    conn = Scripted({"SHOW wal_level": ("logical",), "SELECT rolsuper": (False, False)})
    with pytest.raises(NonRetriableError, match=r'grant it replication \(ALTER ROLE "app" REPLICATION\)'):
        check_server(conn, parse_config(BASE), streaming=True)


def test_publication_modes() -> None:
    tables = [TableId("public", "a"), TableId("s", "b")]
    conn = Scripted({"SELECT puballtables": None})
    ensure_publication(conn, parse_config(BASE), lambda: tables)
    assert (
        conn.statements[-1]
        == "CREATE PUBLICATION \"dbz_publication\" FOR ALL TABLES WITH (publish = 'insert, update, delete')"
    )

    conn = Scripted({"SELECT puballtables": None})
    ensure_publication(
        conn,
        parse_config({**BASE, "publication.autocreate.mode": "filtered", "skipped.operations": "none"}),
        lambda: tables,
    )
    assert conn.statements[-1] == 'CREATE PUBLICATION "dbz_publication" FOR TABLE "public"."a", "s"."b"'

    conn = Scripted({"SELECT puballtables": (False,)})
    ensure_publication(
        conn, parse_config({**BASE, "publication.autocreate.mode": "filtered"}), lambda: tables
    )
    assert conn.statements[-1] == 'ALTER PUBLICATION "dbz_publication" SET TABLE "public"."a", "s"."b"'

    conn = Scripted({"SELECT puballtables": (True,)})
    with pytest.raises(NonRetriableError, match="cannot be narrowed"):
        ensure_publication(
            conn, parse_config({**BASE, "publication.autocreate.mode": "filtered"}), lambda: tables
        )

    conn = Scripted({"SELECT puballtables": None})
    with pytest.raises(
        NonRetriableError, match=r"does not exist and publication\.autocreate\.mode is disabled"
    ):
        ensure_publication(
            conn, parse_config({**BASE, "publication.autocreate.mode": "disabled"}), lambda: tables
        )

    conn = Scripted({"SELECT puballtables": None})
    ensure_publication(
        conn,
        parse_config(
            {
                **BASE,
                "publication.autocreate.mode": "no_tables",
                "publish.via.partition.root": "true",
                "skipped.operations": "none",
            }
        ),
        lambda: tables,
    )
    assert (
        conn.statements[-1] == 'CREATE PUBLICATION "dbz_publication" WITH (publish_via_partition_root = true)'
    )

    conn = Scripted({"SELECT puballtables": None})
    with pytest.raises(NonRetriableError, match="No table matches"):
        ensure_publication(
            conn, parse_config({**BASE, "publication.autocreate.mode": "filtered"}), lambda: []
        )


def test_slot_checks() -> None:
    def slot_row(plugin: str, active: bool, db: str = "shop") -> tuple[Any, ...]:
        return ("debezium", plugin, "logical", db, active, 42 if active else None, "0/10", "0/8")

    conn = Scripted({"SELECT slot_name": slot_row("decoderbufs", False)})
    with pytest.raises(NonRetriableError, match="reads pgoutput slots"):
        check_slot(conn, parse_config(BASE))
    conn = Scripted({"SELECT slot_name": slot_row("pgoutput", False, "other")})
    with pytest.raises(NonRetriableError, match="belongs to database 'other'"):
        check_slot(conn, parse_config(BASE))
    conn = Scripted({"SELECT slot_name": slot_row("pgoutput", True)})
    with pytest.raises(RetriableError, match="is active for PID 42"):
        check_slot(conn, parse_config({**BASE, "slot.max.retries": "1"}), sleep=lambda s: None)
    conn = Scripted({"SELECT slot_name": slot_row("pgoutput", False)})
    info = check_slot(conn, parse_config(BASE))
    assert info is not None and info.confirmed_flush_lsn == 0x10
    assert check_slot(Scripted({}), parse_config(BASE)) is None
