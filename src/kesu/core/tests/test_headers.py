"""Security headers, no inline script, the CSRF page, deployment checks, health and restore refusals."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from unittest import mock

import pytest
from django.core.checks import Error
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.db import OperationalError, connection, connections
from django.db.migrations.loader import MigrationLoader
from django.test import Client

from kesu.core.backup import BackupError, restore_sqlite
from kesu.core.checks import DEVELOPMENT_SECRET_KEY, secret_key_is_not_the_published_one
from kesu.testing import World

SRC = Path(__file__).resolve().parents[2]


def csp_directives(response) -> dict[str, str]:
    policy = response.headers["Content-Security-Policy"]
    return {part.split()[0]: part for part in (p.strip() for p in policy.split(";"))}


@pytest.mark.django_db
def test_every_page_allows_only_our_own_scripts_and_no_device_features(world: World, client_for) -> None:
    for client, url in ((Client(), "/accounts/login/"), (client_for(world.pds_office), "/")):
        response = client.get(url)
        directives = csp_directives(response)
        script_src = directives["script-src"]
        assert (
            "'self'" in script_src
            and "'unsafe-inline'" not in script_src
            and "'unsafe-eval'" not in script_src
        )
        assert directives["frame-ancestors"] == "frame-ancestors 'none'"
        assert directives["object-src"] == "object-src 'none'"
        assert "camera=()" in response.headers["Permissions-Policy"]
        assert "geolocation=()" in response.headers["Permissions-Policy"]
    first, second = (csp_directives(Client().get("/accounts/login/"))["script-src"] for _ in range(2))
    assert first != second  # a fresh nonce each time


def test_no_template_has_an_inline_script_without_the_nonce_or_an_event_handler_attribute() -> None:
    offenders = []
    for template in SRC.rglob("templates/**/*.html"):
        text = template.read_text(encoding="utf-8")
        for tag in re.findall(r"<script\b[^>]*>", text):
            if "src=" not in tag and "nonce=" not in tag and "application/json" not in tag:
                offenders.append(f"{template.relative_to(SRC)}: {tag}")
        for attribute in re.findall(r"\s(on[a-z]+)\s*=\s*[\"']", text):
            offenders.append(f"{template.relative_to(SRC)}: {attribute}=")
        if "javascript:" in text:
            offenders.append(f"{template.relative_to(SRC)}: javascript: URL")
    assert offenders == []


@pytest.mark.django_db
def test_a_refused_form_explains_itself_in_chinese_without_debug_advice(world: World) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"username": "pds-office", "password": "x"})
    page = response.content.decode()
    assert response.status_code == 403
    assert "页面已过期" in page and "Cookie" in page
    assert (
        "CSRF verification failed" not in page and "DEBUG = True" not in page and "settings file" not in page
    )


def test_the_published_development_key_fails_the_deployment_check(settings) -> None:
    from kesu import settings as kesu_settings

    assert DEVELOPMENT_SECRET_KEY == kesu_settings._DEV_SECRET
    settings.SECRET_KEY = DEVELOPMENT_SECRET_KEY
    with pytest.raises(SystemCheckError, match="kesu.E001"):
        call_command("check", "--deploy", "--tag", "security")
    [error] = secret_key_is_not_the_published_one()
    assert isinstance(error, Error) and "SECRET_KEY" in error.msg
    settings.SECRET_KEY = "a-long-random-production-key-" + "x" * 40
    assert secret_key_is_not_the_published_one() == []


@pytest.mark.django_db
def test_health_answers_503_with_json_when_the_database_is_down() -> None:
    assert Client().get("/healthz").json()["status"] == "ok"
    down = mock.patch.object(type(connections["default"]), "cursor", side_effect=OperationalError("down"))
    with down:
        response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "unavailable", "message": "数据库无法连接"}


def _backup_with(path: Path, migrations: set[tuple[str, str]]) -> Path:
    with sqlite3.connect(path) as db:
        db.execute(
            "CREATE TABLE django_migrations (id integer primary key, app text, name text, applied text)"
        )
        db.executemany(
            "INSERT INTO django_migrations (app, name, applied) VALUES (?, ?, '2026-01-01')", migrations
        )
    return path


@pytest.mark.django_db
def test_restore_refuses_a_backup_from_another_version(tmp_path: Path) -> None:
    code = set(MigrationLoader(connection, ignore_no_migrations=True).disk_migrations)
    newer = _backup_with(tmp_path / "newer.sqlite3", code | {("core", "9999_from_the_future")})
    with pytest.raises(BackupError, match="9999_from_the_future") as refused:
        restore_sqlite(newer)
    assert "拒绝恢复" in str(refused.value)
    older = _backup_with(tmp_path / "older.sqlite3", code - {("core", "0003_audit_origin_and_chain")})
    with pytest.raises(BackupError, match="缺少当前程序的迁移：core.0003_audit_origin_and_chain"):
        restore_sqlite(older)
