"""SQL is written in gateway/state/ only: every other module asks the state a query with a name.
A module outside it that holds SQL text, reaches for a state's database (`.db`), opens SQLite
itself or appends to the audit trail past the state (`audit.append`) fails here."""

from __future__ import annotations

import ast
import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "gateway"

# The start of a statement, in the shape SQL has: a word alone ("replace", "create it, or ...")
# is English, not SQL.
SQL = re.compile(
    r"""\s*(
        SELECT\s.*\bFROM\b | SELECT\s+\d
        | INSERT\s+(OR\s+\w+\s+)?INTO\b | REPLACE\s+INTO\b | UPDATE\s+\w+\s+SET\b | DELETE\s+FROM\b
        | (CREATE|DROP)\s+(UNIQUE\s+|TEMP\w*\s+)?(TABLE|INDEX|TRIGGER|VIEW)\b | ALTER\s+TABLE\b
        | BEGIN(\s+(DEFERRED|IMMEDIATE|EXCLUSIVE))?(\s+TRANSACTION)?\s*;?\s*$ | (COMMIT|ROLLBACK)\s*;?\s*$
        | PRAGMA\s+\w+ | WITH\s+(RECURSIVE\s+)?\w+\s+AS\s*\(
    )""",
    re.IGNORECASE | re.VERBOSE | re.DOTALL,
)
SQLITE_MODULES = {"sqlite3", "sqlite_utils"}


def violations(source: str) -> list[str]:
    """What in `source` belongs in gateway/state/, as "line N: what"."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and SQL.match(node.value):
            found.append((node.lineno, f"SQL {node.value[:50]!r}"))
        elif isinstance(node, ast.Attribute) and node.attr == "db":
            found.append((node.lineno, f"the database itself ({ast.unparse(node)})"))
        elif isinstance(node, ast.Attribute) and node.attr == "append" and ast.unparse(node.value) == "audit":
            found.append((node.lineno, "audit.append past the state (state.audit writes a row)"))
        elif isinstance(node, ast.ImportFrom) and node.module == "gateway.state.audit":
            found.append((node.lineno, "an import from gateway.state.audit"))
        elif isinstance(node, ast.Import | ast.ImportFrom):
            modules = [alias.name for alias in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            found += [(node.lineno, f"import of {m}") for m in modules if m.split(".")[0] in SQLITE_MODULES]
    return [f"line {line}: {what}" for line, what in sorted(found)]


def modules_outside_the_state() -> dict[str, str]:
    """gateway/... path of every module outside gateway/state/, and its source."""
    return {path.relative_to(PACKAGE.parent).as_posix(): path.read_text("utf-8")
            for path in sorted(PACKAGE.rglob("*.py")) if path.parent.relative_to(PACKAGE).parts[:1] != ("state",)}


def test_no_sql_outside_the_state():
    found = {name: problems for name, source in modules_outside_the_state().items()
             if (problems := violations(source))}
    assert not found, "SQL belongs in gateway/state/ (give the state a query with a name):\n" + "\n".join(
        f"{name} {problem}" for name, problems in found.items() for problem in problems)


def test_the_check_catches_each_kind_of_violation():
    assert violations('rows = state.db.query("SELECT * FROM clocks WHERE key = ?", [key])\n') == [
        "line 1: SQL 'SELECT * FROM clocks WHERE key = ?'", "line 1: the database itself (state.db)"]
    assert violations('def f(column):\n    return f"select kind from audit where {column} = ?"\n') == [
        "line 2: SQL 'select kind from audit where '"]
    for statement in ("INSERT INTO outbox VALUES (?)", "update clocks set status = 'open'", "DELETE FROM relayed",
                      "CREATE INDEX IF NOT EXISTS i ON t (c)", "BEGIN IMMEDIATE", "PRAGMA busy_timeout=10000"):
        assert violations(f"run({statement!r})\n"), statement
    assert violations('audit.append(db, "quarantined", {})\n') == [
        "line 1: audit.append past the state (state.audit writes a row)"]
    assert violations("from gateway.state.audit import append\nimport sqlite3\n") == [
        "line 1: an import from gateway.state.audit", "line 2: import of sqlite3"]


def test_english_is_not_sql():
    assert violations('"""Select what to update."""\nlog.info("create it, or set [gateway] state_dir")\n'
                      'text.encode("ascii", "replace")\nfolder / "state.db"\n') == []
