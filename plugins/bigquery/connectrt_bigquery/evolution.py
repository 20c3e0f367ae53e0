"""Schema evolution rules (Java's SchemaManager): new fields, REQUIRED -> NULLABLE, unionization.

Fields are compared by lower-cased name, with BigQuery's type aliases folded (INT64 = INTEGER, ...)
and a missing mode read as NULLABLE. BigQuery cannot drop a column or change its type: an existing
column absent from a record stays in the table (relaxed to NULLABLE when allowed), and a type change
is refused with a clear error.
"""

from __future__ import annotations

from collections.abc import Sequence

from google.cloud.bigquery import SchemaField

from connectrt_bigquery import config as c
from connectrt_bigquery.errors import BigQueryConnectException
from connectrt_bigquery.schema import field, with_mode

_TYPE_ALIASES = {"INT64": "INTEGER", "FLOAT64": "FLOAT", "BOOL": "BOOLEAN", "STRUCT": "RECORD"}


def canonical_type(f: SchemaField) -> str:
    t = (f.field_type or "").upper()
    return _TYPE_ALIASES.get(t, t)


def mode(f: SchemaField) -> str:
    return (f.mode or "NULLABLE").upper()


def signature(fields: Sequence[SchemaField]) -> tuple[object, ...]:
    """A comparable form of a schema: names, canonical types, modes and sub-fields, in order."""
    return tuple((f.name.lower(), canonical_type(f), mode(f), signature(f.fields or ())) for f in fields)


def _by_name(fields: Sequence[SchemaField]) -> dict[str, SchemaField]:
    return {f.name.lower(): f for f in fields}


def _is_relaxation(current: SchemaField, proposed: SchemaField) -> bool:
    return mode(current) == "REQUIRED" and mode(proposed) == "NULLABLE"


def _check_type(table: str, current: SchemaField, proposed: SchemaField) -> None:
    if canonical_type(current) != canonical_type(proposed) or (mode(current) == "REPEATED") != (
        mode(proposed) == "REPEATED"
    ):
        raise BigQueryConnectException(
            f"Column {current.name} of table {table} is {mode(current)} {canonical_type(current)} but records now "
            f"carry {mode(proposed)} {canonical_type(proposed)}; BigQuery cannot change a column's type: migrate "
            "the table or route these records to another table."
        )


def validate_change(
    existing: Sequence[SchemaField], proposed: Sequence[SchemaField], allow_new: bool, allow_relax: bool
) -> None:
    """Java's validateSchemaChange: new fields need allowNewBigQueryFields, relaxations the relaxation flag."""
    current = _by_name(existing)
    for key, f in _by_name(proposed).items():
        old = current.get(key)
        if old is None:
            valid = allow_new and (mode(f) in ("NULLABLE", "REPEATED") or allow_relax)
            if not valid:
                raise BigQueryConnectException(
                    f"New Field found with the name {f.name} Ensure that {c.ALLOW_NEW_FIELDS} is true and "
                    f"{c.ALLOW_RELAXATION} is true if {key} has mode REQUIRED in order to update the Schema"
                )
        elif _is_relaxation(old, f) and not allow_relax:
            raise BigQueryConnectException(
                f"{key} has mode REQUIRED. Set {c.ALLOW_RELAXATION} to true, to change the mode to NULLABLE"
            )


def _union_field(first: SchemaField, second: SchemaField | None) -> SchemaField:
    if second is None:
        return first if mode(first) == "REPEATED" else with_mode(first, "NULLABLE")
    result = first
    if _is_relaxation(first, second):
        result = with_mode(result, mode(second))
    if canonical_type(first) == "RECORD":
        subs_first = _by_name(first.fields or ())
        subs_second = _by_name(second.fields or ())
        merged = [_union_field(sub, subs_second.get(k)) for k, sub in subs_first.items()]
        merged += [_added(sub) for k, sub in subs_second.items() if k not in subs_first]
        result = field(result.name, result.field_type, result.mode, result.description, merged)
    return result


def _added(f: SchemaField) -> SchemaField:
    return f if mode(f) == "REPEATED" else with_mode(f, "NULLABLE")


def unionize(first: Sequence[SchemaField], second: Sequence[SchemaField]) -> list[SchemaField]:
    """Java's unionizeSchemas: every field of both; fields missing on one side become NULLABLE."""
    a, b = _by_name(first), _by_name(second)
    merged = [_union_field(f, b.get(k)) for k, f in a.items()]
    merged += [_added(f) for k, f in b.items() if k not in a]
    return merged


def evolve(
    table: str,
    existing: Sequence[SchemaField],
    proposed: Sequence[SchemaField],
    allow_new: bool,
    allow_relax: bool,
    allow_union: bool,
) -> list[SchemaField]:
    """The schema the table must have to take rows of ``proposed`` (may equal ``existing``)."""
    current = _by_name(existing)
    for key, f in _by_name(proposed).items():
        if key in current:
            _check_type(table, current[key], f)
    if allow_union:
        union = unionize(existing, proposed)
        validate_change(existing, union, allow_new, allow_relax)
        return union
    validate_change(existing, proposed, allow_new, allow_relax)
    incoming = _by_name(proposed)
    result: list[SchemaField] = []
    for key, old in current.items():
        new = incoming.get(key)
        if new is None:
            if mode(old) == "REQUIRED":
                if not allow_relax:
                    raise BigQueryConnectException(
                        f"Column {old.name} of table {table} is REQUIRED but records no longer carry it; set "
                        f"{c.ALLOW_RELAXATION}=true to make it NULLABLE."
                    )
                old = with_mode(old, "NULLABLE")
            result.append(old)
        elif canonical_type(old) == "RECORD":
            result.append(_union_field(old, new))
        elif _is_relaxation(old, new):
            result.append(new)
        else:
            result.append(old)
    for key, new in incoming.items():
        if key not in current:
            result.append(new if mode(new) != "REQUIRED" else with_mode(new, "NULLABLE"))
    return result
