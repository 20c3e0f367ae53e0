"""The CDC demo's source database: the ``production`` database with ``customers``, ``products`` and
``orders``, the load generator that changes them, the marker change that ends the stream, and the rows
the warehouse is compared with."""

from __future__ import annotations

import random
import threading
from typing import Any

DATABASE = "production"
WAREHOUSE_DB = "warehouse"
TABLES = ("orders", "customers", "products")

SCHEMA = """
CREATE TABLE IF NOT EXISTS customers (
    id serial PRIMARY KEY, name text NOT NULL, email text NOT NULL, created_at timestamptz DEFAULT now());
CREATE TABLE IF NOT EXISTS products (
    id serial PRIMARY KEY, sku text NOT NULL, title text NOT NULL, price numeric(10,2) NOT NULL);
CREATE TABLE IF NOT EXISTS orders (
    id serial PRIMARY KEY, customer_id int NOT NULL, product_id int NOT NULL, quantity int NOT NULL,
    status text NOT NULL DEFAULT 'new', ordered_at timestamptz DEFAULT now());
"""
COLUMNS = {
    "customers": "id, name, email, created_at",
    "products": "id, sku, title, price",
    "orders": "id, customer_id, product_id, quantity, status, ordered_at",
}


def admin_dsn(env: dict[str, str], db: str) -> str:
    return (
        f"host={env['CONNECTRT_PG_HOST']} port={env['CONNECTRT_PG_PORT']} user={env['CONNECTRT_PG_USER']} "
        f"password={env['CONNECTRT_PG_PASSWORD']} dbname={db}"
    )


def prepare_database(env: dict[str, str], slot: str, dev_warehouse: bool) -> None:
    """A fresh ``production`` database (20 customers, 10 products, no orders), no replication slot of an
    earlier run, and with ``dev_warehouse`` an empty ``warehouse`` database."""
    import psycopg

    with psycopg.connect(admin_dsn(env, env["CONNECTRT_PG_DATABASE"]), autocommit=True) as conn:
        for db in (DATABASE, WAREHOUSE_DB) if dev_warehouse else (DATABASE,):
            if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (db,)).fetchone() is None:
                conn.execute(f"CREATE DATABASE {db}")
        conn.execute(
            "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots "
            "WHERE slot_name = %s AND NOT active",
            (slot,),
        )
    with psycopg.connect(admin_dsn(env, DATABASE), autocommit=True) as conn:
        conn.execute(SCHEMA)
        conn.execute("TRUNCATE orders, customers, products RESTART IDENTITY")
        conn.execute(
            "INSERT INTO customers (name, email) SELECT 'customer ' || i, 'c' || i || '@example.com' "
            "FROM generate_series(1, 20) i"
        )
        conn.execute(
            "INSERT INTO products (sku, title, price) SELECT 'SKU-' || i, 'product ' || i, i * 1.25 "
            "FROM generate_series(1, 10) i"
        )
    if dev_warehouse:  # a fresh warehouse: this run's tables only
        with psycopg.connect(admin_dsn(env, WAREHOUSE_DB), autocommit=True) as conn:
            conn.execute("DROP TABLE IF EXISTS " + ", ".join(TABLES))


class LoadGenerator(threading.Thread):
    """Inserts, updates and deletes rows at a steady rate until stopped."""

    def __init__(self, env: dict[str, str], rate: float) -> None:
        super().__init__(name="demo-load", daemon=True)
        self.env = env
        self.rate = rate
        self.stop_event = threading.Event()
        self.counts = {"insert": 0, "update": 0, "delete": 0}

    def run(self) -> None:
        import psycopg

        rng = random.Random(7)
        with psycopg.connect(admin_dsn(self.env, DATABASE), autocommit=True) as conn:
            while not self.stop_event.wait(1 / self.rate):
                roll = rng.random()
                if roll < 0.6:
                    conn.execute(
                        "INSERT INTO orders (customer_id, product_id, quantity) VALUES (%s, %s, %s)",
                        (rng.randint(1, 20), rng.randint(1, 10), rng.randint(1, 5)),
                    )
                    self.counts["insert"] += 1
                elif roll < 0.8:
                    conn.execute(
                        "UPDATE orders SET status = 'shipped' WHERE id = (SELECT min(id) FROM orders "
                        "WHERE status = 'new')"
                    )
                    conn.execute(
                        "UPDATE products SET price = price + 0.01 WHERE id = %s", (rng.randint(1, 10),)
                    )
                    self.counts["update"] += 2
                elif roll < 0.9:
                    conn.execute(
                        "UPDATE customers SET email = 'new' || id || '@example.com' WHERE id = %s",
                        (rng.randint(1, 20),),
                    )
                    self.counts["update"] += 1
                else:
                    conn.execute(
                        "DELETE FROM orders WHERE id = (SELECT min(id) FROM orders WHERE status = 'shipped')"
                    )
                    self.counts["delete"] += 1


def marker_change(env: dict[str, str]) -> int:
    """A no-op update made after the generator stopped; its transaction id marks the end of the stream."""
    import psycopg

    with psycopg.connect(admin_dsn(env, DATABASE)) as conn:
        txid = conn.execute("SELECT txid_current()").fetchone()
        conn.execute("UPDATE products SET price = price WHERE id = 1")
        conn.commit()
    assert txid is not None
    return int(txid[0])


def source_rows(env: dict[str, str]) -> dict[str, list[tuple[Any, ...]]]:
    import psycopg

    with psycopg.connect(admin_dsn(env, DATABASE)) as conn:
        return {
            t: [tuple(r) for r in conn.execute(f"SELECT {COLUMNS[t]} FROM {t} ORDER BY id").fetchall()]
            for t in TABLES
        }


def source_counts(env: dict[str, str]) -> dict[str, int]:
    return {t: len(r) for t, r in source_rows(env).items()}


def drop_slot(env: dict[str, str], slot: str) -> None:
    """Drop the source's replication slot once its connector is gone (it would hold WAL forever)."""
    try:
        import psycopg

        with psycopg.connect(admin_dsn(env, DATABASE), autocommit=True) as conn:
            conn.execute(
                "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots "
                "WHERE slot_name = %s AND NOT active",
                (slot,),
            )
    except Exception:
        pass
