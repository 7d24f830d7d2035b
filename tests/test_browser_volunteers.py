"""A real browser walks a volunteer import with its change summary; screenshots go to /tmp/shots/p2/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from kesu.testing import PASSWORD, build_world
from tests.browser import browser_page, log_in  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path("/tmp/shots/p2")


def _file(tmp_path: Path, name: str, rows: list[str]) -> str:
    path = tmp_path / name
    path.write_text(
        "\n".join(["志愿者姓名,证件号码,性别,联系电话,所属组织,区划代码", *rows]) + "\n", encoding="utf-8-sig"
    )
    return str(path)


def test_an_office_imports_a_platform_export_twice_and_reads_what_changed(
    live_server: Any,
    browser_page: Any,  # noqa: F811
    tmp_path: Path,
) -> None:
    from kesu.volunteers import actions
    from kesu.volunteers.testing import id_number

    world = build_world()
    actions.create_team(None, world.pingdingshan, name="平顶山市科技志愿服务支队", level="detachment")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = browser_page
    log_in(page, live_server.url, "pds-office", PASSWORD)
    page.goto(f"{live_server.url}/volunteers/")
    page.screenshot(path=SHOTS / "overview-empty.png", full_page=True)
    page.click("text=导入平台名单")
    assert "导入科技志愿者" in page.locator("h1").inner_text()
    a, b, c = id_number(1), id_number(2), id_number(3)
    first = _file(
        tmp_path,
        "第一次.csv",
        [f"张三,{a},男,13700000001,平顶山市科技志愿服务支队,410400", f"李四,{b},女,13700000002,,410402"],
    )
    page.set_input_files("#id_file", first)
    page.click('main button:has-text("检查并导入")')
    page.wait_for_load_state("networkidle")
    assert "导入结果" in page.locator("h1").inner_text() and "首次导入" in page.content()
    page.screenshot(path=SHOTS / "import-first.png", full_page=True)

    page.goto(f"{live_server.url}/volunteers/people/import/")
    bad = _file(
        tmp_path,
        "有错.csv",
        [f"王五,{c[:-1]}{'0' if c[-1] != '0' else '1'},男,13700000003,不存在的队,410400"],
    )
    page.set_input_files("#id_file", bad)
    page.click('main button:has-text("检查并导入")')
    page.wait_for_load_state("networkidle")
    alert = page.locator(".alert-danger").inner_text()
    assert "没有导入任何数据" in alert and "身份证号校验位不对" in alert and "不存在的队" in alert
    page.screenshot(path=SHOTS / "import-errors.png", full_page=True)

    second = _file(
        tmp_path,
        "第二次.csv",
        [f"张三,{a},男,13700000009,平顶山市科技志愿服务支队,410400", f"王五,{c},男,13700000003,,410421"],
    )
    page.set_input_files("#id_file", second)
    page.click('main button:has-text("检查并导入")')
    page.wait_for_load_state("networkidle")
    summary = page.locator("#change-summary").inner_text()
    assert (
        "新增\n1" in summary
        and "信息有变化\n1" in summary
        and "本次未出现（仍在册，请核实是否退出）\n1" in summary
    )
    assert "张*（身份证号末4位" in page.content() and "：手机" in page.content() and a not in page.content()
    page.screenshot(path=SHOTS / "import-second-summary.png", full_page=True)

    page.goto(f"{live_server.url}/volunteers/people/")
    assert a not in page.content() and "137****0009" in page.content()
    page.screenshot(path=SHOTS / "volunteer-list.png", full_page=True)
    page.click("text=张三")
    page.click("text=查看完整号码")
    page.locator("#kesu-confirm").wait_for(state="visible")
    page.screenshot(path=SHOTS / "volunteer-reveal-confirm.png", full_page=True)
    page.click("#kesu-confirm [data-kesu-confirmed]")
    page.wait_for_load_state("networkidle")
    assert a in page.locator("#id-number").inner_text()
    page.screenshot(path=SHOTS / "volunteer-revealed.png", full_page=True)
    page.goto(f"{live_server.url}/volunteers/")
    page.screenshot(path=SHOTS / "overview.png", full_page=True)
    assert page.console_errors == []
