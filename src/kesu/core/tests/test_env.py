from __future__ import annotations

from pathlib import Path

import pytest

from kesu.env import EnvError, env_bool, env_int, env_list, parse_database_url


def test_a_postgres_url_becomes_a_database_entry() -> None:
    db = parse_database_url("postgresql://kesu:s%40cret@127.0.0.1:5432/test?sslmode=disable", Path("/srv"))
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["NAME"], db["USER"], db["PASSWORD"], db["HOST"], db["PORT"]) == (
        "test",
        "kesu",
        "s@cret",
        "127.0.0.1",
        "5432",
    )
    assert db["OPTIONS"] == {"sslmode": "disable", "server_side_binding": True, "prepare_threshold": 5}


def test_a_prepare_threshold_that_is_not_a_number_is_refused_in_chinese() -> None:
    with pytest.raises(EnvError, match="不是整数"):
        parse_database_url("postgresql://kesu@db/kesu?prepare_threshold=five", Path("."))


def test_prepared_statements_can_be_turned_off_for_a_pooler_in_the_url() -> None:
    db = parse_database_url(
        "postgresql://kesu@db/kesu?prepare_threshold=none&server_side_binding=false", Path(".")
    )
    assert db["OPTIONS"] == {"server_side_binding": False, "prepare_threshold": None}


def test_a_sqlite_url_is_tuned_for_a_web_process_and_a_worker() -> None:
    db = parse_database_url("sqlite:///var/kesu.sqlite3", Path("/srv/kesu"))
    assert db["NAME"] == Path("/srv/kesu/var/kesu.sqlite3")
    assert "journal_mode=WAL" in db["OPTIONS"]["init_command"]
    assert "busy_timeout" in db["OPTIONS"]["init_command"]
    assert db["OPTIONS"]["transaction_mode"] == "IMMEDIATE"


def test_an_unknown_database_scheme_is_refused() -> None:
    with pytest.raises(EnvError, match="mysql"):
        parse_database_url("mysql://x/y", Path("."))


def test_helpers_read_values_and_refuse_nonsense() -> None:
    env = {"A": "yes", "B": "12", "C": "a.gov.cn, b.gov.cn", "D": "bogus"}
    assert env_bool("A", False, env) is True
    assert env_int("B", 0, env) == 12
    assert env_list("C", [], env) == ["a.gov.cn", "b.gov.cn"]
    with pytest.raises(EnvError, match="D"):
        env_bool("D", False, env)
    with pytest.raises(EnvError, match="D"):
        env_int("D", 0, env)


def test_a_mistyped_sms_provider_or_quiet_hours_stops_the_start_in_chinese() -> None:
    from kesu.env import EnvError, env_choice, env_hours

    assert env_choice("KESU_SMS_PROVIDER", "log", ("log", "tencent"), environ={}) == "log"
    with pytest.raises(EnvError, match="应为 log / tencent"):
        env_choice("KESU_SMS_PROVIDER", "log", ("log", "tencent"), environ={"KESU_SMS_PROVIDER": "aliyun"})
    assert env_hours("Q", "22:00-07:00", environ={}) == "22:00-07:00"
    assert env_hours("Q", "22:00-07:00", environ={"Q": ""}) == ""
    with pytest.raises(EnvError, match="22:00-07:00"):
        env_hours("Q", "", environ={"Q": "10pm-7am"})
