"""Online backup and restore of the embedded SQLite database.

SQLite's backup API copies a consistent snapshot even while the web process and the worker
write (WAL mode), which copying the file with cp does not guarantee. A restore refuses a file that is
not a whole Kesu database, or one whose migrations differ from the code's.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from django.db import connections
from django.db.migrations.loader import MigrationLoader


class BackupError(RuntimeError):
    pass


def _sqlite_path(alias: str = "default") -> Path:
    settings_dict = connections[alias].settings_dict
    if not settings_dict["ENGINE"].endswith("sqlite3"):
        raise BackupError(
            "此命令只用于内置 SQLite 数据库；PostgreSQL 请使用 pg_dump / pg_restore（见 README）"
        )
    return Path(settings_dict["NAME"])


def backup_sqlite(target: Path, alias: str = "default") -> Path:
    source_path = _sqlite_path(alias)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(target.suffix + ".partial")
    with sqlite3.connect(source_path) as source, sqlite3.connect(partial) as copy:
        source.backup(copy)
    _check_integrity(partial)
    partial.replace(target)  # a half-written backup never takes the name of a good one
    return target


def restore_sqlite(backup: Path, alias: str = "default") -> None:
    if not backup.exists():
        raise BackupError(f"找不到备份文件 {backup}")
    _check_integrity(backup)
    _check_migrations(backup, alias)
    connections[alias].close()
    with sqlite3.connect(backup) as source, sqlite3.connect(_sqlite_path(alias)) as live:
        source.backup(live)


def _check_integrity(path: Path) -> None:
    try:
        with sqlite3.connect(path) as db:
            result = db.execute("PRAGMA integrity_check").fetchone()
            has_migrations = db.execute(
                "SELECT count(*) FROM sqlite_master WHERE name = 'django_migrations'"
            ).fetchone()[0]
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{path} 不是有效的 SQLite 数据库：{error}") from error
    if result[0] != "ok" or not has_migrations:
        raise BackupError(f"{path} 不是完整的科素数据库备份")


def _check_migrations(path: Path, alias: str) -> None:
    """Refuse a backup made by another version of Kesu: its tables would not match the code's models
    (a newer backup has columns this code does not know; an older one lacks some it needs)."""
    with sqlite3.connect(path) as db:
        applied = {(app, name) for app, name in db.execute("SELECT app, name FROM django_migrations")}
    code = set(MigrationLoader(connections[alias], ignore_no_migrations=True).disk_migrations)
    newer, older = sorted(applied - code), sorted(code - applied)
    if not newer and not older:
        return
    problems = []
    if newer:
        problems.append("备份包含当前程序没有的迁移：" + _names(newer))
    if older:
        problems.append("备份缺少当前程序的迁移：" + _names(older))
    raise BackupError(
        f"{path} 与当前程序版本不一致，拒绝恢复。"
        + "；".join(problems)
        + "。请用生成该备份的同一版本科素恢复，或先升级/回退程序。"
    )


def _names(migrations: list[tuple[str, str]]) -> str:
    shown = "、".join(f"{app}.{name}" for app, name in migrations[:5])
    return shown + (f" 等 {len(migrations)} 个" if len(migrations) > 5 else "")
