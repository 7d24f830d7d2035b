"""Strict readers for settings taken from environment variables.

A typo in a deployment's environment should stop the process at start-up with a message that
names the variable, not surface later as a confusing default.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class EnvError(ValueError):
    """An environment variable is present but cannot be understood."""


def env_str(name: str, default: str | None = None, environ: Mapping[str, str] = os.environ) -> str:
    value = environ.get(name, default)
    if value is None:
        raise EnvError(f"环境变量 {name} 未设置 (required)")
    return value


def env_bool(name: str, default: bool, environ: Mapping[str, str] = os.environ) -> bool:
    raw = environ.get(name)
    if raw is None:
        return default
    lowered = raw.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise EnvError(f"环境变量 {name}={raw!r} 不是布尔值 (use 1/0, true/false)")


def env_int(name: str, default: int, environ: Mapping[str, str] = os.environ) -> int:
    raw = environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise EnvError(f"环境变量 {name}={raw!r} 不是整数") from exc


def env_list(name: str, default: list[str], environ: Mapping[str, str] = os.environ) -> list[str]:
    raw = environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_choice(
    name: str, default: str, choices: tuple[str, ...], environ: Mapping[str, str] = os.environ
) -> str:
    value = environ.get(name, default).strip()
    if value not in choices:
        raise EnvError(f"环境变量 {name}={value!r} 无效，应为 {' / '.join(choices)} 之一")
    return value


_HOURS = re.compile(r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$")


def env_hours(name: str, default: str, environ: Mapping[str, str] = os.environ) -> str:
    """A daily window "22:00-07:00" (it may cross midnight), or "" for none."""
    value = environ.get(name, default).strip()
    if value and not _HOURS.match(value):
        raise EnvError(f"环境变量 {name}={value!r} 应为“时:分-时:分”，如 22:00-07:00，或留空表示不设")
    return value


IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def env_networks(name: str, environ: Mapping[str, str] = os.environ) -> list[IPNetwork]:
    """A comma-separated list of addresses or CIDR networks (``10.0.0.0/8, ::1``)."""
    networks: list[IPNetwork] = []
    for item in env_list(name, [], environ):
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError as exc:
            raise EnvError(f"环境变量 {name} 中的 {item!r} 不是 IP 地址或网段（如 10.0.0.0/8）") from exc
    return networks


_ENGINES = {
    "sqlite": "django.db.backends.sqlite3",
    "postgres": "django.db.backends.postgresql",
    "postgresql": "django.db.backends.postgresql",
}


def parse_database_url(url: str, base_dir: Path) -> dict[str, Any]:
    """Turn ``postgresql://user@host:5432/name`` or ``sqlite:///path`` into a DATABASES entry."""
    parsed = urlparse(url)
    engine = _ENGINES.get(parsed.scheme)
    if engine is None:
        raise EnvError(f"DATABASE_URL 的数据库类型 {parsed.scheme!r} 不受支持 (sqlite, postgresql)")
    if engine.endswith("sqlite3"):
        return sqlite_database(_sqlite_path(parsed.path, base_dir))
    options = {key: values[-1] for key, values in parse_qs(parsed.query).items()}
    return {
        "ENGINE": engine,
        "NAME": unquote(parsed.path.lstrip("/")),
        "USER": unquote(parsed.username or ""),
        "PASSWORD": unquote(parsed.password or ""),
        "HOST": parsed.hostname or "",
        "PORT": str(parsed.port or ""),
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
        "OPTIONS": postgres_options(options),
    }


def postgres_options(options: dict[str, str]) -> dict[str, Any]:
    """Server-side parameters and prepared statements: a statement a connection has run five times
    is planned once, not on every run (a third of PostgreSQL's CPU for a report's submit). Behind a
    pooler in transaction mode, add ``?prepare_threshold=none`` (or ``server_side_binding=false``)."""
    threshold = options.get("prepare_threshold", "5")
    return {
        **options,
        "server_side_binding": env_bool("server_side_binding", True, options),
        "prepare_threshold": None
        if threshold.strip().lower() == "none"
        else env_int("prepare_threshold", 5, options),
    }


def _sqlite_path(path: str, base_dir: Path) -> Path:
    # sqlite:///relative.db names a file under the project; sqlite:////abs/path.db an absolute one.
    if path.startswith("//"):
        return Path(path[1:])
    return base_dir / path.lstrip("/")


def sqlite_database(path: Path) -> dict[str, Any]:
    """SQLite set up so that a web process and a worker can write together.

    WAL lets readers proceed during a write; the busy timeout makes a second writer wait instead
    of failing; IMMEDIATE transactions take the write lock up front so that two transactions
    never deadlock upgrading a read lock. The file's folder is created so that a fresh
    ``KESU_DATA_DIR`` works without a manual mkdir.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": path,
        "OPTIONS": {
            "init_command": (
                "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;"
                "PRAGMA busy_timeout=10000;PRAGMA foreign_keys=ON;"
            ),
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        },
    }
