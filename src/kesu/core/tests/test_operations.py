"""Operator-facing guarantees: production settings pass the deploy check, backups round-trip."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

KESU = [sys.executable, "-m", "kesu"]


def run_kesu(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*KESU, *args], env=env, capture_output=True, text=True, timeout=300)


def clean_env(**extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE")
    }
    env.update(extra)
    return env


def test_the_deploy_check_is_clean_with_production_settings(tmp_path: Path) -> None:
    env = clean_env(
        DEBUG="0",
        KESU_PRODUCTION="1",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="kesu.example.gov.cn",
        KESU_DATA_DIR=str(tmp_path),
    )
    result = run_kesu(["check", "--deploy", "--fail-level", "WARNING"], env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key(tmp_path: Path) -> None:
    env = clean_env(
        DEBUG="0", KESU_PRODUCTION="1", ALLOWED_HOSTS="kesu.example.gov.cn", KESU_DATA_DIR=str(tmp_path)
    )
    env.pop("SECRET_KEY", None)
    result = run_kesu(["check"], env)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_a_backup_restores_the_database_as_it_was(tmp_path: Path) -> None:
    env = clean_env(DEBUG="1", KESU_DATA_DIR=str(tmp_path))
    count_units = "from kesu.regions.models import Unit; print('UNITS', Unit.objects.count())"
    add_unit = (
        "from kesu.regions.models import Region; from kesu.regions.actions import create_unit;"
        "r = Region.objects.create(code='410400000000', name='平顶山市', level=2, path='410400000000/');"
        "create_unit(None, r, '市科协')"
    )
    assert run_kesu(["migrate", "-v0"], env).returncode == 0
    assert run_kesu(["shell", "-c", add_unit], env).returncode == 0
    backup = tmp_path / "backup.sqlite3"
    assert run_kesu(["backup_db", str(backup)], env).returncode == 0
    later = "from kesu.regions.models import Unit; Unit.objects.all().delete()"
    assert run_kesu(["shell", "-c", later], env).returncode == 0
    assert "UNITS 0" in run_kesu(["shell", "-c", count_units], env).stdout
    restored = run_kesu(["restore_db", "--yes", str(backup)], env)
    assert restored.returncode == 0, restored.stderr
    assert "UNITS 1" in run_kesu(["shell", "-c", count_units], env).stdout


def test_restoring_from_a_file_that_is_not_a_backup_says_so_and_changes_nothing(tmp_path: Path) -> None:
    env = clean_env(DEBUG="1", KESU_DATA_DIR=str(tmp_path))
    assert run_kesu(["migrate", "-v0"], env).returncode == 0
    bogus = tmp_path / "notes.txt"
    bogus.write_text("这不是数据库", encoding="utf-8")
    result = run_kesu(["restore_db", "--yes", str(bogus)], env)
    assert result.returncode != 0
    assert "不是" in result.stderr
    assert run_kesu(["migrate", "--check", "-v0"], env).returncode == 0


@pytest.mark.parametrize("value", ["maybe", "2"])
def test_a_misspelt_boolean_setting_stops_start_up_with_its_name(value: str, tmp_path: Path) -> None:
    result = run_kesu(["check"], clean_env(DEBUG=value, KESU_DATA_DIR=str(tmp_path)))
    assert result.returncode != 0
    assert "DEBUG" in result.stderr
