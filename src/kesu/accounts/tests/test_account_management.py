"""An office runs its accounts without an IT person: passwords, edits, disabling, hand-over, bulk liaisons."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from openpyxl import Workbook, load_workbook

from kesu.accounts import actions
from kesu.accounts.models import ApiToken, Membership, Role, User
from kesu.core.models import AuditEvent
from kesu.regions import actions as region_actions
from kesu.regions.models import Region
from kesu.reporting.testing import open_test_cycle
from kesu.testing import PASSWORD, World

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "my-own-secret-2026"


def signed_in(username: str, password: str = PASSWORD) -> Client:
    client = Client()
    response = client.post("/accounts/login/", {"username": username, "password": password})
    assert response.status_code == 302, response.content.decode()[:400]
    return client


def one_time_password_on(page: str) -> str:
    start = page.index('id="one-time-password">') + len('id="one-time-password">')
    return page[start : page.index("<", start)].strip()


def test_a_user_changes_their_own_password_with_the_current_one(world: World) -> None:
    client = signed_in("edu-liaison")
    wrong = client.post(
        "/accounts/password/",
        {"old_password": "not-it", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert "旧密码不正确" in wrong.content.decode() or "原密码" in wrong.content.decode()
    response = client.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert client.get("/").status_code == 200  # still signed in here
    signed_in("edu-liaison", NEW_PASSWORD)


def test_a_reset_gives_a_one_time_password_that_opens_only_the_password_page(world: World) -> None:
    liaison_session = signed_in("edu-liaison")
    office = signed_in("pds-office")
    page = office.post(f"/accounts/users/{world.edu_liaison.pk}/password/").content.decode()
    one_time = one_time_password_on(page)
    assert len(one_time) == 12
    # The liaison's open session ended with the reset.
    assert liaison_session.get("/").status_code == 302

    client = signed_in("edu-liaison", one_time)
    for path in ("/", "/reporting/todo/", "/accounts/profile/"):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"] == "/accounts/password/", path
    form = client.get("/accounts/password/").content.decode()
    assert "一次性密码" in form and "old_password" not in form
    client.post("/accounts/password/", {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert client.get("/").status_code == 200
    world.edu_liaison.refresh_from_db()
    assert not world.edu_liaison.must_change_password
    verbs = set(AuditEvent.objects.for_target(world.edu_liaison).values_list("verb", flat=True))
    assert {"user.password_reset", "user.password_change"} <= verbs


def test_the_office_edits_name_mobile_email_and_moves_a_liaison_to_another_unit(world: World) -> None:
    office = signed_in("pds-office")
    url = f"/accounts/users/{world.edu_liaison.pk}/"
    bad = office.post(
        url,
        {"display_name": "王老师", "mobile": "12345", "email": "", "role": "liaison", "unit": world.kexie.pk},
    )
    assert "请填写 11 位手机号码" in bad.content.decode()
    office.post(
        url,
        {
            "display_name": "王老师",
            "mobile": "138 1234 5678",
            "email": "wang@example.cn",
            "role": "liaison",
            "unit": world.kexie.pk,
        },
    )
    user = User.objects.get(pk=world.edu_liaison.pk)
    assert (user.display_name, user.mobile, user.email) == ("王老师", "13812345678", "wang@example.cn")
    assert list(user.memberships.values_list("unit", flat=True)) == [world.kexie.pk]
    listing = office.get("/accounts/users/").content.decode()
    assert "138****5678" in listing and "13812345678" not in listing


def test_a_disabled_account_is_signed_out_everywhere_and_keeps_its_history(world: World) -> None:
    liaison = signed_in("edu-liaison")
    actions.issue_token(world.edu_liaison, "报表工具")
    office = signed_in("pds-office")
    office.post(f"/accounts/users/{world.edu_liaison.pk}/disable/", {"reason": "调离本单位"})

    assert liaison.get("/").status_code == 302
    assert not ApiToken.objects.filter(user=world.edu_liaison).usable().exists()
    assert (
        Client().post("/accounts/login/", {"username": "edu-liaison", "password": PASSWORD}).status_code
        == 200
    )
    assert Membership.objects.filter(user=world.edu_liaison).exists()  # the role stays for re-enabling
    page = office.get(f"/accounts/users/{world.edu_liaison.pk}/").content.decode()
    assert "已停用" in page and "调离本单位" in page

    office.post(f"/accounts/users/{world.edu_liaison.pk}/enable/")
    signed_in("edu-liaison")


def test_the_liaison_role_passes_to_a_new_colleague_in_one_step(world: World) -> None:
    office = signed_in("pds-office")
    old_session = signed_in("edu-liaison")
    page = office.post(
        f"/accounts/users/{world.edu_liaison.pk}/handover/{world.edu_bureau.pk}/",
        {"display_name": "李接任", "mobile": "13900001111"},
    ).content.decode()
    successor = User.objects.get(username="13900001111")
    assert successor.memberships.get().unit == world.edu_bureau
    assert not world.edu_liaison.memberships.exists()
    assert old_session.get("/").status_code == 302  # the predecessor's session ended with the role
    handover = AuditEvent.objects.for_target(world.edu_bureau).get(verb="unit.liaison_handover")
    assert handover.before == {"liaison": "edu-liaison"} and handover.after == {"liaison": "13900001111"}
    client = signed_in("13900001111", one_time_password_on(page))
    assert client.get("/")["Location"] == "/accounts/password/"


def test_hand_over_to_an_existing_account(world: World) -> None:
    office = signed_in("pds-office")
    office.post(
        f"/accounts/users/{world.edu_liaison.pk}/handover/{world.edu_bureau.pk}/",
        {"successor": world.kexie_liaison.pk},
    )
    units = set(world.kexie_liaison.memberships.values_list("unit", flat=True))
    assert units == {world.kexie.pk, world.edu_bureau.pk}


def sheet(*rows: tuple[str, ...], headers: tuple[str, ...] = ("单位", "姓名", "手机号")) -> io.BytesIO:
    book = Workbook()
    ws = book.active
    ws.append(headers)
    for row in rows:
        ws.append(row)
    data = io.BytesIO()
    book.save(data)
    data.seek(0)
    data.name = "联络员.xlsx"
    return data


def test_liaisons_are_created_in_bulk_with_a_sheet_of_one_time_passwords(world: World) -> None:
    office = signed_in("pds-office")
    upload = sheet(("市教体局", "赵一", "13700000001"), ("市科协", "钱二", "137-0000-0002"))
    page = office.post("/accounts/users/import/", {"file": upload}).content.decode()
    assert "已创建 2 个联络员账号" in page
    zhao = User.objects.get(username="13700000001")
    assert zhao.must_change_password and zhao.memberships.get().unit == world.edu_bureau  # by its alias
    download = office.get("/accounts/users/import/passwords.xlsx")
    rows = list(load_workbook(io.BytesIO(download.content)).active.iter_rows(values_only=True))
    assert rows[0] == ("单位", "姓名", "用户名", "一次性密码")
    password = next(r[3] for r in rows if r[2] == "13700000001")
    signed_in("13700000001", password)


def test_a_bulk_import_with_a_bad_row_creates_nobody_and_names_each_problem(world: World) -> None:
    office = signed_in("pds-office")
    upload = sheet(
        ("市教育体育局", "赵一", "13700000001"), ("不存在局", "", "1234"), ("市科协", "孙三", "13700000001")
    )
    page = office.post("/accounts/users/import/", {"file": upload}).content.decode()
    assert "没有写入任何数据" in page
    assert "第 3 行" in page and "没有名为“不存在局”的单位" in page and "“姓名”为空" in page
    assert "不是 11 位大陆手机号码" in page
    assert "第 4 行" in page and "与第 2 行重复" in page
    assert not User.objects.filter(username="13700000001").exists()


def test_the_region_picker_searches_the_offices_subtree_only(world: World) -> None:
    office = signed_in("pds-office")
    form = office.get("/accounts/users/new/").content.decode()
    assert 'hx-get="/accounts/users/regions/"' in form
    found = office.get("/accounts/users/regions/", {"region_q": "宝丰"}).content.decode()
    assert "410421000000" in found and "宝丰县（平顶山市）" in found
    assert "370124" not in office.get("/accounts/users/regions/", {"region_q": "平阴"}).content.decode()
    office.post(
        "/accounts/users/new/",
        {"username": "bf-new", "display_name": "宝丰素质办", "role": "office", "region": "410421000000"},
    )
    assert User.objects.get(username="bf-new").memberships.get().region == Region.objects.get(
        code="410421000000"
    )


def test_an_office_cannot_lock_itself_out_and_a_liaison_manages_nobody(world: World) -> None:
    office = signed_in("pds-office")
    response = office.post(f"/accounts/users/{world.pds_office.pk}/disable/")
    assert response.status_code == 403 and "无权限" in response.content.decode()
    assert User.objects.get(pk=world.pds_office.pk).is_active
    liaison = signed_in("edu-liaison")
    assert liaison.get("/accounts/users/").status_code == 403
    assert liaison.post(f"/accounts/users/{world.kexie_liaison.pk}/password/").status_code == 403


def test_an_office_below_cannot_touch_the_citys_accounts(world: World) -> None:
    county = world.xinzheng
    actions.create_user(None, "xz-two", PASSWORD, role=Role.OFFICE, region=county)
    client = signed_in("xz-two")
    assert client.post(f"/accounts/users/{world.edu_liaison.pk}/disable/").status_code == 404
    assert User.objects.get(pk=world.edu_liaison.pk).is_active


def test_units_without_a_liaison_are_listed_on_the_home_page_and_the_board(world: World) -> None:
    new_unit = region_actions.create_unit(None, world.pingdingshan, "市新设局")
    cycle = open_test_cycle(new_unit, partner=world.edu_bureau)
    office = signed_in("pds-office")
    home = office.get("/").content.decode()
    assert "无联络员" in home and "市新设局" in home
    board = office.get(f"/reporting/cycles/{cycle.pk}/").content.decode()
    notice = board[board.index("<strong>无联络员</strong>") :][:600]
    assert "市新设局" in notice and "市教育体育局" not in notice  # the bureau has its liaison
    actions.disable_user(world.pds_office, world.edu_liaison)  # a disabled liaison reports for nobody
    board = office.get(f"/reporting/cycles/{cycle.pk}/").content.decode()
    assert "市教育体育局" in board[board.index("<strong>无联络员</strong>") :][:600]


def test_the_office_sorts_the_users_list_by_a_column_and_the_search_stays_in_the_links(
    world: World,
) -> None:
    office = Client()
    office.force_login(world.pds_office)
    ascending = [u.username for u in office.get("/accounts/users/?sort=username").context["page"]]
    descending = [u.username for u in office.get("/accounts/users/?sort=-username").context["page"]]
    assert len(ascending) > 2 and ascending == sorted(ascending) and descending == ascending[::-1]
    page = office.get("/accounts/users/?q=liaison&sort=username").content.decode()
    assert "sort=-username" in page and "q=liaison" in page  # the header reverses, keeping the search
    assert 'name="sort" value="username"' in page  # the search form keeps the order
    sheet = office.get("/accounts/users/?q=liaison&sort=-username&format=xlsx")
    names = [row[0] for row in load_workbook(io.BytesIO(sheet.content)).active.iter_rows(values_only=True)]
    found = [n for n in names if n and "liaison" in str(n)]
    assert found and found == sorted(found, reverse=True)
