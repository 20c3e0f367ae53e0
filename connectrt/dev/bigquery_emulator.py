"""Entry point of the dev BigQuery emulator, run by the emulator's own virtual environment.

``<venv>/bin/python bigquery_emulator.py --tag T start --rest-port P --grpc-port G ...`` starts
bqemulator (PyPI; DuckDB-backed REST + Storage Write gRPC). It imports nothing from connectrt: the
emulator lives in a virtual environment of its own (see ``connectrt.dev.bigquery``).

Before starting, it
- installs DuckDB's ``spatial`` extension from the ``duckdb-extension-spatial`` wheel (bqemulator
  refuses to start without it and would otherwise download it from DuckDB's site), and
- corrects three bqemulator 1.4.0 defects that real BigQuery clients hit: the Storage Write API
  lost the sub-fields of RECORD columns ("STRUCT with no fields"); RECORD sub-fields named like SQL
  keywords (``offset``, as in kafkaDataFieldName's RECORD) broke table creation; and a schema
  update (tables.patch/update) changed the catalog only, so rows with a new column failed: new
  top-level columns are now added to the DuckDB table (ALTER TABLE ... ADD COLUMN), and relaxed
  ones lose NOT NULL.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any


def _install_spatial() -> None:
    import duckdb  # type: ignore[import-not-found,unused-ignore]
    import duckdb_extension_spatial  # type: ignore[import-not-found,unused-ignore]

    version = "v" + duckdb.__version__
    path = (
        Path(duckdb_extension_spatial.__file__).parent / "extensions" / version / "spatial.duckdb_extension"
    )
    if not path.is_file():
        raise SystemExit(f"duckdb-extension-spatial has no extension for DuckDB {version} ({path})")
    connection = duckdb.connect()
    try:
        connection.execute("LOAD spatial")
    except Exception:
        connection.execute(f"INSTALL '{path}'")
    finally:
        connection.close()


def _patch_emulator() -> None:
    from bqemulator.api.routes import tabledata, tables  # type: ignore[import-not-found,unused-ignore]
    from bqemulator.grpc_api import write_servicer  # type: ignore[import-not-found,unused-ignore]
    from bqemulator.storage import type_map  # type: ignore[import-not-found,unused-ignore]

    def table_arrow_schema(table_meta: Any) -> Any:
        fields = tabledata._fields_raw_from_schema(table_meta.schema_.fields)
        return tabledata._build_arrow_schema(fields)

    original = type_map.bq_schema_to_duckdb_columns

    def duckdb_columns(fields: list[dict[str, Any]]) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        for field in fields:
            if str(field["type"]).upper() in ("RECORD", "STRUCT"):
                inner = ", ".join(
                    '"{}" {}'.format(name.replace('"', '""'), kind)
                    for name, kind in duckdb_columns(field.get("fields", []))
                )
                kind = f"STRUCT({inner})"
                if str(field.get("mode", "NULLABLE")).upper() == "REPEATED":
                    kind += "[]"
                out.append((field["name"], kind))
            else:
                out.extend(original([field]))
        return out

    from bqemulator.catalog.duckdb_repository import DuckDBCatalogRepository  # type: ignore[import-not-found,unused-ignore]
    from bqemulator.catalog.memory_repository import MemoryCatalogRepository  # type: ignore[import-not-found,unused-ignore]
    from bqemulator.storage.sql_identifiers import quoted_table_ref  # type: ignore[import-not-found,unused-ignore]

    def raw(field: Any) -> dict[str, Any]:
        out: dict[str, Any] = {"name": field.name, "type": field.type, "mode": field.mode}
        if field.fields:
            out["fields"] = [raw(sub) for sub in field.fields]
        return out

    def altering(update: Any) -> Any:
        def update_table(self: Any, table: Any) -> Any:
            engine = getattr(self, "_engine", None)
            before = self.get_table(table.project_id, table.dataset_id, table.table_id)
            if engine is not None and before is not None and before.schema_ and table.schema_:
                ref = quoted_table_ref(table.project_id, table.dataset_id, table.table_id)
                old = {f.name.lower(): f for f in before.schema_.fields}
                for field in table.schema_.fields:
                    previous = old.get(field.name.lower())
                    name = '"{}"'.format(field.name.replace('"', '""'))
                    if previous is None:
                        kind = duckdb_columns([raw(field)])[0][1]
                        engine.connection.execute(f"ALTER TABLE {ref} ADD COLUMN {name} {kind}")
                    elif previous.mode == "REQUIRED" and field.mode != "REQUIRED":
                        try:
                            engine.connection.execute(f"ALTER TABLE {ref} ALTER COLUMN {name} DROP NOT NULL")
                        except Exception:
                            pass  # the column had no NOT NULL constraint
            return update(self, table)

        return update_table

    for repository in (MemoryCatalogRepository, DuckDBCatalogRepository):
        repository.update_table = altering(repository.update_table)
    write_servicer._table_arrow_schema = table_arrow_schema
    type_map.bq_schema_to_duckdb_columns = duckdb_columns
    tables.bq_schema_to_duckdb_columns = duckdb_columns


def main(argv: list[str]) -> int:
    if len(argv) >= 2 and argv[0] == "--tag":
        argv = argv[2:]  # identifies the process in `connectrt dev` state; not an emulator option
    _install_spatial()
    _patch_emulator()
    from bqemulator.cli import main as emulator_main  # type: ignore[import-not-found,unused-ignore]

    sys.argv = ["bqemulator", *argv]
    result: Any = emulator_main()
    return int(result or 0)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
