"""connectrt-s3's compiled hot path (the ``_native`` extension module, Rust built by maturin).

A separate, optional distribution: connectrt-s3 runs its Python path when this is not installed
(``connectrt_s3.native.available()`` says why).
"""
