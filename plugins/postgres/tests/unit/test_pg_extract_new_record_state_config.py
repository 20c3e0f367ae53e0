"""ExtractNewRecordState's config as Debezium 3.6.1 lists it: delete.tombstone.handling.mode defaults
to tombstone yet the older keys still decide when it is not set; add.fields / add.headers are lists."""

from __future__ import annotations

import pytest
from connectrt.config.configdef import ConfigException, Type

from connectrt_postgres.extract_new_record_state import CONFIG_DEF, ExtractNewRecordState

pytestmark = pytest.mark.unit


def _configured(**config: str) -> ExtractNewRecordState:
    t = ExtractNewRecordState()
    t.configure(config)
    return t


def test_debeziums_keys_first_in_its_order_then_the_older_ones() -> None:
    keys = CONFIG_DEF.config_keys()
    assert list(keys)[:3] == ["delete.tombstone.handling.mode", "route.by.field", "add.fields.prefix"]
    assert list(keys)[-3:] == ["drop.tombstones", "delete.handling.mode", "replace.null.with.default"]
    assert keys["delete.tombstone.handling.mode"].default_value == "tombstone"
    assert keys["add.fields"].type is Type.LIST and keys["add.fields"].display_name != "add.fields"


def test_default_mode_is_tombstone() -> None:
    t = _configured()
    assert (t.mode, t.legacy_delete) == ("tombstone", None)


def test_older_keys_decide_only_when_the_mode_is_not_set() -> None:
    legacy = _configured(**{"delete.handling.mode": "rewrite"})
    assert (legacy.mode, legacy.legacy_delete) == ("rewrite", "rewrite")
    explicit = _configured(**{"delete.handling.mode": "rewrite", "delete.tombstone.handling.mode": "drop"})
    assert (explicit.mode, explicit.legacy_delete) == ("drop", None)


def test_field_lists_split_on_commas_with_spaces() -> None:
    t = _configured(**{"add.fields": " op , source.ts_ms ,", "add.headers": "db"})
    assert len(t.fields) == 2 and len(t.header_fields) == 1


def test_a_bad_mode_is_refused_with_the_values() -> None:
    with pytest.raises(ConfigException, match="delete.tombstone.handling.mode"):
        _configured(**{"delete.tombstone.handling.mode": "sometimes"})
