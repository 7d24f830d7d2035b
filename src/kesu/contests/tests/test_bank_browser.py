"""A desktop browser sets up an own contest's bank and rules: import with a wrong key (refused), the demo
bank, a rule the bank cannot give (refused), the 南京 rule, the lock. Screenshots go to /tmp/shots/bank/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tests.browser import browser_page, log_in  # noqa: F401

from kesu.testing import PASSWORD, build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path("/tmp/shots/bank")


def test_an_office_stocks_the_bank_sets_the_rules_and_locks_it(
    live_server: Any,
    browser_page: Any,  # noqa: F811
    tmp_path: Path,
) -> None:
    from kesu.contests.demo_bank import load_demo_bank
    from kesu.contests.models import Contest
    from kesu.contests.tests.bank_support import bank_rows, own_contest, xlsx_file

    world = build_world()
    contest = own_contest(world)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = browser_page
    log_in(page, live_server.url, "pds-office", PASSWORD)

    rows = bank_rows(judge=2, single=2, multi=1)
    rows[2][7] = "AB"
    bad = tmp_path / "题库.xlsx"
    bad.write_bytes(xlsx_file(rows).read())
    page.goto(f"{live_server.url}/contests/{contest.pk}/bank/import/")
    page.set_input_files("input[type=file]", str(bad))
    page.click("main form[method=post] button[type=submit]")
    assert "单选题只能有一个答案" in page.inner_text(".alert-danger")
    page.screenshot(path=str(SHOTS / "1-import-refused.png"), full_page=True)

    load_demo_bank(contest)
    page.goto(f"{live_server.url}/contests/{contest.pk}/rules/")
    page.fill("#id_single", "50")
    page.click("main form[method=post] button[type=submit]")
    assert "单选题需要 50 道，题库只有 45 道" in page.inner_text(".alert-danger")
    page.fill("#id_single", "7")
    page.fill("#id_seconds_per_item", "30")
    page.fill("#id_seconds_per_attempt", "600")
    page.fill("#id_certificate_threshold", "80")
    page.check("#id_age_limit")
    page.screenshot(path=str(SHOTS / "2-rules.png"), full_page=True)
    page.click("main form[method=post] button[type=submit]")
    page.wait_for_url(f"**/contests/{contest.pk}/bank/")
    assert "题库可以按抽题规则组卷" in page.content()
    page.screenshot(path=str(SHOTS / "3-bank.png"))

    page.goto(f"{live_server.url}/contests/{contest.pk}/bank/?type=multi")
    assert "AQ11" in page.content() and "AQ01" not in page.content()  # the filter kept: 多选 only
    page.click("table a:has-text('修改') >> nth=0")
    page.wait_for_url("**/edit/")
    assert page.input_value("#id_answer") == "ABD"
    page.screenshot(path=str(SHOTS / "3b-item-edit.png"))
    page.goto(f"{live_server.url}/contests/{contest.pk}/bank/")
    page.click("text=锁定题库")
    page.wait_for_load_state("networkidle")
    assert "题库已锁定" in page.content()
    assert Contest.objects.get(pk=contest.pk).status == "bank_locked"
    page.goto(f"{live_server.url}/contests/{contest.pk}/")
    page.screenshot(path=str(SHOTS / "4-contest-page.png"), full_page=True)
    assert page.console_errors == []
