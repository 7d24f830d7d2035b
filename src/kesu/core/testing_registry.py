"""Test mixins for the registry shape (``core.objectviews``): a model's pages checked from a few declared lines.

A registry app's test module declares what is particular to its model and inherits the checks::

    class TestUnitRegistry(RegistryChecks):
        list_url = "/regions/units/"
        create_url = "/regions/units/new/"
        edit_url = "/regions/units/{pk}/edit/"
        manager, outsider = "pds_office", "xz_office"
        export_headers = ("区划", "单位", "类别", "成员单位", "别名")
        create_data = {"name": "市气象局", "kind": "government"}
        edit_data = {"name": "市教育和体育局", "kind": "government"}
        verbs = ("unit.create", "unit.update")

        def sample(self, world): return world.edu_bureau
        def created(self): return Unit.objects.filter(name="市气象局")

Every check goes over HTTP with the ``world`` personas, as a user would: the manager sees the
object in the list, its page and its export, creates and edits it with one audit event each; the
outsider gets neither the object's name on the list nor its page nor its form (404, nothing
changed). ``ImportChecks`` adds a good and a bad file, and checks that a stored file leaves the
planner's statistics of its table fresh (``core.dbstats``). The mixins' names do not start with
"Test", so pytest collects only the declaring classes.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from typing import Any, ClassVar, TypeVar

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, models
from openpyxl import load_workbook

from kesu.core import dbstats
from kesu.core.models import AuditEvent

T = TypeVar("T")


class RegistryBase:
    list_url: ClassVar[str] = ""
    manager: ClassVar[str] = ""  # a World attribute: the persona who manages the sample
    outsider: ClassVar[str] = ""  # a World attribute: a persona whose scope does not include it

    def sample(self, world: Any) -> models.Model:
        """An object the manager manages and the outsider may not see."""
        raise NotImplementedError

    def label(self, obj: models.Model) -> str:
        """The text that shows the object on a page (its name, usually)."""
        return str(getattr(obj, "name", obj))

    def client(self, world: Any, client_for: Any, persona: str) -> Any:
        return client_for(getattr(world, persona))


class ListChecks(RegistryBase):
    export_headers: ClassVar[Sequence[str]] = ()

    def test_the_manager_finds_the_object_on_the_list_and_in_its_export(
        self, world: Any, client_for: Any
    ) -> None:
        obj, client = self.sample(world), self.client(world, client_for, self.manager)
        page = client.get(self.list_url)
        assert page.status_code == 200 and self.label(obj) in page.content.decode()
        download = client.get(self.list_url, {"format": "xlsx"})
        assert download.status_code == 200
        sheet = load_workbook(io.BytesIO(download.content), read_only=True).worksheets[0]
        rows = [tuple(row) for row in sheet.iter_rows(values_only=True)]
        assert rows[0] == tuple(self.export_headers)
        assert any(self.label(obj) in row for row in rows[1:])


class DetailChecks(RegistryBase):
    def test_the_manager_reads_the_object_page(self, world: Any, client_for: Any) -> None:
        obj = self.sample(world)
        page = self.client(world, client_for, self.manager).get(obj.get_absolute_url())  # type: ignore[attr-defined]
        assert page.status_code == 200 and self.label(obj) in page.content.decode()


class CreateChecks(RegistryBase):
    create_url: ClassVar[str] = ""
    create_data: ClassVar[dict[str, Any]] = {}
    verbs: ClassVar[tuple[str, str]] = ("", "")  # the audit verbs of create and update

    def created(self) -> models.QuerySet[Any]:
        """The rows ``create_data`` makes (empty before the post)."""
        raise NotImplementedError

    def test_the_manager_creates_one_object_with_one_audit_event(self, world: Any, client_for: Any) -> None:
        self.sample(world)
        assert not self.created().exists()
        response = self.client(world, client_for, self.manager).post(self.create_url, self.create_data)
        assert response.status_code == 302, response.content.decode()[:2000]
        obj = self.created().get()
        assert AuditEvent.objects.for_target(obj).filter(verb=self.verbs[0]).count() == 1

    def test_an_empty_create_form_is_answered_on_the_page_and_stores_nothing(
        self, world: Any, client_for: Any
    ) -> None:
        self.sample(world)
        response = self.client(world, client_for, self.manager).post(self.create_url, {})
        assert response.status_code == 200 and "invalid-feedback" in response.content.decode()
        assert not self.created().exists()


class EditChecks(RegistryBase):
    edit_url: ClassVar[str] = ""  # with {pk}
    edit_data: ClassVar[dict[str, Any]] = {}
    verbs: ClassVar[tuple[str, str]] = ("", "")

    def test_the_manager_edits_the_object_and_the_audit_keeps_before_and_after(
        self, world: Any, client_for: Any
    ) -> None:
        obj = self.sample(world)
        response = self.client(world, client_for, self.manager).post(
            self.edit_url.format(pk=obj.pk), self.edit_data
        )
        assert response.status_code == 302, response.content.decode()[:2000]
        obj.refresh_from_db()
        for name, value in self.edit_data.items():
            if isinstance(getattr(obj, name, None), str):
                assert getattr(obj, name) == value
        event = AuditEvent.objects.for_target(obj).get(verb=self.verbs[1])
        assert event.before and event.after and event.before != event.after


class ScopeChecks(RegistryBase):
    edit_url: ClassVar[str] = ""
    edit_data: ClassVar[dict[str, Any]] = {}

    def test_an_outsider_neither_sees_nor_changes_the_object(self, world: Any, client_for: Any) -> None:
        obj = self.sample(world)
        before = {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}
        client = self.client(world, client_for, self.outsider)
        listing = client.get(self.list_url)
        assert listing.status_code == 200 and self.label(obj) not in listing.content.decode()
        assert self.label(obj) not in client.get(self.list_url, {"format": "xlsx"}).content.decode(
            errors="ignore"
        )
        assert client.get(obj.get_absolute_url()).status_code == 404  # type: ignore[attr-defined]
        if self.edit_url:
            assert client.get(self.edit_url.format(pk=obj.pk)).status_code == 404
            assert client.post(self.edit_url.format(pk=obj.pk), self.edit_data).status_code == 404
        obj.refresh_from_db()
        assert {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields} == before


class ImportChecks(RegistryBase):
    import_url: ClassVar[str] = ""
    import_data: ClassVar[dict[str, Any]] = {}  # the form's other fields
    import_verb: ClassVar[str] = ""

    def good_file(self, world: Any) -> tuple[str, bytes]:
        raise NotImplementedError

    def bad_file(self, world: Any) -> tuple[str, bytes, str]:
        """A file with a problem and the Chinese message that names it."""
        raise NotImplementedError

    def imported(self) -> models.QuerySet[Any]:
        raise NotImplementedError

    def upload(self, client: Any, name: str, data: bytes) -> Any:
        return client.post(self.import_url, {"file": SimpleUploadedFile(name, data), **self.import_data})

    def test_a_good_file_is_stored_with_one_audit_event(self, world: Any, client_for: Any) -> None:
        name, data = self.good_file(world)
        before = self.imported().count()
        response = self.upload(self.client(world, client_for, self.manager), name, data)
        assert response.status_code == 302, response.content.decode()[:2000]
        assert self.imported().count() > before
        assert AuditEvent.objects.filter(verb=self.import_verb).count() == 1

    def test_a_bad_file_names_the_problem_and_stores_nothing(self, world: Any, client_for: Any) -> None:
        name, data, message = self.bad_file(world)
        before = self.imported().count()
        response = self.upload(self.client(world, client_for, self.manager), name, data)
        assert response.status_code == 200 and message in response.content.decode()
        assert self.imported().count() == before
        assert not AuditEvent.objects.filter(verb=self.import_verb).exists()

    def test_an_outsider_cannot_import_into_the_managers_scope(self, world: Any, client_for: Any) -> None:
        name, data = self.good_file(world)
        before = self.imported().count()
        response = self.upload(self.client(world, client_for, self.outsider), name, data)
        assert response.status_code in (200, 404)  # refused outright, or every row named as out of scope
        assert self.imported().count() == before

    def test_a_stored_file_leaves_the_planners_statistics_of_its_table_fresh(
        self, world: Any, client_for: Any, monkeypatch: Any, django_capture_on_commit_callbacks: Any
    ) -> None:
        name, data = self.good_file(world)
        client = self.client(world, client_for, self.manager)
        response = statistics_follow(
            self.imported().model,
            lambda: self.upload(client, name, data),
            monkeypatch,
            django_capture_on_commit_callbacks,
        )
        assert response.status_code == 302, response.content.decode()[:2000]


def statistics_follow(
    model: type[models.Model], store: Callable[[], T], monkeypatch: Any, capture_on_commit: Any
) -> T:
    """Run ``store`` (an import adding rows to ``model``'s table), then check that once it commits the
    planner's statistics count the table's rows as they now are (``core.dbstats``); its result."""
    # A real bulk import has hundreds of rows; a test's file a few, so the threshold comes down.
    monkeypatch.setattr(dbstats, "BULK_ROWS", 1)
    table = model._meta.db_table
    reset_planner_statistics(table)
    before = model._base_manager.count()
    with capture_on_commit(execute=True):
        result = store()
    after = model._base_manager.count()
    assert after > before and planner_rows(table) == after
    return result


def planner_rows(table: str) -> float | None:
    """What the planner believes a table holds: PostgreSQL's reltuples, SQLite's sqlite_stat1 row count."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [table])
        else:
            cursor.execute("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")
            if not cursor.fetchone()[0]:
                return None
            cursor.execute("SELECT CAST(stat AS INTEGER) FROM sqlite_stat1 WHERE tbl = %s", [table])
        row = cursor.fetchone()
    return float(row[0]) if row and row[0] is not None else None


def reset_planner_statistics(table: str) -> None:
    """Statistics that know the table as it is now, whatever earlier tests left behind (PostgreSQL
    keeps them across rolled-back tests; SQLite's are forgotten, so an import's ANALYZE must write them)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")
        else:
            cursor.execute("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")
            if cursor.fetchone()[0]:
                cursor.execute("DELETE FROM sqlite_stat1 WHERE tbl = %s", [table])


class RegistryChecks(ListChecks, DetailChecks, CreateChecks, EditChecks, ScopeChecks):
    """List, export, detail, create, edit and scope; add ``ImportChecks`` for a registry with an import."""
