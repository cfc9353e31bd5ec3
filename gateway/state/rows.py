"""Rows written with one prepared statement each.

sqlite-utils' `insert` and `upsert` look the table up again for every row (two queries of
sqlite_master, a PRAGMA, a savepoint): a mail through the inbound relay cost 64 statements, of
which 12 did the work. The state's writes all know their table and columns, so they go here
instead. Values are stored as sqlite-utils stores them (JSON for dicts, lists and tuples,
isoformat for times), so a row reads the same whichever wrote it.

Every write here happens inside the caller's transaction (State.transaction): outside one, the
sqlite3 module would open one of its own and leave it open.
"""

from __future__ import annotations

import datetime
import functools
import json
from typing import Any, Iterable

import sqlite_utils


class NotInTransaction(RuntimeError):
    """A row written outside State.transaction(): a bug in the caller."""


def stored(value: Any) -> Any:
    """A value as sqlite-utils would store it."""
    if isinstance(value, (dict, list, tuple)):
        return json.dumps(value, default=repr, ensure_ascii=False)
    if isinstance(value, (datetime.date, datetime.time)):  # datetime is a date
        return value.isoformat()
    return value


def _name(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


@functools.cache
def _insert_sql(table: str, columns: tuple[str, ...], ignore: bool) -> str:
    return (f"INSERT {'OR IGNORE ' if ignore else ''}INTO {_name(table)} ({', '.join(map(_name, columns))}) "
            f"VALUES ({', '.join('?' * len(columns))})")


@functools.cache
def _upsert_sql(table: str, columns: tuple[str, ...], key: tuple[str, ...]) -> str:
    changed = [c for c in columns if c not in key]
    action = (f"DO UPDATE SET {', '.join(f'{_name(c)} = excluded.{_name(c)}' for c in changed)}" if changed
              else "DO NOTHING")
    return f"{_insert_sql(table, columns, False)} ON CONFLICT ({', '.join(map(_name, key))}) {action}"


def _write(db: sqlite_utils.Database, sql: str, rows: Iterable[dict[str, Any]], columns: tuple[str, ...]) -> None:
    if not db.conn.in_transaction:
        raise NotInTransaction(sql)
    db.conn.executemany(sql, ([stored(row[c]) for c in columns] for row in rows))


def insert(db: sqlite_utils.Database, table: str, row: dict[str, Any], *, ignore: bool = False) -> None:
    """One row; with `ignore`, a row whose key is taken is left as it is."""
    columns = tuple(row)
    _write(db, _insert_sql(table, columns, ignore), [row], columns)


def insert_all(db: sqlite_utils.Database, table: str, rows: list[dict[str, Any]], *, ignore: bool = False) -> None:
    """Rows with the same columns."""
    if rows:
        columns = tuple(rows[0])
        _write(db, _insert_sql(table, columns, ignore), rows, columns)


def upsert(db: sqlite_utils.Database, table: str, row: dict[str, Any], key: str | tuple[str, ...]) -> None:
    """Insert the row, or update the columns it names in the row with the same `key` (its
    primary key): the other columns keep their values."""
    columns = tuple(row)
    _write(db, _upsert_sql(table, columns, (key,) if isinstance(key, str) else tuple(key)), [row], columns)
