"""connectrt-postgres's compiled hot path (the ``_native`` extension module, Rust built by maturin).

A separate, optional distribution: connectrt-postgres runs its Python path when this is not installed
(``connectrt_postgres.native.available()`` says why).
"""
