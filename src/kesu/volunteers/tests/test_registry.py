"""The volunteers and teams registers over HTTP, on the shared registry checks."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from kesu.core.testing_registry import ImportChecks, RegistryChecks
from kesu.volunteers import actions
from kesu.volunteers.models import Team, Volunteer
from kesu.volunteers.testing import id_number, wrong_check_digit


class TestVolunteerRegistry(RegistryChecks, ImportChecks):
    list_url, create_url, edit_url = (
        "/volunteers/people/",
        "/volunteers/people/new/",
        "/volunteers/people/{pk}/edit/",
    )
    manager, outsider = "pds_office", "xz_office"
    export_headers = (
        "姓名",
        "身份证号",
        "性别",
        "手机",
        "所在区划",
        "工作单位",
        "服务技能",
        "注册平台",
        "注册日期",
        "在册",
    )
    create_data = {
        "name": "欧阳明月",
        "id_number": id_number(7),
        "sex": "F",
        "phone": "13912345678",
        "in_register": "on",
    }
    edit_data = {"name": "欧阳明日", "sex": "F", "phone": "13912345678", "in_register": "on"}
    verbs = ("volunteer.create", "volunteer.update")
    import_url, import_verb = "/volunteers/people/import/", "volunteer.import"

    def sample(self, world: Any) -> Volunteer:
        return actions.create_volunteer(
            None, world.pingdingshan, id_number=id_number(3), name="欧阳明日", phone="13812345678"
        )

    def created(self) -> QuerySet[Volunteer]:
        return Volunteer.objects.filter(name="欧阳明月")

    def good_file(self, world: Any) -> tuple[str, bytes]:
        return (
            "名单.csv",
            f"姓名,证件号码,性别,手机号码,区划代码\n李时珍,{id_number(11)},男,13700000001,410400\n".encode(
                "gbk"
            ),
        )

    def bad_file(self, world: Any) -> tuple[str, bytes, str]:
        return (
            "名单.csv",
            f"姓名,身份证号\n李时珍,{wrong_check_digit(id_number(11))}\n".encode(),
            "第 2 行：身份证号：身份证号校验位不对",
        )

    def imported(self) -> QuerySet[Volunteer]:
        return Volunteer.objects.all()


class TestTeamRegistry(RegistryChecks, ImportChecks):
    list_url, create_url, edit_url = (
        "/volunteers/teams/",
        "/volunteers/teams/new/",
        "/volunteers/teams/{pk}/edit/",
    )
    manager, outsider = "pds_office", "xz_office"
    export_headers = (
        "队伍名称",
        "层级",
        "上级队伍",
        "属地区划",
        "依托单位",
        "队长/副队长",
        "成立日期",
        "平台注册号",
        "在册",
    )
    create_data = {"name": "市科技志愿服务支队", "level": "detachment", "in_register": "on"}
    edit_data = {"name": "市科技志愿服务总队", "level": "corps", "in_register": "on"}
    verbs = ("volunteer_team.create", "volunteer_team.update")
    import_url, import_verb = "/volunteers/import/teams/", "volunteer_team.import"

    def sample(self, world: Any) -> Team:
        return actions.create_team(None, world.pingdingshan, name="市科协科普服务队", level="squad")

    def created(self) -> QuerySet[Team]:
        return Team.objects.filter(name="市科技志愿服务支队")

    def good_file(self, world: Any) -> tuple[str, bytes]:
        return (
            "队伍.csv",
            "队伍名称,层级,上级队伍,区划代码\n市医学会支队,支队,,410400\n市医学会分队,分队,市医学会支队,410400\n".encode(),
        )

    def bad_file(self, world: Any) -> tuple[str, bytes, str]:
        return (
            "队伍.csv",
            "队伍名称,层级,上级队伍\n市医学会分队,小队,\n".encode(),
            "第 2 行：层级：“小队”应为 总队、支队、大队 或 分队",
        )

    def imported(self) -> QuerySet[Team]:
        return Team.objects.all()
