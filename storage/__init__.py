"""Remembers: the SQLite schema, its migrations, and one small module per table family.

Nothing here imports the rest of rongrian; callers pass plain values in and get plain
values (or small dataclasses) out.
"""
from storage.db import Database, DatabaseError

__all__ = ["Database", "DatabaseError"]
