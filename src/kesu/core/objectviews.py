"""The registry shape: small generic list / detail / create / edit / import views a registry app declares.

Like NetBox's ``ObjectListView``, a page is declared, not written: the model (whose queryset has
``visible_to(user)`` and ``manageable_by(user)``), the django-filter filterset the API shares, the
table's columns (which are also the xlsx export's), and the action function that writes. What
every page must get right is done once here:

- rows come from ``visible_to(user)``, edits from ``manageable_by(user)``: an object out of scope
  is a 404, never a 403 that confirms it exists; one the user reads but may not change is a 403
  无权限 with a way back (``core.http.writable_or_403``);
- every write goes through the app's action (one transaction, one audit event); the view only
  turns the action's domain error into a message on the form;
- ``?format=xlsx`` downloads exactly the filtered rows with the page's columns (``core.exports``);
- an import checks the whole file with the shared reader (``kesu.tables``) and stores all rows
  or none, listing every problem in Chinese.

See docs/registry-shape.md for a new app walking through it, and ``core.testing_registry`` for
the matching test mixins.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db import models
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views import View

from kesu import tables
from kesu.core import audit, uploads
from kesu.core.exports import wants_xlsx, xlsx_response
from kesu.core.forms import StyledFormMixin
from kesu.core.http import AuthedRequest, writable_or_403
from kesu.core.models import AuditEvent, Job
from kesu.tables import TableError

# ---- columns ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """One column of a list and of its export: a header and how to read the cell from an object.

    ``value`` is a dotted attribute path (``region.name``; a method on the way is called, so
    ``get_kind_display`` works) or a function of the object. ``link`` makes the page cell a link
    to the object; booleans read 是/否 on the page and in the file alike.
    """

    header: str
    value: str | Callable[[Any], Any]
    link: bool = False
    sort: str = ""  # the ?sort= key of the filterset's sort_filter that orders by this column

    def of(self, obj: Any) -> Any:
        if callable(self.value):
            return _plain(self.value(obj))
        current = obj
        for part in self.value.split("."):
            current = getattr(current, part, None)
            if callable(current) and not isinstance(current, models.Manager):
                current = current()
            if current is None:
                return ""
        return _plain(current)


def _plain(value: Any) -> Any:
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, models.Manager):
        return "、".join(str(item) for item in value.all())
    return "" if value is None else value


def table_rows(objects: Any, columns: Sequence[Column]) -> list[dict[str, Any]]:
    """The page's rows: each object with its cells and, for a link column, its URL."""
    return [
        {
            "object": obj,
            "cells": [{"value": c.of(obj), "url": obj.get_absolute_url() if c.link else ""} for c in columns],
        }
        for obj in objects
    ]


# ---- list and export ----------------------------------------------------------------------------


class ObjectListView(View):
    """A filtered, paginated list of what the user may see, downloadable as xlsx with the same columns."""

    model: ClassVar[type[models.Model]]
    columns: ClassVar[Sequence[Column]] = ()
    filterset_class: ClassVar[Any] = None  # a django_filters.FilterSet, the one the API uses too
    template_name: ClassVar[str] = "core/object_list.html"
    title: ClassVar[str] = ""
    export_name: ClassVar[str] = ""  # file and sheet name; defaults to the title
    paginate_by: ClassVar[int] = 100
    paginator_class: ClassVar[type[Paginator]] = Paginator  # a huge registry may cap its count
    create_url: ClassVar[str] = ""  # a URL name; shown to users who may create
    # Rows about people (experts, volunteers, contacts): every export goes into the audit trail.
    personal_data: ClassVar[bool] = False
    http_method_names: ClassVar[list[str]] = ["get", "head"]  # type: ignore[misc]
    request: AuthedRequest

    def get_queryset(self) -> models.QuerySet[Any]:
        """What the user may see; override to narrow (select_related, the current region)."""
        return self.model._default_manager.visible_to(self.request.user)  # type: ignore[attr-defined]

    def can_create(self) -> bool:
        return False

    def extra_context(self) -> dict[str, Any]:
        return {}

    def get(self, request: AuthedRequest) -> HttpResponse:
        queryset = self.get_queryset()
        filterset = None
        if self.filterset_class is not None:
            filterset = self.filterset_class(request.GET, queryset=queryset, request=request)
            queryset = filterset.qs
        if wants_xlsx(request):
            name = self.export_name or self.title
            rows = ([column.of(obj) for column in self.columns] for obj in queryset)
            headers = [c.header for c in self.columns]
            if self.personal_data:
                audit.record_export(request.user, f"{name}.xlsx", rows=queryset.count())
            return xlsx_response(f"{name}.xlsx", name, headers, rows, print_title="")
        page = self.paginator_class(queryset, self.paginate_by).get_page(request.GET.get("page"))
        return render(
            request,
            self.template_name,
            {
                "page": page,
                "filterset": filterset,
                "title": self.title,
                "columns": self.columns,
                "rows": table_rows(page, self.columns),
                "can_create": self.can_create(),
                "create_url": self.create_url,
                **self.extra_context(),
            },
        )


# ---- detail -------------------------------------------------------------------------------------


class ObjectDetailView(View):
    """One object the user may see (404 otherwise), whether they may manage it, and its history if so."""

    model: ClassVar[type[models.Model]]
    template_name: ClassVar[str] = "core/object_detail.html"
    fields: ClassVar[Sequence[Column]] = ()  # shown by the generic template; app templates lay out their own
    history_size: ClassVar[int] = 20
    pk_url_kwarg: ClassVar[str] = "pk"
    http_method_names: ClassVar[list[str]] = ["get", "head"]  # type: ignore[misc]
    request: AuthedRequest

    def get_queryset(self) -> models.QuerySet[Any]:
        return self.model._default_manager.visible_to(self.request.user)  # type: ignore[attr-defined]

    def get_object(self, pk: int) -> Any:
        return _get_or_404(self.get_queryset(), pk)

    def extra_context(self, obj: Any) -> dict[str, Any]:
        return {}

    def get(self, request: AuthedRequest, **kwargs: Any) -> HttpResponse:
        obj = self.get_object(kwargs[self.pk_url_kwarg])
        can_manage = self.model._default_manager.manageable_by(request.user).filter(pk=obj.pk).exists()  # type: ignore[attr-defined]
        history = (
            AuditEvent.objects.history_of(obj, request.user).select_related("actor")[: self.history_size]
            if can_manage
            else []
        )
        return render(
            request,
            self.template_name,
            {
                "object": obj,
                "can_manage": can_manage,
                "history": history,
                "fields": [(column.header, column.of(obj)) for column in self.fields],
                **self.extra_context(obj),
            },
        )


def _get_or_404(queryset: models.QuerySet[Any], pk: int) -> Any:
    obj = queryset.filter(pk=pk).first()
    if obj is None:
        raise Http404("没有找到，或您无权查看。")
    return obj


# ---- create and edit ----------------------------------------------------------------------------


class ObjectFormView(View):
    """A form whose valid data goes to one action; the action's domain errors come back on the form.

    Subclasses set ``form_class`` and write ``save(form, obj)``, which calls the app's action and
    returns the object. For an edit, ``obj`` comes from ``manageable_by(user)``; for a create it is
    None. ``action_errors`` lists the exceptions whose message the office should read on the form
    (an ``IntegrityError`` for a duplicate name, the app's own error class).
    """

    model: ClassVar[type[models.Model]]
    form_class: ClassVar[type[forms.BaseForm]]
    template_name: ClassVar[str] = "core/object_form.html"
    action_errors: ClassVar[tuple[type[Exception], ...]] = ()
    success_message: ClassVar[str] = "已保存"
    request: AuthedRequest

    def get_manageable(self) -> models.QuerySet[Any]:
        return self.model._default_manager.manageable_by(self.request.user)  # type: ignore[attr-defined]

    def make_form(self, obj: Any) -> forms.BaseForm:
        data, files = (
            (self.request.POST, self.request.FILES) if self.request.method == "POST" else (None, None)
        )
        if obj is not None and issubclass(self.form_class, forms.BaseModelForm):
            # a fresh copy: a form that fails validation must not leave its changes on the object the page shows
            return self.form_class(data, files, instance=type(obj)._default_manager.get(pk=obj.pk))
        return self.form_class(data, files)

    def save(self, form: Any, obj: Any) -> Any:
        raise NotImplementedError

    def error_field(self, error: Exception) -> str | None:
        """The form field an action error belongs to; None puts it above the form."""
        return None

    def error_message(self, error: Exception) -> str:
        return str(getattr(error, "message", "") or error)

    def success_url(self, obj: Any) -> str:
        return str(obj.get_absolute_url())

    def extra_context(self, obj: Any) -> dict[str, Any]:
        return {}

    def handle(self, request: AuthedRequest, obj: Any) -> HttpResponse:
        form = self.make_form(obj)
        if request.method == "POST" and form.is_valid():
            try:
                saved = self.save(form, obj)
            except self.action_errors as error:
                form.add_error(self.error_field(error), self.error_message(error))
            else:
                messages.success(request, self.success_message.format(object=saved))
                return redirect(self.success_url(saved))
        return render(request, self.template_name, {"form": form, "object": obj, **self.extra_context(obj)})


class ObjectCreateView(ObjectFormView):
    success_message: ClassVar[str] = "已添加：{object}"

    def allowed(self) -> None:
        """Raise PermissionDenied (a reader) or Http404 (anyone else) when the user may not add here;
        checked before the form is shown or read, so a refused write never renders a form."""

    def get(self, request: AuthedRequest) -> HttpResponse:
        self.allowed()
        return self.handle(request, None)

    def post(self, request: AuthedRequest) -> HttpResponse:
        self.allowed()
        return self.handle(request, None)


class ObjectEditView(ObjectFormView):
    pk_url_kwarg: ClassVar[str] = "pk"

    def get(self, request: AuthedRequest, **kwargs: Any) -> HttpResponse:
        return self.handle(request, self.get_object(kwargs[self.pk_url_kwarg]))

    def post(self, request: AuthedRequest, **kwargs: Any) -> HttpResponse:
        return self.handle(request, self.get_object(kwargs[self.pk_url_kwarg]))

    def get_object(self, pk: Any) -> Any:
        visible = self.model._default_manager.visible_to(self.request.user)  # type: ignore[attr-defined]
        return writable_or_403(self.get_manageable(), visible, pk=pk)


# ---- import -------------------------------------------------------------------------------------


class ImportForm(StyledFormMixin, forms.Form):
    file = forms.FileField(
        label="数据文件",
        help_text="xlsx 或 CSV（UTF-8 或 GBK）",
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )


@dataclass
class Checked:
    """What ``check`` found: the rows to store, or every problem (then nothing is stored)."""

    rows: list[Any]
    errors: list[str]


class ObjectImportView(View):
    """Upload, check every row, then store all rows in one action, or none and list what to fix.

    Subclasses write ``check(data, filename, form)`` (read with ``kesu.tables``, return ``Checked``;
    a ``tables.TableError`` for an unreadable file or a broken limit becomes the one problem) and
    ``store(rows, form, filename)`` (one action call; returns how many rows were stored).
    """

    form_class: ClassVar[type[forms.BaseForm]] = ImportForm
    template_name: ClassVar[str] = "core/object_import.html"
    title: ClassVar[str] = "导入"
    success_message: ClassVar[str] = "已导入 {count} 行"
    success_url: ClassVar[str] = ""  # a URL name
    shown_errors: ClassVar[int] = 100
    request: AuthedRequest

    def allowed(self) -> None:
        """Raise Http404 when the user may not import here (checked before the form is read)."""

    def check(self, data: bytes, filename: str, form: Any) -> Checked:
        raise NotImplementedError

    def store(self, rows: list[Any], form: Any, filename: str) -> int:
        raise NotImplementedError

    def extra_context(self) -> dict[str, Any]:
        return {}

    # Set by an import whose large files go to a background job (``core.uploads``): a file over
    # ``uploads.BACKGROUND_BYTES`` is checked against these limits in the request, then handed over.
    background_limits: ClassVar[tables.Limits | None] = None
    results_name: ClassVar[str] = ""  # where the stored rows are listed (活动列表), named in the message

    def hand_to_job(self, data: bytes, filename: str, form: Any) -> Job:
        """Start the job that checks and stores a large file (an action calling ``uploads.start_import``)."""
        raise NotImplementedError

    def background(self, data: bytes, filename: str, form: Any) -> HttpResponse | None:
        """A response when a large file goes to a background job; None to import now."""
        if self.background_limits is None or not uploads.goes_to_background(data):
            return None
        uploads.precheck(
            data, filename, self.background_limits
        )  # a hostile file is refused here, not in a job
        job = self.hand_to_job(data, filename, form)
        after = f"，完成后可在{self.results_name}中查看" if self.results_name else ""
        messages.info(self.request, f"文件较大，已转入后台导入：本页显示进度{after}。")
        return redirect(job)

    def get(self, request: AuthedRequest) -> HttpResponse:
        self.allowed()
        return self.respond(self.form_class(), [])

    def post(self, request: AuthedRequest) -> HttpResponse:
        self.allowed()
        form = self.form_class(request.POST, request.FILES)
        errors: list[str] = []
        if form.is_valid():
            upload = form.cleaned_data["file"]
            data = upload.read()
            try:
                handed_off = self.background(data, upload.name, form)
                if handed_off is not None:
                    return handed_off
                checked = self.check(data, upload.name, form)
            except TableError as error:
                checked = Checked([], [error.message])
            errors = checked.errors
            if not errors:
                count = self.store(checked.rows, form, upload.name)
                messages.success(request, self.success_message.format(count=count))
                return HttpResponseRedirect(self.redirect_to())
        return self.respond(form, errors)

    def redirect_to(self) -> str:
        return reverse(self.success_url)

    def respond(self, form: forms.BaseForm, errors: list[str]) -> HttpResponse:
        return render(
            self.request,
            self.template_name,
            {
                "form": form,
                "title": self.title,
                "errors": errors[: self.shown_errors],
                "more_errors": max(0, len(errors) - self.shown_errors),
                **self.extra_context(),
            },
        )
