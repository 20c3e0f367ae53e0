"""The in-process moto S3 fixture of the unit tests."""

from __future__ import annotations

from s3_fixtures import s3

__all__ = ["s3"]
